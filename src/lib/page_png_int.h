/*
 * A page as PNG, rendered by MuPDF: what the label server's page images
 * (label/pages.c) and the coco/yolo export (export/pageimg.c) share. Each
 * call has its own fz_context (MuPDF contexts are not shared across
 * threads); MuPDF's own messages are dropped, the caller gets ours.
 */
#ifndef ENCLAVE_PAGE_PNG_INT_H
#define ENCLAVE_PAGE_PNG_INT_H

#include <stddef.h>

struct page_png {
	unsigned char *png; /* malloc'd */
	size_t len;
	int width, height; /* pixels */
	double sx, sy;     /* pixels a point (1 when the page size is not given) */
};

/*
 * Can page_png_render draw the pages of a source of media type `media`: a
 * PDF, or a raster image MuPDF opens as a document of pages (a scan; not
 * SVG)? The rule the label server's page images and the coco/yolo export
 * share.
 */
int page_png_renders(const char *media);

/*
 * Page `n` (1-based) of the document in data[0, size) of media type
 * `media` (a PDF, or an image MuPDF opens as a document of pages) at
 * `dpi`; or, with media NULL, data is a page image (a stored scan) decoded
 * at its own resolution. page_w x page_h (points, 0 when unknown) give
 * sx, sy; `boxes` (n x x0,y0,x1,y1 in points, top-left origin) are filled
 * black before the PNG is encoded. Returns 0, ENCLAVE_ENOMEM or
 * ENCLAVE_EINVALID ("cannot render page N: why").
 */
int page_png_render(struct page_png *out, const unsigned char *data, size_t size, const char *media,
                    int n, int dpi, double page_w, double page_h, const double *boxes,
                    size_t nboxes);

#endif
