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

/* The next split of stratum `name`'s roots. */
static int stratum_next(int *out, struct export_ctx *ctx, const char *name)
{
	struct export_splitter *s = ctx->splitter;
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
