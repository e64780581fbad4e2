/*
 * Unit tests of the redactor (src/lib/clean/pii/redact.c, surrogate.c,
 * dateshift.c): every operator, tag numbering, pseudonym consistency and
 * formats, date shifts, encrypt/reveal, policies, hostile spans.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enclave.h"
#include "clean/pii/redact_int.h"

static const unsigned char key1[32] = { 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
	                                12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
	                                23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const unsigned char key2[32] = { 9 };

/* Push a span over the `nth` (0-based) occurrence of `needle` in `text`. */
static void add_nth(struct enclave_pii_spans *s, const char *text, const char *needle, int nth,
                    int label)
{
	const char *p = text;
	for (int i = 0; i <= nth; i++) {
		p = strstr(i ? p + 1 : p, needle);
		assert_non_null(p);
	}
	struct enclave_pii_span sp = { (size_t)(p - text), (size_t)(p - text) + strlen(needle),
		                       label, 0.9f, "test" };
	assert_int_equal(enclave_pii_spans_push(s, &sp), 0);
}

static void add(struct enclave_pii_spans *s, const char *text, const char *needle, int label)
{
	add_nth(s, text, needle, 0, label);
}

/* Redact `text` with `spans` under `spec` and the key; returns the malloc'd text. */
static char *run(const char *spec, const unsigned char *key, const char *text,
                 struct enclave_pii_spans *spans, const char *subject)
{
	struct enclave_redact_policy p;
	enclave_redactor *r;
	struct enclave_redacted out = { 0 };
	char *s;

	assert_int_equal(enclave_redact_policy_parse(&p, spec), 0);
	assert_int_equal(enclave_redactor_new(&r, &p, key), 0);
	if (enclave_redact(&out, r, text, strlen(text), spans, subject) != 0)
		fail_msg("redact: %s", enclave_error_last());
	s = strdup(out.text);
	/* Every span's output range is inside the output. */
	for (size_t i = 0; i < out.nspans; i++)
		assert_true(out.spans[i].out_start <= out.spans[i].out_end &&
		            out.spans[i].out_end <= out.len);
	enclave_redacted_release(&out);
	enclave_redactor_free(r);
	enclave_pii_spans_free(spans);
	return s;
}

/* The pseudonym of one value of `label`. */
static char *pseudo(const char *value, int label, const char *subject)
{
	struct enclave_pii_spans s = { 0 };
	add(&s, value, value, label);
	return run("pseudonym", key1, value, &s, subject);
}

static void test_tag_mask_remove(void **state)
{
	const char *t = "Call John Smith at 555-123-4567 or john@x.org, card 4111-1111-1111-1111.";
	struct enclave_pii_spans s = { 0 };
	char *o;

	add(&s, t, "John Smith", ENCLAVE_PII_PERSON);
	add(&s, t, "555-123-4567", ENCLAVE_PII_PHONE_NUMBER);
	add(&s, t, "john@x.org", ENCLAVE_PII_EMAIL_ADDRESS);
	add(&s, t, "4111-1111-1111-1111", ENCLAVE_PII_CREDIT_CARD);
	o = run("PERSON=tag,PHONE_NUMBER=remove,CREDIT_CARD=mask:*:4,*=mask:#", NULL, t, &s, NULL);
	assert_string_equal(o, "Call [PERSON] at  or ####@#.###, card ****-****-****-1111.");
	free(o);
	(void)state;
}

static void test_tag_numbered(void **state)
{
	const char *t = "Ann met Bob. ANN  met  bob again, then Cy. Ann left.";
	struct enclave_pii_spans s = { 0 };
	char *o;

	add_nth(&s, t, "Ann", 0, ENCLAVE_PII_PERSON);
	add(&s, t, "Bob", ENCLAVE_PII_PERSON);
	add(&s, t, "ANN", ENCLAVE_PII_PERSON);
	add(&s, t, "bob", ENCLAVE_PII_PERSON);
	add(&s, t, "Cy", ENCLAVE_PII_LOCATION);
	add_nth(&s, t, "Ann", 1, ENCLAVE_PII_PERSON);
	o = run("tag:numbered", NULL, t, &s, NULL);
	assert_string_equal(o, "[PERSON_1] met [PERSON_2]. [PERSON_1]  met  [PERSON_2] again, "
	                       "then [LOCATION_1]. [PERSON_1] left.");
	free(o);
	(void)state;
}

