/*
 * Enclave: things every public header shares: error codes, the per-thread
 * error message, the library version.
 *
 * Every fallible function returns an int: 0 on success, or one of the negative
 * ENCLAVE_E* codes below, and sets a message that enclave_error_last() returns.
 */
#ifndef ENCLAVE_COMMON_H
#define ENCLAVE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ENCLAVE_VERSION "0.1.0"

enum enclave_error_code {
	ENCLAVE_OK = 0,
	ENCLAVE_ERROR = -1,        /* generic failure, see the message */
	ENCLAVE_ENOTFOUND = -2,    /* no such project, document, file */
	ENCLAVE_EEXISTS = -3,      /* already exists */
	ENCLAVE_EINVALID = -4,     /* bad argument or malformed input */
	ENCLAVE_EUNSUPPORTED = -5, /* a format or feature we do not handle */
	ENCLAVE_ELIMIT = -6,       /* a limit on hostile input was reached */
	ENCLAVE_EIO = -7,          /* read, write or sync failed */
	ENCLAVE_ESTORE = -8,       /* the SQLite store reported an error */
	ENCLAVE_ENOMEM = -9,       /* allocation failed */
	ENCLAVE_EENCRYPTED = -10,  /* input is password-protected */
	ENCLAVE_ETAMPER = -11,     /* an integrity check failed */
	ENCLAVE_EEMPTY = -12,      /* input holds no content */
	ENCLAVE_ECONFLICT = -13,   /* a stale version, or a state that forbids the change */
	ENCLAVE_EDENIED = -14      /* the user may not do this (wrong password, role, owner) */
};

/*
 * The message of the last error set on this thread; never NULL ("" when none).
 * Borrowed: valid until the next failing call on this thread.
 */
const char *enclave_error_last(void);

/* The code of the last error set on this thread (0 when none). */
int enclave_error_last_code(void);

/* Forget the last error of this thread. */
void enclave_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif
