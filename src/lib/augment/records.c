/*
 * The deterministic augmenters' run: the task table, the loop over the
 * project's documents (or over synthetic indexes), keys that make a rerun
 * skip what is done, records committed in groups of GROUP (a kill loses at
 * most the group in flight), the lineage of every record, and the final
 * augment.run event. Also the pieces the generators share: the seeded
 * random stream and span lists in code points.
 *
 * The output hash of a run (augment.run's outputs.items_sha256, the
 * summary's output_sha256) is SHA-256 over "KEY\n" for every item of the
 * run in order, made or skipped: two runs that cover the same items agree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "augment_int.h"
#include "../store/store_int.h"
#include "../../util/fs.h"
#include "../../util/utf8.h"

#define GROUP 32 /* records per transaction */

/* ------------------------------------------------------------ randomness */

int aug_rng_init(struct aug_rng *r, const char *domain, uint64_t seed, int64_t a, int64_t b)
{
	char hex[65], text[160];
	int error;

	snprintf(text, sizeof(text), "%s|%llu|%lld|%lld", domain, (unsigned long long)seed,
	         (long long)a, (long long)b);
	if ((error = sha256_hex(hex, text, strlen(text))) < 0)
		return error;
	r->s = strtoull((char[17]){ hex[0], hex[1], hex[2], hex[3], hex[4], hex[5], hex[6], hex[7],
	                            hex[8], hex[9], hex[10], hex[11], hex[12], hex[13], hex[14],
	                            hex[15], 0 },
	                NULL, 16);
	return 0;
}

