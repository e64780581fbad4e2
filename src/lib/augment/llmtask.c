/*
 * The LLM tasks of `enclave augment` (include/enclave/augment.h,
 * docs/cli/augment.md): qa, instruct, paraphrase, summary, suggest-labels
 * and judge against a configured endpoint.
 *
 * Sources. The chunk tasks read every ok document as the export ships it
 * (export_record: the redacted layer unless allow_pii) and cut it with the
 * export's chunker (export_chunk_ranges); suggest-labels takes whole
 * documents, judge the records already made. Every source document passes
 * through source_allowed(), the one place deciding whether it may be used
 * (the project's test split is wired there).
 *
 * The redacted layer (the default) and the original text: paraphrase maps
 * the accepted NER annotations onto the layer so they become placeholders
 * with the tags, and suggest-labels maps the entities it finds in the
 * layer back to the original text the label app annotates (red_map_offset,
 * through the spans' ranges in both texts).
 *
 * Items. An item is (source, variant); its key is enclave_record_key(task,
 * source hash, canonical parameters: template hash, model, sampling, seed;
 * variant). Items already stored are skipped before any request. The rest
 * go in groups of GROUP through enclave_llm_chat_many; each reply must be
 * one JSON object with the task's fields (strict) and pass the task's
 * checks; a reply that does not is asked again (the previous reply and
 * what was wrong appended to the conversation), up to o->attempts calls,
 * then counted as rejected (not stored). A request that fails (HTTP error
 * after the client's own retries, timeout, guard refusal) is counted as an
 * error. The records of a group are inserted in one transaction.
 *
 * The breaker. When the endpoint goes away mid-run every item would fail
 * after its retries and backoff; instead, once r->breaker calls in a row
 * could not reach it (enclave_llm_set_breaker: counted by chat_many across
 * groups, reset by any call that got through), the group's records made so
 * far are inserted, nothing more is queued (limit_reached, add_item), the
 * augment.run event says why ("stopped") and the run returns ENCLAVE_EIO.
 * The items not made have no record, so a rerun asks them.
 */
#include <stdlib.h>
#include <string.h>

#include "enclave/split.h"
#include "llmtask_int.h"
#include "../export/export_int.h"
#include "../clean/clean_int.h"
#include "../../util/utf8.h"

#define LLMTASK_VERSION "1"
#define MAX_SOURCE_CP 32768 /* suggest-labels: code points of a document sent at most */

/* clang-format off */
static const char schema_qa[] =
    "{\"type\":\"object\",\"properties\":{\"question\":{\"type\":\"string\"},"
    "\"answer\":{\"type\":\"string\"},\"evidence\":{\"type\":\"string\"}},"
    "\"required\":[\"question\",\"answer\",\"evidence\"]}";
static const char schema_instruct[] =
    "{\"type\":\"object\",\"properties\":{\"instruction\":{\"type\":\"string\"},"
    "\"input\":{\"type\":\"string\"},\"response\":{\"type\":\"string\"}},"
    "\"required\":[\"instruction\",\"input\",\"response\"]}";
static const char schema_paraphrase[] =
    "{\"type\":\"object\",\"properties\":{\"variant\":{\"type\":\"string\"}},"
    "\"required\":[\"variant\"]}";
static const char schema_summary[] =
    "{\"type\":\"object\",\"properties\":{\"summary\":{\"type\":\"string\"}},"
    "\"required\":[\"summary\"]}";
static const char schema_labels[] =
    "{\"type\":\"object\",\"properties\":{\"classes\":{\"type\":\"array\","
    "\"items\":{\"type\":\"string\"}},\"entities\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"},"
    "\"label\":{\"type\":\"string\"}},\"required\":[\"text\",\"label\"]}}},"
    "\"required\":[\"classes\",\"entities\"]}";
static const char schema_judge[] =
    "{\"type\":\"object\",\"properties\":{\"score\":{\"type\":\"integer\"},"
    "\"rationale\":{\"type\":\"string\"},\"criteria\":{\"type\":\"object\"}},"
    "\"required\":[\"score\",\"rationale\"]}";
/* clang-format on */

static const char *const names_chunk[] = { "text", "document_id", "chunk", "variant", NULL };
static const char *const names_paraphrase[] = { "text",    "document_id",  "chunk",
	                                        "variant", "placeholders", NULL };
static const char *const names_labels[] = { "text",    "document_id",   "classes",
	                                    "variant", "entity_labels", NULL };
static const char *const names_judge[] = { "item", "text", "kind", "record_id", "variant", NULL };

enum source_kind { SRC_CHUNKS, SRC_DOCUMENTS, SRC_RECORDS };

struct task_def {
	const char *name;
	const char *schema;
	const char *const *names;
	enum source_kind source;
};

static const struct task_def task_defs[] = {
	{ "qa", schema_qa, names_chunk, SRC_CHUNKS },
	{ "instruct", schema_instruct, names_chunk, SRC_CHUNKS },
	{ "paraphrase", schema_paraphrase, names_paraphrase, SRC_CHUNKS },
	{ "summary", schema_summary, names_chunk, SRC_CHUNKS },
	{ "suggest-labels", schema_labels, names_labels, SRC_DOCUMENTS },
	{ "judge", schema_judge, names_judge, SRC_RECORDS },
};

static const struct task_def *task_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(task_defs) / sizeof(task_defs[0]); i++)
		if (!strcmp(task_defs[i].name, name))
			return &task_defs[i];
	return NULL;
}

int enclave_augment_llm_task(const char *name)
{
	return task_find(name) != NULL;
}

/* ------------------------------------------------------------ the redacted layer's map */

/*
 * The redacted PII spans of a document: each one's range in the original
 * text and in the redacted layer (spans.start/end and out_start/out_end,
 * code points; clean --pii records them with the layer, and export_record
 * has checked they match it). Outside every span the two texts differ by
 * the growth of the spans before; a range that touches a span covers the
 * whole of it on the other side.
 */
struct red_span {
	size_t start, end, out_start, out_end;
	char label[40];
};

struct red_map {
	struct red_span *v;
	size_t n;
};

