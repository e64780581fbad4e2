/*
 * Export internals: the seam between the export core (export.c: the
 * folder, the chain segment, the manifest, the audit event) and the writers
 * (one file per format, e.g. jsonl.c), which write data files into the folder
 * and register each one.
 */
#ifndef ENCLAVE_EXPORT_INT_H
#define ENCLAVE_EXPORT_INT_H

#include <stdint.h>
#include <stdio.h>

#include "../ingest/ingest_int.h"
#include "../store/store_int.h"

struct export_file {
	char *name; /* relative to the export folder */
	int64_t size;
	char sha256[65];
	int64_t records; /* data records in it, -1 when not a data file */
};

struct export_ctx {
	enclave_project *project;
	const char *dir; /* the export folder */
	const struct enclave_export_options *opts;
	struct export_file *files;
	size_t nfiles, files_cap;
	size_t documents; /* records written by the writer */
	/* The redaction guard (see export.h): */
	int64_t *unredacted; /* ok documents with no redacted layer, in id order */
	size_t nunredacted;
	size_t redacted_written, unredacted_written; /* records of each kind */
	/* Selection and splits (driver.c): */
	int layer_original; /* ship the original layer (allowed by allow_unredacted) */
	int ann_mode;       /* 0 accepted, 1 submitted and accepted, 2 any but draft */
	int nsplits;        /* 0 (one part), 2 or 3 */
	struct export_splitter *splitter;
	size_t split_records[3]; /* documents exported into each split */
	size_t ner_dropped;      /* entity annotations overlapping a redaction */
	/* The project split (--split project; split.c): */
	struct split_map *project_split; /* every document's stored split; NULL: computed */
	char project_split_sha256[65];   /* the stored assignment's hash */
	char project_stratify[16];       /* the stored spec's stratify ("" none) */
	/* Generated records (--records; records.c): */
	json_t *generated;        /* the manifest's "generated" summary; NULL for documents */
	size_t contaminated;      /* records overlapping the test split's n-grams */
	size_t contaminated_kept; /* of which exported in train or validation anyway */
	/* The streaming record (record.c): */
	int stream_records; /* the writer reads ok documents itself: export_doc.rec is NULL */
	size_t streamed;    /* documents the streaming path wrote (the rest went through a tree) */
};

/* Document id -> split index, sorted by id (split.c). */
struct split_map {
	int64_t *id;
	unsigned char *split;
	size_t n, cap;
};

/* A writer fills ctx->dir with its files and calls export_file_done for each. */
struct export_writer {
	const char *format;
	int (*write)(struct export_ctx *ctx);
};

/* Open `name` in the export folder for writing (new file, 0644). */
int export_file_open(FILE **out, struct export_ctx *ctx, const char *name);

/*
 * Flush, fsync and close `f`, then hash the file `name` and register it in
 * the manifest with `records` data records (-1 for none). Closes f always.
 */
int export_file_done(struct export_ctx *ctx, FILE *f, const char *name, int64_t records);

/* Hash the finished file `name` and register it in the manifest list. */
int export_file_register(struct export_ctx *ctx, const char *name, int64_t records);

/*
 * The export's options as the manifest and the audit event record them, a
 * new object (NULL when out of memory).
 */
json_t *export_options_json(const struct export_ctx *ctx, const char *format);

/*
 * Write the package around the data files (package.c): audit.jsonl,
 * DATASHEET.md, pubkey (registered), then manifest.json and manifest.sig;
 * the manifest's SHA-256 into `sha`. `options` is borrowed.
 */
int package_write(struct export_ctx *ctx, const char *format, json_t *options, char sha[65]);

/*
 * The record of document `in` as the writers ship it, a new object: the
 * doc_json shape plus id, status, error, source, "text" and "redacted".
 * With a redacted layer, "text" is that layer, each block's text, offset
 * and length are its part of it, "redactions" lists the replacements
 * (label, start, end in code points of the redacted text), and what
 * clean --pii does not scan is withheld: title (null), metadata ({}), and
 * block attrs (table cells). Without one (allowed by the caller), the
 * original. *redacted tells which.
 */
