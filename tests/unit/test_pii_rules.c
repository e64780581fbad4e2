/*
 * Unit tests of the rule-based PII scanner (src/lib/clean/pii/): each
 * recogniser on texts it must and must not report, the validators on good
 * and bad checksums, context words, presets, code point offsets with
 * multibyte text, invalid UTF-8, the stream's seams, JSON Lines, and the
 * hook for extra recognisers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean/pii/pii_int.h"

/* One scanner (all labels, default minimum score) and state for the whole program. */
static enclave_pii_scanner *scanner;
static enclave_pii_state *state;

static int setup(void **st)
{
	(void)st;
	if (enclave_pii_scanner_new(&scanner, NULL) < 0)
		return -1;
	return enclave_pii_state_new(&state, scanner);
}

static int teardown(void **st)
{
	(void)st;
	enclave_pii_state_free(state);
	enclave_pii_scanner_free(scanner);
	return 0;
}

/* Scan `text` with the shared scanner into `out` (emptied first). */
static void scan(struct enclave_pii_spans *out, const char *text)
{
	out->n = 0;
	assert_int_equal(enclave_pii_scan(out, scanner, state, text, strlen(text)), 0);
}

/* The span of `label` whose text is `want` in `text`, or NULL. */
static const struct enclave_pii_span *find(const struct enclave_pii_spans *s, const char *text,
                                           int label, const char *want)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].label == label && s->v[i].end - s->v[i].start == strlen(want) &&
		    !memcmp(text + s->v[i].start, want, strlen(want)))
			return &s->v[i];
	return NULL;
}

/* Does `text` yield exactly the span `want` of `label`? */
static int has(const char *text, int label, const char *want)
{
	struct enclave_pii_spans s = { 0 };
	int found;

	scan(&s, text);
	found = find(&s, text, label, want) != NULL;
	enclave_pii_spans_free(&s);
	return found;
}

/* Does `text` yield any span of `label`? */
static int any(const char *text, int label)
{
	struct enclave_pii_spans s = { 0 };
	int found = 0;

	scan(&s, text);
	for (size_t i = 0; i < s.n; i++)
		found |= s.v[i].label == label;
	enclave_pii_spans_free(&s);
	return found;
}

/* The score of the span `want` of `label` in `text`, or -1. */
static float score_of(const char *text, int label, const char *want)
{
	struct enclave_pii_spans s = { 0 };
	const struct enclave_pii_span *sp;
	float score;

	scan(&s, text);
	sp = find(&s, text, label, want);
	score = sp ? sp->score : -1;
	enclave_pii_spans_free(&s);
	return score;
}

/* ------------------------------------------------------------ validators */

static void validators_checksums(void **st)
{
	(void)st;
	assert_true(pii_luhn("4111111111111111", 16));
	assert_false(pii_luhn("4111111111111112", 16));
	assert_true(pii_card_issuer("4111111111111111", 16));
	assert_true(pii_card_issuer("378282246310005", 15));
	assert_false(pii_card_issuer("378282246310005", 16));
	assert_false(pii_card_issuer("9111111111111111", 16));
	assert_true(pii_iban_ok("GB82 WEST 1234 5698 7654 32", 27));
	assert_true(pii_iban_ok("DE89370400440532013000", 22));
	assert_false(pii_iban_ok("DE89370400440532013001", 22)); /* mod 97 */
	assert_false(pii_iban_ok("DE8937040044053201300", 21));  /* length for DE */
	assert_true(pii_aba_ok("011000015"));
	assert_false(pii_aba_ok("011000016"));
	assert_false(pii_aba_ok("991000015")); /* no such district */
	assert_true(pii_nhs_ok("9434765919"));
	assert_false(pii_nhs_ok("9434765918"));
	assert_true(pii_vin_ok("1HGCM82633A004352"));
	assert_false(pii_vin_ok("1HGCM82643A004352"));
	assert_true(pii_base58check_ok("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", 34));
	assert_false(pii_base58check_ok("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", 34));
	assert_true(pii_bech32_ok("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", 42));
	assert_false(pii_bech32_ok("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr", 42));
	assert_true(pii_ipv6_ok("fe80::1", 7));
	assert_false(pii_ipv6_ok("12:30:45", 8));
}

static void validators_ranges(void **st)
{
	(void)st;
	assert_true(pii_ssn_ok("536225784"));
	assert_false(pii_ssn_ok("000225784")); /* area 000 */
	assert_false(pii_ssn_ok("666225784")); /* area 666 */
	assert_false(pii_ssn_ok("936225784")); /* area 9xx */
	assert_false(pii_ssn_ok("536005784")); /* group 00 */
	assert_false(pii_ssn_ok("536220000")); /* serial 0000 */
	assert_false(pii_ssn_ok("123456789")); /* advertised */
	assert_true(pii_itin_ok("912701234"));
	assert_false(pii_itin_ok("912891234"));
	assert_true(pii_date_ok(2024, 2, 29));
	assert_false(pii_date_ok(2023, 2, 29));
	assert_false(pii_date_ok(-1, 13, 1));
	assert_false(pii_date_ok(-1, 4, 31));
	assert_true(pii_country_ok("DE"));
	assert_false(pii_country_ok("QQ"));
	assert_true(pii_tld_known("com", 3));
	assert_true(pii_tld_known("UK", 2));
	assert_false(pii_tld_known("pdf", 3));
	assert_true(pii_entropy("aaaa", 4) < 0.01);
	assert_true(pii_entropy("Zx9qL2mN8vB4cR7t", 16) > 3.5);
}

/* ------------------------------------------------------------ recognisers */

static void contact(void **st)
{
	(void)st;
	assert_true(has("write to ann.lee@example.com today", ENCLAVE_PII_EMAIL_ADDRESS,
	                "ann.lee@example.com"));
	assert_false(any("no at sign here, example dot com", ENCLAVE_PII_EMAIL_ADDRESS));
	assert_true(has("see https://example.org/a?b=1). Then", ENCLAVE_PII_URL,
	                "https://example.org/a?b=1"));
	assert_true(
	    has("host mail.example.co.uk is down", ENCLAVE_PII_DOMAIN_NAME, "mail.example.co.uk"));
	assert_false(any("open setup.py and readme.md", ENCLAVE_PII_DOMAIN_NAME));
	assert_false(any("the report.pdf file", ENCLAVE_PII_DOMAIN_NAME));
}