static void red_map_release(struct red_map *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* The redacted spans of document `doc` into `m` (empty first). */
static int red_map_load(struct red_map *m, enclave_project *p, int64_t doc)
{
	struct store_spans all = { 0 };
	int error;

	red_map_release(m);
	if ((error = store_spans_read(&all, p->db, doc)) < 0)
		return error;
	if (all.n && !(m->v = calloc(all.n, sizeof(*m->v))))
		error = error_oom();
	for (size_t i = 0; !error && i < all.n; i++)
		if (all.v[i].out_start >= 0 && all.v[i].out_end >= all.v[i].out_start) {
			struct red_span *d = &m->v[m->n++];
			d->start = all.v[i].start;
			d->end = all.v[i].end;
			d->out_start = (size_t)all.v[i].out_start;
			d->out_end = (size_t)all.v[i].out_end;
			snprintf(d->label, sizeof(d->label), "%s", all.v[i].label);
		}
	store_spans_release(&all);
	return error;
}

static int red_map_copy(struct red_map *dst, const struct red_map *src)
{
	dst->n = 0;
	dst->v = NULL;
	if (!src || !src->n)
		return 0;
	if (!(dst->v = malloc(src->n * sizeof(*dst->v))))
		return error_oom();
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

/*
 * Map offset `o` of one side to the other: to_original 1 maps a redacted
 * layer offset to the original text, 0 the reverse. A start (end 0) inside
 * a span maps to the start of the span's range on the other side, an end
 * (end 1) inside one to its end, so a range overlapping a redaction covers
 * the whole of it.
 */
static size_t red_map_offset(const struct red_map *m, size_t o, int to_original, int end)
{
	long long delta = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct red_span *s = &m->v[i];
		size_t fs = to_original ? s->out_start : s->start,
		       fe = to_original ? s->out_end : s->end,
		       ts = to_original ? s->start : s->out_start,
		       te = to_original ? s->end : s->out_end;
		if (end ? (fs < o && o <= fe) : (fs <= o && o < fe))
			return end ? te : ts;
		if (fe <= o)
			delta += (long long)(te - ts) - (long long)(fe - fs);
	}
	return (size_t)((long long)o + delta);
}

/* ------------------------------------------------------------ items */

/* One item in flight: its source, its conversation, and what came of it. */
struct item {
	char key[65];
	int64_t document_id, chunk, variant;
	char source_sha[65];
	char *context;          /* the source text the checks use (chunk, document, record) */
	struct aug_spans spans; /* paraphrase: the entity spans of context (prepared) */
	int64_t record_id;      /* judge: the record judged */
	int truncated;          /* suggest-labels: context is the document's start only */
	int mapped;             /* suggest-labels: context is the redacted layer; red maps it */
	struct red_map red;     /* suggest-labels: the document's redacted spans */
	char *system, *user;    /* the rendered prompt */
	char *prev, *feedback;  /* a retry: the rejected reply and why */
	struct enclave_llm_message msgs[4];
	struct enclave_llm_request req;
	int calls;
	int64_t ptok, ctok;
	int finished;
	/* The record made: */
	char *text, *payload, *lineage;
	int score; /* judge */
};

static void item_free(struct item *it)
{
	if (!it)
		return;
	free(it->context);
	aug_spans_release(&it->spans);
	red_map_release(&it->red);
	free(it->system);
	free(it->user);
	free(it->prev);
	free(it->feedback);
	free(it->text);
	free(it->payload);
	free(it->lineage);
	free(it);
}

/* ------------------------------------------------------------ the run */

#define GROUP_MIN 16
#define GROUP_MAX 256

struct run {
	enclave_project *p;
	const struct enclave_augment_llm_options *o;
	const struct task_def *task;
	struct enclave_llm_config cfg;
	const struct enclave_llm_endpoint *ep;
	enclave_llm *llm;
	struct aug_template tmpl;
	char *params; /* canonical JSON of what shapes the output (the keys) */
	double temperature;
	int max_tokens, attempts, in_flight;
	const char *chunk_by;
	unsigned chunk_size, chunk_overlap;
	int original;                        /* the original layer is read */
	json_t *schema_classes, *schema_ner; /* suggest-labels: the label schema's (borrowed) */
	json_t *label_schema;
	char classes_list[4096], ner_list[4096];
	json_t *unredacted_used; /* ids of documents sent without a redacted layer */
	struct item **group;
	size_t ngroup, group_cap;
	double t0;
	char split_sha256[65];      /* the project split's assignment hash (split_guard) */
	int breaker;                /* unreachable calls in a row that stop the run (0: never) */
	char last_unreachable[256]; /* the message of the last unreachable call */
	struct enclave_augment_llm_summary *sum;
};

/*
 * May document `document_id` be a source? The one place deciding it (the
 * contamination guard's first half; docs/cli/split.md): when the project
 * has a split (enclave split), documents of its test split are refused, and
 * so are documents without a split yet (ingested since the last `enclave
 * split`), which a later split could put in test. Without a project split
 * every document may be used (sum->split_guard 0; the CLI warns).
 * *allowed 1 or 0; an error stops the run.
 */
static int source_allowed(struct run *r, int64_t document_id, int *allowed)
{
	const char *name = NULL;
	int error;

	*allowed = 1;
	if (!r->sum->split_guard)
		return 0;
	if ((error = enclave_split_of(r->p, document_id, &name)) < 0)
		return error;
	if (!name)
		r->sum->unsplit++;
	*allowed = name && strcmp(name, "test") != 0;
	return 0;
}

static void progress(struct run *r)
{
	r->sum->seconds = time_monotonic() - r->t0;
	if (r->o->progress)
		r->o->progress(r->sum, r->o->payload);
}

static void note_failure(struct run *r, int64_t document_id, int64_t chunk, const char *why)
{
	if (!r->sum->first_failure[0])
		snprintf(r->sum->first_failure, sizeof(r->sum->first_failure),
		         "document %lld chunk %lld: %s", (long long)document_id, (long long)chunk,
		         why);
}

/* Build the lineage of item `it` (a new JSON text in it->lineage). */
static int make_lineage(struct run *r, struct item *it)
{
	char gen[64], created[32];
	json_t *sampling, *l;

	snprintf(gen, sizeof(gen), "enclave-augment/%s", r->task->name);
	time_now_iso(created);
	sampling = json_pack("{s:f,s:n,s:i,s:i}", "temperature", r->temperature, "top_p",
	                     "max_tokens", r->max_tokens, "attempts", it->calls);
	l = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s?,s:{s:s,s:s},s:o,s:I,s:I,"
	              "s:{s:I,s:I,s:s},s:s,s:{s:I,s:I},s:s}",
	              "generator", gen, "version", LLMTASK_VERSION, "enclave_version",
	              ENCLAVE_VERSION, "endpoint", r->ep->name, "base_url", r->ep->base_url, "kind",
	              enclave_llm_kind_name(r->ep->kind), "model", r->ep->model, "model_digest",
	              r->sum->model_digest[0] ? r->sum->model_digest : NULL, "template", "name",
	              r->tmpl.name, "sha256", r->tmpl.sha256, "sampling", sampling, "seed",
	              (json_int_t)r->o->seed, "variant", (json_int_t)it->variant, "source",
	              "document_id", (json_int_t)it->document_id, "chunk", (json_int_t)it->chunk,
	              "chunk_sha256", it->source_sha, "created_at", created, "tokens", "prompt",
	              (json_int_t)it->ptok, "completion", (json_int_t)it->ctok, "layer",
	              r->original ? "original" : "redacted");
	if (!l)
		return error_oom();
	if (r->task->source == SRC_RECORDS &&
	    json_object_set_new(json_object_get(l, "source"), "record_id",
	                        json_integer(it->record_id)) < 0) {
		json_decref(l);
		return error_oom();
	}
	it->lineage = json_dumps(l, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
	json_decref(l);
	return it->lineage ? 0 : error_oom();
}

/* A non-empty string member, or NULL. */
static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	const char *p = s;

	while (p && *p && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	return p && *p ? s : NULL;
}

static int set_result(struct item *it, const char *text, json_t *payload)
{
	it->text = strdup(text);
	it->payload = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(payload);
	return it->text && it->payload ? 0 : error_oom();
}

static int check_qa(struct run *r, struct item *it, const json_t *o, const char **why)
{
	const char *q = str(o, "question"), *a = str(o, "answer"), *ev = str(o, "evidence");
	size_t s, e, *cuts[2];
	double support;
	int found;

	if (!q || !a || !ev) {
		*why = "question, answer and evidence must not be empty";
		return 0;
	}
	if ((found = aug_evidence_find(it->context, ev, &s, &e)) < 0)
		return found;
	if (!found) {
		*why = "the evidence does not occur in the source text";
		return 0;
	}
	support = aug_answer_support(a, ev);
	if (support < (r->o->min_support < 0 ? 0.5 : r->o->min_support)) {
		*why = "the answer is not supported by the evidence";
		return 0;
	}
	size_t bs = s, be = e;
	cuts[0] = &bs;
	cuts[1] = &be;
	int error = clean_cp_to_bytes(it->context, strlen(it->context), cuts, 2);
	if (error < 0)
		return error;
	char support_s[16];
	snprintf(support_s, sizeof(support_s), "%.3f", support);
	json_t *p =
	    json_pack("{s:s,s:s,s:{s:I,s:I,s:s%},s:s,s:s}", "question", q, "answer", a, "evidence",
	              "start", (json_int_t)s, "end", (json_int_t)e, "text", it->context + bs,
	              be - bs, "context", it->context, "support", support_s);
	if (!p)
		return error_oom();
	return set_result(it, a, p) < 0 ? ENCLAVE_ENOMEM : 1;
}

static int check_instruct(struct item *it, const json_t *o, const char **why)
{
	const char *ins = str(o, "instruction"), *resp = str(o, "response");
	const char *in = json_string_value(json_object_get(o, "input"));

	if (!ins || !resp) {
		*why = "instruction and response must not be empty";
		return 0;
	}
	json_t *p =
	    json_pack("{s:s,s:s,s:s}", "instruction", ins, "input", in ? in : "", "response", resp);
	if (!p)
		return error_oom();
	return set_result(it, resp, p) < 0 ? ENCLAVE_ENOMEM : 1;
}

static int check_paraphrase(struct item *it, const json_t *o, const char **why)
{
	const char *v = str(o, "variant");
	struct buf out = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct aug_spans spans = { 0 };
	int ok;

	if (!v) {
		*why = "the variant is empty";
		return 0;
	}
	if ((ok = aug_placeholders_restore(&out, &spans, v, it->context, &it->spans, why)) <= 0)
		goto done;
	if (!strcmp(buf_cstr(&out), it->context)) {
		*why = "the variant is the source text unchanged";
		ok = 0;
		goto done;
	}
	json_t *p =
	    json_pack("{s:s,s:o}", "source_text", it->context, "spans", aug_spans_json(&spans));
	if (!p) {
		ok = error_oom();
		goto done;
	}
	ok = set_result(it, buf_cstr(&out), p) < 0 ? ENCLAVE_ENOMEM : 1;
done:
	buf_release(&out);
	aug_spans_release(&spans);
	return ok;
}

static int check_summary(struct item *it, const json_t *o, const char **why)
{
	const char *s = str(o, "summary");

	if (!s) {
		*why = "the summary is empty";
		return 0;
	}
	json_t *p = json_pack("{s:I}", "source_chars",
	                      (json_int_t)utf8_count(it->context, strlen(it->context)));
	if (!p)
		return error_oom();
	return set_result(it, s, p) < 0 ? ENCLAVE_ENOMEM : 1;
}

static int in_array(const json_t *a, const char *s)
{
	size_t i;
	const json_t *v;

	json_array_foreach(a, i, v)
	{
		const char *t = json_string_value(v);
		if (t && !strcmp(t, s))
			return 1;
	}
	return 0;
}

static int check_labels(struct run *r, struct item *it, const json_t *o, const char **why)
{
	const json_t *cls = json_object_get(o, "classes"), *ents = json_object_get(o, "entities"),
	             *v;
	json_t *classes = json_array(), *entities = json_array(), *p;
	size_t i, dropped = 0;
	const char *from = it->context;
	char line[256];
	int error = 0;

	(void)why;
	if (!classes || !entities)
		goto oom;
	json_array_foreach(cls, i, v)
	{
		const char *c = json_string_value(v);
		if (!c || !in_array(r->schema_classes, c) || in_array(classes, c)) {
			dropped++;
			continue;
		}
		if (json_array_append_new(classes, json_string(c)) < 0)
			goto oom;
	}
	/* Entities: located in order, each after the previous one found. */
	json_array_foreach(ents, i, v)
	{
		const char *t = str(v, "text"), *l = json_string_value(json_object_get(v, "label"));
		const char *hit;
		if (!t || !l || !in_array(r->schema_ner, l) ||
		    (!(hit = strstr(from, t)) && !(hit = strstr(it->context, t)))) {
			dropped++;
			continue;
		}
		size_t s = utf8_count(it->context, (size_t)(hit - it->context));
		size_t e = s + utf8_count(t, strlen(t));
		/*
		 * Offsets into the original text the label app annotates; `text`
		 * stays what the model saw (the redacted layer's), so a record
		 * made from redacted text holds no PII.
		 */
		if (it->mapped) {
			s = red_map_offset(&it->red, s, 1, 0);
			e = red_map_offset(&it->red, e, 1, 1);
		}
		if (json_array_append_new(entities, json_pack("{s:I,s:I,s:s,s:s}", "start",
		                                              (json_int_t)s, "end", (json_int_t)e,
		                                              "label", l, "text", t)) < 0)
			goto oom;
		if (hit >= from)
			from = hit + strlen(t);
	}
	snprintf(line, sizeof(line), "classes: ");
	json_array_foreach(classes, i, v)
	{
		size_t n = strlen(line);
		snprintf(line + n, sizeof(line) - n, "%s%s", i ? ", " : "", json_string_value(v));
	}
	{
		size_t n = strlen(line);
		snprintf(line + n, sizeof(line) - n, "%sentities: %zu",
		         json_array_size(classes) ? "; " : "none; ", json_array_size(entities));
	}
	p = json_pack("{s:o,s:o,s:s,s:I,s:b,s:s?}", "classes", classes, "entities", entities,
	              "layer", "original", "dropped", (json_int_t)dropped, "truncated",
	              it->truncated, "mapped_from", it->mapped ? "redacted" : NULL);
	classes = entities = NULL;
	if (!p)
		goto oom;
	error = set_result(it, line, p);
	return error < 0 ? error : 1;
oom:
	json_decref(classes);
	json_decref(entities);
	return error_oom();
}

static int check_judge(struct run *r, struct item *it, const json_t *o, const char **why)
{
	const json_t *sc = json_object_get(o, "score"), *crit = json_object_get(o, "criteria");
	const char *rat = str(o, "rationale");

	if (!json_is_integer(sc) || json_integer_value(sc) < 1 || json_integer_value(sc) > 5) {
		*why = "the score is not an integer from 1 to 5";
		return 0;
	}
	if (!rat) {
		*why = "the rationale is empty";
		return 0;
	}
	it->score = (int)json_integer_value(sc);
	json_t *p = json_pack("{s:I,s:i,s:s,s:o}", "record_id", (json_int_t)it->record_id, "score",
	                      it->score, "rubric_sha256", r->tmpl.sha256, "criteria",
	                      json_is_object(crit) ? json_deep_copy(crit) : json_object());
	if (!p)
		return error_oom();
	return set_result(it, rat, p) < 0 ? ENCLAVE_ENOMEM : 1;
}

/*
 * The reply of `it`: strict JSON, the task's fields, then its checks.
 * Returns 1 (the record is in it), 0 (*why set), or an error.
 */
static int check_reply(struct run *r, struct item *it, const char *content, const char **why)
{
	json_t *o;
	json_error_t jerr;
	int ok;

	if (!(o = json_loads(content, JSON_REJECT_DUPLICATES, &jerr)) || !json_is_object(o)) {
		json_decref(o);
		*why = "the reply is not one JSON object";
		return 0;
	}
	if (!strcmp(r->task->name, "qa"))
		ok = check_qa(r, it, o, why);
	else if (!strcmp(r->task->name, "instruct"))
		ok = check_instruct(it, o, why);
	else if (!strcmp(r->task->name, "paraphrase"))
		ok = check_paraphrase(it, o, why);
	else if (!strcmp(r->task->name, "summary"))
		ok = check_summary(it, o, why);
	else if (!strcmp(r->task->name, "suggest-labels"))
		ok = check_labels(r, it, o, why);
	else
		ok = check_judge(r, it, o, why);
	json_decref(o);
	if (ok == 1 && (ok = make_lineage(r, it)) == 0)
		ok = 1;
	return ok;
}

/* Fill it->req from its prompt (and, on a retry, the rejected reply and why). */
static void build_request(struct run *r, struct item *it)
{
	size_t n = 0;

	if (it->system && *it->system)
		it->msgs[n++] = (struct enclave_llm_message){ "system", it->system };
	it->msgs[n++] = (struct enclave_llm_message){ "user", it->user };
	if (it->prev) {
		it->msgs[n++] = (struct enclave_llm_message){ "assistant", it->prev };
		it->msgs[n++] = (struct enclave_llm_message){ "user", it->feedback };
	}
	it->req = (struct enclave_llm_request)ENCLAVE_LLM_REQUEST_INIT;
	it->req.messages = it->msgs;
	it->req.nmessages = n;
	it->req.schema = r->task->schema;
	it->req.temperature = r->temperature;
	it->req.has_seed = 1;
	it->req.seed = (int64_t)(r->o->seed + (uint64_t)it->variant);
	it->req.max_tokens = r->max_tokens;
}

/* Ask, check and retry the items of the group; insert the records made. */
static int run_group(struct run *r)
{
	struct enclave_llm_job *jobs = NULL;
	struct item **wait = NULL;
	int error = 0;

	if (!r->ngroup)
		return 0;
	if (!(jobs = calloc(r->ngroup, sizeof(*jobs))) ||
	    !(wait = calloc(r->ngroup, sizeof(*wait)))) {
		error = error_oom();
		goto done;
	}
	for (int attempt = 0; attempt < r->attempts && !error; attempt++) {
		size_t n = 0;
		for (size_t i = 0; i < r->ngroup; i++)
			if (!r->group[i]->finished) {
				build_request(r, r->group[i]);
				wait[n] = r->group[i];
				jobs[n].req = &wait[n]->req;
				n++;
			}
		if (!n)
			break;
		if (attempt)
			r->sum->retries += (int64_t)n;
		if ((error = enclave_llm_chat_many(r->llm, jobs, n, r->in_flight)) < 0)
			break;
		for (size_t i = 0; i < n && !error; i++) {
			struct item *it = wait[i];
			const char *why = NULL;
			int ok;
			it->calls++;
			if (jobs[i].reply.prompt_tokens > 0) {
				it->ptok += jobs[i].reply.prompt_tokens;
				r->sum->prompt_tokens += jobs[i].reply.prompt_tokens;
			}
			if (jobs[i].reply.completion_tokens > 0) {
				it->ctok += jobs[i].reply.completion_tokens;
				r->sum->completion_tokens += jobs[i].reply.completion_tokens;
			}
			if (jobs[i].not_sent) {
				r->sum->not_sent++;
				it->finished = 1;
				continue;
			}
			if (jobs[i].error && jobs[i].unreachable && jobs[i].message)
				snprintf(r->last_unreachable, sizeof(r->last_unreachable), "%s",
				         jobs[i].message);
			if (jobs[i].error) {
				r->sum->errors++;
				note_failure(r, it->document_id, it->chunk,
				             jobs[i].message ? jobs[i].message : "request failed");
				it->finished = 1;
				continue;
			}
			if ((ok = check_reply(r, it, jobs[i].reply.content, &why)) < 0) {
				error = ok;
				break;
			}
			if (ok) {
				it->finished = 2;
				continue;
			}
			if (attempt + 1 == r->attempts) {
				r->sum->rejected++;
				note_failure(r, it->document_id, it->chunk, why);
				it->finished = 1;
				continue;
			}
			free(it->prev);
			free(it->feedback);
			it->prev = strdup(jobs[i].reply.content);
			struct buf fb = BUF_INIT(4096);
			if (buf_printf(&fb,
			               "Your reply was rejected: %s. Reply again with one JSON"
			               " object that follows the instructions.",
			               why) < 0)
				error = error_oom();
			it->feedback = buf_detach(&fb, NULL);
			if (!it->prev || !it->feedback)
				error = error_oom();
		}
		enclave_llm_jobs_release(jobs, n);
		memset(jobs, 0, r->ngroup * sizeof(*jobs));
	}
	if (error)
		goto done;
	/* The records of the group, in one transaction. */
	{
		struct enclave_record_new *v = calloc(r->ngroup, sizeof(*v));
		size_t nv = 0, inserted = 0;
		if (!v) {
			error = error_oom();
			goto done;
		}
		for (size_t i = 0; i < r->ngroup; i++) {
			struct item *it = r->group[i];
			if (it->finished != 2)
				continue;
			v[nv].kind = r->task->name;
			v[nv].key = it->key;
			v[nv].document_id = it->document_id;
			v[nv].chunk = it->chunk;
			v[nv].source_sha256 = it->source_sha;
			v[nv].text = it->text;
			v[nv].payload = it->payload;
			v[nv].lineage = it->lineage;
			nv++;
		}
		if (nv)
			error = enclave_records_insert(r->p, v, nv, &inserted);
		free(v);
		r->sum->made += (int64_t)inserted;
	}
	/* The breaker: the endpoint stopped answering; what was made is kept. */
	if (!error && r->breaker && enclave_llm_unreachable(r->llm) >= r->breaker &&
	    !r->sum->stopped[0])
		snprintf(r->sum->stopped, sizeof(r->sum->stopped),
		         "%d calls in a row could not reach LLM endpoint '%s' (%s); last: %s",
		         enclave_llm_unreachable(r->llm), r->ep->name, r->ep->base_url,
		         r->last_unreachable[0] ? r->last_unreachable : "(none)");
	/* judge --min-score: the records scored below it are rejected. */
	for (size_t i = 0; i < r->ngroup && !error && r->o->min_score > 0; i++) {
		struct item *it = r->group[i];
		if (it->finished == 2 && it->score < r->o->min_score) {
			if ((error = enclave_record_set_status(r->p, it->record_id, "rejected")) ==
			    0)
				r->sum->judged_rejected++;
		}
	}
done:
	free(jobs);
	free(wait);
	for (size_t i = 0; i < r->ngroup; i++)
		item_free(r->group[i]);
	r->ngroup = 0;
	if (!error)
		progress(r);
	return error;
}

/*
 * Item (source `sha`, variant v) of the source text `context` with the
 * prompt values `values` (names of the task): skipped when stored already,
 * else rendered and queued; a full group is run.
 */
static int add_item(struct run *r, int64_t doc, int64_t chunk, const char *sha,
                    const char *source_key, const char *context, const struct aug_spans *spans,
                    const char **values, int64_t v, int64_t record_id, int truncated,
                    const struct red_map *red)
{
	struct buf sys = BUF_INIT(ENCLAVE_MAX_LLM_REPLY_BYTES),
	           user = BUF_INIT(ENCLAVE_MAX_LLM_REPLY_BYTES);
	struct item *it;
	char key[65], vbuf[24];
	int exists, error;

	if (r->sum->stopped[0])
		return 0;
	r->sum->items++;
	enclave_record_key(key, r->task->name, source_key, r->params, v);
	if (!key[0])
		return error_oom();
	if ((error = enclave_record_exists(r->p, key, &exists)) < 0)
		return error;
	if (exists) {
		r->sum->skipped++;
		return 0;
	}
	if (!(it = calloc(1, sizeof(*it))))
		return error_oom();
	memcpy(it->key, key, sizeof(key));
	it->document_id = doc;
	it->chunk = chunk;
	it->variant = v;
	it->record_id = record_id;
	it->truncated = truncated;
	it->mapped = red != NULL;
	if ((error = red_map_copy(&it->red, red)) < 0)
		goto fail;
	snprintf(it->source_sha, sizeof(it->source_sha), "%s", sha);
	snprintf(vbuf, sizeof(vbuf), "%lld", (long long)v);
	for (size_t i = 0; r->task->names[i]; i++)
		if (!strcmp(r->task->names[i], "variant"))
			values[i] = vbuf;
	if (!(it->context = strdup(context))) {
		error = error_oom();
		goto fail;
	}
	for (size_t i = 0; spans && i < spans->n; i++)
		if ((error = aug_spans_push(&it->spans, spans->v[i].start, spans->v[i].end,
		                            spans->v[i].label)) < 0)
			goto fail;
	if (spans)
		for (size_t i = 0; i < spans->n; i++) {
			it->spans.v[i].bstart = spans->v[i].bstart;
			it->spans.v[i].bend = spans->v[i].bend;
		}
	if ((error = aug_template_render(&sys, &user, r->tmpl.text, r->tmpl.len, r->task->names,
	                                 values)) < 0)
		goto fail;
	it->system = buf_detach(&sys, NULL);
	it->user = buf_detach(&user, NULL);
	if (!it->user || (!it->system && sys.len)) {
		error = error_oom();
		goto fail;
	}
	if (!it->system && !(it->system = strdup(""))) {
		error = error_oom();
		goto fail;
	}
	if (!it->user && !(it->user = strdup(""))) {
		error = error_oom();
		goto fail;
	}
	r->group[r->ngroup++] = it;
	if (r->ngroup == r->group_cap)
		return run_group(r);
	return 0;
fail:
	buf_release(&sys);
	buf_release(&user);
	item_free(it);
	return error;
}

/* Stop reading sources: --limit reached, or the breaker stopped the run. */
static int limit_reached(const struct run *r)
{
	return (r->o->limit > 0 && r->sum->chunks >= r->o->limit) || r->sum->stopped[0];
}

/* ------------------------------------------------------------ document sources */

struct doc_load {
	struct run *r;
	json_t *rec;
	int redacted;
};

static int load_cb(const struct enclave_doc_info *info, void *payload)
{
	struct doc_load *dl = payload;
	struct export_ctx ctx;
	struct enclave_export_options eo = ENCLAVE_EXPORT_OPTIONS_INIT;

	memset(&ctx, 0, sizeof(ctx));
	eo.allow_unredacted = dl->r->o->allow_pii;
	ctx.project = dl->r->p;
	ctx.opts = &eo;
	ctx.layer_original = dl->r->original;
	return export_record(&dl->rec, &ctx, info, &dl->redacted);
}

/*
 * Spans of a chunk [cs, ce) of the record's text, relative to the chunk,
 * prepared. On the redacted layer (`red` not NULL): the document's accepted
 * NER annotations mapped onto the layer (an annotation touching a
 * redaction covers its whole tag) and the redaction tags they do not
 * cover; on the original layer: the annotations, else the PII spans
 * (aug_document_spans).
 */
static int chunk_spans(struct run *r, struct aug_spans *out, int64_t doc, const struct red_map *red,
                       const char *text, size_t cs, size_t ce, const char *chunk)
{
	struct aug_spans all = { 0 }, ann = { 0 };
	int error = 0;

	if (red) {
		if ((error = aug_annotation_spans(&ann, r->p, doc)) < 0)
			goto done;
		for (size_t i = 0; i < ann.n; i++) {
			size_t s = red_map_offset(red, ann.v[i].start, 0, 0),
			       e = red_map_offset(red, ann.v[i].end, 0, 1);
			ann.v[i].start = s;
			ann.v[i].end = e;
			if (e > s && (error = aug_spans_push(&all, s, e, ann.v[i].label)) < 0)
				goto done;
		}
		for (size_t i = 0; i < red->n; i++) {
			const struct red_span *t = &red->v[i];
			size_t k;
			for (k = 0; k < ann.n; k++)
				if (ann.v[k].end > ann.v[k].start &&
				    ann.v[k].start <= t->out_start && t->out_end <= ann.v[k].end)
					break;
			if (k == ann.n &&
			    (error = aug_spans_push(&all, t->out_start, t->out_end, t->label)) < 0)
				goto done;
		}
	} else {
		struct enclave_augment_options ao = ENCLAVE_AUGMENT_OPTIONS_INIT;
		const char *src;
		if ((error = aug_document_spans(&all, &src, r->p, doc, &ao, text, strlen(text))) <
		    0)
			goto done;
	}
	for (size_t i = 0; i < all.n; i++)
		if (all.v[i].start >= cs && all.v[i].end <= ce && all.v[i].end > all.v[i].start &&
		    (error = aug_spans_push(out, all.v[i].start - cs, all.v[i].end - cs,
		                            all.v[i].label)) < 0)
			goto done;
	aug_spans_prepare(out, chunk, strlen(chunk));
done:
	aug_spans_release(&all);
	aug_spans_release(&ann);
	return error;
}

/* The placeholders list of a paraphrase prompt ("[[E1]] [[E2]]", or "none"). */
static int placeholder_list(struct buf *out, size_t n)
{
	int error = 0;

	if (!n)
		return buf_puts(out, "none");
	for (size_t i = 0; i < n && !error; i++)
		error = buf_printf(out, "%s[[E%zu]]", i ? " " : "", i + 1);
	return error;
}

static int one_document(struct run *r, int64_t doc)
{
	struct doc_load dl = { r, NULL, 0 };
	struct cptext t;
	struct segs chunks = { 0 };
	struct red_map red = { 0 };
	const struct red_map *redp = NULL; /* the redacted layer is the source */
	const char *text;
	int error, have_t = 0;

	if ((error = enclave_store_info(r->p, doc, load_cb, &dl)) < 0)
		goto done;
	if (!(text = json_string_value(json_object_get(dl.rec, "text"))))
		goto done;
	if (dl.redacted && !r->original) {
		if ((error = red_map_load(&red, r->p, doc)) < 0)
			goto done;
		redp = &red;
	}
	if (!dl.redacted && !r->original &&
	    json_array_append_new(r->unredacted_used, json_integer(doc)) < 0) {
		error = error_oom();
		goto done;
	}
	if ((error = cptext_init(&t, text, strlen(text))) < 0)
		goto done;
	have_t = 1;
	if (r->task->source == SRC_DOCUMENTS) {
		size_t n = t.n > MAX_SOURCE_CP ? MAX_SOURCE_CP : t.n;
		char *ctx = strndup(text, t.byte[n]), sha[65], skey[96], id[24];
		const char *values[8] = { 0 };
		if (!ctx) {
			error = error_oom();
			goto done;
		}
		r->sum->chunks++;
		snprintf(id, sizeof(id), "%lld", (long long)doc);
		if ((error = sha256_hex(sha, ctx, strlen(ctx))) == 0) {
			snprintf(skey, sizeof(skey), "document:%lld:%s", (long long)doc, sha);
			values[0] = ctx;
			values[1] = id;
			values[2] = r->classes_list;
			values[4] = r->ner_list;
			for (int64_t v = 0; v < r->o->n && !error; v++)
				error = add_item(r, doc, -1, sha, skey, ctx, NULL, values, v, 0,
				                 n < t.n, redp);
		}
		free(ctx);
		goto done;
	}
	if ((error = export_chunk_ranges(&chunks, r->chunk_by, r->chunk_size, r->chunk_overlap, &t,
	                                 json_object_get(dl.rec, "blocks"))) < 0)
		goto done;
	for (size_t c = 0; c < chunks.n && !error && !limit_reached(r); c++) {
		size_t bs = t.byte[chunks.v[c].start], be = t.byte[chunks.v[c].end];
		char *chunk = strndup(text + bs, be - bs), sha[65], id[24], cn[24];
		struct aug_spans spans = { 0 };
		struct buf masked = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES), list = BUF_INIT(1 << 20);
		const char *values[8] = { 0 };
		if (!chunk) {
			error = error_oom();
			break;
		}
		r->sum->chunks++;
		snprintf(id, sizeof(id), "%lld", (long long)doc);
		snprintf(cn, sizeof(cn), "%zu", c);
		values[0] = chunk;
		values[1] = id;
		values[2] = cn;
		if ((error = sha256_hex(sha, chunk, strlen(chunk))) < 0)
			goto next;
		if (!strcmp(r->task->name, "paraphrase")) {
			if ((error = chunk_spans(r, &spans, doc, redp, text, chunks.v[c].start,
			                         chunks.v[c].end, chunk)) < 0 ||
			    (error = aug_placeholders_mask(&masked, chunk, strlen(chunk), &spans)) <
			        0)
				goto next;
			if ((error = placeholder_list(&list, spans.n)) < 0) {
				error = error_buf(error, "placeholders");
				goto next;
			}
			values[0] = buf_cstr(&masked);
			values[4] = buf_cstr(&list);
		}
		for (int64_t v = 0; v < r->o->n && !error; v++)
			error = add_item(r, doc, (int64_t)c, sha, sha, chunk, &spans, values, v, 0,
			                 0, NULL);
	next:
		buf_release(&masked);
		buf_release(&list);
		aug_spans_release(&spans);
		free(chunk);
	}
done:
	red_map_release(&red);
	segs_release(&chunks);
	if (have_t)
		cptext_release(&t);
	json_decref(dl.rec);
	return error;
}