uint64_t aug_rng_next(struct aug_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t aug_rng_below(struct aug_rng *r, uint32_t bound)
{
	return (uint32_t)(aug_rng_next(r) % bound);
}

double aug_rng_unit(struct aug_rng *r)
{
	return (double)(aug_rng_next(r) >> 11) / 9007199254740992.0;
}

/* ------------------------------------------------------------ spans */

int aug_spans_push(struct aug_spans *l, size_t start, size_t end, const char *label)
{
	if (l->n >= ENCLAVE_MAX_SPANS_STORED)
		return error_set(ENCLAVE_ELIMIT, "more than %d spans in one document",
		                 ENCLAVE_MAX_SPANS_STORED);
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct aug_span *v = realloc(l->v, ncap * sizeof(*v));
		if (!v)
			return error_oom();
		l->v = v;
		l->cap = ncap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	l->v[l->n].start = start;
	l->v[l->n].end = end;
	snprintf(l->v[l->n].label, sizeof(l->v[0].label), "%s", label ? label : "");
	l->n++;
	return 0;
}

void aug_spans_release(struct aug_spans *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int span_cmp(const void *a, const void *b)
{
	const struct aug_span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return strcmp(x->label, y->label);
}

void aug_spans_prepare(struct aug_spans *l, const char *text, size_t len)
{
	size_t ncp = utf8_count(text, len), kept = 0, last_end = 0, cp = 0, b = 0;

	if (l->n)
		qsort(l->v, l->n, sizeof(l->v[0]), span_cmp);
	for (size_t i = 0; i < l->n; i++) {
		struct aug_span s = l->v[i];
		if (s.end <= s.start || s.end > ncp || (kept && s.start < last_end))
			continue;
		l->v[kept++] = s;
		last_end = s.end;
	}
	l->n = kept;
	/* One walk: starts and ends are non-decreasing in the order s0 e0 s1 e1 ... */
	for (size_t i = 0; i < l->n; i++) {
		for (int which = 0; which < 2; which++) {
			size_t want = which ? l->v[i].end : l->v[i].start;
			while (cp < want && b < len) {
				uint32_t c;
				size_t k = utf8_decode((const unsigned char *)text + b,
				                       (const unsigned char *)text + len, &c);
				b += k ? k : 1;
				cp++;
			}
			if (which)
				l->v[i].bend = b;
			else
				l->v[i].bstart = b;
		}
	}
}

json_t *aug_spans_json(const struct aug_spans *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++)
		if (json_array_append_new(
		        a, json_pack("{s:I,s:I,s:s}", "start", (json_int_t)l->v[i].start, "end",
		                     (json_int_t)l->v[i].end, "label", l->v[i].label)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Spans of an accepted NER annotation's result {"spans":[{start,end,label}]}. */
static int annotation_spans(struct aug_spans *out, const char *result)
{
	json_t *r = json_loads(result, 0, NULL), *it;
	size_t i;
	int error = 0;

	if (!r)
		return 0; /* checked when saved; an unreadable one counts as none */
	json_array_foreach(json_object_get(r, "spans"), i, it)
	{
		json_t *s = json_object_get(it, "start"), *e = json_object_get(it, "end");
		const char *label = json_string_value(json_object_get(it, "label"));
		if (!json_is_integer(s) || !json_is_integer(e) || !label ||
		    json_integer_value(s) < 0 || json_integer_value(e) <= json_integer_value(s))
			continue;
		if ((error = aug_spans_push(out, (size_t)json_integer_value(s),
		                            (size_t)json_integer_value(e), label)) < 0)
			break;
	}
	json_decref(r);
	return error;
}

int aug_annotation_spans(struct aug_spans *out, enclave_project *p, int64_t doc)
{
	char *result = NULL;
	int error;

	if ((error = store_ner_accepted(p->db, doc, &result)) == 0 && result)
		error = annotation_spans(out, result);
	free(result);
	return error;
}

int aug_document_spans(struct aug_spans *out, const char **source, enclave_project *p, int64_t doc,
                       const struct enclave_augment_options *o, const char *text, size_t len)
{
	struct store_spans sp = { 0 };
	char *result = NULL;
	int error = 0;

	*source = "none";
	if (o->spans != ENCLAVE_AUGMENT_SPANS_PII) {
		if ((error = store_ner_accepted(p->db, doc, &result)) < 0)
			return error;
		if (result && (error = annotation_spans(out, result)) < 0)
			goto done;
		if (out->n)
			*source = "annotations";
	}
	if (!out->n && o->spans != ENCLAVE_AUGMENT_SPANS_ANNOTATIONS) {
		if ((error = store_spans_read(&sp, p->db, doc)) < 0)
			goto done;
		for (size_t i = 0; i < sp.n && !error; i++) {
			if (sp.v[i].status == STORE_SPAN_REJECTED ||
			    (o->accepted_only && sp.v[i].status != STORE_SPAN_ACCEPTED))
				continue;
			error = aug_spans_push(out, sp.v[i].start, sp.v[i].end, sp.v[i].label);
		}
		if (out->n)
			*source = "pii";
	}
	aug_spans_prepare(out, text, len);
done:
	free(result);
	store_spans_release(&sp);
	return error;
}

/* ------------------------------------------------------------ the task table */

static const char *const task_names[] = { "entity-swap", "synthetic-pii", "eda" };

int enclave_augment_task_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(task_names) / sizeof(task_names[0]); i++)
		if (!strcmp(name, task_names[i]))
			return (int)i;
	return -1;
}

const char *enclave_augment_task_name(int task)
{
	return task >= 0 && task < 3 ? task_names[task] : NULL;
}

/* ------------------------------------------------------------ the run */

/* One record waiting for its group's commit; owns its strings. */
struct pending {
	char key[65];
	char source_sha[65];
	int64_t document;
	char *text, *payload, *lineage;
};

struct run {
	enclave_project *p;
	const struct enclave_augment_options *o;
	const char *kind;
	char *params;            /* canonical JSON of the parameters that shape the output */
	struct sha256_ctx *hash; /* over "KEY\n" of every item */
	struct pending group[GROUP];
	size_t ngroup;
	struct enclave_augment_summary *sum;
};

static void pending_release(struct pending *g)
{
	free(g->text);
	free(g->payload);
	free(g->lineage);
	memset(g, 0, sizeof(*g));
}

/* Commit the group in flight. */
static int flush(struct run *r)
{
	struct enclave_record_new v[GROUP];
	size_t inserted = 0;
	int error;

	for (size_t i = 0; i < r->ngroup; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].kind = r->kind;
		v[i].key = r->group[i].key;
		v[i].document_id = r->group[i].document;
		v[i].chunk = -1;
		v[i].source_sha256 = r->group[i].source_sha[0] ? r->group[i].source_sha : NULL;
		v[i].text = r->group[i].text;
		v[i].payload = r->group[i].payload;
		v[i].lineage = r->group[i].lineage;
	}
	error = enclave_records_insert(r->p, v, r->ngroup, &inserted);
	for (size_t i = 0; i < r->ngroup; i++)
		pending_release(&r->group[i]);
	r->ngroup = 0;
	if (error < 0)
		return error;
	r->sum->made += (int64_t)inserted;
	return 0;
}

/*
 * The key of item `index` of source `source_sha` ("" for none); *done 1
 * when it is stored already (counted as skipped). The key goes into the
 * run's output hash either way.
 */
static int item_key(struct run *r, char key[65], const char *source_sha, int64_t index, int *done)
{
	int error;

	enclave_record_key(key, r->kind, source_sha, r->params, index);
	if (!key[0])
		return error_oom();
	if ((error = sha256_update(r->hash, key, 64)) < 0 ||
	    (error = sha256_update(r->hash, "\n", 1)) < 0)
		return error;
	if ((error = enclave_record_exists(r->p, key, done)) < 0)
		return error;
	if (*done)
		r->sum->skipped++;
	return 0;
}

/* The lineage of an item: generator, version, seed, parameters, source and template hashes. */
static json_t *lineage(const struct run *r, int version, const char *source_sha, int64_t index,
                       const char *template_sha)
{
	json_t *params = json_loads(r->params, 0, NULL);
	char gen[64], seed[24];

	snprintf(gen, sizeof(gen), "enclave/%s", r->kind);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->o->seed);
	json_t *l = json_pack("{s:s,s:i,s:s,s:s,s:o*,s:I,s:s?,s:s?,s:n,s:n,s:n}", "generator", gen,
	                      "version", version, "enclave_version", ENCLAVE_VERSION, "seed", seed,
	                      "params", params, "index", (json_int_t)index, "source_sha256",
	                      source_sha && *source_sha ? source_sha : NULL, "template_sha256",
	                      template_sha, "endpoint", "model", "model_digest");
	return l;
}

