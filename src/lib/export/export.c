/*
 * The export core: the output folder, the writers, the chain segment, the
 * manifest, and the audit event that records the export.
 *
 * An export folder holds the writer's data files and the package around
 * them (package.c): audit.jsonl, DATASHEET.md, pubkey, manifest.json and
 * manifest.sig, described in docs/formats/package.md.
 *
 * The redaction guard: before anything is written, the ok documents with no
 * redacted layer are listed; if there are any and the caller did not allow
 * them, the export is refused, naming how many and which. Allowed, they ship
 * their original text, and their ids and the override are recorded in the
 * manifest ("redaction") and in the export's audit event (params
 * allow_unredacted, outputs unredacted_documents).
 *
 * manifest.json and manifest.sig are written last: a folder without them
 * is an incomplete export. The export event in the project's chain records
 * the manifest's SHA-256, so the package can be tied back to the project.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "export_int.h"
#include "../../util/fs.h"

/* The writers, and their names in the same order (enclave_export_formats). */
/* clang-format off */
static const struct export_writer writers[] = {
	{ "jsonl", export_jsonl },
	{ "csv", export_csv },
	{ "chunks", export_chunks },
	{ "conll", export_conll },
	{ "spacy", export_spacy },
	{ "hf-ner", export_hfner },
	{ "chat", export_chat },
	{ "instruct", export_instruct },
	{ "text", export_text },
	{ "markdown", export_markdown },
	{ "coco", export_coco },
	{ "yolo", export_yolo },
	{ "labelstudio", export_labelstudio },
};
static const char *const writer_names[] = {
	"jsonl", "csv", "chunks", "conll", "spacy", "hf-ner", "chat", "instruct", "text",
	"markdown", "coco", "yolo", "labelstudio", NULL,
};
/* clang-format on */

const char *const *enclave_export_formats(void)
{
	return writer_names;
}

/* Is `s` NULL or one of the NULL-terminated `names`? */
static int one_of(const char *s, const char *const *names)
{
	if (!s)
		return 1;
	for (; *names; names++)
		if (!strcmp(s, *names))
			return 1;
	return 0;
}

/* Check the selection options (driver.c) and set ctx's view of them. */
static int check_selection(struct export_ctx *ctx)
{
	static const char *const layers[] = { "redacted", "original", NULL };
	static const char *const modes[] = { "accepted", "submitted", "all", NULL };
	static const char *const units[] = { "documents", "blocks", NULL };
	static const char *const chunk_by[] = { "tokens", "words", "sentences", "sections", NULL };
	const struct enclave_export_options *o = ctx->opts;
	unsigned sum = 0;
	int i, parts = 0;

	if (!one_of(o->layer, layers))
		return error_set(ENCLAVE_EINVALID, "unknown layer '%s' (redacted, original)",
		                 o->layer);
	if (!one_of(o->annotations, modes))
		return error_set(ENCLAVE_EINVALID,
		                 "unknown annotation status '%s' (accepted, submitted, all)",
		                 o->annotations);
	if (!one_of(o->unit, units))
		return error_set(ENCLAVE_EINVALID, "unknown unit '%s' (documents, blocks)",
		                 o->unit);
	if (o->unit && o->format && strcmp(o->format, "jsonl") && strcmp(o->format, "csv"))
		return error_set(ENCLAVE_EINVALID, "the unit applies to jsonl and csv, not '%s'",
		                 o->format);
	if (!one_of(o->chunk_by, chunk_by))
		return error_set(ENCLAVE_EINVALID,
		                 "unknown chunk unit '%s' (tokens, words, sentences, sections)",
		                 o->chunk_by);
	if (o->stratify && strcmp(o->stratify, "class"))
		return error_set(ENCLAVE_EINVALID, "cannot stratify by '%s' (class)", o->stratify);
	ctx->layer_original = o->layer && !strcmp(o->layer, "original");
	if (ctx->layer_original && !o->allow_unredacted)
		return error_set(ENCLAVE_EINVALID, "cannot export the original layer without"
		                                   " allowing PII (--allow-pii)");
	ctx->ann_mode = !o->annotations || !strcmp(o->annotations, "accepted") ? 0
	                : !strcmp(o->annotations, "submitted")                 ? 1
	                                                                       : 2;
	for (i = 0; i < 3; i++) {
		if (o->split[i] > 100)
			return error_set(ENCLAVE_EINVALID, "split part %u is over 100",
			                 o->split[i]);
		sum += o->split[i];
		if (o->split[i])
			parts = i + 1;
	}
	if (parts) {
		for (i = 0; i < parts; i++)
			if (!o->split[i])
				return error_set(ENCLAVE_EINVALID, "a split part is 0");
		if (parts < 2 || sum != 100)
			return error_set(ENCLAVE_EINVALID,
			                 "a split has 2 or 3 parts adding up to 100 (got %u)", sum);
		ctx->nsplits = parts;
	} else if (o->stratify) {
		return error_set(ENCLAVE_EINVALID, "stratify needs a split");
	}
	return 0;
}

