/*
 * The rule recognisers: one table of patterns (Hyperscan syntax) with, for
 * each, its label, base score, source name and the C check that validates
 * a candidate and settles its edges. scan.c compiles the whole table into
 * one database. The patterns are deliberately loose where a check follows
 * (a card number is any 13-19 digits, the check runs Luhn and the issuer
 * ranges) and exact where nothing else can (times, ISO dates).
 *
 * Edges: Hyperscan's \b is the edge of an ASCII word, so a pattern that
 * begins with a digit also matches inside a longer number; the checks look
 * at the bytes just outside a candidate instead (num_edges and friends),
 * which is cheaper than a look-behind and says exactly what is meant.
 *
 * Context-driven identifiers (medical record, account, health plan,
 * licence, passport and serial numbers, postal codes after "zip") are
 * patterns that begin with their keyword: the keyword is what makes the
 * number an identifier, and a pattern with the keyword in it fires on far
 * fewer candidates than "any number with a context word near". Their check
 * keeps only the value (the last token of the match) as the span.
 */
#include <ctype.h>
#include <hs/hs.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pii_int.h"

/* ------------------------------------------------------------ byte classes */

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

static int is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The byte at i, or 0 outside the text. */
static int at(const char *t, size_t len, size_t i)
{
	return i < len ? (unsigned char)t[i] : 0;
}

/* The byte before i, or 0 at the start. */
static int before(const char *t, size_t i)
{
	return i > 0 ? (unsigned char)t[i - 1] : 0;
}

/*
 * The edges of a number: no letter or digit touches it, and it does not
 * continue a dotted, dashed or slashed run of digits ("1.123-45-6789" or
 * "123-45-6789-1" are not SSNs).
 */
static int num_edges(const char *t, size_t len, size_t s, size_t e)
{
	int p = before(t, s), n = at(t, len, e);

	if (is_alnum(p) || is_alnum(n))
		return 0;
	if ((p == '.' || p == '-' || p == '/' || p == ',') && s >= 2 && is_digit(before(t, s - 1)))
		return 0;
	if ((n == '.' || n == '-' || n == '/' || n == ',') && is_digit(at(t, len, e + 1)))
		return 0;
	return 1;
}

/* No letter or digit touches [s, e). */
static int word_edges(const char *t, size_t len, size_t s, size_t e)
{
	return !is_alnum(before(t, s)) && !is_alnum(at(t, len, e));
}

/*
 * Walk back from `end` over at most `max` bytes that are letters or digits
 * (when `alnum`) or in `extra`.
 */
static size_t back_over(const char *t, size_t end, size_t max, int alnum, const char *extra)
{
	size_t s = end;

	while (
	    s > 0 && end - s < max &&
	    ((alnum && is_alnum((unsigned char)t[s - 1])) || (t[s - 1] && strchr(extra, t[s - 1]))))
		s--;
	return s;
}

/* The first position in [s, end) where one of `words` starts a word (case-insensitive); `end` if none. */
static size_t first_word(const char *t, size_t s, size_t end, const char *const *words)
{
	for (size_t i = s; i < end; i++) {
		if (i > 0 && is_alnum(before(t, i)))
			continue;
		for (size_t w = 0; words[w]; w++) {
			size_t n = strlen(words[w]);
			if (i + n <= end && !strncasecmp(t + i, words[w], n))
				return i;
		}
	}
	return end;
}

/* Count the ASCII digits of [s, e). */
static size_t count_digits(const char *t, size_t s, size_t e)
{
	size_t n = 0;

	for (size_t i = s; i < e; i++)
		n += is_digit((unsigned char)t[i]);
	return n;
}

/* Read a decimal number of at most 4 digits at t[*i]; -1 when none. Advances *i. */
static int read_num(const char *t, size_t e, size_t *i, size_t *ndigits)
{
	int v = 0;
	size_t k = 0;

	while (*i < e && is_digit((unsigned char)t[*i]) && k < 4) {
		v = v * 10 + (t[*i] - '0');
		(*i)++;
		k++;
	}
	if (ndigits)
		*ndigits = k;
	return k ? v : -1;
}

/* ------------------------------------------------------------ contact */

static int check_email(struct pii_match *m, const char *t, size_t len)
{
	size_t dot = m->end;

	if (strchr("._%+-", before(t, m->start)) && before(t, m->start))
		return 0;
	if (is_alnum(at(t, len, m->end)) || at(t, len, m->end) == '-')
		return 0;
	while (dot > m->start && t[dot - 1] != '.')
		dot--;
	if (!pii_tld_known(t + dot, m->end - dot))
		m->score = 0.5f;
	return 1;
}

static int check_url(struct pii_match *m, const char *t, size_t len)
{
	int open = 0, close = 0;

	for (size_t i = m->start; i < m->end; i++) {
		open += t[i] == '(';
		close += t[i] == ')';
	}
	while (m->end > m->start) {
		int c = (unsigned char)t[m->end - 1];
		if (c == ')' && close > open) {
			close--;
			m->end--;
		} else if (strchr(".,;:!?'\"]}>*", c) && c) {
			m->end--;
		} else {
			break;
		}
	}
	return m->end - m->start >= 10;
}

static int check_domain(struct pii_match *m, const char *t, size_t len)
{
	int p = before(t, m->start), n = at(t, len, m->end);
	size_t labels = 1, dot = m->end, digits = 0;

	if (is_alnum(p) || p == '-' || p == '.' || p == '@' || p == '_')
		return 0;
	/* The host of a URL: the URL rule takes the whole address. */
	if (p == '/' && m->start >= 3 && t[m->start - 2] == '/' && t[m->start - 3] == ':')
		return 0;
	if (is_alnum(n) || n == '-' || n == '@' || n == '_' ||
	    (n == '.' && is_alnum(at(t, len, m->end + 1))))
		return 0;
	for (size_t i = m->start, lab = 0; i < m->end; i++) {
		if (t[i] == '.') {
			/* Labels are 1 to 63 bytes and neither start nor end with '-'. */
			if (lab == 0 || lab > 63 || t[i - 1] == '-' || t[i + 1] == '-')
				return 0;
			labels++;
			lab = 0;
			continue;
		}
		lab++;
		digits += is_digit((unsigned char)t[i]);
	}
	if (t[m->start] == '-')
		return 0;
	while (dot > m->start && t[dot - 1] != '.')
		dot--;
	if (!pii_tld_known(t + dot, m->end - dot))
		return 0;
	if (labels == 2 && pii_tld_weak(t + dot, m->end - dot))
		m->score = 0.2f;
	if (digits * 2 > m->end - m->start)
		return 0;
	return 1;
}

/* A North American number: 10 digits (or 11 with the country code 1). */
static int check_phone_nanp(struct pii_match *m, const char *t, size_t len)
{
	char d[24];
	size_t n, e = m->end, seps = 0;
	const char *p = d;
	int slash = 0;

	if (!num_edges(t, len, m->start, m->end))
		return 0;
	/* The number without its extension (x123, ext. 4). */
	for (size_t i = m->start; i < m->end; i++)
		if (t[i] == 'x' || t[i] == 'X' || t[i] == 'e' || t[i] == 'E') {
			e = i;
			while (e > m->start && t[e - 1] == ' ')
				e--;
			break;
		}
	n = pii_digits(d, sizeof(d), t + m->start, e - m->start);
	if (n == 11 && d[0] == '1') {
		p++;
		n--;
	}
	if (n != 10 || pii_all_same(p, n))
		return 0;
	for (size_t i = m->start; i < e; i++) {
		seps += !is_digit((unsigned char)t[i]);
		slash += t[i] == '/';
	}
	/* 201/324/1423 is a phone number, 201/324-1423 is not anything. */
	if (slash && slash != 2)
		return 0;
	if (!seps)
		m->score = 0.3f;
	/* Area codes and exchanges do not start with 0 or 1; made-up numbers in examples do. */
	else if (p[0] < '2' || p[3] < '2')
		m->score = 0.45f;
	/* An NHS number said to be one is not a phone number. */
	if (n == 10 && pii_nhs_ok(p) &&
	    pii_context_near((const char *const[]){ "nhs", NULL }, t, len, m->start, m->end, 32, 0))
		return 0;
	/* "(201-223-4567)": a bracket opened before the whole number closes after it. */
	if (t[m->start] == '(' && !memchr(t + m->start, ')', m->end - m->start)) {
		if (at(t, len, m->end) == ')')
			m->end++;
		else
			m->start++;
	}
	return 1;
}

/* A number after a phone keyword: 7 to 15 digits, and not a date or a time. */
static int check_phone_context(struct pii_match *m, const char *t, size_t len)
{
	char d[24];
	size_t n = pii_digits(d, sizeof(d), t + m->start, m->end - m->start);

	if (!num_edges(t, len, m->start, m->end))
		return 0;
	return n >= 7 && n <= 15 && !pii_all_same(d, n);
}

/* An international number: +, 8 to 15 digits. */
static int check_phone_intl(struct pii_match *m, const char *t, size_t len)
{
	char d[24];
	size_t n = pii_digits(d, sizeof(d), t + m->start, m->end - m->start);

	if (!num_edges(t, len, m->start, m->end))
		return 0;
	return n >= 8 && n <= 15 && !pii_all_same(d, n);
}

/* A national number with a trunk prefix 0: 9 to 12 digits in groups. */
static int check_phone_national(struct pii_match *m, const char *t, size_t len)
{
	char d[24];
	size_t n = pii_digits(d, sizeof(d), t + m->start, m->end - m->start);

	if (!num_edges(t, len, m->start, m->end))
		return 0;
	if (n < 9 || n > (d[1] == '0' ? 14u : 12u) || pii_all_same(d, n))
		return 0;
	/* 0001-... and the like are not dialled. */
	return d[1] != '0' || d[2] != '0' || n >= 11;
}

/* ------------------------------------------------------------ national identifiers */

