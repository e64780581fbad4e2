/*
 * Images (PNG, JPEG, TIFF with every page, BMP, GIF, WebP) read by OCR:
 * Leptonica 1.82 decodes and preprocesses, Tesseract 5 (C API) recognises.
 *
 * Decoding: TIFF, BMP, GIF and WebP through Leptonica; PNG and JPEG through
 * MuPDF, because Leptonica calls libpng and libjpeg with their default
 * handlers, which print to stderr on damaged files (a truncated PNG printed
 * "libpng error: read error"). A PNG must run to its IEND chunk; a
 * truncated JPEG is read as far as it goes (MuPDF's leniency). Per image
 * page the header is read first and pages over ENCLAVE_MAX_PIXELS fail before
 * any pixel is allocated. The page size in points comes from the pixels and
 * the resolution (300 dpi when the file says none or less than 70).
 *
 * Preprocessing, each kept because it helped (release build; 50 UW-III
 * lines: character error rate; 8 SROIE receipts: bag-of-words F1, as
 * bench/ocr.sh computes them; earlier figures on 30 receipts: word recall):
 * 8-bit grey (alpha over white); an upscale by OCR_UPSCALE when the
 * effective resolution is under OCR_UPSCALE_BELOW_DPI (2x: CER 0.82% ->
 * 0.73%, recall 66.6% -> 70.6%; 1.5x: CER 0.69%, F1 0.548 against 0.549 at
 * 2x, for a fifth less time); Leptonica deskew when its confidence is high
 * (F1 0.543 -> 0.549). Orientation: the page is read as it comes, and only
 * a weak reading (confidence under OCR_OSD_BELOW_CONF, or no text) asks
 * Tesseract's OSD for a quarter turn (needs osd.traineddata; never for
 * single lines or small images); the turned page is read again and the
 * better reading kept. OSD first on every page cost 0.5 s a receipt, and at
 * the CLI's usual threshold of 2 it turned upright receipts; now upright
 * pages never meet it, and a threshold of 1 rights the corpus's scans
 * turned by 90 and 180 degrees (OSD confidence ~2.6), which read at
 * confidence 0.2-0.3 as they come. Left out because they did not help:
 * pixBackgroundNormSimple (recall 70.6% -> 68.8%) and Sauvola binarisation
 * (-> 52.1%); Tesseract's own Otsu on the grey image does better.
 * Tesseract's second, inverted reading of weak lines is off (white on black
 * is rare in scans; 15% of the time on receipts).
 *
 * Page segmentation: an image shaped like one line of text (wide and less
 * than three lines tall) is read as a single line (PSM 7); a narrow, tall
 * page (under OCR_COLUMN_MAX_WIDTH_IN wide: a receipt) as a single column
 * (PSM 4: F1 0.548 -> 0.561; PSM 6 0.555, PSM 11 0.518); else automatic.
 * One block per Tesseract paragraph: its lines joined with a space (as the
 * PDF parser does), box in points mapped back through the scaling and
 * rotation (the small deskew angle is ignored), confidence the lines' mean
 * weighted by their length (0..1); the page's confidence likewise. Blocks
 * with no letter or digit are dropped.
 *
 * Languages: the extraction's lang option ("eng", "eng+deu"; checked: names
 * of letters, digits and '_' joined by '+'), from Tesseract's default path
 * (TESSDATA_PREFIX or the build's prefix). Every traineddata named must be
 * there: Tesseract itself would load "eng+xyz" without xyz and say nothing.
 * Metadata: ocr_engine, ocr_lang, and the model files used, under keys
 * ending in "_model_path" (ingest.c hashes them into the audit trail):
 * ocr_model_path for one language, ocr_<name>_model_path for each of
 * several, ocr_osd_model_path when OSD ran.
 *
 * Threads: Tesseract's handles are not shared between threads. Each worker
 * keeps a struct ocr_engine (one handle per language string and one for
 * OSD, each ~90 ms to open, measured in a release build, so opened on
 * first use and reused for every page and file of the worker); a call
 * without one makes its own for the file. Recognition of a page stops at
 * the file's deadline (Tesseract's monitor). The only global is
 * Leptonica's message severity, set once (see quiet_leptonica).
 * OpenMP: OMP_THREAD_LIMIT=1 must be in the environment before the process
 * starts (DESIGN.md); that is the front ends' business.
 */
#include <ctype.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mupdf/fitz.h>

#include "ocr_int.h"

