/*
 * The PII scanner: the Hyperscan database built from the recogniser table,
 * the per-thread states, one scan (candidates -> checks -> context ->
 * filters -> extra recognisers -> overlap resolution), code point offsets,
 * the JSON Lines entry point, the streams that scan input of any size in
 * bounded memory, and the presets.
 *
 * Candidates. Hyperscan calls back once per end offset of a match, in end
 * order. No pattern is compiled with HS_FLAG_SOM_LEFTMOST: start-of-match
 * tracking halved Hyperscan's speed over this table (60 against 117 MB/s a
 * core on the synthetic corpus), so each pattern has a C function that finds
 * its start by a short walk back from the end (recognizers.c). The callback
 * keeps one candidate per pattern and start, extending its end while reports
 * come (the last, longest end wins). Candidates are buffered in the state,
 * PII_CAND_BATCH at a time, and checked when the buffer fills and when the
 * scan ends: no allocation per match or per span beyond the output list's
 * amortised growth.
 *
 * The database is compiled at build time (gendb.c) and embedded; a scanner
 * deserialises it (one allocation) and compiles the table itself only when
 * Hyperscan refuses the blob.
 */
#include <hs/hs.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pii_int.h"
#include "../../../util/utf8.h"

/* Candidates checked at a time. */
#define PII_CAND_BATCH 4096

struct extra {
	pii_extra_fn fn;
	const void *ctx;
	float min_score; /* its spans' own floor, above the scanner's */
};

struct enclave_pii_scanner {
	hs_database_t *db;   /* every pattern of the table */
	hs_scratch_t *proto; /* scratch prototype, cloned per state */
	enclave_pii_labels labels;
	float min_score;
	int safe_harbor; /* struct enclave_pii_scan_options */
	struct extra extras[PII_MAX_EXTRAS];
	size_t nextras;
};

struct cand {
	unsigned id; /* index into pii_patterns */
	size_t from, to;
};

struct enclave_pii_state {
	const enclave_pii_scanner *s;
	hs_scratch_t *scratch;
	struct cand cand[PII_CAND_BATCH];
	size_t ncand;
	unsigned *last; /* per pattern: 1 + index of its last candidate in cand[], or 0 */
	struct enclave_pii_spans extra; /* spans of the extra recognisers, reused */
	/* The scan in progress. */
	const char *text;
	size_t len;
	struct enclave_pii_spans *out;
	size_t out_start;
	int error;
};

/* ------------------------------------------------------------ presets */

#define L(x) (((enclave_pii_labels)1) << ENCLAVE_PII_##x)

int enclave_pii_preset(const char *name, enclave_pii_labels *out)
{
	/*
	 * HIPAA Safe Harbor, 45 CFR 164.514(b)(2): names; geographic units
	 * smaller than a state (street, city, ZIP, coordinates); dates (and
	 * ages over 89: ages are reported, the over-89 ones scored higher);
	 * telephone and fax numbers; e-mail addresses; SSNs; medical record,
	 * health plan and account numbers; certificate and licence numbers;
	 * vehicle and device identifiers and serial numbers; URLs; IP
	 * addresses; any other unique identifying number or code.
	 */
	static const enclave_pii_labels hipaa =
	    L(PERSON) | L(LOCATION) | L(STREET_ADDRESS) | L(ZIP_CODE) | L(GPS) | L(DATE_TIME) |
	    L(AGE) | L(PHONE_NUMBER) | L(EMAIL_ADDRESS) | L(US_SSN) | L(MEDICAL_RECORD) |
	    L(HEALTH_PLAN) | L(ACCOUNT_NUMBER) | L(US_BANK_NUMBER) | L(US_DRIVER_LICENSE) |
	    L(US_PASSPORT) | L(VIN) | L(SERIAL_NUMBER) | L(MAC_ADDRESS) | L(URL) | L(IP_ADDRESS) |
	    L(US_ITIN) | L(CREDIT_CARD) | L(IBAN_CODE) | L(UK_NHS) | L(UK_NINO);
	/*
	 * GDPR personal data (Art. 4(1)): anything relating to an identified or
	 * identifiable person, online identifiers and location data included;
	 * organisations are not persons, nor are secrets.
	 */
	static const enclave_pii_labels gdpr =
	    ENCLAVE_PII_ALL & ~L(ORGANIZATION) & ~L(SECRET) & ~L(ABA_ROUTING) & ~L(SWIFT_CODE);
	/* PCI DSS cardholder data: the PAN, the holder's name; and the bank details around it. */
	static const enclave_pii_labels pci = L(CREDIT_CARD) | L(PERSON) | L(IBAN_CODE) |
	                                      L(SWIFT_CODE) | L(ABA_ROUTING) | L(US_BANK_NUMBER) |
	                                      L(ACCOUNT_NUMBER);

	if (!strcasecmp(name, "hipaa"))
		*out = hipaa;
	else if (!strcasecmp(name, "gdpr"))
		*out = gdpr;
	else if (!strcasecmp(name, "pci"))
		*out = pci;
	else if (!strcasecmp(name, "all"))
		*out = ENCLAVE_PII_ALL;
	else
		return error_set(ENCLAVE_EINVALID, "unknown preset '%s' (hipaa, gdpr, pci, all)",
		                 name);
	return 0;
}

