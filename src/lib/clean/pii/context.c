/*
 * Context words: the words near a span that make it more or less likely to
 * be what its pattern says ("tel" before a number that looks like a phone
 * number, "bp" before 120/80). One table per label, which every recogniser
 * of the label and every extra recogniser's spans of it share; a pattern
 * may name its own.
 *
 * A word matches where a word starts in the text (the byte before is not a
 * letter or digit), case-insensitively; a word of three letters or fewer
 * must also end there ("in" does not match "interval"), a longer one may be
 * a prefix ("phone" matches "phones"). Words may hold spaces and
 * punctuation ("social security", "s/n").
 */
#include <stdint.h>
#include <string.h>

#include "pii_int.h"

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct pii_context contexts[ENCLAVE_PII_LABEL_COUNT] = {
	[ENCLAVE_PII_PERSON] = { W("mr", "mrs", "ms", "dr", "name", "patient", "pt", "son",
	                           "daughter", "wife", "husband", "mother", "father", "sister",
	                           "brother", "signed", "dear"),
	                         NULL, 0.2f, 0, 24, 8, 0, 0 },
	[ENCLAVE_PII_LOCATION] = { W("lives", "in", "at", "from", "hospital", "city", "town",
	                             "transferred", "located", "near"),
	                           NULL, 0.15f, 0, 20, 4, 0, 0 },
	[ENCLAVE_PII_ORGANIZATION] = { W("company", "inc", "corp", "employer", "works", "ltd",
	                                 "llc", "bank", "university"),
	                               NULL, 0.15f, 0, 20, 12, 0, 0 },
	[ENCLAVE_PII_PHONE_NUMBER] = { W("phone", "tel", "telephone", "call", "cell", "mobile",
	                                 "fax", "contact", "pager", "page", "ph", "number", "reach",
	                                 "home", "work", "office", "desk", "sms", "text",
	                                 "whatsapp", "beeper", "#"),
	                               NULL, 0.35f, 0, 40, 16, 0, 0 },
	[ENCLAVE_PII_US_SSN] = { W("ssn", "social security", "social sec", "ss#", "ss #", "ssa",
	                           "soc sec"),
	                         NULL, 0.45f, 0, 40, 8, 0, 0 },
	[ENCLAVE_PII_US_ITIN] = { W("itin", "taxpayer", "tax id", "tin", "individual taxpayer"),
	                          NULL, 0.45f, 0, 40, 8, 0, 0 },
	[ENCLAVE_PII_CREDIT_CARD] = { W("card", "credit", "visa", "mastercard", "amex", "cc",
	                                "payment", "debit", "discover", "jcb", "diners"),
	                              NULL, 0.3f, 0, 40, 16, 0, 0 },
	[ENCLAVE_PII_IBAN_CODE] = { W("iban", "bank", "account", "transfer"), NULL, 0.2f, 0, 40, 8,
	                            0, 0 },
	[ENCLAVE_PII_SWIFT_CODE] = { W("swift", "bic", "bank code", "bank identifier"), NULL, 0.5f,
	                             0, 32, 8, 0, 0 },
	[ENCLAVE_PII_ABA_ROUTING] = { W("routing", "aba", "rtn", "transit", "bank"), NULL, 0.5f, 0,
	                              40, 8, 0, 0 },
	[ENCLAVE_PII_IP_ADDRESS] = { W("ip", "address", "host", "server", "ipv4", "ipv6", "client",
	                               "gateway", "dns"),
	                             NULL, 0.3f, 0, 32, 8, 0, 0 },
	[ENCLAVE_PII_MAC_ADDRESS] = { W("mac", "ethernet", "hardware", "wifi", "bssid"), NULL, 0.2f,
	                              0, 32, 8, 0, 0 },
	[ENCLAVE_PII_DATE_TIME] = { W("date", "dob", "d.o.b", "born", "birth", "birthday",
	                              "admitted", "admission", "discharged", "discharge", "since",
	                              "on", "seen", "died", "death", "visit", "surgery", "dated",
	                              "until", "from", "through", "of", "started", "year", "in"),
	                            W("bp", "b/p", "mmhg", "mg", "ml", "mcg", "meq", "units",
	                              "strength", "tab", "tabs", "murmur", "grade", "gcs", "score",
	                              "pain", "ratio", "dose", "rate", "x", "cm", "mm", "kg",
	                              "cc", "ng", "inr", "ptt", "ph", "fio2", "peep", "psi", "hr",
	                              "rr", "sat", "sats", "cvp", "pap", "ci", "ef", "power",
	                              "motor", "out of", "l/min", "mg/dl", "mmol", "mcg/kg", "gtt",
	                              "drip", "ativan", "hct", "lasix", "k", "na", "wbc", "plt",
	                              "temp", "tmax"),
	                            0.25f, 0.35f, 32, 8, 12, 10 },
	[ENCLAVE_PII_AGE] = { W("age", "aged", "old", "yo", "year"), NULL, 0.1f, 0, 24, 16, 0, 0 },
	[ENCLAVE_PII_ZIP_CODE] = { W("zip", "postal", "postcode", "post code"), NULL, 0.4f, 0, 32,
	                           4, 0, 0 },
	[ENCLAVE_PII_UK_NHS] = { W("nhs", "health service", "nhs number"), NULL, 0.45f, 0, 32, 8, 0,
	                         0 },
	[ENCLAVE_PII_UK_NINO] = { W("national insurance", "nino", "ni number", "ni no"), NULL, 0.3f,
	                          0, 40, 8, 0, 0 },
	[ENCLAVE_PII_VIN] = { W("vin", "vehicle", "chassis", "car"), NULL, 0.5f, 0, 32, 8, 0, 0 },
	[ENCLAVE_PII_GPS] = { W("gps", "coordinates", "coords", "lat", "latitude", "longitude",
	                        "location", "position"),
	                      NULL, 0.35f, 0, 32, 8, 0, 0 },
	[ENCLAVE_PII_CRYPTO] = { W("bitcoin", "btc", "wallet", "eth", "ethereum", "crypto", "send",
	                           "address"),
	                         NULL, 0.2f, 0, 32, 8, 0, 0 },
	[ENCLAVE_PII_SECRET] = { W("password", "token", "secret", "key", "api", "credential",
	                           "auth", "bearer"),
	                         NULL, 0.2f, 0, 32, 8, 0, 0 },
	[ENCLAVE_PII_DOMAIN_NAME] = { W("domain", "site", "website", "visit", "www", "host"), NULL,
	                              0.3f, 0, 24, 4, 0, 0 },
	[ENCLAVE_PII_US_PASSPORT] = { W("passport"), NULL, 0.4f, 0, 40, 8, 0, 0 },
};

