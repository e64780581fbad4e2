/*
 * The PDF parser's hooks into the OCR of pages without a usable text layer
 * (pdf_ocr.c). pdf.c calls pdf_ocr_page() for every page it loads, then
 * pdf_ocr_finish() once its own blocks are in the document, and
 * pdf_ocr_free() at the end whatever happened.
 */
#ifndef ENCLAVE_PDF_INT_H
#define ENCLAVE_PDF_INT_H

#include <mupdf/fitz.h>

#include "ingest_int.h"

/* The pages of one PDF being read by OCR; made by the first such page. */
struct pdf_ocr;

/*
 * Decide whether page `index` (0-based; `box` its bounds, `sp` its
 * structured text) is read from its text layer or by OCR, following
 * doc->ctx->opts->ocr: always; or auto, when the page has no text but
 * images, or its text is mostly garbage (U+FFFD, private use, controls:
 * a broken ToUnicode map). Returns 0 when pdf.c reads the text layer as
 * usual; 1 when the page was taken here: added to `doc` with method "ocr"
 * (its blocks come with pdf_ocr_finish) or "none" with --ocr never; or
 * ENCLAVE_E*. *state is made on the first page taken.
 */
int pdf_ocr_page(struct pdf_ocr **state, struct enclave_doc *doc, fz_context *ctx, fz_document *pdf,
                 int index, fz_rect box, const fz_stext_page *sp);

/*
 * Wait for the pages still being read, add their blocks and the models used
 * to `doc`, and put the blocks in page order (stable: each page keeps the
 * order it was given). NULL does nothing. Returns 0 or the error of the
 * first page that failed.
 */
int pdf_ocr_finish(struct pdf_ocr *state, struct enclave_doc *doc);

/* Stop the workers and free everything; NULL does nothing. */
void pdf_ocr_free(struct pdf_ocr *state);

#endif