/* ------------------------------------------------------------ scanner and state */

int enclave_pii_scanner_new(enclave_pii_scanner **out, const struct enclave_pii_scan_options *opts)
{
	struct enclave_pii_scan_options def = ENCLAVE_PII_SCAN_OPTIONS_INIT;
	enclave_pii_scanner *s;
	const char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	unsigned n = 0;
	hs_compile_error_t *cerr = NULL;
	int error = 0;

	*out = NULL;
	if (!opts)
		opts = &def;
	if (opts->version != ENCLAVE_PII_SCAN_OPTIONS_VERSION)
		return error_set(ENCLAVE_EINVALID, "pii scan options: version %u, expected %u",
		                 opts->version, ENCLAVE_PII_SCAN_OPTIONS_VERSION);
	if (!(opts->min_score >= 0 && opts->min_score <= 1))
		return error_set(ENCLAVE_EINVALID,
		                 "pii scan options: min_score must be from 0 to 1");
	if (!(s = calloc(1, sizeof(*s))))
		return error_oom();
	s->labels = opts->labels ? opts->labels & ENCLAVE_PII_ALL : ENCLAVE_PII_ALL;
	s->min_score = opts->min_score;
	s->safe_harbor = opts->version >= 2 && opts->safe_harbor;

	/*
	 * The database made at build time, when Hyperscan takes it (it may not:
	 * another library version, a CPU without the features it was made
	 * for); else the table compiled here. Both hold every pattern: a label
	 * not wanted is dropped before its check runs.
	 */
	if (pii_db_npatterns != pii_npatterns ||
	    hs_deserialize_database((const char *)pii_db_blob, pii_db_size, &s->db) != HS_SUCCESS) {
		exprs = calloc(pii_npatterns, sizeof(*exprs));
		flags = calloc(pii_npatterns, sizeof(*flags));
		ids = calloc(pii_npatterns, sizeof(*ids));
		if (!exprs || !flags || !ids) {
			error = error_oom();
			goto done;
		}
		for (unsigned i = 0; i < pii_npatterns; i++) {
			exprs[n] = pii_patterns[i].regex;
			flags[n] = pii_flags(&pii_patterns[i]);
			ids[n] = i;
			n++;
		}
		s->db = NULL;
		if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &s->db, &cerr) !=
		    HS_SUCCESS) {
			int bad = cerr && cerr->expression >= 0 ? cerr->expression : -1;
			error =
			    error_set(ENCLAVE_ERROR, "cannot compile the pii patterns: %s%s%s",
			              cerr ? cerr->message : "unknown error", bad >= 0 ? ": " : "",
			              bad >= 0 ? pii_patterns[ids[bad]].source : "");
			hs_free_compile_error(cerr);
			goto done;
		}
	}
	if (hs_alloc_scratch(s->db, &s->proto) != HS_SUCCESS) {
		error = error_oom();
		goto done;
	}