/* Resolution assumed when the file gives none or less than OCR_MIN_DPI. */
#define OCR_DEFAULT_DPI 300
#define OCR_MIN_DPI 70
/* Images under this effective resolution are scaled up by OCR_UPSCALE before OCR. */
#define OCR_UPSCALE_BELOW_DPI 200
#define OCR_UPSCALE 1.5f
/* A page narrower than this (inches) and taller than wide (a receipt, a strip) is one column. */
#define OCR_COLUMN_MAX_WIDTH_IN 4.5
#define OCR_COLUMN_MIN_ASPECT 1.5
/* One text line: width/height above this and height under this many points (~3 lines of 12 pt). */
#define OCR_LINE_ASPECT 8.0
#define OCR_LINE_MAX_HEIGHT_PT 42.0
/* OSD runs only when the page as it comes reads at a confidence (0..1) under this. */
#define OCR_OSD_BELOW_CONF 0.5
/* OSD is trusted from this orientation confidence up (see the header: 2 turned upright receipts). */
#define OCR_OSD_MIN_CONF 1.0f
/* OSD is skipped on images smaller than this (too little text to judge). */
#define OCR_OSD_MIN_SIDE 100
/* Deskew only when Leptonica's confidence is at least this and the angle at least this (degrees). */
#define OCR_DESKEW_MIN_CONF 3.0f
#define OCR_DESKEW_MIN_ANGLE 0.1f
#define OCR_LANG "eng"

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

/*
 * Leptonica reports errors by printing to stderr, and the library never
 * prints. The severity is one process-wide variable (LeptMsgSeverity), so it
 * is set once under pthread_once rather than around every call, which
 * would race between threads. Nothing else in Enclave relies on Leptonica's
 * messages: every failure is seen through return values.
 */
static void quiet_leptonica(void)
{
	setMsgSeverity(L_SEVERITY_NONE);
}

/* Little- and big-endian readers over bytes known to be in bounds. */
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * The resolution a PNG (pHYs in metres) or JPEG (JFIF APP0 density) states,
 * or 0 when it states none. MuPDF, which decodes them, reports 96 dpi for
 * "none", which would hide the 300 dpi default.
 */
static int stated_dpi(const unsigned char *data, size_t len, int png)
{
	const unsigned char *p = data, *end = data + len;
	double d = 0;

	if (png) {
		for (p += 8; end - p >= 12;) {
			uint32_t n = be32(p);

			if (n > (size_t)(end - p) - 12 || !memcmp(p + 4, "IDAT", 4))
				break;
			if (!memcmp(p + 4, "pHYs", 4) && n >= 9 && p[16] == 1)
				d = be32(p + 8) * 0.0254;
			p += 12 + (size_t)n;
		}
	} else if (len >= 18 && p[2] == 0xff && p[3] == 0xe0 && !memcmp(p + 6, "JFIF\0", 5)) {
		unsigned x = (unsigned)p[14] << 8 | p[15];

		d = p[13] == 1 ? x : p[13] == 2 ? x * 2.54 : 0;
	}
	return d >= 1 && d < 100000 ? (int)(d + 0.5) : 0;
}

/*
 * True when the chunks of the PNG `data` run within the buffer up to IEND.
 * MuPDF decodes a truncated PNG without error (the missing rows black), so
 * truncation is caught here.
 */
static int png_complete(const unsigned char *data, size_t len)
{
	const unsigned char *p = data + 8, *end = data + len;

	while (end - p >= 12) {
		uint32_t n = be32(p);

		if (n > (size_t)(end - p) - 12)
			return 0;
		if (!memcmp(p + 4, "IEND", 4))
			return 1;
		p += 12 + (size_t)n;
	}
	return 0;
}

/* MuPDF's error and warning callbacks: the library never prints. */
static void fz_quiet(void *user, const char *message)
{
	(void)user, (void)message;
}

/*
 * Decode a PNG or JPEG with MuPDF into an 8-bit grey *out (alpha over white),
 * its resolution from stated_dpi(). Leptonica would decode them through
 * libpng and libjpeg with their default handlers, which print to stderr
 * on damaged files; MuPDF's codecs report through quiet callbacks. The
 * header is read first: pages over ENCLAVE_MAX_PIXELS fail before decoding.
 * Returns 0 or ENCLAVE_E*.
 */
