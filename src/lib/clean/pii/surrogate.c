/*
 * Pseudonyms: a realistic surrogate of the same kind and format for a
 * value, the same wherever the value recurs under one key. Every choice is
 * drawn from a stream seeded by HMAC-SHA256(k_pseudo, LABEL || 0 ||
 * normalised value) (redact_normalise: "JOHN SMITH" = "John Smith"), so no
 * state is kept between values or documents.
 *
 *   PERSON          each name word on its own: the surname (last word, or
 *                   the first before a comma) from the last-name list, the
 *                   others from the first-name list of the original's sex
 *                   when the lists know it; so "John Smith" and "Mr. Smith"
 *                   share "Garcia". Titles and suffixes (Mr, Dr, Jr, III)
 *                   are kept; an initial becomes another initial
 *   ORGANIZATION    a fictitious company; LOCATION a fictitious city
 *   STREET_ADDRESS  numbers keep their digit count; street-type, unit and
 *                   direction words (St, Avenue, Apt, N) and 2-letter
 *                   capitals (states) stay; each run of other words becomes
 *                   one surname ("12 Oak Hill Rd" -> "47 Garcia Rd")
 *   EMAIL_ADDRESS   first.last / first_last / jsmith style kept, digits
 *                   kept in number, domain example.com (.org/.net kept)
 *   PHONE_NUMBER    separators kept; 10 digits (or 11 after a 1) become
 *                   NXX-555-01XX, the fictional range; 7 digits 555-01XX;
 *                   other lengths keep a "+CC" prefix and draw the rest
 *   US_SSN          area 9xx with group 01-49: never issued, and not an
 *                   ITIN either (ITIN groups are 50-65, 70-88, 90-99)
 *   US_ITIN         9xx-7x-xxxx: a valid-looking ITIN must be in the
 *                   issued ranges, so this one may exist; it is drawn at
 *                   random, unlinked to the original
 *   CREDIT_CARD     same length and separators, a published test prefix of
 *                   the original's brand (411111 Visa, 555555 Mastercard,
 *                   378282 Amex, 601111 Discover, else 999999), valid Luhn
 *   DATE_TIME       shifted per subject (dateshift.c)
 *   AGE             90 and over becomes 90 (Safe Harbor); others kept
 *   IP_ADDRESS      IPv4 in the documentation nets (RFC 5737), IPv6 in
 *                   2001:db8::/32
 *   MAC_ADDRESS     hex digits redrawn, locally administered bit set
 *   URL             scheme kept, host <name>.example.com, a path if any
 *   DOMAIN_NAME     <name>.example.com
 *   everything else letters and digits redrawn in their class and case,
 *                   punctuation kept (IBAN, passport, account numbers...)
 * A surrogate picked from a list is never the original itself.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "redact_int.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int surrogate_put_cased(struct buf *out, const char *src, const char *model, size_t mn)
{
	int upper = 0, lower = 0, error;
	size_t n = strlen(src);

	for (size_t i = 0; i < mn; i++) {
		upper += model[i] >= 'A' && model[i] <= 'Z';
		lower += model[i] >= 'a' && model[i] <= 'z';
	}
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		int up = lower == 0 && upper >= 2 ? 1 : upper == 0 && lower > 0 ? 0 : i == 0;
		/* Title case: a capital after a space, hyphen or apostrophe too ("Smith-Jones"). */
		if (!up && upper && lower && i > 0 && strchr(" -'", src[i - 1]))
			up = 1;
		if (up && c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		else if (!up && c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if ((error = buf_putc(out, c)) < 0)
			return error;
	}
	return 0;
}

/* The stream of value v of `label`, under `domain` (the label name unless told). */
static int seed_stream(struct redact_stream *st, const struct redact_keys *k, const char *domain,
                       int label, const char *v, size_t n)
{
	struct buf norm = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	unsigned char seed[32];
	int error;

	if ((error = redact_normalise(&norm, label, v, n)) < 0) {
		buf_release(&norm);
		return error;
	}
	redact_prf(seed, k->pseudo, domain, buf_cstr(&norm), norm.len);
	redact_stream_init(st, seed);
	buf_release(&norm);
	return 0;
}

