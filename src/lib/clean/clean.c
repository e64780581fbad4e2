/*
 * The project-wide clean stage: `enclave clean --pii`.
 *
 * Pipeline (as ingest.c's): the main thread lists the ok documents; worker
 * threads take them in order, each with its own read-only SQLite connection
 * and its own scan state (the scanner is built once and shared), and for
 * each document: read the original text layer (hash-checked), check it is
 * UTF-8, scan it, convert the spans to code points and map them to page
 * boxes, read the spans that must stay (a user's, or reviewed), and redact
 * with the policy: the new proposals and the kept spans that are not
 * rejected (kept ones score 1 so that they win overlaps; a proposal at the
 * place of a kept span defers to it, so a rejected span stays unredacted).
 * The main thread records results strictly in order, in group transactions
 * (at most GROUP_MAX_DOCS or GROUP_MAX_SECONDS): the redacted blob, the
 * spans (machine proposals replaced, see spans.c), the `redacted` layer and
 * the spans' output ranges, and a `clean.pii.document` audit event (input:
 * the original layer's hash; output: the redacted layer's hash and counts
 * per label) or `clean.pii.failed`. A kill loses only the uncommitted
 * group; a rerun redoes every document and converges on the same state.
 * A final `clean.pii.run` event records the options (preset, labels,
 * minimum score, the operator policy, the recogniser set) and the counts.
 *
 * Without a policy (no --operator and no redact mapping in enclave.yaml)
 * only spans are stored, and a redacted layer left from an earlier run is
 * removed: it was made from spans that have just been replaced.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enclave/redact.h"

#include "clean_int.h"
#include "pii/ner_int.h"
#include "../store/store_int.h"
#include "../../util/utf8.h"

#define WINDOW_PER_JOB 4
#define GROUP_MAX_DOCS 64
#define GROUP_MAX_SECONDS 0.25
/* The rule recognisers' set, recorded in the run's audit event. */
#define RECOGNIZERS "enclave-rules/" ENCLAVE_VERSION

/* The labels only the tagger (and the clinical recogniser) find. */
#define NAME_LABELS                                            \
	(((enclave_pii_labels)1 << ENCLAVE_PII_PERSON) |       \
	 ((enclave_pii_labels)1 << ENCLAVE_PII_ORGANIZATION) | \
	 ((enclave_pii_labels)1 << ENCLAVE_PII_LOCATION))

/* ------------------------------------------------------------------ */
/* Work items                                                         */
/* ------------------------------------------------------------------ */

struct item {
	int64_t id;
	char *path;
	int done;
	char *error;               /* set when the document could not be cleaned */
	char text_sha[65];         /* the original layer's blob */
	struct store_spans found;  /* the machine's spans (code points, boxes) */
	struct store_spans output; /* kept spans redacted, with their output ranges */
	struct buf redacted;       /* the redacted text, when a policy is set */
	int has_redacted;
	size_t kept; /* spans stored for it after the commit */
	size_t per_label[ENCLAVE_PII_LABEL_COUNT];
};

struct pool {
	enclave_project *project;
	const enclave_pii_scanner *scanner;
	const enclave_redactor *redactor; /* NULL: no redaction */
	struct item *items;
	size_t n, next, committed, window;
	int stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void item_fail(struct item *it)
{
	const char *m = enclave_error_last();

	free(it->error);
	it->error = strdup(*m ? m : "unknown error");
}

/* The spans of `doc_id` that a rerun keeps: a user's, or reviewed. */
static int read_kept(struct store_spans *out, sqlite3 *db, int64_t doc_id)
{
	struct store_spans all = { 0 };
	size_t i;
	int error;

	if ((error = store_spans_read(&all, db, doc_id)) < 0)
		goto done;
	for (i = 0; i < all.n; i++)
		if ((all.v[i].status != STORE_SPAN_PROPOSED ||
		     !strncmp(all.v[i].source, "user:", 5)) &&
		    (error = store_spans_push(out, &all.v[i])) < 0)
			goto done;
done:
	store_spans_release(&all);
	return error;
}

/*
 * The span of `l` (sorted by start, as the scanner and the store give them)
 * at the place (start, end, label), or NULL: a binary search for the first
 * span starting at `start`, then the few that share it.
 */
static const struct store_span *at_place(const struct store_spans *l, size_t start, size_t end,
                                         const char *label)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->v[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && l->v[lo].start == start; lo++)
		if (l->v[lo].end == end && !strcmp(l->v[lo].label, label))
			return &l->v[lo];
	return NULL;
}

