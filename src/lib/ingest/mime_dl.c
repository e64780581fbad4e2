/*
 * GMime and libgsf, loaded when an e-mail or an OLE file is first read (see
 * mime_dl.h).
 *
 * Linking them made every start of the binary map and relocate 14 more
 * shared libraries (GIO, GPGME and its Assuan, libmount, libselinux,
 * libidn2 and libunistring, ...) for two parsers most runs never use: 7.8
 * million instructions (callgrind: `enclave --version` 21.3M -> 13.5M, a
 * one-page PDF's extraction 39.2M -> 31.4M). Loaded here on the first call
 * that needs them, once per process, they cost that only to runs that read
 * an e-mail or an OLE file.
 *
 * Three parts, each loaded once under its own pthread_once: GObject (with
 * the GLib functions, found through its handle, whose lookup scope includes
 * its dependencies), then GMime or libgsf. A PDF run loads none; an e-mail
 * run loads GObject and GMime, not libgsf. Each part of the table is written
 * once, by its loader, and only read after: the process-wide state it is, is
 * the set of loaded libraries itself. The handles are never closed (a
 * library's static state, GType's registry above all, may be in use by any
 * thread until exit).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MIME_DL_NO_MACROS
#include "mime_dl.h"

/* Debian 12's sonames: libglib2.0 2.74, libgmime-3.0 3.2, libgsf-1 1.14. */
#define GOBJECT_SONAME "libgobject-2.0.so.0"
#define GMIME_SONAME "libgmime-3.0.so.0"
#define GSF_SONAME "libgsf-1.so.114"

struct mime_dl mime_dl;

/* One library's load: its once, and "" once loaded or why not (written only by its loader). */
struct part {
	pthread_once_t once;
	char error[512];
};

static struct part gobject_part = { PTHREAD_ONCE_INIT, "not loaded" };
static struct part gmime_part = { PTHREAD_ONCE_INIT, "not loaded" };
static struct part gsf_part = { PTHREAD_ONCE_INIT, "not loaded" };

/* dlopen `soname`; the handle, or NULL with p->error set. */
static void *open_lib(struct part *p, const char *soname)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	const char *why;

	if (!lib) {
		why = dlerror();
		snprintf(p->error, sizeof(p->error), "cannot load %s: %s", soname,
		         why ? why : "unknown error");
	}
	return lib;
}

/* Resolve one name into mime_dl, or set p->error and return -1 (in a resolve_* function). */
#define MIME_DL_RESOLVE(name)                                                                 \
	if (!(*(void **)&mime_dl.name = dlsym(lib, #name))) {                                 \
		snprintf(p->error, sizeof(p->error), "%s has no symbol '%s'", soname, #name); \
		return -1;                                                                    \
	}

/* GObject's and GLib's functions, from libgobject's handle. */
static int resolve_gobject(struct part *p, void *lib)
{
	const char *soname = GOBJECT_SONAME;
	MIME_DL_GOBJECT(MIME_DL_RESOLVE)
	return 0;
}

/* GMime's functions. */
static int resolve_gmime(struct part *p, void *lib)
{
	const char *soname = GMIME_SONAME;
	MIME_DL_GMIME(MIME_DL_RESOLVE)
	return 0;
}

/* libgsf's functions. */
static int resolve_gsf(struct part *p, void *lib)
{
	const char *soname = GSF_SONAME;
	MIME_DL_GSF(MIME_DL_RESOLVE)
	return 0;
}
#undef MIME_DL_RESOLVE

static void load_gobject(void)
{
	void *lib = open_lib(&gobject_part, GOBJECT_SONAME);

	if (lib && resolve_gobject(&gobject_part, lib) == 0)
		gobject_part.error[0] = '\0';
}

/* Load GObject first (GMime and libgsf need it, and the table's GLib part comes from it). */
static int need_gobject(struct part *p)
{
	pthread_once(&gobject_part.once, load_gobject);
	if (gobject_part.error[0]) {
		snprintf(p->error, sizeof(p->error), "%s", gobject_part.error);
		return -1;
	}
	return 0;
}

static void load_gmime(void)
{
	void *lib;

	if (need_gobject(&gmime_part) == 0 && (lib = open_lib(&gmime_part, GMIME_SONAME)) &&
	    resolve_gmime(&gmime_part, lib) == 0)
		gmime_part.error[0] = '\0';
}

static void load_gsf(void)
{
	void *lib;

	if (need_gobject(&gsf_part) == 0 && (lib = open_lib(&gsf_part, GSF_SONAME)) &&
	    resolve_gsf(&gsf_part, lib) == 0)
		gsf_part.error[0] = '\0';
}

int mime_dl_gmime(void)
{
	/* After the first call, pthread_once is one atomic load. */
	pthread_once(&gmime_part.once, load_gmime);
	if (gmime_part.error[0])
		return error_set(ENCLAVE_EUNSUPPORTED, "e-mail reading is unavailable: %s",
		                 gmime_part.error);
	return 0;
}

int mime_dl_gsf(void)
{
	pthread_once(&gsf_part.once, load_gsf);
	if (gsf_part.error[0])
		return error_set(ENCLAVE_EUNSUPPORTED,
		                 "reading OLE files (doc, xls, ppt, msg) is unavailable: %s",
		                 gsf_part.error);
	return 0;
}
