/*
 * The package around an export's data files: audit.jsonl, DATASHEET.md,
 * pubkey, manifest.json and manifest.sig (docs/formats/package.md).
 *
 *   audit.jsonl    the project's whole audit chain up to the event before
 *                  this export, as `enclave audit export` writes it: one
 *                  event a line, then the signed checkpoint of its head.
 *                  The whole chain, not a segment: a file that starts at
 *                  event 1 verifies with nothing else (a segment would need
 *                  a trusted hash to start from), and every exported
 *                  document's ingest, clean and label events are in it.
 *   DATASHEET.md   generated from the store and the chain: sources, counts,
 *                  languages, PII spans by label, label distribution,
 *                  processing steps with their versions and models.
 *   pubkey         the project's Ed25519 public key, 64 lowercase hex
 *                  digits and a newline (as key/ed25519.pub).
 *   manifest.json  canonical JSON (keys sorted at every level, two-space
 *                  indent, non-ASCII escaped, one final newline):
 *
 *     {"audit_head":{"hash":H,"seq":S,"time":T},"created_at":T,
 *      "documents":N,"enclave_version":V,"files":[{"path":P,"records":R,
 *      "sha256":X,"size":B},...],"format":F,"manifest_version":1,
 *      "models":{"ingest":{PATH:SHA,...},"ner":[SHA,...]},
 *      "options":{...},"project_id":ID,"public_key":K,"redaction":{...}}
 *
 *                  files lists every file of the package but manifest.json
 *                  and manifest.sig, sorted by path ("records" for data
 *                  files only). created_at is the time of the audit head,
 *                  not the clock: the same store and options give the same
 *                  manifest, byte for byte, and so the same signature
 *                  (Ed25519 is deterministic).
 *   manifest.sig   the Ed25519 signature of the exact bytes of
 *                  manifest.json, 128 lowercase hex digits and a newline.
 *
 * The chicken and the egg: the export's own audit event records the
 * manifest's SHA-256, so it is appended after the manifest is written and
 * cannot be in audit.jsonl. The package instead names the head it was made
 * at (manifest audit_head), which verify checks against audit.jsonl's last
 * event and signed checkpoint; the export event is the project chain's next
 * one, and a later `enclave audit export` shows it with the manifest hash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_int.h"

#define MANIFEST_FLAGS (JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII)

/* ------------------------------------------------------------------ */
/* What the audit chain says                                          */
/* ------------------------------------------------------------------ */

/* One processing step of the datasheet: an action and its events. */
struct step {
	char *action;
	int64_t events, first, last;
	json_t *versions; /* object used as a sorted set of version strings */
};

struct chain_info {
	int64_t head_seq;
	char head_hash[65];
	char head_time[40];
	json_t *ingest_models; /* path -> sha256 */
	json_t *ner_models;    /* sha256 -> true */
	struct step *steps;
	size_t nsteps, steps_cap;
	int error;
};

/* The step of `action`, added when new; NULL on allocation failure. */
static struct step *step_get(struct chain_info *c, const char *action)
{
	struct step *s;
	size_t i;

	for (i = 0; i < c->nsteps; i++)
		if (!strcmp(c->steps[i].action, action))
			return &c->steps[i];
	if (c->nsteps == c->steps_cap) {
		size_t ncap = c->steps_cap ? c->steps_cap * 2 : 16;
		if (!(s = realloc(c->steps, ncap * sizeof(*s))))
			return NULL;
		c->steps = s;
		c->steps_cap = ncap;
	}
	s = &c->steps[c->nsteps];
	memset(s, 0, sizeof(*s));
	if (!(s->action = strdup(action)) || !(s->versions = json_object())) {
		free(s->action);
		return NULL;
	}
	c->nsteps++;
	return s;
}

/* Note the string `v` (when it is one) in the step's version set. */
static int note_version(struct step *s, json_t *v)
{
	if (json_is_string(v) &&
	    json_object_set_new(s->versions, json_string_value(v), json_true()) < 0)
		return -1;
	return 0;
}

/*
 * Per event: the head, the step counts, the versions the events name
 * (extractor, recognizers), and the models: ingest.run's params.models
 * (path -> SHA-256, OCR traineddata and the like) and clean.pii.run's
 * ner_model_sha256.
 */
