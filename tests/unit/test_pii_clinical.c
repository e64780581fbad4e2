/*
 * Unit tests of the clinical PHI recogniser (src/lib/clean/pii/clinical.c):
 * names after titles, relations, credentials and initials, the stop lists
 * that keep clinical abbreviations out ("MS: ALERT", "DR AWARE"), the
 * gazetteer hook (a small list here; the NER model's in the scanner),
 * facilities, wards and places, pagers, ages over 89, propagation of a found
 * name, byte offsets past non-ASCII text, and texts longer than one window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <enclave.h>
#include "clean/pii/clinical_int.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* A tiny gazetteer: a few first names, surnames and places. */
static int has(const void *payload, enum pii_clinical_gaz kind, const char *word, size_t len)
{
	static const char *const first[] = { "helen", "rob", "john", "wenonah", NULL };
	static const char *const sur[] = { "page", "green", "smith", NULL };
	static const char *const city[] = { "baltimore", "rome", NULL };
	static const char *const state[] = { "maryland", NULL };
	const char *const *list = kind == PII_CLINICAL_GAZ_FIRST_NAME ? first
	                          : kind == PII_CLINICAL_GAZ_SURNAME  ? sur
	                          : kind == PII_CLINICAL_GAZ_CITY     ? city
	                                                              : state;
	(void)payload;
	for (; *list; list++)
		if (strlen(*list) == len && strncasecmp(*list, word, len) == 0)
			return 1;
	return 0;
}

static const struct pii_clinical_ctx with_gaz = { has, NULL };

/* Scan `text` with `ctx`; return the spans, resolved (owned by the caller). */
static struct enclave_pii_spans scan_ctx(const struct pii_clinical_ctx *ctx, const char *text)
{
	struct enclave_pii_spans out = { 0 };
	assert_int_equal(pii_clinical_scan(ctx, text, strlen(text), &out), 0);
	assert_int_equal(enclave_pii_spans_resolve(&out), 0);
	return out;
}

/*
 * Assert that `text` yields exactly the spans `want` ("LABEL:surface" each,
 * NULL-terminated, in text order).
 */
static void expect(const struct pii_clinical_ctx *ctx, const char *text, const char *const *want)
{
	struct enclave_pii_spans out = scan_ctx(ctx, text);
	size_t n = 0;
	while (want[n])
		n++;
	for (size_t i = 0; i < out.n; i++)
		print_message("  got %s:%.*s\n", enclave_pii_label_name(out.v[i].label),
		              (int)(out.v[i].end - out.v[i].start), text + out.v[i].start);
	assert_int_equal(out.n, n);
	for (size_t i = 0; i < n; i++) {
		char got[128];
		snprintf(got, sizeof(got), "%s:%.*s", enclave_pii_label_name(out.v[i].label),
		         (int)(out.v[i].end - out.v[i].start), text + out.v[i].start);
		assert_string_equal(got, want[i]);
		assert_true(out.v[i].score > 0.0f && out.v[i].score <= 1.0f);
		assert_non_null(out.v[i].source);
		assert_memory_equal(out.v[i].source, "rule:clinical_", 14);
	}
	enclave_pii_spans_free(&out);
}

#define EXPECT(ctx, text, ...) expect(ctx, text, (const char *const[]){ __VA_ARGS__, NULL })
#define EXPECT_NONE(ctx, text) expect(ctx, text, (const char *const[]){ NULL })

/* ------------------------------------------------------------------ */
/* Tests                                                              */
/* ------------------------------------------------------------------ */

static void test_lists_sorted(void **state)
{
	(void)state;
	assert_int_equal(pii_clinical_check_lists(), 0);
}

static void test_titles(void **state)
{
	(void)state;
	EXPECT(NULL, "CK DRAWN AT 1515. DR JONES AWARE.", "PERSON:JONES");
	EXPECT(NULL, "pt of dr. john treadwell.\nallergies: nka", "PERSON:john treadwell");
	EXPECT(NULL, "Dr. Halversen and Quibbet aware.", "PERSON:Halversen", "PERSON:Quibbet");
	EXPECT(NULL, "plan per Dr. Hasselby-moore today", "PERSON:Hasselby-moore");
	EXPECT(NULL, "Mr. Quenby was admitted", "PERSON:Quenby");
	/* Strong stop words and clinical abbreviations that look like titles. */
	EXPECT_NONE(NULL, "DR AWARE OF LABS");
	EXPECT_NONE(NULL, "MS: ALERT, ORIENTED X3");
	EXPECT_NONE(NULL, "MS/NEURO- SEE FLOWSHEET");
	EXPECT_NONE(NULL, "MS NEURO STATUS UNCHANGED");
	EXPECT_NONE(NULL, "echo: mild mr, AI, EF 45%");
	/* A title does not reach over a line break. */
	EXPECT_NONE(NULL, "SEEN BY DR\nTODAY");
}

