/*
 * The clinical PHI recogniser: names, facilities, places, pagers and ages
 * over 89 in clinical notes, found from the words around them.
 *
 * Nursing notes are upper case or lower case as often as mixed, so
 * capitals say little; what marks a name is its neighbourhood: a title
 * ("DR KLEIN", "Mrs. Burns"), a relation or a role ("wife HELEN",
 * "IV NURSE MARISKA VOLLAND"), a credential after it ("irene tolvar, rn"),
 * a verb of contact ("spoke with Tavis"). A candidate word must not be a
 * common word: the strong stop list (function words, the verbs that follow
 * a name in a note: "DR AWARE", "wife IN") is never a name; the common
 * lists (clinical_common.c: about 63,000 English words from Debian's
 * wamerican, less those that are names as often, and 600 clinical
 * abbreviations and drugs written by us), words ending like English or
 * like a drug's stem, and common words misspelt by a letter ("presnt") are
 * names only where a gazetteer or a strong cue says so. A name found once
 * marks the same word anywhere else in the window ("Tavis ... Tavis").
 *
 * Places: words before a facility word ("BRIXLEY HOSPITAL", "DUNMORROW
 * REHAB": the facility word itself is not part of the span, as in the deid
 * gold standard), "university of X", facility acronyms (GH, MGH, *MC), a
 * ward with its floor after to/from/on ("TO FENWORTH 6"), and places
 * after "lives in", "from" and the like (the city gazetteer, any uncommon
 * word after the strongest cues, a long capitalised one in cased notes).
 * Numbers: 4-5 digit pagers and extensions after pager/beeper/pg/ext/x,
 * and ages of 90 and more ("92 yo", "age 95"), which HIPAA Safe Harbor
 * counts as identifiers.
 *
 * The text is read in windows of WINDOW_BYTES cut at white space, so memory
 * stays bounded whatever the input; a window's tokens are words (ASCII
 * letters and any non-ASCII byte, with inner apostrophes as in O'Connell)
 * and digit runs, split where letters meet digits.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common_int.h"
#include "clinical_int.h"

#define WINDOW_BYTES ((size_t)256 << 10) /* text scanned at a time */
#define WORD_MAX 32                      /* longer words are never looked up */
#define NAME_MAX_WORDS 4                 /* words in one name or place */

/* ---------------------------------------------------------------- word lists */

/* Never a name or a place: function words and what follows a name in a note. */
static const char *const strong_stop[] = {
	"a",         "about",     "above",
	"across",    "after",     "again",
	"ago",       "all",       "also",
	"am",        "an",        "and",
	"any",       "apt",       "are",
	"around",    "arrived",   "as",
	"ask",       "asked",     "at",
	"attending", "aunts",     "avenue",
	"aware",     "be",        "been",
	"before",    "being",     "both",
	"but",       "by",        "call",
	"called",    "came",      "can",
	"cannot",    "children",  "come",
	"comes",     "consult",   "consulted",
	"corp",      "could",     "cousins",
	"covering",  "did",       "do",
	"does",      "done",      "down",
	"dr",        "each",      "ed",
	"er",        "every",     "explained",
	"family",    "feel",      "feels",
	"felt",      "few",       "floor",
	"for",       "friends",   "from",
	"gave",      "given",     "grandchildren",
	"had",       "has",       "have",
	"he",        "her",       "here",
	"him",       "his",       "how",
	"i",         "icu",       "if",
	"in",        "inc",       "informed",
	"into",      "is",        "it",
	"its",       "just",      "kids",
	"least",     "llc",       "ltd",
	"made",      "many",      "may",
	"md",        "me",        "med",
	"meds",      "met",       "micu",
	"more",      "most",      "mr",
	"mrs",       "ms",        "much",
	"my",        "newly",     "no",
	"nor",       "not",       "note",
	"notes",     "notified",  "now",
	"of",        "off",       "office",
	"ok",        "okay",      "on",
	"once",      "only",      "or",
	"order",     "ordered",   "orders",
	"other",     "our",       "out",
	"over",      "page",      "paged",
	"parents",   "patient",   "per",
	"phone",     "plan",      "plans",
	"present",   "pt",        "pts",
	"re",        "regarding", "resident",
	"rn",        "road",      "said",
	"same",      "saw",       "says",
	"see",       "seen",      "several",
	"she",       "should",    "sicu",
	"so",        "some",      "spent",
	"spoke",     "spoken",    "staff",
	"stated",    "states",    "stayed",
	"still",     "street",    "such",
	"suite",     "talked",    "team",
	"than",      "that",      "the",
	"their",     "them",      "then",
	"there",     "these",     "they",
	"this",      "those",     "through",
	"to",        "today",     "too",
	"tv",        "uncles",    "under",
	"unit",      "until",     "up",
	"updated",   "upon",      "very",
	"via",       "visited",   "want",
	"wanted",    "wants",     "was",
	"we",        "well",      "were",
	"what",      "when",      "where",
	"which",     "while",     "who",
	"whom",      "why",       "will",
	"wishes",    "with",      "would",
	"you",       "your",
};

/* Titles: the next word is a name unless it is a strong stop word. */
static const char *const titles[] = {
	"doctor", "dr",   "drs",       "miss",  "mister", "mr",       "mrs",
	"ms",     "prof", "professor", "rabbi", "rev",    "reverend",
};

/* Relations and roles: the next word is a name unless it is a common word. */
static const char *const relations[] = {
	"aunt",
	"aunts",
	"boyfriend",
	"brother",
	"brothers",
	"caregiver",
	"chaplain",
	"companion",
	"cousin",
	"cousins",
	"dad",
	"dau",
	"daughter",
	"daughters",
	"dtr",
	"father",
	"fiance",
	"fiancee",
	"friend",
	"friends",
	"girlfriend",
	"godfather",
	"godmother",
	"grandchildren",
	"granddaughter",
	"granddaughters",
	"grandfather",
	"grandmother",
	"grandson",
	"grandsons",
	"guardian",
	"hcp",
	"ho",
	"husband",
	"law",
	"mom",
	"mother",
	"named",
	"neice",
	"neighbor",
	"neighbour",
	"nephew",
	"nephews",
	"niece",
	"nieces",
	"nurse",
	"partner",
	"pastor",
	"pcp",
	"person",
	"poa",
	"priest",
	"proxy",
	"roommate",
	"sibling",
	"siblings",
	"sister",
	"sisters",
	"son",
	"sons",
	"spouse",
	"stepdaughter",
	"stepfather",
	"stepmother",
	"stepson",
	"uncle",
	"uncles",
	"visitor",
	"visitors",
	"wife",
};

/* Words that may stand between a relation and the name: "daughter is mrs. X". */
static const char *const relation_fillers[] = {
	"is", "miss", "mr", "mrs", "ms", "name", "named", "s",
};

/* Verbs of contact: the next word is a name if a gazetteer or its capital says so. */
static const char *const contacts[] = {
	"by",      "called", "contacted", "paged", "per",  "reach",
	"reached", "spoke",  "talked",    "to",    "with",
};