done:
	free(exprs);
	free(flags);
	free(ids);
	if (error < 0) {
		enclave_pii_scanner_free(s);
		return error;
	}
	*out = s;
	return 0;
}

void enclave_pii_scanner_free(enclave_pii_scanner *s)
{
	if (!s)
		return;
	hs_free_scratch(s->proto);
	hs_free_database(s->db);
	free(s);
}

int pii_scanner_add_extra(enclave_pii_scanner *s, pii_extra_fn fn, const void *ctx, float min_score)
{
	if (s->nextras >= PII_MAX_EXTRAS)
		return error_set(ENCLAVE_ELIMIT, "more than %d extra pii recognisers",
		                 PII_MAX_EXTRAS);
	s->extras[s->nextras].fn = fn;
	s->extras[s->nextras].ctx = ctx;
	s->extras[s->nextras].min_score = min_score;
	s->nextras++;
	return 0;
}

int enclave_pii_state_new(enclave_pii_state **out, const enclave_pii_scanner *s)
{
	enclave_pii_state *st;

	*out = NULL;
	if (!(st = calloc(1, sizeof(*st))))
		return error_oom();
	st->s = s;
	if (!(st->last = calloc(pii_npatterns, sizeof(*st->last))) ||
	    (s->proto && hs_clone_scratch(s->proto, &st->scratch) != HS_SUCCESS)) {
		enclave_pii_state_free(st);
		return error_oom();
	}
	*out = st;
	return 0;
}

void enclave_pii_state_free(enclave_pii_state *st)
{
	if (!st)
		return;
	hs_free_scratch(st->scratch);
	enclave_pii_spans_free(&st->extra);
	free(st->last);
	free(st);
}

/* ------------------------------------------------------------ one scan */

/* Move [start, end) off UTF-8 continuation bytes, so no span cuts a character. */
static void utf8_edges(const char *t, size_t len, size_t *start, size_t *end)
{
	for (int k = 0;
	     k < 3 && *start > 0 && *start < len && ((unsigned char)t[*start] & 0xC0) == 0x80; k++)
		(*start)--;
	for (int k = 0; k < 3 && *end < len && ((unsigned char)t[*end] & 0xC0) == 0x80; k++)
		(*end)++;
}

/*
 * Is `span` an identifier under HIPAA Safe Harbor? Of dates, the elements
 * "directly related to an individual" are: a time of day or a weekday
 * alone is not one; ages are identifiers only over 89.
 */
static int safe_harbor_keeps(const struct enclave_pii_span *span, const char *text)
{
	if (span->label == ENCLAVE_PII_DATE_TIME)
		return strcmp(span->source, "rule:time") != 0 &&
		       strcmp(span->source, "rule:weekday") != 0;
	if (span->label == ENCLAVE_PII_AGE) {
		unsigned age = 0, digits = 0;
		for (size_t i = span->start; i < span->end && digits < 4; i++)
			if (text[i] >= '0' && text[i] <= '9') {
				age = age * 10 + (unsigned)(text[i] - '0');
				digits++;
			} else if (digits) {
				break;
			}
		return digits == 0 || age > 89;
	}
	return 1;
}

/*
 * Score `span` through its label's context (or `ctx`), filter it by the
 * scanner's labels and minimum score, and append it to the scan's output.
 * Returns 0, or an error (also kept in st->error).
 */
static int emit(enclave_pii_state *st, struct enclave_pii_span *span, const struct pii_context *ctx)
{
	const enclave_pii_scanner *s = st->s;

	if (span->label < 0 || span->label >= ENCLAVE_PII_LABEL_COUNT ||
	    !(s->labels & (((enclave_pii_labels)1) << span->label)))
		return 0;
	utf8_edges(st->text, st->len, &span->start, &span->end);
	if (span->end <= span->start || span->end > st->len)
		return 0;
	span->score = pii_context_score(ctx ? ctx : pii_label_context(span->label), st->text,
	                                st->len, span->start, span->end, span->score);
	if (span->score < s->min_score || (s->safe_harbor && !safe_harbor_keeps(span, st->text)))
		return 0;
	if (st->out->n - st->out_start >= ENCLAVE_MAX_PII_SPANS)
		return st->error = error_set(ENCLAVE_ELIMIT, "more than %zu pii spans in one text",
		                             ENCLAVE_MAX_PII_SPANS);
	if (enclave_pii_spans_push(st->out, span) < 0)
		return st->error = ENCLAVE_ENOMEM;
	return 0;
}