static void test_relations(void **state)
{
	(void)state;
	EXPECT(NULL, "his wife, Edda Thornbury (318/507/2246) confirms", "PERSON:Edda Thornbury");
	EXPECT(NULL, "daughter is mrs. ottilie varnum, tel", "PERSON:ottilie varnum");
	EXPECT(NULL, "SPOKE TO DAUGHTER GWENLLIAN BY PHONE", "PERSON:GWENLLIAN");
	/* Common words after a relation are no names... */
	EXPECT_NONE(NULL, "WIFE IN TO VISIT. SON AWARE. daughter is driving up at 7pm");
	EXPECT_NONE(NULL, "WIFE STAYED WITH PT. SON NEWLY GRADUATED");
	/* ...unless the gazetteer knows the name: ROB is also a verb. */
	EXPECT(&with_gaz, "LIVES ALONE. SON ROB VISITED", "PERSON:ROB");
	EXPECT(NULL, "LIVES ALONE. SON ROB VISITED", "PERSON:ROB");
	/* A name before its relation in brackets; "daughter's name is X"; lists. */
	EXPECT(NULL, "CALLED Dorinda Kestrel (daughter) AT HOME", "PERSON:Dorinda Kestrel");
	EXPECT(NULL, "pt's daughter's name is Velda, she", "PERSON:Velda");
	EXPECT(NULL, "SOCIAL: NIECES WILHELMINA AND ORSOLYA IN", "PERSON:WILHELMINA",
	       "PERSON:ORSOLYA");
	/* A misspelt word is no name: a letter left out or two swapped. */
	EXPECT_NONE(NULL, "SON PRSENT UNTIL NOON. Wife is proxy. Famliy is at bedside");
	/* Drugs by their stems are no names after "with" or "to" in cased notes. */
	EXPECT_NONE(NULL, "Pt paralysed with Vecuronium and given Ciprofloxacin. Sensitive to "
	                  "Nafcillin, treated with Flovent.");
}

static void test_credentials_and_initials(void **state)
{
	(void)state;
	EXPECT(NULL, "all is well.\n\nirene tolvar, rn\n", "PERSON:irene tolvar");
	EXPECT(NULL, "STABLE.\n ANTHONY C. PELWORTH, RRT\n", "PERSON:ANTHONY C. PELWORTH");
	EXPECT(NULL, "Social: Teodrik O'fennan MD met with son", "PERSON:Teodrik O'fennan");
	EXPECT(NULL, "LINE...BRAM OSTERVELD (RESIDENT) PLACING", "PERSON:BRAM OSTERVELD");
	EXPECT(NULL, "PTT TODAY 88.1. G. CARVER AWARE.", "PERSON:G. CARVER");
	/* A dictionary word after an initial only before a word of telling. */
	EXPECT(NULL, "K 3.1. T. BAKER NOTIFIED.", "PERSON:T. BAKER");
	EXPECT_NONE(NULL, "IV: L. WRIST PIV.\nS. STAYS ASLEEP. belly firm, b. sounds x4");
	/* A dictionary word before a credential at the end of a line. */
	EXPECT(NULL, "resting.\n\nmary hunter, rn\n", "PERSON:mary hunter");
	/* One uncommon word before a credential in mid-sentence is not enough. */
	EXPECT_NONE(NULL, "SKIN: Ostomy RN seeing for L heel");
	/* Nor an "initial" that ends an abbreviation. */
	EXPECT_NONE(NULL, "HR LOW 50'S. SLEPT SOUNDLY; U/O. Suggest ABG");
}

