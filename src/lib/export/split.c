/*
 * The export's splitter: which split each document goes to.
 *
 * Splits: a group is a root document and all its descendants (attachments,
 * archive members), so a source document and every record made of it (its
 * blocks, chunks, sentences, pages) land in one split. Each root is given
 * its split when the walk meets it, whether or not it is then selected: the
 * roots of a stratum (all of them, or those of one class label with
 * stratify "class") take the slots of a pattern of the parts' proportions
 * (80,10,10 -> 8 train, 1 validation, 1 test), shuffled anew for each round
 * of the pattern by a generator seeded with (seed, stratum, round). Every
 * round of L roots thus holds the exact proportions, and a different seed
 * gives a different order. Descendants come after their root in id order
 * (ingest records them after it); the roots that have children are kept in
 * a sorted list to give them their root's split. A descendant whose root
 * was not met first (not expected) falls back to a hash of (seed, root).
 */
#include <string.h>

#include "export_int.h"

#define PATTERN_MAX 100

struct stratum {
	char *name;
	uint64_t count; /* roots given a split so far */
	unsigned char perm[PATTERN_MAX];
};

struct root_split {
	int64_t id;
	int split;
};

struct export_splitter {
	unsigned char pattern[PATTERN_MAX]; /* L split indices in proportion */
	size_t len;
	struct stratum *strata;
	size_t nstrata;
	struct root_split *roots; /* roots with children, by id */
	size_t nroots, roots_cap;
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static unsigned gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Build the splitter of ctx's options (parts already checked). */
int export_splitter_new(struct export_ctx *ctx)
{
	const unsigned *p = ctx->opts->split;
	struct export_splitter *s = calloc(1, sizeof(*s));
	unsigned g = 0, k, j;
	int i;

	if (!s)
		return error_oom();
	for (i = 0; i < ctx->nsplits; i++)
		g = gcd(g, p[i]);
	for (i = 0; i < ctx->nsplits; i++)
		for (k = 0, j = p[i] / g; k < j; k++)
			s->pattern[s->len++] = (unsigned char)i;
	ctx->splitter = s;
	return 0;
}

void export_splitter_free(struct export_splitter *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nstrata; i++)
		free(s->strata[i].name);
	free(s->strata);
	free(s->roots);
	free(s);
}

/* Stratum `name` of s into *out, made when new. */
static int stratum_find(struct stratum **out, struct export_splitter *s, const char *name)
{
	struct stratum *st = NULL;
	size_t i;

	for (i = 0; i < s->nstrata && !st; i++)
		if (!strcmp(s->strata[i].name, name))
			st = &s->strata[i];
	if (!st) {
		struct stratum *v = realloc(s->strata, (s->nstrata + 1) * sizeof(*v));
		if (!v)
			return error_oom();
		s->strata = v;
		st = &v[s->nstrata];
		memset(st, 0, sizeof(*st));
		if (!(st->name = strdup(name)))
			return error_oom();
		s->nstrata++;
	}
	*out = st;
	return 0;
}

/* The next split of stratum `name`'s roots. */
static int stratum_next(int *out, struct export_ctx *ctx, const char *name)
{
	struct export_splitter *s = ctx->splitter;
	struct stratum *st;
	size_t i;
	int error;

	if ((error = stratum_find(&st, s, name)) < 0)
		return error;
	if (st->count % s->len == 0) {
		/* A new round: the pattern shuffled (Fisher-Yates) by (seed, stratum, round). */
		uint64_t x =
		    ctx->opts->seed ^ fnv1a(name) ^ (st->count / s->len) * 0xd1342543de82ef95ULL;
		memcpy(st->perm, s->pattern, s->len);
		for (i = s->len - 1; i > 0; i--) {
			size_t j = (size_t)(splitmix(&x) % (i + 1));
			unsigned char t = st->perm[i];
			st->perm[i] = st->perm[j];
			st->perm[j] = t;
		}
	}
	*out = st->perm[st->count % s->len];
	st->count++;
	return 0;
}

/* The split of the group of root `root` (a descendant's, or the root's own once given). */
static int root_lookup(const struct export_splitter *s, int64_t root)
{
	size_t lo = 0, hi = s->nroots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->roots[mid].id == root)
			return s->roots[mid].split;
		if (s->roots[mid].id < root)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int root_remember(struct export_splitter *s, int64_t root, int split)
{
	if (s->nroots && s->roots[s->nroots - 1].id >= root)
		return 0; /* ids come in order; a repeat is impossible */
	if (s->nroots == s->roots_cap) {
		size_t ncap = s->roots_cap ? s->roots_cap * 2 : 64;
		struct root_split *v = realloc(s->roots, ncap * sizeof(*v));
		if (!v)
			return error_oom();
		s->roots = v;
		s->roots_cap = ncap;
	}
	s->roots[s->nroots].id = root;
	s->roots[s->nroots].split = split;
	s->nroots++;
	return 0;
}

