/*
 * A compact JSON encoder for the writers' hot path: the same bytes as
 * jansson's json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER), at a
 * fraction of its cost (measured: json_dumps took 60% of a jsonl export of
 * a million blocks, bench/export_speed.sh).
 *
 * Why the bytes match: jansson 2.14 iterates objects in insertion order
 * (what JSON_PRESERVE_ORDER asks for); strings are escaped as jansson does
 * without JSON_ENSURE_ASCII ('"', '\\', \b \f \n \r \t, other bytes below
 * 0x20 as \u00XX with uppercase hex, DEL and '/' as is, UTF-8 as is: jansson
 * checked it when the string was made); integers as "%" JSON_INTEGER_FORMAT;
 * reals as jansson's jsonp_dtostr: "%.17g", ".0" added when there is no '.'
 * or 'e', the exponent without '+' or leading zeros. A unit test compares
 * the two on every kind of value (tests/unit/test_export.c).
 *
 * Where the time goes instead: safe runs of a string are copied with one
 * memcpy, and the output buffer is the caller's, reused from line to line.
 */
#include <stdio.h>
#include <string.h>

#include "export_int.h"

/* buf_putc without the call when there is room (the punctuation of every value). */
static inline int put_c(struct buf *b, char c)
{
	if (b->len + 2 <= b->cap) {
		b->ptr[b->len++] = c;
		b->ptr[b->len] = '\0';
		return 0;
	}
	return buf_putc(b, c);
}

/* Append `len` bytes of UTF-8 `s` as a JSON string. */
static int put_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;

	if (buf_grow(b, len + 2) < 0)
		return -1;
	b->ptr[b->len++] = '"';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t n = 2;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_put(b, s + run, i - run) < 0)
			return -1;
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		if (buf_put(b, esc, n) < 0)
			return -1;
	}
	if (buf_put(b, s + run, len - run) < 0 || put_c(b, '"') < 0)
		return -1;
	return 0;
}

/* Append an integer in decimal, as "%" JSON_INTEGER_FORMAT (printf showed in profiles). */
static int put_int(struct buf *b, json_int_t v)
{
	char s[24], *p = s + sizeof(s);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	return buf_put(b, p, (size_t)(s + sizeof(s) - p));
}

/* Append a real as jansson's jsonp_dtostr writes it. */
static int put_real(struct buf *b, double v)
{
	char s[64], *e, *start, *end;
	int n = snprintf(s, sizeof(s), "%.17g", v);

	if (n < 0 || (size_t)n >= sizeof(s) - 3)
		return -1;
	if (!strchr(s, '.') && !strchr(s, 'e'))
		memcpy(s + n, ".0", 3);
	if ((e = strchr(s, 'e'))) {
		start = e + 1;
		end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start)
			memmove(start, end, strlen(end) + 1);
	}
	return buf_puts(b, s);
}

static int encode(struct buf *b, json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	int first = 1;

	if (depth > ENCLAVE_MAX_NESTING)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (put_c(b, '{') < 0)
			return -1;
		json_object_foreach(v, k, x)
		{
			if ((!first && put_c(b, ',') < 0) || put_string(b, k, strlen(k)) < 0 ||
			    put_c(b, ':') < 0 || encode(b, x, depth + 1) < 0)
				return -1;
			first = 0;
		}
		return put_c(b, '}');
	case JSON_ARRAY:
		if (put_c(b, '[') < 0)
			return -1;
		json_array_foreach(v, i, x) if ((i && put_c(b, ',') < 0) ||
		                                encode(b, x, depth + 1) < 0) return -1;
		return put_c(b, ']');
	case JSON_STRING: return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: return put_int(b, json_integer_value(v));
	case JSON_REAL: return put_real(b, json_real_value(v));
	case JSON_TRUE: return buf_puts(b, "true");
	case JSON_FALSE: return buf_puts(b, "false");
	default: return buf_puts(b, "null");
	}
}

int export_json_encode(struct buf *out, json_t *v)
{
	size_t keep = out->len;

	if (encode(out, v, 0) < 0) {
		buf_truncate(out, keep);
		return error_set(ENCLAVE_ELIMIT, "a record passes %zu bytes of JSON or %d levels",
		                 out->max, ENCLAVE_MAX_NESTING);
	}
	return 0;
}
