/*
 * OCR of one page image, shared by the image reader (ocr.c) and the OCR of
 * PDF pages without a usable text layer (pdf_ocr.c). Private to the ingest
 * module; ocr.c implements it.
 */
#ifndef ENCLAVE_OCR_INT_H
#define ENCLAVE_OCR_INT_H

#include "ocr_dl.h" /* Leptonica's types, and its functions through the loaded table */

/* Longest language string ("eng+deu+fra"), NUL included. */
#define OCR_LANG_MAX 64

/*
 * Check a Tesseract language string: one or more names of letters, digits
 * and '_' joined by '+', shorter than OCR_LANG_MAX. Returns 0 or
 * ENCLAVE_EINVALID ("invalid ocr language 'x': ...").
 */
int ocr_lang_check(const char *lang);

/*
 * The language of `doc`'s extraction: its options' lang, or "eng".
 */
const char *ocr_doc_lang(const struct enclave_doc *doc);

/*
 * Read the page image `pix` (any depth; resolution `dpi` pixels per inch)
 * by OCR with `engine` (never NULL; its handles are opened on first use)
 * in `doc`'s language: preprocess (grey, upscale, OSD turn, deskew), choose
 * the page segmentation, recognise, and append one block per paragraph to
 * `doc` for page `page`, boxes in points (top-left origin) of the image.
 * The time left before doc->ctx's deadline bounds recognition. Records the
 * model files used in doc's metadata (ocr_engine, ocr_lang,
 * ocr[_<lang>]_model_path, ocr_osd_model_path). *conf receives the page's
 * confidence (0..1). Returns 0 or ENCLAVE_E* (ENCLAVE_ELIMIT when the time
 * is up; ENCLAVE_EUNSUPPORTED when the language data is missing).
 */
int ocr_read_pix(struct enclave_doc *doc, struct ocr_engine *engine, PIX *pix, int dpi, int page,
                 double *conf);

#endif