/* The first class label of `ann` ("" when none): the stratum. */
static const char *first_class(const json_t *ann)
{
	const json_t *l =
	    json_array_get(json_object_get(json_object_get(ann, "class"), "labels"), 0);
	return json_is_string(l) ? json_string_value(l) : "";
}

/* The split of document `id` (root `root`; `children`: it has some). */
int export_assign_split(int *out, struct export_ctx *ctx, int64_t id, int64_t root, int children,
                        const json_t *ann)
{
	struct export_splitter *s = ctx->splitter;
	int error;

	*out = 0;
	if (!ctx->nsplits)
		return 0;
	if (ctx->project_split) {
		/* The stored assignment (export.c checked that every document has one). */
		int k = split_map_get(ctx->project_split, id);
		if (k < 0)
			return error_set(ENCLAVE_EINVALID,
			                 "document %lld has no split: run 'enclave split' again",
			                 (long long)id);
		*out = k;
		return 0;
	}
	if (root != id) {
		int k = root_lookup(s, root);
		if (k < 0) {
			uint64_t x = ctx->opts->seed ^ (uint64_t)root;
			k = s->pattern[splitmix(&x) % s->len];
		}
		*out = k;
		return 0;
	}
	if ((error = stratum_next(out, ctx, ctx->opts->stratify ? first_class(ann) : "")) < 0)
		return error;
	return children ? root_remember(s, id, *out) : 0;
}

const char *export_split_name(const struct export_ctx *ctx, int split)
{
	static const char *const names[] = { "train", "validation", "test" };

	if (!ctx->nsplits)
		return "data";
	if (ctx->nsplits == 2 && split == 1)
		return "test";
	return names[split];
}

/* ------------------------------------------------------------------ */
/* Split maps: document -> split, by id                               */
/* ------------------------------------------------------------------ */

int split_map_push(struct split_map *m, int64_t id, int split)
{
	if (m->n && m->id[m->n - 1] >= id)
		return error_set(ENCLAVE_EINVALID, "split map: ids out of order");
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		int64_t *ids = realloc(m->id, ncap * sizeof(*ids));
		unsigned char *sp;
		if (!ids)
			return error_oom();
		m->id = ids;
		if (!(sp = realloc(m->split, ncap)))
			return error_oom();
		m->split = sp;
		m->cap = ncap;
	}
	m->id[m->n] = id;
	m->split[m->n] = (unsigned char)split;
	m->n++;
	return 0;
}

int split_map_get(const struct split_map *m, int64_t id)
{
	size_t lo = 0, hi = m ? m->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->id[mid] == id)
			return m->split[mid];
		if (m->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void split_map_release(struct split_map *m)
{
	free(m->id);
	free(m->split);
	memset(m, 0, sizeof(*m));
}

/* The index of split `name` among `nsplits` parts (2: train, test); -1 when unknown. */
static int split_index(int nsplits, const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "train"))
		return 0;
	if (!strcmp(name, "validation"))
		return nsplits == 3 ? 1 : -1;
	if (!strcmp(name, "test"))
		return nsplits - 1;
	return -1;
}

/* The name of split index `k` among `nsplits` parts. */
static const char *split_name(int nsplits, int k)
{
	static const char *const names[] = { "train", "validation", "test" };

	return nsplits == 2 && k == 1 ? "test" : names[k];
}

/* ------------------------------------------------------------------ */
/* The walk of every document (a root's split, a descendant's root)   */
/* ------------------------------------------------------------------ */

/* The root of document `id` (parent `parent`): follow parents up. */
static int root_of(int64_t *out, sqlite3 *db, int64_t id, int64_t parent)
{
	char lang[16];
	int depth, children, error;

	*out = id;
	for (depth = 0; parent && depth < 64; depth++) {
		*out = parent;
		if ((error = store_doc_lineage(db, parent, lang, &parent, &children)) < 0)
			return error;
	}
	return 0;
}

struct class_state {
	json_t *ann; /* {"class": result} once found */
	int error;
};

