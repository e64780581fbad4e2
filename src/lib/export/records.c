/*
 * Generated records in an export (`enclave export --records`): the records
 * of the augment stage (include/enclave/augment.h) instead of documents,
 * each row with its record id, kind and lineage, in the formats that fit:
 *
 *   jsonl     every field of the record, payload and lineage as objects
 *   csv       id,kind,status,document_id,chunk,text,payload,lineage (JSON)
 *   chat      qa: user question, assistant answer; instruct: user
 *             instruction (and input after a blank line), assistant response
 *   instruct  Alpaca: qa as instruction = question, input "", output =
 *             answer; instruct as it is
 *   spacy     {"id","text","entities":[[start,end,label]]} (code points)
 *   hf-ner    sentences of word pieces with IOB2 tag ids, label_names.json
 *   conll     IOB2, a -DOCSTART- block per record; a CoNLL line has no room
 *             for lineage, so <split>.lineage.jsonl beside it holds one line
 *             per record in the same order as its -DOCSTART- blocks
 *
 * chat and instruct take qa and instruct records, the span formats
 * entity-swap, eda, synthetic-pii and paraphrase ones (payload "spans");
 * naming another kind is refused. Default: accepted records only.
 *
 * Splits: a record goes to its source document's split (the project's stored
 * split, or the export's computed over every document); a record without a
 * source document goes to train. The contamination guard (contam.c): with a
 * test split, records of train and validation sharing an n-gram with a test
 * document's text are left out (counted; kept with include_contaminated,
 * and marked "contaminated": true in jsonl).
 *
 * Redaction: records ship their text as stored; a record quoting verbatim a
 * string redacted in its source document (its redacted spans' original
 * text) is refused after the walk, naming it, unless allow_unredacted.
 *
 * The manifest's "generated" object and the datasheet's "Generated data"
 * section summarise the lineage of what was written: kinds, generators,
 * endpoints, models with their digests, templates with their hashes.
 */
#include <string.h>

#include "export_int.h"
#include "../../util/utf8.h"

#define SPAN_KINDS "entity-swap,eda,synthetic-pii,paraphrase"
#define PAIR_KINDS "qa,instruct"

enum { RF_JSONL, RF_CSV, RF_CHAT, RF_INSTRUCT, RF_SPACY, RF_HFNER, RF_CONLL };

static const struct {
	const char *name;
	int fmt;
	const char *takes; /* the kinds it can write; NULL: every kind */
} formats[] = {
	{ "jsonl", RF_JSONL, NULL },       { "csv", RF_CSV, NULL },
	{ "chat", RF_CHAT, PAIR_KINDS },   { "instruct", RF_INSTRUCT, PAIR_KINDS },
	{ "spacy", RF_SPACY, SPAN_KINDS }, { "hf-ner", RF_HFNER, SPAN_KINDS },
	{ "conll", RF_CONLL, SPAN_KINDS },
};

struct rec_state {
	struct export_ctx *ctx;
	int fmt;
	const char *kinds; /* the kinds written (comma-separated; NULL every kind) */
	struct split_map computed;
	const struct split_map *map; /* NULL without splits */
	struct ngram_set *test;      /* the test split's n-grams; NULL without a test split */
	int test_split;
	struct export_out out, side; /* side: conll's lineage lines */
	int side_open;
	struct buf b;
	json_t *labels; /* hf-ner: entity labels in use, sorted */
	int64_t nsent;
	/* The lineage summary: */
	json_t *kinds_n, *generators, *endpoints, *models, *templates;
	size_t no_source;
	/* The PII quote check: the redacted spans' original strings of one document. */
	int64_t pii_doc; /* whose strings pii holds; 0: none loaded */
	char **pii;
	size_t npii;
	size_t quoting; /* records quoting a redacted string, shipped (allowed) */
	int64_t quoting_first[8];
	int error;
};

/* ------------------------------------------------------------------ */
/* Rows                                                               */
/* ------------------------------------------------------------------ */