static int chain_cb(const struct enclave_audit_event *ev, void *payload)
{
	struct chain_info *c = payload;
	json_t *params = json_loads(ev->params, 0, NULL), *v;
	struct step *s;
	const char *k;
	size_t i;

	c->head_seq = ev->seq;
	snprintf(c->head_hash, sizeof(c->head_hash), "%s", ev->hash);
	snprintf(c->head_time, sizeof(c->head_time), "%s", ev->time);
	if (!params || !(s = step_get(c, ev->action)))
		goto oom;
	if (!s->events++)
		s->first = ev->seq;
	s->last = ev->seq;
	if (note_version(s, json_object_get(params, "extractor")) < 0)
		goto oom;
	if (json_is_string(v = json_object_get(params, "enclave_version"))) {
		char ver[128];
		snprintf(ver, sizeof(ver), "enclave %s", json_string_value(v));
		if (json_object_set_new(s->versions, ver, json_true()) < 0)
			goto oom;
	}
	json_array_foreach(json_object_get(params, "recognizers"), i,
	                   v) if (note_version(s, v) < 0) goto oom;
	json_object_foreach(json_object_get(params, "models"), k,
	                    v) if (json_is_string(v) &&
	                           json_object_set(c->ingest_models, k, v) < 0) goto oom;
	v = json_object_get(params, "ner_model_sha256");
	if (json_is_string(v) &&
	    json_object_set_new(c->ner_models, json_string_value(v), json_true()) < 0)
		goto oom;
	json_decref(params);
	return 0;
oom:
	json_decref(params);
	c->error = error_oom();
	return 1;
}

static void chain_release(struct chain_info *c)
{
	size_t i;

	for (i = 0; i < c->nsteps; i++) {
		free(c->steps[i].action);
		json_decref(c->steps[i].versions);
	}
	free(c->steps);
	json_decref(c->ingest_models);
	json_decref(c->ner_models);
}

static int chain_read(struct chain_info *c, enclave_project *p)
{
	int error;

	memset(c, 0, sizeof(*c));
	if (!(c->ingest_models = json_object()) || !(c->ner_models = json_object()))
		return error_oom();
	error = enclave_audit_foreach(p, chain_cb, c);
	if (c->error)
		return c->error;
	return error < 0 ? error : 0;
}

/* ------------------------------------------------------------------ */
/* Small files                                                        */
/* ------------------------------------------------------------------ */

/*
 * Write `len` bytes as the file `name` of the package; register it in the
 * manifest when `listed` (manifest.json and manifest.sig are not).
 */
static int write_small(struct export_ctx *ctx, const char *name, const char *data, size_t len,
                       int listed)
{
	FILE *f;
	int error, bad;

	if ((error = export_file_open(&f, ctx, name)) < 0)
		return error;
	bad = (len && fwrite(data, 1, len, f) != len);
	if (listed && !bad)
		return export_file_done(ctx, f, name, -1);
	bad = bad || fflush(f) != 0 || fsync(fileno(f)) != 0;
	if (fclose(f) != 0 || bad)
		return error_set(ENCLAVE_EIO, "cannot write '%s/%s': %s", ctx->dir, name,
		                 strerror(errno));
	return 0;
}

static int put_file(struct export_ctx *ctx, const char *name, const char *data, size_t len)
{
	return write_small(ctx, name, data, len, 1);
}

static int put_file_unlisted(struct export_ctx *ctx, const char *name, const char *data, size_t len)
{
	return write_small(ctx, name, data, len, 0);
}

/*
 * audit.jsonl: the chain as `audit export` writes it, registered; then read
 * back and verified, and its signed head compared with `c` (read from the
 * store just before), so that the manifest's audit_head is the file's head
 * even when another process appended events meanwhile (then: an error).
 */