int export_record(json_t **out, struct export_ctx *ctx, const struct enclave_doc_info *in,
                  int *redacted);

/*
 * export_record's choice of layer alone: *redacted 1 with the redacted
 * layer's blob name in `blob`, or 0 for the original (when allowed); fails
 * as export_record does when the redacted layer vanished.
 */
int export_record_layer(struct export_ctx *ctx, const struct enclave_doc_info *in, int *redacted,
                        char blob[65]);

/*
 * The redacted layer of document `id` (its blob) into `text`, its redacted
 * spans into `used`, and the layer's cuts into *cuts (malloc'd, 2 n + 1 for
 * n blocks: each block's start and end, then the text's end, in code points
 * of the layer), as export_record re-cuts the blocks (record.c). A layer
 * that does not match its spans is ENCLAVE_ETAMPER.
 */
int export_layer_cuts(struct export_ctx *ctx, const struct enclave_doc *doc, int64_t id,
                      const char *blob, struct buf *text, struct store_spans *used, size_t **cuts);

/*
 * The streaming record: the same bytes as export_record's tree encoded by
 * export_json_encode (with "language" and "annotations" for the unit
 * "documents", or one line a block with "document_id" first for "blocks"),
 * written straight from the store's rows without a tree. State reused from
 * document to document (statements, buffers).
 */
struct export_stream;
struct export_doc;
int export_stream_new(struct export_stream **out, struct export_ctx *ctx);
void export_stream_free(struct export_stream *s);

/* Hand `lines` (`n` whole lines, each ending in '\n') to the file of split `split`; clear it. */
typedef int (*export_lines_fn)(void *payload, int split, struct buf *lines, size_t n);

/*
 * Write the record(s) of `d` (rec NULL, an ok document) into `line` and
 * hand them to `flush` (several times for many blocks). Returns 0, 1 when
 * the document holds something only the tree path reproduces (text that is
 * not clean UTF-8, a non-finite number, a layer that does not match its
 * spans...; nothing was flushed), or ENCLAVE_E*.
 */
int export_stream_record(struct export_stream *s, struct export_ctx *ctx,
                         const struct export_doc *d, int unit_blocks, struct buf *line,
                         export_lines_fn flush, void *payload);

/* ---- tarzst.c: a package as read by verify, from a folder or an archive ---- */

struct pkg_member {
	char *path; /* relative, '/'-separated */
	int64_t size;
	char sha256[65];     /* "" when the member could not be hashed */
	const char *problem; /* NULL for a plain file with a safe name, else what is wrong */
};

struct pkg_read {
	struct pkg_member *m; /* sorted by path once read */
	size_t n, cap;
	struct buf manifest, sig, pubkey; /* the content of those files, when have_* */
	int have_manifest, have_sig, have_pubkey;
	FILE *audit; /* audit.jsonl, positioned at its start; NULL when absent */
	char *fatal; /* why the package could not be read to its end, NULL when it was */
};

/* Why `name` is not a safe relative member name, or NULL when it is. */
const char *pkg_name_problem(const char *name);

/*
 * Read the package folder `dir` or the archive `path` into `r` (always
 * release it). Problems of the package (links, unsafe names, damage,
 * limits) go into the members and r->fatal; the return value is 0, or
 * ENCLAVE_E* when the reading could not happen at all (no such package,
 * out of memory, a read error).
 */
int pkg_read_dir(struct pkg_read *r, const char *dir);
int pkg_read_archive(struct pkg_read *r, const char *path);
void pkg_read_release(struct pkg_read *r);

/*
 * Append `v` to `out` as compact JSON, byte for byte what
 * json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) writes, faster
 * (jsonenc.c). Returns 0, or ENCLAVE_ELIMIT past out->max (out unchanged).
 */
int export_json_encode(struct buf *out, json_t *v);