/* Check the buffered candidates and emit the spans they make; empty the buffer. */
static int flush(enclave_pii_state *st)
{
	for (size_t i = 0; i < st->ncand; i++) {
		const struct cand *c = &st->cand[i];
		const struct pii_pattern *p = &pii_patterns[c->id];
		struct pii_match m = { c->from, c->to, p->label, p->score, p->source };
		struct enclave_pii_span span;

		st->last[c->id] = 0;
		if (!(st->s->labels & (((enclave_pii_labels)1) << p->label)))
			continue;
		if (p->check && !p->check(&m, st->text, st->len))
			continue;
		span.start = m.start;
		span.end = m.end;
		span.label = m.label;
		span.score = m.score;
		span.source = m.source;
		if (emit(st, &span, p->context) < 0)
			return st->error;
	}
	st->ncand = 0;
	return 0;
}

/* Hyperscan's match callback: keep one candidate per pattern and start (see the header). */
static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *payload)
{
	enclave_pii_state *st = payload;
	unsigned last = st->last[id];

	(void)flags;
	if (pii_patterns[id].start)
		from = pii_patterns[id].start(st->text, (size_t)to);
	if (last && st->cand[last - 1].from == from) {
		st->cand[last - 1].to = (size_t)to;
		return 0;
	}
	if (st->ncand == PII_CAND_BATCH && flush(st) < 0)
		return 1; /* stop the scan: st->error says why */
	st->cand[st->ncand].id = id;
	st->cand[st->ncand].from = (size_t)from;
	st->cand[st->ncand].to = (size_t)to;
	st->last[id] = (unsigned)++st->ncand;
	return 0;
}

int enclave_pii_scan(struct enclave_pii_spans *out, const enclave_pii_scanner *s,
                     enclave_pii_state *st, const char *text, size_t len)
{
	int error = 0;

	if (st->s != s)
		return error_set(ENCLAVE_EINVALID,
		                 "pii scan: the state belongs to another scanner");
	if (len > 0xffffffffu)
		return error_set(ENCLAVE_ELIMIT, "pii scan: text of %zu bytes (at most 4 GiB)",
		                 len);
	st->text = text;
	st->len = len;
	st->out = out;
	st->out_start = out->n;
	st->error = 0;
	st->ncand = 0;
	if (len > 0) {
		hs_error_t rc =
		    hs_scan(s->db, text, (unsigned int)len, 0, st->scratch, on_match, st);
		if (rc == HS_SCAN_TERMINATED && st->error < 0) {
			error = st->error;
			goto done;
		}
		if (rc != HS_SUCCESS) {
			error = error_set(ENCLAVE_ERROR, "pii scan failed (hyperscan error %d)",
			                  (int)rc);
			goto done;
		}
	}
	if ((error = flush(st)) < 0)
		goto done;
	for (size_t i = 0; i < s->nextras; i++) {
		st->extra.n = 0;
		if ((error = s->extras[i].fn(s->extras[i].ctx, text, len, &st->extra)) < 0)
			goto done;
		for (size_t j = 0; j < st->extra.n; j++)
			if (st->extra.v[j].score >= s->extras[i].min_score &&
			    (error = emit(st, &st->extra.v[j], NULL)) < 0)
				goto done;
	}
	if ((error = enclave_pii_spans_resolve(out)) < 0)
		goto done;
	if (out->n > st->out_start &&
	    (error = pii_propagate_repeats(out, st->out_start, text, len)) < 0)
		goto done;
	if ((s->labels & ((enclave_pii_labels)1 << ENCLAVE_PII_PERSON)) && out->n > st->out_start &&
	    (error = pii_propagate_names(out, st->out_start, text, len)) < 0)
		goto done;
done:
	for (size_t i = 0; i < st->ncand; i++)
		st->last[st->cand[i].id] = 0;
	st->ncand = 0;
	if (error < 0)
		out->n = st->out_start;
	return error;
}

