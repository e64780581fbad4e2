/*
 * Street addresses built from their shape, for the international addresses
 * the US-centred street rule (recognizers.c) misses: a house number, then a
 * street that is either a number and words ("58 Marrowgate Street") or words
 * and a number ("Korvenkatu 39", "Rua do Salgueiro 2871", "Erzsébet tér 19."),
 * with capitalised words (any non-ASCII letter counts as one).
 *
 * Two readings, after how such text is usually laid out:
 *  - a block: the street line goes on over short place lines ("Suite 245",
 *    "TARVISTON", ", CO", "Norway 44718") and the address starts inside a
 *    sentence or after a "...:" line: one span from the house number to the
 *    last line's postal code;
 *  - otherwise (an address at the start of its line, in a letter head or a
 *    signature, after "Apt. 675", or on one line in a sentence): the house
 *    number and the street are two spans, the last place line's postal code
 *    a third (ZIP_CODE after a state's code, else STREET_ADDRESS), the place
 *    lines (town, state, country) and the town after a one-line street
 *    LOCATION spans; the unit is left to the unit rule.
 * A block written all in one line ("... Suite 238 Apt. 561, Vila de
 * Corvelo, Portugal 48310") is one span too. Words in capitals alone never
 * make a street: clinical notes are full of "PEEP 5" and "TV 700".
 *
 * It is an extra recogniser (pii_extra_fn) run beside the tagger; the spans
 * go through the scanner's context scoring and overlap resolution. Input is
 * any bytes: nothing is read outside [text, text+len) and every loop is
 * bounded by the text or by ADDR_MAX_LINES.
 */
#include <ctype.h>
#include <string.h>

#include "../../common_int.h"
#include "pii_int.h"

#define ADDR_MAX_LINES 4 /* place lines after the street line, at most */
#define ADDR_MAX_WORDS 5 /* words of a street name or a place line, at most */

static int is_dig(int c)
{
	return c >= '0' && c <= '9';
}