static void phones(void **st)
{
	(void)st;
	assert_true(has("call (212) 555-0143 now", ENCLAVE_PII_PHONE_NUMBER, "(212) 555-0143"));
	assert_true(has("call 212-555-0143", ENCLAVE_PII_PHONE_NUMBER, "212-555-0143"));
	/* A bracket around the whole number goes with it; one that does not close, not. */
	assert_true(has("son (212-555-0143) called", ENCLAVE_PII_PHONE_NUMBER, "(212-555-0143)"));
	assert_true(has("son (212-555-0143 cell)", ENCLAVE_PII_PHONE_NUMBER, "212-555-0143"));
	assert_true(has("tel +44 20 7946 0958.", ENCLAVE_PII_PHONE_NUMBER, "+44 20 7946 0958"));
	assert_true(has("Mobile: 0487 98 11 92", ENCLAVE_PII_PHONE_NUMBER, "0487 98 11 92"));
	/* An area code cannot start with 0 or 1 (made-up ones still score, lower); a longer number is not a phone. */
	assert_true(score_of("ref 112-555-0143", ENCLAVE_PII_PHONE_NUMBER, "112-555-0143") <
	            score_of("ref 212-555-0143", ENCLAVE_PII_PHONE_NUMBER, "212-555-0143"));
	assert_true(has("Fax: 463-612-6138x036", ENCLAVE_PII_PHONE_NUMBER, "463-612-6138x036"));
	assert_true(has("Pager #54321 today", ENCLAVE_PII_PHONE_NUMBER, "54321"));
	assert_true(has("Phone:\n72 128 827", ENCLAVE_PII_PHONE_NUMBER, "72 128 827"));
	assert_false(any("id 2125550143999", ENCLAVE_PII_PHONE_NUMBER));
	/* Ten bare digits need context. */
	assert_false(any("order 2125550143 shipped", ENCLAVE_PII_PHONE_NUMBER));
	assert_true(has("phone 2125550143", ENCLAVE_PII_PHONE_NUMBER, "2125550143"));
}

static void national_ids(void **st)
{
	(void)st;
	assert_true(has("SSN 536-22-5784.", ENCLAVE_PII_US_SSN, "536-22-5784"));
	assert_false(any("SSN 666-22-5784", ENCLAVE_PII_US_SSN));
	assert_false(any("part 536-22-57845", ENCLAVE_PII_US_SSN));
	assert_false(any("mixed 536-22 5784", ENCLAVE_PII_US_SSN));
	/* Bare nine digits: only with context. */
	assert_false(any("lot 536225784 shipped", ENCLAVE_PII_US_SSN));
	assert_true(has("social security number 536225784", ENCLAVE_PII_US_SSN, "536225784"));
	assert_true(has("ITIN 912-70-1234", ENCLAVE_PII_US_ITIN, "912-70-1234"));
	assert_true(has("NHS number 943 476 5919", ENCLAVE_PII_UK_NHS, "943 476 5919"));
	assert_false(any("NHS number 943 476 5918", ENCLAVE_PII_UK_NHS));
	assert_true(has("NI AB 12 34 56 C", ENCLAVE_PII_UK_NINO, "AB 12 34 56 C"));
	assert_false(any("NI GB 12 34 56 C", ENCLAVE_PII_UK_NINO));
	assert_true(has("driver's license number: K407195362218", ENCLAVE_PII_US_DRIVER_LICENSE,
	                "K407195362218"));
	assert_true(has("passport no. 123456789", ENCLAVE_PII_US_PASSPORT, "123456789"));
	assert_true(has("MRN: 00451234", ENCLAVE_PII_MEDICAL_RECORD, "00451234"));
	assert_true(has("Member ID: XJ-88123456", ENCLAVE_PII_HEALTH_PLAN, "XJ-88123456"));
	assert_true(has("account number 12345678", ENCLAVE_PII_ACCOUNT_NUMBER, "12345678"));
	assert_true(has("serial no: SN-4451-AX9", ENCLAVE_PII_SERIAL_NUMBER, "SN-4451-AX9"));
	assert_false(any("MRN: pending", ENCLAVE_PII_MEDICAL_RECORD));
}

static void financial(void **st)
{
	(void)st;
	assert_true(
	    has("card 4111 1111 1111 1111 exp", ENCLAVE_PII_CREDIT_CARD, "4111 1111 1111 1111"));
	assert_true(has("amex 378282246310005", ENCLAVE_PII_CREDIT_CARD, "378282246310005"));
	assert_false(any("card 4111 1111 1111 1112", ENCLAVE_PII_CREDIT_CARD));
	assert_true(
	    has("card 501864667909?", ENCLAVE_PII_CREDIT_CARD, "501864667909")); /* Maestro */
	/* The card is found even when another number follows it. */
	assert_true(
	    has("4111-1111-1111-1111 12 25", ENCLAVE_PII_CREDIT_CARD, "4111-1111-1111-1111"));
	assert_true(has("IBAN GB82 WEST 1234 5698 7654 32.", ENCLAVE_PII_IBAN_CODE,
	                "GB82 WEST 1234 5698 7654 32"));
	assert_false(any("IBAN GB82 WEST 1234 5698 7654 33", ENCLAVE_PII_IBAN_CODE));
	assert_true(has("routing number 011000015", ENCLAVE_PII_ABA_ROUTING, "011000015"));
	assert_false(any("item 011000015", ENCLAVE_PII_ABA_ROUTING));
	assert_true(has("SWIFT code DEUTDEFF", ENCLAVE_PII_SWIFT_CODE, "DEUTDEFF"));
	assert_false(any("the HOSPITAL was", ENCLAVE_PII_SWIFT_CODE));
}

