/*
 * OCR of PDF pages without a usable text layer, so that scanned and mixed
 * documents are read page by page. pdf.c keeps the text layer's work and
 * calls in here (pdf_int.h) for every page it loads.
 *
 * Which pages: with --ocr always every page; with auto (the default) a page
 * with no text but images of some size (a scan: an image or an image mask,
 * JBIG2 for instance, over at least OCR_MIN_IMAGE_SHARE of the page), and a
 * page whose text is mostly garbage: at least OCR_GARBAGE_SHARE of its
 * characters U+FFFD, private use or control characters, which is what a
 * font without a usable ToUnicode map gives. With --ocr never such a page
 * is left empty (method "none"); a garbage text layer is dropped rather
 * than passed on.
 *
 * How: MuPDF renders the page as displayed (its /Rotate applied) in grey at
 * opts->dpi (by default 300, or 1.5 times the resolution of a scan under
 * 200 dpi, see render_dpi), scaled down to stay within
 * ENCLAVE_MAX_PIXELS; ocr.c preprocesses (OSD turn, deskew, upscale) and
 * recognises (ocr_read_pix). Boxes come back in points with a top-left
 * origin relative to the page box, as pdf.c's are; blocks have method
 * "ocr" and their confidence, the page method "ocr" and the page's
 * confidence.
 *
 * Order: pdf.c adds its text blocks only after the last page, so a page's
 * OCR blocks are kept apart (each page in a document of its own) and added
 * by pdf_ocr_finish(), which then sorts all blocks by page (stably) and
 * recomputes the offsets.
 *
 * Threads: with opts->jobs > 1 the pages are read by a pool of that many
 * threads, each with its own OCR engine (Tesseract handles), while the
 * calling thread renders the next pages with the parser's fz_context (which
 * never leaves it). At most OCR_QUEUE_PER_JOB rendered pages per thread wait,
 * bounding memory. Otherwise pages are read at once by the calling thread
 * with the worker's engine (doc->ctx->ocr) or one made for this document.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ocr_int.h"
#include "pdf_int.h"

/* Resolution pages are rendered at when the options say none... */
#define OCR_PDF_DPI 300
/*
 * ...except scans under OCR_PDF_LOW_DPI, rendered at OCR_PDF_UPSCALE times
 * their resolution (a 150 dpi receipt at 225: a third less time than at
 * 300, measured; ocr.c upscales images the same way). Images stating less
 * than OCR_MIN_SCAN_DPI are not scans (a logo blown up).
 */
#define OCR_PDF_LOW_DPI 200
#define OCR_PDF_UPSCALE 1.5
#define OCR_MIN_SCAN_DPI 70
/* A page's text is garbage when at least this share of its characters is. */
#define OCR_GARBAGE_SHARE 0.5
/* A page without text is read by OCR when its images cover at least this share of it. */
#define OCR_MIN_IMAGE_SHARE 0.05
/* Rendered pages waiting per OCR thread. */
#define OCR_QUEUE_PER_JOB 2
/* Most OCR threads for one document. */
#define OCR_MAX_JOBS 64

/* One page read by OCR. */
struct ocr_job {
	int page;                /* 1-based */
	int dpi;                 /* rendering resolution */
	PIX *pix;                /* the rendered page until a thread takes it */
	struct enclave_doc *out; /* its blocks and model metadata */
	double conf;             /* the page's confidence */
	int error;               /* 0 or ENCLAVE_E* */
	char *message;           /* the error's message (malloc'd) */
	int done;
};

struct pdf_ocr {
	struct ocr_job *jobs;
	size_t njobs, jobs_cap;
	struct ocr_engine *own; /* the calling thread's engine when doc->ctx has none */
	/* The pool (opts->jobs > 1); everything below is guarded by `lock`. */
	pthread_t *threads;
	int nthreads;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	size_t next;  /* the next job to take */
	size_t ndone; /* jobs done */
	int failed;   /* a job failed: render no more */
	int stop;     /* no more jobs are coming */
};