static void test_hash(void **state)
{
	const char *t = "JOHN  SMITH and John Smith and Jane";
	struct enclave_pii_spans s = { 0 };
	char *o, *o2;

	add(&s, t, "JOHN  SMITH", ENCLAVE_PII_PERSON);
	add(&s, t, "John Smith", ENCLAVE_PII_PERSON);
	add(&s, t, "Jane", ENCLAVE_PII_PERSON);
	o = run("hash", key1, t, &s, NULL);
	/* "[PERSON:" + 16 hex + "]" twice the same, once different. */
	assert_int_equal(strlen(o), 25 + 5 + 25 + 5 + 25);
	assert_memory_equal(o, o + 30, 25);
	assert_memory_not_equal(o, o + 60, 25);
	assert_memory_equal(o, "[PERSON:", 8);
	add(&s, t, "JOHN  SMITH", ENCLAVE_PII_PERSON);
	o2 = run("hash", key2, t, &s, NULL);
	assert_memory_not_equal(o, o2, 25); /* another key, another hash */
	free(o);
	free(o2);
	(void)state;
}

static void test_encrypt_reveal(void **state)
{
	const char *t = "Patient Zoë Ångström, SSN 123-45-6789, seen.";
	struct enclave_pii_spans s = { 0 };
	char *o, *back = NULL;
	size_t len, n;

	add(&s, t, "Zoë Ångström", ENCLAVE_PII_PERSON);
	add(&s, t, "123-45-6789", ENCLAVE_PII_US_SSN);
	o = run("encrypt", key1, t, &s, NULL);
	assert_non_null(strstr(o, "[[enc:PERSON:"));
	assert_non_null(strstr(o, "[[enc:US_SSN:"));
	assert_null(strstr(o, "6789"));
	assert_int_equal(enclave_reveal(&back, &len, &n, o, strlen(o), key1), 0);
	assert_string_equal(back, t);
	assert_int_equal(len, strlen(t));
	assert_int_equal(n, 2);
	free(back);

	/* The same value encrypts to the same token (synthetic nonce). */
	add(&s, t, "Zoë Ångström", ENCLAVE_PII_PERSON);
	add(&s, t, "123-45-6789", ENCLAVE_PII_US_SSN);
	char *o2 = run("encrypt", key1, t, &s, NULL);
	assert_string_equal(o, o2);
	free(o2);

	/* The wrong key fails cleanly. */
	assert_int_equal(enclave_reveal(&back, &len, &n, o, strlen(o), key2), ENCLAVE_ETAMPER);
	assert_null(back);
	assert_non_null(strstr(enclave_error_last(), "wrong key or changed token"));

	/* A changed character in a token, or a label swapped, is rejected. */
	char *bad = strdup(o), *tok = strstr(bad, "[[enc:US_SSN:") + 20;
	*tok = *tok == 'A' ? 'B' : 'A';
	assert_int_equal(enclave_reveal(&back, &len, &n, bad, strlen(bad), key1), ENCLAVE_ETAMPER);
	free(bad);
	bad = strdup(o);
	memcpy(strstr(bad, "[[enc:US_SSN:"), "[[enc:UK_NHS:", 13);
	assert_int_equal(enclave_reveal(&back, &len, &n, bad, strlen(bad), key1), ENCLAVE_ETAMPER);
	free(bad);
	/* Malformed tokens. */
	const char *malformed[] = { "x [[enc:PERSON:abc",
		                    "[[enc:NOPE:AAAA]]",
		                    "[[enc:PERSON:]]",
		                    "[[enc:PERSON:AAAAAAAA]]",
		                    "[[enc:",
		                    "[[enc:PERSON:A*B]]" };
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		int rc = enclave_reveal(&back, &len, &n, malformed[i], strlen(malformed[i]), key1);
		assert_int_equal(rc, ENCLAVE_EINVALID);
		assert_null(back);
	}
	/* Text without tokens comes back unchanged. */
	assert_int_equal(enclave_reveal(&back, &len, &n, "plain [[x]]", 11, key1), 0);
	assert_string_equal(back, "plain [[x]]");
	assert_int_equal(n, 0);
	free(back);
	free(o);
	(void)state;
}