/* Queue item `it` (its text, spans, extra fields) under `key`; flush a full group. */
static int queue(struct run *r, const char *key, int64_t document, const char *source_sha,
                 struct aug_item *it, json_t *lin)
{
	struct pending *g = &r->group[r->ngroup];
	json_t *payload = it->extra ? json_deep_copy(it->extra) : json_object();
	json_t *spans = aug_spans_json(&it->spans);
	int error = 0;

	memset(g, 0, sizeof(*g));
	if (!payload || !spans || json_object_set_new(payload, "spans", spans) < 0) {
		json_decref(payload);
		return error_oom();
	}
	snprintf(g->key, sizeof(g->key), "%s", key);
	snprintf(g->source_sha, sizeof(g->source_sha), "%s", source_sha ? source_sha : "");
	g->document = document;
	g->text = strdup(buf_cstr(&it->text));
	g->payload = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	g->lineage = json_dumps(lin, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(payload);
	if (!g->text || !g->payload || !g->lineage) {
		pending_release(g);
		return error_oom();
	}
	if (++r->ngroup == GROUP)
		error = flush(r);
	return error;
}

static void item_release(struct aug_item *it)
{
	buf_release(&it->text);
	aug_spans_release(&it->spans);
	json_decref(it->extra);
	memset(it, 0, sizeof(*it));
}

static void item_init(struct aug_item *it)
{
	memset(it, 0, sizeof(*it));
	it->text = (struct buf)BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
}

/* synthetic-pii into the project. */
static int run_synth(struct run *r)
{
	char tsha[65];
	int error = 0;

	aug_synth_templates_sha256(tsha);
	for (int64_t i = 0; i < r->o->n && !error; i++) {
		struct aug_item it;
		const char *domain;
		char key[65];
		int done;
		json_t *lin;
		if ((error = item_key(r, key, "", i, &done)) < 0 || done)
			continue;
		item_init(&it);
		if (!(error = aug_synth_document(&it, &domain, r->o->seed, i))) {
			if (!(it.extra = json_pack("{s:s}", "domain", domain)) ||
			    !(lin = lineage(r, AUG_SYNTH_VERSION, NULL, i, tsha)))
				error = error_oom();
			else {
				error = queue(r, key, 0, NULL, &it, lin);
				json_decref(lin);
			}
		}
		item_release(&it);
	}
	return error;
}

/* entity-swap or eda over every ok document. */
static int run_documents(struct run *r)
{
	struct wordnet *wn = NULL;
	int64_t *ids = NULL;
	size_t nids = 0;
	int error;

	if (r->o->task == ENCLAVE_AUGMENT_EDA && (r->o->alpha_sr > 0 || r->o->alpha_ri > 0) &&
	    (error = wordnet_open(&wn, r->o->wordnet_dir)) < 0)
		return error;
	if ((error = store_ok_documents(r->p, &ids, &nids)) < 0)
		goto done;
	for (size_t d = 0; d < nids && !error; d++) {
		struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
		struct aug_spans spans = { 0 };
		const char *source;
		char sha[65];

		r->sum->documents++;
		if ((error = store_document_text(&text, r->p->db, ids[d])) < 0 ||
		    (error = sha256_hex(sha, buf_cstr(&text), text.len)) < 0 ||
		    (error = aug_document_spans(&spans, &source, r->p, ids[d], r->o,
		                                buf_cstr(&text), text.len)) < 0)
			goto next;
		if (r->o->task == ENCLAVE_AUGMENT_ENTITY_SWAP && !spans.n) {
			r->sum->no_spans++;
			goto next;
		}
		for (int64_t v = 0; v < r->o->n && !error; v++) {
			struct aug_item it;
			char key[65];
			int done;
			json_t *lin;
			if ((error = item_key(r, key, sha, v, &done)) < 0 || done)
				continue;
			item_init(&it);
			if (r->o->task == ENCLAVE_AUGMENT_ENTITY_SWAP)
				error = aug_entity_swap(&it, buf_cstr(&text), text.len, &spans,
				                        r->o->seed, v);
			else
				error = aug_eda(&it, buf_cstr(&text), text.len, &spans, wn, r->o,
				                ids[d], v);
			if (!error && !it.extra)
				it.extra = json_object();
			if (!error &&
			    (!it.extra ||
			     json_object_set_new(it.extra, "variant", json_integer(v)) < 0 ||
			     json_object_set_new(it.extra, "spans_from", json_string(source)) < 0))
				error = error_oom();
			if (!error) {
				if (!(lin = lineage(r,
				                    r->o->task == ENCLAVE_AUGMENT_EDA
				                        ? AUG_EDA_VERSION
				                        : AUG_ENTITY_SWAP_VERSION,
				                    sha, v, NULL)))
					error = error_oom();
				else {
					error = queue(r, key, ids[d], sha, &it, lin);
					json_decref(lin);
				}
			}
			item_release(&it);
		}
	next:
		buf_release(&text);
		aug_spans_release(&spans);
	}
done:
	free(ids);
	wordnet_free(wn);
	return error;
}

/* The canonical parameters of a run: what shapes its output (reals as text: audit has none). */
static int params_of(char **out, const struct enclave_augment_options *o)
{
	char seed[24], a[4][32];
	json_t *j;

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)o->seed);
	snprintf(a[0], sizeof(a[0]), "%g", o->alpha_sr);
	snprintf(a[1], sizeof(a[1]), "%g", o->alpha_ri);
	snprintf(a[2], sizeof(a[2]), "%g", o->alpha_rs);
	snprintf(a[3], sizeof(a[3]), "%g", o->alpha_rd);
	if (o->task == ENCLAVE_AUGMENT_SYNTHETIC_PII)
		j = json_pack("{s:s}", "seed", seed);
	else if (o->task == ENCLAVE_AUGMENT_ENTITY_SWAP)
		j = json_pack("{s:s,s:i,s:b}", "seed", seed, "spans", o->spans, "accepted_only",
		              o->accepted_only);
	else
		j = json_pack("{s:s,s:i,s:b,s:s,s:s,s:s,s:s}", "seed", seed, "spans", o->spans,
		              "accepted_only", o->accepted_only, "alpha_sr", a[0], "alpha_ri", a[1],
		              "alpha_rs", a[2], "alpha_rd", a[3]);
	if (!j)
		return error_oom();
	*out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(j);
	return *out ? 0 : error_oom();
}