/* ------------------------------------------------------------------ */
/* Is the text layer usable?                                          */
/* ------------------------------------------------------------------ */

/* True for characters a broken text layer is made of. */
static int garbage_cp(int c)
{
	return c == 0xfffd || (c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000 ||
	       (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7f && c <= 0x9f) ||
	       c < 0;
}

/* Count the page's characters that are not white space, and the garbage among them. */
static void text_stats(const fz_stext_page *sp, size_t *chars, size_t *garbage)
{
	const fz_stext_block *b;
	const fz_stext_line *ln;
	const fz_stext_char *ch;

	*chars = *garbage = 0;
	for (b = sp->first_block; b; b = b->next) {
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (ln = b->u.t.first_line; ln; ln = ln->next) {
			for (ch = ln->first_char; ch; ch = ch->next) {
				if (ch->c == ' ' || ch->c == '\t' || ch->c == '\n' ||
				    ch->c == '\r' || ch->c == 0xa0)
					continue;
				(*chars)++;
				if (garbage_cp(ch->c))
					(*garbage)++;
			}
		}
	}
}

/*
 * A device that adds up the area the page's images cover (overlaps counted
 * twice) and finds the resolution of the largest image (pixels per inch on
 * the page).
 */
struct image_dev {
	fz_device super;
	double area;
	double largest; /* area of the largest image */
	double dpi;     /* its resolution, the smaller of x and y */
};

/* The area of the unit square under `ctm`. */
static double image_area(fz_matrix ctm)
{
	fz_rect r = fz_transform_rect(fz_unit_rect, ctm);

	return fz_is_empty_rect(r) ? 0 : (double)(r.x1 - r.x0) * (double)(r.y1 - r.y0);
}

/* Count image `img` drawn under `ctm` into `dev`. */
static void count_image(struct image_dev *dev, const fz_image *img, fz_matrix ctm)
{
	fz_rect r = fz_transform_rect(fz_unit_rect, ctm);
	double a = image_area(ctm), w = (r.x1 - r.x0) / 72.0, h = (r.y1 - r.y0) / 72.0;

	dev->area += a;
	if (a > dev->largest && w > 0 && h > 0) {
		double xd = img->w / w, yd = img->h / h;

		/* A quarter-turned image: its width runs along the page's height. */
		if (fabs(ctm.b) > fabs(ctm.a))
			xd = img->w / h, yd = img->h / w;
		dev->largest = a;
		dev->dpi = xd < yd ? xd : yd;
	}
}

static void image_fill(fz_context *ctx, fz_device *dev, fz_image *img, fz_matrix ctm, float alpha,
                       fz_color_params cp)
{
	(void)ctx, (void)alpha, (void)cp;
	count_image((struct image_dev *)dev, img, ctm);
}

static void image_fill_mask(fz_context *ctx, fz_device *dev, fz_image *img, fz_matrix ctm,
                            fz_colorspace *cs, const float *color, float alpha, fz_color_params cp)
{
	(void)ctx, (void)cs, (void)color, (void)alpha, (void)cp;
	count_image((struct image_dev *)dev, img, ctm);
}

/*
 * The share of `page` (bounds `box`) its images cover (can exceed 1) into
 * *share, and the resolution of the largest (0 when none) into *dpi.
 * Images are not decoded. Throws (MuPDF).
 */
static void image_share(fz_context *ctx, fz_page *page, fz_rect box, double *share, double *dpi)
{
	struct image_dev *dev = fz_new_derived_device(ctx, struct image_dev);
	double page_area = (double)(box.x1 - box.x0) * (double)(box.y1 - box.y0);

	dev->super.fill_image = image_fill;
	dev->super.fill_image_mask = image_fill_mask;
	fz_try(ctx)
	{
		fz_run_page(ctx, page, &dev->super, fz_identity, NULL);
		fz_close_device(ctx, &dev->super);
		*share = page_area > 0 ? dev->area / page_area : 0;
		*dpi = dev->dpi;
	}
	fz_always(ctx) fz_drop_device(ctx, &dev->super);
	fz_catch(ctx) fz_rethrow(ctx);
}

/* ------------------------------------------------------------------ */
/* Rendering                                                          */
/* ------------------------------------------------------------------ */

/*
 * The resolution to render a page of `box` at: the options' `want`; when
 * they say none (0), OCR_PDF_DPI, but for a scan of `scan_dpi` under
 * OCR_PDF_LOW_DPI, OCR_PDF_UPSCALE times that (as ocr.c upscales images).
 * Lowered to stay within ENCLAVE_MAX_PIXELS.
 */
static int render_dpi(fz_rect box, int want, double scan_dpi)
{
	double w = (box.x1 - box.x0) / 72.0, h = (box.y1 - box.y0) / 72.0;

	if (want <= 0)
		want = scan_dpi >= OCR_MIN_SCAN_DPI && scan_dpi < OCR_PDF_LOW_DPI
		           ? (int)(scan_dpi * OCR_PDF_UPSCALE + 0.5)
		           : OCR_PDF_DPI;

	if (w > 0 && h > 0 && w * h * want * want > ENCLAVE_MAX_PIXELS)
		want = (int)floor(sqrt(ENCLAVE_MAX_PIXELS / (w * h)));
	return want < 1 ? 1 : want;
}

/* Render `page` in grey at `dpi` into a Leptonica image *out. Throws (MuPDF). */
static void render(fz_context *ctx, fz_page *page, int dpi, PIX **out)
{
	fz_pixmap *pm = fz_new_pixmap_from_page(ctx, page, fz_scale(dpi / 72.0f, dpi / 72.0f),
	                                        fz_device_gray(ctx), 0);
	PIX *pix;
	int y;

	if (!(pix = pixCreate(pm->w, pm->h, 8))) {
		fz_drop_pixmap(ctx, pm);
		fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");
	}
	for (y = 0; y < pm->h; y++) {
		const unsigned char *row = pm->samples + (size_t)y * (size_t)pm->stride;
		l_uint32 *line = pixGetData(pix) + (size_t)y * (size_t)pixGetWpl(pix);
		int x;

		for (x = 0; x < pm->w; x++)
			SET_DATA_BYTE(line, x, row[x]);
	}
	fz_drop_pixmap(ctx, pm);
	pixSetResolution(pix, dpi, dpi);
	*out = pix;
}

/* MuPDF's message made safe to show (it may quote bytes of the file). */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* ------------------------------------------------------------------ */
/* The pool                                                           */
/* ------------------------------------------------------------------ */

/* Read job `j` (its page already taken into `pix`) with `engine`; keep the outcome in `r`. */
static void run_job(struct ocr_job *r, struct ocr_engine *engine, PIX *pix)
{
	r->error = ocr_read_pix(r->out, engine, pix, r->dpi, r->page, &r->conf);
	if (r->error < 0)
		r->message = strdup(enclave_error_last());
}

/* A pool thread: take rendered pages in order and read them with an engine of its own. */
static void *worker(void *arg)
{
	struct pdf_ocr *st = arg;
	struct ocr_engine *engine = NULL;

	if (ocr_engine_new(&engine) < 0)
		engine = NULL;
	pthread_mutex_lock(&st->lock);
	for (;;) {
		struct ocr_job r;
		PIX *pix;
		size_t i;

		while (st->next >= st->njobs && !st->stop)
			pthread_cond_wait(&st->work, &st->lock);
		if (st->next >= st->njobs)
			break;
		i = st->next++;
		r = st->jobs[i];
		pix = st->jobs[i].pix;
		st->jobs[i].pix = NULL;
		pthread_mutex_unlock(&st->lock);
		r.message = NULL;
		if (!engine) {
			r.error = ENCLAVE_ENOMEM;
			r.message = strdup("out of memory");
		} else if (st->failed) {
			r.error = ENCLAVE_ERROR; /* not read: an earlier page failed */
		} else {
			run_job(&r, engine, pix);
		}
		pixDestroy(&pix);
		pthread_mutex_lock(&st->lock);
		st->jobs[i].conf = r.conf;
		st->jobs[i].error = r.error;
		st->jobs[i].message = r.message;
		st->jobs[i].done = 1;
		st->ndone++;
		if (r.error < 0)
			st->failed = 1;
		pthread_cond_broadcast(&st->done);
	}
	pthread_mutex_unlock(&st->lock);
	ocr_engine_free(engine);
	return NULL;
}

/* Start `n` pool threads. Returns 0 or ENCLAVE_E* (none left running). */
static int pool_start(struct pdf_ocr *st, int n)
{
	pthread_attr_t attr;
	int i;

	if (!(st->threads = calloc((size_t)n, sizeof(*st->threads))))
		return error_oom();
	/* Tesseract recurses deeply on some pages: a roomy stack, as ingest's workers. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)8 << 20);
	for (i = 0; i < n; i++) {
		if (pthread_create(&st->threads[i], &attr, worker, st) != 0)
			break;
		st->nthreads++;
	}
	pthread_attr_destroy(&attr);
	if (st->nthreads == 0) {
		free(st->threads);
		st->threads = NULL;
		return error_set(ENCLAVE_ERROR, "cannot start ocr threads");
	}
	return 0;
}

/* Tell the pool no more pages come and wait for its threads to end. */
static void pool_join(struct pdf_ocr *st)
{
	int i;

	if (!st->threads)
		return;
	pthread_mutex_lock(&st->lock);
	st->stop = 1;
	pthread_cond_broadcast(&st->work);
	pthread_mutex_unlock(&st->lock);
	for (i = 0; i < st->nthreads; i++)
		pthread_join(st->threads[i], NULL);
	free(st->threads);
	st->threads = NULL;
	st->nthreads = 0;
}

/* ------------------------------------------------------------------ */
/* The hooks                                                          */
/* ------------------------------------------------------------------ */

/* A new state, with the pool started when the options ask for jobs > 1. */
static int state_new(struct pdf_ocr **out, const struct enclave_extract_options *opts)
{
	struct pdf_ocr *st;
	int error, jobs = opts->jobs;

	if (!(st = calloc(1, sizeof(*st))))
		return error_oom();
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->work, NULL);
	pthread_cond_init(&st->done, NULL);
	if (jobs > 1 && (error = pool_start(st, jobs > OCR_MAX_JOBS ? OCR_MAX_JOBS : jobs)) < 0) {
		pdf_ocr_free(st);
		return error;
	}
	*out = st;
	return 0;
}

/*
 * Queue page `page` rendered in `pix` (taken) at `dpi`: read at once by the
 * calling thread, or handed to the pool (waiting while it is full).
 * Returns 0 or ENCLAVE_E* (a failed page's error, in the calling thread).
 */
static int submit(struct pdf_ocr *st, struct enclave_doc *doc, int page, int dpi, PIX *pix)
{
	struct ocr_job *j;
	struct enclave_doc *out = NULL;
	int error;

	if ((error = doc_new(&out, "pdf")) < 0) {
		pixDestroy(&pix);
		return error;
	}
	out->ctx = doc->ctx; /* read only: the options and the deadline */
	pthread_mutex_lock(&st->lock);
	if (st->njobs == st->jobs_cap) {
		size_t ncap = st->jobs_cap ? st->jobs_cap * 2 : 16;

		if (!(j = realloc(st->jobs, ncap * sizeof(*j)))) {
			pthread_mutex_unlock(&st->lock);
			pixDestroy(&pix);
			enclave_doc_free(out);
			return error_oom();
		}
		st->jobs = j, st->jobs_cap = ncap;
	}
	j = &st->jobs[st->njobs];
	memset(j, 0, sizeof(*j));
	j->page = page, j->dpi = dpi, j->out = out;
	if (!st->threads) {
		struct ocr_engine *engine = doc->ctx ? doc->ctx->ocr : NULL;

		st->njobs++, st->next++;
		pthread_mutex_unlock(&st->lock);
		if (!engine && !st->own && (error = ocr_engine_new(&st->own)) < 0) {
			pixDestroy(&pix);
			return error;
		}
		run_job(j, engine ? engine : st->own, pix);
		pixDestroy(&pix);
		j->done = 1, st->ndone++;
		if (j->error < 0)
			return error_set(j->error, "%s", j->message ? j->message : "out of memory");
		return 0;
	}
	j->pix = pix;
	st->njobs++;
	pthread_cond_signal(&st->work);
	while (!st->failed &&
	       st->njobs - st->ndone > (size_t)st->nthreads * (1 + OCR_QUEUE_PER_JOB))
		pthread_cond_wait(&st->done, &st->lock);
	error = st->failed;
	pthread_mutex_unlock(&st->lock);
	/* The page's error is reported by pdf_ocr_finish, in page order. */
	return error ? pdf_ocr_finish(st, doc) : 0;
}

int pdf_ocr_page(struct pdf_ocr **state, struct enclave_doc *doc, fz_context *ctx, fz_document *pdf,
                 int index, fz_rect box, const fz_stext_page *sp)
{
	static const struct enclave_extract_options defaults = ENCLAVE_EXTRACT_OPTIONS_INIT;
	const struct enclave_extract_options *opts = doc->ctx ? doc->ctx->opts : &defaults;
	fz_page *page = NULL;
	PIX *pix = NULL;
	size_t chars, garbage;
	double share = 0, scan_dpi = 0;
	int error = 0, n, dpi = 0, need, unavailable = 0;
	char msg[256];

	text_stats(sp, &chars, &garbage);
	if (opts->ocr == ENCLAVE_OCR_NEVER && chars == 0)
		return 0; /* pdf.c adds the empty page */
	need = opts->ocr == ENCLAVE_OCR_ALWAYS ||
	       (garbage > 0 && (double)garbage >= OCR_GARBAGE_SHARE * (double)chars);
	if (!need && chars > 0)
		return 0;
	if ((error = extract_check_time(doc)) < 0)
		return error;
	fz_var(page), fz_var(pix), fz_var(need), fz_var(share), fz_var(dpi), fz_var(unavailable);
	fz_try(ctx)
	{
		page = fz_load_page(ctx, pdf, index);
		image_share(ctx, page, box, &share, &scan_dpi);
		if (!need)
			need = share >= OCR_MIN_IMAGE_SHARE;
		/* Tesseract and Leptonica are loaded on the first page that needs them. */
		if (need && opts->ocr != ENCLAVE_OCR_NEVER && !(unavailable = ocr_dl_load() < 0)) {
			dpi = render_dpi(box, opts->dpi, scan_dpi);
			render(ctx, page, dpi, &pix);
		}
	}
	fz_always(ctx) fz_drop_page(ctx, page);
	fz_catch(ctx)
	{
		snprintf(msg, sizeof(msg), "%s", fz_caught_message(ctx));
		clean(msg);
		if (fz_caught(ctx) == FZ_ERROR_MEMORY)
			return error_set(ENCLAVE_ENOMEM, "pdf: out of memory");
		return error_set(ENCLAVE_EINVALID, "corrupt pdf: page %d: %s", index + 1, msg);
	}
	if (unavailable)
		return ENCLAVE_EUNSUPPORTED; /* ocr_dl_load() said why */
	if (!need)
		return 0;
	n = doc_add_page(doc, fmax(box.x1 - box.x0, 0), fmax(box.y1 - box.y0, 0),
	                 pix ? "ocr" : "none", pix ? 0 : 1.0);
	if (n < 0 || !pix) {
		pixDestroy(&pix);
		return n < 0 ? n : 1;
	}
	if (!*state && (error = state_new(state, opts)) < 0) {
		pixDestroy(&pix);
		return error;
	}
	if ((error = submit(*state, doc, n, dpi, pix)) < 0)
		return error;
	return 1;
}

/* Order blocks by page, then as they came. */
static int by_page(const void *a, const void *b)
{
	const struct enclave_block *x = *(const struct enclave_block *const *)a;
	const struct enclave_block *y = *(const struct enclave_block *const *)b;

	if (x->page != y->page)
		return x->page < y->page ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Sort doc's blocks by page, keeping the order within a page, and
 * recompute their offsets in the document text (blocks joined by "\n\n").
 * Returns 0 or ENCLAVE_ENOMEM.
 */
static int sort_blocks(struct enclave_doc *doc)
{
	struct enclave_block **order, *sorted;
	size_t i, off = 0;

	for (i = 1; i < doc->nblocks && doc->blocks[i - 1].page <= doc->blocks[i].page; i++)
		;
	if (i >= doc->nblocks)
		return 0; /* already in order */
	order = malloc(doc->nblocks * sizeof(*order));
	sorted = malloc(doc->nblocks * sizeof(*sorted));
	if (!order || !sorted) {
		free(order);
		free(sorted);
		return error_oom();
	}
	for (i = 0; i < doc->nblocks; i++)
		order[i] = &doc->blocks[i];
	qsort(order, doc->nblocks, sizeof(*order), by_page);
	for (i = 0; i < doc->nblocks; i++) {
		sorted[i] = *order[i];
		sorted[i].offset = off + (i ? 2 : 0);
		off = sorted[i].offset + sorted[i].length;
	}
	memcpy(doc->blocks, sorted, doc->nblocks * sizeof(*sorted));
	free(sorted);
	free(order);
	return 0;
}

int pdf_ocr_finish(struct pdf_ocr *st, struct enclave_doc *doc)
{
	size_t i, k;
	int error;

	if (!st)
		return 0;
	pool_join(st);
	for (i = 0; i < st->njobs; i++) {
		const struct ocr_job *j = &st->jobs[i];

		/* A page skipped after another failed has no message: report the failure. */
		if (j->error < 0 && j->message)
			return error_set(j->error, "%s", j->message);
	}
	for (i = 0; i < st->njobs; i++) {
		struct ocr_job *j = &st->jobs[i];

		if (j->error < 0)
			return error_set(j->error, "ocr failed on page %d", j->page);
		if (!j->out)
			continue;
		for (k = 0; k < j->out->nblocks; k++) {
			const struct enclave_block *b = &j->out->blocks[k];

			if ((error = doc_add_block(doc, b, b->text, strlen(b->text))) < 0)
				return error;
		}
		if (j->page >= 1 && (size_t)j->page <= doc->npages)
			doc->pages[j->page - 1].confidence = j->conf;
		if (json_object_update(doc->metadata, j->out->metadata) != 0)
			return error_oom();
		enclave_doc_free(j->out);
		j->out = NULL;
	}
	return sort_blocks(doc);
}

void pdf_ocr_free(struct pdf_ocr *st)
{
	size_t i;

	if (!st)
		return;
	pool_join(st);
	for (i = 0; i < st->njobs; i++) {
		pixDestroy(&st->jobs[i].pix);
		enclave_doc_free(st->jobs[i].out);
		free(st->jobs[i].message);
	}
	free(st->jobs);
	ocr_engine_free(st->own);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->work);
	pthread_cond_destroy(&st->done);
	free(st);
}
