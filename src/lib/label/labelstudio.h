/*
 * Label Studio's JSON tasks and annotations <-> plain C structs.
 *
 * The format read and written (Label Studio's "JSON" export and task
 * import), as much of it as Enclave's task types use:
 *
 *   [ { "id": 7,
 *       "data": { "text": "..." }            (or "image": "URL", or both)
 *       "annotations": [                     ("completions" in old exports)
 *         { "id": 3, "completed_by": 2,      (or {"id": 2, ...})
 *           "result": [
 *             { "type": "labels", "from_name": "label", "to_name": "text",
 *               "value": { "start": 0, "end": 5, "text": "Alice",
 *                          "labels": ["PERSON"] } },
 *             { "type": "choices", "value": { "choices": ["legal"] } },
 *             { "type": "rectanglelabels",
 *               "original_width": 600, "original_height": 800,
 *               "value": { "x": 10, "y": 20, "width": 30, "height": 5,
 *                          "rotation": 0, "rectanglelabels": ["stamp"] } },
 *             { "type": "textarea", "value": { "text": ["an answer"] } } ] } ] } ]
 *
 * Offsets: Label Studio counts "start" and "end" in JavaScript string units
 * (UTF-16 code units); Enclave counts Unicode code points. A character
 * outside the Basic Multilingual Plane (an emoji) is 2 units and 1 code
 * point. Import converts, and refuses an offset that falls inside such a
 * pair; export converts back. A "text" given in a "labels" value must be the
 * text at those offsets (a mismatch means the offsets are in other units).
 *
 * Boxes: Label Studio gives x, y, width and height in percent of the image
 * (original_width x original_height pixels), the top-left corner, and a
 * rotation in degrees clockwise about that corner. Enclave keeps points with
 * a top-left origin: x0 = x / 100 * W and so on, where W x H is the page
 * size in points given in the options, or else the image's size in pixels
 * taken as points (72 dpi). The rotation is kept as it is, about (x0, y0).
 *
 * Import keeps going past a bad task: each one is reported in `errors` with
 * its index in the input and the reason, and left out of `tasks`. Result
 * types other than the four above (relations, polygons...) are skipped and
 * counted. A region with several labels becomes one span or box per label.
 */
#ifndef ENCLAVE_LABEL_LABELSTUDIO_H
#define ENCLAVE_LABEL_LABELSTUDIO_H

#include <stddef.h>

/* Most tasks in one import, and annotations of one task. */
#define LS_MAX_TASKS 1000000
#define LS_MAX_ANNOTATIONS 1000
/* Most result items of one annotation. */
#define LS_MAX_RESULTS 100000

/* A span of code points [start, end) of the task's text. */
struct ls_span {
	size_t start, end;
	char *label;
};

/* A box in points, top-left origin, x0 <= x1, y0 <= y1. */
struct ls_box {
	double x0, y0, x1, y1;
	double rotation; /* degrees clockwise about (x0, y0), as Label Studio has it */
	char *label;
};

struct ls_annotation {
	long long id;           /* 0 when absent */
	long long completed_by; /* Label Studio's user id; 0 when absent */
	struct ls_span *spans;
	size_t nspans;
	char **choices; /* "choices" results, in order */
	size_t nchoices;
	struct ls_box *boxes;
	size_t nboxes;
	char **texts; /* "textarea" answers, in order */
	size_t ntexts;
};

struct ls_task {
	size_t index; /* place in the imported array (0-based) */
	long long id; /* 0 when absent */
	char *text;   /* the document text (UTF-8), or NULL */
	char *image;  /* the image reference as given, or NULL; at least one is set */
	double page_width, page_height; /* points; 0 when the task has no box and no size */
	struct ls_annotation *annotations;
	size_t nannotations;
};

struct ls_error {
	size_t task;   /* index in the input */
	char *message; /* "task 3: annotation 0: result 2: ..." */
};

struct ls_import {
	struct ls_task *tasks;
	size_t ntasks;
	struct ls_error *errors;
	size_t nerrors;
	size_t skipped_results; /* result items of types not converted */
};

/*
 * Names: from_name of each result type written on export (import accepts
 * any), and to_name of the text and the image, which are also the keys of
 * "data" read and written.
 */
struct ls_options {
	const char *from_labels;  /* "label" */
	const char *from_choices; /* "label" */
	const char *from_boxes;   /* "label" */
	const char *from_texts;   /* "label" */
	const char *to_text;      /* "text" */
	const char *to_image;     /* "image" */
	double page_width;        /* points; 0: the image's pixels as points */
	double page_height;
};

#define LS_OPTIONS_INIT                                                       \
	{                                                                     \
		"label", "label", "label", "label", "text", "image", 0.0, 0.0 \
	}

/*
 * Read Label Studio JSON (an array of tasks, or one task object) of `len`
 * bytes; `opt` may be NULL for the defaults. Returns 0 when the JSON could
 * be read, whatever the tasks (see out->errors); ENCLAVE_EINVALID when it is
 * not JSON or not tasks, naming line and column; ENCLAVE_ELIMIT past
 * ENCLAVE_MAX_FILE_BYTES or LS_MAX_TASKS; ENCLAVE_ENOMEM. On error *out is
 * empty. Release with ls_import_release.
 */
int ls_import(struct ls_import *out, const char *json, size_t len, const struct ls_options *opt);

void ls_import_release(struct ls_import *imp);

/* Free what one task owns (ls_import_release does it for imported tasks). */
void ls_task_release(struct ls_task *t);

/*
 * Write `n` tasks as Label Studio JSON (an array, UTF-8) into *out
 * (malloc'd, NUL-terminated, *len bytes). Ids: a task's or annotation's id,
 * or its place (1-based) when 0; results get "r<task>.<annotation>.<k>".
 * Returns 0, ENCLAVE_EINVALID (a span outside the text, a box on a task
 * without a page size, a task with neither text nor image, a NULL label)
 * or ENCLAVE_ENOMEM.
 */
int ls_export(char **out, size_t *len, const struct ls_task *tasks, size_t n,
              const struct ls_options *opt);

/*
 * Offsets in valid UTF-8 `text` of `len` bytes: UTF-16 units -> code points
 * and back. Return 0, or ENCLAVE_EINVALID for an offset past the end or (to
 * code points) inside a surrogate pair.
 */
int ls_utf16_to_cp(size_t *out, const char *text, size_t len, size_t u16);
int ls_cp_to_utf16(size_t *out, const char *text, size_t len, size_t cp);

#endif