/* The encoder's pieces: a string (valid UTF-8), an integer, a real. 0 or ENCLAVE_ELIMIT. */
int export_json_string(struct buf *out, const char *s, size_t len);
int export_json_int(struct buf *out, json_int_t v);
int export_json_real(struct buf *out, double v);
/* The characters of an integer (at most 20) and of a real (at most 32; 0 on failure), no NUL. */
size_t export_json_int_chars(char out[24], json_int_t v);
size_t export_json_real_chars(char out[64], double v);

/*
 * Escape `s` (at most `len` bytes and `maxcp` code points) as the inside of
 * a JSON string, appended to `out` (NULL: only read it); *used gets the
 * bytes read, *ncp the code points. Returns 0, 1 when the text holds a NUL
 * or is not valid UTF-8 (out partly written), or ENCLAVE_ELIMIT.
 */
int export_json_text(struct buf *out, const char *s, size_t len, size_t maxcp, size_t *used,
                     size_t *ncp);

/* ---- driver.c: selection, splits, the walk and the per-split files ---- */

/* One selected document as the driver hands it to a writer; all borrowed. */
struct export_doc {
	const struct enclave_doc_info *info;
	json_t *rec;      /* export_record's object: "text", "blocks", "pages" ...; NULL with
	                     ctx->stream_records (see export_stream_record) */
	int redacted;     /* rec holds the redacted layer */
	char blob[65];    /* without rec, the redacted layer's blob (when redacted) */
	int split;        /* 0..nsplits-1 (0 without splits) */
	const char *lang; /* "" when unknown */
	/*
	 * The chosen whole-document annotation result of each type present
	 * ({"ner": {"spans": [...]}, "class": {"labels": [...]}, "box":
	 * {"boxes": [...]}, "qa": {"pairs": [...]}}): the best by status
	 * (accepted, submitted, rejected), then the newest. Entity spans and
	 * evidence ranges are mapped onto rec's text; those overlapping a
	 * redaction are dropped (entities) or lose their evidence (pairs).
	 */
	json_t *ann;
};

typedef int (*export_doc_fn)(struct export_ctx *ctx, const struct export_doc *d, void *payload);

/*
 * Walk the selected documents in id order (one loaded at a time) and call
 * `fn` for each; counts them into ctx. A non-zero return stops the walk.
 */
int export_each(struct export_ctx *ctx, export_doc_fn fn, void *payload);

/* ---- split.c: the splitter (see there) ---- */

/* Build ctx->splitter from ctx's options (parts already checked). */
int export_splitter_new(struct export_ctx *ctx);
void export_splitter_free(struct export_splitter *s);

/*
 * The split of document `id` (root `root`; `children`: it has some; `ann`:
 * its annotations, for stratify "class") into *out (0 without splits).
 */
int export_assign_split(int *out, struct export_ctx *ctx, int64_t id, int64_t root, int children,
                        const json_t *ann);

/* Append (ids ascending), look up (-1: none), release. */
int split_map_push(struct split_map *m, int64_t id, int split);
int split_map_get(const struct split_map *m, int64_t id);
void split_map_release(struct split_map *m);

/*
 * The split of every document of the project (not only the selected ones)
 * as the export's walk assigns them, into `out`; nothing without splits.
 */
int split_map_compute(struct split_map *out, struct export_ctx *ctx);

/*
 * --split project: load the stored assignment into ctx->project_split and
 * its spec into `full` (split, seed, stratify) and ctx->nsplits.
 * ENCLAVE_ENOTFOUND without a split, ENCLAVE_EINVALID when a document has
 * none yet.
 */
int export_split_project_load(struct export_ctx *ctx, struct enclave_export_options *full);

/*
 * The stored project split as a map, and its number of parts (0, and an
 * empty map, when the project has none).
 */
int split_map_project(struct split_map *out, int *nsplits, enclave_project *p);

/* ---- contam.c: the contamination guard's n-gram index ---- */