/* The path of `name` in the export folder, malloc'd. */
static char *out_path(const struct export_ctx *ctx, const char *name)
{
	struct buf b = BUF_INIT(65536);

	if (buf_printf(&b, "%s/%s", ctx->dir, name) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int export_file_open(FILE **out, struct export_ctx *ctx, const char *name)
{
	char *path = out_path(ctx, name);
	int fd;

	*out = NULL;
	if (!path)
		return error_oom();
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || !(*out = fdopen(fd, "w"))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		free(path);
		return error_set(ENCLAVE_EIO, "cannot create '%s/%s': %s", ctx->dir, name,
		                 strerror(e));
	}
	free(path);
	return 0;
}

int export_file_register(struct export_ctx *ctx, const char *name, int64_t records)
{
	struct export_file *f;
	char *path = out_path(ctx, name);
	int error;

	if (!path)
		return error_oom();
	if (ctx->nfiles == ctx->files_cap) {
		size_t ncap = ctx->files_cap ? ctx->files_cap * 2 : 8;
		if (!(f = realloc(ctx->files, ncap * sizeof(*f)))) {
			free(path);
			return error_oom();
		}
		ctx->files = f;
		ctx->files_cap = ncap;
	}
	f = &ctx->files[ctx->nfiles];
	memset(f, 0, sizeof(*f));
	if ((error = sha256_file_hex(f->sha256, &f->size, path)) < 0) {
		free(path);
		return error;
	}
	free(path);
	if (!(f->name = strdup(name)))
		return error_oom();
	f->records = records;
	ctx->nfiles++;
	return 0;
}

int export_file_done(struct export_ctx *ctx, FILE *f, const char *name, int64_t records)
{
	int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;

	if (fclose(f) != 0 || bad)
		return error_set(ENCLAVE_EIO, "cannot write '%s/%s': %s", ctx->dir, name,
		                 strerror(errno));
	return export_file_register(ctx, name, records);
}

/* A JSON array of `n` ids (a new reference; NULL on allocation failure). */
static json_t *id_array(const int64_t *ids, size_t n)
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

/*
 * The guard: list the ok documents with no redacted layer into ctx; refuse
 * (ENCLAVE_EINVALID, naming how many and the first of them) unless allowed.
 */
static int check_redacted(struct export_ctx *ctx)
{
	struct buf ids = BUF_INIT(4096);
	size_t i, shown = 20;
	int error;

	if ((error = store_unredacted(ctx->project, &ctx->unredacted, &ctx->nunredacted)) < 0)
		return error;
	if (!ctx->nunredacted || ctx->opts->allow_unredacted || ctx->layer_original)
		return 0;
	for (i = 0; i < ctx->nunredacted && i < shown; i++)
		buf_printf(&ids, "%s%lld", i ? ", " : "", (long long)ctx->unredacted[i]);
	if (ctx->nunredacted > shown)
		buf_printf(&ids, ", ... %zu more", ctx->nunredacted - shown);
	error = error_set(ENCLAVE_EINVALID,
	                  "cannot export: %zu document%s no redacted text layer (document%s %s):"
	                  " run 'enclave clean --pii' first, or pass --allow-pii to ship"
	                  " the original text (recorded in the audit trail)",
	                  ctx->nunredacted, ctx->nunredacted == 1 ? " has" : "s have",
	                  ctx->nunredacted == 1 ? "" : "s", buf_cstr(&ids));
	buf_release(&ids);
	return error;
}

json_t *export_options_json(const struct export_ctx *ctx, const char *format)
{
	json_t *params =
	    json_pack("{s:s,s:b,s:b,s:s,s:s,s:[I,I,I],s:I}", "format", format, "include_failed",
	              ctx->opts->include_failed, "allow_unredacted", ctx->opts->allow_unredacted,
	              "layer", ctx->layer_original ? "original" : "redacted", "annotations",
	              ctx->ann_mode == 0   ? "accepted"
	              : ctx->ann_mode == 1 ? "submitted"
	                                   : "all",
	              "split", (json_int_t)ctx->opts->split[0], (json_int_t)ctx->opts->split[1],
	              (json_int_t)ctx->opts->split[2], "seed", (json_int_t)ctx->opts->seed);
	if (params) {
		static const char *const keys[] = { "lang", "status",   "label",
			                            "unit", "stratify", "chunk_by" };
		const char *vals[] = { ctx->opts->lang, ctx->opts->status,   ctx->opts->label,
			               ctx->opts->unit, ctx->opts->stratify, ctx->opts->chunk_by };
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (vals[i] &&
			    json_object_set_new(params, keys[i], json_string(vals[i])) < 0) {
				json_decref(params);
				return NULL;
			}
	}
	/* Version 4's options, only when used: a documents export's options are unchanged. */
	if (params && ctx->project_split &&
	    (json_object_set_new(params, "split_source", json_string("project")) < 0 ||
	     json_object_set_new(params, "split_sha256", json_string(ctx->project_split_sha256)) <
	         0)) {
		json_decref(params);
		return NULL;
	}
	if (params && ctx->opts->records &&
	    json_object_update_new(
	        params, json_pack("{s:s,s:s,s:I,s:b}", "records",
	                          *ctx->opts->records ? ctx->opts->records : "all", "record_status",
	                          ctx->opts->record_status ? ctx->opts->record_status : "accepted",
	                          "ngram", (json_int_t)(ctx->opts->ngram ? ctx->opts->ngram : 8),
	                          "include_contaminated", ctx->opts->include_contaminated)) < 0) {
		json_decref(params);
		return NULL;
	}
	return params;
}

/* Record the export in the audit chain. */
static int record_export(struct export_ctx *ctx, const char *format, const char *manifest_sha)
{
	enclave_project *p = ctx->project;
	json_t *params, *outputs, *files = json_array();
	char *abs = realpath(ctx->dir, NULL);
	size_t i;
	int error;

	for (i = 0; files && i < ctx->nfiles; i++)
		json_array_append_new(files, json_pack("{s:s,s:s}", "path", ctx->files[i].name,
		                                       "sha256", ctx->files[i].sha256));
	params = export_options_json(ctx, format);
	if (params && json_object_set_new(params, "out", json_string(abs ? abs : ctx->dir)) < 0) {
		json_decref(params);
		params = NULL;
	}
	outputs = json_pack("{s:s,s:I,s:O,s:I,s:o}", "manifest_sha256", manifest_sha, "documents",
	                    (json_int_t)ctx->documents, "files", files, "redacted",
	                    (json_int_t)ctx->redacted_written, "unredacted_documents",
	                    id_array(ctx->unredacted, ctx->nunredacted));
	if (outputs && ctx->opts->records &&
	    json_object_update_new(
	        outputs, json_pack("{s:I,s:I}", "contaminated", (json_int_t)ctx->contaminated,
	                           "contaminated_kept", (json_int_t)ctx->contaminated_kept)) < 0) {
		json_decref(outputs);
		outputs = NULL;
	}
	free(abs);
	if (!params || !outputs) {
		error = error_oom();
		goto done;
	}
	if ((error = store_begin(p)) < 0)
		goto done;
	if ((error = audit_append(p, "export", "project", params, NULL, outputs, NULL)) < 0) {
		store_rollback(p);
		goto done;
	}
	if ((error = store_commit(p)) < 0)
		goto done;
	error = audit_write_head(p);
done:
	json_decref(params);
	json_decref(outputs);
	json_decref(files);
	return error;
}

int enclave_export(enclave_project *p, const char *out_dir,
                   const struct enclave_export_options *opts,
                   struct enclave_export_summary *summary)
{
	static const struct enclave_export_options defaults = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_export_options full = ENCLAVE_EXPORT_OPTIONS_INIT;
	const struct export_writer *w = NULL;
	struct export_ctx ctx;
	json_t *options = NULL;
	char manifest_sha[65];
	size_t i;
	int error, empty, created = 0, started = 0;

	if (!opts)
		opts = &defaults;
	/* An older caller's struct ends before the later fields: the defaults for them. */
	if (opts->version < 3)
		memcpy(&full, opts, offsetof(struct enclave_export_options, layer));
	else if (opts->version < 4)
		memcpy(&full, opts, offsetof(struct enclave_export_options, split_project));
	else
		full = *opts;
	full.version = ENCLAVE_EXPORT_OPTIONS_VERSION;
	opts = &full;
	if (summary)
		memset(summary, 0, sizeof(*summary));
	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (opts->format && !strcmp(writers[i].format, opts->format))
			w = &writers[i];
	if (!w)
		return error_set(ENCLAVE_EUNSUPPORTED, "unknown export format '%s'",
		                 opts->format ? opts->format : "");
	if (!p->have_sk)
		return error_set(ENCLAVE_ENOTFOUND, "cannot export: the project's secret key is "
		                                    "unreadable (exports are recorded and signed)");
	memset(&ctx, 0, sizeof(ctx));
	ctx.project = p;
	ctx.dir = out_dir;
	ctx.opts = opts;
	if (full.split_project) {
		if (full.split[0] || full.split[1] || full.split[2] || full.stratify) {
			error =
			    error_set(ENCLAVE_EINVALID, "the project split has its own parts, seed"
			                                " and stratification: give none of them");
			goto done;
		}
		if ((error = export_split_project_load(&ctx, &full)) < 0)
			goto done;
	}
	if ((error = check_selection(&ctx)) < 0 || (error = check_redacted(&ctx)) < 0)
		goto done;
	if ((empty = fs_dir_empty(out_dir)) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot open '%s': %s", out_dir, strerror(errno));
		goto done;
	}
	if (!empty) {
		error = error_set(ENCLAVE_EEXISTS, "'%s' is not empty", out_dir);
		goto done;
	}
	created = !fs_exists(out_dir);
	if (fs_mkdirs(out_dir, 0755) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot create '%s': %s", out_dir, strerror(errno));
		goto done;
	}
	started = 1;
	if ((error = (opts->records ? export_records(&ctx) : w->write(&ctx))) < 0)
		goto done;
	/* The package: audit.jsonl, DATASHEET.md, pubkey, manifest.json, manifest.sig. */
	if (!(options = export_options_json(&ctx, w->format))) {
		error = error_oom();
		goto done;
	}
	if ((error = package_write(&ctx, w->format, options, manifest_sha)) < 0 ||
	    (error = record_export(&ctx, w->format, manifest_sha)) < 0)
		goto done;
	if (summary) {
		summary->documents = ctx.documents;
		summary->redacted = ctx.redacted_written;
		summary->unredacted = ctx.unredacted_written;
		summary->files = ctx.nfiles + 2;
		memcpy(summary->split_records, ctx.split_records, sizeof(ctx.split_records));
		summary->ner_dropped = ctx.ner_dropped;
		memcpy(summary->manifest_sha256, manifest_sha, 65);
		summary->contaminated = ctx.contaminated;
		summary->contaminated_kept = ctx.contaminated_kept;
		summary->split_project = ctx.project_split != NULL;
		summary->nsplits = ctx.nsplits;
	}
done:
	/* A refused or failed export leaves nothing that could pass for one:
	 * OUT was empty or missing when it began. */
	if (error < 0 && started) {
		fs_remove_below(out_dir);
		if (created)
			rmdir(out_dir);
	}
	for (i = 0; i < ctx.nfiles; i++)
		free(ctx.files[i].name);
	free(ctx.files);
	free(ctx.unredacted);
	if (ctx.project_split)
		split_map_release(ctx.project_split);
	free(ctx.project_split);
	json_decref(ctx.generated);
	json_decref(options);
	return error;
}