static void test_pseudonym_person(void **state)
{
	char *a = pseudo("John Smith", ENCLAVE_PII_PERSON, NULL);
	char *b = pseudo("JOHN   SMITH", ENCLAVE_PII_PERSON, NULL);
	char *c = pseudo("Mr. Smith", ENCLAVE_PII_PERSON, NULL);
	char *d = pseudo("Smith, John", ENCLAVE_PII_PERSON, NULL);
	char *e = pseudo("john smith", ENCLAVE_PII_PERSON, NULL);
	const char *sp = strchr(a, ' ');

	assert_non_null(sp);
	assert_string_not_equal(a, "John Smith");
	/* Case style kept, same words. */
	assert_true(strncasecmp(a, b, (size_t)(sp - a)) == 0);
	for (char *p = b; *p; p++)
		assert_false(*p >= 'a' && *p <= 'z');
	for (char *p = e; *p; p++)
		assert_false(*p >= 'A' && *p <= 'Z');
	assert_int_equal(strcasecmp(a, e), 0);
	/* The surname is the same alone, with a title, and in "Last, First". */
	assert_string_equal(c + 4, sp + 1);
	assert_memory_equal(c, "Mr. ", 4);
	assert_memory_equal(d, sp + 1, strlen(sp + 1));
	assert_memory_equal(d + strlen(sp + 1), ", ", 2);
	assert_memory_equal(d + strlen(sp + 1) + 2, a, (size_t)(sp - a));
	free(a), free(b), free(c), free(d), free(e);
	(void)state;
}

/* Across two documents (two calls), the same value gets the same surrogate. */
static void test_pseudonym_across_documents(void **state)
{
	const char *t1 = "Dr. Alice Walker lives in Springfield.";
	const char *t2 = "ALICE WALKER works at Acme Corp in springfield";
	struct enclave_pii_spans s = { 0 };
	char *o1, *o2;

	add(&s, t1, "Alice Walker", ENCLAVE_PII_PERSON);
	add(&s, t1, "Springfield", ENCLAVE_PII_LOCATION);
	o1 = run("pseudonym", key1, t1, &s, NULL);
	add(&s, t2, "ALICE WALKER", ENCLAVE_PII_PERSON);
	add(&s, t2, "Acme Corp", ENCLAVE_PII_ORGANIZATION);
	add(&s, t2, "springfield", ENCLAVE_PII_LOCATION);
	o2 = run("pseudonym", key1, t2, &s, NULL);
	/* o1: "Dr. F L lives in C."; o2: "F L works at O in c" with F L C in their cases. */
	const char *n1 = o1 + 4, *end1 = strstr(o1, " lives in ");
	assert_non_null(end1);
	assert_true(strncasecmp(n1, o2, (size_t)(end1 - n1)) == 0);
	const char *city1 = end1 + 10;
	const char *city2 = strrchr(o2, ' ') + 1;
	assert_int_equal(strncasecmp(city1, city2, strlen(city2)), 0);
	assert_null(strstr(o1, "Walker"));
	assert_null(strstr(o2, "Acme"));
	free(o1);
	free(o2);
	(void)state;
}

static int luhn_ok(const char *s)
{
	int sum = 0, alt = 0;
	for (size_t i = strlen(s); i-- > 0;) {
		if (s[i] < '0' || s[i] > '9')
			continue;
		int d = s[i] - '0';
		if (alt)
			d = d * 2 > 9 ? d * 2 - 9 : d * 2;
		sum += d;
		alt = !alt;
	}
	return sum % 10 == 0;
}

/* Same length, and every non-digit in place. */
static void same_shape(const char *a, const char *b)
{
	assert_int_equal(strlen(a), strlen(b));
	for (size_t i = 0; a[i]; i++)
		assert_int_equal(a[i] >= '0' && a[i] <= '9', b[i] >= '0' && b[i] <= '9');
}