/*
 * Redact `text` with the new spans `found` (bytes, as scanned; `cps` their
 * code point offsets) and the kept spans `kept` (code points), filling
 * it->redacted and it->output (code points, for the store).
 */
static int redact_item(struct item *it, const enclave_redactor *r, const char *text, size_t len,
                       const struct enclave_pii_spans *found, const size_t *cps,
                       struct store_spans *kept)
{
	struct enclave_pii_spans list = { 0 };
	struct enclave_redacted red;
	struct store_span *f;
	size_t i, **ptrs = NULL, *offs = NULL;
	char subject[48];
	int error = 0;

	memset(&red, 0, sizeof(red));
	for (i = 0; i < found->n; i++) {
		const char *name = enclave_pii_label_name(found->v[i].label);
		if (at_place(kept, cps[2 * i], cps[2 * i + 1], name ? name : ""))
			continue; /* the kept span decides */
		if ((error = enclave_pii_spans_push(&list, &found->v[i])) < 0)
			goto done;
	}
	/* The kept spans' offsets in bytes. */
	if (kept->n && (!(ptrs = malloc(2 * kept->n * sizeof(*ptrs))) ||
	                !(offs = malloc(2 * kept->n * sizeof(*offs))))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < kept->n; i++) {
		offs[2 * i] = kept->v[i].start;
		offs[2 * i + 1] = kept->v[i].end;
		ptrs[2 * i] = &offs[2 * i];
		ptrs[2 * i + 1] = &offs[2 * i + 1];
	}
	if (kept->n && (error = clean_cp_to_bytes(text, len, ptrs, 2 * kept->n)) < 0) {
		error = error_prefix("a stored span does not fit the text");
		goto done;
	}
	for (i = 0; i < kept->n; i++) {
		struct enclave_pii_span s;
		int label = enclave_pii_label_parse(kept->v[i].label);
		if (kept->v[i].status == STORE_SPAN_REJECTED || label < 0)
			continue;
		s.start = offs[2 * i];
		s.end = offs[2 * i + 1];
		s.label = label;
		s.score = 1.0f;
		s.source = "user";
		if ((error = enclave_pii_spans_push(&list, &s)) < 0)
			goto done;
	}
	snprintf(subject, sizeof(subject), "document:%lld", (long long)it->id);
	if ((error = enclave_redact(&red, r, text, len, &list, subject)) < 0)
		goto done;
	/* Output ranges, in code points of each text. */
	free(ptrs);
	free(offs);
	ptrs = NULL;
	offs = NULL;
	if (red.nspans && (!(ptrs = malloc(4 * red.nspans * sizeof(*ptrs))) ||
	                   !(offs = malloc(4 * red.nspans * sizeof(*offs))))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < red.nspans; i++) {
		offs[4 * i] = red.spans[i].start;
		offs[4 * i + 1] = red.spans[i].end;
		offs[4 * i + 2] = red.spans[i].out_start;
		offs[4 * i + 3] = red.spans[i].out_end;
		ptrs[2 * i] = &offs[4 * i];
		ptrs[2 * i + 1] = &offs[4 * i + 1];
		ptrs[2 * red.nspans + 2 * i] = &offs[4 * i + 2];
		ptrs[2 * red.nspans + 2 * i + 1] = &offs[4 * i + 3];
	}
	if (red.nspans && ((error = clean_bytes_to_cp(text, len, ptrs, 2 * red.nspans)) < 0 ||
	                   (error = clean_bytes_to_cp(red.text, red.len, ptrs + 2 * red.nspans,
	                                              2 * red.nspans)) < 0))
		goto done;
	for (i = 0; i < red.nspans; i++) {
		struct store_span s;
		memset(&s, 0, sizeof(s));
		s.start = offs[4 * i];
		s.end = offs[4 * i + 1];
		s.out_start = (int64_t)offs[4 * i + 2];
		s.out_end = (int64_t)offs[4 * i + 3];
		s.label = (char *)enclave_pii_label_name(red.spans[i].label);
		s.source = (char *)"";
		if (!s.label)
			continue;
		/*
		 * A kept span's range is set by an update; a new one's at its
		 * insertion (a new span at a kept place is not inserted).
		 */
		if (!at_place(kept, s.start, s.end, s.label) &&
		    (f = (struct store_span *)at_place(&it->found, s.start, s.end, s.label))) {
			f->out_start = s.out_start;
			f->out_end = s.out_end;
		} else if ((error = store_spans_push(&it->output, &s)) < 0) {
			goto done;
		}
	}
	if ((error = buf_put(&it->redacted, red.text, red.len)) < 0) {
		error = error_buf(error, "the redacted text");
		goto done;
	}
	it->has_redacted = 1;
done:
	enclave_redacted_release(&red);
	enclave_pii_spans_free(&list);
	free(ptrs);
	free(offs);
	return error;
}