/* The first parsable whole-document class result, as the export's walk takes it. */
static int each_class(const char *type, int64_t block, int64_t annotation, const char *status,
                      const char *result, void *payload)
{
	struct class_state *s = payload;
	json_t *r;

	(void)annotation;
	(void)status;
	if (block >= 0 || strcmp(type, "class") || s->ann)
		return 0;
	if (!(r = json_loads(result, 0, NULL)) || !json_is_object(r)) {
		json_decref(r);
		return 0;
	}
	if (!(s->ann = json_pack("{s:o}", "class", r))) {
		s->error = error_oom();
		return 1;
	}
	return 0;
}

/* Document `id`'s annotations as the splitter reads them ({} or {"class": ...}). */
static int doc_classes(json_t **out, sqlite3 *db, int64_t id, int mode)
{
	struct class_state s = { NULL, 0 };
	int error;

	*out = NULL;
	if ((error = store_doc_annotations(db, id, mode, each_class, &s)) != 0) {
		json_decref(s.ann);
		return s.error ? s.error : error;
	}
	*out = s.ann;
	return 0;
}

struct compute_walk {
	struct export_ctx *ctx;
	struct split_map *map;
	int error;
};

static int compute_doc(const struct enclave_doc_info *in, void *payload)
{
	struct compute_walk *w = payload;
	sqlite3 *db = w->ctx->project->db;
	json_t *ann = NULL;
	char lang[16];
	int64_t parent, root;
	int children, k;

	if ((w->error = store_doc_lineage(db, in->id, lang, &parent, &children)) < 0 ||
	    (w->error = root_of(&root, db, in->id, parent)) < 0)
		return 1;
	if (root == in->id && w->ctx->opts->stratify &&
	    (w->error = doc_classes(&ann, db, in->id, w->ctx->ann_mode)) < 0)
		return 1;
	w->error = export_assign_split(&k, w->ctx, in->id, root, children, ann);
	json_decref(ann);
	if (w->error < 0 || (w->error = split_map_push(w->map, in->id, k)) < 0)
		return 1;
	return 0;
}

int split_map_compute(struct split_map *out, struct export_ctx *ctx)
{
	struct compute_walk w = { ctx, out, 0 };
	int error;

	if (!ctx->nsplits)
		return 0;
	if (ctx->project_split)
		return 0; /* the stored one is the map */
	if ((error = export_splitter_new(ctx)) < 0)
		return error;
	error = enclave_store_list(ctx->project, compute_doc, &w);
	if (w.error)
		error = w.error;
	export_splitter_free(ctx->splitter);
	ctx->splitter = NULL;
	return error;
}

/* ------------------------------------------------------------------ */
/* The project split                                                  */
/* ------------------------------------------------------------------ */

/* The spec as stored in meta "split.spec", a new object. */
static json_t *spec_json(const unsigned parts[3], unsigned long long seed, const char *stratify)
{
	json_t *p = json_array();
	int i;

	for (i = 0; p && i < 3 && parts[i]; i++)
		if (json_array_append_new(p, json_integer(parts[i])) < 0) {
			json_decref(p);
			return NULL;
		}
	if (!p)
		return NULL;
	return json_pack("{s:o,s:I,s:s?}", "parts", p, "seed", (json_int_t)seed, "stratify",
	                 stratify);
}

/* Read the stored spec into s (s->have 0 when none). */
static int spec_read(struct enclave_split_summary *s, char **text, sqlite3 *db)
{
	json_t *v, *parts;
	size_t i;
	int error;

	memset(s, 0, sizeof(*s));
	*text = NULL;
	if ((error = store_meta_get(text, db, "split.spec")) < 0 || !*text)
		return error;
	if (!(v = json_loads(*text, 0, NULL)) ||
	    !json_is_array(parts = json_object_get(v, "parts")) || json_array_size(parts) < 2 ||
	    json_array_size(parts) > 3) {
		json_decref(v);
		return error_set(ENCLAVE_ETAMPER, "the project's split spec is malformed: '%.64s'",
		                 *text);
	}
	for (i = 0; i < json_array_size(parts); i++)
		s->parts[i] = (unsigned)json_integer_value(json_array_get(parts, i));
	s->seed = (unsigned long long)json_integer_value(json_object_get(v, "seed"));
	if (json_is_string(json_object_get(v, "stratify")))
		snprintf(s->stratify, sizeof(s->stratify), "%s",
		         json_string_value(json_object_get(v, "stratify")));
	s->have = 1;
	json_decref(v);
	return 0;
}