static void test_intro_and_gazetteer(void **state)
{
	(void)state;
	EXPECT(NULL, "dagny whitlow is a 73 yr old female", "PERSON:dagny whitlow");
	EXPECT(&with_gaz, "Drowsy early, but once Wenonah woke she drank", "PERSON:Wenonah");
	EXPECT_NONE(NULL, "Drowsy early, but once Wenonah woke she drank");
	/* A surname that is a common word is not taken after "to" in an upper-case note. */
	EXPECT_NONE(&with_gaz, "please refer to page 2. SECRETIONS TO GREEN");
}

static void test_propagation(void **state)
{
	(void)state;
	EXPECT(NULL, "SICU team has spoken with Tavis Orlund today. For now, Tavis hopes to visit.",
	       "PERSON:Tavis Orlund", "PERSON:Tavis");
}

static void test_facilities(void **state)
{
	(void)state;
	EXPECT(NULL, "CAME IN TRANSFER FROM BRIXLEY HOSPITAL FOR SYNCOPE", "LOCATION:BRIXLEY");
	EXPECT(NULL, "REFERRED TO GH. PT ARRIVED", "LOCATION:GH");
	EXPECT(NULL, "PT TRANSFERRED FROM QRMC HOSPITAL", "LOCATION:QRMC");
	EXPECT(NULL, "went to HOLY CROSS with fever", "LOCATION:HOLY CROSS");
	EXPECT(NULL, "SENT FROM UNIVERSITY OF KS MEDICAL CENTER", "LOCATION:UNIVERSITY OF KS");
	EXPECT(NULL, "SEEN BY DUNMORROW REHAB AND PELLIGREW. ", "LOCATION:DUNMORROW",
	       "LOCATION:PELLIGREW");
	EXPECT(NULL, "She lives at Bramblecote Assisted living, 24 hr care",
	       "LOCATION:Bramblecote");
	EXPECT_NONE(NULL, "TRANSFERRED FROM OUTSIDE HOSPITAL; STATE HOSPITAL BED");
	/* "X Memorial" without a facility word; a named "Bay"/"Harbor" hospital. */
	EXPECT(NULL, "ADMITTED TO KENTWELL MEMORIAL FOR SYNCOPE", "LOCATION:KENTWELL MEMORIAL");
	EXPECT(NULL, "She went to Harbor Hosp with chest pain", "LOCATION:Harbor");
	EXPECT_NONE(NULL, "SENT TO COMMUNITY HOSPITAL");
	EXPECT(NULL, "ADMITTED FROM ASHGROVE NURSING CENTER. WAS AT LINDELL MANOR",
	       "LOCATION:ASHGROVE", "LOCATION:LINDELL");
}

static void test_places(void **state)
{
	(void)state;
	EXPECT(NULL, "TRANSFERRED BACK TO FENWORTH 6 AFTER PROCEDURE", "LOCATION:FENWORTH");
	EXPECT_NONE(NULL, "finished about 40% of supper. PLACED ON NIMBEX 0.25 MG");
	EXPECT(NULL, "HER COUSIN IS LIVING IN VELMORA.", "LOCATION:VELMORA");
	EXPECT(&with_gaz, "DAUGHTER FROM ROME CALLED", "LOCATION:ROME");
	EXPECT_NONE(NULL, "DAUGHTER FROM ROME CALLED");
	EXPECT_NONE(&with_gaz, "MAGNESIUM SENT FROM PHARMACY; EDEMA IN SCROTUM");
	/* In a cased note a long capitalised word no list knows, after "from"/"in". */
	EXPECT(NULL, "Social: Son from Glenwoodbury called. Has a shop in Marlowtown.",
	       "LOCATION:Glenwoodbury", "LOCATION:Marlowtown");
	/* After a verb of moving and from/to, any uncommon word; not a unit's acronym. */
	EXPECT(NULL, "PT TRANSFERRED FROM KELWORTH TODAY. DAUGHTER FLYING IN FROM OSTERFIELD",
	       "LOCATION:KELWORTH", "LOCATION:OSTERFIELD");
	EXPECT_NONE(NULL, "TRANSFERRED TO MICU. Sent to CTSI for scan. SENT FROM ER");
	/* Two-word places: a prefix or a suffix word; "lives in the X area"; counties. */
	EXPECT(NULL, "DAUGHTER LIVES IN NEW DORVALE, SON RESIDES IN TARNBY HEIGHTS",
	       "LOCATION:NEW DORVALE", "LOCATION:TARNBY HEIGHTS");
	EXPECT(NULL, "she lives in the Quillmoor area", "LOCATION:Quillmoor");
	EXPECT(NULL, "Brennock County police are here", "LOCATION:Brennock");
	EXPECT_NONE(NULL, "LIVES IN THE AREA; TRANSFERRED TO THE UNIT");
	/* Not in one-case notes, nor a misspelt word. */
	EXPECT_NONE(NULL, "SON FROM GLENWOODBURY CALLED. FOLEY IN PALCE");
	EXPECT_NONE(NULL, "Covered in Brusies. Calmer in Afteroon");
	/* "To receive 50mg" has no ward: a floor number is no dose. */
	EXPECT_NONE(NULL, "per team. To recieve 20mg at noon");
}