static void network(void **st)
{
	(void)st;
	assert_true(has("from 192.168.1.20:", ENCLAVE_PII_IP_ADDRESS, "192.168.1.20"));
	assert_false(any("version 1.2.3.4.5", ENCLAVE_PII_IP_ADDRESS));
	assert_false(any("from 256.1.1.1", ENCLAVE_PII_IP_ADDRESS) &&
	             has("from 256.1.1.1", ENCLAVE_PII_IP_ADDRESS, "256.1.1.1"));
	assert_true(has("addr fe80::1ff:fe23:4567:890a.", ENCLAVE_PII_IP_ADDRESS,
	                "fe80::1ff:fe23:4567:890a"));
	assert_false(any("at 12:30:45 today", ENCLAVE_PII_IP_ADDRESS));
	assert_true(has("mac 00:1A:2B:3C:4D:5E", ENCLAVE_PII_MAC_ADDRESS, "00:1A:2B:3C:4D:5E"));
}

static void dates(void **st)
{
	(void)st;
	assert_true(has("on 2021-03-04 we", ENCLAVE_PII_DATE_TIME, "2021-03-04"));
	assert_true(
	    has("Date: 1974-11-09 06:23:51\n", ENCLAVE_PII_DATE_TIME, "1974-11-09 06:23:51"));
	assert_false(any("on 2021-13-04 we", ENCLAVE_PII_DATE_TIME));
	assert_true(has("since 9/15/1946", ENCLAVE_PII_DATE_TIME, "9/15/1946"));
	assert_true(has("admitted 2/3/97 to", ENCLAVE_PII_DATE_TIME, "2/3/97"));
	assert_true(has("FOUND ON 7/22 BY", ENCLAVE_PII_DATE_TIME, "7/22"));
	assert_true(has("seen on March 3rd, 2021.", ENCLAVE_PII_DATE_TIME, "March 3rd, 2021"));
	assert_true(has("on 3-Mar-2021 we", ENCLAVE_PII_DATE_TIME, "3-Mar-2021"));
	assert_true(has("March 3rd, 2021 and 3-Mar-2021", ENCLAVE_PII_DATE_TIME, "3-Mar-2021"));
	assert_true(has("on the 3rd of March we", ENCLAVE_PII_DATE_TIME, "3rd of March"));
	assert_true(has("MI in '92 and", ENCLAVE_PII_DATE_TIME, "92"));
	assert_true(has("at 14:30 and", ENCLAVE_PII_DATE_TIME, "14:30"));
	assert_true(has("at 2pm and", ENCLAVE_PII_DATE_TIME, "2pm"));
	assert_true(has("We'll meet Monday at", ENCLAVE_PII_DATE_TIME, "Monday"));
	/* Clinical numbers are not dates. */
	assert_false(any("BP 120/80, HR 88", ENCLAVE_PII_DATE_TIME));
	assert_false(any("sats 98-100% on RA", ENCLAVE_PII_DATE_TIME));
	assert_false(any("K 5.7 and", ENCLAVE_PII_DATE_TIME));
	assert_false(any("BP 110/60 and", ENCLAVE_PII_DATE_TIME));
	assert_false(any("on PSV 10/5, 40%", ENCLAVE_PII_DATE_TIME));
	assert_false(any("D5 1/2 NS at 75", ENCLAVE_PII_DATE_TIME));
	assert_false(any("for 1 1/2 hrs", ENCLAVE_PII_DATE_TIME));
	assert_false(any("settings 12/10/40% now", ENCLAVE_PII_DATE_TIME));
	assert_false(any("Pt may need", ENCLAVE_PII_DATE_TIME));
	assert_false(any("BS dec. at bases", ENCLAVE_PII_DATE_TIME));
	assert_true(has("CVA 74'. then", ENCLAVE_PII_DATE_TIME, "74"));
	assert_true(has("S/P MI 1992; CABG", ENCLAVE_PII_DATE_TIME, "1992"));
	assert_false(any("@ approx 1900 from", ENCLAVE_PII_DATE_TIME));
	assert_false(any("I may go", ENCLAVE_PII_DATE_TIME));
	/* Month/day in notes: after a number, a dash, a word's full stop; ranges; glued years. */
	assert_true(has("temp of 101 3/14. then", ENCLAVE_PII_DATE_TIME, "3/14"));
	assert_true(has("s/p drain x3 5/9. moved", ENCLAVE_PII_DATE_TIME, "5/9"));
	assert_true(has("BLOOD SENT X 3 4/19.", ENCLAVE_PII_DATE_TIME, "4/19"));
	assert_true(has("S/P AVR 11/12 \n EF 45%", ENCLAVE_PII_DATE_TIME, "11/12"));
	assert_true(has("pressors weaned off 6/5, and", ENCLAVE_PII_DATE_TIME, "6/5"));
	assert_true(has("SEPSIS.\n3/8-SEEN IN ER", ENCLAVE_PII_DATE_TIME, "3/8"));
	assert_true(has("tte 4/27- lvh", ENCLAVE_PII_DATE_TIME, "4/27"));
	assert_true(has("on pressors 5/31-6/3 for sepsis", ENCLAVE_PII_DATE_TIME, "5/31-6/3"));
	assert_true(has("went to rehab.2/11. Back", ENCLAVE_PII_DATE_TIME, "2/11"));
	assert_true(has("hip fx6/94, wrist fx", ENCLAVE_PII_DATE_TIME, "6/94"));
	assert_true(has("breast CA'79, COPD", ENCLAVE_PII_DATE_TIME, "79"));
	assert_false(any("L4/5 disc and C5/6", ENCLAVE_PII_DATE_TIME));
	assert_false(any("done x2/3 times", ENCLAVE_PII_DATE_TIME));
	assert_false(any("a 3/6 murmur at", ENCLAVE_PII_DATE_TIME));
	assert_false(any("given 103 1/2 tabs", ENCLAVE_PII_DATE_TIME));
	assert_false(any("cont on 1/2 NS", ENCLAVE_PII_DATE_TIME));
}

static void dates_context(void **st)
{
	float plain, near, neg;

	(void)st;
	/* "bp" lowers a month/day, "admitted" raises it. */
	plain = score_of("was 7/12 then", ENCLAVE_PII_DATE_TIME, "7/12");
	near = score_of("admitted 7/12 then", ENCLAVE_PII_DATE_TIME, "7/12");
	neg = score_of("bp 7/12 then", ENCLAVE_PII_DATE_TIME, "7/12");
	assert_true(near > plain);
	assert_true(neg < 0); /* below the minimum score: not reported */
}

