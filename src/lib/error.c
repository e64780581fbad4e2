/*
 * The per-thread error message behind enclave_error_last().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common_int.h"

static _Thread_local char last_message[ENCLAVE_MAX_ERROR_BYTES];
static _Thread_local int last_code;

const char *enclave_error_last(void)
{
	return last_message;
}

int enclave_error_last_code(void)
{
	return last_code;
}

void enclave_error_clear(void)
{
	last_message[0] = '\0';
	last_code = 0;
}

int error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	last_code = code;
	return code;
}

int error_prefix(const char *fmt, ...)
{
	char old[ENCLAVE_MAX_ERROR_BYTES];
	va_list ap;
	int n;

	memcpy(old, last_message, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 3 < sizeof(last_message)) {
		size_t room = sizeof(last_message) - (size_t)n - 3, len = strlen(old);
		if (len > room)
			len = room;
		memcpy(last_message + n, ": ", 2);
		memcpy(last_message + n + 2, old, len);
		last_message[(size_t)n + 2 + len] = '\0';
	}
	return last_code;
}

int error_buf(int buf_error, const char *what)
{
	if (buf_error == BUF_ETOOBIG)
		return error_set(ENCLAVE_ELIMIT, "%s: too large", what);
	return error_set(ENCLAVE_ENOMEM, "%s: out of memory", what);
}

int error_oom(void)
{
	return error_set(ENCLAVE_ENOMEM, "out of memory");
}

double time_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void time_now_iso(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, 32 - 19, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}
