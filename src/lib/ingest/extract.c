/*
 * Extraction of one file or buffer into a document: sniff, dispatch to the
 * parser, and name the file in any failure.
 */
#include <errno.h>
#include <string.h>

#include "ingest_int.h"
#include "../../util/fs.h"

int extract_buffer(struct enclave_doc **out, const char **out_media_type, const void *data,
                   size_t len, const char *name, const struct enclave_extract_options *opts)
{
	static const struct enclave_extract_options defaults = ENCLAVE_EXTRACT_OPTIONS_INIT;
	const char *format, *media_type;
	struct enclave_doc *doc = NULL;
	int error;

	*out = NULL;
	*out_media_type = NULL;
	if (!opts)
		opts = &defaults;
	if (!name)
		name = "<memory>";
	if ((error = sniff_type(&format, &media_type, data, len, name)) < 0)
		return error_prefix("cannot extract '%s'", name);
	*out_media_type = media_type;
	if ((error = doc_new(&doc, format)) < 0)
		return error;
	if (!strcmp(format, "pdf"))
		error = ingest_pdf(doc, data, len, opts);
	else if (!strcmp(format, "html"))
		error = ingest_html(doc, data, len);
	else if (!strcmp(format, "markdown"))
		error = ingest_markdown(doc, data, len);
	else if (!strcmp(media_type, "image"))
		error = ingest_image(doc, data, len, opts);
	else if (!strcmp(media_type, "application/zip"))
		error = ingest_office(doc, format, data, len);
	else
		error = ingest_text(doc, data, len);
	if (!error && doc->nblocks == 0)
		error = error_set(ENCLAVE_EEMPTY, "no text found");
	if (error < 0) {
		enclave_doc_free(doc);
		return error_prefix("cannot extract '%s'", name);
	}
	doc_set_meta(doc, "media_type", media_type);
	*out = doc;
	return 0;
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
