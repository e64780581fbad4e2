/*
 * The COCO writer (object detection): page images and the box annotations
 * on them.
 *
 *   images/00000007-p0001.png   page 1 of document 7: rendered from the PDF
 *                               at --dpi (default 100), or the stored scan;
 *                               redacted PII spans' page boxes filled black
 *   annotations.json            (train.json, validation.json, test.json with
 *                               splits):
 *     {"info":{"description":"Enclave export","format":"coco"},
 *      "categories":[{"id":1,"name":"stamp","supercategory":"box"}],
 *      "images":[{"id":1,"file_name":"images/00000007-p0001.png",
 *                 "width":850,"height":1100,"document_id":7,"page":1}],
 *      "annotations":[{"id":1,"image_id":1,"category_id":1,
 *                      "bbox":[x,y,w,h],"area":w*h,"iscrowd":0}]}
 *
 * Ids start at 1 and run across the splits (images and annotations each).
 * Boxes are pixels of the image: the top-left corner, width and height,
 * rounded to 0.01, from the box annotations' page points times the image's
 * pixels a point. Categories: the label schema's box labels and any other
 * label in use, sorted. Only pages with an image are exported (text
 * formats have none). annotations.json is streamed: the images array is
 * written as the documents come, the annotations go to a temporary file
 * and are appended at the end. Records: annotations.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "export_int.h"
#include "../../util/fs.h"

static int add_label(const char *label, void *payload)
{
	return json_array_append_new(payload, json_string(label)) < 0 ? error_oom() : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
	              json_string_value(*(json_t *const *)b));
}

int export_box_labels(json_t **out, struct export_ctx *ctx)
{
	json_t *all = json_array(), *schema = NULL, *v, *sorted = NULL;
	json_t **tmp = NULL;
	char *text = NULL;
	size_t i, n, k = 0;
	int error;

	*out = NULL;
	if (!all)
		return error_oom();
	if ((error = store_result_labels(ctx->project->db, "box", ctx->ann_mode, add_label, all)) <
	        0 ||
	    (error = store_meta_get(&text, ctx->project->db, "label.schema")) < 0)
		goto done;
	if (text && (schema = json_loads(text, 0, NULL)))
		json_array_foreach(json_object_get(schema, "boxes"), i, v) if (json_is_string(v))
		    json_array_append(all, v);
	n = json_array_size(all);
	if (!(sorted = json_array()) || !(tmp = calloc(n + 1, sizeof(*tmp)))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < n; i++)
		tmp[i] = json_array_get(all, i);
	qsort(tmp, n, sizeof(*tmp), cmp_str);
	for (i = 0; i < n; i++)
		if (!k || strcmp(json_string_value(tmp[i]),
		                 json_string_value(json_array_get(sorted, k - 1)))) {
			json_array_append(sorted, tmp[i]);
			k++;
		}
	*out = sorted;
	sorted = NULL;
done:
	free(tmp);
	free(text);
	json_decref(schema);
	json_decref(sorted);
	json_decref(all);
	return error;
}

struct coco_state {
	struct export_ctx *ctx;
	struct export_out out;
	FILE *tmp[3];     /* each split's annotations, appended at the end */
	int64_t nimg[3];  /* images written into each split */
	int64_t image_id; /* the last given */
	int64_t ann_id;
	json_t *cats;
};

static double r2(double v)
{
	return round(v * 100.0) / 100.0;
}

static int category(const json_t *cats, const char *label)
{
	size_t i;

	for (i = 0; label && i < json_array_size(cats); i++)
		if (!strcmp(json_string_value(json_array_get(cats, i)), label))
			return (int)i + 1;
	return 0;
}