static void ages(void **st)
{
	(void)st;
	assert_true(has("a 72 yo man", ENCLAVE_PII_AGE, "72"));
	assert_true(has("a 45-year-old woman", ENCLAVE_PII_AGE, "45"));
	assert_true(has("patient aged 45 was", ENCLAVE_PII_AGE, "45"));
	assert_true(has("Ada turned 67 years old today", ENCLAVE_PII_AGE, "67"));
	assert_true(score_of("a 92 y/o woman", ENCLAVE_PII_AGE, "92") > 0.9f);
	assert_false(any("a 200 year old oak", ENCLAVE_PII_AGE));
}

static void places(void **st)
{
	(void)st;
	assert_true(has("lives at 123 Main Street, Apt 4B, Springfield, IL 62704. ok",
	                ENCLAVE_PII_STREET_ADDRESS,
	                "123 Main Street, Apt 4B, Springfield, IL 62704"));
	assert_true(has("ZIP: 75534-030", ENCLAVE_PII_ZIP_CODE, "75534-030"));
	assert_true(has("Austin, TX 78701", ENCLAVE_PII_ZIP_CODE, "78701"));
	assert_false(any("we sold 78701 units", ENCLAVE_PII_ZIP_CODE));
	assert_true(has("ZIP: 394 13", ENCLAVE_PII_ZIP_CODE, "394 13"));
	assert_true(has("ZIP: 7412 SL", ENCLAVE_PII_ZIP_CODE, "7412 SL"));
	assert_true(has("Austin, TX 78701 12 units", ENCLAVE_PII_ZIP_CODE, "78701"));
	assert_true(has("GPS 37.7749, -122.4194", ENCLAVE_PII_GPS, "37.7749, -122.4194"));
	assert_false(any("GPS 97.7749, -122.4194", ENCLAVE_PII_GPS));
}

/* Does pii_address_scan find exactly the spans `want` (NULL-terminated) in `text`? */
static int shapes(const char *text, const char *const *want)
{
	struct enclave_pii_spans s = { 0 };
	size_t n = 0;
	int ok;

	assert_int_equal(pii_address_scan(NULL, text, strlen(text), &s), 0);
	while (want[n])
		n++;
	ok = s.n == n;
	/* "zip:" or "loc:" before the text: a ZIP_CODE or LOCATION span */
	for (size_t i = 0; ok && i < n; i++) {
		int label = ENCLAVE_PII_STREET_ADDRESS;
		const char *w = want[i];
		if (!strncmp(w, "zip:", 4) || !strncmp(w, "loc:", 4)) {
			label = w[0] == 'z' ? ENCLAVE_PII_ZIP_CODE : ENCLAVE_PII_LOCATION;
			w += 4;
		}
		ok = find(&s, text, label, w) != NULL;
	}
	enclave_pii_spans_free(&s);
	return ok;
}

static void address_shapes(void **st)
{
	(void)st;
	/* a block inside a sentence: one span over its place lines */
	assert_true(shapes(
	    "send it to 4410 58 Marrowgate Street\n Suite 612\n Tarviston\n Norway 44718? ok",
	    (const char *const[]){
	        "4410 58 Marrowgate Street\n Suite 612\n Tarviston\n Norway 44718", NULL }));
	assert_true(shapes(
	    "meet at 61847 Korvenkatu 39 Apt. 118\nHALSBERG, nan 27604 later",
	    (const char *const[]){ "61847 Korvenkatu 39 Apt. 118\nHALSBERG, nan 27604", NULL }));
	assert_true(
	    shapes("add 518 2074 Seventh Avenue Suite 238 Apt. 561, Vila de Corvelo, Portugal "
	           "48310, and more",
	           (const char *const[]){ "518 2074 Seventh Avenue Suite 238 Apt. 561, Vila de "
	                                  "Corvelo, Portugal 48310",
	                                  NULL }));
	assert_true(shapes("at 5586 Foo Street 31, Arnsdorf, Germany now",
	                   (const char *const[]){ "5586 Foo Street 31, Arnsdorf, Germany", NULL }));
	/* at the start of a line, or on one line: number, street, postal code */
	assert_true(shapes("Jane Roe\n\n41372 Merikivi 83\n Suite 274\n Tornaja\n\n Estonia 95031",
	                   (const char *const[]){ "41372", "Merikivi 83", "95031", "loc:Tornaja",
	                                          "loc:Estonia", NULL }));
	assert_true(shapes("Ann Lee\n\n233 Erzs\xc3\xa9"
	                   "bet t\xc3\xa9r 19.\n Suite 2\n Pest\n Hungary 34796",
	                   (const char *const[]){ "233",
	                                          "Erzs\xc3\xa9"
	                                          "bet t\xc3\xa9r 19.",
	                                          "34796", "loc:Pest", "loc:Hungary", NULL }));
	assert_true(shapes("Tom lives at 52917 Rua do Salgueiro 2871, An\xc3\xa1polis",
	                   (const char *const[]){ "52917", "Rua do Salgueiro 2871",
	                                          "loc:An\xc3\xa1polis", NULL }));
	assert_true(shapes("Mrs. Roe Apt. 418 73625 Kirkestien 57\nHaldrup NO 8350",
	                   (const char *const[]){ "73625", "Kirkestien 57", "zip:8350",
	                                          "loc:Haldrup", "loc:NO", NULL }));
	assert_true(shapes("> Ann Roe\n> 052 Havnestr\xc3\xa6"
	                   "de 38\n> Apt. 729\n> Fjeldholm\n> Denmark "
	                   "61854",
	                   (const char *const[]){ "052",
	                                          "Havnestr\xc3\xa6"
	                                          "de 38",
	                                          "61854", "loc:Fjeldholm", "loc:Denmark", NULL }));
	assert_true(
	    shapes("to 84213 P.O. Box 637\n Suite 142\n Ilulik\n Greenland 70354. ok",
	           (const char *const[]){
	               "84213 P.O. Box 637\n Suite 142\n Ilulik\n Greenland 70354", NULL }));
	assert_true(shapes(
	    "to 27 Marrow Street Pellinor Squares\n Suite 845\n TARVISTON\n United Kingdom 30962",
	    (const char *const[]){ "27 Marrow Street Pellinor Squares\n Suite 845\n TARVISTON\n "
	                           "United Kingdom 30962",
	                           NULL }));
	assert_true(shapes("off at 5726 ul. Brzozowska 48 St.",
	                   (const char *const[]){ "5726", "ul. Brzozowska 48", NULL }));
	assert_true(shapes(
	    "Billing: Ann Roe\n    31401 Foo Street 10 Apt. 360\n   Wroclaw\n    nan\n    53-320",
	    (const char *const[]){ "31401", "Foo Street 10", "loc:Wroclaw", "loc:nan", "zip:53-320",
	                           NULL }));
	assert_true(
	    shapes("Billing: Ann Roe\n    31401 Foo Street 10\n   Elm Village\n    NS\n    B3K 4T7",
	           (const char *const[]){ "31401", "Foo Street 10", "loc:Elm Village", "loc:NS",
	                                  "zip:B3K 4T7", NULL }));
	assert_true(shapes(
	    "Meet at the corner of 6152 Harrow Avenue and Foo Route, then",
	    (const char *const[]){ "the corner of 6152 Harrow Avenue and Foo Route", NULL }));
	assert_true(
	    shapes("stop at the corner of Foo St. and Bar St. ok", (const char *const[]){ NULL }));
	/* at a line's start with place lines not indented, or on one line: one span */
	assert_true(
	    shapes("Acme\n48216 731 Bellweather Drive\nKingsmere\n, ON\n Canada 60348\nMobile",
	           (const char *const[]){
	               "48216 731 Bellweather Drive\nKingsmere\n, ON\n Canada 60348", NULL }));
	assert_true(shapes(
	    "Acme\n364 Vossebeek 82 Apt. 517, Haut-Morel, Belgium 27096\n",
	    (const char *const[]){ "364 Vossebeek 82 Apt. 517, Haut-Morel, Belgium 27096", NULL }));
	assert_true(
	    shapes("to P.O. Box 836 Teodora Union\n Apt. 219\n Qasigiak\n Greenland 40617 ok",
	           (const char *const[]){ "P.O. Box 836 Teodora Union\n Apt. 219\n Qasigiak\n "
	                                  "Greenland 40617",
	                                  NULL }));
	/* numbers in clinical notes are not addresses */
	assert_true(shapes("Received 20 Units\nNeuro Alert", (const char *const[]){ NULL }));
	assert_true(shapes("pt given 12 mg. Morphine 4.", (const char *const[]){ NULL }));
	assert_true(shapes("ART LINE REMOVED AT 1400 BY HO. TV OF 550 AND PEEP OF 8.",
	                   (const char *const[]){ NULL }));
	assert_true(shapes("vent now on A/C 650 Rate 16 FiO2 40% Peep 5.5 FiO2",
	                   (const char *const[]){ NULL }));
	assert_true(shapes("", (const char *const[]){ NULL }));
	assert_true(shapes("99 ", (const char *const[]){ NULL }));
	/* the rules: military mail, a URL's host is not a domain of its own */
	assert_true(has("send to PSC 2791, Box 6038\nAPO AE 09517 now", ENCLAVE_PII_STREET_ADDRESS,
	                "PSC 2791, Box 6038\nAPO AE 09517"));
	assert_true(
	    has("site https://www.example.se/ ok", ENCLAVE_PII_URL, "https://www.example.se/"));
	assert_false(any("site https://www.example.se/ ok", ENCLAVE_PII_DOMAIN_NAME));
}