/* Clean one document. Never fails: a failure lands in the item. */
static void process(struct item *it, sqlite3 *db, const struct pool *pl, enclave_pii_state *st)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct enclave_pii_spans found = { 0 };
	struct store_spans kept = { 0 };
	struct enclave_doc *doc = NULL;
	size_t i, *cps = NULL;
	int error;

	it->redacted.max = ENCLAVE_MAX_TEXT_BYTES;
	if (!db) {
		error = error_set(ENCLAVE_ESTORE, "store: a worker could not open the store");
		goto done;
	}
	error = store_text_blob(db, it->id, "original", it->text_sha);
	if (error == ENCLAVE_ENOTFOUND)
		error = error_set(ENCLAVE_ENOTFOUND, "document %lld has no original text layer",
		                  (long long)it->id);
	if (error < 0 || (error = blob_get(&text, pl->project, it->text_sha)) < 0)
		goto done;
	if (!utf8_valid(buf_cstr(&text), text.len)) {
		error = error_set(ENCLAVE_EINVALID, "document %lld: its text is not valid UTF-8",
		                  (long long)it->id);
		goto done;
	}
	if ((error = enclave_pii_scan(&found, pl->scanner, st, buf_cstr(&text), text.len)) < 0)
		goto done;
	if (found.n && !(cps = malloc(2 * found.n * sizeof(*cps)))) {
		error = error_oom();
		goto done;
	}
	if (found.n) {
		enclave_pii_spans_cp(cps, buf_cstr(&text), text.len, &found);
		if ((error = store_document_load(&doc, db, it->id)) < 0)
			goto done;
	}
	for (i = 0; i < found.n; i++) {
		struct store_span s;
		json_t *boxes = clean_span_boxes(doc, cps[2 * i], cps[2 * i + 1]);
		char *json = boxes ? json_dumps(boxes, JSON_COMPACT) : NULL;
		json_decref(boxes);
		if (!json) {
			error = error_oom();
			goto done;
		}
		memset(&s, 0, sizeof(s));
		s.start = cps[2 * i];
		s.end = cps[2 * i + 1];
		s.label = (char *)enclave_pii_label_name(found.v[i].label);
		s.source = (char *)(found.v[i].source ? found.v[i].source : "rule:unknown");
		s.score = found.v[i].score;
		s.boxes = json;
		s.out_start = s.out_end = -1;
		error = s.label ? store_spans_push(&it->found, &s) : 0;
		free(json);
		if (error < 0)
			goto done;
		if (s.label)
			it->per_label[found.v[i].label]++;
	}
	if (pl->redactor) {
		if ((error = read_kept(&kept, db, it->id)) < 0 ||
		    (error = redact_item(it, pl->redactor, buf_cstr(&text), text.len, &found, cps,
		                         &kept)) < 0)
			goto done;
	}
done:
	if (error < 0) {
		item_fail(it);
		store_spans_release(&it->found);
		store_spans_release(&it->output);
		buf_release(&it->redacted);
		it->has_redacted = 0;
	}
	enclave_doc_free(doc);
	free(cps);
	store_spans_release(&kept);
	enclave_pii_spans_free(&found);
	buf_release(&text);
}