/* ------------------------------------------------------------ record sources (judge) */

/* A record to judge (one page of them at a time). */
struct judged {
	int64_t id, document_id;
	char kind[40], sha[65];
	char *item; /* what the judge sees */
	char *text;
};

struct judged_list {
	struct judged *v;
	size_t n, cap;
	const char *kind;
	int64_t last_id; /* the last record of the page seen, judged or not */
	size_t seen;     /* records of the page seen */
};

static void judged_clear(struct judged_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].item);
		free(l->v[i].text);
	}
	l->n = 0;
}

static int collect_record(const struct enclave_record *rec, void *payload)
{
	struct judged_list *l = payload;
	struct judged *j;
	json_t *pl;
	char *pls;
	struct buf b = BUF_INIT(ENCLAVE_MAX_LLM_REPLY_BYTES);

	l->last_id = rec->id;
	l->seen++;
	if (!strcmp(rec->kind, "judge") || !strcmp(rec->status, "rejected") ||
	    (l->kind && strcmp(rec->kind, l->kind)))
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct judged *v = realloc(l->v, ncap * sizeof(*v));
		if (!v)
			return error_oom();
		l->v = v;
		l->cap = ncap;
	}
	j = &l->v[l->n];
	memset(j, 0, sizeof(*j));
	j->id = rec->id;
	j->document_id = rec->document_id;
	snprintf(j->kind, sizeof(j->kind), "%s", rec->kind);
	snprintf(j->sha, sizeof(j->sha), "%s", rec->text_sha256);
	pl = json_loads(rec->payload, 0, NULL);
	pls = pl ? json_dumps(pl, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(pl);
	if (buf_printf(&b, "kind: %s\ntext: %s\npayload: %s", rec->kind, rec->text,
	               pls ? pls : "{}") < 0) {
		free(pls);
		buf_release(&b);
		return error_set(ENCLAVE_ELIMIT, "record %lld is too large to judge",
		                 (long long)rec->id);
	}
	free(pls);
	j->item = buf_detach(&b, NULL);
	j->text = strdup(rec->text);
	if (!j->item || !j->text) {
		free(j->item);
		free(j->text);
		return error_oom();
	}
	l->n++;
	return 0;
}