/*
 * Split a 3-2-4 number into its digits (out, 10 bytes) and check its two
 * separators agree. Returns the separator ('-', ' ', or 0 for none), or -1.
 */
static int split_324(char out[10], const char *t, size_t s, size_t e)
{
	int seps[2] = { 0, 0 }, nsep = 0;
	size_t k = 0;

	for (size_t i = s; i < e; i++) {
		if (is_digit((unsigned char)t[i])) {
			if (k >= 9)
				return -1;
			out[k++] = t[i];
			if ((k == 3 || k == 5) && i + 1 < e && !is_digit((unsigned char)t[i + 1]))
				seps[nsep++ & 1] = t[i + 1];
		}
	}
	out[k] = '\0';
	if (k != 9 || nsep == 1 || nsep > 2 || seps[0] != seps[1])
		return -1;
	return nsep ? seps[0] : 0;
}

static int check_ssn(struct pii_match *m, const char *t, size_t len)
{
	char d[10];
	int sep = split_324(d, t, m->start, m->end);

	if (sep < 0 || !num_edges(t, len, m->start, m->end) || !pii_ssn_ok(d))
		return 0;
	m->score = sep == '-' ? 0.6f : sep == ' ' ? 0.3f : 0.15f;
	return 1;
}

static int check_itin(struct pii_match *m, const char *t, size_t len)
{
	char d[10];
	int sep = split_324(d, t, m->start, m->end);

	if (sep < 0 || !num_edges(t, len, m->start, m->end) || !pii_itin_ok(d))
		return 0;
	m->score = sep == '-' ? 0.5f : 0.15f;
	return 1;
}

/*
 * A card number: the longest prefix of the run, cut at a group boundary,
 * of 12 (Maestro) to 19 digits that passes Luhn and belongs to an issuer.
 */
static int check_card(struct pii_match *m, const char *t, size_t len)
{
	char d[20];
	size_t pos[20], n = 0;

	if (!num_edges(t, len, m->start, m->start) && is_alnum(before(t, m->start)))
		return 0;
	if ((before(t, m->start) == '-' || before(t, m->start) == '.') && m->start >= 2 &&
	    is_digit(before(t, m->start - 1)))
		return 0;
	for (size_t i = m->start; i < m->end && n < 19; i++)
		if (is_digit((unsigned char)t[i])) {
			pos[n] = i;
			d[n++] = t[i];
		}
	for (; n >= 12; n--) {
		size_t e = pos[n - 1] + 1;
		if (is_digit(at(t, len, e)) || is_alpha(at(t, len, e)))
			continue;
		if ((at(t, len, e) == '.' || at(t, len, e) == ',') && is_digit(at(t, len, e + 1)))
			continue;
		if (pii_luhn(d, n) && pii_card_issuer(d, n) && !pii_all_same(d, n)) {
			m->end = e;
			return 1;
		}
	}
	return 0;
}

static int check_iban(struct pii_match *m, const char *t, size_t len)
{
	size_t k = 0, i;

	if (is_alnum(before(t, m->start)))
		return 0;
	/* Try each end at a group edge, longest first. */
	for (i = m->end; i > m->start; i--) {
		if (is_alnum(at(t, len, i)))
			continue;
		if (pii_iban_ok(t + m->start, i - m->start)) {
			m->end = i;
			return 1;
		}
		k++;
		if (k > 12)
			break;
	}
	return 0;
}

static int check_swift(struct pii_match *m, const char *t, size_t len)
{
	size_t n = m->end - m->start;

	if (!word_edges(t, len, m->start, m->end) || (n != 8 && n != 11))
		return 0;
	for (size_t i = m->start; i < m->end; i++)
		if (t[i] >= 'a' && t[i] <= 'z')
			return 0;
	return pii_country_ok(t + m->start + 4);
}

static int check_aba(struct pii_match *m, const char *t, size_t len)
{
	char d[12];

	if (!num_edges(t, len, m->start, m->end))
		return 0;
	return pii_digits(d, sizeof(d), t + m->start, m->end - m->start) == 9 && pii_aba_ok(d);
}

static int check_nhs(struct pii_match *m, const char *t, size_t len)
{
	char d[12];
	int sep1 = 0, sep2 = 0;

	if (!num_edges(t, len, m->start, m->end))
		return 0;
	if (m->end - m->start == 12) {
		sep1 = t[m->start + 3];
		sep2 = t[m->start + 7];
		if (sep1 != sep2)
			return 0;
	} else if (m->end - m->start != 10) {
		return 0;
	}
	return pii_digits(d, sizeof(d), t + m->start, m->end - m->start) == 10 && pii_nhs_ok(d);
}

static int check_nino(struct pii_match *m, const char *t, size_t len)
{
	static const char *const bad[] = { "BG", "GB", "NK", "KN", "TN", "NT", "ZZ" };

	if (!word_edges(t, len, m->start, m->end))
		return 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!memcmp(t + m->start, bad[i], 2))
			return 0;
	return 1;
}

/* ------------------------------------------------------------ network */

static int check_ipv4(struct pii_match *m, const char *t, size_t len)
{
	size_t i = m->start;

	if (!word_edges(t, len, m->start, m->end))
		return 0;
	if (before(t, m->start) == '.' ||
	    (at(t, len, m->end) == '.' && is_digit(at(t, len, m->end + 1))))
		return 0;
	if (t[i] == '0')
		return 0;
	for (int k = 0; k < 4; k++) {
		size_t nd;
		int v = read_num(t, m->end, &i, &nd);
		if (v < 0 || v > 255 || nd > 3 || (k < 3 && (i >= m->end || t[i++] != '.')))
			return 0;
	}
	if (i != m->end)
		return 0;
	/* "v1.2.3.4", "version 1.2.3.4" are versions. */
	if (m->start >= 1 && (t[m->start - 1] == 'v' || t[m->start - 1] == 'V'))
		return 0;
	if (pii_context_near((const char *const[]){ "version", "ver", "release", NULL }, t, len,
	                     m->start, m->end, 16, 0))
		m->score = 0.2f;
	return 1;
}

static int check_ipv6(struct pii_match *m, const char *t, size_t len)
{
	size_t colons = 0, hex = 0;
	int p = before(t, m->start), n = at(t, len, m->end);

	if (is_hex(p) || p == ':' || is_alnum(p) || is_hex(n) || is_alnum(n))
		return 0;
	if (n == ':' && m->end - m->start >= 2 && t[m->end - 1] != ':')
		return 0;
	for (size_t i = m->start; i < m->end; i++) {
		colons += t[i] == ':';
		hex += t[i] != ':';
	}
	if (colons < 2 || hex < 6)
		return 0;
	return pii_ipv6_ok(t + m->start, m->end - m->start);
}

static int check_mac(struct pii_match *m, const char *t, size_t len)
{
	int p = before(t, m->start), n = at(t, len, m->end);
	size_t zeros = 0, hex = 0;

	if (is_alnum(p) || is_alnum(n) || p == ':' || p == '-' || n == ':' || n == '-')
		return 0;
	for (size_t i = m->start; i < m->end; i++)
		if (is_hex((unsigned char)t[i])) {
			hex++;
			zeros += t[i] == '0' || t[i] == 'f' || t[i] == 'F';
		}
	return zeros < hex;
}

/* ------------------------------------------------------------ dates and times */

static int check_date_iso(struct pii_match *m, const char *t, size_t len)
{
	size_t i = m->start;
	int y, mo, d;
	char sep1, sep2;

	if (!num_edges(t, len, m->start, m->end) &&
	    !(at(t, len, m->end) == '.' || at(t, len, m->end) == ','))
		return 0;
	if (is_alnum(before(t, m->start)))
		return 0;
	y = read_num(t, m->end, &i, NULL);
	sep1 = t[i++];
	mo = read_num(t, m->end, &i, NULL);
	sep2 = i < m->end ? t[i++] : 0;
	d = read_num(t, m->end, &i, NULL);
	if (sep1 != sep2 || !pii_date_ok(y, mo, d))
		return 0;
	return 1;
}

/* a/b/c with c a year of 2 or 4 digits: month/day or day/month. */
static int check_date_numeric(struct pii_match *m, const char *t, size_t len)
{
	size_t i = m->start, ny;
	int a, b, y;
	char sep1, sep2;

	if (!num_edges(t, len, m->start, m->end))
		return 0;
	a = read_num(t, m->end, &i, NULL);
	sep1 = t[i++];
	b = read_num(t, m->end, &i, NULL);
	sep2 = t[i++];
	y = read_num(t, m->end, &i, &ny);
	if (sep1 != sep2 || i != m->end)
		return 0;
	if (ny == 4 && (y < 1900 || y > 2099))
		return 0;
	if (at(t, len, m->end) == '%') /* ventilator settings: 10/5/40% */
		return 0;
	if (!pii_date_ok(ny == 4 ? y : -1, a, b) && !pii_date_ok(ny == 4 ? y : -1, b, a))
		return 0;
	if (sep1 == '.')
		m->score = ny == 4 ? 0.8f : 0.35f;
	return 1;
}

/*
 * Is there a month/day ("7/2") ending just before byte `end`? For the
 * second half of a range: "6/30-7/2".
 */
static int md_before(const char *t, size_t end)
{
	size_t i = end, n;

	for (n = 0; i > 0 && is_digit(before(t, i)) && n < 3; n++)
		i--;
	if (n == 0 || n > 2 || before(t, i) != '/')
		return 0;
	i--;
	for (n = 0; i > 0 && is_digit(before(t, i)) && n < 3; n++)
		i--;
	return n >= 1 && n <= 2 && !is_alnum(before(t, i));
}

/* Is there a month/day ("7/2") starting at byte `i`? */
static int md_at(const char *t, size_t len, size_t i)
{
	size_t n;

	for (n = 0; is_digit(at(t, len, i)); n++)
		i++;
	if (n == 0 || n > 2 || at(t, len, i) != '/')
		return 0;
	i++;
	for (n = 0; is_digit(at(t, len, i)); n++)
		i++;
	return n >= 1 && n <= 2 && !is_alnum(at(t, len, i)) && at(t, len, i) != '/';
}