static void vehicles_wallets_secrets(void **st)
{
	(void)st;
	assert_true(has("VIN 1HGCM82633A004352", ENCLAVE_PII_VIN, "1HGCM82633A004352"));
	assert_false(any("code 1HGCM82643A004352 x", ENCLAVE_PII_VIN));
	assert_true(has("to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", ENCLAVE_PII_CRYPTO,
	                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"));
	assert_true(has("AWS AKIAIOSFODNN7EXAMPLE ok", ENCLAVE_PII_SECRET, "AKIAIOSFODNN7EXAMPLE"));
	assert_true(has("password: hunter2xyz", ENCLAVE_PII_SECRET, "hunter2xyz"));
	assert_false(any("password: ********", ENCLAVE_PII_SECRET));
	assert_true(has("api_key=Zx9qL2mN8vB4cR7tY1uI0oP3aS6dF5gH", ENCLAVE_PII_SECRET,
	                "Zx9qL2mN8vB4cR7tY1uI0oP3aS6dF5gH"));
	assert_true(has("x -----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY----- y",
	                ENCLAVE_PII_SECRET,
	                "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"));
	assert_true(has("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N",
	                ENCLAVE_PII_SECRET,
	                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N"));
}

/* ------------------------------------------------------------ scanner behaviour */

static void sources_and_sorting(void **st)
{
	struct enclave_pii_spans s = { 0 };
	const char *text = "card 4111111111111111, mail a@example.com";

	(void)st;
	scan(&s, text);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].source, "rule:credit_card_luhn");
	assert_true(s.v[0].start < s.v[1].start);
	assert_string_equal(s.v[1].source, "rule:email");
	enclave_pii_spans_free(&s);
}

static void presets_and_labels(void **st)
{
	enclave_pii_labels h = 0, p = 0;
	struct enclave_pii_scan_options o = ENCLAVE_PII_SCAN_OPTIONS_INIT;
	enclave_pii_scanner *sc;
	enclave_pii_state *ss;
	struct enclave_pii_spans s = { 0 };
	const char *text = "card 4111111111111111, mail a@example.com";

	(void)st;
	assert_int_equal(enclave_pii_preset("hipaa", &h), 0);
	assert_true(h & (1ull << ENCLAVE_PII_PERSON));
	assert_true(h & (1ull << ENCLAVE_PII_DATE_TIME));
	assert_false(h & (1ull << ENCLAVE_PII_SECRET));
	assert_int_equal(enclave_pii_preset("PCI", &p), 0);
	assert_true(p & (1ull << ENCLAVE_PII_CREDIT_CARD));
	assert_false(p & (1ull << ENCLAVE_PII_EMAIL_ADDRESS));
	assert_int_equal(enclave_pii_preset("nope", &p), ENCLAVE_EINVALID);

	o.labels = p;
	assert_int_equal(enclave_pii_scanner_new(&sc, &o), 0);
	assert_int_equal(enclave_pii_state_new(&ss, sc), 0);
	assert_int_equal(enclave_pii_scan(&s, sc, ss, text, strlen(text)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].label, ENCLAVE_PII_CREDIT_CARD);
	/* A state of another scanner is refused. */
	assert_int_equal(enclave_pii_scan(&s, scanner, ss, text, strlen(text)), ENCLAVE_EINVALID);
	enclave_pii_spans_free(&s);
	enclave_pii_state_free(ss);
	enclave_pii_scanner_free(sc);

	o.min_score = 2;
	assert_int_equal(enclave_pii_scanner_new(&sc, &o), ENCLAVE_EINVALID);
}

static void code_points(void **st)
{
	struct enclave_pii_spans s = { 0 };
	/* "Zoë" and "→" are 2 and 3 bytes: 2 and 1 code points more than... less than bytes. */
	const char *text = "Zoë → zoe@example.com";
	size_t cp[2];

	(void)st;
	scan(&s, text);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].start, 9); /* bytes */
	enclave_pii_spans_cp(cp, text, strlen(text), &s);
	assert_int_equal(cp[0], 6);
	assert_int_equal(cp[1], 21);
	enclave_pii_spans_free(&s);
}