#define JUDGE_PAGE 64 /* records read at once: memory stays flat however many there are */

/* Queue the judged records of page `l` (may run groups). */
static int judge_page(struct run *r, struct judged_list *l)
{
	int error = 0;

	for (size_t i = 0; i < l->n && !error && !limit_reached(r); i++) {
		struct judged *j = &l->v[i];
		char skey[96], rid[24];
		const char *values[8] = { 0 };
		int allowed = 1;
		if (j->document_id && (error = source_allowed(r, j->document_id, &allowed)) < 0)
			break;
		r->sum->sources_done++;
		if (!allowed) {
			r->sum->excluded++;
			continue;
		}
		r->sum->chunks++;
		snprintf(skey, sizeof(skey), "record:%lld:%s", (long long)j->id, j->sha);
		snprintf(rid, sizeof(rid), "%lld", (long long)j->id);
		values[0] = j->item;
		values[1] = j->text;
		values[2] = j->kind;
		values[3] = rid;
		for (int64_t v = 0; v < r->o->n && !error; v++)
			error = add_item(r, j->document_id, -1, j->sha, skey, j->item, NULL, values,
			                 v, j->id, 0, NULL);
	}
	return error;
}

/*
 * The records to judge, read a page at a time in id order (after_id), so
 * memory holds one page and one group whatever the number of records. The
 * judge records this run inserts have higher ids and are passed over as
 * every judge record is. sources_total counts the candidate kind's records
 * (rejected ones included: a progress figure, not a promise).
 */