/* ------------------------------------------------------------ code points */

/*
 * Advance a code point walk over `text` from byte *b (counting in *cp) to
 * byte `to` (or the first character boundary past it).
 */
static void walk_to(const char *text, size_t len, size_t *b, size_t *cp, size_t to)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	uint32_t c;

	while (*b < to && *b < len) {
		/* Eight ASCII bytes at a time: eight code points. */
		if (*b + 8 <= to && *b + 8 <= len) {
			uint64_t w;
			memcpy(&w, p + *b, 8);
			if (!(w & 0x8080808080808080ull)) {
				*b += 8;
				*cp += 8;
				continue;
			}
		}
		if (p[*b] < 0x80)
			(*b)++;
		else
			*b += utf8_decode(p + *b, end, &c);
		(*cp)++;
	}
}

void enclave_pii_spans_cp(size_t *out, const char *text, size_t len,
                          const struct enclave_pii_spans *spans)
{
	size_t b = 0, cp = 0, b2, cp2;

	for (size_t i = 0; i < spans->n; i++) {
		const struct enclave_pii_span *sp = &spans->v[i];
		if (sp->start < b) { /* not sorted: count again from the start */
			b = 0;
			cp = 0;
		}
		walk_to(text, len, &b, &cp, sp->start);
		out[2 * i] = cp;
		b2 = b;
		cp2 = cp;
		walk_to(text, len, &b2, &cp2, sp->end);
		out[2 * i + 1] = cp2;
	}
}

/* ------------------------------------------------------------ JSON Lines */

/* The spans of `text` as a JSON array ({start, end, label, score, text, source}); NULL on ENOMEM. */
static json_t *spans_json(const char *text, size_t len, const struct enclave_pii_spans *spans,
                          const size_t *cp)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < spans->n; i++) {
		const struct enclave_pii_span *sp = &spans->v[i];
		json_t *o = json_object();

		if (!o || json_object_set_new(o, "start", json_integer((json_int_t)cp[2 * i])) ||
		    json_object_set_new(o, "end", json_integer((json_int_t)cp[2 * i + 1])) ||
		    json_object_set_new(o, "label",
		                        json_string(enclave_pii_label_name(sp->label))) ||
		    json_object_set_new(o, "score", json_real(round(sp->score * 100) / 100)) ||
		    json_object_set_new(o, "text",
		                        json_stringn(text + sp->start, sp->end - sp->start)) ||
		    json_object_set_new(o, "source", json_string(sp->source)) ||
		    json_array_append_new(arr, o)) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	(void)len;
	return arr;
}

size_t enclave_pii_line_max(void)
{
	return ENCLAVE_MAX_PII_LINE_BYTES;
}

int enclave_pii_scan_json(char **out, size_t *out_len, const enclave_pii_scanner *s,
                          enclave_pii_state *st, const char *line, size_t len, const char *field)
{
	struct enclave_pii_spans spans = { 0 };
	json_error_t jerr;
	json_t *obj = NULL, *f, *arr;
	size_t *cp = NULL;
	const char *text;
	size_t tlen;
	int error = 0;

	*out = NULL;
	*out_len = 0;
	if (len > ENCLAVE_MAX_PII_LINE_BYTES)
		return error_set(ENCLAVE_ELIMIT, "line of %zu bytes (at most %zu)", len,
		                 ENCLAVE_MAX_PII_LINE_BYTES);
	if (!(obj = json_loadb(line, len, JSON_ALLOW_NUL, &jerr)))
		return error_set(ENCLAVE_EINVALID, "not JSON: %s at column %d", jerr.text,
		                 jerr.column);
	if (!json_is_object(obj)) {
		error = error_set(ENCLAVE_EINVALID, "not a JSON object");
		goto done;
	}
	f = json_object_get(obj, field);
	if (!json_is_string(f)) {
		error = error_set(ENCLAVE_EINVALID, "no string field '%s'", field);
		goto done;
	}
	text = json_string_value(f);
	tlen = json_string_length(f);
	if ((error = enclave_pii_scan(&spans, s, st, text, tlen)) < 0)
		goto done;
	if (spans.n && !(cp = malloc(2 * spans.n * sizeof(*cp)))) {
		error = error_oom();
		goto done;
	}
	if (spans.n)
		enclave_pii_spans_cp(cp, text, tlen, &spans);
	if (!(arr = spans_json(text, tlen, &spans, cp)) || json_object_set_new(obj, "spans", arr)) {
		error = error_oom();
		goto done;
	}
	if (!(*out = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(4)))) {
		error = error_oom();
		goto done;
	}
	*out_len = strlen(*out);