static int decode_mupdf(PIX **out, const unsigned char *data, size_t len, int png)
{
	fz_context *ctx;
	fz_buffer *buf = NULL;
	fz_image *img = NULL;
	fz_pixmap *pm = NULL, *grey = NULL;
	PIX *pix = NULL;
	int error = 0, x, y, dpi;

	*out = NULL;
	if (png && !png_complete(data, len))
		return error_set(ENCLAVE_EINVALID, "cannot decode png image: truncated");
	if (!(ctx = fz_new_context(NULL, NULL, FZ_STORE_UNLIMITED)))
		return error_set(ENCLAVE_ENOMEM, "out of memory");
	fz_set_error_callback(ctx, fz_quiet, NULL);
	fz_set_warning_callback(ctx, fz_quiet, NULL);
	fz_var(buf), fz_var(img), fz_var(pm), fz_var(grey), fz_var(error);
	fz_try(ctx)
	{
		buf = fz_new_buffer_from_shared_data(ctx, data, len);
		img = fz_new_image_from_buffer(ctx, buf);
		if ((double)img->w * img->h > ENCLAVE_MAX_PIXELS) {
			error = error_set(ENCLAVE_ELIMIT,
			                  "image is %dx%d pixels, over the limit of %.0f", img->w,
			                  img->h, ENCLAVE_MAX_PIXELS);
		} else {
			pm = fz_get_pixmap_from_image(ctx, img, NULL, NULL, NULL, NULL);
			if (pm->n != 1 || pm->alpha)
				grey = fz_convert_pixmap(ctx, pm, fz_device_gray(ctx), NULL, NULL,
				                         fz_default_color_params, pm->alpha);
		}
	}
	fz_catch(ctx)
	{
		error = error_set(ENCLAVE_EINVALID, "cannot decode %s image: %s",
		                  png ? "png" : "jpeg", fz_caught_message(ctx));
	}
	if (error == 0) {
		const fz_pixmap *src = grey ? grey : pm;

		if (!(pix = pixCreate(src->w, src->h, 8))) {
			error = error_set(ENCLAVE_ENOMEM, "out of memory");
		} else {
			l_uint32 *lines = pixGetData(pix);
			l_int32 wpl = pixGetWpl(pix);

			for (y = 0; y < src->h; y++) {
				const unsigned char *row =
				    src->samples + (size_t)y * (size_t)src->stride;

				/* Alpha (premultiplied) is laid over white. */
				for (x = 0; x < src->w; x++)
					SET_DATA_BYTE(lines + (size_t)y * (size_t)wpl, x,
					              src->n == 2
					                  ? row[2 * x] + 255 - row[2 * x + 1]
					                  : row[x]);
			}
			dpi = stated_dpi(data, len, png);
			pixSetResolution(pix, dpi, dpi);
			*out = pix;
		}
	}
	fz_drop_pixmap(ctx, grey);
	fz_drop_pixmap(ctx, pm);
	fz_drop_image(ctx, img);
	fz_drop_buffer(ctx, buf);
	fz_drop_context(ctx);
	return error;
}

/*
 * The image format of `data` from its magic bytes, or NULL. Runs on every
 * file, so it reads at most the first 30 bytes.
 */
const char *image_kind(const unsigned char *data, size_t len)
{
	if (len >= 8 && !memcmp(data, "\x89PNG\r\n\x1a\n", 8))
		return "png";
	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		return "jpeg";
	if (len >= 8 && (!memcmp(data, "II*\0", 4) || !memcmp(data, "MM\0*", 4)))
		return "tiff";
	if (len >= 6 && (!memcmp(data, "GIF87a", 6) || !memcmp(data, "GIF89a", 6)))
		return "gif";
	if (len >= 12 && !memcmp(data, "RIFF", 4) && !memcmp(data + 8, "WEBP", 4))
		return "webp";
	/*
	 * BMP: "BM", then the info header size at 14 is one of the known ones
	 * (12, 40, 52, 56, 64, 108, 124) and the pixel offset lies after it:
	 * "BM" alone starts too many text files.
	 */
	if (len >= 30 && data[0] == 'B' && data[1] == 'M') {
		uint32_t hsize = le32(data + 14), off = le32(data + 10);

		if ((hsize == 12 || hsize == 40 || hsize == 52 || hsize == 56 || hsize == 64 ||
		     hsize == 108 || hsize == 124) &&
		    off >= 14 + hsize && off < 0x10000000u)
			return "bmp";
	}
	return NULL;
}

/* One image page ready for OCR and how to map its pixels back. */
struct ocr_page {
	PIX *pix;     /* 8-bit grey, preprocessed */
	int w, h;     /* original size (pixels) */
	int dpi;      /* original resolution */
	double scale; /* preprocessed pixels per original pixel */
	int quads;    /* clockwise quarter turns applied to the original */
};

/*
 * Map a box of the preprocessed image back to the original image and into
 * points (top-left origin) in `out`.
 */
static void box_back(struct enclave_bbox *out, const struct ocr_page *pg, int l, int t, int r,
                     int b)
{
	double x[2], y[2], u[2], v[2], k = 72.0 / pg->dpi;
	int i;

	/* Undo the scale: (u, v) in the rotated original. */
	u[0] = l / pg->scale, u[1] = r / pg->scale;
	v[0] = t / pg->scale, v[1] = b / pg->scale;
	for (i = 0; i < 2; i++) {
		switch (pg->quads) {
		case 1: /* 90 clockwise: (x, y) -> (H - y, x) */
			x[i] = v[i], y[i] = pg->h - u[i];
			break;
		case 2: x[i] = pg->w - u[i], y[i] = pg->h - v[i]; break;
		case 3: /* 270 clockwise: (x, y) -> (y, W - x) */
			x[i] = pg->w - v[i], y[i] = u[i];
			break;
		default: x[i] = u[i], y[i] = v[i];
		}
	}
	out->x0 = (x[0] < x[1] ? x[0] : x[1]) * k;
	out->x1 = (x[0] < x[1] ? x[1] : x[0]) * k;
	out->y0 = (y[0] < y[1] ? y[0] : y[1]) * k;
	out->y1 = (y[0] < y[1] ? y[1] : y[0]) * k;
}