static void invalid_utf8(void **st)
{
	struct enclave_pii_spans s = { 0 };
	const char text[] = "\xff\xfe bad \xc3 then ann@example.com \xe2\x82";

	(void)st;
	s.n = 0;
	assert_int_equal(enclave_pii_scan(&s, scanner, state, text, sizeof(text) - 1), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].label, ENCLAVE_PII_EMAIL_ADDRESS);
	enclave_pii_spans_free(&s);
}

/* A stream callback collecting spans and their code point offsets. */
struct collect {
	size_t n;
	size_t start[64], end[64], cp_start[64];
	char text[64][64];
};

static int collect_cb(const struct enclave_pii_found *f, void *payload)
{
	struct collect *c = payload;

	if (c->n < 64) {
		c->start[c->n] = f->span.start;
		c->end[c->n] = f->span.end;
		c->cp_start[c->n] = f->cp_start;
		snprintf(c->text[c->n], sizeof(c->text[0]), "%.*s", (int)f->text_len, f->text);
	}
	c->n++;
	return 0;
}

static void stream_seams(void **st)
{
	enclave_pii_stream *ps;
	static struct collect c;
	size_t total = 3 * ENCLAVE_PII_CHUNK_BYTES, placed = 0;
	char *big = malloc(total);
	size_t at[3];

	(void)st;
	assert_non_null(big);
	/* Multibyte filler (2 bytes, 1 code point each), e-mails across both seams. */
	for (size_t i = 0; i + 1 < total; i += 2) {
		big[i] = (char)0xC3;
		big[i + 1] = (char)0xA9;
	}
	at[0] = 1000;
	at[1] = ENCLAVE_PII_CHUNK_BYTES + ENCLAVE_PII_OVERLAP_BYTES - 8; /* across the first seam */
	at[2] = 2 * ENCLAVE_PII_CHUNK_BYTES + ENCLAVE_PII_OVERLAP_BYTES / 2 - 4;
	for (int k = 0; k < 3; k++) {
		memcpy(big + at[k], " ann@example.com  ", 18); /* even: the filler stays whole */
		placed++;
	}
	assert_int_equal(enclave_pii_stream_new(&ps, scanner), 0);
	/* Fed in odd pieces. */
	for (size_t off = 0; off < total;) {
		size_t n = total - off < 77777 ? total - off : 77777;
		assert_int_equal(enclave_pii_stream_feed(ps, big + off, n, collect_cb, &c), 0);
		off += n;
	}
	assert_int_equal(enclave_pii_stream_end(ps, collect_cb, &c), 0);
	assert_int_equal(c.n, placed);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(c.start[k], at[k] + 1);
		assert_string_equal(c.text[k], "ann@example.com");
		/* Every filler character before is 2 bytes, 1 code point (each start is odd: 1 + even). */
		assert_true(c.cp_start[k] < c.start[k]);
	}
	assert_int_equal(c.cp_start[0], 500 + 1);
	assert_int_equal(enclave_pii_stream_bad_utf8(ps), -1);

	/* The stream reports the first invalid byte, and still finds what follows. */
	enclave_pii_stream_reset(ps);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	    enclave_pii_stream_feed(ps, "ok \xff x ann@example.com", 22, collect_cb, &c), 0);
	assert_int_equal(enclave_pii_stream_end(ps, collect_cb, &c), 0);
	assert_int_equal(enclave_pii_stream_bad_utf8(ps), 3);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.cp_start[0], 7);
	enclave_pii_stream_free(ps);
	free(big);
}

static void json_lines(void **st)
{
	char *out = NULL;
	size_t len;
	const char *line = "{\"id\":7,\"body\":\"Zoë: zoe@example.com\"}";

	(void)st;
	assert_int_equal(
	    enclave_pii_scan_json(&out, &len, scanner, state, line, strlen(line), "body"), 0);
	assert_non_null(strstr(out, "\"id\":7"));
	assert_non_null(
	    strstr(out, "\"spans\":[{\"start\":5,\"end\":20,\"label\":\"EMAIL_ADDRESS\""));
	free(out);
	assert_int_equal(enclave_pii_scan_json(&out, &len, scanner, state, "{\"a\":", 5, "text"),
	                 ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "not JSON"));
	assert_int_equal(enclave_pii_scan_json(&out, &len, scanner, state, "[1]", 3, "text"),
	                 ENCLAVE_EINVALID);
	assert_int_equal(
	    enclave_pii_scan_json(&out, &len, scanner, state, "{\"text\":1}", 10, "text"),
	    ENCLAVE_EINVALID);
	assert_non_null(strstr(enclave_error_last(), "no string field 'text'"));
}

/* An extra recogniser: reports every "Zed" as a PERSON at 0.5. */
static int zed_finder(const void *ctx, const char *text, size_t len, struct enclave_pii_spans *out)
{
	(void)ctx;
	for (size_t i = 0; i + 3 <= len; i++)
		if (!memcmp(text + i, "Zed", 3)) {
			struct enclave_pii_span sp = { i, i + 3, ENCLAVE_PII_PERSON, 0.5f,
				                       "model:test" };
			if (enclave_pii_spans_push(out, &sp) < 0)
				return ENCLAVE_ENOMEM;
		}
	return 0;
}