static void test_numbers(void **state)
{
	(void)state;
	EXPECT(NULL, "P: F/U 7/24\nPager #12345\nTime Frame: 4:30", "PHONE_NUMBER:12345");
	EXPECT(NULL, "MOBILITY AS ABLE\nPG 23456\n", "PHONE_NUMBER:23456");
	EXPECT_NONE(NULL, "LASIX 40 X 2; page 2 of 3; x 10/2");
	EXPECT(NULL, "92 YO MALE WITH CHF", "AGE:92");
	EXPECT(NULL, "a 95 y/o woman; age 91", "AGE:95", "AGE:91");
	EXPECT_NONE(NULL, "85 YO MALE; HR 92 YESTERDAY; 130 YO");
}

static void test_offsets_after_utf8(void **state)
{
	(void)state;
	const char *text = "Café noté: Dr. Müller-Lüdenscheidt aware.";
	struct enclave_pii_spans out = scan_ctx(NULL, text);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.v[0].label, ENCLAVE_PII_PERSON);
	assert_int_equal(out.v[0].start, (size_t)(strstr(text, "Müller") - text));
	assert_int_equal(out.v[0].end, (size_t)(strstr(text, " aware") - text));
	enclave_pii_spans_free(&out);
}

static void test_empty_and_odd_input(void **state)
{
	(void)state;
	struct enclave_pii_spans out = { 0 };
	assert_int_equal(pii_clinical_scan(NULL, "", 0, &out), 0);
	assert_int_equal(out.n, 0);
	/* NUL bytes and stray UTF-8 continuation bytes are just text. */
	static const char odd[] = "DR\0KLEIN \x80\x80 DR \xff\xfe SMITH aware";
	assert_int_equal(pii_clinical_scan(NULL, odd, sizeof(odd) - 1, &out), 0);
	for (size_t i = 0; i < out.n; i++)
		assert_true(out.v[i].start < out.v[i].end && out.v[i].end <= sizeof(odd) - 1);
	enclave_pii_spans_free(&out);
	/* A name cue at the very end of the text. */
	EXPECT_NONE(NULL, "SPOKE WITH DR");
}

/* A text of several windows: every occurrence is found, at its own offset. */
static void test_long_text(void **state)
{
	(void)state;
	static const char line[] = "HR 80S. DR KLEIN AWARE OF K 3.2, REPLETED.\n";
	size_t n = 20000, ll = sizeof(line) - 1;
	char *text = malloc(n * ll + 1);
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * ll, line, ll);
	text[n * ll] = '\0';
	struct enclave_pii_spans out = { 0 };
	assert_int_equal(pii_clinical_scan(NULL, text, n * ll, &out), 0);
	assert_int_equal(out.n, n);
	for (size_t i = 0; i < out.n; i++) {
		assert_int_equal(out.v[i].end - out.v[i].start, 5);
		assert_memory_equal(text + out.v[i].start, "KLEIN", 5);
	}
	enclave_pii_spans_free(&out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_sorted),
		cmocka_unit_test(test_titles),
		cmocka_unit_test(test_relations),
		cmocka_unit_test(test_credentials_and_initials),
		cmocka_unit_test(test_intro_and_gazetteer),
		cmocka_unit_test(test_propagation),
		cmocka_unit_test(test_facilities),
		cmocka_unit_test(test_places),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_offsets_after_utf8),
		cmocka_unit_test(test_empty_and_odd_input),
		cmocka_unit_test(test_long_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
