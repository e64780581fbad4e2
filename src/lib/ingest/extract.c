/*
 * Extraction of one file or buffer into a document: sniff, dispatch to the
 * parser through the format table, extract the children the parser found
 * (attachments, archive members) one level deeper, and name the file in any
 * failure.
 *
 * One extract_ctx serves a file and all its children: the options, the
 * worker's OCR engine, and the budgets of the limits that hold for the file
 * as a whole (decompressed bytes, number of children, nesting depth, time).
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "ingest_int.h"
#include "../../util/fs.h"

/* ------------------------------------------------------------------ */
/* The format table                                                   */
/* ------------------------------------------------------------------ */

enum parser {
	P_TEXT,
	P_MARKDOWN,
	P_HTML,
	P_PDF,
	P_IMAGE,
	P_OFFICE,
	P_EMAIL,
	P_OLE,
	P_ARCHIVE,
	P_EPUB,
	P_RTF
};

/* Every format sniff_type() can name, its media type and its parser. */
static const struct format {
	const char *name;
	const char *media_type;
	enum parser parser;
} formats[] = {
	{ "text", "text/plain", P_TEXT },
	{ "markdown", "text/markdown", P_MARKDOWN },
	{ "html", "text/html", P_HTML },
	{ "pdf", "application/pdf", P_PDF },
	{ "png", "image/png", P_IMAGE },
	{ "jpeg", "image/jpeg", P_IMAGE },
	{ "tiff", "image/tiff", P_IMAGE },
	{ "bmp", "image/bmp", P_IMAGE },
	{ "gif", "image/gif", P_IMAGE },
	{ "webp", "image/webp", P_IMAGE },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	  P_OFFICE },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", P_OFFICE },
	{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	  P_OFFICE },
	{ "odt", "application/vnd.oasis.opendocument.text", P_OFFICE },
	{ "ods", "application/vnd.oasis.opendocument.spreadsheet", P_OFFICE },
	{ "odp", "application/vnd.oasis.opendocument.presentation", P_OFFICE },
	{ "epub", "application/epub+zip", P_EPUB },
	{ "rtf", "application/rtf", P_RTF },
	{ "eml", "message/rfc822", P_EMAIL },
	{ "mbox", "application/mbox", P_EMAIL },
	{ "msg", "application/vnd.ms-outlook", P_OLE },
	{ "doc", "application/msword", P_OLE },
	{ "xls", "application/vnd.ms-excel", P_OLE },
	{ "ppt", "application/vnd.ms-powerpoint", P_OLE },
	{ "ole", "application/x-ole-storage", P_OLE },
	{ "zip", "application/zip", P_ARCHIVE },
	{ "tar", "application/x-tar", P_ARCHIVE },
	{ "gzip", "application/gzip", P_ARCHIVE },
	{ "bzip2", "application/x-bzip2", P_ARCHIVE },
	{ "xz", "application/x-xz", P_ARCHIVE },
	{ "7z", "application/x-7z-compressed", P_ARCHIVE },
};

const char *format_media_type(const char *format)
{
	size_t i;

	for (i = 0; format && i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, format))
			return formats[i].media_type;
	return NULL;
}

static const struct format *format_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, name))
			return &formats[i];
	return NULL;
}

/* Run the parser of `f` over the bytes into `doc`. */
static int parse(struct enclave_doc *doc, const struct format *f, const unsigned char *data,
                 size_t len)
{
	const struct enclave_extract_options *opts = doc->ctx->opts;

	switch (f->parser) {
	case P_TEXT: return ingest_text(doc, data, len);
	case P_MARKDOWN: return ingest_markdown(doc, data, len);
	case P_HTML: return ingest_html(doc, data, len);
	case P_PDF: return ingest_pdf(doc, data, len, opts);
	case P_IMAGE: return ingest_image(doc, data, len, opts);
	case P_OFFICE: return ingest_office(doc, f->name, data, len);
	case P_EMAIL: return ingest_email(doc, f->name, data, len);
	case P_OLE: return ingest_ole(doc, f->name, data, len);
	case P_ARCHIVE: return ingest_archive(doc, f->name, data, len);
	case P_EPUB: return ingest_epub(doc, data, len);
	case P_RTF: return ingest_rtf(doc, data, len);
	}
	return error_set(ENCLAVE_EUNSUPPORTED, "no parser for '%s'", f->name);
}

/* ------------------------------------------------------------------ */
/* Budgets                                                            */
/* ------------------------------------------------------------------ */

int extract_take_bytes(struct enclave_doc *doc, size_t n)
{
	struct extract_ctx *ctx = doc->ctx;

	if (!ctx)
		return 0;
	if (n > ENCLAVE_MAX_DECOMPRESSED_BYTES - ctx->bytes)
		return error_set(ENCLAVE_ELIMIT, "decompresses to more than %zu bytes",
		                 ENCLAVE_MAX_DECOMPRESSED_BYTES);
	ctx->bytes += n;
	return 0;
}