static void extra_recognisers(void **st)
{
	enclave_pii_scanner *sc;
	enclave_pii_state *ss;
	struct enclave_pii_spans s = { 0 };
	const char *text = "Dr. Zed wrote to Zed@example.com, and Zed called.";

	(void)st;
	assert_int_equal(enclave_pii_scanner_new(&sc, NULL), 0);
	assert_int_equal(pii_scanner_add_extra(sc, zed_finder, NULL, 0), 0);
	assert_int_equal(enclave_pii_state_new(&ss, sc), 0);
	assert_int_equal(enclave_pii_scan(&s, sc, ss, text, strlen(text)), 0);
	/* Zed after "Dr." gets the PERSON context boost; the one in the e-mail loses to it. */
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0].label, ENCLAVE_PII_PERSON);
	assert_true(s.v[0].score > 0.5f);
	assert_string_equal(s.v[0].source, "model:test");
	assert_int_equal(s.v[1].label, ENCLAVE_PII_EMAIL_ADDRESS);
	assert_int_equal(s.v[2].label, ENCLAVE_PII_PERSON);
	enclave_pii_spans_free(&s);
	enclave_pii_state_free(ss);
	enclave_pii_scanner_free(sc);
}

/*
 * The redaction guarantee of resolve, on random span sets: the result is
 * sorted and disjoint, covers exactly the characters the input covered (so
 * nothing found is left in clear, nothing more is taken), every output
 * character carries the label of a span that covered it, and the single
 * best-scoring span of the input stands whole.
 */
static void resolve_keeps_coverage(void **st)
{
	unsigned seed = 12345;

	(void)st;
	for (int round = 0; round < 2000; round++) {
		struct enclave_pii_spans s = { 0 };
		unsigned char covered[200] = { 0 }, label_at[200];
		size_t n = 2 + (seed = seed * 1103515245u + 12345u) % 12, best = 0;
		struct enclave_pii_span in[16];

		for (size_t i = 0; i < n; i++) {
			size_t start = (seed = seed * 1103515245u + 12345u) % 150;
			size_t len = 1 + (seed = seed * 1103515245u + 12345u) % 40;
			struct enclave_pii_span sp = {
				start, start + len, (int)((seed = seed * 1103515245u + 12345u) % 3),
				(float)(i + 1) / 20.0f, "rule:t"
			};
			in[i] = sp;
			if (sp.score > in[best].score)
				best = i;
			for (size_t c = sp.start; c < sp.end; c++)
				covered[c] = 1;
			assert_int_equal(enclave_pii_spans_push(&s, &sp), 0);
		}
		assert_int_equal(enclave_pii_spans_resolve(&s), 0);
		memset(label_at, 0xff, sizeof(label_at));
		for (size_t i = 0; i < s.n; i++) {
			assert_true(s.v[i].start < s.v[i].end);
			if (i > 0)
				assert_true(s.v[i - 1].end <= s.v[i].start);
			for (size_t c = s.v[i].start; c < s.v[i].end; c++) {
				int found = 0;
				assert_true(covered[c]);
				covered[c] = 2;
				label_at[c] = (unsigned char)s.v[i].label;
				for (size_t j = 0; j < n; j++)
					found |= in[j].label == s.v[i].label && in[j].start <= c &&
					         c < in[j].end;
				assert_true(found);
			}
		}
		for (size_t c = 0; c < sizeof(covered); c++)
			assert_int_not_equal(covered[c], 1);
		for (size_t c = in[best].start; c < in[best].end; c++)
			assert_int_equal(label_at[c], in[best].label);
		enclave_pii_spans_free(&s);
	}
}

/* Overlaps: one label makes one span over both; of different labels the better stands whole and the other keeps the rest. */
static void resolve_overlaps(void **st)
{
	struct enclave_pii_spans s = { 0 };
	struct enclave_pii_span a = { 10, 17, ENCLAVE_PII_LOCATION, 1.0f, "model:a" };
	struct enclave_pii_span b = { 10, 22, ENCLAVE_PII_LOCATION, 0.8f, "rule:b" };
	struct enclave_pii_span c = { 30, 40, ENCLAVE_PII_PERSON, 0.6f, "rule:c" };
	struct enclave_pii_span d = { 35, 45, ENCLAVE_PII_DATE_TIME, 0.9f, "rule:d" };
	struct enclave_pii_span e = { 50, 60, ENCLAVE_PII_PERSON, 0.9f, "rule:e" };
	struct enclave_pii_span f = { 55, 70, ENCLAVE_PII_PERSON, 0.5f, "rule:f" };

	(void)st;
	assert_int_equal(enclave_pii_spans_push(&s, &a), 0);
	assert_int_equal(enclave_pii_spans_push(&s, &b), 0);
	assert_int_equal(enclave_pii_spans_push(&s, &c), 0);
	assert_int_equal(enclave_pii_spans_push(&s, &d), 0);
	assert_int_equal(enclave_pii_spans_push(&s, &f), 0);
	assert_int_equal(enclave_pii_spans_push(&s, &e), 0);
	assert_int_equal(enclave_pii_spans_resolve(&s), 0);
	assert_int_equal(s.n, 4);
	/* "MILFORD" (1.0) inside "MILFORD MILL" (0.8): the whole, at 1.0. */
	assert_int_equal(s.v[0].start, 10);
	assert_int_equal(s.v[0].end, 22);
	assert_true(s.v[0].score == 1.0f);
	assert_string_equal(s.v[0].source, "model:a");
	/*
	 * A PERSON (0.6) and a DATE_TIME (0.9) overlapping: the better stands
	 * whole, the other keeps what it alone covers, so 30..35 is not left in
	 * clear.
	 */
	assert_int_equal(s.v[1].label, ENCLAVE_PII_PERSON);
	assert_int_equal(s.v[1].start, 30);
	assert_int_equal(s.v[1].end, 35);
	assert_int_equal(s.v[2].label, ENCLAVE_PII_DATE_TIME);
	assert_int_equal(s.v[2].start, 35);
	assert_int_equal(s.v[2].end, 45);
	/* Two PERSON spans overlapping in part: their union. */
	assert_int_equal(s.v[3].start, 50);
	assert_int_equal(s.v[3].end, 70);
	assert_string_equal(s.v[3].source, "rule:e");
	enclave_pii_spans_free(&s);
}