/*
 * How far back from `start` (at most `max` bytes) a context word may be:
 * not across a line break, nor across another number (in "X 2 8/15" the
 * "x" counts the 2, in "CO/CI/SVR (10/17" the words are a header).
 */
static size_t md_reach_back(const char *t, size_t start, size_t max)
{
	size_t n = 0;

	while (n < max && n < start) {
		int c = (unsigned char)t[start - n - 1];
		if (c == '\n' || (is_digit(c) && n > 0))
			break;
		n++;
	}
	return n;
}

/* The same after `end`: not across a line break or a number. */
static size_t md_reach_ahead(const char *t, size_t len, size_t end, size_t max)
{
	size_t n = 0;

	while (n < max && end + n < len) {
		int c = (unsigned char)t[end + n];
		if (c == '\n' || is_digit(c))
			break;
		n++;
	}
	return n;
}

/*
 * a/b: month/day, or month/2-digit year; also glued to a word when the
 * year says so ("fx4/97"), and both ends of a range ("6/30-7/2"). The
 * pattern takes no label context: the context is read here, within the
 * line and up to the next number, as a note's "s/p CABG 10/16 \n EF 30%"
 * needs (EF belongs to the next line).
 */
static int check_date_md(struct pii_match *m, const char *t, size_t len)
{
	/* Measures and settings: a pair of numbers near these is no date. */
	static const char *const vent[] = { "vent", "cpap",   "bipap", "bi-pap",
		                            "psv",  "ps",     "peep",  "flowby",
		                            "wean", "weaned", "trial", "fio2",
		                            "ips",  "simv",   "mask",  "pressure support",
		                            "ac",   NULL };
	static const char *const measure_after[] = {
		"mg",    "ml",    "mcg",   "meq",   "units", "cc",   "mmhg",   "cm",  "mm",
		"kg",    "l/min", "mg/dl", "mmol",  "tab",   "tabs", "murmur", "sem", "strength",
		"power", "motor", "grade", "score", "gcs",   "%",    "of",     NULL
	};
	/* Clinical events that date the pair: "s/p stent x2 8/7", "IABP d/c 8/22". */
	static const char *const events[] = {
		"s/p",        "d/c",   "dc'd",    "dc",     "f/u",       "echo",      "cath",
		"cxr",        "ct",    "mri",     "placed", "intubated", "extubated", "transferred",
		"readmitted", "admit", "off",     "since",  "until",     "thru",      "through",
		"on",         "adm",   "started", "done",   "last",      "pod",       "post",
		"cabg",       "stent", "mi",      NULL
	};
	size_t i = m->start, nb;
	int a, b, p = before(t, m->start), n = at(t, len, m->end), glued = 0, range = 0;

	if (p == '-' && md_before(t, m->start - 1))
		range = 1; /* the end of "6/30-7/2" */
	else if (is_alpha(p))
		glued = 1; /* "fx4/97": a month/year only, below */
	else if ((p == '.' || p == '-') && is_alpha(before(t, m->start - 1)))
		; /* "to Fenworth.8/31", "UO-9/10": a word, then the date */
	else if (is_digit(p) || p == '/' || p == '.' || p == '-' || p == '+' || p == '$')
		return 0;
	if (is_alnum(n) || n == '/' || n == '%' ||
	    ((n == '.' || n == ',') && is_digit(at(t, len, m->end + 1))))
		return 0;
	/* "9/7-ADMITTED", "9/30- ef": a dash after is fine, unless a number follows that is not a date. */
	if (n == '-' && is_digit(at(t, len, m->end + 1))) {
		if (!md_at(t, len, m->end + 1))
			return 0;
		range = 1; /* "6/30-7/2": the span takes the whole range */
	}
	a = read_num(t, m->end, &i, NULL);
	i++;
	b = read_num(t, m->end, &i, &nb);
	if (a < 1 || a > 12)
		return 0;
	if (glued) {
		/* Only a month and a 2-digit year that no day can be: "fx4/97", not "L4/5", "x2/3". */
		if (nb != 2 || b <= 31)
			return 0;
		m->score = 0.45f;
		return 1;
	}
	/* "1 1/2 hrs", "103 1/2" are mixed numbers: a proper fraction after a whole number. */
	if (p == ' ' && m->start >= 2 && is_digit(before(t, m->start - 1)) && a < b &&
	    (b == 2 || b == 3 || b == 4 || b == 8 || b == 16))
		return 0;
	if (!pii_date_ok(-1, a, b)) {
		if (nb != 2)
			return 0;
		m->score = 0.4f; /* month/year: 12/07 */
	}
	size_t back = md_reach_back(t, m->start, 24), ahead = md_reach_ahead(t, len, m->end, 10);
	int event = range || pii_context_near(events, t, len, m->start, m->end, back, 0) ||
	            pii_context_near(pii_label_context(ENCLAVE_PII_DATE_TIME)->words, t, len,
	                             m->start, m->end, back, 0);
	/* A line that opens with the date and a dash or colon: "9/7-INITIAL EVENTS". */
	if ((m->start == 0 || p == '\n' || p == '(') && (n == '-' || n == ':'))
		event = 1;
	if (event && m->score >= 0.4f)
		m->score = 0.75f;
	/* 1/2, 1/3, 2/3, 3/4: fractions; 2/2, 4/4: counts ("on 1/2 NS"), unless in a range */
	if (!range && ((a < b && b <= 4) || (a == b && a <= 4)))
		m->score = 0.2f;
	/* Measures before (within the line and up to another number) or units after. */
	if (pii_context_near(pii_label_context(ENCLAVE_PII_DATE_TIME)->negative, t, len, m->start,
	                     m->end, md_reach_back(t, m->start, 12), 0) ||
	    pii_context_near(measure_after, t, len, m->start, m->end, 0, ahead))
		m->score -= 0.35f;
	/* Ventilator settings (pressure support / PEEP: 10/5, 5/5) near their words. */
	if (pii_context_near(vent, t, len, m->start, m->end, 40, 12) &&
	    !pii_context_near(
	        (const char *const[]){ "off", "since", "s/p", "d/c", "dc'd", "until", NULL }, t,
	        len, m->start, m->end, md_reach_back(t, m->start, 6), 0))
		m->score = 0.1f;
	if (m->score < 0)
		m->score = 0;
	if (range && n == '-') {
		size_t e = m->end + 1;
		while (is_digit(at(t, len, e)) || at(t, len, e) == '/')
			e++;
		m->end = e;
	}
	return 1;
}

/* Month names, possibly with a day and a year. */
static int check_date_text(struct pii_match *m, const char *t, size_t len)
{
	size_t i, word = 0, digits = count_digits(t, m->start, m->end);
	char w[12];

	if (!word_edges(t, len, m->start, m->end) && !(m->end > m->start && t[m->end - 1] == '.'))
		return 0;
	if (digits) {
		if (t[m->end - 1] == '.' && is_digit(before(t, m->end - 1)))
			m->end--; /* the end of the sentence */
		return 1;
	}
	/* A month name alone. */
	for (i = m->start; i < m->end && word + 1 < sizeof(w) && is_alpha((unsigned char)t[i]); i++)
		w[word++] = (char)tolower((unsigned char)t[i]);
	w[word] = '\0';
	/*
	 * "may", "dec." (decreased), "aug" (augmentation), "mar", "jan" are words
	 * or names more often than months; "March", "June", "August" are names
	 * too. Full names alone need little context, abbreviations more.
	 */
	if (!strcmp(w, "may") || !strcmp(w, "jan") || !strcmp(w, "mar") || !strcmp(w, "dec") ||
	    !strcmp(w, "aug") || !strcmp(w, "jun") || !strcmp(w, "jul"))
		m->score = 0.05f;
	else if (!strcmp(w, "march") || !strcmp(w, "june") || !strcmp(w, "august"))
		m->score = 0.2f;
	else if (word <= 4)
		m->score = i < m->end ? 0.35f : 0.25f; /* abbreviation: with or without its dot */
	else
		m->score = 0.5f;
	return 1;
}

static int check_year(struct pii_match *m, const char *t, size_t len)
{
	int y = pii_atoi4(t + m->start);
	int p = before(t, m->start), n = at(t, len, m->end);

	if (!num_edges(t, len, m->start, m->end) || p == '#' || p == '$' || p == ':' || n == ':' ||
	    n == '%' || p == '@')
		return 0;
	if (y > 2035)
		return 0;
	/* Round figures and times of day ("at 1900", "@ 2130") are not years. */
	if (y % 100 == 0 || y % 100 == 30 || y % 100 == 45 || y % 100 == 15)
		m->score = 0.15f;
	else if (y >= 1930 && y <= 2030)
		m->score = 0.4f;
	if (pii_context_near((const char *const[]){ "at", "@", "approx", "by", "until", "around",
	                                            "since", NULL },
	                     t, len, m->start, m->end, 10, 0) &&
	    y % 100 < 60 && y <= 2359 && (y % 100) % 5 == 0)
		m->score = 0.1f;
	return 1;
}

/* '92: a two-digit year, also glued to a diagnosis ("prostate CA'88", "MI'92"). */
static int check_year_apos(struct pii_match *m, const char *t, size_t len)
{
	int p = before(t, m->start);

	if (p && p != ' ' && p != '(' && p != '\n' && p != '\t' && p != ',' && !is_alpha(p))
		return 0;
	if (is_alnum(at(t, len, m->end)) || at(t, len, m->end) == '\'')
		return 0;
	m->start++; /* the apostrophe is not part of the year */
	return 1;
}

/* 74': a two-digit year with the apostrophe after it, as notes write it. */
static int check_year_apos_after(struct pii_match *m, const char *t, size_t len)
{
	int p = before(t, m->start), n = at(t, len, m->end);

	if (is_alnum(p) || p == '.' || p == '/' || p == '-' || p == '\'' || is_alpha(n))
		return 0;
	m->end--; /* the apostrophe is not part of the year */
	return 1;
}