static int check_options(const struct enclave_augment_options *o)
{
	if (!o || o->version != ENCLAVE_AUGMENT_OPTIONS_VERSION)
		return error_set(ENCLAVE_EINVALID, "augment: options of another version");
	if (!enclave_augment_task_name(o->task))
		return error_set(ENCLAVE_EINVALID, "augment: unknown task %d", o->task);
	if (o->n < 1 || o->n > ENCLAVE_MAX_AUGMENT_ITEMS)
		return error_set(ENCLAVE_EINVALID, "augment: n is 1 to %d",
		                 ENCLAVE_MAX_AUGMENT_ITEMS);
	if (!(o->alpha_sr >= 0 && o->alpha_sr <= 1) || !(o->alpha_ri >= 0 && o->alpha_ri <= 1) ||
	    !(o->alpha_rs >= 0 && o->alpha_rs <= 1) || !(o->alpha_rd >= 0 && o->alpha_rd <= 1))
		return error_set(ENCLAVE_EINVALID, "augment: the alphas are 0 to 1");
	if (o->task == ENCLAVE_AUGMENT_EDA && o->alpha_sr == 0 && o->alpha_ri == 0 &&
	    o->alpha_rs == 0 && o->alpha_rd == 0)
		return error_set(ENCLAVE_EINVALID, "augment: eda needs an alpha above 0");
	return 0;
}

