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
 *
 * The streaming record (record.c) writes its JSON with the same pieces
 * (export_json_string, _int, _real) and escapes the text it reads from the
 * store with export_json_text, which also checks it: a text jansson would
 * refuse (not UTF-8) or that the store's reader would change (a NUL) is
 * reported, and that record goes through the tree instead.
 */
#include <math.h>
#include <stdint.h>
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

size_t export_json_int_chars(char out[24], json_int_t v)
{
	char s[24], *p = s + sizeof(s);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	memcpy(out, p, (size_t)(s + sizeof(s) - p));
	return (size_t)(s + sizeof(s) - p);
}

/* Append an integer in decimal, as "%" JSON_INTEGER_FORMAT (printf showed in profiles). */
static int put_int(struct buf *b, json_int_t v)
{
	char s[24];

	return buf_put(b, s, export_json_int_chars(s, v));
}

/*
 * A real as jansson's jsonp_dtostr writes it. A whole number below 2^53
 * prints as its digits and ".0" ("%.17g" shows all of them); printf is left
 * the rest (fractions, -0, large values).
 */
size_t export_json_real_chars(char out[64], double v)
{
	char *e, *start, *end;
	int n;

	if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v &&
	    (v != 0 || !signbit(v))) {
		size_t k = export_json_int_chars(out, (json_int_t)v);
		memcpy(out + k, ".0", 2);
		return k + 2;
	}
	n = snprintf(out, 64, "%.17g", v);
	if (n < 0 || n >= 64 - 3)
		return 0;
	if (!strchr(out, '.') && !strchr(out, 'e'))
		memcpy(out + n, ".0", 3);
	if ((e = strchr(out, 'e'))) {
		start = e + 1;
		end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start)
			memmove(start, end, strlen(end) + 1);
	}
	return strlen(out);
}

/* Append a real as jansson's jsonp_dtostr writes it. */
static int put_real(struct buf *b, double v)
{
	char s[64];
	size_t n = export_json_real_chars(s, v);

	return n ? buf_put(b, s, n) : -1;
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

/* ------------------------------------------------------------------ */
/* Text from the store, checked while it is escaped                   */
/* ------------------------------------------------------------------ */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Does byte `c` need a look (escape, NUL, or the start of a multi-byte character)? */
static inline int special(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

/*
 * The high bit of each byte of `v` that special() flags. Borrows can flag
 * a byte after a flagged one, never before: the lowest flag is exact.
 */
static inline uint64_t special8(uint64_t v)
{
	uint64_t lt = (v - ONES * 0x20) & ~v;
	uint64_t q = v ^ (ONES * 0x22), bs = v ^ (ONES * 0x5c);

	q = (q - ONES) & ~q;
	bs = (bs - ONES) & ~bs;
	return (lt | q | bs | v) & HIGHS;
}

/* The length of the valid UTF-8 character at p (lead byte >= 0x80), 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The escape of ASCII byte c (< 0x20, '"' or '\\') into esc; its length. */
static size_t escape(char esc[6], unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";

	esc[0] = '\\';
	switch (c) {
	case '"': esc[1] = '"'; return 2;
	case '\\': esc[1] = '\\'; return 2;
	case '\b': esc[1] = 'b'; return 2;
	case '\f': esc[1] = 'f'; return 2;
	case '\n': esc[1] = 'n'; return 2;
	case '\r': esc[1] = 'r'; return 2;
	case '\t': esc[1] = 't'; return 2;
	default:
		memcpy(esc + 1, "u00", 3);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		return 6;
	}
}

int export_json_text(struct buf *out, const char *s, size_t len, size_t maxcp, size_t *used,
                     size_t *ncp)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
	size_t cp = 0;
	int error;

	while (p < end && cp < maxcp) {
		size_t room = maxcp - cp;
		const unsigned char *lim = (size_t)(end - p) > room ? p + room : end, *q = p;
		unsigned char c;
		char esc[6];
		size_t n;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* Eight plain ASCII bytes at a time: most text is. */
		while (lim - q >= 8) {
			uint64_t v, m;
			memcpy(&v, q, 8);
			if ((m = special8(v))) {
				q += (unsigned)__builtin_ctzll(m) >> 3;
				break;
			}
			q += 8;
		}
#endif
		while (q < lim && !special(*q))
			q++;
		cp += (size_t)(q - p);
		p = q;
		if (p == lim)
			continue;
		if ((c = *p) >= 0x80) {
			if (!(n = utf8_seq(p, end)))
				return 1;
			p += n;
			cp++;
			continue;
		}
		if (!c)
			return 1;
		n = escape(esc, c);
		if (out && ((error = buf_put(out, run, (size_t)(p - run))) < 0 ||
		            (error = buf_put(out, esc, n)) < 0))
			return error_buf(error, "a record");
		run = ++p;
		cp++;
	}
	if (out && (error = buf_put(out, run, (size_t)(p - run))) < 0)
		return error_buf(error, "a record");
	*used = (size_t)(p - (const unsigned char *)s);
	*ncp = cp;
	return 0;
}

int export_json_string(struct buf *out, const char *s, size_t len)
{
	return put_string(out, s, len) < 0 ? error_buf(BUF_ETOOBIG, "a record") : 0;
}

int export_json_int(struct buf *out, json_int_t v)
{
	return put_int(out, v) < 0 ? error_buf(BUF_ETOOBIG, "a record") : 0;
}

int export_json_real(struct buf *out, double v)
{
	return put_real(out, v) < 0 ? error_buf(BUF_ETOOBIG, "a record") : 0;
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