static int nparts_of(const unsigned parts[3])
{
	return parts[2] ? 3 : 2;
}

struct tally {
	struct split_map *map; /* NULL: count and hash only */
	int nsplits;
	struct export_splitter *splitter; /* prime the strata; may be NULL */
	struct sha256_ctx *hash;
	int64_t counts[3];
	int error;
};

static int tally_row(int64_t doc, const char *split, const char *stratum, void *payload)
{
	struct tally *t = payload;
	char line[48];
	int k = split_index(t->nsplits, split);

	if (k < 0) {
		t->error = error_set(ENCLAVE_ETAMPER, "document %lld has split '%s', not one of %s",
		                     (long long)doc, split,
		                     t->nsplits == 3 ? "train, validation, test" : "train, test");
		return 1;
	}
	t->counts[k]++;
	snprintf(line, sizeof(line), "%lld %s\n", (long long)doc, split);
	if (t->hash && (t->error = sha256_update(t->hash, line, strlen(line))) < 0)
		return 1;
	if (t->map && (t->error = split_map_push(t->map, doc, k)) < 0)
		return 1;
	if (t->splitter && stratum) {
		struct stratum *st;
		if ((t->error = stratum_find(&st, t->splitter, stratum)) < 0)
			return 1;
		st->count++;
	}
	return 0;
}

/* Read the table: counts, the assignment's hash, optionally the map and the strata. */
static int tally_read(struct tally *t, sqlite3 *db, char sha[65])
{
	int error;

	if ((error = sha256_new(&t->hash)) < 0)
		return error;
	error = store_split_each(db, tally_row, t);
	if (t->error)
		error = t->error;
	if (!error)
		error = sha256_finish_hex(t->hash, sha); /* frees the hash */
	else
		sha256_free(t->hash);
	t->hash = NULL;
	return error;
}

int export_split_project_load(struct export_ctx *ctx, struct enclave_export_options *full)
{
	struct enclave_split_summary s;
	struct tally t;
	char *text = NULL;
	int64_t unassigned;
	int error, i;

	memset(&t, 0, sizeof(t));
	if ((error = spec_read(&s, &text, ctx->project->db)) < 0)
		goto done;
	if (!s.have) {
		error = error_set(ENCLAVE_ENOTFOUND, "the project has no split: run 'enclave split"
		                                     " 80,10,10' first (docs/cli/split.md)");
		goto done;
	}
	if ((error = store_split_unassigned(ctx->project->db, &unassigned)) < 0)
		goto done;
	if (unassigned) {
		error = error_set(ENCLAVE_EINVALID,
		                  "%lld document%s no split yet (ingested after the last 'enclave"
		                  " split'): run 'enclave split' again with the same spec (see"
		                  " 'enclave split show') to assign %s",
		                  (long long)unassigned, unassigned == 1 ? " has" : "s have",
		                  unassigned == 1 ? "it" : "them");
		goto done;
	}
	if (!(ctx->project_split = calloc(1, sizeof(*ctx->project_split)))) {
		error = error_oom();
		goto done;
	}
	t.map = ctx->project_split;
	t.nsplits = nparts_of(s.parts);
	if ((error = tally_read(&t, ctx->project->db, ctx->project_split_sha256)) < 0)
		goto done;
	for (i = 0; i < 3; i++)
		full->split[i] = s.parts[i];
	full->seed = s.seed;
	memcpy(ctx->project_stratify, s.stratify, sizeof(s.stratify));
	full->stratify = s.stratify[0] ? ctx->project_stratify : NULL;
	ctx->nsplits = t.nsplits;
done:
	free(text);
	return error;
}

int split_map_project(struct split_map *out, int *nsplits, enclave_project *p)
{
	struct enclave_split_summary s;
	struct tally t;
	char *text = NULL, sha[65];
	int error;

	*nsplits = 0;
	memset(&t, 0, sizeof(t));
	if ((error = spec_read(&s, &text, p->db)) < 0 || !s.have)
		goto done;
	t.map = out;
	t.nsplits = nparts_of(s.parts);
	if ((error = tally_read(&t, p->db, sha)) < 0)
		goto done;
	*nsplits = t.nsplits;
done:
	free(text);
	return error;
}

