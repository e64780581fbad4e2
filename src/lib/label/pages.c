/*
 * Page images for the label server: a PDF page or a scan rendered by
 * page_png_render (../page_png.c), or the page image stored at ingest.
 */
#include <string.h>

#include "label_int.h"
#include "../page_png_int.h"

#define MIN_DPI 18
#define MAX_DPI 600

int enclave_label_page_image(unsigned char **out, size_t *len, enclave_project *p, int64_t id,
                             int n, int dpi)
{
	struct buf data = BUF_INIT(ENCLAVE_MAX_FILE_BYTES);
	char image[65], sha[65], media[64];
	int error;

	*out = NULL;
	*len = 0;
	if (dpi < MIN_DPI || dpi > MAX_DPI)
		return error_set(ENCLAVE_EINVALID, "dpi is %d to %d", MIN_DPI, MAX_DPI);
	if ((error = store_page_source(p->db, id, n, image, sha, media)) < 0)
		return error;
	if (*image) {
		/* The stored image of a scan: served as it is. */
		if ((error = blob_get(&data, p, image)) < 0)
			goto done;
		*out = (unsigned char *)buf_detach(&data, len);
		return *out ? 0 : error_oom();
	}
	if (!*sha || !page_png_renders(media)) {
		error = error_set(ENCLAVE_ENOTFOUND, "document %lld has no image of page %d",
		                  (long long)id, n);
		goto done;
	}
	if ((error = blob_get(&data, p, sha)) < 0)
		goto done;
	{
		/* Scans are decoded and re-encoded, never served as they came. */
		struct page_png pp;
		if ((error = page_png_render(&pp, (const unsigned char *)data.ptr, data.len, media,
		                             n, dpi, 0, 0, NULL, 0)) == 0) {
			*out = pp.png;
			*len = pp.len;
		}
	}
done:
	buf_release(&data);
	return error;
}