static int write_audit(struct export_ctx *ctx, const struct chain_info *c)
{
	struct enclave_audit_report r;
	struct audit_file_head head;
	struct buf path = BUF_INIT(65536);
	char pkhex[65];
	FILE *f = NULL;
	int error;

	if (buf_printf(&path, "%s/audit.jsonl", ctx->dir) < 0)
		return error_oom();
	if ((error = enclave_audit_export(ctx->project, buf_cstr(&path))) < 0 ||
	    (error = export_file_register(ctx, "audit.jsonl", -1)) < 0)
		goto done;
	hex_encode(pkhex, ctx->project->pk, sizeof(ctx->project->pk));
	if (!(f = fopen(buf_cstr(&path), "r"))) {
		error = error_set(ENCLAVE_EIO, "cannot open '%s': %s", buf_cstr(&path),
		                  strerror(errno));
		goto done;
	}
	if ((error = audit_verify_stream(f, buf_cstr(&path), pkhex, &r, &head)) < 0)
		goto done;
	if (!r.ok) {
		error = error_set(ENCLAVE_ETAMPER, "the project's audit chain does not verify: %s",
		                  r.message);
		goto done;
	}
	if (head.seq != c->head_seq || strcmp(head.hash, c->head_hash))
		error = error_set(ENCLAVE_ECONFLICT,
		                  "the audit chain changed during the export (event %lld became "
		                  "%lld): run it again",
		                  (long long)c->head_seq, (long long)head.seq);
done:
	if (f)
		fclose(f);
	buf_release(&path);
	return error;
}

/* ------------------------------------------------------------------ */
/* DATASHEET.md                                                       */
/* ------------------------------------------------------------------ */

/* Append `s` as a Markdown table cell: '|' escaped, line breaks as spaces. */
static void md_cell(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			buf_puts(b, "\\|");
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			buf_putc(b, ' ');
		else
			buf_putc(b, *s);
	}
}

static long long int_of(json_t *row, const char *key)
{
	return (long long)json_integer_value(json_object_get(row, key));
}

