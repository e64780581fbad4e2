/*
 * synthetic-pii: documents made from sentence templates with planted PII of
 * known positions, for training and testing detectors.
 *
 * A document is 3 to 6 sentences of one domain (medical, finance, HR,
 * legal), drawn without repetition from the templates below; each slot
 * {LABEL} becomes a generated value and a span [start, end) in code points
 * with that label (the scanner's label names). Values:
 *   PERSON          first (male or female list) and last name from the
 *                   pseudonym lists of the PII stage (surrogate_data.c)
 *   EMAIL_ADDRESS   first.last / flast / first_last + digits at example.com,
 *                   example.org or example.net
 *   PHONE_NUMBER    US numbers in the fictional 555-01XX range, in four formats
 *   US_SSN          valid structure: area 001-899 but not 666, group 01-99,
 *                   serial 0001-9999
 *   CREDIT_CARD     Visa, Mastercard, Amex or Discover prefixes, the brand's
 *                   length, a valid Luhn digit, grouped by spaces or dashes
 *   IBAN_CODE       DE, GB, FR, NL or ES with valid mod-97 check digits,
 *                   compact or in groups of four
 *   DATE_TIME       five formats (March 3, 2021; 03/14/2019; 2020-11-05; ...)
 *   STREET_ADDRESS  number, a surname and a street suffix
 *   LOCATION        a city of the pseudonym lists; ORGANIZATION a company
 *   IP_ADDRESS      IPv4 in the documentation networks (RFC 5737)
 *   URL             https://www.<name>.example.com/<path>
 * Everything is drawn from a stream seeded by (seed, document index), so a
 * document is the same on every run and machine.
 */
#include <string.h>

#include "augment_int.h"
#include "../clean/pii/redact_int.h"
#include "../crypto/crypto_int.h"
#include "../../util/utf8.h"

struct template
{
	const char *domain;
	const char *text;
};

/* clang-format off */
static const struct template templates[] = {
	/* medical */
	{ "medical", "Patient {PERSON} was admitted on {DATE_TIME} with chest pain." },
	{ "medical", "The discharge summary was faxed to Dr. {PERSON} at {ORGANIZATION}." },
	{ "medical", "Please call the ward at {PHONE_NUMBER} before the follow-up visit." },
	{ "medical", "Insurance on file lists SSN {US_SSN} for the subscriber." },
	{ "medical", "The patient lives at {STREET_ADDRESS} in {LOCATION} with her daughter." },
	{ "medical", "Lab results were sent to {EMAIL_ADDRESS} on {DATE_TIME}." },
	{ "medical", "Next of kin: {PERSON}, reachable at {PHONE_NUMBER}." },
	{ "medical", "Prescription renewed by {PERSON} after the visit of {DATE_TIME}." },
	{ "medical", "The referral from {ORGANIZATION} arrived by mail from {LOCATION}." },
	{ "medical", "Co-payment was charged to card {CREDIT_CARD}." },
	{ "medical", "The portal login from {IP_ADDRESS} was reset for {EMAIL_ADDRESS}." },
	/* finance */
	{ "finance", "Wire the refund to IBAN {IBAN_CODE} in the name of {PERSON}." },
	{ "finance", "Card {CREDIT_CARD} was declined at {ORGANIZATION} on {DATE_TIME}." },
	{ "finance", "The account holder {PERSON} asked for statements at {EMAIL_ADDRESS}." },
	{ "finance", "A transfer of 4,200 EUR left {IBAN_CODE} for {LOCATION}." },
	{ "finance", "Our fraud team will call you from {PHONE_NUMBER} about the charge." },
	{ "finance", "The tax form carries SSN {US_SSN} and the address {STREET_ADDRESS}." },
	{ "finance", "Online banking sign-in from {IP_ADDRESS} was blocked on {DATE_TIME}." },
	{ "finance", "Statements are available at {URL} after you log in." },
	{ "finance", "The loan officer {PERSON} of {ORGANIZATION} approved the request." },
	{ "finance", "Replace the card ending in the number {CREDIT_CARD} and mail it to {STREET_ADDRESS}." },
	/* HR */
	{ "hr", "{PERSON} joined the team on {DATE_TIME} as a senior analyst." },
	{ "hr", "Payroll needs the SSN {US_SSN} and a bank account, IBAN {IBAN_CODE}." },
	{ "hr", "Send the signed offer to {EMAIL_ADDRESS} by {DATE_TIME}." },
	{ "hr", "The candidate lives at {STREET_ADDRESS}, {LOCATION}, and can start soon." },
	{ "hr", "References: {PERSON} at {ORGANIZATION}, phone {PHONE_NUMBER}." },
	{ "hr", "Emergency contact for {PERSON} is {PERSON} on {PHONE_NUMBER}." },
	{ "hr", "The laptop registered to {EMAIL_ADDRESS} last connected from {IP_ADDRESS}." },
	{ "hr", "Travel expenses were paid with the corporate card {CREDIT_CARD}." },
	{ "hr", "The exit interview with {PERSON} took place in {LOCATION} on {DATE_TIME}." },
	{ "hr", "Benefits enrollment is open at {URL} until the end of the month." },
	/* legal */
	{ "legal", "This agreement is made on {DATE_TIME} between {ORGANIZATION} and {PERSON}." },
	{ "legal", "Notices shall be sent to {STREET_ADDRESS}, {LOCATION}, or to {EMAIL_ADDRESS}." },
	{ "legal", "The witness, {PERSON}, may be reached at {PHONE_NUMBER}." },
	{ "legal", "Counsel for the plaintiff, {PERSON} of {ORGANIZATION}, filed the motion." },
	{ "legal", "The settlement shall be paid to IBAN {IBAN_CODE} within thirty days." },
	{ "legal", "The defendant's SSN {US_SSN} appears in exhibit B." },
	{ "legal", "The hearing was adjourned to {DATE_TIME} in {LOCATION}." },
	{ "legal", "The claimant's records were requested from {URL} and {IP_ADDRESS}." },
	{ "legal", "Damages were charged to card {CREDIT_CARD} held by {PERSON}." },
	{ "legal", "Service of process was effected at {STREET_ADDRESS} on {DATE_TIME}." },
};
/* clang-format on */