/* Pick from `list`, never the entry equal to orig[0..on) (case-insensitive). */
static const char *pick(struct redact_stream *st, const char *const *list, size_t count,
                        const char *orig, size_t on)
{
	size_t i = redact_stream_below(st, (uint32_t)count);

	if (strlen(list[i]) == on && !strncasecmp(list[i], orig, on))
		i = (i + 1) % count;
	return list[i];
}

/* Is w[0..n) in `list` (case-insensitive)? */
static int in_list(const char *const *list, size_t count, const char *w, size_t n)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !strncasecmp(list[i], w, n))
			return 1;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ------------------------------------------------------------ names */

static const char *const titles[] = { "mr",  "mrs", "ms",  "miss", "mx",  "dr", "prof",
	                              "sir", "jr",  "sr",  "ii",   "iii", "iv", "md",
	                              "phd", "rn",  "esq", "rev",  "dame" };

/* A word of a name without a final '.' or ','. */
static size_t word_len(const char *w, size_t n)
{
	while (n && (w[n - 1] == '.' || w[n - 1] == ','))
		n--;
	return n;
}

/* Write the surrogate of one name word w[0..n) in `role` ("first" or "last"). */
static int put_name_word(struct buf *out, const struct redact_keys *k, const char *w, size_t n,
                         int last)
{
	struct redact_stream st;
	const char *const *list = surrogate_last;
	size_t count = surrogate_last_count;
	int error;

	if ((error = seed_stream(&st, k, last ? "last" : "first", ENCLAVE_PII_PERSON, w, n)) < 0)
		return error;
	if (n == 1 && is_alpha(w[0])) {
		char c[2] = { (char)('a' + redact_stream_below(&st, 26)), 0 };
		return surrogate_put_cased(out, c, w, n);
	}
	if (!last) {
		int male = in_list(surrogate_first_male, surrogate_first_male_count, w, n);
		int female = in_list(surrogate_first_female, surrogate_first_female_count, w, n);
		list = female && !male ? surrogate_first_female : surrogate_first_male;
		count = female && !male ? surrogate_first_female_count : surrogate_first_male_count;
		if (male == female && redact_stream_below(&st, 2)) {
			list = surrogate_first_female;
			count = surrogate_first_female_count;
		}
	}
	return surrogate_put_cased(out, pick(&st, list, count, w, n), w, n);
}

static int person(struct buf *out, const struct redact_keys *k, const char *v, size_t n)
{
	size_t ws[32], we[32], nw = 0, p = 0, at = 0;
	int roles[32], last_idx = -1, comma_form = 0, error;

	/* Words: runs without spaces. */
	while (p < n && nw < 32) {
		while (p < n && v[p] == ' ')
			p++;
		if (p == n)
			break;
		ws[nw] = p;
		while (p < n && v[p] != ' ')
			p++;
		we[nw++] = p;
	}
	if (p < n) /* more than 32 words: not a name, draw it whole as a surname */
		return put_name_word(out, k, v, n, 1);
	for (size_t i = 0; i < nw; i++) {
		size_t l = word_len(v + ws[i], we[i] - ws[i]);
		roles[i] = in_list(titles, COUNT(titles), v + ws[i], l) ? 0 : 1;
		if (roles[i] && last_idx < 0 && we[i] > ws[i] && v[we[i] - 1] == ',' && i + 1 < nw)
			comma_form = 1, last_idx = (int)i;
	}
	if (!comma_form)
		for (size_t i = nw; i-- > 0;)
			if (roles[i]) {
				last_idx = (int)i;
				break;
			}
	/* A lone word that is a known first name is a first name. */
	if (last_idx >= 0) {
		int names = 0;
		for (size_t i = 0; i < nw; i++)
			names += roles[i];
		size_t l = word_len(v + ws[last_idx], we[last_idx] - ws[last_idx]);
		if (names == 1 && l > 1 &&
		    (in_list(surrogate_first_male, surrogate_first_male_count, v + ws[last_idx],
		             l) ||
		     in_list(surrogate_first_female, surrogate_first_female_count, v + ws[last_idx],
		             l)))
			last_idx = -1;
	}
	for (size_t i = 0; i < nw; i++) {
		size_t l = word_len(v + ws[i], we[i] - ws[i]);
		if ((error = buf_put(out, v + at, ws[i] - at)) < 0)
			return error;
		if (roles[i] && l) {
			if ((error = put_name_word(out, k, v + ws[i], l, (int)i == last_idx)) < 0)
				return error;
			at = ws[i] + l;
		} else {
			at = ws[i];
		}
		if ((error = buf_put(out, v + at, we[i] - at)) < 0)
			return error;
		at = we[i];
	}
	return buf_put(out, v + at, n - at);
}