static int check_time(struct pii_match *m, const char *t, size_t len)
{
	int p = before(t, m->start), n = at(t, len, m->end);

	if (is_alnum(p) || p == ':' || p == '.' || is_alnum(n) ||
	    (n == ':' && is_digit(at(t, len, m->end + 1))))
		return 0;
	for (size_t i = m->start; i < m->end; i++)
		if (t[i] == 'm' || t[i] == 'M') {
			m->score = 0.85f;
			break;
		}
	return 1;
}

/* ------------------------------------------------------------ ages */

/* An age pattern: the span is its (last) number, at most 125. */
static int check_age(struct pii_match *m, const char *t, size_t len)
{
	size_t s, e = m->end;
	int v = 0;

	while (e > m->start && !is_digit((unsigned char)t[e - 1]))
		e--;
	s = e;
	while (s > m->start && is_digit((unsigned char)t[s - 1]))
		s--;
	if (e == s || e - s > 3 || is_alnum(before(t, s)) || before(t, s) == '.')
		return 0;
	if ((at(t, len, e) == '.' || at(t, len, e) == ',') && is_digit(at(t, len, e + 1)))
		return 0;
	if (e == m->end && is_alpha(at(t, len, e)))
		return 0;
	for (size_t i = s; i < e; i++)
		v = v * 10 + (t[i] - '0');
	if (v > 125)
		return 0;
	m->start = s;
	m->end = e;
	if (v > 89)
		m->score = 0.95f; /* a HIPAA identifier in itself */
	return 1;
}

/* ------------------------------------------------------------ keyword + value */

/*
 * Keep the value of a "keyword ... value" match: its last token of
 * letters, digits and inner dashes, which must hold a digit and be 4 or
 * more characters long.
 */
static int check_value(struct pii_match *m, const char *t, size_t len)
{
	size_t s = m->end;

	if (is_alnum(at(t, len, m->end)))
		return 0;
	while (s > m->start && (is_alnum((unsigned char)t[s - 1]) || t[s - 1] == '-'))
		s--;
	while (s < m->end && t[s] == '-')
		s++;
	if (m->end - s < 4 || !count_digits(t, s, m->end))
		return 0;
	m->start = s;
	return 1;
}

/* A postal code after its keyword or a state: digits, maybe a dash and more digits. */
static int check_zip(struct pii_match *m, const char *t, size_t len)
{
	size_t s = m->end;
	int dutch;

	if (is_alnum(at(t, len, m->end)) ||
	    (at(t, len, m->end) == '-' && is_digit(at(t, len, m->end + 1))))
		return 0;
	/* "zip 394 13": the longer match (ending after "13") is the code */
	if (!strcmp(m->source, "rule:zip_context") && at(t, len, m->end) == ' ' &&
	    is_digit(at(t, len, m->end + 1)) && is_digit(at(t, len, m->end + 2)) &&
	    !is_alnum(at(t, len, m->end + 3)))
		return 0;
	/* "7412 SL": a Dutch code's two letters */
	dutch = at(t, len, m->end) == ' ' && at(t, len, m->end + 1) >= 'A' &&
	        at(t, len, m->end + 1) <= 'Z' && at(t, len, m->end + 2) >= 'A' &&
	        at(t, len, m->end + 2) <= 'Z' && !is_alnum(at(t, len, m->end + 3));
	while (s > m->start && (is_digit((unsigned char)t[s - 1]) || t[s - 1] == '-' ||
	                        (t[s - 1] == ' ' && s - 1 > m->start &&
	                         is_digit((unsigned char)t[s - 2]) && m->end - s <= 2)))
		s--;
	/* the second group of "394 13", when the match starts at it */
	if (m->end - s <= 2 && s >= 2 && t[s - 1] == ' ' && is_digit((unsigned char)t[s - 2])) {
		s--;
		while (s > 0 && is_digit((unsigned char)t[s - 1]) && m->end - s < 10)
			s--;
	}
	if (m->end - s < 3)
		return 0;
	m->start = s;
	m->end += dutch ? 3 : 0;
	return 1;
}

/* Skip spaces and at most one comma at t[i]. */
static size_t skip_sep(const char *t, size_t len, size_t i)
{
	int comma = 0;

	while (i < len && (t[i] == ' ' || (t[i] == ',' && !comma++)))
		i++;
	return i;
}

/* Does t[i] start `word` (case-sensitive) followed by a non-letter? */
static int word_at(const char *t, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);

	return i + n <= len && !memcmp(t + i, word, n) && !is_alpha(at(t, len, i + n));
}

/* The two capitals at t[i] are a US state or territory. */
static int state_at(const char *t, size_t len, size_t i)
{
	static const char states[] = "ALAKAZARCACOCTDEDCFLGAHIIDILINIAKSKYLAMEMDMAMIMNMSMOMTNENV"
	                             "NHNJNMNYNCNDOHOKORPARISCSDTNTXUTVTVAWAWVWIWYPR";

	if (i + 2 > len || is_alpha(at(t, len, i + 2)))
		return 0;
	for (size_t k = 0; k + 1 < sizeof(states); k += 2)
		if (t[i] == states[k] && t[i + 1] == states[k + 1])
			return 1;
	return 0;
}

/*
 * "123 Main Street" found: extend it over a unit (", Apt 4B") and a
 * "City, ST 12345" line when they follow.
 */
static int check_address(struct pii_match *m, const char *t, size_t len)
{
	static const char *const units[] = { "Apt", "Apartment", "Suite", "Ste", "Unit", "Room",
		                             "Rm",  "Floor",     "Fl",    "#",   NULL };
	size_t i, j;

	if (m->end <= m->start || is_alnum(before(t, m->start)) || before(t, m->start) == '.' ||
	    before(t, m->start) == '-')
		return 0;
	if (at(t, len, m->end) == '.')
		m->end++;
	i = skip_sep(t, len, m->end);
	for (size_t u = 0; units[u]; u++)
		if (units[u][0] == '#' ? at(t, len, i) == '#' : word_at(t, len, i, units[u])) {
			j = i + strlen(units[u]);
			if (at(t, len, j) == '.')
				j++;
			while (at(t, len, j) == ' ' || at(t, len, j) == '#')
				j++;
			if (!is_alnum(at(t, len, j)))
				break;
			while (is_alnum(at(t, len, j)) || at(t, len, j) == '-')
				j++;
			m->end = j;
			break;
		}
	/* City (one to three capitalised words), state, ZIP. */
	i = skip_sep(t, len, m->end);
	for (int words = 0; words < 3 && at(t, len, i) >= 'A' && at(t, len, i) <= 'Z'; words++) {
		if (words > 0 && state_at(t, len, i))
			break;
		j = i + 1;
		while (is_alpha(at(t, len, j)))
			j++;
		i = skip_sep(t, len, j);
		if (j > m->end && state_at(t, len, i)) {
			size_t e = i + 2, z = e;
			while (at(t, len, z) == ' ')
				z++;
			if (count_digits(t, z, z + 5 <= len ? z + 5 : len) == 5 &&
			    !is_digit(at(t, len, z + 5))) {
				e = z + 5;
				if (at(t, len, e) == '-' &&
				    count_digits(t, e + 1, e + 5 <= len ? e + 5 : len) == 4)
					e += 5;
			}
			m->end = e;
			break;
		}
	}
	return !is_alpha(at(t, len, m->end));
}

static int check_gps(struct pii_match *m, const char *t, size_t len)
{
	char *end;
	char tmp[64];
	size_t n = m->end - m->start;
	double lat, lon;

	if (n >= sizeof(tmp) || !num_edges(t, len, m->start, m->end))
		return 0;
	memcpy(tmp, t + m->start, n);
	tmp[n] = '\0';
	lat = strtod(tmp, &end);
	while (*end == ',' || *end == ' ' || *end == '\t')
		end++;
	lon = strtod(end, NULL);
	return fabs(lat) <= 90 && fabs(lon) <= 180;
}

static int check_vin(struct pii_match *m, const char *t, size_t len)
{
	if (!word_edges(t, len, m->start, m->end))
		return 0;
	if (!pii_vin_ok(t + m->start))
		m->score = 0.1f; /* not a North American check digit: only with "VIN" near */
	return count_digits(t, m->start, m->end) >= 4;
}

/* ------------------------------------------------------------ wallets and secrets */

static int check_btc(struct pii_match *m, const char *t, size_t len)
{
	return word_edges(t, len, m->start, m->end) &&
	       pii_base58check_ok(t + m->start, m->end - m->start);
}

static int check_bech32(struct pii_match *m, const char *t, size_t len)
{
	return word_edges(t, len, m->start, m->end) &&
	       pii_bech32_ok(t + m->start, m->end - m->start);
}

static int check_token(struct pii_match *m, const char *t, size_t len)
{
	return word_edges(t, len, m->start, m->end) && at(t, len, m->end) != '_';
}

/* A PEM block ends here: find its BEGIN line, at most half an overlap back. */
static int check_pem(struct pii_match *m, const char *t, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	size_t lim =
	    m->start > ENCLAVE_PII_OVERLAP_BYTES / 2 ? m->start - ENCLAVE_PII_OVERLAP_BYTES / 2 : 0;

	for (size_t i = m->start; i-- > lim;)
		if (t[i] == '-' && i + sizeof(begin) - 1 <= m->start &&
		    !memcmp(t + i, begin, sizeof(begin) - 1)) {
			m->start = i;
			return 1;
		}
	return 0;
}

/* The keys of "key: value" secrets, lowercase; a key must end with one. */
static const char *const secret_keys[] = { "password",   "passwd",     "pwd",       "passphrase",
	                                   "secret",     "token",      "apikey",    "api_key",
	                                   "api-key",    "api key",    "accesskey", "access_key",
	                                   "access-key", "access key", NULL };