/* A letter: ASCII letters and any byte of a multi-byte UTF-8 character. */
static int is_let(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* The end of the word at `p` (letters, with ' - . inside), or p when none. */
static size_t word_end(const char *t, size_t len, size_t p)
{
	size_t e = p;

	while (e < len && (is_let((unsigned char)t[e]) ||
	                   ((t[e] == '\'' || t[e] == '-' || t[e] == '.') && e > p)))
		e++;
	return e;
}

/* The end of a number of 1 to `max` digits at `p` with an optional letter after; p when none. */
static size_t num_end(const char *t, size_t len, size_t p, size_t max)
{
	size_t e = p;

	while (e < len && is_dig((unsigned char)t[e]) && e - p <= max)
		e++;
	if (e == p || e - p > max)
		return p;
	if (e < len && is_let((unsigned char)t[e]) && t[e] < 0x7f &&
	    (e + 1 >= len || !is_let((unsigned char)t[e + 1])))
		e++;
	if (e < len && (is_let((unsigned char)t[e]) || is_dig((unsigned char)t[e])))
		return p;
	return e;
}

/*
 * Can [s, e) be a word of a street name? A capitalised word with a lower-case
 * letter ("Marrowgate", "Koskikatu") or one starting with a non-ASCII letter
 * ("Þorsteinsgata", "Μεγάλη"), not a short function word; lower-case words
 * ("do", "tér") only inside a name (`first` 0). All-capital words are not
 * taken: in clinical notes they are abbreviations ("PEEP 5", "TV 700").
 */
static int street_word(const char *t, size_t s, size_t e, int first)
{
	static const char *const stop[] = { "And", "At",   "By", "For",  "From",
		                            "In",  "Of",   "On", "Or",   "Over",
		                            "The", "Then", "To", "With", NULL };
	int c = (unsigned char)t[s], lower = 0;

	if (e - s < 2 && c < 0x80)
		return 0;
	for (int i = 0; stop[i]; i++)
		if (strlen(stop[i]) == e - s && !memcmp(t + s, stop[i], e - s))
			return 0;
	if (c >= 0x80)
		return 1;
	for (size_t i = s + 1; i < e; i++)
		lower |= t[i] >= 'a' && t[i] <= 'z';
	if (c >= 'a' && c <= 'z') /* "ul. Chrzanowska": Polish street abbreviations may lead */
		return !first ||
		       (e - s == 3 && (!memcmp(t + s, "ul.", 3) || !memcmp(t + s, "al.", 3) ||
		                       !memcmp(t + s, "pl.", 3) || !memcmp(t + s, "os.", 3)));
	return lower;
}

/*
 * The end of a postal code at `p`: digits with an optional second group
 * ("53-320", "340 12", "7412 SL"), or a Canadian one ("B0J 2H0"); p when
 * none.
 */
static size_t postal_end(const char *t, size_t len, size_t p)
{
	size_t e = num_end(t, len, p, 6), f;

	if (len - p >= 7 && t[p] >= 'A' && t[p] <= 'Z' && is_dig((unsigned char)t[p + 1]) &&
	    t[p + 2] >= 'A' && t[p + 2] <= 'Z' && t[p + 3] == ' ' &&
	    is_dig((unsigned char)t[p + 4]) && t[p + 5] >= 'A' && t[p + 5] <= 'Z' &&
	    is_dig((unsigned char)t[p + 6]) && (len == p + 7 || !is_let((unsigned char)t[p + 7])))
		return p + 7;
	if (e == p || e + 2 >= len || (t[e] != '-' && t[e] != ' '))
		return e;
	f = num_end(t, len, e + 1, 4);
	if (f >= e + 3 && (f >= len || t[f] == '\n' || t[f] == '\r' || t[f] == ' ' || t[f] == ',' ||
	                   t[f] == '.' || t[f] == '?'))
		return f;
	if (t[e] == ' ' && t[e + 1] >= 'A' && t[e + 1] <= 'Z' && t[e + 2] >= 'A' &&
	    t[e + 2] <= 'Z' && (e + 3 >= len || t[e + 3] == '\n'))
		return e + 3;
	return e;
}

static int is_unit(const char *t, size_t s, size_t e)
{
	static const char *const units[] = { "Apt", "Apt.", "Suite", "Ste", "Ste.", "Unit", NULL };

	for (int i = 0; units[i]; i++)
		if (strlen(units[i]) == e - s && !memcmp(t + s, units[i], e - s))
			return 1;
	return 0;
}

/* Does the line at `p` hold a unit ("  Suite 245")? */
static int unit_line(const char *t, size_t len, size_t p)
{
	while (p < len && is_blank((unsigned char)t[p]))
		p++;
	return is_unit(t, p, word_end(t, len, p));
}

/*
 * From the end of a street's number at `e`: past up to three capitalised
 * words ("119 Nino Point") when they end the line and a unit line follows,
 * else e.
 */
static size_t words_to_unit_line(const char *t, size_t len, size_t e)
{
	size_t x = e, more = 0;

	while (more < 3 && x + 1 < len && t[x] == ' ' && is_let((unsigned char)t[x + 1])) {
		size_t y = word_end(t, len, x + 1);
		if (is_unit(t, x + 1, y) || !street_word(t, x + 1, y, 1))
			break;
		x = y;
		more++;
	}
	return more && x < len && t[x] == '\n' && unit_line(t, len, x + 1) ? x : e;
}

/*
 * The street after a house number, from `p`: "N Word..." or "Word... N".
 * Sets *end to the street's end (a '.' right after the number is kept when
 * the line ends there). Returns 1 when one is there.
 */
static int street(const char *t, size_t len, size_t p, size_t *end)
{
	size_t q = num_end(t, len, p, 4), words = 0, e;
	static const char *const boxes[] = { "P.O. Box ", "PO Box ", "Postbox ", NULL };

	for (int i = 0; boxes[i]; i++) {
		size_t bl = strlen(boxes[i]);
		if (len - p > bl && !memcmp(t + p, boxes[i], bl) &&
		    (e = num_end(t, len, p + bl, 6)) > p + bl) {
			*end = words_to_unit_line(t, len, e);
			return 1;
		}
	}
	if (q > p) { /* "58 Marrowgate Street": a number, then capitalised words */
		e = q;
		while (words < ADDR_MAX_WORDS && e < len && t[e] == ' ' && e + 1 < len &&
		       is_let((unsigned char)t[e + 1])) {
			size_t w = word_end(t, len, e + 1);
			if (is_unit(t, e + 1, w) || !street_word(t, e + 1, w, !words))
				break;
			e = w;
			words++;
		}
		if (!words)
			return 0;
		*end = e;
		return 1;
	}
	/* "Korvenkatu 39", "Rua do Salgueiro 2871": capitalised first word, then a number. */
	if (p >= len || !is_let((unsigned char)t[p]))
		return 0;
	e = p;
	while (words < ADDR_MAX_WORDS && e < len && is_let((unsigned char)t[e])) {
		size_t w = word_end(t, len, e), n;
		if (is_unit(t, e, w) || !street_word(t, e, w, !words))
			return 0;
		words++;
		if (w >= len || t[w] != ' ')
			return 0;
		n = num_end(t, len, w + 1, 4);
		if (n > w + 1) {
			/* "Λεωφόρος Αμαλίας 742 Tessa Point" up to the line's end, a unit next */
			size_t x = words_to_unit_line(t, len, n);
			if (n < len && t[n] == '.' && (n + 1 >= len || t[n + 1] == '\n'))
				n++;
			*end = x > n ? x : n;
			return 1;
		}
		e = w + 1;
	}
	return 0;
}

/* Only blanks, '>' or '?' between the line's start and `p`? */
static int at_line_start(const char *t, size_t p, int *after_colon)
{
	size_t i = p;

	while (i > 0 && t[i - 1] != '\n') {
		int c = (unsigned char)t[i - 1];
		if (!is_blank(c) && c != '>' && c != '?')
			return 0;
		i--;
	}
	/* the last non-blank character before this line */
	while (i > 0 && (is_blank((unsigned char)t[i - 1]) || t[i - 1] == '\n' || t[i - 1] == '\r'))
		i--;
	*after_colon = i > 0 && t[i - 1] == ':';
	return 1;
}

/*
 * A place line at `p` (the start of a line): blanks, then up to
 * ADDR_MAX_WORDS words and commas, or a unit and its number, ending at the
 * line's end or at a number (a postal code: *code and *code_end set, the
 * number's bounds). Sets *end past its last word or number. Returns 1 for a
 * place line, 0 otherwise.
 */
/* The places of a line: its words' first byte, end, and the last word's start (0 0 0: none). */
struct places {
	size_t start, end, last;
};

static int place_line(const char *t, size_t len, size_t p, size_t *end, size_t *code,
                      size_t *code_end, struct places *pl)
{
	size_t e = p, words = 0, last = 0;

	*code = *code_end = 0;
	pl->start = pl->end = pl->last = 0;
	while (e < len && (is_blank((unsigned char)t[e]) || t[e] == '>' || t[e] == '?'))
		e++; /* quoted mail ("> ") and garbled bullets ("??? ") */
	while (e < len && t[e] != '\n' && t[e] != '\r') {
		int c = (unsigned char)t[e];
		if (is_blank(c) || c == ',' || c == '(' || c == ')') {
			if (c == ')' && words && e == pl->end)
				pl->end = e + 1; /* "Cyprus (Greek)" */
			e++;
			continue;
		}
		if (is_dig(c) || (!words && postal_end(t, len, e) == e + 7)) {
			size_t n = postal_end(t, len, e);
			if (n == e)
				return 0;
			*code = e;
			*code_end = *end = n;
			return 1;
		}
		if (!is_let(c) || words >= ADDR_MAX_WORDS)
			return 0;
		last = word_end(t, len, e);
		while (last > e + 1 && t[last - 1] == '.' && (last >= len || t[last] == '\n'))
			last--;
		if (is_unit(t, e, last)) {
			size_t n = last;
			while (n < len && is_blank((unsigned char)t[n]))
				n++;
			size_t ne = num_end(t, len, n, 5);
			if (ne == n)
				return 0;
			*end = ne;
			return ne >= len || t[ne] == '\n' || t[ne] == '\r';
		}
		if (!words)
			pl->start = e;
		pl->last = e;
		pl->end = last;
		words++;
		e = last;
	}
	if (!words)
		return 0;
	*end = pl->end;
	return 1;
}

/* A state's code: two capitals, or "nan" (a missing one, as some generated data writes it). */
static int state_code(const char *t, size_t s, size_t e)
{
	if (e - s == 3 && !memcmp(t + s, "nan", 3))
		return 1;
	return e - s == 2 && t[s] >= 'A' && t[s] <= 'Z' && t[s + 1] >= 'A' && t[s + 1] <= 'Z';
}

/* Push the places of a letter head's line as LOCATION: "Aalborg NO" is two. */
static int push_places(struct enclave_pii_spans *out, const char *t, const struct places *pl)
{
	struct enclave_pii_span span = { pl->start, pl->end, ENCLAVE_PII_LOCATION, 0.95f,
		                         "rule:address_shape" };

	if (pl->end <= pl->start)
		return 0;
	if (pl->last > pl->start && state_code(t, pl->last, pl->end)) {
		size_t e = pl->last;
		while (e > pl->start && (is_blank((unsigned char)t[e - 1]) || t[e - 1] == ','))
			e--;
		span.end = e;
		if (enclave_pii_spans_push(out, &span) < 0)
			return ENCLAVE_ENOMEM;
		span.start = pl->last;
		span.end = pl->end;
	}
	return enclave_pii_spans_push(out, &span) < 0 ? ENCLAVE_ENOMEM : 0;
}

/*
 * Places after a street on its own line, from `p`: comma-separated runs of
 * capitalised words (", Vila de Corvelo, Portugal 48310", " HALSBERG
 * Victoria"), ending at a postal code (kept), a lower-case word, other
 * punctuation or the line's end. Sets *end past the last word or number and
 * returns the number of runs (0: none).
 */
static int same_line_places(const char *t, size_t len, size_t p, size_t *end)
{
	size_t e = p, words = 0;
	int runs = 0, in_run = 0;

	while (e < len && words < 2 * ADDR_MAX_WORDS) {
		int c = (unsigned char)t[e];
		if (is_blank(c)) {
			e++;
			continue;
		}
		if (c == ',') {
			in_run = 0;
			e++;
			continue;
		}
		if (is_dig(c)) {
			size_t n = num_end(t, len, e, 6);
			if (n > e && runs) {
				*end = n;
				return runs;
			}
			break;
		}
		if (!is_let(c))
			break;
		if (c >= 'a' && c <= 'z') { /* "Vila de Corvelo": a short particle inside a name */
			size_t w = word_end(t, len, e);
			if (!in_run || w - e > 3 || w + 1 >= len || t[w] != ' ' ||
			    !(((unsigned char)t[w + 1] >= 'A' && t[w + 1] <= 'Z') ||
			      (unsigned char)t[w + 1] >= 0x80))
				break;
			e = w;
			continue;
		}
		runs += !in_run;
		in_run = 1;
		e = word_end(t, len, e);
		while (e > p && t[e - 1] == '.')
			e--;
		*end = e;
		words++;
	}
	return runs;
}

/* Is [p, ...) preceded by a unit and its number ("Apt. 675 62314 ...")? */
static int after_unit(const char *t, size_t p)
{
	size_t e = p, s;

	if (e < 2 || t[e - 1] != ' ')
		return 0;
	e--;
	while (e > 0 && is_dig((unsigned char)t[e - 1]))
		e--;
	if (e == p - 1 || e < 2 || t[e - 1] != ' ')
		return 0;
	e--;
	s = e;
	while (s > 0 && (is_let((unsigned char)t[s - 1]) || t[s - 1] == '.'))
		s--;
	return is_unit(t, s, e);
}

/* A postal code after a state's code ("NO 9100", "nan 1386") or alone on its line is a ZIP code. */
static int zip_label(const char *t, size_t code)
{
	size_t s = code, e;

	while (s > 0 && is_blank((unsigned char)t[s - 1]))
		s--;
	if (s == 0 || t[s - 1] == '\n')
		return ENCLAVE_PII_ZIP_CODE;
	e = s;
	while (s > 0 && is_let((unsigned char)t[s - 1]))
		s--;
	if (e - s == 3 && !memcmp(t + s, "nan", 3))
		return ENCLAVE_PII_ZIP_CODE;
	if (e - s == 2 && t[s] >= 'A' && t[s] <= 'Z' && t[s + 1] >= 'A' && t[s + 1] <= 'Z')
		return ENCLAVE_PII_ZIP_CODE;
	return ENCLAVE_PII_STREET_ADDRESS;
}

static int push_label(struct enclave_pii_spans *out, size_t s, size_t e, int label, float score)
{
	struct enclave_pii_span span = { s, e, label, score, "rule:address_shape" };

	return enclave_pii_spans_push(out, &span) < 0 ? ENCLAVE_ENOMEM : 0;
}

static int push(struct enclave_pii_spans *out, size_t s, size_t e, float score)
{
	struct enclave_pii_span span = { s, e, ENCLAVE_PII_STREET_ADDRESS, score,
		                         "rule:address_shape" };

	return enclave_pii_spans_push(out, &span) < 0 ? ENCLAVE_ENOMEM : 0;
}

/*
 * "the corner of 6152 Harrow Avenue and Bronisława Route" at `p` (the "t"
 * of "the", any case): returns the end of the second street (two words
 * after "and", on the same line), or p when it is not one. "the corner of
 * Foo St. and Bar St." (two street names, each its own) is not taken.
 */
static size_t corner(const char *t, size_t len, size_t p)
{
	static const char lead[] = "the corner of ";
	size_t n = sizeof(lead) - 1, e, a;

	if (len - p < n + 8 || (p > 0 && is_let((unsigned char)t[p - 1])))
		return p;
	for (size_t i = 0; i < n; i++)
		if ((t[p + i] | 0x20) != lead[i] && !(lead[i] == ' ' && t[p + i] == ' '))
			return p;
	for (a = p + n; a + 5 < len && a - p < 80 && t[a] != '\n'; a++)
		if (!memcmp(t + a, " and ", 5))
			break;
	if (a + 5 >= len || t[a] == '\n' || a - p >= 80 || a == p + n ||
	    (a >= 4 && !memcmp(t + a - 4, " St.", 4)))
		return p;
	e = a + 5;
	for (int w = 0; w < 2; w++) {
		size_t we = word_end(t, len, e);
		if (we == e)
			return w ? e : p;
		while (we > e + 1 && t[we - 1] == '.')
			we--;
		e = we;
		if (w == 0 && (e + 1 >= len || t[e] != ' ' || !is_let((unsigned char)t[e + 1])))
			return e;
		if (w == 0)
			e++;
	}
	return e;
}

int pii_address_scan(const void *ctx, const char *text, size_t len, struct enclave_pii_spans *out)
{
	(void)ctx;
	for (size_t p = 0; p < len; p++) {
		if ((text[p] | 0x20) == 't') {
			size_t ce = corner(text, len, p);
			if (ce > p) {
				if (push(out, p, ce, 1.0f) < 0)
					return ENCLAVE_ENOMEM;
				p = ce - 1;
				continue;
			}
		}
		size_t hn, st_end, line_end, e, code = 0, code_end = 0, last_code = 0,
		                                last_code_end = 0, block_end;
		int colon = 0, start_of_line, lines = 0, units = 0, nobn = 0, split, maybe_split;
		struct places pls[ADDR_MAX_LINES], city = { 0, 0, 0 };

		if ((!is_dig((unsigned char)text[p]) && text[p] != 'P') ||
		    (p > 0 && !is_blank((unsigned char)text[p - 1]) && text[p - 1] != '\n' &&
		     text[p - 1] != '>'))
			continue;
		if (text[p] == 'P') { /* "P.O. Box 836 Teodora Union\n Apt. 219 ...": a block */
			if (!street(text, len, p, &st_end))
				continue;
			hn = p;
			nobn = 1;
		} else if ((hn = num_end(text, len, p, 5)) < p + 2 || hn >= len ||
		           text[hn] != ' ' || !is_dig((unsigned char)text[hn - 1]) ||
		           (p >= 4 && !memcmp(text + p - 4, "Box ", 4))) {
			continue;
		} else if (!street(text, len, hn + 1, &st_end)) {
			/* "27 Marrow Street Pellinor Squares": the number is the street's own */
			if (!street(text, len, p, &st_end) || st_end <= hn) {
				p = hn;
				continue;
			}
			nobn = 1;
		}
		start_of_line = at_line_start(text, p, &colon);
		/*
		 * Letter heads, and "Mrs. Roe Apt. 418 73625 Kirkestien 57": number,
		 * street and places apart. Quoted lines ("> ") and a unit before
		 * always split; another address at a line's start splits when its
		 * place lines are indented or it has none (decided once they are read).
		 */
		maybe_split = start_of_line && !colon;
		split = after_unit(text, p) || (maybe_split && p > 0 && text[p - 1] != '\n' &&
		                                !is_blank((unsigned char)text[p - 1]));
		/* the rest of the street line: a unit, then the line's end */
		line_end = st_end;
		e = st_end;
		while (e < len && is_blank((unsigned char)text[e]))
			e++;
		for (int u = 0; u < 2 && e < len && is_let((unsigned char)text[e]); u++) {
			size_t w = word_end(text, len, e), n = w, ne;
			if (!is_unit(text, e, w))
				break;
			while (n < len && is_blank((unsigned char)text[n]))
				n++;
			if ((ne = num_end(text, len, n, 5)) == n)
				break;
			line_end = ne;
			units++;
			e = ne;
			while (e < len && is_blank((unsigned char)text[e]))
				e++;
		}
		e = line_end;
		/* "... Suite 238 Apt. 561, Vila de Corvelo, Portugal 48310" in a sentence: one span */
		if (!split && e < len && text[e] != '\n') {
			size_t pe = e;
			int runs = same_line_places(text, len, e, &pe);
			if ((units && runs) || runs >= 2) {
				if (push(out, p, pe, 1.0f) < 0)
					return ENCLAVE_ENOMEM;
				p = pe - 1;
				continue;
			}
			if (runs == 1 && text[e] == ',') { /* "... 1634, Goiânia": the town */
				city.start = e + 1;
				while (city.start < pe && is_blank((unsigned char)text[city.start]))
					city.start++;
				city.end = pe;
			}
		}
		/* an address ends its line, clause or sentence ("Rate 12 FiO2" does not) */
		if (e < len && text[e] != '\n' && text[e] != '\r' && text[e] != ',' &&
		    text[e] != ';' && text[e] != '?' && text[e] != '!' &&
		    !(text[e] == '.' && (e + 1 >= len || isspace((unsigned char)text[e + 1]))) &&
		    !(len - e >= 4 && !memcmp(text + e, " St.", 4)) &&
		    !(len - e >= 7 && !memcmp(text + e, " street", 7))) {
			p = hn;
			continue;
		}
		block_end = line_end;
		if (e < len && text[e] == '\n') {
			size_t q = e + 1, le;
			int blank_ok = maybe_split; /* a letter head's "\n\n Estonia 62488" */
			while (lines < ADDR_MAX_LINES && q < len) {
				if (blank_ok && lines > 0 && text[q] == '\n') {
					blank_ok = 0;
					q++;
					continue;
				}
				if (!place_line(text, len, q, &le, &code, &code_end, &pls[lines]))
					break;
				lines++;
				block_end = le;
				if (code) {
					last_code = code;
					last_code_end = code_end;
					break;
				}
				if (le >= len || text[le] != '\n')
					break;
				q = le + 1;
			}
		}
		if (maybe_split && (!lines || is_blank((unsigned char)text[line_end + 1]) ||
		                    text[line_end + 1] == '>' || text[line_end + 1] == '?'))
			split = 1;
		if (nobn && (split || !lines || !last_code)) {
			p = hn;
			continue;
		}
		if (lines > 0 && !split) {
			if (push(out, p, block_end, 1.0f) < 0)
				return ENCLAVE_ENOMEM;
		} else {
			if (push(out, p, hn, 0.9f) < 0 || push(out, hn + 1, st_end, 0.9f) < 0)
				return ENCLAVE_ENOMEM;
			/* "Estonia 62488": the postal code of the last place line */
			if (last_code && push_label(out, last_code, last_code_end,
			                            zip_label(text, last_code), 0.8f) < 0)
				return ENCLAVE_ENOMEM;
			for (int i = 0; i < lines; i++)
				if (push_places(out, text, &pls[i]) < 0)
					return ENCLAVE_ENOMEM;
			if (!lines && push_places(out, text, &city) < 0)
				return ENCLAVE_ENOMEM;
		}
		p = (lines > 0 ? block_end : st_end) - 1;
	}
	return 0;
}
