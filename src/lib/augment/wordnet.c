/*
 * WordNet's database files, read locally (Debian's wordnet-base puts them
 * in /usr/share/wordnet), for EDA's synonyms. The format is WordNet 3.0's
 * wndb(5):
 *
 *   index.POS   sorted lines "lemma pos synset_cnt p_cnt [ptr_symbol...]
 *               sense_cnt tagsense_cnt synset_offset [synset_offset...]";
 *               lemmas are lower case with '_' for spaces; the license
 *               header's lines start with two spaces
 *   data.POS    one synset a line, found by its byte offset:
 *               "synset_offset lex_filenum ss_type w_cnt word lex_id
 *               [word lex_id...] p_cnt ... | gloss", w_cnt two hex digits,
 *               an adjective's word may end in a marker "(a)", "(p)", "(ip)"
 *
 * A lookup binary-searches the index lines of each part of speech and reads
 * the synsets at their offsets; an offset that does not start a line holding
 * that same offset is refused (the files are input like any other).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "augment_int.h"
#include "../../util/fs.h"

#define DEFAULT_DIR "/usr/share/wordnet"

struct wn_pos {
	struct buf index, data;
	size_t *lines; /* starts of the index's entry lines, in file order (sorted) */
	size_t nlines;
};

struct wordnet {
	struct wn_pos pos[4];
};

static const char *const pos_names[] = { "noun", "verb", "adj", "adv" };

/* Read dir/name into b; 1 when it does not exist. */
static int read_part(struct buf *b, const char *dir, const char *name)
{
	struct buf path = BUF_INIT(4096);
	int error = 0;

	if (buf_printf(&path, "%s/%s", dir, name) < 0) {
		buf_release(&path);
		return error_set(ENCLAVE_ELIMIT, "wordnet: a path too long");
	}
	*b = (struct buf)BUF_INIT(ENCLAVE_MAX_WORDNET_FILE_BYTES);
	if (fs_read_file(b, buf_cstr(&path)) < 0) {
		if (errno == ENOENT)
			error = 1;
		else
			error = error_set(ENCLAVE_EIO, "wordnet: cannot read '%s': %s",
			                  buf_cstr(&path), strerror(errno));
	}
	buf_release(&path);
	return error;
}

static int index_lines(struct wn_pos *p)
{
	size_t cap = 0, i = 0, len = p->index.len;
	const char *s = p->index.ptr;

	while (i < len) {
		size_t e = i;
		while (e < len && s[e] != '\n')
			e++;
		if (e > i && s[i] != ' ') {
			if (p->nlines == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				size_t *v = realloc(p->lines, ncap * sizeof(*v));
				if (!v)
					return error_oom();
				p->lines = v;
				cap = ncap;
			}
			p->lines[p->nlines++] = i;
		}
		i = e + 1;
	}
	return 0;
}

int wordnet_open(struct wordnet **out, const char *dir)
{
	struct wordnet *wn = calloc(1, sizeof(*wn));
	int error = 0, found = 0;
	char name[32];

	*out = NULL;
	if (!wn)
		return error_oom();
	if (!dir)
		dir = DEFAULT_DIR;
	for (int k = 0; k < 4 && !error; k++) {
		int a, b;
		snprintf(name, sizeof(name), "index.%s", pos_names[k]);
		if ((a = read_part(&wn->pos[k].index, dir, name)) < 0) {
			error = a;
			break;
		}
		snprintf(name, sizeof(name), "data.%s", pos_names[k]);
		if ((b = read_part(&wn->pos[k].data, dir, name)) < 0) {
			error = b;
			break;
		}
		if (a == 0 && b == 0) {
			found++;
			error = index_lines(&wn->pos[k]);
		} else {
			buf_release(&wn->pos[k].index);
			buf_release(&wn->pos[k].data);
		}
	}
	if (!error && !found)
		error = error_set(ENCLAVE_ENOTFOUND,
		                  "wordnet: cannot open '%s/index.noun' and its data.noun: no such"
		                  " file (install Debian's wordnet-base, or name the folder with"
		                  " --wordnet DIR)",
		                  dir);
	if (error) {
		wordnet_free(wn);
		return error;
	}
	*out = wn;
	return 0;
}

int wordnet_new_mem(struct wordnet **out, const char *index, size_t ilen, const char *data,
                    size_t dlen)
{
	struct wordnet *wn = calloc(1, sizeof(*wn));
	struct wn_pos *p;
	int error;

	*out = NULL;
	if (!wn)
		return error_oom();
	p = &wn->pos[0];
	p->index = (struct buf)BUF_INIT(ENCLAVE_MAX_WORDNET_FILE_BYTES);
	p->data = (struct buf)BUF_INIT(ENCLAVE_MAX_WORDNET_FILE_BYTES);
	if ((error = buf_put(&p->index, index, ilen)) < 0 ||
	    (error = buf_put(&p->data, data, dlen)) < 0) {
		wordnet_free(wn);
		return error_buf(error, "wordnet");
	}
	if ((error = index_lines(p)) < 0) {
		wordnet_free(wn);
		return error;
	}
	*out = wn;
	return 0;
}

void wordnet_free(struct wordnet *wn)
{
	if (!wn)
		return;
	for (int k = 0; k < 4; k++) {
		buf_release(&wn->pos[k].index);
		buf_release(&wn->pos[k].data);
		free(wn->pos[k].lines);
	}
	free(wn);
}

void wordnet_words_release(struct wordnet_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	w->n = 0;
}