static int run_records(struct run *r)
{
	struct judged_list l = { NULL, 0, 0, r->o->judge_kind, 0, 0 };
	struct enclave_records_filter f;
	int64_t total = 0, judges = 0;
	int error;

	memset(&f, 0, sizeof(f));
	f.kind = r->o->judge_kind;
	if ((error = enclave_records_count(r->p, &f, &total)) < 0)
		return error;
	if (!f.kind) {
		f.kind = "judge";
		if ((error = enclave_records_count(r->p, &f, &judges)) < 0)
			return error;
		f.kind = NULL;
	}
	r->sum->sources_total = total - judges;
	f.limit = JUDGE_PAGE;
	while (!error && !limit_reached(r)) {
		l.seen = 0;
		f.after_id = l.last_id;
		if ((error = enclave_records_list(r->p, &f, collect_record, &l)) < 0 || !l.seen)
			break;
		error = judge_page(r, &l);
		judged_clear(&l);
	}
	judged_clear(&l);
	free(l.v);
	return error;
}

static int run_documents(struct run *r)
{
	int64_t *ids = NULL;
	size_t nids = 0;
	int error;

	if ((error = store_ok_documents(r->p, &ids, &nids)) < 0)
		return error;
	r->sum->sources_total = (int64_t)nids;
	for (size_t d = 0; d < nids && !error && !limit_reached(r); d++) {
		int allowed;
		if ((error = source_allowed(r, ids[d], &allowed)) < 0)
			break;
		if (!allowed)
			r->sum->excluded++;
		else
			error = one_document(r, ids[d]);
		r->sum->sources_done++;
	}
	free(ids);
	return error;
}