/* ------------------------------------------------------------ places and firms */

static const char *const street_words[] = {
	"st",    "street", "ave",   "av",   "avenue", "rd",    "road", "blvd", "dr",  "drive",
	"ln",    "lane",   "ct",    "pl",   "place",  "way",   "hwy",  "pkwy", "ter", "cir",
	"sq",    "apt",    "suite", "ste",  "unit",   "floor", "fl",   "room", "rm",  "bldg",
	"box",   "po",     "n",     "s",    "e",      "w",     "ne",   "nw",   "se",  "sw",
	"north", "south",  "east",  "west", "and",    "of",    "the"
};

/* Is the word w[0..n) kept in an address (a street type, a unit, a direction, a state)? */
static int address_keeps(const char *w, size_t n)
{
	if (n == 2 && w[0] >= 'A' && w[0] <= 'Z' && w[1] >= 'A' && w[1] <= 'Z')
		return 1;
	return in_list(street_words, COUNT(street_words), w, n) ||
	       in_list(surrogate_street_suffix, surrogate_street_suffix_count, w, n);
}

/* Digits of v[0..n) redrawn from `st`, the first not 0 when the original was not. */
static int put_digits(struct buf *out, struct redact_stream *st, const char *v, size_t n)
{
	int error;

	for (size_t i = 0; i < n; i++) {
		char c = (char)('0' + redact_stream_below(st, 10));
		if (i == 0 && v[0] != '0' && c == '0')
			c = '1' + (char)redact_stream_below(st, 9);
		if ((error = buf_putc(out, c)) < 0)
			return error;
	}
	return 0;
}

static int street(struct buf *out, const struct redact_keys *k, const char *v, size_t n)
{
	struct redact_stream st;
	size_t p = 0;
	int error;

	if ((error = seed_stream(&st, k, "STREET_ADDRESS", ENCLAVE_PII_STREET_ADDRESS, v, n)) < 0)
		return error;
	while (p < n) {
		size_t s = p;
		if (is_digit(v[p])) {
			while (p < n && is_digit(v[p]))
				p++;
			if ((error = put_digits(out, &st, v + s, p - s)) < 0)
				return error;
		} else if (is_alpha(v[p])) {
			while (p < n && is_alpha(v[p]))
				p++;
			if (address_keeps(v + s, p - s)) {
				error = buf_put(out, v + s, p - s);
			} else {
				/* A run of name words (with the spaces between) becomes one surname. */
				size_t e = p, q = p;
				while (q < n && v[q] == ' ') {
					size_t ws = ++q;
					while (q < n && v[q] == ' ')
						ws = ++q;
					while (q < n && is_alpha(v[q]))
						q++;
					if (q == ws || (q < n && !strchr(" ,.#", v[q])) ||
					    address_keeps(v + ws, q - ws))
						break;
					e = p = q;
				}
				struct redact_stream ws;
				if ((error =
				         seed_stream(&ws, k, "street", ENCLAVE_PII_STREET_ADDRESS,
				                     v + s, e - s)) < 0)
					return error;
				error = surrogate_put_cased(
				    out,
				    pick(&ws, surrogate_last, surrogate_last_count, v + s, e - s),
				    v + s, e - s);
			}
			if (error < 0)
				return error;
		} else {
			p++;
			if ((unsigned char)v[s] >= 0x80) {
				/* Non-ASCII letters: a surname in their place, as a name word. */
				while (p < n && (unsigned char)v[p] >= 0x80)
					p++;
				error = buf_puts(
				    out, pick(&st, surrogate_last, surrogate_last_count, "", 0));
			} else {
				error = buf_putc(out, v[s]);
			}
			if (error < 0)
				return error;
		}
	}
	return 0;
}