/* A JSON object from a stored JSON text ({} when it does not parse). */
static json_t *obj(const char *text)
{
	json_t *v = json_loads(text ? text : "{}", 0, NULL);

	if (!json_is_object(v)) {
		json_decref(v);
		v = json_object();
	}
	return v;
}

/* "record_id", "kind" and "lineage" added to o (consumed on failure: NULL). */
static json_t *with_meta(json_t *o, const struct enclave_record *r, json_t *lineage)
{
	if (o &&
	    json_object_update_new(o, json_pack("{s:I,s:s,s:O}", "record_id", (json_int_t)r->id,
	                                        "kind", r->kind, "lineage", lineage)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *str_or(const json_t *payload, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(payload, key));
	return s ? s : dflt;
}

static int row_jsonl(struct rec_state *s, const struct enclave_record *r, int split,
                     json_t *payload, json_t *lineage, int contaminated)
{
	json_t *o =
	    json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:O,s:O,s:s}", "id", (json_int_t)r->id,
	              "kind", r->kind, "status", r->status, "document_id",
	              r->document_id ? json_integer(r->document_id) : json_null(), "chunk",
	              r->chunk >= 0 ? json_integer(r->chunk) : json_null(), "source_sha256",
	              *r->source_sha256 ? json_string(r->source_sha256) : json_null(), "text",
	              r->text, "text_sha256", r->text_sha256, "payload", payload, "lineage",
	              lineage, "created_at", r->created_at);
	int error;

	if (o && contaminated && json_object_set_new(o, "contaminated", json_true()) < 0) {
		json_decref(o);
		o = NULL;
	}
	if (!o)
		return error_oom();
	error = export_out_json(&s->out, s->ctx, split, o);
	json_decref(o);
	return error;
}

