/*
 * Date shifting for the pseudonym operator: every date of one subject
 * moves by the same number of days, so intervals between them survive,
 * and the shifted date is written in the original's format.
 *
 * The offset of a subject is -(1 + (HMAC-SHA256(k_date, subject) mod 365))
 * days: from -365 to -1, never 0, the same for a subject across the corpus
 * under one key.
 *
 * Formats read (ASCII; anything else is not a date here):
 *   ISO        2021-03-03, 2021/03/03 (time after it kept: 2021-03-03T14:05Z)
 *   numeric    3/7/2021, 03-07-21, 3.7.2021: month first, unless the first
 *              field is over 12 (then day first); two-digit years stay two
 *              digits (00-49 read as 20xx, 50-99 as 19xx for leap years)
 *   no year    7/22 ("M/D", slash only), March 3: shifted within the leap
 *              year 2000, so 2/29 exists, and written without a year
 *   names      March 3, 2021; Mar. 3 2021; 3 March 2021; 3rd March 2021;
 *              a weekday before it (Monday, March 1, 2021) is recomputed;
 *              full names stay full, abbreviations stay 3 letters, and the
 *              case style (March, MARCH, march) is kept
 *   month-year March 2021: the 15th of the month is shifted, the month
 *              and year written
 * Zero-padded fields stay padded ("07/02" -> "06/10"), unpadded ones not.
 * After the date only a time may follow (digits, ':', '.', ',', '+', '-',
 * spaces and the words T, Z, am, pm, at, UTC, GMT), kept as it is.
 *
 * A year alone (1000-2999) is kept (returns 2): Safe Harbor allows years,
 * and a shift under a year would move it to the year before at most. Any
 * other text returns 1 and the caller writes the tag "[DATE_TIME]".
 */
#include <string.h>
#include <strings.h>

#include "redact_int.h"

static const char *const months[12] = { "january",   "february", "march",    "april",
	                                "may",       "june",     "july",     "august",
	                                "september", "october",  "november", "december" };
static const char *const weekdays[7] = { "monday", "tuesday",  "wednesday", "thursday",
	                                 "friday", "saturday", "sunday" };