static int email(struct buf *out, const struct redact_keys *k, const char *v, size_t n)
{
	struct redact_stream st;
	const char *at = NULL, *tld;
	size_t local_len, digits = 0;
	int error, sep = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] == '@')
			at = v + i;
	if (!at)
		return 1;
	if ((error = seed_stream(&st, k, "EMAIL_ADDRESS", ENCLAVE_PII_EMAIL_ADDRESS, v, n)) < 0)
		return error;
	local_len = (size_t)(at - v);
	for (size_t i = 0; i < local_len; i++) {
		if (!sep && strchr("._-", v[i]))
			sep = v[i];
		digits += is_digit(v[i]);
	}
	const char *first = pick(&st, surrogate_first_male, surrogate_first_male_count, "", 0);
	if (redact_stream_below(&st, 2))
		first = pick(&st, surrogate_first_female, surrogate_first_female_count, "", 0);
	const char *last = pick(&st, surrogate_last, surrogate_last_count, "", 0);
	char user[96];
	size_t u = 0;
	if (sep || local_len > 8) {
		for (const char *c = first; *c && u < 40; c++)
			user[u++] = *c;
		if (sep)
			user[u++] = (char)sep;
	} else {
		user[u++] = first[0];
	}
	for (const char *c = last; *c && u < 90; c++)
		if (is_alpha(*c))
			user[u++] = *c;
	user[u] = 0;
	for (size_t i = 0; i < u; i++)
		if (user[i] >= 'A' && user[i] <= 'Z')
			user[i] = (char)(user[i] + 32);
	/* The local part's case style is kept ("J.Smith" stays lower: e-mail is mostly lower). */
	if ((error = surrogate_put_cased(out, user, v, local_len)) < 0)
		return error;
	for (size_t i = 0; i < digits && i < 4; i++)
		if ((error = buf_putc(out, (char)('0' + redact_stream_below(&st, 10)))) < 0)
			return error;
	tld = memrchr(at, '.', (size_t)(v + n - at));
	tld = tld ? tld + 1 : "";
	size_t tl = (size_t)(v + n - tld);
	const char *dom = tl == 3 && !strncasecmp(tld, "org", 3)   ? "example.org"
	                  : tl == 3 && !strncasecmp(tld, "net", 3) ? "example.net"
	                                                           : "example.com";
	return buf_printf(out, "@%s", dom);
}

/* ------------------------------------------------------------ numbers */

/* Positions of the digits of v, at most `max`; returns how many. */
static size_t digit_positions(size_t *pos, size_t max, const char *v, size_t n)
{
	size_t d = 0;

	for (size_t i = 0; i < n; i++)
		if (is_digit(v[i])) {
			if (d == max)
				return max + 1;
			pos[d++] = i;
		}
	return d;
}

/* Write v with its digits replaced, in order, by `digits`. */
static int put_with_digits(struct buf *out, const char *v, size_t n, const char *digits)
{
	int error;

	for (size_t i = 0; i < n; i++)
		if ((error = buf_putc(out, is_digit(v[i]) ? *digits++ : v[i])) < 0)
			return error;
	return 0;
}

/* Fill d[from..to) with stream digits. */
static void draw(char *d, size_t from, size_t to, struct redact_stream *st)
{
	for (size_t i = from; i < to; i++)
		d[i] = (char)('0' + redact_stream_below(st, 10));
}