done:
	free(cp);
	enclave_pii_spans_free(&spans);
	json_decref(obj);
	return error;
}

/* ------------------------------------------------------------ streams */

/*
 * Windows. Window k holds the stream's bytes [k * CHUNK, k * CHUNK + CHUNK
 * + OVERLAP) (the last one what is left): it starts with the last OVERLAP
 * bytes of window k - 1. Scanning a window depends on its bytes alone, so
 * windows are scanned in batches (one window without a pool, as many as the
 * pool has jobs with one), and then committed one after the other in
 * stream order: the UTF-8 check, the choice of the spans to report (those
 * that start in [from, cut) and after the last reported span's end), the
 * code point walk and the callback. Committing is the only part with state
 * carried from window to window, and it runs in the caller's thread in the
 * same order whatever the pool, so a stream reports the same spans with
 * any number of jobs.
 */
struct window {
	char *buf; /* ENCLAVE_PII_CHUNK_BYTES + ENCLAVE_PII_OVERLAP_BYTES */
	size_t len;
	unsigned long long base; /* stream offset of buf[0] */
	struct enclave_pii_spans spans;
	struct pii_task_error err; /* the scan's error */
};

struct enclave_pii_stream {
	const enclave_pii_scanner *s;
	enclave_pii_state *st; /* scans without a pool */
	enclave_pii_pool *pool;
	struct window *w; /* nw of them; w[nfull] is being filled */
	size_t nw, nfull, cap;
	unsigned long long from;     /* spans starting before this offset were reported */
	unsigned long long last_end; /* end of the last span reported */
	unsigned long long checked;  /* UTF-8 validity checked up to here */
	unsigned long long walk_b,
	    walk_cp;   /* code point walk: byte offset, code points before it */
	long long bad; /* first invalid UTF-8 byte, or -1 */
};

/* Free windows w[0..n) and the array. */
static void windows_free(struct window *w, size_t n)
{
	for (size_t i = 0; w && i < n; i++) {
		free(w[i].buf);
		enclave_pii_spans_free(&w[i].spans);
	}
	free(w);
}

/* Allocate `n` empty windows of `cap` bytes into *out. Returns 0 or ENCLAVE_ENOMEM. */
static int windows_new(struct window **out, size_t n, size_t cap)
{
	struct window *w = calloc(n, sizeof(*w));

	*out = NULL;
	if (!w)
		return error_oom();
	for (size_t i = 0; i < n; i++)
		if (!(w[i].buf = malloc(cap))) {
			windows_free(w, n);
			return error_oom();
		}
	*out = w;
	return 0;
}

int enclave_pii_stream_new(enclave_pii_stream **out, const enclave_pii_scanner *s)
{
	enclave_pii_stream *st;

	*out = NULL;
	if (!(st = calloc(1, sizeof(*st))))
		return error_oom();
	st->s = s;
	st->cap = ENCLAVE_PII_CHUNK_BYTES + ENCLAVE_PII_OVERLAP_BYTES;
	st->nw = 1;
	if (windows_new(&st->w, 1, st->cap) < 0 || enclave_pii_state_new(&st->st, s) < 0) {
		enclave_pii_stream_free(st);
		return error_oom();
	}
	enclave_pii_stream_reset(st);
	*out = st;
	return 0;
}