/* True when `s` holds a letter or a digit (any non-ASCII byte counts as a letter). */
static int has_word(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Engines: Tesseract handles kept per worker                         */
/* ------------------------------------------------------------------ */

/* Languages one engine keeps open at once; the oldest is ended for a new one. */
#define OCR_ENGINE_LANGS 4

/* One recognition handle and where its models were found. */
struct ocr_handle {
	char lang[OCR_LANG_MAX]; /* "eng", "eng+deu"; "" for a free slot */
	TessBaseAPI *api;
	char datapath[4096]; /* the tessdata folder, ending in '/' */
};

/*
 * The Tesseract handles of one worker thread, reused for every page and
 * file it reads: one per language string (~90 ms each to open) and one for
 * OSD, each opened on first use. Never shared between threads.
 */
struct ocr_engine {
	struct ocr_handle langs[OCR_ENGINE_LANGS];
	size_t next;      /* the slot a new language takes when all are used */
	TessBaseAPI *osd; /* NULL until OSD is first needed */
	int osd_missing;  /* osd.traineddata would not load: OSD is skipped */
	char osd_datapath[4096];
};

int ocr_engine_new(struct ocr_engine **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return error_oom();
	return 0;
}

/* End and delete a Tesseract handle; NULL does nothing. */
static void tess_close(TessBaseAPI *api)
{
	if (api) {
		TessBaseAPIEnd(api);
		TessBaseAPIDelete(api);
	}
}

void ocr_engine_free(struct ocr_engine *engine)
{
	size_t i;

	if (!engine)
		return;
	for (i = 0; i < OCR_ENGINE_LANGS; i++)
		tess_close(engine->langs[i].api);
	tess_close(engine->osd);
	free(engine);
}

int ocr_lang_check(const char *lang)
{
	size_t i, n = strlen(lang);
	int prev_plus = 1;

	if (n == 0 || n >= OCR_LANG_MAX)
		return error_set(ENCLAVE_EINVALID, "invalid ocr language '%.80s': %s", lang,
		                 n ? "too long" : "empty");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)lang[i];

		if (c == '+') {
			if (prev_plus)
				break;
			prev_plus = 1;
		} else if (isalnum(c) || c == '_') {
			prev_plus = 0;
		} else {
			break;
		}
	}
	if (i < n || prev_plus)
		return error_set(ENCLAVE_EINVALID,
		                 "invalid ocr language '%.80s': names of letters, digits and '_' "
		                 "joined by '+'",
		                 lang);
	return 0;
}

const char *ocr_doc_lang(const struct enclave_doc *doc)
{
	const char *lang = doc->ctx ? doc->ctx->opts->lang : NULL;

	return lang && *lang ? lang : OCR_LANG;
}

/* Copy Tesseract's data path of `api` to out[size], ending in '/'. */
static void datapath_of(char *out, size_t size, TessBaseAPI *api)
{
	const char *dp = TessBaseAPIGetDatapath(api);
	size_t n = dp ? strlen(dp) : 0;

	snprintf(out, size, "%s%s", dp ? dp : "", n > 0 && dp[n - 1] != '/' ? "/" : "");
}

/*
 * The first language of the checked string `lang` whose traineddata is not
 * readable in `datapath`, copied to name[OCR_LANG_MAX]; 0 when all are.
 * Tesseract loads "eng+xyz" without xyz and says nothing, so it is checked.
 */
static int missing_lang(char name[OCR_LANG_MAX], const char *datapath, const char *lang)
{
	char path[4096 + OCR_LANG_MAX + 16];
	const char *p = lang, *q;

	for (; *p; p = *q ? q + 1 : q) {
		q = strchr(p, '+');
		if (!q)
			q = p + strlen(p);
		snprintf(name, OCR_LANG_MAX, "%.*s", (int)(q - p), p);
		snprintf(path, sizeof(path), "%s%s.traineddata", datapath, name);
		if (access(path, R_OK) != 0)
			return 1;
	}
	name[0] = '\0';
	return 0;
}

/*
 * Open a Tesseract handle for the checked `lang` into *out (chatter sent to
 * /dev/null) and its data path into datapath[4096]. Returns 0, or
 * ENCLAVE_EUNSUPPORTED naming the missing traineddata.
 */
static int tess_open(TessBaseAPI **out, char *datapath, const char *lang)
{
	TessBaseAPI *api;
	char name[OCR_LANG_MAX];
	int rc;

	*out = NULL;
	if (!(api = TessBaseAPICreate()))
		return error_oom();
	/* Before Init too: a missing traineddata is reported through it. */
	TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	rc = TessBaseAPIInit3(api, NULL, lang);
	datapath_of(datapath, 4096, api);
	if (missing_lang(name, datapath, lang) || rc != 0) {
		tess_close(api);
		if (name[0])
			return error_set(
			    ENCLAVE_EUNSUPPORTED,
			    "cannot load tesseract language '%s': no %s.traineddata in %s", name,
			    name, datapath);
		return error_set(ENCLAVE_EUNSUPPORTED, "cannot load tesseract language '%s'", lang);
	}
	TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	/*
	 * Tesseract 5 reads every weak line a second time inverted, looking for
	 * white on black: on receipts 15% of the time for nothing (measured).
	 */
	TessBaseAPISetVariable(api, "tessedit_do_invert", "0");
	*out = api;
	return 0;
}