struct ngram_set;
int ngram_set_new(struct ngram_set **out, unsigned n); /* n: words an n-gram (0: 8) */
void ngram_set_free(struct ngram_set *s);
size_t ngram_set_count(const struct ngram_set *s);
/* Add the n-grams of text (ENCLAVE_ELIMIT past ENCLAVE_MAX_NGRAMS). */
int ngram_set_add(struct ngram_set *s, const char *text, size_t len);
/* Build the lookup filter once the set is complete (adding drops it). */
int ngram_set_seal(struct ngram_set *s);
/* How many of text's n-grams are in s. */
int64_t ngram_set_shared(const struct ngram_set *s, const char *text, size_t len);
/*
 * Index the text (original, and redacted when there is one) of every
 * document of `m` in split `test`; counts into *docs and *bytes.
 */
int contam_index_docs(struct ngram_set *s, enclave_project *p, const struct split_map *m, int test,
                      int64_t *docs, int64_t *bytes);
/* The n-grams record r shares with s (text; qa and instruct fields too) and bytes checked. */
int contam_record_shared(const struct ngram_set *s, const struct enclave_record *r, int64_t *shared,
                         size_t *bytes);
/* Is `kind` in the comma-separated `list` (NULL, "" or "all": every kind)? */
int records_kind_listed(const char *list, const char *kind);

/* "train", "validation", "test" for a split; "data" without splits. */
const char *export_split_name(const struct export_ctx *ctx, int split);

/* One data file per split: "<split>.<ext>" (or "<stem>.<ext>" without splits). */
struct export_out {
	FILE *f[3];
	char name[3][96];
	int64_t records[3];
	int n;
	struct buf line; /* export_out_json's line, reused; released by done and abort */
};

/* Open the files of `o`; `stem` names the single file when there are no splits. */
int export_out_open(struct export_out *o, struct export_ctx *ctx, const char *stem,
                    const char *ext);

/* Write `len` bytes then a line end `eol` (may be NULL) to split `split`'s file, counting a record. */
int export_out_line(struct export_out *o, struct export_ctx *ctx, int split, const char *data,
                    size_t len, const char *eol);

/* Write a JSON value as one compact line (a record). */
int export_out_json(struct export_out *o, struct export_ctx *ctx, int split, const json_t *v);

/* Finish and register every file (closes them). */
int export_out_done(struct export_out *o, struct export_ctx *ctx);

/* Close without registering (after an error). */
void export_out_abort(struct export_out *o);

/* Write a small file `name` (e.g. label_names.json) and register it as a non-data file. */
int export_small_file(struct export_ctx *ctx, const char *name, const char *data, size_t len,
                      int64_t records);

/*
 * Write `data` as the file of document d in `folder` ("text/00000007.txt",
 * or "text/train/00000007.txt" with splits), one record.
 */
int export_doc_file(struct export_ctx *ctx, const char *folder, const struct export_doc *d,
                    const char *ext, const char *data, size_t len);

/* The class labels of d->ann ("" joined by `sep` into out). */
int export_class_labels(struct buf *out, const struct export_doc *d, const char *sep);

/* ---- textseg.c: code points, tokens, words, sentences ---- */

/* A text as code points with the byte offset of each (byte[n] is the length). */
struct cptext {
	const char *s;
	uint32_t *cp;
	size_t *byte;
	size_t n, cap;
};
int cptext_init(struct cptext *t, const char *s, size_t len);
/* cptext_init for a struct used before (or zeroed): its arrays are reused
 * when large enough, so a writer decoding document after document does not
 * allocate and fault in fresh pages for each one. */
int cptext_load(struct cptext *t, const char *s, size_t len);
void cptext_release(struct cptext *t);

/* A range of code points, end exclusive. */
struct seg {
	size_t start, end;
};
struct segs {
	struct seg *v;
	size_t n, cap;
};
void segs_release(struct segs *l);