static int write_doc(struct export_ctx *ctx, const struct export_doc *d, void *payload)
{
	struct coco_state *s = payload;
	const json_t *pages = json_object_get(d->rec, "pages"), *pg;
	const json_t *boxes = json_object_get(json_object_get(d->ann, "box"), "boxes");
	size_t i;
	int error = 0;

	json_array_foreach(pages, i, pg)
	{
		struct export_page_image im;
		int n = (int)json_integer_value(json_object_get(pg, "number"));
		char name[64];
		char *line = NULL;
		json_t *o, *b;
		size_t k;
		error = export_page_image(&im, ctx, d, n,
		                          json_number_value(json_object_get(pg, "width")),
		                          json_number_value(json_object_get(pg, "height")));
		if (error == ENCLAVE_ENOTFOUND) {
			error = 0;
			continue;
		}
		if (error < 0)
			return error;
		snprintf(name, sizeof(name), "images/%08lld-p%04d.png", (long long)d->info->id, n);
		error = export_small_file(ctx, name, (const char *)im.png, im.len, -1);
		free(im.png);
		if (error < 0)
			return error;
		s->image_id++;
		o = json_pack("{s:I,s:s,s:i,s:i,s:I,s:i}", "id", (json_int_t)s->image_id,
		              "file_name", name, "width", im.width, "height", im.height,
		              "document_id", (json_int_t)d->info->id, "page", n);
		if (!o || !(line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
			json_decref(o);
			return error_oom();
		}
		json_decref(o);
		if ((s->nimg[d->split]++ && fputc(',', s->out.f[d->split]) < 0) ||
		    fputs(line, s->out.f[d->split]) < 0)
			error = error_set(ENCLAVE_EIO, "cannot write '%s/%s': %s", ctx->dir,
			                  s->out.name[d->split], strerror(errno));
		free(line);
		if (error < 0)
			return error;
		json_array_foreach(boxes, k, b)
		{
			const json_t *bb = json_object_get(b, "bbox");
			double x0, y0, w, h;
			int cat = category(s->cats, json_string_value(json_object_get(b, "label")));
			if (json_integer_value(json_object_get(b, "page")) != n || !cat ||
			    json_array_size(bb) != 4)
				continue;
			x0 = r2(json_number_value(json_array_get(bb, 0)) * im.sx);
			y0 = r2(json_number_value(json_array_get(bb, 1)) * im.sy);
			w = r2((json_number_value(json_array_get(bb, 2)) -
			        json_number_value(json_array_get(bb, 0))) *
			       im.sx);
			h = r2((json_number_value(json_array_get(bb, 3)) -
			        json_number_value(json_array_get(bb, 1))) *
			       im.sy);
			s->ann_id++;
			o = json_pack("{s:I,s:I,s:i,s:[f,f,f,f],s:f,s:i}", "id",
			              (json_int_t)s->ann_id, "image_id", (json_int_t)s->image_id,
			              "category_id", cat, "bbox", x0, y0, w, h, "area", r2(w * h),
			              "iscrowd", 0);
			if (!o || !(line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
				json_decref(o);
				return error_oom();
			}
			json_decref(o);
			if ((s->out.records[d->split]++ && fputc(',', s->tmp[d->split]) < 0) ||
			    fputs(line, s->tmp[d->split]) < 0)
				error = error_set(ENCLAVE_EIO, "cannot write a temporary file: %s",
				                  strerror(errno));
			free(line);
			if (error < 0)
				return error;
		}
	}
	return 0;
}

/* Append the split's annotations and close the JSON. */
static int finish(struct coco_state *s, int i)
{
	char chunk[65536];
	size_t n;
	FILE *f = s->out.f[i];

	if (fputs("],\"annotations\":[", f) < 0 || fflush(s->tmp[i]) != 0 ||
	    fseek(s->tmp[i], 0, SEEK_SET) != 0)
		goto fail;
	while ((n = fread(chunk, 1, sizeof(chunk), s->tmp[i])) > 0)
		if (fwrite(chunk, 1, n, f) != n)
			goto fail;
	if (ferror(s->tmp[i]) || fputs("]}\n", f) < 0)
		goto fail;
	return 0;
fail:
	return error_set(ENCLAVE_EIO, "cannot write '%s/%s': %s", s->ctx->dir, s->out.name[i],
	                 strerror(errno));
}

int export_coco(struct export_ctx *ctx)
{
	struct coco_state s;
	struct buf dir = BUF_INIT(65536);
	json_t *cats = NULL;
	char *head = NULL;
	size_t i;
	int k, error;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	if ((error = export_box_labels(&s.cats, ctx)) < 0)
		return error;
	if (!(cats = json_array())) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < json_array_size(s.cats); i++)
		if (json_array_append_new(cats, json_pack("{s:I,s:O,s:s}", "id", (json_int_t)i + 1,
		                                          "name", json_array_get(s.cats, i),
		                                          "supercategory", "box")) < 0) {
			error = error_oom();
			goto done;
		}
	if ((error = buf_printf(&dir, "%s/images", ctx->dir)) < 0)
		goto done;
	if (fs_mkdirs(buf_cstr(&dir), 0755) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot create '%s': %s", buf_cstr(&dir),
		                  strerror(errno));
		goto done;
	}
	{
		json_t *h = json_pack("{s:{s:s,s:s},s:O}", "info", "description", "Enclave export",
		                      "format", "coco", "categories", cats);
		if (!h || !(head = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
			json_decref(h);
			error = error_oom();
			goto done;
		}
		json_decref(h);
		head[strlen(head) - 1] = 0; /* the final '}': images follow */
	}
	if ((error = export_out_open(&s.out, ctx, "annotations", "json")) < 0)
		goto done;
	for (k = 0; k < s.out.n; k++) {
		if (!(s.tmp[k] = tmpfile())) {
			error = error_set(ENCLAVE_EIO, "cannot make a temporary file: %s",
			                  strerror(errno));
			goto fail;
		}
		if (fprintf(s.out.f[k], "%s,\"images\":[", head) < 0) {
			error =
			    error_set(ENCLAVE_EIO, "cannot write '%s/%s'", ctx->dir, s.out.name[k]);
			goto fail;
		}
	}
	if ((error = export_each(ctx, write_doc, &s)) < 0)
		goto fail;
	for (k = 0; k < s.out.n; k++)
		if ((error = finish(&s, k)) < 0)
			goto fail;
	error = export_out_done(&s.out, ctx);
	goto done;
fail:
	export_out_abort(&s.out);
done:
	for (k = 0; k < 3; k++)
		if (s.tmp[k])
			fclose(s.tmp[k]);
	free(head);
	json_decref(cats);
	json_decref(s.cats);
	buf_release(&dir);
	return error;
}