/*
 * The handle of `engine` for the checked `lang`, opened if needed (ending
 * the oldest when all slots are taken). Returns 0 or ENCLAVE_E*.
 */
static int engine_lang(struct ocr_handle **out, struct ocr_engine *engine, const char *lang)
{
	struct ocr_handle *h;
	size_t i;
	int error;

	for (i = 0; i < OCR_ENGINE_LANGS; i++) {
		if (engine->langs[i].api && !strcmp(engine->langs[i].lang, lang)) {
			*out = &engine->langs[i];
			return 0;
		}
	}
	h = &engine->langs[engine->next];
	tess_close(h->api);
	memset(h, 0, sizeof(*h));
	if ((error = tess_open(&h->api, h->datapath, lang)) < 0)
		return error;
	snprintf(h->lang, sizeof(h->lang), "%s", lang);
	engine->next = (engine->next + 1) % OCR_ENGINE_LANGS;
	*out = h;
	return 0;
}

/*
 * Record the models of handle `h` in doc's metadata: ocr_engine, ocr_lang,
 * and a "_model_path" key per language (ocr_model_path for one, else
 * ocr_<name>_model_path), plus ocr_osd_model_path when `osd`.
 * Returns 0 or ENCLAVE_E*.
 */
static int note_models(struct enclave_doc *doc, const struct ocr_handle *h,
                       const struct ocr_engine *engine, int osd)
{
	char path[4096 + OCR_LANG_MAX + 16], key[OCR_LANG_MAX + 32];
	const char *p = h->lang, *q;
	int error, single = !strchr(h->lang, '+');

	snprintf(path, sizeof(path), "tesseract %s", TessVersion());
	if ((error = doc_set_meta(doc, "ocr_engine", path)) < 0 ||
	    (error = doc_set_meta(doc, "ocr_lang", h->lang)) < 0)
		return error;
	for (; *p; p = *q ? q + 1 : q) {
		q = strchr(p, '+');
		if (!q)
			q = p + strlen(p);
		if (single)
			snprintf(key, sizeof(key), "ocr_model_path");
		else
			snprintf(key, sizeof(key), "ocr_%.*s_model_path", (int)(q - p), p);
		snprintf(path, sizeof(path), "%s%.*s.traineddata", h->datapath, (int)(q - p), p);
		if ((error = doc_set_meta(doc, key, path)) < 0)
			return error;
	}
	if (osd) {
		snprintf(path, sizeof(path), "%sosd.traineddata", engine->osd_datapath);
		if ((error = doc_set_meta(doc, "ocr_osd_model_path", path)) < 0)
			return error;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* One page                                                           */
/* ------------------------------------------------------------------ */

/*
 * Quarter turns (clockwise) that put the text of `pix` upright according to
 * Tesseract's OSD, or 0 when OSD is unsure, fails or is unavailable. The
 * OSD handle of `engine` is opened on first use; *used is set when OSD ran.
 */
static int osd_quads(struct ocr_engine *engine, PIX *pix, int dpi, int *used)
{
	TessBaseAPI *api;
	int deg = 0, quads = 0;
	float oconf = 0, sconf = 0;
	const char *script = NULL;
	char res[16];

	if (engine->osd_missing)
		return 0;
	/* Opened on first use (~90 ms), kept for the worker's other pages. */
	if (!engine->osd && tess_open(&engine->osd, engine->osd_datapath, "osd") < 0) {
		engine->osd_missing = 1;
		return 0; /* optional: read as is */
	}
	api = engine->osd;
	snprintf(res, sizeof(res), "%d", dpi);
	TessBaseAPISetVariable(api, "user_defined_dpi", res);
	TessBaseAPISetPageSegMode(api, PSM_OSD_ONLY);
	TessBaseAPISetImage2(api, pix);
	*used = 1;
	/* orient_deg is the image's clockwise rotation: turn it back. */
	if (TessBaseAPIDetectOrientationScript(api, &deg, &oconf, &script, &sconf) &&
	    oconf >= OCR_OSD_MIN_CONF && deg % 90 == 0)
		quads = ((360 - deg) / 90) % 4;
	/*
	 * capi.h says to TessDeleteText(script), but in 5.3 it points into the
	 * handle's unicharset: freeing it is a double free (seen under ASan).
	 */
	TessBaseAPIClear(api);
	return quads;
}

/*
 * Preprocess `src` (any depth; its resolution `dpi`) into pg->pix: grey,
 * upscaled when under OCR_UPSCALE_BELOW_DPI, deskewed unless `line`.
 * Returns 0 or ENCLAVE_E*.
 */
static int preprocess(struct ocr_page *pg, PIX *src, int dpi, int line)
{
	PIX *grey, *tmp;
	float angle = 0, conf = 0;

	pg->w = pixGetWidth(src), pg->h = pixGetHeight(src);
	pg->dpi = dpi, pg->scale = 1, pg->quads = 0;
	if (!(grey = pixConvertTo8(src, 0)))
		return error_set(ENCLAVE_ENOMEM, "cannot convert image to grey");
	if (dpi < OCR_UPSCALE_BELOW_DPI &&
	    OCR_UPSCALE * OCR_UPSCALE * pg->w * pg->h <= ENCLAVE_MAX_PIXELS) {
		if (!(tmp = pixScaleGrayLI(grey, OCR_UPSCALE, OCR_UPSCALE))) {
			pixDestroy(&grey);
			return error_set(ENCLAVE_ENOMEM, "cannot scale image");
		}
		pixDestroy(&grey);
		grey = tmp, pg->scale = OCR_UPSCALE;
	}
	/* Deskew: a copy comes back even when nothing was done. */
	if (!line && (tmp = pixFindSkewAndDeskew(grey, 2, &angle, &conf))) {
		if (conf >= OCR_DESKEW_MIN_CONF &&
		    (angle > OCR_DESKEW_MIN_ANGLE || angle < -OCR_DESKEW_MIN_ANGLE)) {
			pixDestroy(&grey);
			grey = tmp;
		} else {
			pixDestroy(&tmp);
		}
	}
	pixSetResolution(grey, (int)(dpi * pg->scale), (int)(dpi * pg->scale));
	pg->pix = grey;
	return 0;
}

/*
 * Recognise `pg` with `api` and append its paragraphs to `doc` as blocks of
 * page `page`, *page_conf the page's mean confidence (0..1). Recognition
 * stops at doc->ctx's deadline (Tesseract's monitor), and then the page
 * fails with the time limit's message. Returns 0 or ENCLAVE_E*.
 */
static int recognise(struct enclave_doc *doc, TessBaseAPI *api, const struct ocr_page *pg, int page,
                     int line, double *page_conf)
{
	/* Narrow and tall as it is read (turned or not): one column. */
	int column = pixGetWidth(pg->pix) < OCR_COLUMN_MAX_WIDTH_IN * pg->dpi * pg->scale &&
	             pixGetHeight(pg->pix) > OCR_COLUMN_MIN_ASPECT * pixGetWidth(pg->pix);
	struct enclave_block tmpl = doc_block_template(ENCLAVE_BLOCK_PARAGRAPH, 0, "ocr");
	struct buf text = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	TessResultIterator *it = NULL;
	TessPageIterator *pit;
	ETEXT_DESC *monitor = NULL;
	int error = 0, l, t, r, b, have = 0, bl = 0, bt = 0, br = 0, bb = 0, rc;
	double conf_sum = 0, conf_n = 0, page_sum = 0, page_n = 0;
	double deadline = doc->ctx ? doc->ctx->deadline : 0;
	char res[16];

	*page_conf = 0;
	if ((error = extract_check_time(doc)) < 0)
		return error;
	snprintf(res, sizeof(res), "%d", (int)(pg->dpi * pg->scale));
	TessBaseAPISetVariable(api, "user_defined_dpi", res);
	TessBaseAPISetPageSegMode(api, line     ? PSM_SINGLE_LINE
	                               : column ? PSM_SINGLE_COLUMN
	                                        : PSM_AUTO);
	TessBaseAPISetImage2(api, pg->pix);
	if (deadline > 0) {
		double ms = (deadline - time_monotonic()) * 1000.0;

		if (!(monitor = TessMonitorCreate())) {
			error = error_oom();
			goto done;
		}
		TessMonitorSetDeadlineMSecs(monitor, ms < 1           ? 1
		                                     : ms > INT32_MAX ? INT32_MAX
		                                                      : (int)ms);
	}
	rc = TessBaseAPIRecognize(api, monitor);
	if ((error = extract_check_time(doc)) < 0)
		goto done;
	if (rc != 0) {
		error = error_set(ENCLAVE_ERROR, "ocr failed on page %d", page);
		goto done;
	}
	if (!(it = TessBaseAPIGetIterator(api)))
		goto done; /* nothing found */
	pit = TessResultIteratorGetPageIterator(it);
	tmpl.page = page, tmpl.has_bbox = 1;
	do {
		char *s;
		size_t n;
		float c;

		if (have && TessPageIteratorIsAtBeginningOf(pit, RIL_PARA)) {
			/* Flush the paragraph that ended. */
			if (has_word(text.ptr, text.len)) {
				box_back(&tmpl.bbox, pg, bl, bt, br, bb);
				tmpl.confidence = conf_n > 0 ? conf_sum / conf_n / 100.0 : 0;
				if ((error = doc_add_block(doc, &tmpl, text.ptr, text.len)) < 0)
					goto done;
			}
			buf_clear(&text), have = 0, conf_sum = conf_n = 0;
		}
		if (!(s = TessResultIteratorGetUTF8Text(it, RIL_TEXTLINE)))
			continue;
		n = strlen(s);
		while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
			n--;
		c = TessResultIteratorConfidence(it, RIL_TEXTLINE);
		if (n > 0 && TessPageIteratorBoundingBox(pit, RIL_TEXTLINE, &l, &t, &r, &b)) {
			if (have)
				error = buf_putc(&text, ' ');
			if (error >= 0)
				error = buf_put(&text, s, n);
			if (error < 0) {
				TessDeleteText(s);
				error = error == BUF_ETOOBIG
				            ? error_set(ENCLAVE_ELIMIT, "ocr paragraph too long")
				            : error_set(ENCLAVE_ENOMEM, "out of memory");
				goto done;
			}
			if (!have || l < bl)
				bl = l;
			if (!have || t < bt)
				bt = t;
			if (!have || r > br)
				br = r;
			if (!have || b > bb)
				bb = b;
			have = 1;
			conf_sum += c * (double)n, conf_n += (double)n;
			page_sum += c * (double)n, page_n += (double)n;
		}
		TessDeleteText(s);
	} while (TessResultIteratorNext(it, RIL_TEXTLINE));
	if (have && has_word(text.ptr, text.len)) {
		box_back(&tmpl.bbox, pg, bl, bt, br, bb);
		tmpl.confidence = conf_n > 0 ? conf_sum / conf_n / 100.0 : 0;
		if ((error = doc_add_block(doc, &tmpl, text.ptr, text.len)) < 0)
			goto done;
	}
	*page_conf = page_n > 0 ? page_sum / page_n / 100.0 : 0;
done:
	if (it)
		TessResultIteratorDelete(it);
	if (monitor)
		TessMonitorDelete(monitor);
	TessBaseAPIClear(api);
	buf_release(&text);
	return error;
}

/*
 * See ocr_int.h. The page is read as it comes; only when that reading is
 * weak (confidence under OCR_OSD_BELOW_CONF, or nothing found) does OSD
 * look for a quarter turn, and the turned page is read again, the better
 * reading kept. Upright pages, nearly all, never pay for OSD (0.5 s on a
 * receipt, measured); Tesseract's layout analysis already reads most
 * sideways text lines, and upside-down pages read at confidence 0.2-0.3.
 */
int ocr_read_pix(struct enclave_doc *doc, struct ocr_engine *engine, PIX *pix, int dpi, int page,
                 double *conf)
{
	const char *lang = ocr_doc_lang(doc);
	struct ocr_handle *h;
	struct ocr_page pg = { 0 }, turned;
	struct enclave_doc *first = NULL, *second = NULL;
	const struct enclave_doc *best;
	double conf2 = 0;
	int error, line, osd_used = 0, quads;

	*conf = 0;
	if ((error = ocr_dl_load()) < 0)
		return error;
	pthread_once(&quiet_once, quiet_leptonica);
	if ((error = ocr_lang_check(lang)) < 0 || (error = engine_lang(&h, engine, lang)) < 0)
		return error;
	/* Shaped like one line of text: read as a single line (PSM 7). */
	line = pixGetWidth(pix) > OCR_LINE_ASPECT * pixGetHeight(pix) &&
	       pixGetHeight(pix) * 72.0 / dpi < OCR_LINE_MAX_HEIGHT_PT;
	if ((error = preprocess(&pg, pix, dpi, line)) < 0)
		return error;
	if ((error = doc_new(&first, "ocr")) < 0)
		goto done;
	first->ctx = doc->ctx;
	if ((error = recognise(first, h->api, &pg, page, line, conf)) < 0)
		goto done;
	best = first;
	if (!line && (*conf < OCR_OSD_BELOW_CONF || first->nblocks == 0) &&
	    pg.w >= OCR_OSD_MIN_SIDE && pg.h >= OCR_OSD_MIN_SIDE &&
	    (quads = osd_quads(engine, pg.pix, (int)(dpi * pg.scale), &osd_used)) != 0) {
		turned = pg;
		turned.quads = quads;
		if (!(turned.pix = pixRotateOrth(pg.pix, quads))) {
			error = error_set(ENCLAVE_ENOMEM, "cannot rotate image");
			goto done;
		}
		pixSetResolution(turned.pix, (int)(dpi * pg.scale), (int)(dpi * pg.scale));
		if ((error = doc_new(&second, "ocr")) == 0) {
			second->ctx = doc->ctx;
			error = recognise(second, h->api, &turned, page, line, &conf2);
		}
		pixDestroy(&turned.pix);
		if (error < 0)
			goto done;
		if (conf2 > *conf || (first->nblocks == 0 && second->nblocks > 0))
			best = second, *conf = conf2;
	}
	if ((error = doc_copy_blocks(doc, best, 1)) == 0)
		error = note_models(doc, h, engine, osd_used);
done:
	enclave_doc_free(first);
	enclave_doc_free(second);
	pixDestroy(&pg.pix);
	return error;
}

/* ------------------------------------------------------------------ */
/* Image files                                                        */
/* ------------------------------------------------------------------ */

/*
 * Check the size of image page `index` (header only) against ENCLAVE_MAX_PIXELS.
 * Returns 0 or ENCLAVE_E*.
 */
static int check_header(const unsigned char *data, size_t len, int tiff, int index)
{
	l_int32 fmt, w = 0, h = 0, bps, spp, res, cmap;
	l_ok rc;

	if (tiff)
		rc = readHeaderMemTiff(data, len, index, &w, &h, &bps, &spp, &res, &cmap, &fmt);
	else
		rc = pixReadHeaderMem(data, len, &fmt, &w, &h, &bps, &spp, &cmap);
	if (rc != 0 || w <= 0 || h <= 0)
		return error_set(ENCLAVE_EINVALID, "cannot read image header");
	if ((double)w * h > ENCLAVE_MAX_PIXELS)
		return error_set(ENCLAVE_ELIMIT,
		                 "image page %d is %dx%d pixels, over the limit of %.0f", index + 1,
		                 w, h, ENCLAVE_MAX_PIXELS);
	return 0;
}

/*
 * Read the image `data`, every page of a TIFF, through OCR into `doc`, with
 * the worker's engine (doc->ctx->ocr) or one made for this call.
 * Returns ENCLAVE_EEMPTY when no page holds text. Returns 0 or ENCLAVE_E*.
 */
int ingest_image(struct enclave_doc *doc, const unsigned char *data, size_t len,
                 const struct enclave_extract_options *opts)
{
	const char *kind = image_kind(data, len);
	int error = 0, tiff, npages = 1, i, page;
	struct ocr_engine *own = NULL, *engine = doc->ctx ? doc->ctx->ocr : NULL;
	PIX *pix = NULL;

	if (!kind)
		return error_set(ENCLAVE_EUNSUPPORTED, "not an image");
	if (opts && opts->ocr == ENCLAVE_OCR_NEVER)
		return error_set(ENCLAVE_EUNSUPPORTED,
		                 "%s image not read: ocr is off (--ocr never)", kind);
	if ((error = ocr_dl_load()) < 0)
		return error;
	pthread_once(&quiet_once, quiet_leptonica);
	if ((error = ocr_lang_check(ocr_doc_lang(doc))) < 0)
		return error;
	tiff = !strcmp(kind, "tiff");
	if (tiff) {
		FILE *fp = fopenReadFromMemory(data, len);
		l_int32 n = 0;

		if (!fp)
			return error_set(ENCLAVE_ENOMEM, "out of memory");
		if (tiffGetCount(fp, &n) != 0 || n <= 0) {
			fclose(fp);
			return error_set(ENCLAVE_EINVALID, "cannot read tiff directory");
		}
		fclose(fp);
		if (n > ENCLAVE_MAX_PAGES)
			return error_set(ENCLAVE_ELIMIT, "tiff has %d pages, over the limit of %d",
			                 n, ENCLAVE_MAX_PAGES);
		npages = n;
	}
	if (!engine) {
		if ((error = ocr_engine_new(&own)) < 0)
			return error;
		engine = own;
	}
	for (i = 0; i < npages; i++) {
		l_int32 xres = 0, yres = 0;
		double conf = 0;
		int dpi;

		if ((error = extract_check_time(doc)) < 0 ||
		    (error = check_header(data, len, tiff, i)) < 0)
			goto done;
		if (!strcmp(kind, "png") || !strcmp(kind, "jpeg")) {
			if ((error = decode_mupdf(&pix, data, len, kind[1] == 'n')) < 0)
				goto done;
		} else if (!(pix = tiff ? pixReadMemTiff(data, len, i) : pixReadMem(data, len))) {
			error = error_set(ENCLAVE_EINVALID, "cannot decode %s image page %d", kind,
			                  i + 1);
			goto done;
		}
		pixGetResolution(pix, &xres, &yres);
		dpi = xres >= OCR_MIN_DPI ? xres : OCR_DEFAULT_DPI;
		if ((page = doc_add_page(doc, pixGetWidth(pix) * 72.0 / dpi,
		                         pixGetHeight(pix) * 72.0 / dpi, "ocr", 0)) < 0) {
			error = page;
			goto done;
		}
		if ((error = ocr_read_pix(doc, engine, pix, dpi, page, &conf)) < 0)
			goto done;
		doc->pages[page - 1].confidence = conf;
		pixDestroy(&pix);
	}
	if (doc->nblocks == 0)
		error = error_set(ENCLAVE_EEMPTY, "no text found by ocr");
done:
	pixDestroy(&pix);
	ocr_engine_free(own);
	return error;
}