static int phone(struct buf *out, struct redact_stream *st, const char *v, size_t n)
{
	size_t pos[32], nd = digit_positions(pos, 31, v, n), base = 0;
	char d[33];

	if (nd == 0 || nd > 31)
		return 1;
	memset(d, 0, sizeof(d));
	for (size_t i = 0; i < nd; i++)
		d[i] = v[pos[i]];
	if (nd == 11 && d[0] == '1')
		base = 1;
	if (nd - base == 10) {
		d[base] = (char)('2' + redact_stream_below(st, 8));
		draw(d, base + 1, base + 3, st);
		memcpy(d + base + 3, "55501", 5);
		draw(d, base + 8, base + 10, st);
	} else if (nd == 7) {
		memcpy(d, "55501", 5);
		draw(d, 5, 7, st);
	} else {
		size_t keep = 0;
		if (v[0] == '+')
			while (keep < nd && keep < 3 && pos[keep] == keep + 1)
				keep++;
		if (keep == nd)
			keep = 0;
		draw(d, keep, nd, st);
		if (d[keep] == '0' && v[pos[keep]] != '0')
			d[keep] = '1';
	}
	return put_with_digits(out, v, n, d);
}

static int ssn(struct buf *out, struct redact_stream *st, const char *v, size_t n, int itin)
{
	size_t pos[10];
	char d[10];
	unsigned g, s;

	if (digit_positions(pos, 9, v, n) != 9)
		return 1;
	d[0] = '9';
	draw(d, 1, 3, st);
	g = itin ? 70 + redact_stream_below(st, 19) : 1 + redact_stream_below(st, 49);
	s = 1 + redact_stream_below(st, 9999);
	d[3] = (char)('0' + g / 10);
	d[4] = (char)('0' + g % 10);
	d[5] = (char)('0' + s / 1000);
	d[6] = (char)('0' + s / 100 % 10);
	d[7] = (char)('0' + s / 10 % 10);
	d[8] = (char)('0' + s % 10);
	d[9] = 0;
	return put_with_digits(out, v, n, d);
}

/* The Luhn check digit of d[0..n) (the digits before it). */
static char luhn_digit(const char *d, size_t n)
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned x = (unsigned)(d[n - 1 - i] - '0');
		if (i % 2 == 0)
			x = x * 2 > 9 ? x * 2 - 9 : x * 2;
		sum += x;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

static int card(struct buf *out, struct redact_stream *st, const char *v, size_t n)
{
	size_t pos[20], nd = digit_positions(pos, 19, v, n);
	const char *prefix;
	char d[20];

	if (nd < 12 || nd > 19)
		return 1;
	switch (v[pos[0]]) {
	case '4': prefix = "411111"; break;
	case '5':
	case '2': prefix = "555555"; break;
	case '3': prefix = "378282"; break;
	case '6': prefix = "601111"; break;
	default: prefix = "999999"; break;
	}
	memcpy(d, prefix, 6);
	draw(d, 6, nd - 1, st);
	d[nd - 1] = luhn_digit(d, nd - 1);
	d[nd] = 0;
	return put_with_digits(out, v, n, d);
}

static int age(struct buf *out, const char *v, size_t n)
{
	size_t s = 0, e;
	long x = 0;
	int error;

	while (s < n && !is_digit(v[s]))
		s++;
	for (e = s; e < n && is_digit(v[e]) && e - s < 6; e++)
		x = x * 10 + (v[e] - '0');
	if (e == s || x < 90)
		return buf_put(out, v, n);
	if ((error = buf_put(out, v, s)) < 0 || (error = buf_puts(out, "90")) < 0)
		return error;
	return buf_put(out, v + e, n - e);
}

static int ip(struct buf *out, struct redact_stream *st, const char *v, size_t n)
{
	static const char *const nets[] = { "192.0.2", "198.51.100", "203.0.113" };

	if (memchr(v, ':', n)) {
		int error = buf_puts(out, "2001:db8");
		for (int i = 0; i < 6 && error == 0; i++)
			error = buf_printf(out, ":%x", redact_stream_below(st, 0x10000));
		return error;
	}
	return buf_printf(out, "%s.%u", nets[redact_stream_below(st, 3)],
	                  1 + redact_stream_below(st, 254));
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int mac(struct buf *out, struct redact_stream *st, const char *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t nh = 0;
	int error;

	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (is_hex(c)) {
			unsigned x = redact_stream_below(st, 16);
			if (nh++ == 1)
				x = (x & ~3u) | 2u; /* locally administered, unicast */
			c = (v[i] >= 'A' && v[i] <= 'F') ? (char)(hex[x] & ~0x20) : hex[x];
			if (c >= 'a' && c <= 'f' && v[i] >= 'A' && v[i] <= 'F')
				c = (char)(c - 32);
		}
		if ((error = buf_putc(out, c)) < 0)
			return error;
	}
	return 0;
}