int dateshift_offset(const unsigned char key[32], const char *subject)
{
	unsigned char mac[32];
	uint32_t v;

	if (!subject)
		subject = "";
	redact_prf(mac, key, "date", subject, strlen(subject));
	v = (uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 | (uint32_t)mac[2] << 8 | mac[3];
	return -(int)(1 + v % 365);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(long z, long *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(long y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A field of the original date: where it is and how it is written. */
struct field {
	size_t s, e; /* bytes in the value; e == 0 when absent */
	int padded;  /* numbers: a leading zero */
};

struct date {
	long y;
	int m, d;
	int has_year, has_day, two_digit_year;
	struct field fy, fm, fd, fwd, ford; /* year, month, day, weekday, ordinal suffix */
	int month_named;
	int wd; /* the original weekday, when written */
};

/* Read a run of digits at v[*p] (at most `max`); returns its value or -1. */
static long read_num(const char *v, size_t n, size_t *p, size_t max, struct field *f)
{
	size_t s = *p;
	long x = 0;

	while (*p < n && is_digit(v[*p]) && *p - s < max)
		x = x * 10 + (v[(*p)++] - '0');
	if (*p == s || (*p < n && is_digit(v[*p])))
		return -1;
	f->s = s;
	f->e = *p;
	f->padded = v[s] == '0' && *p - s > 1;
	return x;
}

/* Match a word at v[*p] against `names` (full, or an abbreviation of 3+ letters); index or -1. */
static int read_name(const char *v, size_t n, size_t *p, const char *const *names, int count,
                     struct field *f)
{
	size_t s = *p, len;

	while (*p < n && is_alpha(v[*p]))
		(*p)++;
	len = *p - s;
	if (len >= 3)
		for (int i = 0; i < count; i++)
			if (len <= strlen(names[i]) && strncasecmp(v + s, names[i], len) == 0) {
				f->s = s;
				f->e = *p;
				return i;
			}
	*p = s;
	return -1;
}

static void skip_spaces(const char *v, size_t n, size_t *p)
{
	while (*p < n && v[*p] == ' ')
		(*p)++;
}

/* An ordinal suffix (st, nd, rd, th) right after a day. */
static void read_ordinal(const char *v, size_t n, size_t *p, struct field *f)
{
	if (*p + 2 <= n &&
	    (!strncasecmp(v + *p, "st", 2) || !strncasecmp(v + *p, "nd", 2) ||
	     !strncasecmp(v + *p, "rd", 2) || !strncasecmp(v + *p, "th", 2)) &&
	    (*p + 2 == n || !is_alpha(v[*p + 2]))) {
		f->s = *p;
		f->e = *p + 2;
		*p += 2;
	}
}

/* Is v[p..n) only a time (see the top)? */
static int time_only(const char *v, size_t p, size_t n)
{
	static const char *const words[] = {
		"t", "z", "am", "pm", "at", "utc", "gmt", "a", "m", "p"
	};

	while (p < n) {
		char c = v[p];
		if (is_digit(c) || strchr(" :.,+-", c)) {
			p++;
			continue;
		}
		if (!is_alpha(c))
			return 0;
		size_t s = p, ok = 0;
		while (p < n && is_alpha(v[p]))
			p++;
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i]) == p - s && !strncasecmp(words[i], v + s, p - s))
				ok = 1;
		/* "14:05T": the ISO 'T' comes glued to the digits. */
		if (!ok)
			return 0;
	}
	return 1;
}

/* The date after the month name at *p: "[.] D[st][,] [YYYY]" or "[,] YYYY". Returns 0 or 1. */
static int parse_after_month(struct date *dt, const char *v, size_t n, size_t *p)
{
	size_t q;
	long x;

	if (*p < n && v[*p] == '.')
		(*p)++;
	skip_spaces(v, n, p);
	q = *p;
	struct field f = { 0 };
	if ((x = read_num(v, n, &q, 4, &f)) < 0)
		return 1;
	if (f.e - f.s == 4) { /* Month YYYY */
		dt->y = x, dt->fy = f, dt->has_year = 1, dt->d = 15;
		*p = q;
		return 0;
	}
	if (f.e - f.s > 2)
		return 1;
	dt->d = (int)x, dt->fd = f, dt->has_day = 1;
	read_ordinal(v, n, &q, &dt->ford);
	*p = q;
	if (q < n && v[q] == ',')
		q++;
	skip_spaces(v, n, &q);
	struct field fy = { 0 };
	size_t r = q;
	if ((x = read_num(v, n, &r, 4, &fy)) >= 0 && fy.e - fy.s == 4) {
		dt->y = x, dt->fy = fy, dt->has_year = 1;
		*p = r;
	}
	return 0;
}

/* Parse v[0..n) into *dt; returns 0, 1 (not a date) or 2 (a year alone). */
static int parse_date(struct date *dt, const char *v, size_t n, size_t *end)
{
	size_t p = 0;
	long a, b, c;
	struct field fa = { 0 }, fb = { 0 }, fc = { 0 };

	memset(dt, 0, sizeof(*dt));
	if (p < n && is_alpha(v[p])) {
		size_t q = p;
		if ((dt->wd = read_name(v, n, &q, weekdays, 7, &dt->fwd)) >= 0) {
			if (q < n && v[q] == '.')
				q++;
			if (q < n && v[q] == ',')
				q++;
			skip_spaces(v, n, &q);
			p = q;
		}
	}
	if (p < n && is_alpha(v[p])) {
		int m = read_name(v, n, &p, months, 12, &dt->fm);
		if (m < 0)
			return 1;
		dt->m = m + 1, dt->month_named = 1;
		if (parse_after_month(dt, v, n, &p))
			return 1;
		*end = p;
		return 0;
	}
	if ((a = read_num(v, n, &p, 4, &fa)) < 0)
		return 1;
	if (fa.e - fa.s == 4 && p == n && !dt->fwd.e)
		return a >= 1000 && a <= 2999 ? 2 : 1;
	if (p < n && (v[p] == '-' || v[p] == '/' || v[p] == '.')) {
		char sep = v[p++];
		if ((b = read_num(v, n, &p, 2, &fb)) < 0)
			return 1;
		if (p + 1 < n && v[p] == sep && is_digit(v[p + 1])) {
			p++;
			if ((c = read_num(v, n, &p, 4, &fc)) < 0)
				return 1;
			if (fa.e - fa.s == 4) { /* Y-M-D */
				if (fc.e - fc.s > 2)
					return 1;
				dt->y = a, dt->fy = fa, dt->m = (int)b, dt->fm = fb, dt->d = (int)c,
				dt->fd = fc;
			} else if (fc.e - fc.s == 4 || fc.e - fc.s == 2) {
				int day_first = a > 12 && b <= 12;
				dt->m = (int)(day_first ? b : a), dt->fm = day_first ? fb : fa;
				dt->d = (int)(day_first ? a : b), dt->fd = day_first ? fa : fb;
				dt->y = c, dt->fy = fc;
				if (fc.e - fc.s == 2) {
					dt->two_digit_year = 1;
					dt->y = c < 50 ? 2000 + c : 1900 + c;
				}
			} else {
				return 1;
			}
			dt->has_year = dt->has_day = 1;
		} else if (sep == '/' && fa.e - fa.s <= 2) { /* M/D */
			dt->m = (int)a, dt->fm = fa, dt->d = (int)b, dt->fd = fb, dt->has_day = 1;
		} else {
			return 1;
		}
		*end = p;
		return 0;
	}
	/* D[st] Month [YYYY] */
	if (fa.e - fa.s > 2)
		return 1;
	dt->d = (int)a, dt->fd = fa, dt->has_day = 1;
	read_ordinal(v, n, &p, &dt->ford);
	skip_spaces(v, n, &p);
	if (p + 3 <= n && !strncasecmp(v + p, "of ", 3))
		p += 3;
	int m = read_name(v, n, &p, months, 12, &dt->fm);
	if (m < 0)
		return 1;
	dt->m = m + 1, dt->month_named = 1;
	if (p < n && v[p] == '.')
		p++;
	size_t q = p;
	if (q < n && v[q] == ',')
		q++;
	skip_spaces(v, n, &q);
	struct field fy = { 0 };
	long y;
	if ((y = read_num(v, n, &q, 4, &fy)) >= 0 && fy.e - fy.s == 4) {
		dt->y = y, dt->fy = fy, dt->has_year = 1;
		p = q;
	}
	*end = p;
	return 0;
}

/*
 * Write `name` (lowercase) in the style of the original word orig[0..olen),
 * whose full name has `full_len` letters: full when it was written in full,
 * else its first 3 letters ("Sept" stays 4); the case style is kept.
 */
static int put_name(struct buf *out, const char *name, const char *orig, size_t olen, int full_len)
{
	char tmp[16];
	size_t len = olen >= (size_t)full_len ? strlen(name) : 3;

	if (!strcmp(name, "september") && olen == 4)
		len = 4;
	memcpy(tmp, name, len);
	tmp[len] = 0;
	return surrogate_put_cased(out, tmp, orig, olen);
}

/* Write a number in the original field's width: padded when it was, two digits for years of two. */
static int put_num(struct buf *out, long x, const struct field *f, int width)
{
	if (width == 4)
		return buf_printf(out, "%04ld", x);
	if (width == 2 || f->padded)
		return buf_printf(out, "%02ld", x % 100);
	return buf_printf(out, "%ld", x);
}

static const char *ordinal(int d)
{
	if (d >= 11 && d <= 13)
		return "th";
	switch (d % 10) {
	case 1: return "st";
	case 2: return "nd";
	case 3: return "rd";
	default: return "th";
	}
}

int dateshift_write(struct buf *out, const char *v, size_t n, int days)
{
	struct date dt;
	size_t end = 0, at = 0;
	long y, z;
	int m, d, rc, error = 0;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] >= 0x80)
			return 1;
	if ((rc = parse_date(&dt, v, n, &end)) != 0)
		return rc;
	if (!time_only(v, end, n))
		return 1;
	y = dt.has_year ? dt.y : 2000;
	if (dt.m < 1 || dt.m > 12 || dt.d < 1 || dt.d > days_in_month(y, dt.m))
		return 1;
	z = days_from_civil(y, dt.m, dt.d) + days;
	civil_from_days(z, &y, &m, &d);
	if (!dt.has_year && y != 2000)
		y = 2000; /* no year written: only month and day matter */
	if (dt.has_year && y < 0)
		return 1;

	/* Rebuild: copy the original between fields, write each field anew. */
	struct {
		const struct field *f;
		int what;
	} fields[5] = {
		{ &dt.fwd, 0 }, { &dt.fm, 1 }, { &dt.fd, 2 }, { &dt.ford, 3 }, { &dt.fy, 4 }
	};
	/* Sort the fields by position (at most five: insertion sort). */
	for (int i = 1; i < 5; i++)
		for (int j = i; j > 0 && fields[j].f->s < fields[j - 1].f->s; j--) {
			__typeof__(fields[0]) t = fields[j];
			fields[j] = fields[j - 1];
			fields[j - 1] = t;
		}
	for (int i = 0; i < 5 && error == 0; i++) {
		const struct field *f = fields[i].f;
		if (!f->e)
			continue;
		if ((error = buf_put(out, v + at, f->s - at)) < 0)
			return error;
		switch (fields[i].what) {
		case 0: {
			long wd = ((z % 7) + 7 + 3) % 7; /* 1970-01-01 was a Thursday (index 3) */
			error = put_name(out, weekdays[wd], v + f->s, f->e - f->s,
			                 (int)strlen(weekdays[dt.wd]));
			break;
		}
		case 1:
			if (dt.month_named)
				error = put_name(out, months[m - 1], v + f->s, f->e - f->s,
				                 (int)strlen(months[dt.m - 1]));
			else
				error = put_num(out, m, f, 0);
			break;
		case 2: error = put_num(out, d, f, 0); break;
		case 3: error = surrogate_put_cased(out, ordinal(d), v + f->s, f->e - f->s); break;
		case 4:
			error =
			    put_num(out, dt.two_digit_year ? y % 100 : y, f, (int)(f->e - f->s));
			break;
		}
		at = f->e;
	}
	if (error < 0)
		return error;
	return buf_put(out, v + at, n - at);
}

int dateshift_month_of(const char *v, size_t n)
{
	struct field f;
	size_t p = 0;
	int m = read_name(v, n, &p, months, 12, &f);

	return m >= 0 && p == n ? m : -1;
}

int dateshift_put_month(struct buf *out, int m, const char *orig, size_t olen)
{
	int was = dateshift_month_of(orig, olen);

	if (m < 0 || m > 11 || was < 0)
		return 1;
	return put_name(out, months[m], orig, olen, (int)strlen(months[was]));
}