/*
 * "password: value", "api_key=value", "token is value": the value is the
 * span. The match may start at the key (glued to the value by = or :) or at
 * the value, the key before it.
 */
static int check_secret_kw(struct pii_match *m, const char *t, size_t len)
{
	size_t ks, ke, vs = m->start, i;
	char key[32];
	size_t kn = 0;
	int pw = 0, found = 0;

	for (i = m->start; i < m->end; i++)
		if (t[i] == '=' || t[i] == ':')
			break;
	if (i < m->end) { /* key=value */
		ks = m->start;
		ke = i;
		vs = i + 1;
	} else {
		i = m->start;
		while (i > 0 && strchr(" \t\"'", t[i - 1]) && t[i - 1])
			i--;
		if (i > 0 && (t[i - 1] == ':' || t[i - 1] == '='))
			i--;
		else if (i >= 3 && t[i - 1] == 's' && t[i - 2] == 'i' && t[i - 3] == ' ')
			i -= 3;
		else
			return 0;
		while (i > 0 && strchr(" \t\"'", t[i - 1]) && t[i - 1])
			i--;
		ke = i;
		ks = back_over(t, ke, 24, 1, "_- ");
	}
	while (ks < ke && t[ks] == ' ')
		ks++;
	for (i = ks; i < ke && kn + 1 < sizeof(key); i++)
		key[kn++] = (char)tolower((unsigned char)t[i]);
	key[kn] = '\0';
	for (size_t k = 0; secret_keys[k] && !found; k++) {
		size_t n = strlen(secret_keys[k]);
		if (kn >= n && !strcmp(key + kn - n, secret_keys[k]) &&
		    (kn == n || !is_alpha((unsigned char)key[kn - n - 1]))) {
			found = 1;
			pw = k < 4;
		}
	}
	if (!found)
		return 0;
	while (vs < m->end && strchr(" \"'", t[vs]) && t[vs])
		vs++;
	while (m->end > vs && strchr(".\"')", t[m->end - 1]))
		m->end--;
	if (m->end < vs + 6)
		return 0;
	/* Placeholders and masked values. */
	if (t[vs] == '<' || t[vs] == '$' || t[vs] == '{' || t[vs] == '*' || t[vs] == '%' ||
	    pii_all_same(t + vs, m->end - vs))
		return 0;
	m->start = vs;
	if (pw) {
		m->score = 0.8f;
		return 1;
	}
	m->score = pii_entropy(t + vs, m->end - vs) >= 3.0 && m->end - vs >= 12 ? 0.85f : 0.3f;
	(void)len;
	return 1;
}

/* A long random-looking token: letters and digits mixed, high entropy. */
static int check_entropy(struct pii_match *m, const char *t, size_t len)
{
	size_t digits = count_digits(t, m->start, m->end), n = m->end - m->start, upper = 0;

	if (!word_edges(t, len, m->start, m->end))
		return 0;
	for (size_t i = m->start; i < m->end; i++)
		upper += t[i] >= 'A' && t[i] <= 'Z';
	if (digits == 0 || digits == n || upper == 0)
		return 0;
	return pii_entropy(t + m->start, n) >= 3.5;
}

/* ------------------------------------------------------------ starts found in C */

/* A domain name starts after the last byte that cannot be in one. */
static size_t start_domain(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 253 &&
	       (is_alnum((unsigned char)t[s - 1]) || t[s - 1] == '-' || t[s - 1] == '.'))
		s--;
	while (s < end && (t[s] == '.' || t[s] == '-'))
		s++;
	return s;
}

/*
 * The value of a "keyword ... value" pattern starts where its last token
 * does: the pattern needs no start-of-match tracking (which made some of
 * these patterns hundreds of times costlier to compile).
 */
static size_t start_token(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 64 && (is_alnum((unsigned char)t[s - 1]) || t[s - 1] == '-'))
		s--;
	return s;
}

/*
 * An e-mail address starts where its local part does: back from the '@'
 * (the last one before the end) over the bytes a local part may hold.
 */
static size_t start_email(const char *t, size_t end)
{
	size_t at_sign = end, s;

	while (at_sign > 0 && t[at_sign - 1] != '@' && end - at_sign < 256)
		at_sign--;
	if (at_sign == 0 || t[at_sign - 1] != '@')
		return end;
	s = at_sign - 1;
	/* Bytes of UTF-8 characters too: internationalised local parts (RFC 6531). */
	while (s > 0 && at_sign - s < 65 &&
	       (is_alnum((unsigned char)t[s - 1]) || (unsigned char)t[s - 1] >= 0x80 ||
	        strchr("._%+-", t[s - 1])))
		s--;
	while (s < at_sign && !is_alnum((unsigned char)t[s]) && (unsigned char)t[s] < 0x80)
		s++;
	return s;
}

/* A base64-ish token starts after the last byte that cannot be in one. */
static size_t start_b64(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && t[s - 1] == '=')
		s--;
	while (s > 0 && end - s < 4096 &&
	       (is_alnum((unsigned char)t[s - 1]) || strchr("+/_-", t[s - 1])))
		s--;
	return s;
}

/*
 * A street address starts at its house number: walking back from the end
 * of "123 Main Street" over at most six words to the first token that is
 * a number (with at most one letter after it: 221B).
 */
static size_t start_address(const char *t, size_t end)
{
	size_t s = end;

	for (int words = 0; words < 7 && s > 0; words++) {
		size_t e, digits = 0;
		while (s > 0 && (t[s - 1] == ' ' || t[s - 1] == '\t'))
			s--;
		e = s;
		while (s > 0 && t[s - 1] != ' ' && t[s - 1] != '\t' && t[s - 1] != '\n' &&
		       e - s < 40)
			s--;
		for (size_t i = s; i < e; i++)
			digits += is_digit((unsigned char)t[i]);
		if (digits && digits >= e - s - 1 && is_digit((unsigned char)t[s]))
			return s;
	}
	return end;
}

/*
 * Walk back from `end` over at most `n` digits, with single separators of
 * `seps` between them; the start is the first of those digits.
 */
static size_t back_digits(const char *t, size_t end, size_t n, const char *seps)
{
	size_t s = end, k = 0;

	while (s > 0 && k < n) {
		if (is_digit((unsigned char)t[s - 1])) {
			s--;
			k++;
		} else if (k > 0 && s > 1 && strchr(seps, t[s - 1]) && t[s - 1] &&
		           is_digit((unsigned char)t[s - 2])) {
			s--;
		} else {
			break;
		}
	}
	return s;
}

static size_t start_ssn(const char *t, size_t end)
{
	return back_digits(t, end, 9, " -");
}

static size_t start_nhs(const char *t, size_t end)
{
	return back_digits(t, end, 10, " -");
}

static size_t start_card(const char *t, size_t end)
{
	return back_digits(t, end, 23, " -");
}

static size_t start_year(const char *t, size_t end)
{
	return end >= 4 ? end - 4 : 0;
}

static size_t start_zip4(const char *t, size_t end)
{
	return end >= 10 ? end - 10 : 0;
}

static size_t start_ipv4(const char *t, size_t end)
{
	return back_digits(t, end, 12, ".");
}

static size_t start_date_md(const char *t, size_t end)
{
	return back_digits(t, end, 4, "/");
}

static size_t start_date_numeric(const char *t, size_t end)
{
	size_t s = back_digits(t, end, 8, "/-.");

	/* Three numbers at most: a longer dotted run starts further on. */
	for (int seps = 0, i = (int)end - 1; i >= (int)s; i--)
		if (!is_digit((unsigned char)t[i]) && ++seps == 3)
			return (size_t)i + 1;
	return s;
}

/* "(212) 555-0143", "+1 212.555.0143", "1-800-555-0199": ten digits, then the prefix. */
static size_t start_phone_nanp(const char *t, size_t end)
{
	size_t s = end, k = 0, x = end;

	/* An extension: digits after x or ext. */
	while (x > 0 && end - x < 5 && is_digit((unsigned char)t[x - 1]))
		x--;
	if (x < end && x > 0) {
		size_t y = x;
		if (t[y - 1] == ' ')
			y--;
		if (y > 0 && (t[y - 1] == 'x' || t[y - 1] == 'X'))
			s = y - 1;
		else if (y >= 3 && (t[y - 1] == 't' || t[y - 1] == '.'))
			for (size_t z = y; z > 0 && y - z < 5; z--)
				if ((t[z - 1] == 'e' || t[z - 1] == 'E') && z + 1 < y &&
				    (t[z] == 'x' || t[z] == 'X')) {
					s = z - 1;
					break;
				}
		while (s < end && s > 0 && t[s - 1] == ' ')
			s--;
	}

	while (s > 0 && k < 10) {
		int c = (unsigned char)t[s - 1];
		if (is_digit(c)) {
			k++;
			s--;
		} else if (k > 0 && (c == ' ' || c == '-' || c == '.' || c == ')' || c == '/') &&
		           s > 1) {
			s--;
		} else if (k > 0 && c == '(') {
			s--;
			break;
		} else {
			break;
		}
	}
	if (s > 0 && t[s - 1] == '(')
		s--;
	/* A country code 1, maybe with a +, and a separator. */
	if (s >= 2 && strchr(" .-", t[s - 1]) && t[s - 2] == '1' &&
	    (s == 2 || !is_alnum(before(t, s - 2))))
		s -= 2;
	else if (s >= 1 && t[s - 1] == '1' && (s == 1 || !is_alnum(before(t, s - 1))) &&
	         (t[s] == '(' || t[s] == ' '))
		s -= 1;
	if (s >= 1 && t[s - 1] == '+')
		s--;
	return s;
}

/* An international number starts at its '+'. */
static size_t start_phone_intl(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 32 && t[s - 1] != '+' &&
	       (is_digit((unsigned char)t[s - 1]) || strchr(" .-()", t[s - 1])))
		s--;
	return s > 0 && t[s - 1] == '+' ? s - 1 : end;
}