static int row_csv(struct rec_state *s, const struct enclave_record *r, int split, json_t *payload,
                   json_t *lineage)
{
	char id[24], doc[24], chunk[24];
	char *p = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *l = json_dumps(lineage, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int error = 0;

	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	snprintf(doc, sizeof(doc), "%lld", (long long)r->document_id);
	snprintf(chunk, sizeof(chunk), "%lld", (long long)r->chunk);
	buf_clear(&s->b);
	if (!p || !l)
		error = error_oom();
	if (!error)
		error = export_csv_field(&s->b, id, 1) || export_csv_field(&s->b, r->kind, 0) ||
		                export_csv_field(&s->b, r->status, 0) ||
		                export_csv_field(&s->b, r->document_id ? doc : "", 0) ||
		                export_csv_field(&s->b, r->chunk >= 0 ? chunk : "", 0) ||
		                export_csv_field(&s->b, r->text, 0) ||
		                export_csv_field(&s->b, p, 0) || export_csv_field(&s->b, l, 0)
		            ? ENCLAVE_ELIMIT
		            : 0;
	if (error == ENCLAVE_ELIMIT)
		error = error_set(ENCLAVE_ELIMIT, "record %lld: a CSV row over %zu bytes",
		                  (long long)r->id, s->b.max);
	free(p);
	free(l);
	if (error)
		return error;
	return export_out_line(&s->out, s->ctx, split, buf_cstr(&s->b), s->b.len, "\r\n");
}

/* The prompt and the answer of a qa or instruct record. */
static void pair_of(const struct enclave_record *r, json_t *payload, const char **instruction,
                    const char **input, const char **output)
{
	if (!strcmp(r->kind, "qa")) {
		*instruction = str_or(payload, "question", "");
		*input = "";
		*output = str_or(payload, "answer", r->text);
	} else {
		*instruction = str_or(payload, "instruction", "");
		*input = str_or(payload, "input", "");
		*output = str_or(payload, "response", r->text);
	}
}

static int row_pair(struct rec_state *s, const struct enclave_record *r, int split, json_t *payload,
                    json_t *lineage)
{
	const char *ins, *in, *outp, *sys = s->ctx->opts->system_prompt;
	json_t *o;
	int error;

	pair_of(r, payload, &ins, &in, &outp);
	if (s->fmt == RF_INSTRUCT) {
		o = json_pack("{s:s,s:s,s:s}", "instruction", ins, "input", in, "output", outp);
	} else {
		json_t *m = json_array(), *user;
		if (*in)
			user = json_sprintf("%s\n\n%s", ins, in);
		else
			user = json_string(ins);
		if (m && sys)
			json_array_append_new(
			    m, json_pack("{s:s,s:s}", "role", "system", "content", sys));
		if (m && user)
			json_array_append_new(
			    m, json_pack("{s:s,s:o}", "role", "user", "content", user));
		if (m)
			json_array_append_new(
			    m, json_pack("{s:s,s:s}", "role", "assistant", "content", outp));
		o = m ? json_pack("{s:o}", "messages", m) : NULL;
	}
	if (!(o = with_meta(o, r, lineage)))
		return error_oom();
	error = export_out_json(&s->out, s->ctx, split, o);
	json_decref(o);
	return error;
}

/* The record's valid spans, sorted by start: [[start, end, label], ...]. */
static json_t *spans_of(const struct enclave_record *r, json_t *payload)
{
	size_t ncp = utf8_count(r->text, strlen(r->text)), i;
	json_t *out = json_array(), *v;

	json_array_foreach(json_object_get(payload, "spans"), i, v)
	{
		json_int_t st = json_integer_value(json_object_get(v, "start"));
		json_int_t en = json_integer_value(json_object_get(v, "end"));
		json_t *l = json_object_get(v, "label");
		size_t j, n;
		if (!out || !json_is_string(l) || st < 0 || en <= st || (size_t)en > ncp)
			continue;
		n = json_array_size(out);
		for (j = n; j > 0 &&
		            json_integer_value(json_array_get(json_array_get(out, j - 1), 0)) > st;
		     j--)
			;
		if (json_array_insert_new(out, j, json_pack("[I,I,O]", st, en, l)) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static int row_spacy(struct rec_state *s, const struct enclave_record *r, int split,
                     json_t *payload, json_t *lineage)
{
	json_t *ents = spans_of(r, payload), *o;
	int error;

	if (!ents)
		return error_oom();
	o = with_meta(
	    json_pack("{s:I,s:s,s:o}", "id", (json_int_t)r->id, "text", r->text, "entities", ents),
	    r, lineage);
	if (!o)
		return error_oom();
	error = export_out_json(&s->out, s->ctx, split, o);
	json_decref(o);
	return error;
}

struct iob_ctx {
	struct rec_state *s;
	const struct enclave_record *r;
	json_t *lineage;
	int split;
};

static int sentence(void *payload, const struct export_doc *d, const struct cptext *t,
                    const struct seg *toks, size_t n, const char *const *labels, const int *begin)
{
	struct iob_ctx *c = payload;
	struct rec_state *s = c->s;
	size_t k;
	int error = 0;

	(void)d;
	if (s->fmt == RF_CONLL) {
		buf_clear(&s->b);
		for (k = 0; k < n && !error; k++) {
			error = buf_put(&s->b, t->s + t->byte[toks[k].start],
			                t->byte[toks[k].end] - t->byte[toks[k].start]);
			if (!error)
				error = labels[k] ? buf_printf(&s->b, " %s-%s\n",
				                               begin[k] ? "B" : "I", labels[k])
				                  : buf_puts(&s->b, " O\n");
		}
		if (error < 0)
			return error;
		return export_out_line(&s->out, s->ctx, c->split, buf_cstr(&s->b), s->b.len, "\n");
	} else {
		json_t *tokens = json_array(), *tags = json_array(), *o;
		char id[48];
		for (k = 0; k < n && tokens && tags; k++)
			if (json_array_append_new(
			        tokens,
			        json_stringn(t->s + t->byte[toks[k].start],
			                     t->byte[toks[k].end] - t->byte[toks[k].start])) < 0 ||
			    json_array_append_new(tags, json_integer(export_hfner_tag_id(
			                                    s->labels, labels[k], begin[k]))) < 0)
				break;
		snprintf(id, sizeof(id), "r%lld-%lld", (long long)c->r->id, (long long)s->nsent++);
		o = with_meta(
		    json_pack("{s:s,s:o,s:o}", "id", id, "tokens", tokens, "ner_tags", tags), c->r,
		    c->lineage);
		if (!o || k < n) {
			json_decref(o);
			return error_oom();
		}
		error = export_out_json(&s->out, s->ctx, c->split, o);
		json_decref(o);
		return error;
	}
}

static int row_iob(struct rec_state *s, const struct enclave_record *r, int split, json_t *payload,
                   json_t *lineage)
{
	static const char start[] = "-DOCSTART- O\n\n";
	struct iob_ctx c = { s, r, lineage, split };
	struct export_doc d;
	json_t *spans = json_object_get(payload, "spans");
	json_t *rec, *ann, *side;
	int error;

	memset(&d, 0, sizeof(d));
	rec = json_pack("{s:s,s:[{s:i,s:I}]}", "text", r->text, "blocks", "offset", 0, "length",
	                (json_int_t)utf8_count(r->text, strlen(r->text)));
	ann = json_pack("{s:{s:O}}", "ner", "spans", json_is_array(spans) ? spans : json_null());
	if (!rec || !ann) {
		error = error_oom();
		goto done;
	}
	d.rec = rec;
	d.ann = ann;
	d.split = split;
	d.lang = "";
	s->nsent = 0;
	if (s->fmt == RF_CONLL) {
		if ((error = export_out_line(&s->out, s->ctx, split, start, sizeof(start) - 1,
		                             NULL)) < 0)
			goto done;
		s->out.records[split]--; /* the record line is not a sentence */
		side = with_meta(json_object(), r, lineage);
		if (side && r->document_id &&
		    json_object_set_new(side, "document_id", json_integer(r->document_id)) < 0) {
			json_decref(side);
			side = NULL;
		}
		if (!side) {
			error = error_oom();
			goto done;
		}
		error = export_out_json(&s->side, s->ctx, split, side);
		json_decref(side);
		if (error < 0)
			goto done;
	}
	error = export_iob_doc(&d, sentence, &c);
done:
	json_decref(rec);
	json_decref(ann);
	return error;
}

/* ------------------------------------------------------------------ */
/* The lineage summary                                                */
/* ------------------------------------------------------------------ */

static int bump(json_t *counts, const char *key)
{
	json_t *v = json_object_get(counts, key);

	return json_object_set_new(counts, key, json_integer(json_integer_value(v) + 1));
}

/* Count into o[key] = {fields..., "records": n}; `fields` is the first record's (consumed). */
static int bump_obj(json_t *o, const char *key, json_t *fields)
{
	json_t *v = json_object_get(o, key);

	if (!fields)
		return -1;
	if (v) {
		json_decref(fields);
		return json_object_set_new(
		    v, "records",
		    json_integer(json_integer_value(json_object_get(v, "records")) + 1));
	}
	if (json_object_set_new(fields, "records", json_integer(1)) < 0) {
		json_decref(fields);
		return -1;
	}
	return json_object_set_new(o, key, fields);
}

static int summarise(struct rec_state *s, const struct enclave_record *r, const json_t *lineage)
{
	const char *gen = json_string_value(json_object_get(lineage, "generator"));
	const char *ep = json_string_value(json_object_get(lineage, "endpoint"));
	const char *model = json_string_value(json_object_get(lineage, "model"));
	const json_t *digest = json_object_get(lineage, "model_digest");
	const json_t *tpl = json_object_get(lineage, "template");
	int bad = bump(s->kinds_n, r->kind) < 0 || bump(s->generators, gen ? gen : "(none)") < 0;

	if (!r->document_id)
		s->no_source++;
	if (!bad && ep)
		bad = bump(s->endpoints, ep) < 0;
	if (!bad && model) {
		const char *d = json_string_value(digest);
		struct buf k = BUF_INIT(4096);
		bad = buf_printf(&k, "%s@%s", model, d ? d : "") < 0 ||
		      bump_obj(s->models, buf_cstr(&k),
		               json_pack("{s:s,s:s?}", "model", model, "digest", d)) < 0;
		buf_release(&k);
	}
	if (!bad && json_is_object(tpl)) {
		const char *n = json_string_value(json_object_get(tpl, "name"));
		const char *h = json_string_value(json_object_get(tpl, "sha256"));
		struct buf k = BUF_INIT(4096);
		bad = buf_printf(&k, "%s@%s", n ? n : "", h ? h : "") < 0 ||
		      bump_obj(s->templates, buf_cstr(&k),
		               json_pack("{s:s?,s:s?}", "name", n, "sha256", h)) < 0;
		buf_release(&k);
	}
	return bad ? error_oom() : 0;
}

/* The values of `o` as an array (keys sorted by jansson's dump: insertion order here). */
static json_t *values(json_t *o)
{
	json_t *a = json_array(), *v;
	const char *k;

	json_object_foreach(o, k, v) if (a) json_array_append(a, v);
	return a;
}

static int summary_json(struct rec_state *s)
{
	struct export_ctx *ctx = s->ctx;
	const char *st = ctx->opts->record_status ? ctx->opts->record_status : "accepted";

	ctx->generated = json_pack(
	    "{s:I,s:s,s:s,s:O,s:O,s:O,s:o,s:o,s:I,s:{s:I,s:I,s:I,s:b}}", "records",
	    (json_int_t)ctx->documents, "record_status", st, "kinds_selected",
	    s->kinds ? s->kinds : "all", "kinds", s->kinds_n, "generators", s->generators,
	    "endpoints", s->endpoints, "models", values(s->models), "templates",
	    values(s->templates), "without_source", (json_int_t)s->no_source, "contamination",
	    "ngram", (json_int_t)(ctx->opts->ngram ? ctx->opts->ngram : 8), "flagged",
	    (json_int_t)ctx->contaminated, "kept", (json_int_t)ctx->contaminated_kept, "checked",
	    s->test != NULL);
	if (ctx->generated && json_object_set_new(ctx->generated, "quoting_redacted",
	                                          json_integer((json_int_t)s->quoting)) < 0)
		return error_oom();
	return ctx->generated ? 0 : error_oom();
}

/* ------------------------------------------------------------------ */
/* Redacted text quoted by a record                                   */
/* ------------------------------------------------------------------ */

static void pii_clear(struct rec_state *s)
{
	for (size_t i = 0; i < s->npii; i++)
		free(s->pii[i]);
	free(s->pii);
	s->pii = NULL;
	s->npii = 0;
	s->pii_doc = 0;
}

/* Load the original strings of document `doc`'s redacted spans (its current layer). */
static int pii_load(struct rec_state *s, int64_t doc)
{
	struct store_spans all = { 0 };
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct cptext t = { 0 };
	size_t i;
	int error;

	pii_clear(s);
	s->pii_doc = doc;
	if ((error = store_spans_read(&all, s->ctx->project->db, doc)) < 0 || !all.n)
		goto done;
	if ((error = store_document_text(&text, s->ctx->project->db, doc)) < 0 ||
	    (error = cptext_init(&t, text.ptr ? text.ptr : "", text.len)) < 0)
		goto done;
	if (!(s->pii = calloc(all.n, sizeof(*s->pii)))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < all.n; i++) {
		const struct store_span *sp = &all.v[i];
		size_t b0, b1;
		if (sp->out_start < 0 || sp->end > t.n || sp->start >= sp->end)
			continue;
		b0 = t.byte[sp->start];
		b1 = t.byte[sp->end];
		if (b1 - b0 < 3)
			continue; /* too short to tell a quote from chance */
		if (!(s->pii[s->npii] = strndup(t.s + b0, b1 - b0))) {
			error = error_oom();
			goto done;
		}
		s->npii++;
	}
done:
	cptext_release(&t);
	buf_release(&text);
	store_spans_release(&all);
	return error;
}

/*
 * Does record r quote (in its text or payload) a string that is redacted in
 * its source document? *out 1 when it does.
 */
static int pii_quoted(int *out, struct rec_state *s, const struct enclave_record *r)
{
	int error;

	*out = 0;
	if (!r->document_id)
		return 0;
	if (r->document_id != s->pii_doc && (error = pii_load(s, r->document_id)) < 0)
		return error;
	for (size_t i = 0; i < s->npii && !*out; i++)
		*out = strstr(r->text, s->pii[i]) || strstr(r->payload, s->pii[i]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The walk                                                           */
/* ------------------------------------------------------------------ */

static int each_record(const struct enclave_record *r, void *payload)
{
	struct rec_state *s = payload;
	struct export_ctx *ctx = s->ctx;
	json_t *pl = NULL, *lin = NULL;
	int split = 0, contaminated = 0;

	if (!records_kind_listed(s->kinds, r->kind))
		return 0;
	if (s->map && r->document_id && (split = split_map_get(s->map, r->document_id)) < 0)
		split = 0; /* not expected: every document has a split */
	if (s->test && split != s->test_split) {
		int64_t shared;
		size_t bytes;
		if ((s->error = contam_record_shared(s->test, r, &shared, &bytes)) < 0)
			return 1;
		if (shared) {
			ctx->contaminated++;
			if (!ctx->opts->include_contaminated)
				return 0;
			ctx->contaminated_kept++;
			contaminated = 1;
		}
	}
	{
		int quoted;
		if ((s->error = pii_quoted(&quoted, s, r)) < 0)
			return 1;
		if (quoted && !ctx->opts->allow_unredacted) {
			if (s->quoting < 8)
				s->quoting_first[s->quoting] = r->id;
			s->quoting++;
			return 0; /* refused after the walk, naming them */
		}
		if (quoted)
			s->quoting++;
	}
	if (!(pl = obj(r->payload)) || !(lin = obj(r->lineage))) {
		s->error = error_oom();
		goto done;
	}
	switch (s->fmt) {
	case RF_JSONL: s->error = row_jsonl(s, r, split, pl, lin, contaminated); break;
	case RF_CSV: s->error = row_csv(s, r, split, pl, lin); break;
	case RF_CHAT:
	case RF_INSTRUCT: s->error = row_pair(s, r, split, pl, lin); break;
	case RF_SPACY: s->error = row_spacy(s, r, split, pl, lin); break;
	default: s->error = row_iob(s, r, split, pl, lin); break;
	}
	if (s->error >= 0)
		s->error = summarise(s, r, lin);
	if (s->error >= 0) {
		ctx->documents++;
		ctx->split_records[split]++;
	}
done:
	json_decref(pl);
	json_decref(lin);
	return s->error < 0;
}

/* hf-ner's pre-pass: the labels of the selected records' spans. */
static int each_label(const struct enclave_record *r, void *payload)
{
	struct rec_state *s = payload;
	json_t *pl, *v;
	size_t i;

	if (!records_kind_listed(s->kinds, r->kind) || !(pl = obj(r->payload)))
		return 0;
	json_array_foreach(json_object_get(pl, "spans"), i, v)
	{
		const char *l = json_string_value(json_object_get(v, "label"));
		if (l && json_object_set_new(s->labels, l, json_true()) < 0) {
			s->error = error_oom();
			break;
		}
	}
	json_decref(pl);
	return s->error < 0;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* s->labels (an object of names) into a sorted array, and label_names.json. */
static int write_labels(struct rec_state *s, json_t **names_out)
{
	size_t n = json_object_size(s->labels), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	json_t *arr = json_array(), *names = json_array(), *v;
	const char *k;

	if (!keys || !arr || !names) {
		free(keys);
		json_decref(arr);
		json_decref(names);
		return error_oom();
	}
	json_object_foreach(s->labels, k, v) keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_cstr);
	json_array_append_new(names, json_string("O"));
	for (i = 0; i < n; i++) {
		json_array_append_new(arr, json_string(keys[i]));
		json_array_append_new(names, json_sprintf("B-%s", keys[i]));
		json_array_append_new(names, json_sprintf("I-%s", keys[i]));
	}
	free(keys);
	json_decref(s->labels);
	s->labels = arr;
	*names_out = names;
	return 0;
}

/* Check the kinds asked for against what the format takes; the kinds to write into *out. */
static int check_kinds(const char **out, const char *asked, const char *format, const char *takes)
{
	const char *p = asked;

	*out = takes;
	if (!asked || !*asked || !strcmp(asked, "all"))
		return 0;
	*out = asked;
	for (; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p), i;
		char kind[40];
		if (!len || len >= sizeof(kind))
			return error_set(ENCLAVE_EINVALID, "malformed record kinds '%s'", asked);
		memcpy(kind, p, len);
		kind[len] = '\0';
		for (i = 0; i < len; i++)
			if (!((kind[i] >= 'a' && kind[i] <= 'z') ||
			      (kind[i] >= '0' && kind[i] <= '9') || kind[i] == '-'))
				return error_set(ENCLAVE_EINVALID, "malformed record kind '%s'",
				                 kind);
		if (takes && !records_kind_listed(takes, kind))
			return error_set(
			    ENCLAVE_EINVALID,
			    "format '%s' takes records of kind %s, not '%s' (jsonl and csv"
			    " take every kind)",
			    format, takes, kind);
		p = c ? c + 1 : NULL;
	}
	return 0;
}

int export_records(struct export_ctx *ctx)
{
	const struct enclave_export_options *o = ctx->opts;
	struct enclave_records_filter f = { NULL, NULL, 0, 0, 0 };
	struct rec_state s;
	json_t *names = NULL;
	char *names_text = NULL;
	size_t i;
	int error, found = 0;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.b = (struct buf)BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, o->format)) {
			s.fmt = formats[i].fmt;
			found = 1;
			if ((error = check_kinds(&s.kinds, o->records, o->format,
			                         formats[i].takes)) < 0)
				goto done;
		}
	if (!found) {
		error = error_set(ENCLAVE_EUNSUPPORTED,
		                  "format '%s' does not take generated records (jsonl, csv, chat,"
		                  " instruct, spacy, hf-ner, conll)",
		                  o->format);
		goto done;
	}
	if (o->unit) {
		error = error_set(ENCLAVE_EINVALID, "the unit applies to documents, not records");
		goto done;
	}
	if (!o->record_status || !strcmp(o->record_status, "accepted"))
		f.status = "accepted";
	else if (!strcmp(o->record_status, "proposed") || !strcmp(o->record_status, "rejected"))
		f.status = o->record_status;
	else if (strcmp(o->record_status, "all")) {
		error = error_set(ENCLAVE_EINVALID,
		                  "record status '%s': accepted, proposed, rejected or all",
		                  o->record_status);
		goto done;
	}
	if (o->ngram > ENCLAVE_MAX_NGRAM_WORDS) {
		error = error_set(ENCLAVE_EINVALID, "n-grams of %u words: at most %d", o->ngram,
		                  ENCLAVE_MAX_NGRAM_WORDS);
		goto done;
	}
	if (!(s.kinds_n = json_object()) || !(s.generators = json_object()) ||
	    !(s.endpoints = json_object()) || !(s.models = json_object()) ||
	    !(s.templates = json_object()) || !(s.labels = json_object())) {
		error = error_oom();
		goto done;
	}
	/* Every document's split, then the test split's n-grams. */
	if (ctx->nsplits) {
		if (ctx->project_split) {
			s.map = ctx->project_split;
		} else {
			if ((error = split_map_compute(&s.computed, ctx)) < 0)
				goto done;
			s.map = &s.computed;
		}
		s.test_split = ctx->nsplits - 1;
		{
			int64_t docs = 0, bytes = 0;
			if ((error = ngram_set_new(&s.test, o->ngram)) < 0 ||
			    (error = contam_index_docs(s.test, ctx->project, s.map, s.test_split,
			                               &docs, &bytes)) < 0 ||
			    (error = ngram_set_seal(s.test)) < 0)
				goto done;
		}
	}
	if (s.fmt == RF_HFNER) {
		if ((error = enclave_records_list(ctx->project, &f, each_label, &s)) < 0 ||
		    (error = s.error) < 0 || (error = write_labels(&s, &names)) < 0)
			goto done;
	}
	if ((error = export_out_open(&s.out, ctx, "data",
	                             s.fmt == RF_CSV        ? "csv"
	                             : s.fmt == RF_SPACY    ? "spacy.jsonl"
	                             : s.fmt == RF_CONLL    ? "conll"
	                             : s.fmt == RF_CHAT     ? "chat.jsonl"
	                             : s.fmt == RF_INSTRUCT ? "instruct.jsonl"
	                                                    : "jsonl")) < 0)
		goto done;
	if (s.fmt == RF_CONLL) {
		if ((error = export_out_open(&s.side, ctx, "data", "lineage.jsonl")) < 0) {
			export_out_abort(&s.out);
			goto done;
		}
		s.side_open = 1;
	}
	if (s.fmt == RF_CSV) {
		static const char header[] =
		    "id,kind,status,document_id,chunk,text,payload,lineage";
		for (int k = 0; k < s.out.n; k++) {
			if ((error = export_out_line(&s.out, ctx, k, header, sizeof(header) - 1,
			                             "\r\n")) < 0)
				break;
			s.out.records[k]--;
		}
	}
	if (!error) {
		error = enclave_records_list(ctx->project, &f, each_record, &s);
		if (s.error < 0)
			error = s.error;
	}
	if (!error && s.quoting && !o->allow_unredacted) {
		struct buf ids = BUF_INIT(256);
		for (i = 0; i < s.quoting && i < 8; i++)
			buf_printf(&ids, "%s%lld", i ? ", " : "", (long long)s.quoting_first[i]);
		error = error_set(ENCLAVE_EINVALID,
		                  "cannot export: %zu record%s text that is redacted in %s"
		                  " source document (record%s %s%s): pass --allow-pii to ship them"
		                  " (recorded in the audit trail)",
		                  s.quoting, s.quoting == 1 ? " quotes" : "s quote",
		                  s.quoting == 1 ? "its" : "their", s.quoting == 1 ? "" : "s",
		                  buf_cstr(&ids), s.quoting > 8 ? ", ..." : "");
		buf_release(&ids);
	}
	if (error < 0) {
		export_out_abort(&s.out);
		if (s.side_open)
			export_out_abort(&s.side);
		goto done;
	}
	if ((error = export_out_done(&s.out, ctx)) < 0 ||
	    (s.side_open && (error = export_out_done(&s.side, ctx)) < 0))
		goto done;
	if (names) {
		if (!(names_text = json_dumps(names, JSON_COMPACT))) {
			error = error_oom();
			goto done;
		}
		if ((error = export_small_file(ctx, "label_names.json", names_text,
		                               strlen(names_text), -1)) < 0)
			goto done;
	}
	error = summary_json(&s);
done:
	pii_clear(&s);
	buf_release(&s.b);
	ngram_set_free(s.test);
	split_map_release(&s.computed);
	json_decref(s.kinds_n);
	json_decref(s.generators);
	json_decref(s.endpoints);
	json_decref(s.models);
	json_decref(s.templates);
	json_decref(s.labels);
	json_decref(names);
	free(names_text);
	return error;
}