/* ------------------------------------------------------------ setup */

/* Is `listed` the configured `model`? Ollama's "name" equals "name:latest". */
static int same_model(const char *listed, const char *model)
{
	size_t n = strlen(model);

	if (!strcmp(listed, model))
		return 1;
	return !strchr(model, ':') && !strncmp(listed, model, n) && !strcmp(listed + n, ":latest");
}

/* Contact the endpoint: it must answer and serve the model; its digest into the summary. */
static int check_endpoint(struct run *r)
{
	struct enclave_llm_models m = { 0 };
	int error;
	size_t i;

	if (!r->ep->model)
		return error_set(ENCLAVE_EINVALID,
		                 "LLM endpoint '%s' has no model: set model: in %s", r->ep->name,
		                 PROJECT_CONFIG);
	if ((error = enclave_llm_models_list(&m, r->llm)) < 0)
		return error_prefix("LLM endpoint '%s' (%s)", r->ep->name, r->ep->base_url);
	for (i = 0; i < m.count && !same_model(m.items[i].name, r->ep->model); i++)
		;
	if (i == m.count) {
		error = error_set(ENCLAVE_ENOTFOUND,
		                  "LLM endpoint '%s' (%s) does not serve model '%s' (it serves %zu"
		                  " other%s; see 'enclave llm check %s')",
		                  r->ep->name, r->ep->base_url, r->ep->model, m.count,
		                  m.count == 1 ? "" : "s", r->ep->name);
	} else if (m.items[i].digest) {
		snprintf(r->sum->model_digest, sizeof(r->sum->model_digest), "%s",
		         m.items[i].digest);
	}
	enclave_llm_models_release(&m);
	return error;
}