static int host(struct buf *out, struct redact_stream *st)
{
	const char *w = pick(st, surrogate_last, surrogate_last_count, "", 0);
	int error;

	for (; *w; w++)
		if (is_alpha(*w) && (error = buf_putc(out, (char)(*w | 0x20))) < 0)
			return error;
	return buf_puts(out, ".example.com");
}

static int url(struct buf *out, struct redact_stream *st, const char *v, size_t n)
{
	const char *scheme = NULL;
	size_t rest = 0;
	int error;

	for (size_t i = 0; i + 2 < n; i++)
		if (v[i] == ':' && v[i + 1] == '/' && v[i + 2] == '/') {
			scheme = v, rest = i + 3;
			break;
		}
	if (scheme && (error = buf_put(out, v, rest)) < 0)
		return error;
	if ((error = host(out, st)) < 0)
		return error;
	const char *slash = memchr(v + rest, '/', n - rest);
	if (slash && slash + 1 < v + n) {
		if ((error = buf_puts(out, "/p/")) < 0)
			return error;
		for (int i = 0; i < 8; i++)
			if ((error = buf_putc(
			         out, "abcdefghijklmnopqrstuvwxyz0123456789"[redact_stream_below(
			                  st, 36)])) < 0)
				return error;
	}
	return 0;
}

/* Letters and digits redrawn in their class and case; other ASCII kept, other code points a letter. */
static int generic(struct buf *out, struct redact_stream *st, const char *v, size_t n)
{
	int error;

	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (is_digit(c))
			c = (char)('0' + redact_stream_below(st, 10));
		else if (c >= 'A' && c <= 'Z')
			c = (char)('A' + redact_stream_below(st, 26));
		else if ((c >= 'a' && c <= 'z') || (unsigned char)c >= 0x80) {
			c = (char)('a' + redact_stream_below(st, 26));
			while (i + 1 < n && ((unsigned char)v[i + 1] & 0xc0) == 0x80)
				i++;
		}
		if ((error = buf_putc(out, c)) < 0)
			return error;
	}
	return 0;
}

int surrogate_write(struct buf *out, const struct redact_keys *k, int label, const char *v,
                    size_t n, int day_offset)
{
	struct redact_stream st;
	size_t mark = out->len;
	int rc, error;

	switch (label) {
	case ENCLAVE_PII_DATE_TIME:
		rc = dateshift_write(out, v, n, day_offset);
		return rc == 2 ? buf_put(out, v, n) : rc;
	case ENCLAVE_PII_PERSON: return person(out, k, v, n);
	case ENCLAVE_PII_STREET_ADDRESS: return street(out, k, v, n);
	case ENCLAVE_PII_EMAIL_ADDRESS:
		if ((rc = email(out, k, v, n)) != 1)
			return rc;
		break;
	case ENCLAVE_PII_AGE: return age(out, v, n);
	default: break;
	}
	if ((error = seed_stream(&st, k, enclave_pii_label_name(label), label, v, n)) < 0)
		return error;
	switch (label) {
	case ENCLAVE_PII_ORGANIZATION:
		return surrogate_put_cased(
		    out, pick(&st, surrogate_company, surrogate_company_count, v, n), v, n);
	case ENCLAVE_PII_LOCATION:
		return surrogate_put_cased(
		    out, pick(&st, surrogate_city, surrogate_city_count, v, n), v, n);
	case ENCLAVE_PII_PHONE_NUMBER: rc = phone(out, &st, v, n); break;
	case ENCLAVE_PII_US_SSN: rc = ssn(out, &st, v, n, 0); break;
	case ENCLAVE_PII_US_ITIN: rc = ssn(out, &st, v, n, 1); break;
	case ENCLAVE_PII_CREDIT_CARD: rc = card(out, &st, v, n); break;
	case ENCLAVE_PII_IP_ADDRESS: return ip(out, &st, v, n);
	case ENCLAVE_PII_MAC_ADDRESS: return mac(out, &st, v, n);
	case ENCLAVE_PII_URL: return url(out, &st, v, n);
	case ENCLAVE_PII_DOMAIN_NAME: return host(out, &st);
	default: rc = 1; break;
	}
	if (rc != 1)
		return rc;
	/* A value of unexpected shape: its letters and digits redrawn. */
	buf_truncate(out, mark);
	return generic(out, &st, v, n);
}