static void test_pseudonym_numbers(void **state)
{
	char *o;

	o = pseudo("(415) 555-2671", ENCLAVE_PII_PHONE_NUMBER, NULL);
	same_shape(o, "(415) 555-2671");
	assert_memory_equal(o + 6, "555-01", 6);
	free(o);
	o = pseudo("+44 20 7946 0958", ENCLAVE_PII_PHONE_NUMBER, NULL);
	same_shape(o, "+44 20 7946 0958");
	assert_memory_equal(o, "+44 ", 4);
	free(o);

	o = pseudo("123-45-6789", ENCLAVE_PII_US_SSN, NULL);
	same_shape(o, "123-45-6789");
	assert_int_equal(o[0], '9');
	int group = (o[4] - '0') * 10 + (o[5] - '0');
	assert_true(group >= 1 && group <= 49);
	free(o);
	/* Formats of one SSN share the digits (identifiers normalise to letters and digits). */
	char *a = pseudo("123456789", ENCLAVE_PII_US_SSN, NULL);
	char *b = pseudo("123 45 6789", ENCLAVE_PII_US_SSN, NULL);
	assert_memory_equal(a, b, 3);
	assert_memory_equal(a + 3, b + 4, 2);
	free(a), free(b);

	const char *cards[] = { "4111 1111 1111 1111", "5500-0000-0000-0004", "340000000000009",
		                "6011000000000004", "4012888888881881" };
	for (size_t i = 0; i < sizeof(cards) / sizeof(cards[0]); i++) {
		o = pseudo(cards[i], ENCLAVE_PII_CREDIT_CARD, NULL);
		same_shape(o, cards[i]);
		assert_true(luhn_ok(o));
		assert_int_equal(o[0], cards[i][0] == '5' ? '5' : cards[i][0]);
		assert_string_not_equal(o, cards[i]);
		free(o);
	}

	o = pseudo("J.Smith42@Hospital.org", ENCLAVE_PII_EMAIL_ADDRESS, NULL);
	const char *at = strchr(o, '@');
	assert_non_null(at);
	assert_string_equal(at, "@example.org");
	assert_non_null(strchr(o, '.'));
	assert_true(at[-1] >= '0' && at[-1] <= '9' && at[-2] >= '0' && at[-2] <= '9');
	free(o);
	o = pseudo("bob@mail.co.uk", ENCLAVE_PII_EMAIL_ADDRESS, NULL);
	assert_non_null(strstr(o, "@example.com"));
	free(o);

	o = pseudo("00:1A:2B:3C:4D:5E", ENCLAVE_PII_MAC_ADDRESS, NULL);
	assert_int_equal(strlen(o), 17);
	assert_int_equal(o[2], ':');
	free(o);
	o = pseudo("10.1.2.3", ENCLAVE_PII_IP_ADDRESS, NULL);
	assert_true(!strncmp(o, "192.0.2.", 8) || !strncmp(o, "198.51.100.", 11) ||
	            !strncmp(o, "203.0.113.", 10));
	free(o);
	o = pseudo("GB82 WEST 1234 5698 7654 32", ENCLAVE_PII_IBAN_CODE, NULL);
	assert_int_equal(strlen(o), strlen("GB82 WEST 1234 5698 7654 32"));
	assert_int_equal(o[4], ' ');
	free(o);
	o = pseudo("aged 93", ENCLAVE_PII_AGE, NULL);
	assert_string_equal(o, "aged 90");
	free(o);
	o = pseudo("1200 Oak Hill Rd, Apt 4", ENCLAVE_PII_STREET_ADDRESS, NULL);
	assert_null(strstr(o, "Oak"));
	assert_non_null(strstr(o, " Rd, Apt "));
	assert_true(o[0] >= '1' && o[0] <= '9' && o[4] == ' ');
	free(o);
	(void)state;
}