#define NTEMPLATES (sizeof(templates) / sizeof(templates[0]))

static const char *const domains[] = { "medical", "finance", "hr", "legal" };

void aug_synth_templates_sha256(char out[65])
{
	struct sha256_ctx *h = NULL;

	memset(out, 0, 65);
	if (sha256_new(&h) < 0)
		return;
	for (size_t i = 0; i < NTEMPLATES; i++) {
		sha256_update(h, templates[i].domain, strlen(templates[i].domain) + 1);
		sha256_update(h, templates[i].text, strlen(templates[i].text) + 1);
	}
	sha256_finish_hex(h, out);
}

/* ------------------------------------------------------------ values */

static const char *pick(struct aug_rng *r, const char *const *list, size_t count)
{
	return list[aug_rng_below(r, (uint32_t)count)];
}

static int digits(struct buf *b, struct aug_rng *r, int n)
{
	int error = 0;

	for (int i = 0; i < n && !error; i++)
		error = buf_putc(b, (char)('0' + aug_rng_below(r, 10)));
	return error;
}

static const char *first_name(struct aug_rng *r)
{
	return aug_rng_below(r, 2) ? pick(r, surrogate_first_female, surrogate_first_female_count)
	                           : pick(r, surrogate_first_male, surrogate_first_male_count);
}