int enclave_pii_stream_set_pool(enclave_pii_stream *st, enclave_pii_pool *p)
{
	size_t n = p ? enclave_pii_pool_jobs(p) : 1;
	struct window *w;

	if (p && pii_pool_scanner(p) != st->s)
		return error_set(ENCLAVE_EINVALID,
		                 "pii stream: the pool belongs to another scanner");
	if (n != st->nw) {
		if (windows_new(&w, n, st->cap) < 0)
			return ENCLAVE_ENOMEM;
		windows_free(st->w, st->nw);
		st->w = w;
		st->nw = n;
	}
	st->pool = p;
	enclave_pii_stream_reset(st);
	return 0;
}

void enclave_pii_stream_free(enclave_pii_stream *st)
{
	if (!st)
		return;
	enclave_pii_state_free(st->st);
	windows_free(st->w, st->nw);
	free(st);
}

void enclave_pii_stream_reset(enclave_pii_stream *st)
{
	st->nfull = 0;
	st->w[0].len = 0;
	st->w[0].base = 0;
	st->from = st->last_end = st->checked = 0;
	st->walk_b = st->walk_cp = 0;
	st->bad = -1;
}

long long enclave_pii_stream_bad_utf8(const enclave_pii_stream *st)
{
	return st->bad;
}

/* Bytes of the UTF-8 sequence a lead byte starts (1 for anything invalid). */
static size_t seq_len(unsigned char c)
{
	return c < 0xC2 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 1;
}