/* Word pieces in [from, to): runs of letters and digits, and each other non-space character. */
int seg_tokens(struct segs *out, const struct cptext *t, size_t from, size_t to);
/* Words: runs of non-space characters. */
int seg_words(struct segs *out, const struct cptext *t, size_t from, size_t to);
/* Sentences (rule-based, with abbreviations) in [from, to), trimmed. */
int seg_sentences(struct segs *out, const struct cptext *t, size_t from, size_t to);

/*
 * The chunks of t by `by` ("tokens", "words", "sentences", "sections"), `size`
 * units a chunk, consecutive ones sharing `overlap` (< size) units: code
 * point ranges into `out` (chunks.c; the augment LLM tasks cut their
 * sources with it too). `blocks` is the record's block array.
 */
int export_chunk_ranges(struct segs *out, const char *by, size_t size, size_t overlap,
                        const struct cptext *t, const json_t *blocks);

/* ---- conll.c: sentences of tokens with IOB2 tags (conll, hf-ner) ---- */

/*
 * One sentence: its `n` tokens (ranges of t), the entity label of each
 * (NULL: outside) and whether it begins its entity (B) or not (I).
 */
typedef int (*export_sentence_fn)(void *payload, const struct export_doc *d, const struct cptext *t,
                                  const struct seg *tokens, size_t n, const char *const *labels,
                                  const int *begin);

/* Call `fn` for each sentence of d's exported text, block by block. */
int export_iob_doc(const struct export_doc *d, export_sentence_fn fn, void *payload);

/* ---- pageimg.c: page images with the PII blacked out (coco, yolo) ---- */

struct export_page_image {
	unsigned char *png; /* malloc'd */
	size_t len;
	int width, height; /* pixels */
	double sx, sy;     /* pixels a point */
	size_t blacked;    /* PII boxes filled */
};

/*
 * Page `page` of d as PNG at ctx's dpi, with the boxes of its redacted PII
 * spans blacked out (when d ships its redacted layer). ENCLAVE_ENOTFOUND
 * (no message) when the page has no image (no page image was stored and
 * the source is neither a PDF nor a scan page_png_renders).
 */
int export_page_image(struct export_page_image *out, struct export_ctx *ctx,
                      const struct export_doc *d, int page, double page_w, double page_h);

/* The box labels in use (schema order is not kept: sorted), for category ids. */
int export_box_labels(json_t **out, struct export_ctx *ctx);

/* ---- the writers ---- */

/* The writers. */
int export_jsonl(struct export_ctx *ctx);
/* jsonl through the tree path only: the streaming path's reference (tests). */
int export_jsonl_tree(struct export_ctx *ctx);
int export_csv(struct export_ctx *ctx);
/*
 * Append `s` as one CSV field (RFC 4180: quoted when it holds a comma, a
 * quote or a line break; NULL: empty), a comma before it unless first.
 */
int export_csv_field(struct buf *b, const char *s, int first);
/*
 * The hf-ner tag id of `label` among `labels` (the label names in use):
 * O (NULL or not listed) 0, B-<label k> 2k+1, I-<label k> 2k+2.
 */
json_int_t export_hfner_tag_id(const json_t *labels, const char *label, int begin);
int export_chunks(struct export_ctx *ctx);
/* chunks with every document through export_record's tree: the reference (tests). */
int export_chunks_tree(struct export_ctx *ctx);
int export_conll(struct export_ctx *ctx);
int export_spacy(struct export_ctx *ctx);
int export_hfner(struct export_ctx *ctx);
int export_chat(struct export_ctx *ctx);
int export_instruct(struct export_ctx *ctx);
int export_text(struct export_ctx *ctx);
int export_markdown(struct export_ctx *ctx);
int export_coco(struct export_ctx *ctx);
int export_yolo(struct export_ctx *ctx);
int export_labelstudio(struct export_ctx *ctx);
/* Generated records instead of documents, in ctx->opts->format (records.c). */
int export_records(struct export_ctx *ctx);

#endif
