/*
 * UTF-8 helpers over byte ranges. Depends on libc only.
 */
#ifndef UTIL_UTF8_H
#define UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode one code point at s (< end). Returns the number of bytes used
 * (1-4), and sets *cp; an invalid or truncated sequence yields U+FFFD and 1.
 */
size_t utf8_decode(const unsigned char *s, const unsigned char *end, uint32_t *cp);

/* Encode cp into out (4 bytes room). Returns bytes written (1-4). */
size_t utf8_encode(uint32_t cp, char *out);

/* Is [s, s+len) valid UTF-8 (no overlongs, no surrogates)? */
int utf8_valid(const char *s, size_t len);

/* Number of code points in valid UTF-8 [s, s+len). */
size_t utf8_count(const char *s, size_t len);

#endif
