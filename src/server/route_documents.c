/*
 * GET /api/documents, /api/documents/{id}, /api/documents/{id}/blocks,
 * /api/documents/{id}/pages/{n}/image (docs/api.md).
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

#define MAX_PAGE_SIZE 1000

static int documents(struct req *r, const int64_t *args)
{
	int64_t offset, limit;
	const char *q = req_arg(r, "q");
	json_t *out = NULL;
	int error;

	(void)args;
	if ((offset = req_int(r, "offset", 0, INT64_MAX / 2)) < 0 ||
	    (limit = req_int(r, "limit", 50, MAX_PAGE_SIZE)) < 0)
		return 0;
	if (q && strlen(q) > 1000)
		return reply_error(r, 400, "'q' has at most 1000 bytes");
	if ((error = enclave_label_documents(&out, r->p, offset, limit, q)) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int document(struct req *r, const int64_t *args)
{
	json_t *out = NULL;
	int error;

	if ((error = enclave_label_document(&out, r->p, args[0])) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int blocks(struct req *r, const int64_t *args)
{
	int64_t offset, limit;
	json_t *out = NULL;
	int error;

	if ((offset = req_int(r, "offset", 0, INT64_MAX / 2)) < 0 ||
	    (limit = req_int(r, "limit", 200, MAX_PAGE_SIZE)) < 0)
		return 0;
	if ((error = enclave_label_blocks(&out, r->p, args[0], offset, limit)) < 0)
		return reply_lib(r, error);
	return reply_json(r, 200, out);
}

static int page_image(struct req *r, const int64_t *args)
{
	unsigned char *png = NULL;
	size_t len = 0;
	int64_t dpi;
	int error;

	if ((dpi = req_int(r, "dpi", 110, 600)) < 0)
		return 0;
	if (args[1] < 1 || args[1] > 100000)
		return reply_error(r, 404, "no such page");
	if ((error = enclave_label_page_image(&png, &len, r->p, args[0], (int)args[1], (int)dpi)) <
	    0)
		return reply_lib(r, error);
	r->status = 200;
	r->bytes = png;
	r->nbytes = len;
	/* Rendered pages are PNG; a stored scan is named by its magic bytes. */
	r->type = len >= 4 && !memcmp(png, "\x89PNG", 4)        ? "image/png"
	          : len >= 3 && !memcmp(png, "\xff\xd8\xff", 3) ? "image/jpeg"
	                                                        : "application/octet-stream";
	return 0;
}

const struct route route_documents[] = {
	{ "GET", "/api/documents", ENCLAVE_ROLE_ANNOTATOR, 0, documents },
	{ "GET", "/api/documents/#", ENCLAVE_ROLE_ANNOTATOR, 0, document },
	{ "GET", "/api/documents/#/blocks", ENCLAVE_ROLE_ANNOTATOR, 0, blocks },
	{ "GET", "/api/documents/#/pages/#/image", ENCLAVE_ROLE_ANNOTATOR, 0, page_image },
	{ NULL, NULL, ENCLAVE_ROLE_NONE, 0, NULL },
};