/* Credentials after a name: "irene tolvar, rn", "ANTHONY C. PELWORTH, RRT". */
static const char *const credentials[] = {
	"bsn", "ccrn", "cna", "crna", "licsw", "lpn", "md", "msw", "np", "pa", "rn", "rrt",
};

/* A facility word: the words before it name the facility. */
static const char *const facility_words[] = {
	"campus",    "clinic",    "healthcare", "hosp",  "hospice",        "hospital",
	"hospitals", "infirmary", "manor",      "rehab", "rehabilitation", "sanitarium",
};

/* Words that may be part of a facility's name though common ("Sacred Heart"). */
static const char *const facility_name_words[] = {
	"bay",   "city",      "community", "county", "cross", "general",    "good",     "harbor",
	"heart", "holy",      "memorial",  "mercy",  "mount", "mt",         "regional", "sacred",
	"saint", "samaritan", "sinai",     "st",     "state", "university", "valley",
};

/* Common words that precede a facility word without naming one. */
static const char *const facility_stop[] = {
	"another", "any",       "area", "local", "osh",  "other",    "outside", "previous",
	"psych",   "referring", "same", "their", "this", "transfer", "va",
};

/* Facility acronyms that are names on their own. */
static const char *const facility_acronyms[] = {
	"bidmc", "bwh", "gh", "jhh", "mgh", "nebh",
};

/* Cues before a place: "lives in ROME", "daughter from Rome". */
static const char *const place_cues[] = {
	"admitted", "born",      "discharged", "driving",  "drove",  "flew",     "flying",
	"from",     "home",      "in",         "lives",    "living", "moved",    "raised",
	"reside",   "resident",  "resides",    "returned", "sent",   "transfer", "transferred",
	"traveled", "travelled", "visiting",   "works",    "xfer",   "xferred",
};

/* The first word of a two-word place: "New Market", "Fort Howard", "Glen Burnie". */
static const char *const place_prefixes[] = {
	"east", "el",    "fort", "ft",    "glen", "lake",  "las",   "los", "lower", "mount", "mt",
	"new",  "north", "port", "saint", "san",  "santa", "south", "st",  "upper", "west",
};

/* The second word of a place: "Ellicott City", "Owings Mills", "Severna Park". */
static const char *const place_suffixes[] = {
	"beach", "city",   "county", "creek",    "falls",   "grove", "harbor",   "heights",
	"hill",  "hills",  "island", "junction", "mill",    "mills", "park",     "point",
	"ridge", "shores", "spring", "springs",  "station", "town",  "township", "village",
};

/* Cues before a pager or an extension number. */
static const char *const pager_cues[] = {
	"beep", "beeper", "bpr", "ext", "extension", "page", "pager", "pg", "pgr", "x",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Every word list, in one table: a word's lists are a bit mask (bit = index here). */
static const struct {
	const char *const *v;
	size_t n;
} lists[] = {
	{ strong_stop, COUNT(strong_stop) },
	{ titles, COUNT(titles) },
	{ relations, COUNT(relations) },
	{ relation_fillers, COUNT(relation_fillers) },
	{ contacts, COUNT(contacts) },
	{ credentials, COUNT(credentials) },
	{ facility_words, COUNT(facility_words) },
	{ facility_name_words, COUNT(facility_name_words) },
	{ facility_stop, COUNT(facility_stop) },
	{ facility_acronyms, COUNT(facility_acronyms) },
	{ place_cues, COUNT(place_cues) },
	{ pager_cues, COUNT(pager_cues) },
	{ place_prefixes, COUNT(place_prefixes) },
	{ place_suffixes, COUNT(place_suffixes) },
};

/*
 * The words of every list in one open-addressing hash table, built once:
 * a lookup is one hash and (mostly) one strcmp, where a binary search per
 * list took a dozen per list (the recogniser asks several lists per token).
 */
#define WORD_TABLE_SIZE 8192 /* a power of two, over twice the words in the lists */

static struct {
	const char *w;
	unsigned mask;
} word_table[WORD_TABLE_SIZE];
static pthread_once_t word_table_once = PTHREAD_ONCE_INIT;

static size_t word_hash(const char *w)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *w; w++)
		h = (h ^ (unsigned char)*w) * 16777619u;
	return h; /* the caller masks it to its table's size */
}

static void word_table_build(void)
{
	for (size_t l = 0; l < COUNT(lists); l++)
		for (size_t i = 0; i < lists[l].n; i++) {
			size_t h = word_hash(lists[l].v[i]) & (WORD_TABLE_SIZE - 1);
			while (word_table[h].w && strcmp(word_table[h].w, lists[l].v[i]) != 0)
				h = (h + 1) & (WORD_TABLE_SIZE - 1);
			word_table[h].w = lists[l].v[i];
			word_table[h].mask |= 1u << l;
		}
}

/*
 * The common words (clinical_common.c: about 63,000 of English and 600
 * clinical ones) in a table of their own: open addressing, at most half
 * full, entries 1 + an index into English then clinical. A common word's
 * mask has ENGLISH_BIT or MEDICAL_BIT, above the lists' bits.
 */
#define COMMON_TABLE_SIZE 131072 /* a power of two, over twice the common words */
#define ENGLISH_BIT (1u << COUNT(lists))
#define MEDICAL_BIT (1u << (COUNT(lists) + 1))
#define COMMON_BIT (ENGLISH_BIT | MEDICAL_BIT)

static uint32_t common_table[COMMON_TABLE_SIZE];
static uint16_t common_tag[COMMON_TABLE_SIZE]; /* the hash's high bits: most misses skip strcmp */
static pthread_once_t common_table_once = PTHREAD_ONCE_INIT;

/* Common word number i: English first, then clinical. */
static const char *common_word(size_t i)
{
	return i < pii_clinical_nenglish ? pii_clinical_english[i]
	                                 : pii_clinical_medical[i - pii_clinical_nenglish];
}

static void common_table_build(void)
{
	size_t n = pii_clinical_nenglish + pii_clinical_nmedical;
	for (size_t i = 0; i < n && i * 2 < COMMON_TABLE_SIZE; i++) {
		size_t full = word_hash(common_word(i)), h = full & (COMMON_TABLE_SIZE - 1);
		while (common_table[h])
			h = (h + 1) & (COMMON_TABLE_SIZE - 1);
		common_table[h] = (uint32_t)i + 1;
		common_tag[h] = (uint16_t)(full >> 16);
	}
}

/* ENGLISH_BIT, MEDICAL_BIT or 0: the common list the lower-case word `w` is in. */
static unsigned common_bit(const char *w)
{
	size_t full = word_hash(w);
	uint16_t tag = (uint16_t)(full >> 16);

	pthread_once(&common_table_once, common_table_build);
	for (size_t h = full & (COMMON_TABLE_SIZE - 1); common_table[h];
	     h = (h + 1) & (COMMON_TABLE_SIZE - 1))
		if (common_tag[h] == tag && strcmp(common_word(common_table[h] - 1), w) == 0)
			return common_table[h] - 1 < pii_clinical_nenglish ? ENGLISH_BIT
			                                                   : MEDICAL_BIT;
	return 0;
}