static void *worker(void *arg)
{
	struct pool *pl = arg;
	enclave_pii_state *st = NULL;
	sqlite3 *db = NULL;
	char *path = project_file(pl->project, PROJECT_DB);

	if (path && sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	                SQLITE_OK) {
		sqlite3_close(db);
		db = NULL;
	}
	if (db)
		sqlite3_busy_timeout(db, 30000);
	free(path);
	if (enclave_pii_state_new(&st, pl->scanner) < 0)
		st = NULL;
	for (;;) {
		size_t i;
		pthread_mutex_lock(&pl->lock);
		while (!pl->stop && pl->next < pl->n && pl->next >= pl->committed + pl->window)
			pthread_cond_wait(&pl->cond, &pl->lock);
		if (pl->stop || pl->next >= pl->n) {
			pthread_mutex_unlock(&pl->lock);
			break;
		}
		i = pl->next++;
		pthread_mutex_unlock(&pl->lock);

		if (st) {
			process(&pl->items[i], db, pl, st);
		} else {
			error_set(ENCLAVE_ENOMEM, "out of memory for a scan state");
			item_fail(&pl->items[i]);
		}

		pthread_mutex_lock(&pl->lock);
		pl->items[i].done = 1;
		pthread_cond_broadcast(&pl->cond);
		pthread_mutex_unlock(&pl->lock);
	}
	enclave_pii_state_free(st);
	sqlite3_close(db);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Committing                                                         */
/* ------------------------------------------------------------------ */

/* {"LABEL": n, ...} of the non-zero counts. */
static json_t *label_counts(const size_t *per_label)
{
	json_t *o = json_object();
	int l;

	for (l = 0; o && l < ENCLAVE_PII_LABEL_COUNT; l++)
		if (per_label[l] &&
		    json_object_set_new(o, enclave_pii_label_name(l),
		                        json_integer((json_int_t)per_label[l])) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* Spans of `it` given a place in its redacted layer. */
static size_t redacted_spans(const struct item *it)
{
	size_t i, n = it->output.n;

	for (i = 0; i < it->found.n; i++)
		n += it->found.v[i].out_start >= 0;
	return n;
}

/* Record one item in the open group transaction (opened here when needed). */
static int commit_item(enclave_project *p, struct item *it, int redacting)
{
	json_t *params = NULL, *inputs = NULL, *outputs = NULL;
	char subject[48], red_sha[65];
	int error;

	if (!p->in_tx && (error = store_begin(p)) < 0)
		return error;
	snprintf(subject, sizeof(subject), "document:%lld", (long long)it->id);
	if (it->error) {
		inputs = it->text_sha[0] ? json_pack("{s:s}", "text_sha256", it->text_sha)
		                         : json_object();
		outputs = json_pack("{s:s}", "error", it->error);
		if (!inputs || !outputs) {
			error = error_oom();
			goto done;
		}
		error = audit_append(p, "clean.pii.failed", subject, NULL, inputs, outputs, NULL);
		goto done;
	}
	if (it->has_redacted &&
	    (error = blob_put(p, red_sha, buf_cstr(&it->redacted), it->redacted.len)) < 0)
		goto done;
	if ((error = store_spans_replace(p, it->id, &it->found, NULL)) < 0)
		goto done;
	if (it->has_redacted) {
		if ((error = store_text_insert(p, it->id, "redacted", red_sha)) < 0 ||
		    (error = store_spans_set_output(p, it->id, &it->output)) < 0)
			goto done;
	} else if ((error = store_text_delete(p, it->id, "redacted")) < 0) {
		goto done;
	}
	if ((error = store_spans_count(p, it->id, &it->kept)) < 0)
		goto done;
	params = json_pack("{s:b}", "redact", redacting);
	inputs = json_pack("{s:s}", "text_sha256", it->text_sha);
	outputs = json_pack("{s:I,s:I,s:o}", "spans_found", (json_int_t)it->found.n, "spans",
	                    (json_int_t)it->kept, "per_label", label_counts(it->per_label));
	if (!params || !inputs || !outputs ||
	    (it->has_redacted &&
	     (json_object_set_new(outputs, "redacted_sha256", json_string(red_sha)) < 0 ||
	      json_object_set_new(outputs, "redacted_spans",
	                          json_integer((json_int_t)redacted_spans(it))) < 0))) {
		error = error_oom();
		goto done;
	}
	error = audit_append(p, "clean.pii.document", subject, params, inputs, outputs, NULL);
done:
	json_decref(params);
	json_decref(inputs);
	json_decref(outputs);
	return error;
}

/* The labels named in `list` ("A,B"), or ENCLAVE_EINVALID naming the unknown one. */
static int parse_labels(enclave_pii_labels *out, const char *list)
{
	const char *s = list;

	*out = 0;
	while (*s) {
		char name[64];
		size_t n = strcspn(s, ",");
		int label;
		if (n == 0 || n >= sizeof(name))
			return error_set(ENCLAVE_EINVALID, "bad label list '%s'", list);
		memcpy(name, s, n);
		name[n] = '\0';
		if ((label = enclave_pii_label_parse(name)) < 0)
			return error_set(ENCLAVE_EINVALID, "unknown label '%s'", name);
		*out |= (enclave_pii_labels)1 << label;
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

/* The run's settings: the config file, overridden by the options. */
struct settings {
	struct enclave_clean_config config;
	const char *preset;
	enclave_pii_labels labels;
	double min_score;
	const char *policy_spec; /* NULL: no redaction */
	struct enclave_redact_policy policy;
	int ner, clinical;      /* which recognisers besides the rules run */
	const char *ner_sha256; /* the tagger's model hash, once loaded */
};

static int resolve_settings(struct settings *s, enclave_project *p,
                            const struct enclave_clean_options *opts)
{
	int error;

	if ((error = enclave_clean_config_load(&s->config, p)) < 0)
		return error;
	s->preset = opts->preset ? opts->preset : s->config.preset;
	if ((error = enclave_pii_preset(s->preset, &s->labels)) < 0)
		return error_set(ENCLAVE_EINVALID, "unknown preset '%s' (all, hipaa, gdpr, pci)",
		                 s->preset);
	if (opts->entities)
		error = parse_labels(&s->labels, opts->entities);
	else if (s->config.has_entities)
		s->labels = s->config.entities;
	if (error < 0)
		return error;
	s->min_score = opts->min_score >= 0 ? opts->min_score : s->config.min_score;
	if (!isfinite(s->min_score) || s->min_score > 1)
		return error_set(ENCLAVE_EINVALID, "the minimum score is a number from 0 to 1");
	s->ner = opts->ner >= 0 ? opts->ner : s->config.ner;
	s->clinical = opts->clinical >= 0 ? opts->clinical : s->config.clinical;
	if (s->clinical < 0)
		s->clinical = !strcmp(s->preset, "hipaa");
	s->policy_spec = opts->operators ? opts->operators : s->config.redact;
	if (s->policy_spec && (error = enclave_redact_policy_parse(&s->policy, s->policy_spec)) < 0)
		return error_prefix("%s", opts->operators ? "--operator" : "enclave.yaml: redact");
	return 0;
}

/* The recognisers of the run, by name and version: rules, the tagger, the clinical ones. */
static json_t *recognizer_set(const struct settings *set)
{
	json_t *a = json_array();

	if (a && json_array_append_new(a, json_string(RECOGNIZERS)) < 0)
		goto fail;
	if (a && set->ner_sha256 && json_array_append_new(a, json_string("model:ner")) < 0)
		goto fail;
	if (a && set->clinical &&
	    json_array_append_new(a, json_string("enclave-clinical/" ENCLAVE_VERSION)) < 0)
		goto fail;
	return a;
fail:
	json_decref(a);
	return NULL;
}

/* Record the run: its settings and counts. */
static int commit_run(enclave_project *p, const struct settings *set, int jobs,
                      const struct enclave_clean_summary *s)
{
	json_t *params = NULL, *outputs = NULL, *labels = json_array();
	char score[32], *policy = NULL;
	int l, error;

	for (l = 0; labels && l < ENCLAVE_PII_LABEL_COUNT; l++)
		if ((set->labels >> l & 1) &&
		    json_array_append_new(labels, json_string(enclave_pii_label_name(l))) < 0)
			break;
	if (set->policy_spec && (error = enclave_redact_policy_format(&policy, &set->policy)) < 0)
		goto done;
	/* Events hold no reals (audit.c): the score as text. */
	snprintf(score, sizeof(score), "%g", set->min_score);
	params = json_pack("{s:s,s:o,s:s,s:s?,s:o,s:s?,s:i}", "preset", set->preset, "labels",
	                   labels, "min_score", score, "operators", policy, "recognizers",
	                   recognizer_set(set), "ner_model_sha256", set->ner_sha256, "jobs", jobs);
	labels = NULL;
	outputs = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "documents", (json_int_t)s->documents,
	                    "scanned", (json_int_t)s->scanned, "failed", (json_int_t)s->failed,
	                    "redacted", (json_int_t)s->redacted, "spans", (json_int_t)s->spans,
	                    "per_label", label_counts(s->per_label));
	if (!params || !outputs) {
		error = error_oom();
		goto done;
	}
	if ((error = store_begin(p)) < 0)
		goto done;
	if ((error = audit_append(p, "clean.pii.run", "project", params, NULL, outputs, NULL)) <
	    0) {
		store_rollback(p);
		goto done;
	}
	error = store_commit(p);
done:
	free(policy);
	json_decref(labels);
	json_decref(params);
	json_decref(outputs);
	return error;
}

/* The ok documents, in id order, as items. */
static int list_items(struct item **out, size_t *n, enclave_project *p)
{
	sqlite3_stmt *st;
	struct item *v = NULL;
	size_t cap = 0;
	int error, rc;

	*out = NULL;
	*n = 0;
	if ((error = store_prepare(&st, p->db,
	                           "SELECT id, path FROM documents WHERE status = 'ok'"
	                           " ORDER BY id")) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct item *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				error = error_oom();
				break;
			}
			v = nv;
			cap = ncap;
		}
		memset(&v[*n], 0, sizeof(v[*n]));
		v[*n].id = sqlite3_column_int64(st, 0);
		if (!(v[*n].path = strdup((const char *)sqlite3_column_text(st, 1)))) {
			error = error_oom();
			break;
		}
		v[*n].redacted = (struct buf)BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
		(*n)++;
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(p->db, "list documents");
	sqlite3_finalize(st);
	*out = v;
	return error;
}

static void item_release(struct item *it)
{
	free(it->path);
	free(it->error);
	it->path = it->error = NULL;
	store_spans_release(&it->found);
	store_spans_release(&it->output);
	buf_release(&it->redacted);
}

int enclave_clean(enclave_project *p, const struct enclave_clean_options *opts,
                  struct enclave_clean_summary *summary, enclave_clean_cb cb, void *payload)
{
	static const struct enclave_clean_options defaults = ENCLAVE_CLEAN_OPTIONS_INIT;
	struct enclave_pii_scan_options so = ENCLAVE_PII_SCAN_OPTIONS_INIT;
	struct enclave_clean_summary s;
	struct settings set;
	enclave_pii_scanner *scanner = NULL;
	enclave_ner_model *ner = NULL;
	enclave_pii_clinical *clinical = NULL;
	enclave_redactor *redactor = NULL;
	unsigned char key[32];
	pthread_t *threads = NULL;
	struct pool pl;
	size_t i, j, first = 0;
	int jobs, started = 0, error = 0, t, pool_ready = 0;
	double group_start;

	if (!opts)
		opts = &defaults;
	memset(&s, 0, sizeof(s));
	memset(&set, 0, sizeof(set));
	memset(&pl, 0, sizeof(pl));
	if (summary)
		memset(summary, 0, sizeof(*summary));
	if (!opts->pii)
		return error_set(ENCLAVE_EINVALID, "nothing to do: the one cleaning step so far is"
		                                   " --pii");
	if (!p->have_sk)
		return error_set(ENCLAVE_ENOTFOUND, "cannot change the project: its secret key is "
		                                    "unreadable");
	if ((error = resolve_settings(&set, p, opts)) < 0)
		goto done;
	so.labels = set.labels;
	so.min_score = (float)set.min_score;
	so.safe_harbor = !strcmp(set.preset, "hipaa");
	if ((error = enclave_pii_scanner_new(&scanner, &so)) < 0)
		goto done;
	if (set.ner && (set.labels & NAME_LABELS)) {
		if ((error = enclave_ner_load_default(&ner)) < 0 ||
		    (error = enclave_pii_scanner_add_ner(scanner, ner,
		                                         set.clinical
		                                             ? ENCLAVE_PII_NER_CLINICAL_MIN_SCORE
		                                             : ENCLAVE_PII_NER_MIN_SCORE)) < 0)
			goto done;
		set.ner_sha256 = ner_model_sha256(ner);
	}
	if (set.clinical && ((error = enclave_pii_clinical_new(&clinical, ner)) < 0 ||
	                     (error = enclave_pii_scanner_add_clinical(scanner, clinical)) < 0))
		goto done;
	if (set.policy_spec) {
		if ((error = enclave_project_pii_secret(p, key)) < 0)
			goto done;
		error = enclave_redactor_new(&redactor, &set.policy, key);
		secure_zero(key, sizeof(key));
		if (error < 0)
			goto done;
	}
	jobs = opts->jobs > 0 ? opts->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	if (jobs > 64)
		jobs = 64;
	if ((error = list_items(&pl.items, &pl.n, p)) < 0)
		goto done;
	s.documents = pl.n;
	pl.project = p;
	pl.scanner = scanner;
	pl.redactor = redactor;
	pl.window = (size_t)jobs * WINDOW_PER_JOB;
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.cond, NULL);
	pool_ready = 1;
	if (!(threads = calloc((size_t)jobs, sizeof(*threads)))) {
		error = error_oom();
		goto join;
	}
	for (t = 0; t < jobs; t++) {
		if (pthread_create(&threads[t], NULL, worker, &pl) != 0)
			break;
		started++;
	}
	if (!started && pl.n) {
		error = error_set(ENCLAVE_ERROR, "cannot start worker threads");
		goto join;
	}

	group_start = time_monotonic();
	for (i = 0; i < pl.n; i++) {
		struct item *it = &pl.items[i];
		int next_ready;

		pthread_mutex_lock(&pl.lock);
		while (!it->done)
			pthread_cond_wait(&pl.cond, &pl.lock);
		pthread_mutex_unlock(&pl.lock);
		if ((error = commit_item(p, it, redactor != NULL)) < 0) {
			store_rollback(p); /* the open group is lost, never reported */
			break;
		}
		/* Group commit, as ingest.c: see its loop. */
		pthread_mutex_lock(&pl.lock);
		next_ready = i + 1 < pl.n && pl.items[i + 1].done;
		pthread_mutex_unlock(&pl.lock);
		if (next_ready && i + 1 - first < GROUP_MAX_DOCS &&
		    time_monotonic() - group_start < GROUP_MAX_SECONDS)
			continue;
		if (p->in_tx && (error = store_commit(p)) < 0)
			break;
		for (j = first; j <= i; j++) {
			struct item *g = &pl.items[j];
			int l;
			if (g->error) {
				s.failed++;
			} else {
				s.scanned++;
				s.redacted += g->has_redacted;
				s.spans += g->found.n;
				for (l = 0; l < ENCLAVE_PII_LABEL_COUNT; l++)
					s.per_label[l] += g->per_label[l];
			}
			if (cb) {
				struct enclave_clean_item report;
				report.document_id = g->id;
				report.path = g->path;
				report.failed = g->error != NULL;
				report.error = g->error;
				report.spans = g->kept;
				report.redacted = g->has_redacted;
				report.done = j + 1;
				report.total = pl.n;
				cb(&report, payload);
			}
			item_release(g);
		}
		first = i + 1;
		group_start = time_monotonic();
		pthread_mutex_lock(&pl.lock);
		pl.committed = i + 1;
		pthread_cond_broadcast(&pl.cond);
		pthread_mutex_unlock(&pl.lock);
	}
join:
	pthread_mutex_lock(&pl.lock);
	pl.stop = 1;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	for (t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	if (!error)
		error = commit_run(p, &set, jobs, &s);
	if (!error)
		error = audit_write_head(p);
done:
	for (i = 0; i < pl.n; i++)
		item_release(&pl.items[i]);
	free(pl.items);
	if (pool_ready) {
		pthread_mutex_destroy(&pl.lock);
		pthread_cond_destroy(&pl.cond);
	}
	enclave_redactor_free(redactor);
	enclave_pii_scanner_free(scanner);
	enclave_pii_clinical_free(clinical);
	enclave_ner_free(ner);
	enclave_clean_config_release(&set.config);
	if (summary)
		*summary = s;
	return error;
}