int extract_check_time(const struct enclave_doc *doc)
{
	const struct extract_ctx *ctx = doc->ctx;

	if (ctx && ctx->deadline > 0 && time_monotonic() > ctx->deadline)
		return error_set(ENCLAVE_ELIMIT, "took longer than the time limit of %g s",
		                 ctx->opts->timeout > 0 ? ctx->opts->timeout
		                                        : ENCLAVE_DEFAULT_TIMEOUT);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Extraction                                                         */
/* ------------------------------------------------------------------ */

/*
 * Extract the children `doc`'s parser appended, one level deeper: each gets
 * its document or its error. A child's failure is its own, never the
 * parent's, except when the file's time or byte budget is spent.
 */
static int extract_children(struct enclave_doc *doc)
{
	struct extract_ctx *ctx = doc->ctx;
	size_t i;
	int error = 0;

	for (i = 0; i < doc->nchildren; i++) {
		struct enclave_doc_child *c = &doc->children[i];
		struct enclave_doc *child = NULL;
		const char *mt = NULL;

		if (c->error) /* failed in the parser (doc_add_failed_child) */
			continue;
		if ((error = extract_check_time(doc)) < 0)
			return error;
		if (ctx->depth + 1 > ENCLAVE_MAX_CONTAINER_DEPTH) {
			error_set(ENCLAVE_ELIMIT, "cannot extract '%s': nested deeper than %d",
			          c->name, ENCLAVE_MAX_CONTAINER_DEPTH);
		} else {
			ctx->depth++;
			error = extract_with(&child, &mt, c->data, c->size, c->name, ctx);
			ctx->depth--;
		}
		free((char *)c->media_type);
		c->media_type = mt ? strdup(mt) : NULL;
		if (child) {
			c->doc = child;
			continue;
		}
		/* The whole file's budgets are spent: the parent fails too. */
		if (ctx->deadline > 0 && time_monotonic() > ctx->deadline)
			return extract_check_time(doc);
		if (ctx->bytes >= ENCLAVE_MAX_DECOMPRESSED_BYTES)
			return extract_take_bytes(doc, 1);
		if (!(c->error = strdup(enclave_error_last())))
			return error_oom();
		error = 0;
	}
	return error;
}

int extract_with(struct enclave_doc **out, const char **out_media_type, const void *data,
                 size_t len, const char *name, struct extract_ctx *ctx)
{
	const char *format, *media_type;
	const struct format *f;
	struct enclave_doc *doc = NULL;
	int error;

	*out = NULL;
	*out_media_type = NULL;
	if (!name)
		name = "<memory>";
	if ((error = sniff_type(&format, &media_type, data, len, name)) < 0)
		return error_prefix("cannot extract '%s'", name);
	if (!(f = format_find(format)))
		return error_set(ENCLAVE_EUNSUPPORTED, "cannot extract '%s': no parser for '%s'",
		                 name, format);
	*out_media_type = f->media_type;
	if ((error = doc_new(&doc, format)) < 0)
		return error;
	doc->ctx = ctx;
	doc->name = name;
	if ((error = extract_check_time(doc)) == 0)
		error = parse(doc, f, data, len);
	if (!error)
		error = extract_children(doc);
	if (!error && doc->nblocks == 0 && doc->nchildren == 0)
		error = error_set(ENCLAVE_EEMPTY, "no text found");
	if (!error)
		error = doc_set_meta(doc, "media_type", f->media_type);
	doc->ctx = NULL;
	doc->name = NULL;
	if (error < 0) {
		enclave_doc_free(doc);
		return error_prefix("cannot extract '%s'", name);
	}
	*out = doc;
	return 0;
}

/* A fresh context for one file: `opts` (NULL: defaults), `ocr` may be NULL. */
void extract_ctx_init(struct extract_ctx *ctx, const struct enclave_extract_options *opts,
                      struct ocr_engine *ocr)
{
	static const struct enclave_extract_options defaults = ENCLAVE_EXTRACT_OPTIONS_INIT;
	double t;

	memset(ctx, 0, sizeof(*ctx));
	ctx->opts = opts ? opts : &defaults;
	ctx->ocr = ocr;
	t = ctx->opts->timeout > 0 ? ctx->opts->timeout : ENCLAVE_DEFAULT_TIMEOUT;
	ctx->deadline = isfinite(t) ? time_monotonic() + t : 0;
}

int extract_buffer(struct enclave_doc **out, const char **media_type, const void *data, size_t len,
                   const char *name, const struct enclave_extract_options *opts)
{
	struct extract_ctx ctx;

	extract_ctx_init(&ctx, opts, NULL);
	return extract_with(out, media_type, data, len, name, &ctx);
}

int enclave_extract_buffer(enclave_doc **out, const void *data, size_t len, const char *name,
                           const struct enclave_extract_options *opts)
{
	const char *media_type;

	return extract_buffer(out, &media_type, data, len, name, opts);
}

int enclave_extract_file(enclave_doc **out, const char *path,
                         const struct enclave_extract_options *opts)
{
	struct buf data = BUF_INIT(ENCLAVE_MAX_FILE_BYTES);
	int error;

	*out = NULL;
	if (fs_read_file(&data, path) < 0) {
		error = errno == EFBIG
		            ? error_set(ENCLAVE_ELIMIT, "cannot read '%s': larger than %zu bytes",
		                        path, ENCLAVE_MAX_FILE_BYTES)
		            : error_set(errno == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		                        "cannot read '%s': %s", path, strerror(errno));
		buf_release(&data);
		return error;
	}
	error = enclave_extract_buffer(out, data.ptr ? data.ptr : "", data.len, path, opts);
	buf_release(&data);
	return error;
}

static const char *const ocr_modes[] = { "auto", "always", "never" };

const char *enclave_ocr_mode_name(enclave_ocr_mode mode)
{
	return (unsigned)mode < 3 ? ocr_modes[mode] : "auto";
}

int enclave_ocr_mode_parse(const char *name)
{
	int i;

	for (i = 0; name && i < 3; i++)
		if (!strcmp(name, ocr_modes[i]))
			return i;
	return -1;
}