/* The canonical parameters in the keys: what changes a reply (docs/formats.md). */
static int params_of(struct run *r)
{
	char temp[32], seed[24];
	json_t *j;

	snprintf(temp, sizeof(temp), "%g", r->temperature);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->o->seed);
	j = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s}", "task", r->task->name, "template",
	              r->tmpl.sha256, "model", r->ep->model, "temperature", temp, "max_tokens",
	              r->max_tokens, "seed", seed);
	/*
	 * The model's digest when the endpoint reports one (Ollama does): an
	 * updated model under the same name gives new items. Without one (the
	 * OpenAI API) the name alone has to do.
	 */
	if (j && r->sum->model_digest[0] &&
	    json_object_set_new(j, "model_digest", json_string(r->sum->model_digest)) < 0) {
		json_decref(j);
		j = NULL;
	}
	/*
	 * suggest-labels on the redacted layer: records made before its offsets
	 * were mapped to the original text (layer "redacted", which the label
	 * app cannot show) must not stand in for mapped ones on a rerun.
	 */
	if (j && !strcmp(r->task->name, "suggest-labels") && !r->original &&
	    json_object_set_new(j, "offsets", json_string("original")) < 0) {
		json_decref(j);
		j = NULL;
	}
	if (!j)
		return error_oom();
	r->params = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(j);
	return r->params ? 0 : error_oom();
}

static int join_labels(char *out, size_t size, const json_t *a)
{
	size_t i, n = 0;
	const json_t *v;

	out[0] = '\0';
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);
		if (!s)
			continue;
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? ", " : "", s);
		if (n >= size)
			return error_set(ENCLAVE_ELIMIT, "the label schema's labels are too long");
	}
	if (!n)
		snprintf(out, size, "(none)");
	return 0;
}

static int setup(struct run *r)
{
	const struct enclave_augment_llm_options *o = r->o;
	int error;

	if (!(r->task = task_find(o->task)))
		return error_set(ENCLAVE_EINVALID, "augment: '%s' is not an LLM task",
		                 o->task ? o->task : "(none)");
	if (!o->llm)
		return error_set(ENCLAVE_EINVALID, "augment: %s needs an LLM endpoint (--llm NAME)",
		                 o->task);
	if (o->n < 1 || o->n > ENCLAVE_MAX_AUGMENT_ITEMS)
		return error_set(ENCLAVE_EINVALID, "augment: n is 1 to %d",
		                 ENCLAVE_MAX_AUGMENT_ITEMS);
	if (o->layer && strcmp(o->layer, "redacted") && strcmp(o->layer, "original"))
		return error_set(ENCLAVE_EINVALID, "unknown layer '%s' (redacted, original)",
		                 o->layer);
	r->original = o->layer && !strcmp(o->layer, "original");
	if (r->original && !o->allow_pii)
		return error_set(ENCLAVE_EINVALID, "cannot send the original layer to an LLM"
		                                   " without allowing PII (--allow-pii)");
	r->attempts = o->attempts ? o->attempts : 3;
	if (r->attempts < 1 || r->attempts > ENCLAVE_MAX_LLM_RETRIES)
		return error_set(ENCLAVE_EINVALID, "augment: attempts are 1 to %d",
		                 ENCLAVE_MAX_LLM_RETRIES);
	if (o->temperature > 2)
		return error_set(ENCLAVE_EINVALID, "augment: the temperature is 0 to 2");
	r->temperature = o->temperature >= 0               ? o->temperature
	                 : !strcmp(r->task->name, "judge") ? 0.0
	                                                   : 0.7;
	r->max_tokens = o->max_tokens > 0 ? o->max_tokens : 1024;
	r->chunk_by = o->chunk_by                            ? o->chunk_by
	              : !strcmp(r->task->name, "paraphrase") ? "sentences"
	                                                     : "tokens";
	if (strcmp(r->chunk_by, "tokens") && strcmp(r->chunk_by, "words") &&
	    strcmp(r->chunk_by, "sentences") && strcmp(r->chunk_by, "sections"))
		return error_set(ENCLAVE_EINVALID,
		                 "unknown chunk unit '%s' (tokens, words, sentences, sections)",
		                 r->chunk_by);
	r->chunk_size = o->chunk_size;
	if (!r->chunk_size)
		r->chunk_size = !strcmp(r->task->name, "paraphrase") ? 1
		                : !strcmp(r->chunk_by, "sentences")  ? 5
		                : !strcmp(r->chunk_by, "sections")   ? 1
		                                                     : 256;
	r->chunk_overlap = o->chunk_overlap;
	if (r->chunk_overlap >= r->chunk_size)
		return error_set(ENCLAVE_EINVALID,
		                 "chunk overlap (%u) must be less than the chunk size (%u)",
		                 r->chunk_overlap, r->chunk_size);
	/* Documents with no redacted layer: refused unless PII is allowed (as export). */
	if (r->task->source != SRC_RECORDS && !o->allow_pii) {
		int64_t *ids = NULL;
		size_t n = 0;
		long long first;
		if ((error = store_unredacted(r->p, &ids, &n)) < 0)
			return error;
		first = n ? (long long)ids[0] : 0;
		free(ids);
		if (n)
			return error_set(ENCLAVE_EINVALID,
			                 "%zu ok document%s ha%s no redacted layer (document %lld"
			                 " first): run 'enclave clean --pii' first, or pass"
			                 " --allow-pii to send the original text to the LLM"
			                 " (recorded in the audit trail)",
			                 n, n == 1 ? "" : "s", n == 1 ? "s" : "ve", first);
	}
	if (!strcmp(r->task->name, "suggest-labels")) {
		if ((error = enclave_label_schema_get(&r->label_schema, r->p)) < 0)
			return error;
		r->schema_ner = json_object_get(r->label_schema, "ner");
		r->schema_classes =
		    json_object_get(json_object_get(r->label_schema, "classes"), "labels");
		if (!json_array_size(r->schema_ner) && !json_array_size(r->schema_classes))
			return error_set(ENCLAVE_EINVALID,
			                 "suggest-labels: the label schema has no classes and no"
			                 " entity labels (set them: PUT /api/schema)");
		if ((error = join_labels(r->classes_list, sizeof(r->classes_list),
		                         r->schema_classes)) < 0 ||
		    (error = join_labels(r->ner_list, sizeof(r->ner_list), r->schema_ner)) < 0)
			return error;
	}
	if ((error = enclave_llm_config_load(&r->cfg, r->p)) < 0)
		return error;
	if (!(r->ep = enclave_llm_config_find(&r->cfg, o->llm)))
		return error_set(ENCLAVE_ENOTFOUND, "no LLM endpoint '%s' in %s/%s (llm: section)",
		                 o->llm, r->p->path, PROJECT_CONFIG);
	r->in_flight = o->in_flight > 0 ? o->in_flight : r->ep->concurrency;
	r->breaker = o->max_unreachable < 0 ? 0 : o->max_unreachable ? o->max_unreachable : 8;
	if (r->in_flight > ENCLAVE_MAX_LLM_CONCURRENCY)
		return error_set(ENCLAVE_EINVALID, "augment: at most %d requests in flight",
		                 ENCLAVE_MAX_LLM_CONCURRENCY);
	r->group_cap = (size_t)r->in_flight * 4;
	if (r->group_cap < GROUP_MIN)
		r->group_cap = GROUP_MIN;
	if (r->group_cap > GROUP_MAX)
		r->group_cap = GROUP_MAX;
	if (!(r->group = calloc(r->group_cap, sizeof(*r->group))) ||
	    !(r->unredacted_used = json_array()))
		return error_oom();
	if ((error = aug_template_load(&r->tmpl, r->p, r->task->name, o->template_spec,
	                               r->task->names)) < 0)
		return error;
	memcpy(r->sum->template_sha256, r->tmpl.sha256, 65);
	if ((error = enclave_llm_new(&r->llm, r->ep, r->p)) < 0 || (error = check_endpoint(r)) < 0)
		return error;
	enclave_llm_set_breaker(r->llm, r->breaker);
	return params_of(r);
}