static void test_dates(void **state)
{
	struct buf b = BUF_INIT(1024);
	const struct {
		const char *in;
		int days;
		const char *out;
	} cases[] = {
		{ "7/22", -22, "6/30" },
		{ "2/3/97", -22, "1/12/97" },
		{ "March 3, 2021", -22, "February 9, 2021" },
		{ "2021-03-03", -22, "2021-02-09" },
		{ "2021-03-03T14:05:00Z", -365, "2020-03-03T14:05:00Z" },
		{ "07/02/2021", -1, "07/01/2021" },
		{ "3 Jan 2020", -3, "31 Dec 2019" },
		{ "Monday, March 1, 2021", -1, "Sunday, February 28, 2021" },
		{ "MAR. 1ST 2020", -1, "FEB. 29TH 2020" },
		{ "3/1/2000", -1, "2/29/2000" },
		{ "Sept 30", -30, "Aug 31" },
		{ "March 2021", -20, "February 2021" },
		{ "25/12/2020", -10, "15/12/2020" },
		{ "may 5 2020", -5, "april 30 2020" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_clear(&b);
		int rc = dateshift_write(&b, cases[i].in, strlen(cases[i].in), cases[i].days);
		if (rc != 0 || strcmp(buf_cstr(&b), cases[i].out) != 0)
			fail_msg("%s %+d: got %d '%s', expected '%s'", cases[i].in, cases[i].days,
			         rc, buf_cstr(&b), cases[i].out);
	}
	const char *not_dates[] = {
		"yesterday", "13/45/2020", "2/30/2021", "3 pm", "March 3, 2021 and later",
		"Zoë",       "12"
	};
	for (size_t i = 0; i < sizeof(not_dates) / sizeof(not_dates[0]); i++) {
		buf_clear(&b);
		assert_int_equal(dateshift_write(&b, not_dates[i], strlen(not_dates[i]), -5), 1);
		assert_int_equal(b.len, 0);
	}
	assert_int_equal(dateshift_write(&b, "1997", 4, -5), 2);
	buf_release(&b);
	(void)state;
}

/* Parse "M/D/YYYY" into days (for checking intervals). */
static long days_of(const char *s)
{
	int m, d, y;
	assert_int_equal(sscanf(s, "%d/%d/%d", &m, &d, &y), 3);
	y -= m <= 2;
	long era = y / 400, yoe = y - era * 400;
	long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy;
}

static void test_date_subjects(void **state)
{
	const char *t = "Admitted 1/10/2020, discharged 3/5/2020; unknown date: soon; in 1997.";
	struct enclave_pii_spans s = { 0 };
	char *a, *b, *c;
	char d1[16], d2[16];

	for (int i = 0; i < 3; i++) {
		add(&s, t, "1/10/2020", ENCLAVE_PII_DATE_TIME);
		add(&s, t, "3/5/2020", ENCLAVE_PII_DATE_TIME);
		add(&s, t, "soon", ENCLAVE_PII_DATE_TIME);
		add(&s, t, "1997", ENCLAVE_PII_DATE_TIME);
		char *o =
		    run("DATE_TIME=pseudonym", key1, t, &s, i == 2 ? "patient-2" : "patient-1");
		if (i == 0)
			a = o;
		else if (i == 1)
			b = o;
		else
			c = o;
	}
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_non_null(strstr(a, "unknown date: [DATE_TIME]; in 1997."));
	/* The interval of 55 days survives, for both subjects; the shift is within -365..-1. */
	for (int i = 0; i < 2; i++) {
		const char *o = i ? c : a;
		assert_int_equal(sscanf(o, "Admitted %15[0-9/], discharged %15[0-9/]", d1, d2), 2);
		assert_int_equal(days_of(d2) - days_of(d1), 55);
		long shift = days_of(d1) - days_of("1/10/2020");
		assert_true(shift >= -365 && shift <= -1);
	}
	free(a), free(b), free(c);
	(void)state;
}

static void test_overlaps_multibyte(void **state)
{
	const char *t = "«Jürgen Müller» 住所 東京都 — call 030 1234567";
	struct enclave_pii_spans s = { 0 };
	struct enclave_redact_policy p;
	enclave_redactor *r;
	struct enclave_redacted out = { 0 };

	add(&s, t, "東京都", ENCLAVE_PII_LOCATION);
	add(&s, t, "Jürgen Müller", ENCLAVE_PII_PERSON);
	add(&s, t, "Müller", ENCLAVE_PII_PERSON); /* inside the longer one */
	add(&s, t, "030 1234567", ENCLAVE_PII_PHONE_NUMBER);
	s.v[2].score = 0.5f;
	/* Overlaps the phone with a lower score: it keeps "all ", which it alone covers. */
	add(&s, t, "all 030", ENCLAVE_PII_ACCOUNT_NUMBER);
	s.v[4].score = 0.1f;
	assert_int_equal(enclave_redact_policy_parse(&p, "*=mask:●:2"), 0);
	assert_int_equal(enclave_redactor_new(&r, &p, NULL), 0);
	assert_int_equal(enclave_redact(&out, r, t, strlen(t), &s, NULL), 0);
	assert_string_equal(out.text, "«●●●●●● ●●●●er» 住所 ●京都 — c●ll ●●● ●●●●●67");
	assert_int_equal(out.nspans, 4);
	/* The output offsets point at the replacements. */
	assert_memory_equal(out.text + out.spans[0].out_start, "●", 3);
	assert_int_equal(out.spans[0].start, strlen("«"));
	enclave_redacted_release(&out);
	enclave_pii_spans_free(&s);

	/* Spans that cut a character or leave the text are refused. */
	struct enclave_pii_span bad = { 4, 6, ENCLAVE_PII_PERSON, 1, "t" }; /* inside ü */
	struct enclave_pii_spans s2 = { 0 };
	assert_int_equal(enclave_pii_spans_push(&s2, &bad), 0);
	assert_int_equal(enclave_redact(&out, r, t, strlen(t), &s2, NULL), ENCLAVE_EINVALID);
	s2.v[0].start = 0, s2.v[0].end = strlen(t) + 1;
	assert_int_equal(enclave_redact(&out, r, t, strlen(t), &s2, NULL), ENCLAVE_EINVALID);
	s2.v[0].end = 1, s2.v[0].label = 99;
	assert_int_equal(enclave_redact(&out, r, "abc", 3, &s2, NULL), ENCLAVE_EINVALID);
	assert_int_equal(enclave_redact(&out, r, "a\xff", 2, NULL, NULL), ENCLAVE_EINVALID);
	assert_null(out.text);
	/* No spans: the text is copied. */
	assert_int_equal(enclave_redact(&out, r, "", 0, NULL, NULL), 0);
	assert_string_equal(out.text, "");
	enclave_redacted_release(&out);
	enclave_pii_spans_free(&s2);
	enclave_redactor_free(r);
	(void)state;
}

static void test_policy(void **state)
{
	struct enclave_redact_policy p, q;
	enclave_redactor *r;
	char *s;

	assert_int_equal(enclave_redact_policy_parse(&p,
	                                             " PERSON = pseudonym , credit_card=mask:*:4,"
	                                             "*=tag:numbered"),
	                 0);
	assert_int_equal(p.rules[ENCLAVE_PII_PERSON].op, ENCLAVE_REDACT_PSEUDONYM);
	assert_int_equal(p.rules[ENCLAVE_PII_CREDIT_CARD].op, ENCLAVE_REDACT_MASK);
	assert_int_equal(p.rules[ENCLAVE_PII_CREDIT_CARD].keep, 4);
	assert_int_equal(p.rules[ENCLAVE_PII_URL].numbered, 1);
	assert_int_equal(enclave_redact_policy_format(&s, &p), 0);
	assert_non_null(strstr(s, "PERSON=pseudonym,ORGANIZATION=tag:numbered,"));
	assert_non_null(strstr(s, "CREDIT_CARD=mask:*:4"));
	assert_int_equal(enclave_redact_policy_parse(&q, s), 0);
	assert_memory_equal(&p, &q, sizeof(p));
	free(s);
	assert_true(enclave_redact_policy_needs_key(&p, ENCLAVE_PII_ALL));
	assert_false(enclave_redact_policy_needs_key(&p, (enclave_pii_labels)1 << ENCLAVE_PII_URL));
	assert_int_equal(enclave_redactor_new(&r, &p, NULL), ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "'pseudonym' (PERSON) needs a key"));

	const struct {
		const char *spec, *msg;
	} bad[] = {
		{ "PERSN=tag", "unknown label 'PERSN'" },
		{ "hsh", "unknown operator 'hsh'" },
		{ "PERSON=tag,PERSON=mask", "label 'PERSON' given twice" },
		{ "mask:**", "bad parameters in 'mask:**'" },
		{ "mask:*:x", "bad parameters" },
		{ "mask:*:5000", "bad parameters" },
		{ "tag:foo", "bad parameters in 'tag:foo'" },
		{ "hash:1", "bad parameters" },
		{ "", "empty item" },
		{ "tag,,PERSON=hash", "empty item" },
		{ "tag,mask", "more than one operator" },
		{ "=tag", "unknown label ''" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&q, 0x5a, sizeof(q));
		assert_int_equal(enclave_redact_policy_parse(&q, bad[i].spec), ENCLAVE_EINVALID);
		if (!strstr(enclave_error_last(), bad[i].msg))
			fail_msg("'%s': message '%s'", bad[i].spec, enclave_error_last());
		assert_int_equal(((unsigned char *)&q)[0], 0x5a); /* unchanged */
	}
	unsigned char k[32];
	assert_int_equal(
	    enclave_redact_key_parse(k,
	                             " 0102030405060708090a0b0c0d0e0f101112131415161718"
	                             "191a1b1c1d1e1f20\n",
	                             strlen(" 0102030405060708090a0b0c0d0e0f101112131415"
	                                    "161718191a1b1c1d1e1f20\n")),
	    0);
	assert_memory_equal(k, key1, 32);
	assert_int_equal(enclave_redact_key_parse(k, "0102", 4), ENCLAVE_EINVALID);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_mask_remove),
		cmocka_unit_test(test_tag_numbered),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_encrypt_reveal),
		cmocka_unit_test(test_pseudonym_person),
		cmocka_unit_test(test_pseudonym_across_documents),
		cmocka_unit_test(test_pseudonym_numbers),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_date_subjects),
		cmocka_unit_test(test_overlaps_multibyte),
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
