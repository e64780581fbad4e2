/*
 * Tesseract and Leptonica through a table of function pointers filled by
 * dlopen on first use (ocr_dl.c says why). A file that calls them includes
 * this header instead of theirs and calls them by their usual names: the
 * macros below turn `pixDestroy(&p)` into `(*ocr_dl.pixDestroy)(&p)`, with
 * the libraries' own prototypes, so the compiler checks every call. Call
 * ocr_dl_load() first, once per entry point: nothing here works before it.
 *
 * A function used from a new place is added to the list of its library,
 * and given its macro at the bottom.
 */
#ifndef ENCLAVE_OCR_DL_H
#define ENCLAVE_OCR_DL_H

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "ingest_int.h"

/* The Leptonica functions Enclave calls. */
#define OCR_DL_LEPT(X)             \
	X(fopenReadFromMemory)     \
	X(pixBackgroundNormSimple) \
	X(pixConvertTo8)           \
	X(pixCreate)               \
	X(pixDestroy)              \
	X(pixFindSkewAndDeskew)    \
	X(pixGetData)              \
	X(pixGetHeight)            \
	X(pixGetResolution)        \
	X(pixGetWidth)             \
	X(pixGetWpl)               \
	X(pixReadHeaderMem)        \
	X(pixReadMem)              \
	X(pixReadMemTiff)          \
	X(pixRotateOrth)           \
	X(pixScaleGrayLI)          \
	X(pixSetResolution)        \
	X(readHeaderMemTiff)       \
	X(setMsgSeverity)          \
	X(tiffGetCount)

/* The Tesseract functions Enclave calls. */
#define OCR_DL_TESS(X)                        \
	X(TessBaseAPIClear)                   \
	X(TessBaseAPICreate)                  \
	X(TessBaseAPIDelete)                  \
	X(TessBaseAPIDetectOrientationScript) \
	X(TessBaseAPIEnd)                     \
	X(TessBaseAPIGetDatapath)             \
	X(TessBaseAPIGetIterator)             \
	X(TessBaseAPIInit3)                   \
	X(TessBaseAPIRecognize)               \
	X(TessBaseAPISetImage2)               \
	X(TessBaseAPISetPageSegMode)          \
	X(TessBaseAPISetVariable)             \
	X(TessDeleteText)                     \
	X(TessMonitorCreate)                  \
	X(TessMonitorDelete)                  \
	X(TessMonitorSetDeadlineMSecs)        \
	X(TessPageIteratorBoundingBox)        \
	X(TessPageIteratorIsAtBeginningOf)    \
	X(TessResultIteratorConfidence)       \
	X(TessResultIteratorDelete)           \
	X(TessResultIteratorGetPageIterator)  \
	X(TessResultIteratorGetUTF8Text)      \
	X(TessResultIteratorNext)             \
	X(TessVersion)

/* Their addresses, each with the type of the function it stands for. */
struct ocr_dl {
#define OCR_DL_FIELD(name) __typeof__(name) *name;
	OCR_DL_LEPT(OCR_DL_FIELD)
	OCR_DL_TESS(OCR_DL_FIELD)
#undef OCR_DL_FIELD
};

/* Filled once by ocr_dl_load(), read-only after. */
extern struct ocr_dl ocr_dl;

/*
 * Load both libraries (once per process; later calls are cheap). Returns 0,
 * or ENCLAVE_EUNSUPPORTED "ocr is unavailable: cannot load ..." when they
 * are not installed or lack a symbol, every time.
 */
int ocr_dl_load(void);

#ifndef OCR_DL_NO_MACROS
#define TessBaseAPIClear (*ocr_dl.TessBaseAPIClear)
#define TessBaseAPICreate (*ocr_dl.TessBaseAPICreate)
#define TessBaseAPIDelete (*ocr_dl.TessBaseAPIDelete)
#define TessBaseAPIDetectOrientationScript (*ocr_dl.TessBaseAPIDetectOrientationScript)
#define TessBaseAPIEnd (*ocr_dl.TessBaseAPIEnd)
#define TessBaseAPIGetDatapath (*ocr_dl.TessBaseAPIGetDatapath)
#define TessBaseAPIGetIterator (*ocr_dl.TessBaseAPIGetIterator)
#define TessBaseAPIInit3 (*ocr_dl.TessBaseAPIInit3)
#define TessBaseAPIRecognize (*ocr_dl.TessBaseAPIRecognize)
#define TessBaseAPISetImage2 (*ocr_dl.TessBaseAPISetImage2)
#define TessBaseAPISetPageSegMode (*ocr_dl.TessBaseAPISetPageSegMode)
#define TessBaseAPISetVariable (*ocr_dl.TessBaseAPISetVariable)
#define TessDeleteText (*ocr_dl.TessDeleteText)
#define TessMonitorCreate (*ocr_dl.TessMonitorCreate)
#define TessMonitorDelete (*ocr_dl.TessMonitorDelete)
#define TessMonitorSetDeadlineMSecs (*ocr_dl.TessMonitorSetDeadlineMSecs)
#define TessPageIteratorBoundingBox (*ocr_dl.TessPageIteratorBoundingBox)
#define TessPageIteratorIsAtBeginningOf (*ocr_dl.TessPageIteratorIsAtBeginningOf)
#define TessResultIteratorConfidence (*ocr_dl.TessResultIteratorConfidence)
#define TessResultIteratorDelete (*ocr_dl.TessResultIteratorDelete)
#define TessResultIteratorGetPageIterator (*ocr_dl.TessResultIteratorGetPageIterator)
#define TessResultIteratorGetUTF8Text (*ocr_dl.TessResultIteratorGetUTF8Text)
#define TessResultIteratorNext (*ocr_dl.TessResultIteratorNext)
#define TessVersion (*ocr_dl.TessVersion)
#define fopenReadFromMemory (*ocr_dl.fopenReadFromMemory)
#define pixBackgroundNormSimple (*ocr_dl.pixBackgroundNormSimple)
#define pixConvertTo8 (*ocr_dl.pixConvertTo8)
#define pixCreate (*ocr_dl.pixCreate)
#define pixDestroy (*ocr_dl.pixDestroy)
#define pixFindSkewAndDeskew (*ocr_dl.pixFindSkewAndDeskew)
#define pixGetData (*ocr_dl.pixGetData)
#define pixGetHeight (*ocr_dl.pixGetHeight)
#define pixGetResolution (*ocr_dl.pixGetResolution)
#define pixGetWidth (*ocr_dl.pixGetWidth)
#define pixGetWpl (*ocr_dl.pixGetWpl)
#define pixReadHeaderMem (*ocr_dl.pixReadHeaderMem)
#define pixReadMem (*ocr_dl.pixReadMem)
#define pixReadMemTiff (*ocr_dl.pixReadMemTiff)
#define pixRotateOrth (*ocr_dl.pixRotateOrth)
#define pixScaleGrayLI (*ocr_dl.pixScaleGrayLI)
#define pixSetResolution (*ocr_dl.pixSetResolution)
#define readHeaderMemTiff (*ocr_dl.readHeaderMemTiff)
#define setMsgSeverity (*ocr_dl.setMsgSeverity)
#define tiffGetCount (*ocr_dl.tiffGetCount)
#endif

#endif