int enclave_augment_run(enclave_project *p, const struct enclave_augment_options *o,
                        struct enclave_augment_summary *sum)
{
	struct run r;
	json_t *params = NULL, *outputs = NULL;
	int error, end;

	memset(sum, 0, sizeof(*sum));
	if ((error = check_options(o)) < 0)
		return error;
	memset(&r, 0, sizeof(r));
	r.p = p;
	r.o = o;
	r.kind = enclave_augment_task_name(o->task);
	r.sum = sum;
	if ((error = params_of(&r.params, o)) < 0 || (error = sha256_new(&r.hash)) < 0)
		goto done;
	error = o->task == ENCLAVE_AUGMENT_SYNTHETIC_PII ? run_synth(&r) : run_documents(&r);
	if (!error && r.ngroup)
		error = flush(&r);
	if (error)
		goto done;
	error = sha256_finish_hex(r.hash, sum->output_sha256);
	r.hash = NULL;
	if (error < 0)
		goto done;
	params = json_loads(r.params, 0, NULL);
	if (params && json_object_set_new(params, "n", json_integer(o->n)) == 0)
		outputs = json_pack("{s:I,s:I,s:I,s:I,s:s}", "documents",
		                    (json_int_t)sum->documents, "made", (json_int_t)sum->made,
		                    "skipped", (json_int_t)sum->skipped, "no_spans",
		                    (json_int_t)sum->no_spans, "items_sha256", sum->output_sha256);
	if (!params || !outputs) {
		error = error_oom();
		goto done;
	}
	if ((error = store_begin(p)) < 0)
		goto done;
	error = audit_append(p, "augment.run", r.kind, params, NULL, outputs, NULL);
	if (error < 0) {
		store_rollback(p);
		goto done;
	}
	if ((error = store_commit(p)) == 0)
		error = audit_write_head(p);
done:
	for (size_t i = 0; i < r.ngroup; i++)
		pending_release(&r.group[i]);
	end = error;
	json_decref(params);
	json_decref(outputs);
	free(r.params);
	sha256_free(r.hash);
	return end;
}

/* ------------------------------------------------------------ synthetic-pii to a file */

int enclave_augment_synth_write(const char *path, const struct enclave_augment_options *o,
                                struct enclave_augment_summary *sum)
{
	struct buf out = BUF_INIT(ENCLAVE_MAX_AUGMENT_FILE_BYTES);
	struct sha256_ctx *h = NULL;
	char tsha[65], seed[24];
	int error;

	memset(sum, 0, sizeof(*sum));
	if ((error = check_options(o)) < 0)
		return error;
	if (o->task != ENCLAVE_AUGMENT_SYNTHETIC_PII)
		return error_set(ENCLAVE_EINVALID,
		                 "augment: only synthetic-pii writes a file alone");
	aug_synth_templates_sha256(tsha);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)o->seed);
	if ((error = sha256_new(&h)) < 0)
		return error;
	for (int64_t i = 0; i < o->n && !error; i++) {
		struct aug_item it;
		const char *domain;
		char id[64], *line = NULL;
		json_t *j = NULL;

		item_init(&it);
		snprintf(id, sizeof(id), "synthetic-pii-%s-%06lld", seed, (long long)i);
		if (!(error = aug_synth_document(&it, &domain, o->seed, i))) {
			j = json_pack("{s:s,s:s,s:s,s:o,s:{s:s,s:i,s:s,s:s,s:I,s:s}}", "id", id,
			              "domain", domain, "text", buf_cstr(&it.text), "spans",
			              aug_spans_json(&it.spans), "lineage", "generator",
			              "enclave/synthetic-pii", "version", AUG_SYNTH_VERSION,
			              "enclave_version", ENCLAVE_VERSION, "seed", seed, "index",
			              (json_int_t)i, "template_sha256", tsha);
			if (!j || !(line = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)))
				error = error_oom();
			else if ((error = buf_puts(&out, line)) < 0 ||
			         (error = buf_putc(&out, '\n')) < 0)
				error = error_buf(error, path);
			else
				sum->made++;
		}
		free(line);
		json_decref(j);
		item_release(&it);
	}
	if (!error && (error = sha256_update(h, out.ptr ? out.ptr : "", out.len)) == 0) {
		error = sha256_finish_hex(h, sum->output_sha256);
		h = NULL;
	}
	if (!error && fs_write_atomic(path, out.ptr ? out.ptr : "", out.len, 0644) < 0)
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", path, strerror(errno));
	sha256_free(h);
	buf_release(&out);
	return error;
}