const struct pii_context *pii_label_context(int label)
{
	if (label < 0 || label >= ENCLAVE_PII_LABEL_COUNT || !contexts[label].words)
		return NULL;
	return &contexts[label];
}

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * A filter for has_word: the first bytes of the one-byte words, and a
 * 256-bit hash set of the first two bytes of the others. A position whose
 * bytes are in neither cannot start a word of the list.
 */
struct word_filter {
	uint64_t single[4];
	uint64_t pair[4];
};

/* The hash of a pair of bytes, 0..255. */
static unsigned pair_hash(unsigned char a, unsigned char b)
{
	return ((unsigned)a * 61u + (unsigned)b * 7u) & 255u;
}

static void filter_build(struct word_filter *f, const char *const *words)
{
	memset(f, 0, sizeof(*f));
	for (size_t j = 0; words[j]; j++) {
		unsigned char a = (unsigned char)words[j][0], b = (unsigned char)words[j][1];
		unsigned h;
		if (!a)
			continue;
		if (!b) {
			f->single[a >> 6] |= (uint64_t)1 << (a & 63);
			continue;
		}
		h = pair_hash(a, b);
		f->pair[h >> 6] |= (uint64_t)1 << (h & 63);
	}
}

/* May a word of the filter's list start at w[i] (w holds n bytes)? */
static int filter_may(const struct word_filter *f, const char *w, size_t i, size_t n)
{
	unsigned char a = (unsigned char)w[i];
	unsigned h;

	if (f->single[a >> 6] & ((uint64_t)1 << (a & 63)))
		return 1;
	if (i + 1 >= n)
		return 0;
	h = pair_hash(a, (unsigned char)w[i + 1]);
	return (f->pair[h >> 6] >> (h & 63)) & 1;
}

/*
 * Does one of `words` occur in w[0..n) (lowercase already) at a word
 * start, under the rule of the file's header? One pass over the window:
 * only positions that pass the filter (filter_build over `words`) are
 * compared with the words.
 */
static int has_word(const char *w, size_t n, const char *const *words, const struct word_filter *f)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];

		if (!filter_may(f, w, i, n))
			continue;
		if (c == ' ' || (is_alnum(c) && i > 0 && is_alnum((unsigned char)w[i - 1])))
			continue;
		for (size_t j = 0; words[j]; j++) {
			const char *word = words[j];
			size_t k;

			if ((unsigned char)word[0] != c)
				continue;
			k = strlen(word);
			if (k > n - i || memcmp(w + i, word, k) != 0)
				continue;
			if (k <= 3 && i + k < n && is_alnum((unsigned char)w[i + k]) &&
			    is_alnum((unsigned char)word[k - 1]))
				continue;
			return 1;
		}
	}
	return 0;
}

/*
 * Lowercase (ASCII: the "C" locale's tolower, which the library runs
 * under) [from, to) of `text` into `out` (cap bytes); its length.
 */
static size_t lower_copy(char *out, size_t cap, const char *text, size_t from, size_t to)
{
	size_t n = to - from < cap ? to - from : cap;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[from + i];
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return n;
}

int pii_context_near(const char *const *words, const char *text, size_t len, size_t start,
                     size_t end, size_t before, size_t after)
{
	char a[256], b[256];
	struct word_filter f;
	size_t na, nb;

	if (!words)
		return 0;
	if (before > sizeof(a))
		before = sizeof(a);
	if (after > sizeof(b))
		after = sizeof(b);
	filter_build(&f, words);
	na = lower_copy(a, sizeof(a), text, start > before ? start - before : 0, start);
	if (has_word(a, na, words, &f))
		return 1;
	nb = lower_copy(b, sizeof(b), text, end, end + after < len ? end + after : len);
	return has_word(b, nb, words, &f);
}

float pii_context_score(const struct pii_context *ctx, const char *text, size_t len, size_t start,
                        size_t end, float score)
{
	if (!ctx)
		return score;
	if (pii_context_near(ctx->words, text, len, start, end, ctx->before, ctx->after))
		score += ctx->boost;
	if (ctx->negative &&
	    pii_context_near(ctx->negative, text, len, start, end, ctx->neg_before, ctx->neg_after))
		score -= ctx->penalty;
	return score < 0 ? 0 : score > 1 ? 1 : score;
}
