/*
 * The YOLO writer (object detection, Ultralytics layout):
 *
 *   images/00000007-p0001.png   a page image, as the coco writer makes it
 *                               (redacted PII spans' page boxes black);
 *                               images/<split>/... with splits
 *   labels/00000007-p0001.txt   one box a line: "class cx cy w h", the class
 *                               index from 0 and the box's centre and size
 *                               as fractions of the image (6 decimals, in
 *                               [0, 1]); an empty file for a page without
 *                               boxes (a background image)
 *   data.yaml                   path, train/val/test image folders, nc and
 *                               names (index: label)
 *
 * Classes: as coco's categories (export_box_labels), index = id - 1. A
 * label file's records are its boxes.
 */
#include <errno.h>
#include <string.h>

#include "export_int.h"
#include "../../util/fs.h"

struct yolo_state {
	json_t *cats;
};

static double clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

static int class_of(const json_t *cats, const char *label)
{
	size_t i;

	for (i = 0; label && i < json_array_size(cats); i++)
		if (!strcmp(json_string_value(json_array_get(cats, i)), label))
			return (int)i;
	return -1;
}

/* "images" or "images/train": the folder of d's split under `top`. */
static void folder(char *out, size_t n, const struct export_ctx *ctx, const char *top, int split)
{
	if (ctx->nsplits)
		snprintf(out, n, "%s/%s", top, export_split_name(ctx, split));
	else
		snprintf(out, n, "%s", top);
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct yolo_state *s = payload;
	const json_t *pages = json_object_get(d->rec, "pages"), *pg;
	const json_t *boxes = json_object_get(json_object_get(d->ann, "box"), "boxes");
	struct buf lines = BUF_INIT(1 << 24);
	size_t i;
	int error = 0;

	json_array_foreach(pages, i, pg)
	{
		struct export_page_image im;
		int n = (int)json_integer_value(json_object_get(pg, "number"));
		double pw = json_number_value(json_object_get(pg, "width"));
		double ph = json_number_value(json_object_get(pg, "height"));
		char dir[64], name[128];
		const json_t *b;
		size_t k, count = 0;
		error = export_page_image(&im, ctx, d, n, pw, ph);
		if (error == ENCLAVE_ENOTFOUND) {
			error = 0;
			continue;
		}
		if (error < 0)
			break;
		folder(dir, sizeof(dir), ctx, "images", d->split);
		snprintf(name, sizeof(name), "%s/%08lld-p%04d.png", dir, (long long)d->info->id, n);
		error = export_small_file(ctx, name, (const char *)im.png, im.len, -1);
		free(im.png);
		if (error < 0)
			break;
		buf_clear(&lines);
		json_array_foreach(boxes, k, b)
		{
			const json_t *bb = json_object_get(b, "bbox");
			int cls = class_of(s->cats, json_string_value(json_object_get(b, "label")));
			double x0, y0, x1, y1;
			if (json_integer_value(json_object_get(b, "page")) != n || cls < 0 ||
			    json_array_size(bb) != 4 || pw <= 0 || ph <= 0)
				continue;
			x0 = clamp01(json_number_value(json_array_get(bb, 0)) / pw);
			y0 = clamp01(json_number_value(json_array_get(bb, 1)) / ph);
			x1 = clamp01(json_number_value(json_array_get(bb, 2)) / pw);
			y1 = clamp01(json_number_value(json_array_get(bb, 3)) / ph);
			if ((error = buf_printf(&lines, "%d %.6f %.6f %.6f %.6f\n", cls,
			                        (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0)) <
			    0)
				goto done;
			count++;
		}
		folder(dir, sizeof(dir), ctx, "labels", d->split);
		snprintf(name, sizeof(name), "%s/%08lld-p%04d.txt", dir, (long long)d->info->id, n);
		if ((error = export_small_file(ctx, name, lines.ptr ? buf_cstr(&lines) : "",
		                               lines.len, (int64_t)count)) < 0)
			break;
	}
done:
	buf_release(&lines);
	return error;
}

/* data.yaml: the folders and the class names (JSON strings are YAML scalars). */
static int write_yaml(struct export_ctx *ctx, const json_t *cats)
{
	struct buf y = BUF_INIT(1 << 20);
	char tr[64], va[64], te[64];
	size_t i;
	int error;

	folder(tr, sizeof(tr), ctx, "images", 0);
	folder(va, sizeof(va), ctx, "images", ctx->nsplits ? 1 : 0);
	folder(te, sizeof(te), ctx, "images", ctx->nsplits ? ctx->nsplits - 1 : 0);
	if ((error = buf_printf(&y,
	                        "# written by enclave export\npath: .\ntrain: %s\nval: %s\n"
	                        "test: %s\nnc: %zu\nnames:\n",
	                        tr, va, te, json_array_size(cats))) < 0)
		goto done;
	for (i = 0; i < json_array_size(cats); i++) {
		char *q = json_dumps(json_array_get(cats, i), JSON_ENCODE_ANY);
		if (!q) {
			error = error_oom();
			goto done;
		}
		error = buf_printf(&y, "  %zu: %s\n", i, q);
		free(q);
		if (error < 0)
			goto done;
	}
	error = export_small_file(ctx, "data.yaml", buf_cstr(&y), y.len, -1);
done:
	buf_release(&y);
	return error;
}

int export_yolo(struct export_ctx *ctx)
{
	struct yolo_state s = { NULL };
	struct buf dir = BUF_INIT(65536);
	static const char *const tops[] = { "images", "labels" };
	int k, t, error;

	if ((error = export_box_labels(&s.cats, ctx)) < 0)
		return error;
	for (t = 0; t < 2; t++)
		for (k = 0; k < (ctx->nsplits ? ctx->nsplits : 1); k++) {
			char sub[64];
			folder(sub, sizeof(sub), ctx, tops[t], k);
			buf_clear(&dir);
			if ((error = buf_printf(&dir, "%s/%s", ctx->dir, sub)) < 0)
				goto done;
			if (fs_mkdirs(buf_cstr(&dir), 0755) < 0) {
				error = error_set(ENCLAVE_EIO, "cannot create '%s': %s",
				                  buf_cstr(&dir), strerror(errno));
				goto done;
			}
		}
	if ((error = export_each(ctx, write_doc, &s)) < 0)
		goto done;
	error = write_yaml(ctx, s.cats);
done:
	json_decref(s.cats);
	buf_release(&dir);
	return error;
}