/* The number after a phone keyword: back over digits, spaces and ( ) . - and a +. */
static size_t start_phone_value(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 24 &&
	       (is_digit((unsigned char)t[s - 1]) || strchr(" ().-+", t[s - 1])) && t[s - 1])
		s--;
	while (s < end && !is_digit((unsigned char)t[s]) && t[s] != '+' && t[s] != '(')
		s++;
	return s;
}

/* A national number starts at a 0 that no digit precedes. */
static size_t start_phone_national(const char *t, size_t end)
{
	size_t s = back_digits(t, end, 14, " .-");

	while (s < end && !(t[s] == '0' && !is_digit(before(t, s))))
		s++;
	return s;
}

/* 14:30, 2:15 pm, 2pm: back over the am/pm, then over digits and colons. */
static size_t start_time(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 5 && strchr("aApPmM.", t[s - 1]) && t[s - 1])
		s--;
	if (s > 0 && t[s - 1] == ' ')
		s--;
	return back_digits(t, s, 6, ":");
}

/* An ISO date starts at its year, 19xx or 20xx, no digit before it. */
static size_t start_date_iso(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 40 &&
	       (is_digit((unsigned char)t[s - 1]) || strchr("-/.:TZ+ ", t[s - 1])))
		s--;
	for (; s + 5 <= end; s++)
		if ((t[s] == '1' || t[s] == '2') && !is_digit(before(t, s)) &&
		    count_digits(t, s, s + 4) == 4 && strchr("-/.", t[s + 4]) && t[s + 4])
			return s;
	return end;
}

static size_t start_url(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 4096 && !strchr(" \t\r\n<>\"'`", t[s - 1]))
		s--;
	return first_word(t, s, end,
	                  (const char *const[]){ "https://", "http://", "ftp://", "www.", NULL });
}

/* An IBAN starts with two letters and two digits at the start of a word. */
static size_t start_iban(const char *t, size_t end)
{
	size_t s = back_over(t, end, 48, 1, " -");

	for (; s + 4 <= end; s++)
		if (!is_alnum(before(t, s)) && is_alpha((unsigned char)t[s]) &&
		    is_alpha((unsigned char)t[s + 1]) && is_digit((unsigned char)t[s + 2]) &&
		    is_digit((unsigned char)t[s + 3]))
			return s;
	return end;
}

/* A NINO starts with two capitals and a digit (maybe after a space). */
static size_t start_nino(const char *t, size_t end)
{
	size_t s = back_over(t, end, 14, 1, " ");

	for (; s + 3 <= end; s++)
		if (!is_alnum(before(t, s)) && t[s] >= 'A' && t[s] <= 'Z' && t[s + 1] >= 'A' &&
		    t[s + 1] <= 'Z' && (is_digit((unsigned char)t[s + 2]) || t[s + 2] == ' '))
			return s;
	return end;
}

static size_t start_hexcolon(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 39 && (is_hex((unsigned char)t[s - 1]) || t[s - 1] == ':'))
		s--;
	return s;
}

static size_t start_mac(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 17 &&
	       (is_hex((unsigned char)t[s - 1]) || t[s - 1] == ':' || t[s - 1] == '-' ||
	        t[s - 1] == '.'))
		s--;
	while (s < end && !is_hex((unsigned char)t[s]))
		s++;
	return s;
}

static const char *const month_words[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul",
	                                   "aug", "sep", "oct", "nov", "dec", NULL };

/*
 * A date in words starts at its day ("3rd of March", "3-Mar-2021") or, when
 * none comes before, at its month.
 */
static size_t start_date_text(const char *t, size_t end)
{
	size_t s = back_over(t, end, 40, 1, " ,.'-"), m = end, d;

	/* The last month word: an earlier one belongs to an earlier date. */
	for (size_t i = s; i < end; i = m + 1) {
		size_t k = first_word(t, i, end, month_words);
		if (k == end)
			break;
		m = k;
	}
	if (m == end)
		return end;
	d = m;
	while (d > s && (t[d - 1] == ' ' || t[d - 1] == '-'))
		d--;
	if (d >= s + 2 && d - 2 >= s && !strncasecmp(t + d - 2, "of", 2) &&
	    !is_alpha(before(t, d - 2))) {
		d -= 2;
		while (d > s && t[d - 1] == ' ')
			d--;
	}
	if (d >= 2 && is_alpha((unsigned char)t[d - 1]) && is_alpha((unsigned char)t[d - 2]) &&
	    d - 2 >= s && is_digit(before(t, d - 2)))
		d -= 2; /* st, nd, rd, th */
	if (d > s && is_digit((unsigned char)t[d - 1])) {
		size_t k = d;
		while (k > s && is_digit((unsigned char)t[k - 1]) && d - k < 2)
			k--;
		if (!is_alnum(before(t, k)))
			return k;
	}
	return m;
}

static size_t start_word(const char *t, size_t end)
{
	return back_over(t, end, 12, 1, "");
}

static size_t start_minus3(const char *t, size_t end)
{
	return end >= 3 ? end - 3 : 0;
}

/* An age pattern: back over its words; the check keeps the number. */
static size_t start_age(const char *t, size_t end)
{
	size_t s = back_over(t, end, 28, 1, " -./:");

	while (s < end && !is_alnum((unsigned char)t[s]))
		s++;
	return s;
}

static size_t start_unit(const char *t, size_t end)
{
	size_t s = back_over(t, end, 24, 1, " .#");

	return first_word(
	    t, s, end, (const char *const[]){ "Apartment", "Apt", "Suite", "Ste", "Unit", NULL });
}

static size_t start_po_box(const char *t, size_t end)
{
	size_t s = back_over(t, end, 40, 1, " .");

	return first_word(t, s, end, (const char *const[]){ "p.o", "po ", "p o", "post", NULL });
}

/*
 * US military mail: the last "PSC 1234", "Unit 1234" or "USS/USNS Name"
 * within 96 bytes before the end (the APO/FPO/DPO line follows it). Found
 * here rather than by Hyperscan's start-of-match tracking, which made this
 * one pattern cost more than the other seventy together.
 */
static size_t start_military(const char *t, size_t end)
{
	size_t lo = end > 96 ? end - 96 : 0;

	for (size_t i = end >= 6 ? end - 6 : 0; i-- > lo;) {
		size_t j = i + (t[i] == 'P' || !strncmp(t + i, "USS", 3) ? 3 : 4);
		int blank = t[j] == ' ' || t[j] == '\t' || t[j] == '\n' || t[j] == '\r';

		if (!blank || (i > 0 && is_alnum(before(t, i))))
			continue;
		if ((!strncmp(t + i, "PSC", 3) || !strncmp(t + i, "Unit", 4)) &&
		    is_digit((unsigned char)t[j + 1]))
			return i;
		if ((!strncmp(t + i, "USS", 3) || !strncmp(t + i, "USNS", 4)) && t[j + 1] >= 'A' &&
		    t[j + 1] <= 'Z')
			return i;
	}
	return lo;
}

static size_t start_gps(const char *t, size_t end)
{
	size_t s = back_over(t, end, 40, 0, "0123456789., +-");

	while (s < end && !is_digit((unsigned char)t[s]) && t[s] != '-' && t[s] != '+')
		s++;
	return s;
}

/* Degrees, minutes, seconds: back over digits, marks (° ′ ″ are UTF-8) and N, S, E, W. */
static size_t start_dms(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 64 &&
	       (is_digit((unsigned char)t[s - 1]) || (unsigned char)t[s - 1] >= 0x80 ||
	        (t[s - 1] && strchr(" ,.'\"NSEW", t[s - 1]))))
		s--;
	while (s < end && !is_digit((unsigned char)t[s]))
		s++;
	return s;
}

static size_t start_minus17(const char *t, size_t end)
{
	return end >= 17 ? end - 17 : 0;
}

static size_t start_alnum(const char *t, size_t end)
{
	return back_over(t, end, 128, 1, "_");
}

static size_t start_alnum_dash(const char *t, size_t end)
{
	return back_over(t, end, 128, 1, "-_");
}

static size_t start_azure(const char *t, size_t end)
{
	size_t s = back_over(t, end, 128, 1, "+/=");

	return s >= 11 ? s - 11 : 0; /* AccountKey= */
}

static size_t start_slack_hook(const char *t, size_t end)
{
	return first_word(t, back_over(t, end, 160, 1, ":/._-"), end,
	                  (const char *const[]){ "https://hooks", NULL });
}

/* The match is the END line; check_pem finds the BEGIN line from there. */
static size_t start_pem(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 64 && t[s - 1] != '\n')
		s--;
	return s;
}

static size_t start_jwt(const char *t, size_t end)
{
	return back_over(t, end, 8192, 1, "_-.");
}

/* "password: value", "api_key=value": back over the value (and a key glued to it by = or :). */
static size_t start_secret(const char *t, size_t end)
{
	size_t s = end;

	while (s > 0 && end - s < 512 && !strchr(" \t\r\n\"',;", t[s - 1]))
		s--;
	return s;
}

/* ------------------------------------------------------------ the table */

static const struct pii_context ctx_none = {
	(const char *const[]){ NULL }, NULL, 0, 0, 0, 0, 0, 0
};

#define MONTHS                                                                             \
	"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
	"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
#define US_STATES                                                                              \
	"(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|" \
	"NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR)"
#define STREET_SUFFIX                                                                         \
	"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|" \
	"Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Loop|Alley|"  \
	"Plaza|Crescent|Close|Row|Walk|Pike|Route|Rte|Gardens|Grove|Hill|Park|Path|Point|"    \
	"Ridge|Run|View|Heights|Expressway|Turnpike)"
#define KW_SEP "\\s*(?:#|:|no\\.?|number|num)?\\s*[:#]?\\s*(?:is\\s+|of\\s+)?"