/* A recogniser that knows one name: "Jane Q. Example". */
static int jane_finder(const void *ctx, const char *text, size_t len, struct enclave_pii_spans *out)
{
	const char *at;

	(void)ctx;
	(void)len;
	if ((at = strstr(text, "Jane Q. Example"))) {
		struct enclave_pii_span sp = { (size_t)(at - text), (size_t)(at - text) + 15,
			                       ENCLAVE_PII_PERSON, 0.9f, "model:test" };
		return enclave_pii_spans_push(out, &sp);
	}
	return 0;
}

static void names_repeat(void **st)
{
	enclave_pii_scanner *sc;
	enclave_pii_state *ss;
	struct enclave_pii_spans s = { 0 };
	const char *text = "Patient: Jane Q. Example.\nMs. Example, 42, was seen. Example data "
	                   "follow; an example of EXAMPLE and Examples, then Jane rang.";
	size_t found = 0;

	(void)st;
	assert_int_equal(enclave_pii_scanner_new(&sc, NULL), 0);
	assert_int_equal(pii_scanner_add_extra(sc, jane_finder, NULL, 0), 0);
	assert_int_equal(enclave_pii_state_new(&ss, sc), 0);
	assert_int_equal(enclave_pii_scan(&s, sc, ss, text, strlen(text)), 0);
	for (size_t i = 0; i < s.n; i++) {
		if (s.v[i].label != ENCLAVE_PII_PERSON || strcmp(s.v[i].source, "rule:name_repeat"))
			continue;
		/* After a title, and mid-sentence: yes. At a sentence start, lower or other case, a longer word: no. */
		assert_true(s.v[i].start == (size_t)(strstr(text, "Ms. Example") - text) + 4 ||
		            s.v[i].start == (size_t)(strstr(text, "Jane rang") - text));
		assert_true(s.v[i].score < 0.9f);
		found++;
	}
	assert_int_equal(found, 2);
	enclave_pii_spans_free(&s);
	enclave_pii_state_free(ss);
	enclave_pii_scanner_free(sc);
}

/* A recogniser that finds the first occurrence of one string, with one label. */
struct first_of {
	const char *s;
	int label;
};

static int first_finder(const void *ctx, const char *text, size_t len,
                        struct enclave_pii_spans *out)
{
	const struct first_of *f = ctx;
	const char *at;

	(void)len;
	if ((at = strstr(text, f->s))) {
		struct enclave_pii_span sp = { (size_t)(at - text),
			                       (size_t)(at - text) + strlen(f->s), f->label, 0.7f,
			                       "model:test" };
		return enclave_pii_spans_push(out, &sp);
	}
	return 0;
}

static void spans_repeat(void **st)
{
	static const struct first_of name = { "Jane Q. Example", ENCLAVE_PII_PERSON },
	                             heading = { "Billing records", ENCLAVE_PII_ORGANIZATION },
	                             year = { "2031", ENCLAVE_PII_DATE_TIME };
	enclave_pii_scanner *sc;
	enclave_pii_state *ss;
	struct enclave_pii_spans s = { 0 };
	const char *text =
	    "To: Jane Q. Example, 2031.\nJane Q. Example signed. Billing records "
	    "follow.\nBilling records: none. Jane Q. Examples differ; xJane Q. Example "
	    "too; in 2031 again.";
	size_t at_line = (size_t)(strstr(text, "\nJane") - text) + 1,
	       billing = (size_t)(strstr(text, "\nBilling") - text) + 1, found = 0;

	(void)st;
	assert_int_equal(enclave_pii_scanner_new(&sc, NULL), 0);
	assert_int_equal(pii_scanner_add_extra(sc, first_finder, &name, 0), 0);
	assert_int_equal(pii_scanner_add_extra(sc, first_finder, &heading, 0), 0);
	assert_int_equal(pii_scanner_add_extra(sc, first_finder, &year, 0), 0);
	assert_int_equal(enclave_pii_state_new(&ss, sc), 0);
	assert_int_equal(enclave_pii_scan(&s, sc, ss, text, strlen(text)), 0);
	for (size_t i = 0; i < s.n; i++) {
		if (strcmp(s.v[i].source, "rule:span_repeat"))
			continue;
		/* The whole string again at a line start (where name_repeat does not
		 * look), with its label and score; not inside a longer word, not a
		 * bare year. */
		if (s.v[i].start == at_line) {
			assert_int_equal(s.v[i].end, at_line + 15);
			assert_int_equal(s.v[i].label, ENCLAVE_PII_PERSON);
		} else {
			assert_int_equal(s.v[i].start, billing);
			assert_int_equal(s.v[i].end, billing + 15);
			assert_int_equal(s.v[i].label, ENCLAVE_PII_ORGANIZATION);
		}
		assert_true(s.v[i].score == 0.7f);
		found++;
	}
	assert_int_equal(found, 2);
	enclave_pii_spans_free(&s);
	enclave_pii_state_free(ss);
	enclave_pii_scanner_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validators_checksums),
		cmocka_unit_test(validators_ranges),
		cmocka_unit_test(contact),
		cmocka_unit_test(phones),
		cmocka_unit_test(national_ids),
		cmocka_unit_test(financial),
		cmocka_unit_test(network),
		cmocka_unit_test(dates),
		cmocka_unit_test(dates_context),
		cmocka_unit_test(ages),
		cmocka_unit_test(places),
		cmocka_unit_test(address_shapes),
		cmocka_unit_test(vehicles_wallets_secrets),
		cmocka_unit_test(sources_and_sorting),
		cmocka_unit_test(presets_and_labels),
		cmocka_unit_test(code_points),
		cmocka_unit_test(spans_repeat),
		cmocka_unit_test(invalid_utf8),
		cmocka_unit_test(stream_seams),
		cmocka_unit_test(json_lines),
		cmocka_unit_test(extra_recognisers),
		cmocka_unit_test(names_repeat),
		cmocka_unit_test(resolve_overlaps),
		cmocka_unit_test(resolve_keeps_coverage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