/* Check UTF-8 validity of window `w` from st->checked on; a sequence cut at its end waits unless `final`. */
static void check_utf8(enclave_pii_stream *st, const struct window *w, int final)
{
	const unsigned char *p = (const unsigned char *)w->buf, *end = p + w->len;
	size_t i = (size_t)(st->checked - w->base);
	uint32_t c;

	while (i < w->len) {
		size_t n;
		uint64_t x;
		if (i + 8 <= w->len && (memcpy(&x, p + i, 8), !(x & 0x8080808080808080ull))) {
			i += 8;
			continue;
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (!final && i + seq_len(p[i]) > w->len)
			break;
		n = utf8_decode(p + i, end, &c);
		if (n == 1 && c == 0xFFFD && st->bad < 0)
			st->bad = (long long)(w->base + i);
		i += n;
	}
	st->checked = w->base + i;
}

/* Advance the code point walk to stream offset `to` inside window `w`. */
static void stream_walk(enclave_pii_stream *st, const struct window *w, unsigned long long to)
{
	size_t b = (size_t)(st->walk_b - w->base), cp = 0;

	walk_to(w->buf, w->len, &b, &cp, (size_t)(to - w->base));
	st->walk_b = w->base + b;
	st->walk_cp += cp;
}

/* Scan window i of the batch (a pii_task_fn): its spans, or its error. */
static void window_task(void *ctx, size_t i, enclave_pii_state *st)
{
	struct window *w = &((struct window *)ctx)[i];
	int rc;

	w->spans.n = 0;
	w->err.code = 0;
	if ((rc = enclave_pii_scan(&w->spans, st->s, st, w->buf, w->len)) < 0)
		pii_task_fail(&w->err, rc);
}

/* Report the spans of scanned window `w` that start in [from, cut) (see "Windows"). */
static int commit(enclave_pii_stream *st, const struct window *w, int final,
                  enclave_pii_found_cb cb, void *payload)
{
	size_t cut = final || w->len < ENCLAVE_PII_OVERLAP_BYTES / 2
	                 ? w->len
	                 : w->len - ENCLAVE_PII_OVERLAP_BYTES / 2;
	int rc;

	check_utf8(st, w, final);
	if ((rc = pii_task_error(&w->err)) < 0)
		return rc;
	for (size_t i = 0; i < w->spans.n; i++) {
		const struct enclave_pii_span *sp = &w->spans.v[i];
		unsigned long long a = w->base + sp->start, z = w->base + sp->end;
		struct enclave_pii_found f;

		if (a < st->from || a < st->last_end || sp->start >= cut)
			continue;
		stream_walk(st, w, a);
		f.cp_start = (size_t)st->walk_cp;
		stream_walk(st, w, z);
		f.cp_end = (size_t)st->walk_cp;
		f.span = *sp;
		f.span.start = (size_t)a;
		f.span.end = (size_t)z;
		f.text = w->buf + sp->start;
		f.text_len = sp->end - sp->start;
		st->last_end = z;
		if ((rc = cb(&f, payload)) != 0)
			return rc;
	}
	if (!final) {
		unsigned long long next = w->base + (w->len - ENCLAVE_PII_OVERLAP_BYTES);
		st->from = w->base + cut;
		if (st->walk_b < next)
			stream_walk(st, w, next);
	}
	return 0;
}

/*
 * Scan the windows w[0..n) (in parallel with a pool) and commit them in
 * order, the last one as the end of the stream when `final`; unless
 * `final`, w[0] then starts the next window with the last one's overlap.
 */
static int run(enclave_pii_stream *st, size_t n, int final, enclave_pii_found_cb cb, void *payload)
{
	struct window *last = &st->w[n - 1];
	int rc;

	if (st->pool)
		pii_pool_run(st->pool, n, window_task, st->w);
	else
		for (size_t i = 0; i < n; i++)
			window_task(st->w, i, st->st);
	for (size_t i = 0; i < n; i++)
		if ((rc = commit(st, &st->w[i], final && i == n - 1, cb, payload)) != 0)
			return rc;
	if (!final) {
		size_t keep = ENCLAVE_PII_OVERLAP_BYTES;
		memmove(st->w[0].buf, last->buf + last->len - keep, keep);
		st->w[0].base = last->base + last->len - keep;
		st->w[0].len = keep;
		st->nfull = 0;
	}
	return 0;
}

int enclave_pii_stream_feed(enclave_pii_stream *st, const char *data, size_t len,
                            enclave_pii_found_cb cb, void *payload)
{
	int rc;

	while (len > 0) {
		struct window *w = &st->w[st->nfull];
		size_t n = st->cap - w->len < len ? st->cap - w->len : len;

		memcpy(w->buf + w->len, data, n);
		w->len += n;
		data += n;
		len -= n;
		if (w->len < st->cap)
			continue;
		if (++st->nfull == st->nw) {
			if ((rc = run(st, st->nw, 0, cb, payload)) != 0)
				return rc;
		} else { /* the next window starts with this one's overlap */
			struct window *next = &st->w[st->nfull];
			size_t keep = ENCLAVE_PII_OVERLAP_BYTES;
			memcpy(next->buf, w->buf + w->len - keep, keep);
			next->base = w->base + w->len - keep;
			next->len = keep;
		}
	}
	return 0;
}

int enclave_pii_stream_end(enclave_pii_stream *st, enclave_pii_found_cb cb, void *payload)
{
	return run(st, st->nfull + 1, 1, cb, payload);
}

size_t enclave_pii_stream_window(void)
{
	return ENCLAVE_PII_CHUNK_BYTES + ENCLAVE_PII_OVERLAP_BYTES;
}

/* Scan the one window of streams[i] (a pii_task_fn over an array of streams). */
static void stream_task(void *ctx, size_t i, enclave_pii_state *st)
{
	enclave_pii_stream *const *streams = ctx;

	window_task(streams[i]->w, 0, st);
}

int enclave_pii_streams_end(enclave_pii_pool *p, enclave_pii_stream *const *streams, size_t n,
                            enclave_pii_found_cb cb, void *const *payloads,
                            enclave_pii_done_cb done, void *done_payload)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if (streams[i]->nfull != 0 || streams[i]->w[0].base != 0 ||
		    streams[i]->s != pii_pool_scanner(p))
			return error_set(ENCLAVE_EINVALID,
			                 "pii streams: stream %zu is past its first window or "
			                 "over another scanner",
			                 i);
	pii_pool_run(p, n, stream_task, (void *)streams);
	for (size_t i = 0; i < n; i++) {
		rc = commit(streams[i], &streams[i]->w[0], 1, cb, payloads[i]);
		if ((rc = done(i, rc, done_payload)) != 0)
			return rc;
	}
	return 0;
}