/* Append lower-cased ASCII letters of s. */
static int put_lower_letters(struct buf *b, const char *s)
{
	int error = 0;

	for (; *s && !error; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			error = buf_putc(b, (char)(*s | 0x20));
	return error;
}

static int person(struct buf *b, struct aug_rng *r)
{
	const char *f = first_name(r);
	return buf_printf(b, "%s %s", f, pick(r, surrogate_last, surrogate_last_count));
}

static int email(struct buf *b, struct aug_rng *r)
{
	static const char *const doms[] = { "example.com", "example.org", "example.net" };
	const char *f = first_name(r), *l = pick(r, surrogate_last, surrogate_last_count);
	uint32_t style = aug_rng_below(r, 3);
	int error;

	if (style == 1) {
		char c[2] = { (char)(f[0] | 0x20), 0 };
		error = buf_puts(b, c);
	} else {
		error = put_lower_letters(b, f);
		if (!error)
			error = buf_putc(b, style == 0 ? '.' : '_');
	}
	if (!error)
		error = put_lower_letters(b, l);
	if (!error && style == 2)
		error = digits(b, r, 2);
	if (!error)
		error = buf_printf(b, "@%s", doms[aug_rng_below(r, 3)]);
	return error;
}

static int phone(struct buf *b, struct aug_rng *r)
{
	unsigned area = 201 + aug_rng_below(r, 780), last = aug_rng_below(r, 100);

	if (area % 100 == 11)
		area++; /* N11 codes are not areas */
	switch (aug_rng_below(r, 4)) {
	case 0: return buf_printf(b, "(%u) 555-01%02u", area, last);
	case 1: return buf_printf(b, "%u-555-01%02u", area, last);
	case 2: return buf_printf(b, "+1 %u 555 01%02u", area, last);
	default: return buf_printf(b, "%u.555.01%02u", area, last);
	}
}

static int ssn(struct buf *b, struct aug_rng *r)
{
	unsigned area, group = 1 + aug_rng_below(r, 99), serial = 1 + aug_rng_below(r, 9999);

	do
		area = 1 + aug_rng_below(r, 899);
	while (area == 666);
	return buf_printf(b, "%03u-%02u-%04u", area, group, serial);
}

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

static int card(struct buf *b, struct aug_rng *r)
{
	static const struct {
		const char *prefix;
		int len;
	} brands[] = { { "4", 16 },  { "51", 16 }, { "55", 16 },
		       { "34", 15 }, { "37", 15 }, { "6011", 16 } };
	uint32_t k = aug_rng_below(r, 6);
	char d[20];
	int len = brands[k].len, pl = (int)strlen(brands[k].prefix), error = 0;
	char sep = aug_rng_below(r, 2) ? ' ' : '-';

	memcpy(d, brands[k].prefix, (size_t)pl);
	for (int i = pl; i < len - 1; i++)
		d[i] = (char)('0' + aug_rng_below(r, 10));
	d[len - 1] = luhn_digit(d, (size_t)len - 1);
	for (int i = 0; i < len && !error; i++) {
		/* Amex 4-6-5, others 4-4-4-4. */
		int cut = len == 15 ? (i == 4 || i == 10) : (i > 0 && i % 4 == 0);
		if (cut)
			error = buf_putc(b, sep);
		if (!error)
			error = buf_putc(b, d[i]);
	}
	return error;
}

static int iban(struct buf *b, struct aug_rng *r)
{
	static const struct {
		const char *cc;
		const char *shape; /* 'a' an upper-case letter, '9' a digit */
	} c[] = { { "DE", "999999999999999999" },
		  { "GB", "aaaa99999999999999" },
		  { "FR", "99999999999999999999999" },
		  { "NL", "aaaa9999999999" },
		  { "ES", "99999999999999999999" } };
	uint32_t k = aug_rng_below(r, 5);
	char bban[40], s[48];
	size_t n = strlen(c[k].shape), sl = 0;
	unsigned mod = 0;
	int error = 0;

	for (size_t i = 0; i < n; i++)
		bban[i] = c[k].shape[i] == 'a' ? (char)('A' + aug_rng_below(r, 26))
		                               : (char)('0' + aug_rng_below(r, 10));
	bban[n] = 0;
	/* mod 97 of BBAN + country + "00", letters as 10..35 */
	snprintf(s, sizeof(s), "%s%s00", bban, c[k].cc);
	sl = strlen(s);
	for (size_t i = 0; i < sl; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			mod = (mod * 100 + (unsigned)(s[i] - 'A' + 10)) % 97;
		else
			mod = (mod * 10 + (unsigned)(s[i] - '0')) % 97;
	}
	snprintf(s, sizeof(s), "%s%02u%s", c[k].cc, 98 - mod, bban);
	sl = strlen(s);
	if (aug_rng_below(r, 2))
		return buf_puts(b, s);
	for (size_t i = 0; i < sl && !error; i++) {
		if (i && i % 4 == 0)
			error = buf_putc(b, ' ');
		if (!error)
			error = buf_putc(b, s[i]);
	}
	return error;
}

static int date(struct buf *b, struct aug_rng *r)
{
	static const char *const months[] = { "January",   "February", "March",    "April",
		                              "May",       "June",     "July",     "August",
		                              "September", "October",  "November", "December" };
	unsigned y = 1950 + aug_rng_below(r, 75), m = 1 + aug_rng_below(r, 12),
	         d = 1 + aug_rng_below(r, 28);

	switch (aug_rng_below(r, 5)) {
	case 0: return buf_printf(b, "%s %u, %u", months[m - 1], d, y);
	case 1: return buf_printf(b, "%02u/%02u/%u", m, d, y);
	case 2: return buf_printf(b, "%u-%02u-%02u", y, m, d);
	case 3: return buf_printf(b, "%u %s %u", d, months[m - 1], y);
	default: return buf_printf(b, "%02u.%02u.%u", d, m, y);
	}
}

static int street(struct buf *b, struct aug_rng *r)
{
	unsigned num = 1 + aug_rng_below(r, 9899);
	return buf_printf(b, "%u %s %s", num, pick(r, surrogate_last, surrogate_last_count),
	                  pick(r, surrogate_street_suffix, surrogate_street_suffix_count));
}

static int ip(struct buf *b, struct aug_rng *r)
{
	static const char *const nets[] = { "192.0.2", "198.51.100", "203.0.113" };
	return buf_printf(b, "%s.%u", nets[aug_rng_below(r, 3)], 1 + aug_rng_below(r, 254));
}

static int url(struct buf *b, struct aug_rng *r)
{
	int error = buf_puts(b, "https://www.");

	if (!error)
		error = put_lower_letters(b, pick(r, surrogate_last, surrogate_last_count));
	if (!error)
		error = buf_puts(b, ".example.com/");
	for (int i = 0; i < 6 && !error; i++)
		error = buf_putc(b, "abcdefghijklmnopqrstuvwxyz"[aug_rng_below(r, 26)]);
	return error;
}

static const struct {
	const char *label;
	int (*make)(struct buf *b, struct aug_rng *r);
} slots[] = {
	{ "PERSON", person },     { "EMAIL_ADDRESS", email },   { "PHONE_NUMBER", phone },
	{ "US_SSN", ssn },        { "CREDIT_CARD", card },      { "IBAN_CODE", iban },
	{ "DATE_TIME", date },    { "STREET_ADDRESS", street }, { "LOCATION", NULL },
	{ "ORGANIZATION", NULL }, { "IP_ADDRESS", ip },         { "URL", url },
};

/* Write the value of slot `label` to b. */
static int slot_value(struct buf *b, struct aug_rng *r, const char *label, size_t n)
{
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		if (strlen(slots[i].label) != n || memcmp(slots[i].label, label, n))
			continue;
		if (!strcmp(slots[i].label, "LOCATION"))
			return buf_puts(b, pick(r, surrogate_city, surrogate_city_count));
		if (!strcmp(slots[i].label, "ORGANIZATION"))
			return buf_puts(b, pick(r, surrogate_company, surrogate_company_count));
		return slots[i].make(b, r);
	}
	return error_set(ENCLAVE_EINVALID, "synthetic-pii: a template names slot '%.*s'", (int)n,
	                 label);
}