/* The lists (bit mask) the NUL-terminated lower-case word `w` is in. */
static unsigned word_lists(const char *w)
{
	size_t h;
	unsigned mask;

	if (!w[0])
		return 0;
	pthread_once(&word_table_once, word_table_build);
	mask = common_bit(w);
	for (h = word_hash(w) & (WORD_TABLE_SIZE - 1); word_table[h].w;
	     h = (h + 1) & (WORD_TABLE_SIZE - 1))
		if (strcmp(word_table[h].w, w) == 0)
			return word_table[h].mask | mask;
	return mask;
}

/* The bit of `list` (one of the lists above) in word_lists' masks. */
static unsigned list_bit(const char *const *list)
{
	for (size_t l = 0; l < COUNT(lists); l++)
		if (lists[l].v == list)
			return 1u << l;
	return 0;
}

/* Is token `t`'s word in `list`? (Its lists were looked up once, when it was read.) */
#define IN(list, t) (((t)->lists & list_bit(list)) != 0)

int pii_clinical_check_lists(void)
{
	size_t total = 0;

	for (size_t l = 0; l < COUNT(lists); l++) {
		total += lists[l].n;
		for (size_t i = 0; i < lists[l].n; i++) {
			const char *w = lists[l].v[i];
			if (strlen(w) >= WORD_MAX || (i > 0 && strcmp(lists[l].v[i - 1], w) >= 0))
				return (int)l + 1;
			for (const char *c = w; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					return (int)l + 1;
		}
	}
	for (size_t i = 0; i < pii_clinical_nenglish + pii_clinical_nmedical; i++) {
		const char *w = common_word(i);
		if (strlen(w) >= WORD_MAX ||
		    (i > 0 && i != pii_clinical_nenglish && strcmp(common_word(i - 1), w) >= 0))
			return (int)COUNT(lists) + 1;
		for (const char *c = w; *c; c++)
			if (*c < 'a' || *c > 'z')
				return (int)COUNT(lists) + 1;
	}
	/* The hash tables must stay at most half full. */
	if (total * 2 > WORD_TABLE_SIZE ||
	    (pii_clinical_nenglish + pii_clinical_nmedical) * 2 > COMMON_TABLE_SIZE)
		return (int)COUNT(lists) + 2;
	return 0;
}

/* ---------------------------------------------------------------- tokens */

enum {
	T_ALPHA = 1,   /* letters (and inner apostrophes) */
	T_NUM = 2,     /* ASCII digits */
	T_UPPER = 4,   /* every letter upper case */
	T_CAP = 8,     /* first letter upper case, the second lower case (or ') */
	T_INITIAL = 16 /* one letter then '.' */
};

struct tok {
	size_t start, end; /* byte offsets into the text */
	unsigned flags;    /* T_* */
	char w[WORD_MAX];  /* lower case, NUL-terminated; "" when longer */
	unsigned lists;    /* the word lists w is in (word_lists) */
};

/* What a token was found to be. */
struct mark {
	int label; /* enum enclave_pii_label, -1 for none */
	float score;
	const char *source;
};

struct scan {
	const struct pii_clinical_ctx *ctx;
	const char *text; /* the whole text; offsets are into it */
	size_t len;       /* its length in bytes */
	struct tok *t;    /* the window's tokens */
	struct mark *m;   /* one per token */
	size_t n, cap;
	int cased; /* the window mixes cases, so capitals mean something */
	struct enclave_pii_spans *out;
};

static const char SRC_NAME[] = "rule:clinical_name";
static const char SRC_FACILITY[] = "rule:clinical_facility";
static const char SRC_PLACE[] = "rule:clinical_place";
static const char SRC_PAGER[] = "rule:clinical_pager";
static const char SRC_AGE[] = "rule:clinical_age";

static int is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Split [from, to) of s->text into tokens (replacing the window's), and
 * decide whether the window is cased. Returns 0 or ENCLAVE_ENOMEM.
 */
static int tokenize(struct scan *s, size_t from, size_t to)
{
	const unsigned char *p = (const unsigned char *)s->text;
	size_t lower = 0, upper = 0;

	s->n = 0;
	for (size_t i = from; i < to;) {
		if (!is_letter(p[i]) && !is_digit(p[i])) {
			i++;
			continue;
		}
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			struct tok *t = realloc(s->t, cap * sizeof(*t));
			if (!t)
				return error_oom();
			s->t = t;
			struct mark *m = realloc(s->m, cap * sizeof(*m));
			if (!m)
				return error_oom();
			s->m = m;
			s->cap = cap;
		}
		struct tok *t = &s->t[s->n++];
		size_t j = i;
		unsigned lo = 0, up = 0, first_up = p[i] >= 'A' && p[i] <= 'Z';
		if (is_digit(p[i])) {
			while (j < to && is_digit(p[j]))
				j++;
			t->flags = T_NUM;
		} else {
			for (;;) {
				while (j < to && is_letter(p[j])) {
					lo += p[j] >= 'a' && p[j] <= 'z';
					up += p[j] >= 'A' && p[j] <= 'Z';
					j++;
				}
				/* An inner apostrophe before two letters: O'Connell, not pt's. */
				if (j + 2 < to && p[j] == '\'' && is_letter(p[j + 1]) &&
				    is_letter(p[j + 2]))
					j++;
				else
					break;
			}
			t->flags = T_ALPHA;
			if (up && !lo)
				t->flags |= T_UPPER;
			else if (first_up && lo && j - i > 1 &&
			         ((p[i + 1] >= 'a' && p[i + 1] <= 'z') || p[i + 1] == '\''))
				t->flags |= T_CAP;
			if (j - i == 1 && j < to && p[j] == '.')
				t->flags |= T_INITIAL;
			lower += lo;
			upper += up;
		}
		t->start = i;
		t->end = j;
		t->w[0] = '\0';
		if (j - i < WORD_MAX) {
			for (size_t k = i; k < j; k++)
				t->w[k - i] = (char)(p[k] >= 'A' && p[k] <= 'Z' ? p[k] + 32 : p[k]);
			t->w[j - i] = '\0';
		}
		t->lists = word_lists(t->w);
		s->m[s->n - 1].label = -1;
		i = j;
	}
	s->cased = lower * 5 > lower + upper && upper * 50 > lower + upper;
	return 0;
}

static int is(const struct scan *s, size_t i, const char *w)
{
	/* The first byte first: most tokens differ there, and this is asked often. */
	return i < s->n && s->t[i].w[0] == w[0] && strcmp(s->t[i].w, w) == 0;
}

/* Is the text between tokens a and b (a < b) made only of bytes in `allowed`? */
static int gap_only(const struct scan *s, size_t a, size_t b, const char *allowed)
{
	for (size_t k = s->t[a].end; k < s->t[b].start; k++)
		if (!strchr(allowed, s->text[k]))
			return 0;
	return 1;
}

/* Does the text between tokens a and b contain byte c? */
static int gap_has(const struct scan *s, size_t a, size_t b, char c)
{
	return memchr(s->text + s->t[a].end, c, s->t[b].start - s->t[a].end) != NULL;
}

static int gaz(const struct scan *s, size_t i, enum pii_clinical_gaz kind)
{
	const struct tok *t = &s->t[i];
	return s->ctx && s->ctx->has && (t->flags & T_ALPHA) &&
	       s->ctx->has(s->ctx->payload, kind, s->text + t->start, t->end - t->start);
}

static int gaz_name(const struct scan *s, size_t i)
{
	return gaz(s, i, PII_CLINICAL_GAZ_FIRST_NAME) || gaz(s, i, PII_CLINICAL_GAZ_SURNAME);
}

static int common(const struct scan *s, size_t i)
{
	return IN(strong_stop, &s->t[i]) || (s->t[i].lists & COMMON_BIT) || IN(titles, &s->t[i]) ||
	       IN(relations, &s->t[i]) || IN(credentials, &s->t[i]);
}

/*
 * Is the lower-case word `w` (5 letters or more, not itself common) an
 * English or clinical word with one letter left out or two letters swapped,
 * as hurried notes write them ("presnt", "famliy", "recieve", "palce")?
 * Names seldom are: a name one letter from a word is mostly that word.
 * The first letter stays where it is.
 */
static int misspelt(const char *w)
{
	char v[WORD_MAX];
	size_t n = strlen(w);

	if (n < 5 || n + 1 >= WORD_MAX)
		return 0;
	/* Two neighbouring letters swapped. */
	memcpy(v, w, n + 1);
	for (size_t k = 1; k + 1 < n; k++) {
		if (v[k] == v[k + 1])
			continue;
		char c = v[k];
		v[k] = v[k + 1];
		v[k + 1] = c;
		int hit = common_bit(v) != 0;
		v[k + 1] = v[k];
		v[k] = c;
		if (hit)
			return 1;
	}
	/*
	 * One letter left out inside the word: put each letter back at each
	 * inner place (not at the ends: "lorrie" is no misspelt "lorries").
	 */
	for (size_t k = 1; k < n; k++) {
		memcpy(v, w, k);
		memcpy(v + k + 1, w + k, n - k + 1);
		for (char c = 'a'; c <= 'z'; c++) {
			v[k] = c;
			if (common_bit(v))
				return 1;
		}
	}
	return 0;
}

/*
 * Is token i a dictionary word that may still be a surname where a strong
 * cue stands ("G. CARVER", "irene tolvar, rn", "Dr Lucie Lange"): English
 * only (no clinical word, no stop word), written capitalised in a cased
 * note or after an initial or before a credential?
 */
static int english_only(const struct scan *s, size_t i)
{
	const struct tok *t = &s->t[i];
	return (t->lists & ENGLISH_BIT) && !IN(strong_stop, t) && !IN(titles, t) &&
	       !IN(relations, t) && !IN(credentials, t);
}

/*
 * Does token i look like an English verb, adverb, noun or adjective by its
 * ending ("stayed", "flying", "newly", "sedation", "interventional"), or
 * like a drug by its stem ("oxacillin", "doxacurium", "metoprolol",
 * "flovent")? Such words are names only where a gazetteer says so. The
 * stems are the WHO's INN stems and common brand endings, not a list of
 * drugs: new drugs keep them.
 */
static int word_like(const struct scan *s, size_t i)
{
	static const char *const endings[] = {
		"ed",      "ing",    "ly",     "tion",   "ment",     "ness",    "ional",
		"cillin",  "mycin",  "micin",  "curium", "curonium", "azole",   "olol",
		"pril",    "sartan", "statin", "oxacin", "cycline",  "prazole", "tidine",
		"azepam",  "azolam", "parin",  "dipine", "setron",   "vent",    "derm",
		"dronate", "terol",  "sone",   "olone",  "ology",    "ologist", "triptan",
		"platin",  "tinib",  "mab",    "vir",    "afil",     "fungin",  "penem",
	};
	const char *w = s->t[i].w;
	size_t n = strlen(w);
	if (n < 5)
		return 0;
	for (size_t k = 0; k < COUNT(endings); k++) {
		size_t e = strlen(endings[k]);
		if (strcmp(w + n - e, endings[k]) == 0)
			return !gaz_name(s, i);
	}
	return 0;
}

/* Is token i a misspelt common word (misspelt) and no gazetteer name? */
static int typo(const struct scan *s, size_t i)
{
	return misspelt(s->t[i].w) && !gaz_name(s, i);
}

/* Does token i start a sentence (nothing before it, or a full stop, colon or line break)? */
static int sentence_start(const struct scan *s, size_t i)
{
	if (i == 0)
		return 1;
	for (size_t k = s->t[i - 1].end; k < s->t[i].start; k++)
		if (strchr(".:;!?\n", s->text[k]))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- names */

enum strength {
	AFTER_TITLE,    /* "Dr. X": anything but a strong stop word */
	AFTER_RELATION, /* "wife X": not a common word, unless a gazetteer name */
	AFTER_CONTACT   /* "spoke with X": a capitalised or gazetteer first name */
};

static void mark(struct scan *s, size_t i, int label, float score, const char *source)
{
	if (s->m[i].label < 0 || s->m[i].score < score) {
		s->m[i].label = label;
		s->m[i].score = score;
		s->m[i].source = source;
	}
}

/* Is token i written as a name is in this window: capitalised, if the window is cased? */
static int name_case(const struct scan *s, size_t i)
{
	return !s->cased || (s->t[i].flags & (T_UPPER | T_CAP));
}

/* Can token i be the first word of a name after a cue of strength `st`? */
static int name_first(const struct scan *s, size_t i, enum strength st)
{
	const struct tok *t = &s->t[i];
	if (!(t->flags & T_ALPHA) || !t->w[0] || IN(strong_stop, t))
		return 0;
	if (t->flags & T_INITIAL)
		return st != AFTER_CONTACT && name_case(s, i);
	if (t->end - t->start < 2)
		return 0;
	switch (st) {
	case AFTER_TITLE: return 1;
	case AFTER_RELATION:
		return name_case(s, i) && ((!common(s, i) && !word_like(s, i) && !typo(s, i)) ||
		                           gaz(s, i, PII_CLINICAL_GAZ_FIRST_NAME));
	case AFTER_CONTACT:
		if (common(s, i) || word_like(s, i) || typo(s, i))
			return 0;
		/* In Title Case text ("Supposed To Hate") a capital says nothing. */
		if (s->cased)
			return (t->flags & T_CAP) && !(s->t[i - 1].flags & (T_CAP | T_UPPER));
		return gaz(s, i, PII_CLINICAL_GAZ_FIRST_NAME);
	}
	return 0;
}

/* Can token i continue the name that ends at token i-1? */
static int name_next(const struct scan *s, size_t i)
{
	const struct tok *t = &s->t[i];
	const struct tok *prev = &s->t[i - 1];
	if (!(t->flags & T_ALPHA) || !t->w[0] || IN(strong_stop, t))
		return 0;
	if (gap_only(s, i - 1, i, "-"))
		return 1; /* Hasselby-moore */
	if (!gap_only(s, i - 1, i, (prev->flags & T_INITIAL) ? ". " : " "))
		return 0;
	if (!name_case(s, i))
		return 0;
	if (t->flags & T_INITIAL)
		return 1;
	return t->end - t->start >= 2 &&
	       ((!common(s, i) && !word_like(s, i)) || gaz(s, i, PII_CLINICAL_GAZ_SURNAME) ||
	        (s->cased && (t->flags & T_CAP) && english_only(s, i) && !word_like(s, i)));
}

/*
 * Mark the name starting at token i (after a cue of strength `st`) as
 * PERSON; with `and_more`, a second name after "and" too ("Drs Ballou and
 * Dutter"). Returns the number of tokens marked, 0 when token i is no name.
 */
static size_t take_name(struct scan *s, size_t i, enum strength st, float score, int and_more)
{
	if (i >= s->n || !name_first(s, i, st))
		return 0;
	size_t j = i + 1;
	while (j < s->n && j - i < NAME_MAX_WORDS && name_next(s, j))
		j++;
	/* A lone initial is no name ("DR. A" of a list). */
	if (j == i + 1 && (s->t[i].flags & T_INITIAL))
		return 0;
	for (size_t k = i; k < j; k++)
		mark(s, k, ENCLAVE_PII_PERSON, score, SRC_NAME);
	if (and_more && j + 1 < s->n && (is(s, j, "and") || is(s, j, "&")) &&
	    gap_only(s, j - 1, j, " ") && gap_only(s, j, j + 1, " "))
		j += 1 + take_name(s, j + 1, st == AFTER_TITLE ? AFTER_RELATION : st, score, 0);
	return j - i;
}

/*
 * Titles that are also clinical abbreviations: MS (mental status, multiple
 * sclerosis), MR (mitral regurgitation), miss. After them the name must be
 * uncommon, unless the title is written "Mr."/"Ms" in a cased note.
 */
static int weak_title(const struct scan *s, size_t i)
{
	if (!is(s, i, "ms") && !is(s, i, "mr") && !is(s, i, "miss"))
		return 0;
	if (gap_only(s, i, i + 1, ". ") && s->text[s->t[i].end] == '.')
		return 0;
	return !(s->cased && (s->t[i].flags & T_CAP));
}

/* Names after titles, relations, roles and verbs of contact. */
static void names_by_cue(struct scan *s)
{
	for (size_t i = 0; i + 1 < s->n; i++) {
		size_t next = i + 1;
		if (gap_has(s, i, next, '\n'))
			continue;
		if (IN(titles, &s->t[i])) {
			/* "MS: alert", "MS/NEURO", "mild mr, AI" are no titles. */
			if (!gap_only(s, i, next, ". '"))
				continue;
			take_name(s, next, weak_title(s, i) ? AFTER_RELATION : AFTER_TITLE, 0.85f,
			          1);
		} else if (IN(relations, &s->t[i])) {
			/* Skip fillers and punctuation: "daughter is mrs. ottilie varnum", "wife, Carol". */
			while (next < s->n && IN(relation_fillers, &s->t[next]) &&
			       !gap_has(s, next - 1, next, '\n'))
				next++;
			if (next < s->n && !gap_has(s, next - 1, next, '\n') &&
			    gap_only(s, next - 1, next, " ,(:-.'"))
				take_name(s, next, AFTER_RELATION, 0.7f, 1);
		} else if (IN(contacts, &s->t[i])) {
			if (is(s, next, "with") || is(s, next, "to"))
				next++;
			if (next < s->n && gap_only(s, next - 1, next, " ,"))
				take_name(s, next, AFTER_CONTACT, 0.6f, 1);
		}
	}
}

/*
 * Names before a credential or a role on the same line: "irene tolvar, rn",
 * "Teodrik O'fennan MD met", "BRAM OSTERVELD (RESIDENT)". A credential
 * with more words after it on its line needs two words of name, or a
 * gazetteer name ("Stoma RN following" is no name).
 */
static void names_by_credential(struct scan *s)
{
	for (size_t i = 1; i < s->n; i++) {
		int role = IN(credentials, &s->t[i]);
		/* "BRAM OSTERVELD (RESIDENT)", "Mary Smith (daughter)". */
		int paren_role =
		    !role &&
		    (is(s, i, "resident") || is(s, i, "attending") || is(s, i, "fellow") ||
		     is(s, i, "intern") || IN(relations, &s->t[i])) &&
		    gap_only(s, i - 1, i, " (") && s->text[s->t[i].start - 1] == '(';
		if (!role && !paren_role)
			continue;
		size_t j = i;
		int words = 0, known = 0;
		while (j > 0 && i - j < NAME_MAX_WORDS) {
			size_t k = j - 1;
			const struct tok *t = &s->t[k];
			const char *gap = j == i ? (paren_role ? " (" : " ,")
			                         : ((t->flags & T_INITIAL) ? ". " : " -");
			if (!gap_only(s, k, j, gap) || !(t->flags & T_ALPHA) || !t->w[0] ||
			    IN(strong_stop, t) || !name_case(s, k))
				break;
			if (!(t->flags & T_INITIAL)) {
				if (t->end - t->start < 2 ||
				    ((common(s, k) || word_like(s, k)) && !gaz_name(s, k) &&
				     !(english_only(s, k) && !word_like(s, k) && words == 0)))
					break;
				words++;
				known |= gaz_name(s, k);
			}
			j = k;
		}
		if (words == 0)
			continue;
		int last_on_line = i + 1 >= s->n || gap_has(s, i, i + 1, '\n');
		if (!last_on_line && !paren_role && words < 2 && !known)
			continue;
		for (size_t k = j; k < i; k++)
			mark(s, k, ENCLAVE_PII_PERSON, 0.75f, SRC_NAME);
	}
}

/* Does token i stand at the start of a line or after a space or an opening bracket? */
static int word_start(const struct scan *s, size_t i)
{
	size_t b = s->t[i].start;
	return b == 0 || strchr(" \t\n(", s->text[b - 1]) != NULL;
}

/* Does token i say that someone was told ("G. CARVER AWARE", "Z. MILLER NOTIFIED")? */
static int told(const struct scan *s, size_t i)
{
	return is(s, i, "aware") || is(s, i, "notified") || is(s, i, "informed") ||
	       is(s, i, "paged") || is(s, i, "updated") || is(s, i, "made");
}

/*
 * An initial and a surname: "G. CARVER AWARE", "Z. MILLER IN TO STRIP
 * TUBES". A dictionary word ("WELSH", "MILLER") only before a word of
 * telling: "R. WRIST", "S. REMAINS" are no names.
 */
static void names_by_initial(struct scan *s)
{
	for (size_t i = 0; i + 1 < s->n; i++) {
		if (!(s->t[i].flags & T_INITIAL) || !word_start(s, i) ||
		    !gap_has(s, i, i + 1, ' ') || !gap_only(s, i, i + 1, ". "))
			continue;
		const struct tok *t = &s->t[i + 1];
		if ((t->flags & T_ALPHA) && !(t->flags & T_INITIAL) && t->end - t->start >= 3 &&
		    (!common(s, i + 1) || (english_only(s, i + 1) && told(s, i + 2))) &&
		    !word_like(s, i + 1) && name_case(s, i) && name_case(s, i + 1)) {
			mark(s, i, ENCLAVE_PII_PERSON, 0.6f, SRC_NAME);
			mark(s, i + 1, ENCLAVE_PII_PERSON, 0.6f, SRC_NAME);
		}
	}
}

/*
 * The patient introduced at the start of a line: "dagny whitlow is a 73
 * yr old female", "Miss Harriet Ellingsworth is a 61 y.o.".
 */
static void names_by_intro(struct scan *s)
{
	for (size_t i = 1; i + 2 < s->n; i++) {
		if (!is(s, i, "is") || !(is(s, i + 1, "a") || is(s, i + 1, "an")) ||
		    !(s->t[i + 2].flags & T_NUM) || i + 3 >= s->n ||
		    !(is(s, i + 3, "yo") || is(s, i + 3, "y") || is(s, i + 3, "yr") ||
		      is(s, i + 3, "year") || is(s, i + 3, "yrs") || is(s, i + 3, "years")))
			continue;
		size_t j = i;
		while (j > 0 && i - j < 3) {
			size_t k = j - 1;
			const struct tok *t = &s->t[k];
			if (!gap_only(s, k, j, " ") || !(t->flags & T_ALPHA) ||
			    t->end - t->start < 2 || common(s, k) || word_like(s, k) ||
			    !name_case(s, k))
				break;
			j = k;
		}
		int line_start = j == 0 || gap_has(s, j - 1, j, '\n') || IN(titles, &s->t[j - 1]);
		if (j < i && line_start)
			for (size_t k = j; k < i; k++)
				mark(s, k, ENCLAVE_PII_PERSON, 0.7f, SRC_NAME);
	}
}

/* In a cased note, a capitalised gazetteer first name in a sentence: "once Natalie woke". */
static void names_by_gazetteer(struct scan *s)
{
	if (!s->cased)
		return;
	for (size_t i = 1; i < s->n; i++) {
		const struct tok *t = &s->t[i];
		if ((t->flags & T_CAP) && t->end - t->start >= 3 && !sentence_start(s, i) &&
		    !common(s, i) && gaz(s, i, PII_CLINICAL_GAZ_FIRST_NAME))
			mark(s, i, ENCLAVE_PII_PERSON, 0.5f, SRC_NAME);
	}
}

/*
 * A word marked as a name or a place (not common, three letters or more)
 * marks its other occurrences in the window: "Radu Crosson ... Radu".
 */
static int by_word(const void *a, const void *b)
{
	const struct tok *const *x = a, *const *y = b;
	return strcmp((*x)->w, (*y)->w);
}

/* By word, then by position in the text. */
static int by_word_pos(const void *a, const void *b)
{
	const struct tok *const *x = a, *const *y = b;
	int c = strcmp((*x)->w, (*y)->w);
	return c ? c : (*x < *y ? -1 : *x > *y);
}

static int propagate(struct scan *s)
{
	const struct tok **seeds = NULL;
	size_t nseeds = 0;

	/* The marked words, sorted, so each other token is one binary search. */
	for (size_t i = 0; i < s->n; i++) {
		const struct tok *t = &s->t[i];
		int label = s->m[i].label;
		if ((label != ENCLAVE_PII_PERSON && label != ENCLAVE_PII_LOCATION) || !t->w[0] ||
		    t->end - t->start < 3 || common(s, i) || word_like(s, i))
			continue;
		if (!seeds && !(seeds = malloc(s->n * sizeof(*seeds))))
			return error_oom();
		seeds[nseeds++] = t;
	}
	if (nseeds == 0)
		return 0;
	qsort(seeds, nseeds, sizeof(*seeds), by_word_pos);
	for (size_t k = 0; k < s->n; k++) {
		const struct tok *key = &s->t[k], **hit;
		if (s->m[k].label >= 0 || !key->w[0] || !name_case(s, k))
			continue;
		hit = bsearch(&key, seeds, nseeds, sizeof(*seeds), by_word);
		if (hit) {
			/* The first occurrence in the text decides the label. */
			while (hit > seeds && strcmp(hit[-1]->w, key->w) == 0)
				hit--;
			size_t i = (size_t)(*hit - s->t);
			mark(s, k, s->m[i].label, 0.55f, s->m[i].source);
		}
	}
	free(seeds);
	return 0;
}

/* ---------------------------------------------------------------- places */

/* Can token k be part of a facility's name? */
static int facility_part(const struct scan *s, size_t k)
{
	const struct tok *t = &s->t[k];
	if (!(t->flags & T_ALPHA) || !t->w[0] || IN(facility_stop, t) || !name_case(s, k))
		return 0;
	if (IN(facility_name_words, t))
		return 1;
	return t->end - t->start >= 2 && !IN(strong_stop, t) && !IN(facility_words, t) &&
	       ((!common(s, k) && !word_like(s, k)) || gaz(s, k, PII_CLINICAL_GAZ_CITY));
}

/*
 * Is token k a facility word that names no facility alone ("STATE
 * HOSPITAL", "COMMUNITY HOSPITAL"), unlike "Mercy", "Harbor", "Memorial"?
 */
static int generic_facility(const struct scan *s, size_t k)
{
	return is(s, k, "city") || is(s, k, "community") || is(s, k, "county") ||
	       is(s, k, "regional") || is(s, k, "state") || is(s, k, "university") ||
	       is(s, k, "valley");
}

/* How many words make the facility word at token i ("hospital", "nursing home"); 0 for none. */
static size_t facility_head(const struct scan *s, size_t i)
{
	if (IN(facility_words, &s->t[i]))
		return 1;
	if ((is(s, i, "medical") || is(s, i, "med") || is(s, i, "health") || is(s, i, "care") ||
	     is(s, i, "nursing") || is(s, i, "cancer") || is(s, i, "surgical") ||
	     is(s, i, "surgery")) &&
	    (is(s, i + 1, "center") || is(s, i + 1, "ctr") || is(s, i + 1, "centre")))
		return 2;
	if ((is(s, i, "nursing") && is(s, i + 1, "home")) ||
	    (is(s, i, "assisted") && is(s, i + 1, "living")))
		return 2;
	return 0;
}

/* Is the number token k a ward's floor rather than a dose, a date or a time ("3", not "50%" or "9/9")? */
static int floor_number(const struct scan *s, size_t k)
{
	const struct tok *t = &s->t[k];
	if (!(t->flags & T_NUM) || t->end - t->start > 2 ||
	    (t->end < s->len && is_letter((unsigned char)s->text[t->end])))
		return 0; /* "50mg" */
	return t->end >= s->len || !strchr("%/.:,", s->text[t->end]) || s->text[t->end] == ',' ||
	       (s->text[t->end] == '.' && (t->end + 1 >= s->len || !is_digit(s->text[t->end + 1])));
}

/* Facilities: "BRIXLEY HOSPITAL", "Sacred Heart", "UNIVERSITY OF MD", "GH". */
static void facilities(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct tok *t = &s->t[i];
		size_t head = facility_head(s, i);
		if (head) {
			size_t j = i;
			while (j > 0 && i - j < NAME_MAX_WORDS - 1 && gap_only(s, j - 1, j, " -") &&
			       facility_part(s, j - 1))
				j--;
			/* A name of common facility words alone ("STATE HOSPITAL") is no name. */
			int named = 0;
			for (size_t k = j; k < i; k++)
				named |=
				    !IN(facility_name_words, &s->t[k]) || !generic_facility(s, k);
			for (size_t k = j; named && k < i; k++)
				mark(s, k, ENCLAVE_PII_LOCATION, 0.75f, SRC_FACILITY);
			/* "DUNMORROW REHAB AND PELLIGREW": the second name shares the facility word. */
			size_t a = i + head;
			if (named && a + 1 < s->n && (is(s, a, "and") || is(s, a, "or")) &&
			    gap_only(s, a - 1, a, " ") && gap_only(s, a, a + 1, " ") &&
			    facility_part(s, a + 1) && !IN(facility_name_words, &s->t[a + 1]))
				mark(s, a + 1, ENCLAVE_PII_LOCATION, 0.6f, SRC_FACILITY);
		}
		/* "FREDERICK MEMORIAL", "harford memorial": the name and "memorial". */
		if (is(s, i, "memorial") && i > 0 && !facility_head(s, i + 1) &&
		    gap_only(s, i - 1, i, " ") && facility_part(s, i - 1) &&
		    !IN(facility_name_words, &s->t[i - 1]) && name_case(s, i)) {
			mark(s, i - 1, ENCLAVE_PII_LOCATION, 0.65f, SRC_FACILITY);
			mark(s, i, ENCLAVE_PII_LOCATION, 0.65f, SRC_FACILITY);
		}
		/* Names of hospitals that are common words: "Holy Cross", "Sacred Heart". */
		if (i + 1 < s->n && gap_only(s, i, i + 1, " ") &&
		    ((is(s, i, "holy") && is(s, i + 1, "cross")) ||
		     (is(s, i, "sacred") && is(s, i + 1, "heart")) ||
		     (is(s, i, "good") && is(s, i + 1, "samaritan")) ||
		     (is(s, i, "mount") && is(s, i + 1, "sinai")) ||
		     (is(s, i, "mt") && is(s, i + 1, "sinai")))) {
			mark(s, i, ENCLAVE_PII_LOCATION, 0.7f, SRC_FACILITY);
			mark(s, i + 1, ENCLAVE_PII_LOCATION, 0.7f, SRC_FACILITY);
		}
		/* "university of maryland", "U OF MD", "UOf Maryland", "U Maryland". */
		size_t of = 0;
		if ((is(s, i, "university") || is(s, i, "u")) && is(s, i + 1, "of"))
			of = i + 2;
		else if (is(s, i, "uof"))
			of = i + 1;
		else if (is(s, i, "u") && i + 1 < s->n &&
		         s->t[i + 1].end - s->t[i + 1].start >= 4 &&
		         gaz(s, i + 1, PII_CLINICAL_GAZ_US_STATE))
			of = i + 1;
		if (of && of < s->n && (s->t[of].flags & T_ALPHA) &&
		    (!IN(strong_stop, &s->t[of]) || is(s, of, "md")) &&
		    gap_only(s, of - 1, of, " ")) {
			for (size_t k = i; k <= of; k++)
				mark(s, k, ENCLAVE_PII_LOCATION, 0.75f, SRC_FACILITY);
		}
		if (IN(facility_acronyms, t) ||
		    ((t->flags & T_UPPER) && t->end - t->start >= 4 && t->end - t->start <= 5 &&
		     strcmp(t->w + strlen(t->w) - 2, "mc") == 0 && !common(s, i)))
			mark(s, i, ENCLAVE_PII_LOCATION, 0.7f, SRC_FACILITY);
	}
}

/* Is token i a bare place cue ("from", "in") after which a long uncommon word is a place? */
static int bare_place_cue(const struct scan *s, size_t i)
{
	/* In one-case notes misspellings ("IN PALCE", "in arrthymia") look the same. */
	return s->cased && (s->t[i + 1].flags & T_CAP) && (is(s, i, "from") || is(s, i, "in"));
}

/*
 * Is token i a verb of moving ("transferred", "sent", "flying") after which
 * "from X"/"to X" names a place? ("lives", "works" take in/at/near only.)
 */
static int movement_cue(const struct scan *s, size_t i)
{
	return IN(place_cues, &s->t[i]) && !is(s, i, "lives") && !is(s, i, "living") &&
	       !is(s, i, "reside") && !is(s, i, "resides") && !is(s, i, "resident") &&
	       !is(s, i, "works") && !is(s, i, "home");
}

/* Wards and places: "TO FENWORTH 6", "lives in ROME", "son from Pikesville". */
static void places(struct scan *s)
{
	for (size_t i = 0; i + 1 < s->n; i++) {
		size_t k = i + 1;
		if (gap_has(s, i, k, '\n'))
			continue;
		/* A ward: a preposition, an uncommon word and a floor number. */
		if ((is(s, i, "to") || is(s, i, "from") || is(s, i, "on") || is(s, i, "at")) &&
		    k + 1 < s->n && (s->t[k].flags & T_ALPHA) && s->t[k].end - s->t[k].start >= 4 &&
		    !common(s, k) && !word_like(s, k) && floor_number(s, k + 1) &&
		    gap_only(s, k, k + 1, " "))
			mark(s, k, ENCLAVE_PII_LOCATION, 0.6f, SRC_PLACE);
		/* "Harford County", "HOWARD CO.": a name before "county". */
		if ((is(s, k, "county") || (is(s, k, "co") && s->text[s->t[k].end] == '.')) &&
		    (s->t[i].flags & T_ALPHA) && s->t[i].end - s->t[i].start >= 4 &&
		    gap_only(s, i, k, " ") && name_case(s, i) && name_case(s, k) &&
		    ((!common(s, i) && !word_like(s, i)) || gaz(s, i, PII_CLINICAL_GAZ_CITY) ||
		     gaz_name(s, i)))
			mark(s, i, ENCLAVE_PII_LOCATION, 0.6f, SRC_PLACE);
		if (!IN(place_cues, &s->t[i]))
			continue;
		/* "flying in from X", "sent back to X" */
		if (movement_cue(s, i) && k + 1 < s->n &&
		    (is(s, k + 1, "from") || is(s, k + 1, "to")) &&
		    (is(s, k, "in") || is(s, k, "back") || is(s, k, "up") || is(s, k, "down") ||
		     is(s, k, "over") || is(s, k, "here")))
			k++;
		if (!is(s, i, "from") && !is(s, i, "in") &&
		    (is(s, k, "in") || is(s, k, "at") || is(s, k, "near") ||
		     (movement_cue(s, i) && (is(s, k, "from") || is(s, k, "to")))))
			k++;
		/* "lives in the Towson area": after the strongest cues, "the" may stand first. */
		if (k >= i + 2 && k + 1 < s->n && is(s, k, "the"))
			k++;
		if (k >= s->n || !(s->t[k].flags & T_ALPHA) || !gap_only(s, k - 1, k, " "))
			continue;
		/* "from New Windsor", "in Fort Howard": the place's own word decides. */
		size_t first = k;
		if (IN(place_prefixes, &s->t[k]) && name_case(s, k) && k + 1 < s->n &&
		    gap_only(s, k, k + 1, " .") && (s->t[k + 1].flags & T_ALPHA))
			k++;
		if (!name_case(s, k) || IN(strong_stop, &s->t[k]) ||
		    s->t[k].end - s->t[k].start < 3)
			continue;
		/*
		 * After "lives in" an uncommon word is a place; after a bare
		 * "from"/"in" a known city or state, or a word of five letters or
		 * more that no English or clinical list has ("son from
		 * Pikesville"; not "IN SCROTUM", "FROM PHARMACY").
		 */
		int strong_cue = k >= i + 2;
		int city =
		    gaz(s, k, PII_CLINICAL_GAZ_CITY) ||
		    (s->t[k].end - s->t[k].start >= 4 && gaz(s, k, PII_CLINICAL_GAZ_US_STATE));
		/* Short upper-case words after a cue are mostly units: "TO MICU", "FROM OR". */
		int acronym = (s->t[k].flags & T_UPPER) && s->t[k].end - s->t[k].start <= 4 &&
		              (s->cased || s->t[k].end - s->t[k].start <= 3);
		int uncommon = !common(s, k) && !word_like(s, k) && !typo(s, k) && !acronym;
		int long_word = s->t[k].end - s->t[k].start >= 5 && !gaz_name(s, k);
		if (!city && !(uncommon && (strong_cue || (long_word && bare_place_cue(s, i)))))
			continue;
		for (size_t j = first; j <= k; j++)
			mark(s, j, ENCLAVE_PII_LOCATION, city ? 0.7f : 0.5f, SRC_PLACE);
		if (k + 1 < s->n && gap_only(s, k, k + 1, " ") && (s->t[k + 1].flags & T_ALPHA) &&
		    ((!common(s, k + 1) && !word_like(s, k + 1)) ||
		     IN(place_suffixes, &s->t[k + 1])) &&
		    s->t[k + 1].end - s->t[k + 1].start >= 3 && name_case(s, k + 1))
			mark(s, k + 1, ENCLAVE_PII_LOCATION, 0.5f, SRC_PLACE);
	}
}

/* ---------------------------------------------------------------- numbers */

/* Pagers and extensions: "Pager #12345", "PG 23456", "x4567". */
static void pagers(struct scan *s)
{
	for (size_t i = 0; i + 1 < s->n; i++) {
		if (!IN(pager_cues, &s->t[i]))
			continue;
		size_t k = i + 1;
		if (is(s, k, "number") || is(s, k, "no"))
			k++;
		if (k >= s->n || !(s->t[k].flags & T_NUM) || !gap_only(s, k - 1, k, " :#.-"))
			continue;
		size_t digits = s->t[k].end - s->t[k].start;
		if (digits < 4 || digits > 5)
			continue;
		/* Not a date, a time or a decimal: "x 10/2", "x 1000.5". */
		size_t e = s->t[k].end;
		if (e < s->len && (s->text[e] == '/' || s->text[e] == ':' ||
		                   (s->text[e] == '.' && e + 1 < s->len &&
		                    is_digit((unsigned char)s->text[e + 1]))))
			continue;
		/* Below the rule recognisers' phone numbers: "345-899-3560x4587" is theirs. */
		mark(s, k, ENCLAVE_PII_PHONE_NUMBER, 0.7f, SRC_PAGER);
	}
}

/* Ages of 90 and more: "92 YO", "95 y/o", "91 year old", "age 93". */
static void ages(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct tok *t = &s->t[i];
		if (!(t->flags & T_NUM) || t->end - t->start < 2 || t->end - t->start > 3)
			continue;
		int v = atoi(t->w);
		if (v < 90 || v > 125)
			continue;
		int before = i > 0 && (is(s, i - 1, "age") || is(s, i - 1, "aged")) &&
		             gap_only(s, i - 1, i, " :");
		int after =
		    is(s, i + 1, "yo") || is(s, i + 1, "yr") || is(s, i + 1, "yrs") ||
		    is(s, i + 1, "year") || is(s, i + 1, "years") ||
		    (is(s, i + 1, "y") && (is(s, i + 2, "o") || gap_only(s, i, i + 1, " ")));
		if (after && !gap_only(s, i, i + 1, " -"))
			after = 0;
		if (before || after)
			mark(s, i, ENCLAVE_PII_AGE, 0.9f, SRC_AGE);
	}
}

