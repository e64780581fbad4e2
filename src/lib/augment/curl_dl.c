/*
 * libcurl, loaded when an LLM client is first made (see augment_int.h).
 *
 * Linked, libcurl made every start of the binary map and relocate 17 more
 * shared libraries (its TLS, HTTP/2, IDN, SSH, RTMP, LDAP and Kerberos
 * stack): 61 instead of 44, for every command, when only `enclave llm` and
 * augment ever talk to an endpoint. Loaded here on the first client, once
 * per process, it costs that only to the runs that use it; a run that never
 * makes a client (every other command, `enclave llm list` too) does not even
 * map it (system/lazy_libs checks the binary does not list it).
 *
 * The table is written once, under pthread_once, and only read after; the
 * handle is never closed. curl_global_init runs in the same once, before any
 * thread can use curl.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define CURL_DL_NO_MACROS
#include "augment_int.h"

/* The soname of Debian 12's libcurl4 (OpenSSL flavour; libcurl4-openssl-dev). */
#define CURL_SONAME "libcurl.so.4"

struct curl_dl curl_dl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512] = "not loaded"; /* "" once loaded; written only in load() */

static void load(void)
{
	const char *why;
	CURLcode rc;
	void *lib;

	if (!(lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL))) {
		why = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s", CURL_SONAME,
		         why ? why : "unknown error");
		return;
	}
#define CURL_DL_RESOLVE(name)                                                                  \
	if (!(*(void **)&curl_dl.name = dlsym(lib, #name))) {                                  \
		snprintf(load_error, sizeof(load_error), "%s has no symbol '%s'", CURL_SONAME, \
		         #name);                                                               \
		return;                                                                        \
	}
	CURL_DL_FUNCS(CURL_DL_RESOLVE)
#undef CURL_DL_RESOLVE
	if ((rc = curl_dl.curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(load_error, sizeof(load_error), "curl_global_init: %s",
		         curl_dl.curl_easy_strerror(rc));
		return;
	}
	load_error[0] = '\0';
}

int curl_dl_load(void)
{
	pthread_once(&load_once, load);
	if (load_error[0])
		return error_set(ENCLAVE_EUNSUPPORTED, "the LLM client is unavailable: %s",
		                 load_error);
	return 0;
}