/* Check the parts as the export does; the number of parts into *n. */
static int parts_check(int *n, const unsigned parts[3])
{
	unsigned sum = 0;
	int i, k = 0;

	for (i = 0; i < 3; i++) {
		if (parts[i] > 100)
			return error_set(ENCLAVE_EINVALID, "split part %u is over 100", parts[i]);
		sum += parts[i];
		if (parts[i])
			k = i + 1;
	}
	for (i = 0; i < k; i++)
		if (!parts[i])
			return error_set(ENCLAVE_EINVALID, "a split part is 0");
	if (k < 2 || sum != 100)
		return error_set(ENCLAVE_EINVALID,
		                 "a split has 2 or 3 parts adding up to 100 (got %u)", sum);
	*n = k;
	return 0;
}

struct assign_walk {
	struct export_ctx *ctx;
	struct split_map *old;   /* assigned before this run */
	struct split_map *fresh; /* assigned by this run */
	sqlite3_stmt *put;
	char now[32];
	int error;
};

static int assign_doc(const struct enclave_doc_info *in, void *payload)
{
	struct assign_walk *w = payload;
	struct export_ctx *ctx = w->ctx;
	sqlite3 *db = ctx->project->db;
	json_t *ann = NULL;
	const char *stratum = NULL;
	char lang[16];
	int64_t parent, root;
	int children, k;

	if (split_map_get(w->old, in->id) >= 0)
		return 0;
	if ((w->error = store_doc_lineage(db, in->id, lang, &parent, &children)) < 0 ||
	    (w->error = root_of(&root, db, in->id, parent)) < 0)
		return 1;
	if (root == in->id) {
		if (ctx->opts->stratify && (w->error = doc_classes(&ann, db, in->id, 0)) < 0)
			return 1;
		stratum = ctx->opts->stratify ? first_class(ann) : "";
		w->error = stratum_next(&k, ctx, stratum);
	} else {
		/* A descendant follows its root, assigned before or earlier in this walk. */
		k = split_map_get(w->old, root);
		if (k < 0)
			k = split_map_get(w->fresh, root);
		if (k < 0)
			w->error = export_assign_split(&k, ctx, in->id, root, children, NULL);
	}
	if (w->error >= 0 &&
	    (w->error = store_split_put(&w->put, ctx->project, in->id, split_name(ctx->nsplits, k),
	                                stratum, w->now)) >= 0)
		w->error = split_map_push(w->fresh, in->id, k);
	json_decref(ann);
	return w->error < 0;
}

int enclave_split_assign(enclave_project *p, const struct enclave_split_options *opts,
                         struct enclave_split_summary *summary)
{
	struct enclave_export_options eo = ENCLAVE_EXPORT_OPTIONS_INIT;
	struct enclave_split_summary old, out;
	struct split_map before = { 0 }, fresh = { 0 };
	struct assign_walk w;
	struct export_ctx ctx;
	struct tally t;
	json_t *spec = NULL, *params = NULL, *inputs = NULL, *outputs = NULL;
	char *old_text = NULL, *spec_text = NULL, old_sha[65] = "";
	int error, nsplits = 0, i, changed;