/* ---------------------------------------------------------------- spans */

/*
 * Turn the marks into spans: neighbouring tokens of one label, apart only by
 * spaces, a hyphen or an initial's full stop, make one span.
 */
static int emit(struct scan *s)
{
	for (size_t i = 0; i < s->n;) {
		if (s->m[i].label < 0) {
			i++;
			continue;
		}
		size_t j = i + 1;
		float score = s->m[i].score;
		while (j < s->n && s->m[j].label == s->m[i].label &&
		       gap_only(s, j - 1, j, (s->t[j - 1].flags & T_INITIAL) ? ". " : " -")) {
			if (s->m[j].score > score)
				score = s->m[j].score;
			j++;
		}
		struct enclave_pii_span span = {
			.start = s->t[i].start,
			.end = s->t[j - 1].end,
			.label = s->m[i].label,
			.score = score,
			.source = s->m[i].source,
		};
		int error = enclave_pii_spans_push(s->out, &span);
		if (error < 0)
			return error;
		i = j;
	}
	return 0;
}

int pii_clinical_scan(const void *ctx, const char *text, size_t len, struct enclave_pii_spans *out)
{
	int error = 0;
	struct scan s = { .ctx = ctx, .text = text, .len = len, .out = out };

	for (size_t from = 0; from < len;) {
		size_t to = len;
		if (len - from > WINDOW_BYTES) {
			/* Cut at a line break, else at a space, else anywhere. */
			to = from + WINDOW_BYTES;
			size_t k = to;
			while (k > from + WINDOW_BYTES / 2 && text[k - 1] != '\n')
				k--;
			if (k == from + WINDOW_BYTES / 2) {
				k = to;
				while (k > from + WINDOW_BYTES / 2 && text[k - 1] != ' ')
					k--;
			}
			if (k > from + WINDOW_BYTES / 2)
				to = k;
		}
		if ((error = tokenize(&s, from, to)) < 0)
			goto done;
		names_by_cue(&s);
		names_by_credential(&s);
		names_by_initial(&s);
		names_by_intro(&s);
		names_by_gazetteer(&s);
		facilities(&s);
		places(&s);
		if ((error = propagate(&s)) < 0)
			goto done;
		pagers(&s);
		ages(&s);
		if ((error = emit(&s)) < 0)
			goto done;
		from = to;
	}
done:
	free(s.t);
	free(s.m);
	return error;
}