/* The augment.run event: endpoint, model, digest, template, counts. */
static int audit_run(struct run *r)
{
	char temp[32], seed[24];
	json_t *params, *outputs;
	int error;

	snprintf(temp, sizeof(temp), "%g", r->temperature);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->o->seed);
	params = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s?,s:{s:s,s:s,s:s},s:{s:s,s:i},s:s,s:I,s:s,"
	    "s:s,s:i,s:i,s:b,s:O,s:i,s:I,s:s?}",
	    "task", r->task->name, "endpoint", r->ep->name, "base_url", r->ep->base_url, "kind",
	    enclave_llm_kind_name(r->ep->kind), "model", r->ep->model, "model_digest",
	    r->sum->model_digest[0] ? r->sum->model_digest : NULL, "template", "name", r->tmpl.name,
	    "sha256", r->tmpl.sha256, "path", r->tmpl.path, "sampling", "temperature", temp,
	    "max_tokens", r->max_tokens, "seed", seed, "n", (json_int_t)r->o->n, "layer",
	    r->original ? "original" : "redacted", "chunk_by", r->chunk_by, "chunk_size",
	    (int)r->chunk_size, "chunk_overlap", (int)r->chunk_overlap, "allow_pii",
	    r->o->allow_pii, "unredacted_documents", r->unredacted_used, "attempts", r->attempts,
	    "limit", (json_int_t)r->o->limit, "split_sha256",
	    r->sum->split_guard ? r->split_sha256 : NULL);
	outputs = json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s?}", "sources",
	    (json_int_t)r->sum->chunks, "excluded", (json_int_t)r->sum->excluded, "unsplit",
	    (json_int_t)r->sum->unsplit, "items", (json_int_t)r->sum->items, "made",
	    (json_int_t)r->sum->made, "skipped", (json_int_t)r->sum->skipped, "rejected",
	    (json_int_t)r->sum->rejected, "retries", (json_int_t)r->sum->retries, "errors",
	    (json_int_t)r->sum->errors, "judged_rejected", (json_int_t)r->sum->judged_rejected,
	    "prompt_tokens", (json_int_t)r->sum->prompt_tokens, "completion_tokens",
	    (json_int_t)r->sum->completion_tokens, "not_sent", (json_int_t)r->sum->not_sent,
	    "stopped", r->sum->stopped[0] ? r->sum->stopped : NULL);
	if (!params || !outputs) {
		error = error_oom();
		goto done;
	}
	if ((error = store_begin(r->p)) < 0)
		goto done;
	if ((error = audit_append(r->p, "augment.run", r->task->name, params, NULL, outputs,
	                          NULL)) < 0) {
		store_rollback(r->p);
		goto done;
	}
	if ((error = store_commit(r->p)) == 0)
		error = audit_write_head(r->p);
done:
	json_decref(params);
	json_decref(outputs);
	return error;
}

/* Read the project split once: sum->split_guard and the split's hash for the audit. */
static int split_guard(struct run *r)
{
	struct enclave_split_summary s;
	int error;

	if ((error = enclave_split_show(r->p, &s)) < 0)
		return error;
	r->sum->split_guard = s.have;
	if (s.have)
		memcpy(r->split_sha256, s.sha256, sizeof(r->split_sha256));
	return 0;
}

int enclave_augment_llm_run(enclave_project *p, const struct enclave_augment_llm_options *o,
                            struct enclave_augment_llm_summary *sum)
{
	struct run r;
	int error;

	memset(sum, 0, sizeof(*sum));
	if (!o || o->version != ENCLAVE_AUGMENT_LLM_OPTIONS_VERSION)
		return error_set(ENCLAVE_EINVALID, "augment: LLM options of another version");
	memset(&r, 0, sizeof(r));
	r.p = p;
	r.o = o;
	r.sum = sum;
	r.t0 = time_monotonic();
	if ((error = setup(&r)) < 0 || (error = split_guard(&r)) < 0)
		goto done;
	error = r.task->source == SRC_RECORDS ? run_records(&r) : run_documents(&r);
	if (!error)
		error = run_group(&r);
	if (!error)
		error = audit_run(&r);
	if (!error && sum->stopped[0])
		error = error_set(ENCLAVE_EIO,
		                  "%s: the run stopped, keeping the %lld records made (%lld items"
		                  " not sent); run it again to resume",
		                  sum->stopped, (long long)sum->made, (long long)sum->not_sent);
	sum->seconds = time_monotonic() - r.t0;
done:
	for (size_t i = 0; i < r.ngroup; i++)
		item_free(r.group[i]);
	free(r.group);
	free(r.params);
	json_decref(r.unredacted_used);
	json_decref(r.label_schema);
	aug_template_release(&r.tmpl);
	enclave_llm_free(r.llm);
	enclave_llm_config_release(&r.cfg);
	return error;
}