	memset(&w, 0, sizeof(w));
	memset(&ctx, 0, sizeof(ctx));
	memset(&t, 0, sizeof(t));
	memset(&out, 0, sizeof(out));
	if (!opts)
		return error_set(ENCLAVE_EINVALID, "no split given");
	if ((error = parts_check(&nsplits, opts->parts)) < 0)
		return error;
	if (opts->stratify && strcmp(opts->stratify, "class"))
		return error_set(ENCLAVE_EINVALID, "cannot stratify by '%s' (class)",
		                 opts->stratify);
	if (!(spec = spec_json(opts->parts, opts->seed, opts->stratify)) ||
	    !(spec_text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS))) {
		error = error_oom();
		goto done;
	}
	if ((error = spec_read(&old, &old_text, p->db)) < 0)
		goto done;
	if (old.have) {
		json_t *ov = json_loads(old_text, 0, NULL);
		char *canon = ov ? json_dumps(ov, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		int same = canon && !strcmp(canon, spec_text);
		free(canon);
		json_decref(ov);
		if (!same && !opts->reassign) {
			error =
			    error_set(ENCLAVE_ECONFLICT,
			              "the project's split is %s, not %s: pass --reassign to redo"
			              " the assignment (documents may change split)",
			              old_text, spec_text);
			goto done;
		}
	}
	for (i = 0; i < 3; i++)
		eo.split[i] = opts->parts[i];
	eo.seed = opts->seed;
	eo.stratify = opts->stratify;
	ctx.project = p;
	ctx.opts = &eo;
	ctx.nsplits = nsplits;
	w.ctx = &ctx;
	w.old = &before;
	w.fresh = &fresh;
	time_now_iso(w.now);
	if ((error = store_begin(p)) < 0)
		goto done;
	/* The previous assignment's hash, for the audit event. */
	t.nsplits = old.have ? nparts_of(old.parts) : nsplits;
	if ((error = tally_read(&t, p->db, old_sha)) < 0)
		goto fail;
	if (opts->reassign && (error = store_split_clear(p)) < 0)
		goto fail;
	if ((error = export_splitter_new(&ctx)) < 0)
		goto fail;
	/* What is there stays; each stratum's pattern continues where it stopped. */
	memset(&t, 0, sizeof(t));
	t.map = &before;
	t.nsplits = nsplits;
	t.splitter = ctx.splitter;
	if ((error = tally_read(&t, p->db, out.sha256)) < 0)
		goto fail;
	error = enclave_store_list(p, assign_doc, &w);
	if (w.error)
		error = w.error;
	if (error < 0)
		goto fail;
	memset(&t, 0, sizeof(t));
	t.nsplits = nsplits;
	if ((error = tally_read(&t, p->db, out.sha256)) < 0 ||
	    (error = store_meta_set(p->db, "split.spec", spec_text)) < 0)
		goto fail;
	changed = fresh.n || opts->reassign || !old.have;
	if (changed) {
		params = json_pack("{s:O,s:b}", "spec", spec, "reassign", opts->reassign);
		inputs =
		    json_pack("{s:s?,s:s}", "previous_spec", old_text, "previous_sha256", old_sha);
		outputs = json_pack("{s:I,s:{s:I,s:I,s:I},s:s}", "assigned", (json_int_t)fresh.n,
		                    "counts", "train", (json_int_t)t.counts[0], "validation",
		                    (json_int_t)(nsplits == 3 ? t.counts[1] : 0), "test",
		                    (json_int_t)t.counts[nsplits - 1], "sha256", out.sha256);
		if (!params || !inputs || !outputs) {
			error = error_oom();
			goto fail;
		}
		if ((error = audit_append(p, "split.set", "project", params, inputs, outputs,
		                          NULL)) < 0)
			goto fail;
	}
	sqlite3_finalize(w.put);
	w.put = NULL;
	if ((error = store_commit(p)) < 0 || (changed && (error = audit_write_head(p)) < 0))
		goto done;
	if (summary) {
		if ((error = enclave_split_show(p, summary)) < 0)
			goto done;
		summary->assigned = (int64_t)fresh.n;
	}
	goto done;
fail:
	sqlite3_finalize(w.put);
	w.put = NULL;
	store_rollback(p);
done:
	export_splitter_free(ctx.splitter);
	split_map_release(&before);
	split_map_release(&fresh);
	json_decref(spec);
	json_decref(params);
	json_decref(inputs);
	json_decref(outputs);
	free(spec_text);
	free(old_text);
	return error;
}

int enclave_split_show(enclave_project *p, struct enclave_split_summary *summary)
{
	struct tally t;
	char *text = NULL;
	int error, n;

	memset(&t, 0, sizeof(t));
	if ((error = spec_read(summary, &text, p->db)) < 0 || !summary->have)
		goto done;
	n = nparts_of(summary->parts);
	t.nsplits = n;
	if ((error = tally_read(&t, p->db, summary->sha256)) < 0 ||
	    (error = store_split_unassigned(p->db, &summary->unassigned)) < 0)
		goto done;
	summary->counts[0] = t.counts[0];
	summary->counts[1] = n == 3 ? t.counts[1] : 0;
	summary->counts[2] = t.counts[n - 1];
done:
	free(text);
	return error;
}

int enclave_split_of(enclave_project *p, int64_t id, const char **name)
{
	static const char *const names[] = { "train", "validation", "test" };
	char got[16], lang[16];
	int64_t parent;
	int children, depth, error, i;

	*name = NULL;
	for (depth = 0; id && depth < 64; depth++) {
		if ((error = store_split_get(p->db, id, got)) == 0) {
			for (i = 0; i < 3; i++)
				if (!strcmp(got, names[i]))
					*name = names[i];
			return 0;
		}
		if (error != ENCLAVE_ENOTFOUND)
			return error;
		/* Not assigned: a descendant ingested later takes its root's split. */
		if ((error = store_doc_lineage(p->db, id, lang, &parent, &children)) < 0)
			return error == ENCLAVE_ENOTFOUND ? 0 : error;
		id = parent;
	}
	return 0;
}
