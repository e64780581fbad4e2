/*
 * What every library source includes: the public headers, the limits, the
 * error setters, and banned.h last.
 */
#ifndef ENCLAVE_COMMON_INT_H
#define ENCLAVE_COMMON_INT_H

#include <stddef.h>
#include <stdint.h>

#include "enclave.h"
#include "limits.h"
#include "../util/buf.h"

/*
 * Set this thread's error message and return `code`, so that callers can
 * write `return error_set(ENCLAVE_EINVALID, "cannot ...: %s", why);`.
 */
int error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the current message: "<prefix>: <old message>". Returns the current code. */
int error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Map a buf_* error to ENCLAVE_ENOMEM / ENCLAVE_ELIMIT with a message. */
int error_buf(int buf_error, const char *what);

/* error_set(ENCLAVE_ENOMEM, "out of memory") */
int error_oom(void);

/* The current UTC time as ISO 8601 with milliseconds, "2026-11-23T14:09:40.123Z". */
void time_now_iso(char out[32]);

/* CLOCK_MONOTONIC in seconds: deadlines and intervals (extract_ctx.deadline). */
double time_monotonic(void);

#include "../util/banned.h"

#endif