/* Compare the lemma starting at s (up to a space) with key[0..n). */
static int lemma_cmp(const char *s, const char *end, const char *key, size_t n)
{
	size_t i = 0;

	for (; s + i < end && s[i] != ' ' && s[i] != '\n' && i < n; i++)
		if (s[i] != key[i])
			return (unsigned char)s[i] < (unsigned char)key[i] ? -1 : 1;
	if (i == n)
		return s + i < end && s[i] != ' ' && s[i] != '\n' ? 1 : 0;
	return -1;
}

/* The next space-separated field of [*p, end) (not crossing a newline). */
static int field(const char **p, const char *end, const char **f, size_t *fn)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	*f = s;
	while (s < end && *s != ' ' && *s != '\n')
		s++;
	*fn = (size_t)(s - *f);
	*p = s;
	return *fn ? 0 : -1;
}

static long num(const char *f, size_t n, int base)
{
	char t[24];

	if (n == 0 || n >= sizeof(t))
		return -1;
	memcpy(t, f, n);
	t[n] = 0;
	char *e;
	long v = strtol(t, &e, base);
	return *e ? -1 : v;
}

/* Add word f[0..n) (marker dropped, '_' as space) to out unless it is key or there already. */
static int add_word(struct wordnet_words *out, const char *f, size_t n, const char *key, size_t kn)
{
	char w[128];

	if (n && f[n - 1] == ')') {
		const char *o = memchr(f, '(', n);
		if (o)
			n = (size_t)(o - f);
	}
	if (n == 0 || n >= sizeof(w) || out->n >= 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		w[i] = f[i] == '_' ? ' ' : f[i];
	w[n] = 0;
	if (n == kn && !strncasecmp(f, key, n))
		return 0;
	for (size_t i = 0; i < out->n; i++)
		if (!strcasecmp(out->v[i], w))
			return 0;
	if (!(out->v[out->n] = strdup(w)))
		return error_oom();
	out->n++;
	return 0;
}

/* The words of the synset at byte `off` of p's data file. */
static int synset_words(struct wordnet_words *out, const struct wn_pos *p, long off,
                        const char *key, size_t kn)
{
	const char *s, *end, *f;
	size_t fn;
	long wc;
	int error;

	if (off < 0 || (size_t)off >= p->data.len || (off > 0 && p->data.ptr[off - 1] != '\n'))
		return error_set(ENCLAVE_EINVALID, "wordnet: synset offset %ld is not a line", off);
	end = p->data.ptr + p->data.len;
	s = p->data.ptr + off;
	if (field(&s, end, &f, &fn) < 0 || num(f, fn, 10) != off)
		return error_set(ENCLAVE_EINVALID, "wordnet: the line at %ld is not synset %ld",
		                 off, off);
	if (field(&s, end, &f, &fn) < 0 || field(&s, end, &f, &fn) < 0 ||
	    field(&s, end, &f, &fn) < 0 || (wc = num(f, fn, 16)) < 1)
		return error_set(ENCLAVE_EINVALID, "wordnet: synset %ld: a bad word count", off);
	for (long i = 0; i < wc; i++) {
		const char *lex;
		size_t ln;
		if (field(&s, end, &f, &fn) < 0 || field(&s, end, &lex, &ln) < 0)
			return error_set(ENCLAVE_EINVALID, "wordnet: synset %ld: cut short", off);
		if ((error = add_word(out, f, fn, key, kn)) < 0)
			return error;
	}
	return 0;
}

int wordnet_synonyms(struct wordnet_words *out, const struct wordnet *wn, const char *w, size_t n)
{
	char key[128];
	int error;

	out->n = 0;
	if (!wn || n == 0 || n >= sizeof(key))
		return 0;
	for (size_t i = 0; i < n; i++)
		key[i] = w[i] == ' ' ? '_' : w[i];
	for (int k = 0; k < 4; k++) {
		const struct wn_pos *p = &wn->pos[k];
		const char *end, *s, *f;
		size_t lo = 0, hi = p->nlines, fn;
		long cnt, pc;

		if (!p->nlines)
			continue; /* no file, or no entry: and no pointer arithmetic on NULL */
		end = p->index.ptr + p->index.len;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = lemma_cmp(p->index.ptr + p->lines[mid], end, key, n);
			if (c == 0) {
				lo = mid;
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo >= p->nlines || lemma_cmp(p->index.ptr + p->lines[lo], end, key, n) != 0)
			continue;
		s = p->index.ptr + p->lines[lo];
		/* lemma pos synset_cnt p_cnt [ptr...] sense_cnt tagsense_cnt offsets */
		if (field(&s, end, &f, &fn) < 0 || field(&s, end, &f, &fn) < 0 ||
		    field(&s, end, &f, &fn) < 0 || (cnt = num(f, fn, 10)) < 0 ||
		    field(&s, end, &f, &fn) < 0 || (pc = num(f, fn, 10)) < 0)
			return error_set(ENCLAVE_EINVALID,
			                 "wordnet: index.%s: a bad line for '%.*s'", pos_names[k],
			                 (int)n, w);
		for (long i = 0; i < pc + 2; i++)
			if (field(&s, end, &f, &fn) < 0)
				return error_set(ENCLAVE_EINVALID,
				                 "wordnet: index.%s: a line cut short ('%.*s')",
				                 pos_names[k], (int)n, w);
		for (long i = 0; i < cnt; i++) {
			if (field(&s, end, &f, &fn) < 0)
				return error_set(ENCLAVE_EINVALID,
				                 "wordnet: index.%s: offsets cut short ('%.*s')",
				                 pos_names[k], (int)n, w);
			if ((error = synset_words(out, p, num(f, fn, 10), key, n)) < 0)
				return error;
		}
	}
	return 0;
}