/* A table of `rows` (array of objects) with columns `keys` under `heads`. */
static void md_table(struct buf *b, json_t *rows, const char *const *heads, const char *const *keys)
{
	json_t *row;
	size_t i, j;

	for (j = 0; heads[j]; j++)
		buf_printf(b, "| %s ", heads[j]);
	buf_puts(b, "|\n");
	for (j = 0; heads[j]; j++)
		buf_puts(b, "| --- ");
	buf_puts(b, "|\n");
	json_array_foreach(rows, i, row)
	{
		for (j = 0; keys[j]; j++) {
			json_t *v = json_object_get(row, keys[j]);
			buf_puts(b, "| ");
			if (json_is_integer(v))
				buf_printf(b, "%lld", (long long)json_integer_value(v));
			else
				md_cell(b, json_string_value(v) ? json_string_value(v) : "");
			buf_putc(b, ' ');
		}
		buf_puts(b, "|\n");
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The keys of object `o` sorted by their bytes: a new array of `*n` borrowed
 * strings (free the array only); NULL when out of memory.
 */
static const char **sorted_keys(json_t *o, size_t *n)
{
	const char **keys = calloc(json_object_size(o) + 1, sizeof(*keys));
	const char *k;
	json_t *v;

	*n = 0;
	if (!keys)
		return NULL;
	json_object_foreach(o, k, v) keys[(*n)++] = k;
	qsort(keys, *n, sizeof(*keys), cmp_str);
	return keys;
}

/* The sorted keys of object `o`, joined with ", ", into b. */
static void md_keys(struct buf *b, json_t *o)
{
	size_t n, i;
	const char **keys = sorted_keys(o, &n);

	for (i = 0; keys && i < n; i++) {
		if (i)
			buf_puts(b, ", ");
		md_cell(b, keys[i]);
	}
	free(keys);
}

static int cmp_file(const void *a, const void *b)
{
	const struct export_file *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

/* ctx->files sorted by name, a new array of pointers (NULL: out of memory). */
static const struct export_file **sorted_files(const struct export_ctx *ctx)
{
	const struct export_file **v = calloc(ctx->nfiles ? ctx->nfiles : 1, sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < ctx->nfiles; i++)
		v[i] = &ctx->files[i];
	qsort(v, ctx->nfiles, sizeof(*v), cmp_file);
	return v;
}

/* One "| key | n |" row per member of the object of counts `o`. */
static void md_counts(struct buf *b, const json_t *o, const char *head)
{
	const char *k;
	json_t *v;

	buf_printf(b, "| %s | records |\n| --- | ---: |\n", head);
	json_object_foreach((json_t *)o, k, v)
	{
		buf_puts(b, "| ");
		md_cell(b, k);
		buf_printf(b, " | %lld |\n", (long long)json_integer_value(v));
	}
}

/* The "Generated data" section: what made the records (ctx->generated, records.c). */
static int datasheet_generated(struct buf *b, const struct export_ctx *ctx)
{
	const json_t *g = ctx->generated, *c = json_object_get(g, "contamination"), *v;
	size_t i;

	buf_printf(b,
	           "\n## Generated data\n\n"
	           "The records are generated items of the augment stage, not documents: "
	           "%lld records of status %s (kinds asked: %s), each row with its record id, "
	           "kind and lineage. A record is in its source document's split; %lld records "
	           "without a source document are in train.\n\n",
	           (long long)json_integer_value(json_object_get(g, "records")),
	           json_string_value(json_object_get(g, "record_status")),
	           json_string_value(json_object_get(g, "kinds_selected")),
	           (long long)json_integer_value(json_object_get(g, "without_source")));
	md_counts(b, json_object_get(g, "kinds"), "kind");
	buf_puts(b, "\nGenerators:\n\n");
	md_counts(b, json_object_get(g, "generators"), "generator");
	buf_puts(b, "\nEndpoints:\n\n");
	if (!json_object_size(json_object_get(g, "endpoints")))
		buf_puts(b, "None: no record was made by an LLM.\n");
	else
		md_counts(b, json_object_get(g, "endpoints"), "endpoint");
	buf_puts(b, "\nModels:\n\n| model | digest | records |\n| --- | --- | ---: |\n");
	json_array_foreach(json_object_get(g, "models"), i, v)
	{
		const char *d = json_string_value(json_object_get(v, "digest"));
		buf_puts(b, "| ");
		md_cell(b, json_string_value(json_object_get(v, "model")));
		buf_puts(b, " | ");
		md_cell(b, d ? d : "(not reported)");
		buf_printf(b, " | %lld |\n",
		           (long long)json_integer_value(json_object_get(v, "records")));
	}
	buf_puts(b, "\nPrompt templates:\n\n| template | sha256 | records |\n"
	            "| --- | --- | ---: |\n");
	json_array_foreach(json_object_get(g, "templates"), i, v)
	{
		const char *n = json_string_value(json_object_get(v, "name"));
		const char *h = json_string_value(json_object_get(v, "sha256"));
		buf_puts(b, "| ");
		md_cell(b, n ? n : "");
		buf_puts(b, " | ");
		md_cell(b, h ? h : "");
		buf_printf(b, " | %lld |\n",
		           (long long)json_integer_value(json_object_get(v, "records")));
	}
	if (json_integer_value(json_object_get(g, "quoting_redacted")))
		buf_printf(b,
		           "\nPersonal data: %lld records quote text that is redacted in their "
		           "source document, shipped with --allow-pii (audited).\n",
		           (long long)json_integer_value(json_object_get(g, "quoting_redacted")));
	if (json_is_true(json_object_get(c, "checked")))
		buf_printf(b,
		           "\nContamination guard: %lld records of train and validation share a "
		           "%lld-word n-gram with the test split's text; %s.\n",
		           (long long)json_integer_value(json_object_get(c, "flagged")),
		           (long long)json_integer_value(json_object_get(c, "ngram")),
		           ctx->opts->include_contaminated
		               ? "they were exported anyway, marked \"contaminated\""
		                 " (--include-contaminated, audited)"
		               : "they were left out");
	else
		buf_puts(b, "\nContamination guard: not applied (no test split).\n");
	return 0;
}

static int write_datasheet(struct export_ctx *ctx, const char *format, json_t *options,
                           const struct chain_info *c)
{
	static const char *const h_src[] = { "media type", "sources", "bytes", NULL };
	static const char *const k_src[] = { "media_type", "sources", "bytes", NULL };
	static const char *const h_doc[] = { "status", "documents", "pages", "blocks", NULL };
	static const char *const k_doc[] = { "status", "documents", "pages", "blocks", NULL };
	static const char *const h_lang[] = { "language", "documents", NULL };
	static const char *const k_lang[] = { "language", "documents", NULL };
	static const char *const h_pii[] = { "label", "status", "spans", "documents", NULL };
	static const char *const k_pii[] = { "label", "status", "spans", "documents", NULL };
	static const char *const h_lab[] = { "task type", "label", "items", "annotations", NULL };
	static const char *const k_lab[] = { "type", "label", "items", "annotations", NULL };
	static const char *const h_ann[] = { "task type", "status", "annotations", NULL };
	static const char *const k_ann[] = { "type", "status", "annotations", NULL };
	struct buf b = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	const struct export_file **files = NULL;
	const char **paths = NULL, **shas = NULL;
	json_t *st = NULL, *row;
	char *opts_text = NULL;
	size_t i, n = 0, m = 0;
	int error;

	if ((error = store_dataset_stats(&st, ctx->project, ctx->opts->include_failed,
	                                 ctx->opts->lang)) < 0)
		return error;
	if (!(files = sorted_files(ctx)) ||
	    !(opts_text = json_dumps(options, JSON_COMPACT | JSON_SORT_KEYS))) {
		error = error_oom();
		goto done;
	}
	buf_printf(&b,
	           "# Datasheet\n\n"
	           "Generated by Enclave %s from project %s at audit event %lld (%s).\n"
	           "Every figure below is read from the project's store and audit chain;\n"
	           "the same store and options give the same text.\n\n"
	           "## Export\n\n"
	           "- format: %s\n- options: `%s`\n- records: %zu\n"
	           "- redaction: %zu records with their redacted text, %zu with their "
	           "original text%s\n\n",
	           ENCLAVE_VERSION, ctx->project->project_id, (long long)c->head_seq, c->head_time,
	           format, opts_text, ctx->documents, ctx->redacted_written,
	           ctx->unredacted_written,
	           ctx->opts->allow_unredacted ? " (allowed with --allow-pii)" : "");
	buf_puts(
	    &b,
	    "Data files:\n\n| file | records | bytes | sha256 |\n| --- | ---: | ---: | --- |\n");
	for (i = 0; i < ctx->nfiles; i++) {
		const struct export_file *f = files[i];
		if (f->records < 0)
			continue;
		buf_puts(&b, "| ");
		md_cell(&b, f->name);
		buf_printf(&b, " | %lld | %lld | %s |\n", (long long)f->records, (long long)f->size,
		           f->sha256);
	}
	if (!ctx->nsplits) {
		buf_puts(&b, "\n## Splits\n\nNone: the records form one set.\n");
	} else {
		char parts[48];
		if (ctx->opts->split[2])
			snprintf(parts, sizeof(parts), "%u/%u/%u", ctx->opts->split[0],
			         ctx->opts->split[1], ctx->opts->split[2]);
		else
			snprintf(parts, sizeof(parts), "%u/%u", ctx->opts->split[0],
			         ctx->opts->split[1]);
		buf_printf(&b,
		           "\n## Splits\n\n%s by source document (a document and all made from it "
		           "in one split), seed %llu%s:\n\n",
		           parts, (unsigned long long)ctx->opts->seed,
		           ctx->opts->stratify ? ", stratified by class" : "");
		if (ctx->project_split)
			buf_printf(&b,
			           "The project's stored split (`enclave split`), assignment sha256"
			           " %s.\n\n",
			           ctx->project_split_sha256);
		buf_printf(&b, "| split | %s |\n| --- | ---: |\n",
		           ctx->generated ? "records" : "documents");
		for (int k = 0; k < ctx->nsplits; k++)
			buf_printf(&b, "| %s | %zu |\n", export_split_name(ctx, k),
			           ctx->split_records[k]);
	}

	if (ctx->generated && (error = datasheet_generated(&b, ctx)) < 0)
		goto done;
	buf_puts(&b, "\n## Sources\n\n");
	md_table(&b, json_object_get(st, "sources"), h_src, k_src);
	buf_puts(&b, "\n## Documents\n\n");
	md_table(&b, json_object_get(st, "documents"), h_doc, k_doc);
	buf_puts(&b, "\n## Languages\n\n");
	if (ctx->opts->lang)
		buf_printf(&b, "Only documents in '%s' were exported (--lang).\n\n",
		           ctx->opts->lang);
	buf_puts(&b, "Documents per language: ISO 639-1 codes (639-3 where there is none), from"
	             " the format's metadata or identified from the text (libexttextcat); und:"
	             " too short or ambiguous to tell.\n\n");
	md_table(&b, json_object_get(st, "languages"), h_lang, k_lang);
	buf_puts(&b, "\n## Personal data\n\n");
	json_array_foreach(json_object_get(st, "redaction"), i, row) buf_printf(
	    &b, "- %lld document%s %s a redacted text layer\n", int_of(row, "documents"),
	    int_of(row, "documents") == 1 ? "" : "s",
	    int_of(row, "redacted") ? (int_of(row, "documents") == 1 ? "has" : "have")
	                            : (int_of(row, "documents") == 1 ? "has no" : "have no"));
	buf_puts(&b, "\nPII spans found by `enclave clean --pii` and labelling, by label and"
	             " status:\n\n");
	md_table(&b, json_object_get(st, "pii"), h_pii, k_pii);
	buf_puts(&b, "\n## Labels\n\nAccepted annotations, by task type and label (items: spans,"
	             " class labels, boxes or question-answer pairs):\n\n");
	md_table(&b, json_object_get(st, "labels"), h_lab, k_lab);
	buf_puts(&b, "\nAnnotations by status:\n\n");
	md_table(&b, json_object_get(st, "annotations"), h_ann, k_ann);
	buf_puts(&b, "\n## Processing steps\n\nFrom the audit chain (audit.jsonl), in order of"
	             " first use:\n\n| action | events | first | last | versions |\n"
	             "| --- | ---: | ---: | ---: | --- |\n");
	for (i = 0; i < c->nsteps; i++) {
		const struct step *s = &c->steps[i];
		buf_puts(&b, "| ");
		md_cell(&b, s->action);
		buf_printf(&b, " | %lld | %lld | %lld | ", (long long)s->events,
		           (long long)s->first, (long long)s->last);
		md_keys(&b, s->versions);
		buf_puts(&b, " |\n");
	}
	buf_printf(&b, "| export (this one) | 1 | %lld | %lld | enclave %s |\n",
	           (long long)c->head_seq + 1, (long long)c->head_seq + 1, ENCLAVE_VERSION);
	buf_puts(&b, "\n## Models\n\n");
	if (!json_object_size(c->ingest_models) && !json_object_size(c->ner_models))
		buf_puts(&b, "None: no model was used upstream.\n");
	else
		buf_puts(&b, "| use | model | sha256 |\n| --- | --- | --- |\n");
	if (!(paths = sorted_keys(c->ingest_models, &n)) ||
	    !(shas = sorted_keys(c->ner_models, &m))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < n; i++) {
		buf_puts(&b, "| ingest | ");
		md_cell(&b, paths[i]);
		buf_printf(&b, " | %s |\n",
		           json_string_value(json_object_get(c->ingest_models, paths[i])));
	}
	for (i = 0; i < m; i++) {
		buf_puts(&b, "| clean --pii | NER tagger | ");
		md_cell(&b, shas[i]);
		buf_puts(&b, " |\n");
	}
	if (b.len >= ENCLAVE_MAX_FIELD_BYTES - 1) {
		error = error_set(ENCLAVE_ELIMIT, "DATASHEET.md would pass %zu bytes",
		                  (size_t)ENCLAVE_MAX_FIELD_BYTES);
		goto done;
	}
	error = put_file(ctx, "DATASHEET.md", buf_cstr(&b), b.len);
done:
	free(paths);
	free(shas);
	free(files);
	free(opts_text);
	json_decref(st);
	buf_release(&b);
	return error;
}

/* ------------------------------------------------------------------ */
/* manifest.json and manifest.sig                                     */
/* ------------------------------------------------------------------ */

/* A JSON array of `n` ids (a new reference; NULL on allocation failure). */
static json_t *ids_json(const int64_t *ids, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_integer(ids[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The sorted keys of object `o` as a JSON array (a new reference; NULL: out of memory). */
static json_t *sorted_key_array(json_t *o)
{
	json_t *a = json_array();
	size_t n, i;
	const char **keys = sorted_keys(o, &n);

	for (i = 0; a && keys && i < n; i++)
		if (json_array_append_new(a, json_string(keys[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	if (!keys) {
		json_decref(a);
		a = NULL;
	}
	free(keys);
	return a;
}

static int write_manifest(struct export_ctx *ctx, const char *format, json_t *options,
                          const struct chain_info *c, char sha[65])
{
	const struct export_file **sorted = sorted_files(ctx);
	json_t *m = NULL, *files = json_array();
	char *text = NULL, pkhex[65], sig[129], sigline[131];
	size_t i, len;
	int error = 0;

	if (!sorted || !files) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < ctx->nfiles; i++) {
		const struct export_file *f = sorted[i];
		json_t *o = json_pack("{s:s,s:I,s:s}", "path", f->name, "size", (json_int_t)f->size,
		                      "sha256", f->sha256);
		if (o && f->records >= 0 &&
		    json_object_set_new(o, "records", json_integer(f->records)) < 0) {
			json_decref(o);
			o = NULL;
		}
		if (!o || json_array_append_new(files, o) < 0) {
			error = error_oom();
			goto done;
		}
	}
	hex_encode(pkhex, ctx->project->pk, sizeof(ctx->project->pk));
	m = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:O,s:I,s:{s:I,s:s,s:s},s:O,"
	              "s:{s:O,s:o},s:{s:I,s:o,s:b}}",
	              "manifest_version", 1, "enclave_version", ENCLAVE_VERSION, "project_id",
	              ctx->project->project_id, "public_key", pkhex, "created_at", c->head_time,
	              "format", format, "options", options, "documents", (json_int_t)ctx->documents,
	              "audit_head", "seq", (json_int_t)c->head_seq, "hash", c->head_hash, "time",
	              c->head_time, "files", files, "models", "ingest", c->ingest_models, "ner",
	              sorted_key_array(c->ner_models), "redaction", "redacted",
	              (json_int_t)ctx->redacted_written, "unredacted",
	              ids_json(ctx->unredacted, ctx->nunredacted), "allow_unredacted",
	              ctx->opts->allow_unredacted);
	/* Only when used, so that a documents export's manifest is unchanged. */
	if (m && ctx->generated && json_object_set(m, "generated", ctx->generated) < 0) {
		json_decref(m);
		m = NULL;
	}
	if (m && ctx->project_split &&
	    json_object_set_new(m, "split",
	                        json_pack("{s:s,s:s}", "source", "project", "sha256",
	                                  ctx->project_split_sha256)) < 0) {
		json_decref(m);
		m = NULL;
	}
	if (!m || !(text = json_dumps(m, MANIFEST_FLAGS))) {
		error = error_oom();
		goto done;
	}
	len = strlen(text);
	text[len] = '\0';
	{
		/* One final newline: the signed bytes are the file's bytes. */
		char *t = realloc(text, len + 2);
		if (!t) {
			error = error_oom();
			goto done;
		}
		text = t;
		text[len++] = '\n';
		text[len] = '\0';
	}
	if ((error = put_file_unlisted(ctx, "manifest.json", text, len)) < 0 ||
	    (error = sha256_hex(sha, text, len)) < 0 ||
	    (error = sign_detached_hex(sig, text, len, ctx->project->sk)) < 0)
		goto done;
	snprintf(sigline, sizeof(sigline), "%s\n", sig);
	error = put_file_unlisted(ctx, "manifest.sig", sigline, strlen(sigline));
done:
	free(sorted);
	json_decref(files);
	json_decref(m);
	free(text);
	return error;
}

/* ------------------------------------------------------------------ */
/* The package                                                        */
/* ------------------------------------------------------------------ */

int package_write(struct export_ctx *ctx, const char *format, json_t *options, char sha[65])
{
	struct chain_info c;
	char pkline[66];
	int error;

	if ((error = chain_read(&c, ctx->project)) < 0)
		goto done;
	if ((error = write_audit(ctx, &c)) < 0)
		goto done;
	if ((error = write_datasheet(ctx, format, options, &c)) < 0)
		goto done;
	hex_encode(pkline, ctx->project->pk, sizeof(ctx->project->pk));
	pkline[64] = '\n';
	pkline[65] = '\0';
	if ((error = put_file(ctx, "pubkey", pkline, 65)) < 0)
		goto done;
	error = write_manifest(ctx, format, options, &c, sha);
done:
	chain_release(&c);
	return error;
}
