/*
 * Tesseract and Leptonica, loaded when OCR is first needed (see ocr_dl.h).
 *
 * Linking them made every start of the binary map and relocate 45 more
 * shared libraries (Tesseract brings libcurl and its TLS, Kerberos and LDAP
 * stack, ICU, libarchive, the image codecs): about 29 million instructions,
 * half the cost of extracting a one-page PDF, paid by every command even
 * when nothing is OCR'd. Loaded here on the first call that needs them,
 * once per process, they cost that only to runs that OCR something.
 *
 * The table is written once, under pthread_once, and only read after: the
 * process-wide state it is, is the set of loaded libraries itself. The
 * handles are never closed (a library's static state may be in use by any
 * thread until exit).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define OCR_DL_NO_MACROS
#include "ocr_dl.h"

/* The sonames of Debian 12's libleptonica-dev 1.82 and libtesseract-dev 5.3. */
#define LEPT_SONAME "liblept.so.5"
#define TESS_SONAME "libtesseract.so.5"

struct ocr_dl ocr_dl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512] = "not loaded"; /* "" once loaded; written only in load() */

/* Resolve Leptonica's symbols in `lib` into ocr_dl; 0, or -1 with load_error set. */
static int resolve_lept(void *lib)
{
#define OCR_DL_RESOLVE(name)                                                                   \
	if (!(*(void **)&ocr_dl.name = dlsym(lib, #name))) {                                   \
		snprintf(load_error, sizeof(load_error), "%s has no symbol '%s'", LEPT_SONAME, \
		         #name);                                                               \
		return -1;                                                                     \
	}
	OCR_DL_LEPT(OCR_DL_RESOLVE)
#undef OCR_DL_RESOLVE
	return 0;
}

/* The same for Tesseract's. */
static int resolve_tess(void *lib)
{
#define OCR_DL_RESOLVE(name)                                                                   \
	if (!(*(void **)&ocr_dl.name = dlsym(lib, #name))) {                                   \
		snprintf(load_error, sizeof(load_error), "%s has no symbol '%s'", TESS_SONAME, \
		         #name);                                                               \
		return -1;                                                                     \
	}
	OCR_DL_TESS(OCR_DL_RESOLVE)
#undef OCR_DL_RESOLVE
	return 0;
}

/* Load both libraries, Leptonica first (Tesseract needs it), and fill the table. */
static void load(void)
{
	void *lept, *tess;
	const char *why;

	if (!(lept = dlopen(LEPT_SONAME, RTLD_NOW | RTLD_LOCAL))) {
		why = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s", LEPT_SONAME,
		         why ? why : "unknown error");
		return;
	}
	if (!(tess = dlopen(TESS_SONAME, RTLD_NOW | RTLD_LOCAL))) {
		why = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s", TESS_SONAME,
		         why ? why : "unknown error");
		return;
	}
	if (resolve_lept(lept) < 0 || resolve_tess(tess) < 0)
		return;
	load_error[0] = '\0';
}

int ocr_dl_load(void)
{
	/* After the first call, pthread_once is one atomic load. */
	pthread_once(&load_once, load);
	if (load_error[0])
		return error_set(ENCLAVE_EUNSUPPORTED, "ocr is unavailable: %s", load_error);
	return 0;
}