/* Append template t to out (slots filled, spans added). *cp counts the code points of out. */
static int fill(struct aug_item *out, size_t *cp, struct aug_rng *r, const char *t)
{
	int error = 0;

	while (*t && !error) {
		const char *open = strchr(t, '{'), *close;
		size_t before = open ? (size_t)(open - t) : strlen(t);
		if ((error = buf_put(&out->text, t, before)) < 0)
			return error_buf(error, "synthetic document");
		*cp += utf8_count(t, before);
		if (!open)
			break;
		close = strchr(open, '}');
		size_t at = out->text.len, start = *cp;
		if ((error = slot_value(&out->text, r, open + 1, (size_t)(close - open - 1))) < 0)
			return error < -2 ? error : error_buf(error, "synthetic document");
		*cp += utf8_count(out->text.ptr + at, out->text.len - at);
		char label[40];
		snprintf(label, sizeof(label), "%.*s", (int)(close - open - 1), open + 1);
		error = aug_spans_push(&out->spans, start, *cp, label);
		t = close + 1;
	}
	return error;
}

int aug_synth_document(struct aug_item *out, const char **domain, uint64_t seed, int64_t index)
{
	struct aug_rng r;
	size_t cand[NTEMPLATES], nc = 0, cp = 0, want;
	const char *dom;
	int error;

	if ((error = aug_rng_init(&r, "synthetic-pii", seed, index, 0)) < 0)
		return error;
	dom = domains[aug_rng_below(&r, 4)];
	for (size_t i = 0; i < NTEMPLATES; i++)
		if (!strcmp(templates[i].domain, dom))
			cand[nc++] = i;
	want = 3 + aug_rng_below(&r, 4);
	if (want > nc)
		want = nc;
	for (size_t k = 0; k < want && !error; k++) {
		/* Draw without repetition: a partial Fisher-Yates shuffle. */
		size_t j = k + aug_rng_below(&r, (uint32_t)(nc - k)), t = cand[j];
		cand[j] = cand[k];
		cand[k] = t;
		if (k && (error = buf_putc(&out->text, ' ')) < 0)
			return error_buf(error, "synthetic document");
		cp += k ? 1 : 0;
		error = fill(out, &cp, &r, templates[t].text);
	}
	*domain = dom;
	return error;
}