const struct pii_pattern pii_patterns[] = {
	/* contact */
	{ "[A-Za-z0-9._%+\\-]@[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?"
	  "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?)*\\.[A-Za-z]{2,24}",
	  0, ENCLAVE_PII_EMAIL_ADDRESS, 1.0f, "rule:email", check_email, NULL, start_email },
	{ "(?:https?|ftp)://[^\\s<>\"'`]+", 1, ENCLAVE_PII_URL, 0.9f, "rule:url", check_url, NULL,
	  start_url },
	{ "\\bwww\\.[A-Za-z0-9\\-]+\\.[^\\s<>\"'`]+", 1, ENCLAVE_PII_URL, 0.85f, "rule:url",
	  check_url, NULL, start_url },
	{ "[A-Za-z0-9\\-]\\.[A-Za-z]{2,24}\\b", 0, ENCLAVE_PII_DOMAIN_NAME, 0.6f, "rule:domain_tld",
	  check_domain, NULL, start_domain },
	{ "(?:\\+?1[\\s.\\-]?)?(?:\\(\\d{3}\\)\\s?|\\d{3}[\\s.\\-/]?)\\d{3}[\\s.\\-/]?\\d{4}"
	  "(?:\\s?(?:x|ext\\.?)\\s?\\d{1,5})?",
	  1, ENCLAVE_PII_PHONE_NUMBER, 0.7f, "rule:phone_nanp", check_phone_nanp, NULL,
	  start_phone_nanp },
	{ "\\+\\d{1,3}[\\s.\\-]?(?:\\(0?\\d{1,4}\\)[\\s.\\-]?)?\\d{1,5}(?:[\\s.\\-]\\d{1,5}){1,5}",
	  0, ENCLAVE_PII_PHONE_NUMBER, 0.7f, "rule:phone_intl", check_phone_intl, NULL,
	  start_phone_intl },
	{ "\\b0\\d{1,4}[\\s.\\-]?\\d{2,4}(?:[\\s.\\-]\\d{2,4}){1,3}", 0, ENCLAVE_PII_PHONE_NUMBER,
	  0.4f, "rule:phone_national", check_phone_national, NULL, start_phone_national },
	{ "\\b(?:phone|tel|telephone|mobile|cell|fax|desk|call\\s+me\\s+on|answering\\s+at|"
	  "reach\\s+me\\s+at|contact)\\s*(?:number|no\\.?|#)?\\s*[:#]?\\s*\\+?\\(?\\d[\\d\\s().\\-]"
	  "{5,18}\\d",
	  1, ENCLAVE_PII_PHONE_NUMBER, 0.75f, "rule:phone_context", check_phone_context, &ctx_none,
	  start_phone_value },
	{ "\\b(?:pager|pg|beeper|bleep)\\s*(?:number|no\\.?)?\\s*[:#]?\\s*#?\\s*\\d{4,6}\\b", 1,
	  ENCLAVE_PII_PHONE_NUMBER, 0.75f, "rule:pager_context", check_value, &ctx_none,
	  start_token },

	/* national and financial identifiers */
	{ "\\d{3}[\\s\\-]?\\d{2}[\\s\\-]?\\d{4}", 0, ENCLAVE_PII_US_SSN, 0.6f, "rule:us_ssn",
	  check_ssn, NULL, start_ssn },
	{ "9\\d{2}[\\s\\-]?\\d{2}[\\s\\-]?\\d{4}", 0, ENCLAVE_PII_US_ITIN, 0.5f, "rule:us_itin",
	  check_itin, NULL, start_ssn },
	{ "\\d(?:[\\s\\-]?\\d){11,22}", 0, ENCLAVE_PII_CREDIT_CARD, 1.0f, "rule:credit_card_luhn",
	  check_card, NULL, start_card },
	{ "[A-Za-z]{2}\\d{2}(?:[ \\-]?[A-Za-z0-9]){11,30}", 0, ENCLAVE_PII_IBAN_CODE, 1.0f,
	  "rule:iban_mod97", check_iban, NULL, start_iban },
	{ "\\b(?:swift|bic)\\b[^\\n\\d]{0,24}[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\\b", 1,
	  ENCLAVE_PII_SWIFT_CODE, 0.85f, "rule:swift_bic", check_swift, &ctx_none, start_token },
	{ "\\b(?:routing|aba|rtn|transit)\\b[^\\n\\d]{0,24}(?:\\d{9}|\\d{4}-\\d{4}-\\d)\\b", 1,
	  ENCLAVE_PII_ABA_ROUTING, 0.85f, "rule:aba_checksum", check_aba, &ctx_none, start_token },
	{ "\\d{3}([ \\-]?)\\d{3}[ \\-]?\\d{4}", 0, ENCLAVE_PII_UK_NHS, 0.35f, "rule:uk_nhs_mod11",
	  check_nhs, NULL, start_nhs },
	{ "[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]", 0,
	  ENCLAVE_PII_UK_NINO, 0.6f, "rule:uk_nino", check_nino, NULL, start_nino },
	{ "\\bpassport" KW_SEP "[A-Z]?\\d{8,9}", 1, ENCLAVE_PII_US_PASSPORT, 0.85f,
	  "rule:us_passport_context", check_value, &ctx_none, start_token },
	{ "\\b(?:driver'?s?|driving|operator'?s?)\\s+licen[cs]e(?:\\s+(?:number|no\\.?|#|id))?"
	  "\\s*[:#]?\\s*(?:is\\s+)?[A-Z0-9][A-Z0-9\\-]{3,18}",
	  1, ENCLAVE_PII_US_DRIVER_LICENSE, 0.85f, "rule:driver_license_context", check_value,
	  &ctx_none, start_token },
	{ "\\b(?:DL|D\\.L\\.|lic)" KW_SEP "[A-Z]{0,2}\\d[A-Z0-9\\-]{4,16}", 1,
	  ENCLAVE_PII_US_DRIVER_LICENSE, 0.7f, "rule:driver_license_context", check_value,
	  &ctx_none, start_token },
	{ "\\b(?:mrn|medical\\s+record(?:\\s+(?:number|no\\.?|#))?|record\\s+(?:number|no\\.?|#)|"
	  "chart\\s+(?:number|no\\.?|#)|patient\\s+(?:id|number)|pt\\s+id|hospital\\s+(?:number|"
	  "no\\.?)|"
	  "unit\\s+(?:number|no\\.?))\\s*[:#]?\\s*(?:is\\s+)?[A-Z]{0,3}[\\-]?\\d[\\d\\-]{3,14}",
	  1, ENCLAVE_PII_MEDICAL_RECORD, 0.85f, "rule:mrn_context", check_value, &ctx_none,
	  start_token },
	{ "\\b(?:account|acct|a/c)" KW_SEP "[A-Z]{0,4}[\\-]?\\d[\\d\\-]{4,20}", 1,
	  ENCLAVE_PII_ACCOUNT_NUMBER, 0.8f, "rule:account_context", check_value, &ctx_none,
	  start_token },
	{ "\\b(?:bank\\s+account|checking|savings)(?:\\s+(?:account|acct))?" KW_SEP "\\d{6,17}", 1,
	  ENCLAVE_PII_US_BANK_NUMBER, 0.85f, "rule:bank_account_context", check_value, &ctx_none,
	  start_token },
	{ "\\b(?:health\\s+plan|insurance|member|subscriber|policy|medicaid|medicare|beneficiary|"
	  "group|plan)\\s+(?:id|number|no\\.?|#|num)\\s*[:#]?\\s*(?:is\\s+)?[A-Z]{0,4}[\\-]?\\d[A-"
	  "Z0-9\\-]{4,15}",
	  1, ENCLAVE_PII_HEALTH_PLAN, 0.85f, "rule:health_plan_context", check_value, &ctx_none,
	  start_token },
	{ "\\b(?:serial(?:\\s+(?:number|no\\.?|#))?|s/n|imei|device\\s+id|udid|asset\\s+tag)"
	  "\\s*[:#]?\\s*(?:is\\s+)?[A-Z0-9][A-Z0-9\\-]{4,30}",
	  1, ENCLAVE_PII_SERIAL_NUMBER, 0.8f, "rule:serial_context", check_value, &ctx_none,
	  start_token },

	/* network */
	{ "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){"
	  "3}",
	  0, ENCLAVE_PII_IP_ADDRESS, 0.7f, "rule:ipv4", check_ipv4, NULL, start_ipv4 },
	{ "[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}", 0, ENCLAVE_PII_IP_ADDRESS, 0.7f,
	  "rule:ipv6", check_ipv6, NULL, start_hexcolon },
	{ "[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|"
	  "[0-9a-f]{4}\\.[0-9a-f]{4}\\.[0-9a-f]{4}",
	  0, ENCLAVE_PII_MAC_ADDRESS, 0.8f, "rule:mac", check_mac, NULL, start_mac },

	/* dates and times */
	{ "(?:19|20)\\d\\d([\\-/.])(?:0?[1-9]|1[0-2])[\\-/.](?:0?[1-9]|[12]\\d|3[01])"
	  "(?:[T "
	  "](?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,6})?)?(?:Z|[+\\-]\\d\\d:?\\d\\d)?)?",
	  0, ENCLAVE_PII_DATE_TIME, 0.95f, "rule:date_iso", check_date_iso, NULL, start_date_iso },
	{ "\\d{1,2}[/\\-.]\\d{1,2}[/\\-.](?:\\d{4}|\\d{2})", 0, ENCLAVE_PII_DATE_TIME, 0.85f,
	  "rule:date_numeric", check_date_numeric, NULL, start_date_numeric },
	{ "\\d{1,2}/\\d{1,2}", 0, ENCLAVE_PII_DATE_TIME, 0.5f, "rule:date_month_day", check_date_md,
	  &ctx_none, start_date_md },
	{ "\\b" MONTHS "\\.?(?:\\s+\\d{1,2}(?:st|nd|rd|th)?)?(?:,?\\s+(?:'\\d{2}|\\d{4}))?\\b\\.?",
	  1, ENCLAVE_PII_DATE_TIME, 0.9f, "rule:date_text", check_date_text, NULL,
	  start_date_text },
	{ "\\b\\d{1,2}(?:st|nd|rd|th)?(?:\\s+of)?[\\s\\-]+" MONTHS
	  "\\.?(?:[\\s\\-,]+(?:\\d{4}|'?\\d{2}))?\\b",
	  1, ENCLAVE_PII_DATE_TIME, 0.9f, "rule:date_text", check_date_text, NULL,
	  start_date_text },
	{ "\\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\\b", 1, ENCLAVE_PII_DATE_TIME, 0.6f,
	  "rule:weekday", NULL, NULL, start_word },
	{ "(?:19|20)\\d\\d", 0, ENCLAVE_PII_DATE_TIME, 0.35f, "rule:date_year", check_year, NULL,
	  start_year },
	{ "\\d\\d'", 0, ENCLAVE_PII_DATE_TIME, 0.55f, "rule:date_year", check_year_apos_after, NULL,
	  start_minus3 },
	{ "'\\d\\d", 0, ENCLAVE_PII_DATE_TIME, 0.55f, "rule:date_year", check_year_apos, NULL,
	  start_minus3 },
	{ "(?:[01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?(?:\\s?[ap]\\.?m\\b)?", 1,
	  ENCLAVE_PII_DATE_TIME, 0.6f, "rule:time", check_time, NULL, start_time },
	{ "\\b(?:1[0-2]|0?[1-9])\\s?[ap]\\.?m\\b", 1, ENCLAVE_PII_DATE_TIME, 0.85f, "rule:time",
	  check_time, NULL, start_time },

	/* ages */
	{ "\\b\\d{1,3}\\s?-?\\s?(?:years?|yrs?|y)\\.?\\s?-?\\s?old\\b", 1, ENCLAVE_PII_AGE, 0.85f,
	  "rule:age", check_age, NULL, start_age },
	{ "\\b\\d{1,3}\\s?(?:yo|y/o|y\\.o\\.?|yof|yom|yowm|yowf)\\b", 1, ENCLAVE_PII_AGE, 0.85f,
	  "rule:age", check_age, NULL, start_age },
	{ "\\b\\d{1,3}\\s?(?:years?|yrs?)\\s+of\\s+age\\b", 1, ENCLAVE_PII_AGE, 0.85f, "rule:age",
	  check_age, NULL, start_age },
	{ "\\b(?:aged?|age:|age\\s+of|turned|turning|turn)\\s*\\d{1,3}\\b", 1, ENCLAVE_PII_AGE,
	  0.8f, "rule:age", check_age, NULL, start_age },

	/* places */
	{ "\\b(?:zip|postal|post)(?:\\s*code)?\\s*[:#]?\\s*(?:is\\s+)?\\d{3,5}(?:[\\- ]\\d{2,4})?",
	  1, ENCLAVE_PII_ZIP_CODE, 0.85f, "rule:zip_context", check_zip, &ctx_none, start_token },
	{ ",\\s?" US_STATES "\\.?\\s+\\d{5}(?:-\\d{4})?", 0, ENCLAVE_PII_ZIP_CODE, 0.8f,
	  "rule:zip_state", check_zip, &ctx_none, start_token },
	{ "\\b\\d{5}-\\d{4}\\b", 0, ENCLAVE_PII_ZIP_CODE, 0.45f, "rule:zip_plus4", check_zip, NULL,
	  start_zip4 },
	{ "\\d{1,6}[A-Za-z]?\\s+(?:[NSEW]\\.?\\s+|(?:North|South|East|West)\\s+)?"
	  "(?:[A-Z][A-Za-z'\\-]*\\.?\\s+|\\d{1,3}(?:st|nd|rd|th)\\s+){1,4}" STREET_SUFFIX "\\b",
	  0, ENCLAVE_PII_STREET_ADDRESS, 0.8f, "rule:street_address", check_address, NULL,
	  start_address },
	{ "\\b(?:Apt|Apartment|Suite|Ste|Unit)\\.?\\s*#?\\d{1,5}[A-Za-z]?\\b", 0,
	  ENCLAVE_PII_STREET_ADDRESS, 0.5f, "rule:address_unit", NULL, NULL, start_unit },
	/* US military mail (APO/FPO/DPO), one or two lines. */
	{ "\\b(?:PSC\\s\\d{4},\\sBox\\s\\d{4}|Unit\\s\\d{4}\\sBox\\s\\d{4}|"
	  "US[NS]S\\s[A-Z][A-Za-z]+)\\s{1,3}[AFD]PO\\s(?:AA|AE|AP)\\s\\d{5}\\b",
	  0, ENCLAVE_PII_STREET_ADDRESS, 1.0f, "rule:military_address", NULL, NULL,
	  start_military },
	{ "\\b(?:P\\.?\\s?O\\.?\\s+Box|Post\\s?box|Post\\s+Office\\s+Box)\\s+\\d{1,6}", 1,
	  ENCLAVE_PII_STREET_ADDRESS, 0.75f, "rule:po_box", NULL, NULL, start_po_box },
	{ "[\\-+]?\\d{1,2}\\.\\d{3,8}\\s*,\\s*[\\-+]?\\d{1,3}\\.\\d{3,8}", 0, ENCLAVE_PII_GPS,
	  0.55f, "rule:gps_decimal", check_gps, NULL, start_gps },
	{ "\\d{1,3}\xC2\xB0\\s?\\d{1,2}(?:'|\xE2\x80\xB2)\\s?(?:\\d{1,2}(?:\\.\\d+)?(?:\"|"
	  "\xE2\x80\xB3)\\s?)?[NSEW]"
	  "(?:,?\\s*\\d{1,3}\xC2\xB0\\s?\\d{1,2}(?:'|\xE2\x80\xB2)\\s?(?:\\d{1,2}(?:\\.\\d+)?(?:\"|"
	  "\xE2\x80\xB3)\\s?)?[NSEW])?",
	  0, ENCLAVE_PII_GPS, 0.85f, "rule:gps_dms", NULL, NULL, start_dms },

	/* vehicles and devices */
	{ "\\b[A-HJ-NPR-Z0-9]{17}\\b", 0, ENCLAVE_PII_VIN, 0.9f, "rule:vin_checksum", check_vin,
	  NULL, start_minus17 },

	/* wallets */
	{ "\\b[13][a-km-zA-HJ-NP-Z1-9]{25,34}\\b", 0, ENCLAVE_PII_CRYPTO, 0.95f,
	  "rule:btc_base58check", check_btc, NULL, start_alnum },
	{ "\\b(?:bc|tb)1[ac-hj-np-z02-9]{11,71}\\b", 1, ENCLAVE_PII_CRYPTO, 0.95f,
	  "rule:btc_bech32", check_bech32, NULL, start_alnum },
	{ "\\b0x[0-9a-fA-F]{40}\\b", 0, ENCLAVE_PII_CRYPTO, 0.7f, "rule:eth_address", check_token,
	  NULL, start_alnum },

	/* secrets */
	{ "\\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\\b", 0, ENCLAVE_PII_SECRET, 0.95f,
	  "rule:aws_access_key", check_token, NULL, start_alnum },
	{ "\\bAIza[0-9A-Za-z_\\-]{35}", 0, ENCLAVE_PII_SECRET, 0.95f, "rule:gcp_api_key",
	  check_token, NULL, start_alnum_dash },
	{ "AccountKey=[A-Za-z0-9+/]{86}==", 0, ENCLAVE_PII_SECRET, 0.95f, "rule:azure_storage_key",
	  NULL, NULL, start_azure },
	{ "\\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\\b|\\bgithub_pat_[A-Za-z0-9_]{82}\\b", 0,
	  ENCLAVE_PII_SECRET, 0.95f, "rule:github_token", check_token, NULL, start_alnum },
	{ "\\bxox[abposr]-[A-Za-z0-9\\-]{10,72}", 0, ENCLAVE_PII_SECRET, 0.9f, "rule:slack_token",
	  NULL, NULL, start_alnum_dash },
	{ "https://hooks\\.slack\\.com/services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}", 0,
	  ENCLAVE_PII_SECRET, 0.95f, "rule:slack_webhook", NULL, NULL, start_slack_hook },
	{ "\\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{24,99}\\b", 0, ENCLAVE_PII_SECRET, 0.95f,
	  "rule:stripe_key", check_token, NULL, start_alnum },
	{ "-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----", 0,
	  ENCLAVE_PII_SECRET, 1.0f, "rule:pem_private_key", check_pem, NULL, start_pem },
	{ "\\beyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{8,}", 0,
	  ENCLAVE_PII_SECRET, 0.9f, "rule:jwt", NULL, NULL, start_jwt },
	{ "\\b(?:password|passwd|pwd|passphrase|secret|token|api[_\\-\\s]?key|apikey|"
	  "access[_\\-\\s]?key|auth[_\\-\\s]?token|client[_\\-\\s]?secret|private[_\\-\\s]?key)"
	  "[\"']?\\s*(?:[:=]|\\s+is)\\s*[\"']?[^\\s\"',;]{6,}",
	  1, ENCLAVE_PII_SECRET, 0.8f, "rule:secret_keyword", check_secret_kw, &ctx_none,
	  start_secret },
	{ "(?:password|passwd|token|secret|api[_\\-\\s]?key|apikey|access[_\\-\\s]?key|"
	  "private[_\\-\\s]?key|credential|bearer|auth)[^\\n]{0,48}[A-Za-z0-9+/_\\-]{24,}",
	  1, ENCLAVE_PII_SECRET, 0.75f, "rule:secret_entropy", check_entropy, &ctx_none,
	  start_b64 },
};

const size_t pii_npatterns = sizeof(pii_patterns) / sizeof(pii_patterns[0]);

unsigned pii_flags(const struct pii_pattern *p)
{
	return (p->start ? 0 : HS_FLAG_SOM_LEFTMOST) | (p->caseless ? HS_FLAG_CASELESS : 0);
}