/* The digit run v[i..j) of a time of day ("09:14", "9:14:05 pm"): 1 hour, 2 minutes or seconds, 0 none. */
static int time_field(const char *v, size_t n, size_t i, size_t j)
{
	if (j - i > 2)
		return 0;
	if (j + 1 < n && v[j] == ':' && is_digit(v[j + 1]) && (i == 0 || v[i - 1] != ':'))
		return 1;
	if (i > 0 && v[i - 1] == ':' && j - i == 2)
		return 2;
	return 0;
}

int surrogate_redraw(struct buf *out, const struct redact_keys *k, int label, const char *v,
                     size_t n)
{
	size_t mark = out->len;
	int twelve = 0, any = 0, error;

	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j < n && is_alpha(v[j]))
			j++;
		any |= is_digit(v[i]) || (label != ENCLAVE_PII_DATE_TIME && is_alpha(v[i])) ||
		       (j > i && dateshift_month_of(v + i, j - i) >= 0);
		if (j > i)
			i = j - 1;
	}
	if (!any)
		return 1;
	for (size_t i = 0; i + 1 < n; i++)
		if ((v[i] == 'a' || v[i] == 'p' || v[i] == 'A' || v[i] == 'P') &&
		    (v[i + 1] == 'm' || v[i + 1] == 'M'))
			twelve = 1;
	for (unsigned attempt = 0; attempt < 8; attempt++) {
		struct redact_stream st;
		char domain[32];
		snprintf(domain, sizeof(domain), "redraw/%u", attempt);
		if ((error = seed_stream(&st, k, domain, label, v, n)) < 0)
			return error;
		buf_truncate(out, mark);
		if (label != ENCLAVE_PII_DATE_TIME) {
			if ((error = generic(out, &st, v, n)) < 0)
				return error;
		} else {
			/* Digits redrawn, a time's fields in range, a year's century
			 * kept; letters (am, UTC, Mon) and punctuation as they are. */
			for (size_t i = 0; i < n;) {
				size_t j = i;
				unsigned field, bound;
				char num[8];
				int m;
				while (j < n && is_alpha(v[j]))
					j++;
				if (j > i) { /* a word: a month's name becomes another month's */
					if ((m = dateshift_month_of(v + i, j - i)) >= 0)
						error = dateshift_put_month(
						    out,
						    (m + 1 + (int)redact_stream_below(&st, 11)) %
						        12,
						    v + i, j - i);
					else
						error = buf_put(out, v + i, j - i);
					if (error < 0)
						return error;
					i = j;
					continue;
				}
				while (j < n && is_digit(v[j]))
					j++;
				if (j == i) {
					if ((error = buf_putc(out, v[i++])) < 0)
						return error;
					continue;
				}
				field = (unsigned)time_field(v, n, i, j);
				if (field) {
					bound = field == 2 ? 60 : twelve ? 12 : 24;
					unsigned x = redact_stream_below(&st, bound) +
					             (field == 1 && twelve);
					snprintf(num, sizeof(num), j - i == 2 ? "%02u" : "%u", x);
					if ((error = buf_puts(out, num)) < 0)
						return error;
				} else {
					for (size_t d = i; d < j; d++) {
						char c = j - i == 4 && d < i + 2
						             ? v[d]
						             : (char)('0' +
						                      redact_stream_below(&st, 10));
						if ((error = buf_putc(out, c)) < 0)
							return error;
					}
				}
				i = j;
			}
		}
		if (out->len - mark != n || memcmp(out->ptr + mark, v, n) != 0)
			return 0;
	}
	return 0; /* eight draws equal to the value: only a one-digit value can do that */
}
