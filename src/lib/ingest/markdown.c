/*
 * Markdown: a CommonMark-like block parser with GitHub's pipe tables, and an
 * inline pass that strips the markup and keeps the words.
 *
 * Blocks, line by line, no look-ahead:
 *   - ATX headings (# .. ######) and setext headings (a paragraph underlined
 *     with === or ---) become headings with their level. When the first
 *     block is a level-1 heading and it is the only one, it is also the
 *     document title (the block stays a heading); a "title:" in the front
 *     matter wins over it.
 *   - Paragraph lines are joined with a space; a hard break (two trailing
 *     spaces or a backslash) stays "\n".
 *   - List items ("-", "+", "*", "1." or "1)") become one list_item block
 *     each, the level from the indentation against the open items (level 1
 *     at the outside); the marker is not in the text, an ordered item's
 *     number is in attrs {"ordered":true,"number":N}. Text continuing an
 *     item after a nested list or a blank line becomes a list_item of its own
 *     at the item's level.
 *   - Fenced (``` and ~~~) and indented code become code blocks, verbatim
 *     (the fence's info word in attrs {"language":"c"}).
 *   - Block quotes lose their ">" markers and their content is parsed again
 *     as blocks (paragraphs mostly); nested quotes are flattened into one.
 *   - Pipe tables become table blocks: rows by "\n", cells by "\t", and
 *     attrs {"rows":[[...],...]}, the delimiter row dropped.
 *   - Thematic breaks, link reference definitions, HTML comments and
 *     <script>/<style> blocks are dropped; other HTML lines are text whose
 *     tags the inline pass drops.
 *   - YAML front matter (--- on line 1 up to --- or ...) is metadata, not
 *     text: metadata "front_matter" holds it raw, and simple "title:",
 *     "author:", "date:" and "description:" values are picked out.
 *
 * Inlines: emphasis and strike-through markers go (CommonMark's delimiter
 * rules, so snake_case and 2 * 3 stay), code spans keep their content
 * without the backticks, [text](url) and [text][ref] become "text",
 * ![alt](src) becomes "alt", <http://x> becomes "http://x", HTML tags go
 * (<br> becomes "\n"), backslash escapes and entities are decoded.
 *
 * Hostile input: every scan is bounded (link destinations, tags, brackets,
 * delimiter runs), so the work stays linear in the input.
 */
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "ingest_int.h"
#include "../../util/utf8.h"

/* Deepest list nesting told apart; deeper items share the last level. */
#define MD_MAX_LIST_DEPTH 32

/* Most emphasis runs and brackets tracked in one inline run; more are literal. */
#define MD_MAX_DELIMS 65536

/* Most open "[" at once; more are literal. */
#define MD_MAX_BRACKETS 64

/* Longest link destination, title, autolink or tag looked at (bytes). */
#define MD_MAX_SCAN 4096

/* Longest backtick run that may open a code span. */
#define MD_MAX_TICKS 32

/* ------------------------------------------------------------------ */
/* Character classes                                                  */
/* ------------------------------------------------------------------ */

/* Space or tab. */
static int is_sp(char c)
{
	return c == ' ' || c == '\t';
}

/* CommonMark white space for flanking: space, tab, newline, form feed; NUL marks an edge. */
static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
	       c == '\0';
}

/* ASCII punctuation. */
static int is_punct(char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
	       (c >= '{' && c <= '~');
}

/* ASCII letter. */
static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ASCII digit. */
static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ------------------------------------------------------------------ */
/* Inlines                                                            */
/* ------------------------------------------------------------------ */

/*
 * A delimiter: a run of emphasis characters, or the "[" / "![" of a
 * possible link, written to the output as text and dropped afterwards
 * (wholly or in part) when it turns out to be markup.
 */
struct delim {
	size_t pos;       /* of the run in the output */
	unsigned count;   /* run length in bytes */
	unsigned removed; /* bytes of the run to drop */
	char ch;          /* '*', '_', '~'; '[' or '!' for a bracket */
	unsigned char can_open, can_close;
	unsigned char active; /* a bracket that may still open a link */
	int prev, next;       /* the list of live emphasis runs; -1 at the ends */
};

/* The state of one inline run (a paragraph, a heading, a cell). */
struct inl {
	struct buf *out;
	size_t start; /* where this run's output begins in out */
	struct delim *d;
	size_t nd, cap;
	int tail; /* last live emphasis run, -1 if none */
	int brackets[MD_MAX_BRACKETS];
	int nbr;
	size_t no_ticks_from[MD_MAX_TICKS + 1]; /* no closing run of n ticks at or after */
	size_t no_comment_end_from;             /* no "-->" at or after */
};

/* Append one delimiter; returns its index, -1 past MD_MAX_DELIMS, or -2 on ENOMEM. */
static int delim_add(struct inl *in, char ch, unsigned count, int can_open, int can_close)
{
	struct delim *d;

	if (in->nd >= MD_MAX_DELIMS)
		return -1;
	if (in->nd == in->cap) {
		size_t ncap = in->cap ? in->cap * 2 : 32;
		if (!(d = realloc(in->d, ncap * sizeof(*d))))
			return -2;
		in->d = d;
		in->cap = ncap;
	}
	d = &in->d[in->nd];
	memset(d, 0, sizeof(*d));
	d->pos = in->out->len;
	d->count = count;
	d->ch = ch;
	d->can_open = (unsigned char)can_open;
	d->can_close = (unsigned char)can_close;
	d->active = 1;
	d->prev = d->next = -1;
	if (ch != '[' && ch != '!') {
		d->prev = in->tail;
		if (in->tail >= 0)
			in->d[in->tail].next = (int)in->nd;
		in->tail = (int)in->nd;
	}
	return (int)in->nd++;
}

/* Unlink emphasis run `i` from the live list. */
static void delim_unlink(struct inl *in, int i)
{
	struct delim *d = &in->d[i];

	if (d->prev >= 0)
		in->d[d->prev].next = d->next;
	if (d->next >= 0)
		in->d[d->next].prev = d->prev;
	else
		in->tail = d->prev;
	d->prev = d->next = -1;
}

/* Index 0..2 of an emphasis character, for the openers-bottom table. */
static int emph_index(char ch)
{
	return ch == '*' ? 0 : ch == '_' ? 1 : 2;
}

/*
 * Match the live emphasis runs after delimiter `bottom` (-1: all), as
 * CommonMark's "process emphasis" does, marking the bytes to drop; then
 * take them off the live list.
 */
static void process_emphasis(struct inl *in, int bottom)
{
	int obottom[3][2][3], c, i, j, k;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 2; j++)
			for (k = 0; k < 3; k++)
				obottom[i][j][k] = bottom;
	c = in->tail;
	while (c >= 0 && in->d[c].prev > bottom)
		c = in->d[c].prev;
	if (c >= 0 && c <= bottom)
		c = -1;
	while (c >= 0) {
		struct delim *cl = &in->d[c];
		int *ob = &obottom[emph_index(cl->ch)][cl->can_open][cl->count % 3];
		int o, found = -1;
		unsigned n;

		if (!cl->can_close || cl->removed == cl->count) {
			c = cl->next;
			continue;
		}
		for (o = cl->prev; o >= 0 && o > bottom && o > *ob; o = in->d[o].prev) {
			struct delim *op = &in->d[o];
			if (op->ch != cl->ch || !op->can_open || op->removed == op->count)
				continue;
			if ((op->can_close || cl->can_open) && (op->count + cl->count) % 3 == 0 &&
			    !(op->count % 3 == 0 && cl->count % 3 == 0))
				continue;
			found = o;
			break;
		}
		if (found < 0) {
			int next = cl->next;
			*ob = cl->prev >= 0 ? cl->prev : bottom;
			if (!cl->can_open)
				delim_unlink(in, c);
			c = next;
			continue;
		}
		{
			struct delim *op = &in->d[found];
			unsigned ro = op->count - op->removed, rc = cl->count - cl->removed;

			if (cl->ch == '~')
				n = ro < rc ? ro : rc;
			else
				n = ro >= 2 && rc >= 2 ? 2 : 1;
			op->removed += n;
			cl->removed += n;
			while (op->next >= 0 && op->next != c)
				delim_unlink(in, op->next);
			if (op->removed == op->count)
				delim_unlink(in, found);
			if (cl->removed == cl->count) {
				int next = cl->next;
				delim_unlink(in, c);
				c = next;
			}
		}
	}
	while (in->tail >= 0 && in->tail > bottom)
		delim_unlink(in, in->tail);
}

/* Drop the bytes the delimiters marked, closing the gaps in the output. */
static void compact(struct inl *in)
{
	char *p = in->out->ptr;
	size_t i, r, w;

	if (!p)
		return;
	r = w = in->d && in->nd ? in->d[0].pos : in->out->len;
	for (i = 0; i < in->nd; i++) {
		struct delim *d = &in->d[i];
		size_t gap = d->pos - r;

		memmove(p + w, p + r, gap);
		w += gap;
		r = d->pos;
		memmove(p + w, p + r, d->count - d->removed);
		w += d->count - d->removed;
		r += d->count;
	}
	memmove(p + w, p + r, in->out->len - r);
	w += in->out->len - r;
	in->out->len = w;
	p[w] = '\0';
}

/* Length of the run of `c` at s[i..len). */
static size_t run_length(const char *s, size_t len, size_t i, char c)
{
	size_t n = 0;

	while (i + n < len && s[i + n] == c)
		n++;
	return n;
}

/*
 * Find the backtick run of exactly `n` closing a code span opened before
 * s[from]. Returns its position or (size_t)-1.
 */
static size_t code_close(struct inl *in, const char *s, size_t len, size_t from, size_t n)
{
	size_t i = from;

	if (in->no_ticks_from[n] != (size_t)-1 && from >= in->no_ticks_from[n])
		return (size_t)-1;
	while (i < len) {
		const char *t = memchr(s + i, '`', len - i);
		size_t r;
		if (!t)
			break;
		i = (size_t)(t - s);
		r = run_length(s, len, i, '`');
		if (r == n)
			return i;
		i += r;
	}
	if (in->no_ticks_from[n] == (size_t)-1 || from < in->no_ticks_from[n])
		in->no_ticks_from[n] = from;
	return (size_t)-1;
}

/* Append a code point as UTF-8. */
static int put_cp(struct buf *out, uint32_t c)
{
	char enc[4];

	return buf_put(out, enc, utf8_encode(c, enc));
}

/*
 * Decode an entity at s[i] == '&'. Returns its length and appends its
 * value, or returns 0 when it is not one (nothing appended), or a BUF_E*
 * code.
 */
static long entity(struct buf *out, const char *s, size_t len, size_t i)
{
	size_t j = i + 1, n = 0;
	uint32_t v = 0;
	char name[33];
	const htmlEntityDesc *e;
	int error;

	if (j < len && s[j] == '#') {
		int hex = j + 1 < len && (s[j + 1] == 'x' || s[j + 1] == 'X');
		j += hex ? 2 : 1;
		while (j < len && n < (hex ? 6u : 7u) &&
		       (is_digit(s[j]) || (hex && ((s[j] | 32) >= 'a' && (s[j] | 32) <= 'f')))) {
			v = v * (hex ? 16 : 10) +
			    (uint32_t)(is_digit(s[j]) ? s[j] - '0' : (s[j] | 32) - 'a' + 10);
			j++, n++;
		}
		if (!n || j >= len || s[j] != ';')
			return 0;
		if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			v = 0xfffd;
		if ((error = put_cp(out, v)) < 0)
			return error;
		return (long)(j + 1 - i);
	}
	while (j < len && n < 32 && (is_alpha(s[j]) || is_digit(s[j])))
		name[n++] = s[j++];
	if (!n || j >= len || s[j] != ';')
		return 0;
	name[n] = '\0';
	if (!(e = htmlEntityLookup((const xmlChar *)name)))
		return 0;
	if ((error = put_cp(out, e->value == 0xa0 ? ' ' : e->value)) < 0)
		return error;
	return (long)(j + 1 - i);
}

/*
 * An autolink at s[i] == '<': <scheme:...> or <user@host>. Returns the
 * length of the whole and sets [*b, *e) to the link, or 0.
 */
static size_t autolink(const char *s, size_t len, size_t i, size_t *b, size_t *e)
{
	size_t j = i + 1, n = 0, lim = len - i > MD_MAX_SCAN ? i + MD_MAX_SCAN : len;

	if (j < lim && is_alpha(s[j])) {
		while (j < lim && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '+' || s[j] == '.' ||
		                   s[j] == '-'))
			j++, n++;
		if (n >= 2 && n <= 32 && j < lim && s[j] == ':') {
			while (j < lim && !is_ws(s[j]) && s[j] != '<' && s[j] != '>' &&
			       (unsigned char)s[j] >= 0x20)
				j++;
			if (j < lim && s[j] == '>') {
				*b = i + 1, *e = j;
				return j + 1 - i;
			}
			return 0;
		}
	}
	/* An e-mail address. */
	j = i + 1, n = 0;
	while (j < lim &&
	       (is_alpha(s[j]) || is_digit(s[j]) || (s[j] && strchr(".!#$%&'*+/=?^_`{|}~-", s[j]))))
		j++, n++;
	if (!n || j >= lim || s[j] != '@')
		return 0;
	j++, n = 0;
	while (j < lim && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '-' || s[j] == '.'))
		j++, n++;
	if (!n || j >= lim || s[j] != '>')
		return 0;
	*b = i + 1, *e = j;
	return j + 1 - i;
}

/*
 * Raw HTML at s[i] == '<': a tag, a closing tag or a comment. Returns its
 * length (0 when it is not one); *br is set for <br>.
 */
static size_t html_tag(struct inl *in, const char *s, size_t len, size_t i, int *br)
{
	size_t j = i + 1, lim = len - i > MD_MAX_SCAN ? i + MD_MAX_SCAN : len, name;
	char quote = 0;

	*br = 0;
	if (len - i >= 4 && !memcmp(s + i, "<!--", 4)) {
		const char *end;
		if (in->no_comment_end_from != (size_t)-1 && i >= in->no_comment_end_from)
			return 0;
		end = memmem(s + i + 4, len - i - 4, "-->", 3);
		if (!end) {
			in->no_comment_end_from = i;
			return 0;
		}
		return (size_t)(end + 3 - (s + i));
	}
	if (j < lim && s[j] == '/')
		j++;
	if (j >= lim || !is_alpha(s[j]))
		return 0;
	name = j;
	while (j < lim && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '-'))
		j++;
	if (j - name == 2 && !strncasecmp(s + name, "br", 2) && s[i + 1] != '/')
		*br = 1;
	if (j < lim && !is_ws(s[j]) && s[j] != '>' && s[j] != '/')
		return 0;
	for (; j < lim; j++) {
		if (quote) {
			if (s[j] == quote)
				quote = 0;
		} else if (s[j] == '"' || s[j] == '\'') {
			quote = s[j];
		} else if (s[j] == '>') {
			return j + 1 - i;
		} else if (s[j] == '<') {
			return 0;
		}
	}
	return 0;
}

/*
 * The tail of an inline link or reference after "]" at s[i]: "(dest
 * "title")", "[label]" or "[]". Returns its length, or 0.
 */
static size_t link_tail(const char *s, size_t len, size_t i)
{
	size_t j = i, lim = len - i > MD_MAX_SCAN ? i + MD_MAX_SCAN : len;
	int depth = 0;

	if (j < lim && s[j] == '[') {
		for (j++; j < lim && j - i <= 1000; j++) {
			if (s[j] == '\\' && j + 1 < lim)
				j++;
			else if (s[j] == '[')
				return 0;
			else if (s[j] == ']')
				return j + 1 - i;
		}
		return 0;
	}
	if (j >= lim || s[j] != '(')
		return 0;
	j++;
	while (j < lim && is_ws(s[j]))
		j++;
	if (j < lim && s[j] == '<') {
		for (j++; j < lim && s[j] != '>' && s[j] != '\n' && s[j] != '<'; j++)
			if (s[j] == '\\' && j + 1 < lim)
				j++;
		if (j >= lim || s[j] != '>')
			return 0;
		j++;
	} else {
		for (; j < lim && !is_ws(s[j]) && (unsigned char)s[j] >= 0x20; j++) {
			if (s[j] == '\\' && j + 1 < lim)
				j++;
			else if (s[j] == '(' && ++depth > 32)
				return 0;
			else if (s[j] == ')' && depth-- == 0)
				break;
		}
	}
	while (j < lim && is_ws(s[j]))
		j++;
	if (j < lim && (s[j] == '"' || s[j] == '\'' || s[j] == '(')) {
		char close = s[j] == '(' ? ')' : s[j];
		for (j++; j < lim && s[j] != close; j++)
			if (s[j] == '\\' && j + 1 < lim)
				j++;
		if (j >= lim)
			return 0;
		j++;
		while (j < lim && is_ws(s[j]))
			j++;
	}
	if (j >= lim || s[j] != ')')
		return 0;
	return j + 1 - i;
}

/* Drop the spaces and tabs at the end of the output (not before `floor`). */
static void trim_out(struct buf *out, size_t floor)
{
	while (out->len > floor && is_sp(out->ptr[out->len - 1]))
		out->len--;
	if (out->ptr)
		out->ptr[out->len] = '\0';
}

/*
 * Render the inline markup of s[0..len) as plain text, appended to `out`.
 * Returns 0 or ENCLAVE_E*.
 */
static int render_inline(struct buf *out, const char *s, size_t len)
{
	struct inl in;
	size_t i = 0, k;
	int error = 0;

	memset(&in, 0, sizeof(in));
	in.out = out;
	in.start = out->len;
	in.tail = -1;
	for (k = 0; k <= MD_MAX_TICKS; k++)
		in.no_ticks_from[k] = (size_t)-1;
	in.no_comment_end_from = (size_t)-1;

	while (i < len && !error) {
		char c = s[i];
		size_t n, b, e;
		long ent;
		int br, idx;

		switch (c) {
		case '\\':
			if (i + 1 < len && s[i + 1] == '\n') {
				trim_out(out, in.start);
				error = buf_putc(out, '\n');
				i += 2;
				while (i < len && is_sp(s[i]))
					i++;
			} else if (i + 1 < len && is_punct(s[i + 1])) {
				error = buf_putc(out, s[i + 1]);
				i += 2;
			} else {
				error = buf_putc(out, c);
				i++;
			}
			continue;
		case '`':
			n = run_length(s, len, i, '`');
			e = n <= MD_MAX_TICKS ? code_close(&in, s, len, i + n, n) : (size_t)-1;
			if (e != (size_t)-1) {
				size_t cb = i + n, ce = e, q;
				int all_space = 1;
				for (q = cb; q < ce; q++)
					if (s[q] != ' ' && s[q] != '\n')
						all_space = 0;
				if (!all_space && ce - cb >= 2 && (s[cb] == ' ' || s[cb] == '\n') &&
				    (s[ce - 1] == ' ' || s[ce - 1] == '\n'))
					cb++, ce--;
				for (q = cb; q < ce && !error; q++)
					error = buf_putc(out, s[q] == '\n' ? ' ' : s[q]);
				i = e + n;
			} else {
				error = buf_put(out, s + i, n);
				i += n;
			}
			continue;
		case '*':
		case '_':
		case '~': {
			char before = i ? s[i - 1] : '\0', after;
			int left, right, can_open, can_close;

			n = run_length(s, len, i, c);
			after = i + n < len ? s[i + n] : '\0';
			left = !is_ws(after) &&
			       (!is_punct(after) || is_ws(before) || is_punct(before));
			right = !is_ws(before) &&
			        (!is_punct(before) || is_ws(after) || is_punct(after));
			if (c == '_') {
				can_open = left && (!right || is_punct(before));
				can_close = right && (!left || is_punct(after));
			} else {
				can_open = left;
				can_close = right;
			}
			if (c == '~' && n > 2)
				can_open = can_close = 0;
			if ((can_open || can_close) &&
			    (idx = delim_add(&in, c, (unsigned)n, can_open, can_close)) == -2)
				error = BUF_ENOMEM;
			if (!error)
				error = buf_put(out, s + i, n);
			i += n;
			continue;
		}
		case '!':
			if (i + 1 < len && s[i + 1] == '[' && in.nbr < MD_MAX_BRACKETS) {
				if ((idx = delim_add(&in, '!', 2, 0, 0)) == -2)
					error = BUF_ENOMEM;
				else if (idx >= 0)
					in.brackets[in.nbr++] = idx;
				if (!error)
					error = buf_put(out, "![", 2);
				i += 2;
				continue;
			}
			break;
		case '[':
			if (in.nbr < MD_MAX_BRACKETS) {
				if ((idx = delim_add(&in, '[', 1, 0, 0)) == -2)
					error = BUF_ENOMEM;
				else if (idx >= 0)
					in.brackets[in.nbr++] = idx;
			}
			if (!error)
				error = buf_putc(out, '[');
			i++;
			continue;
		case ']':
			if (in.nbr > 0) {
				int open = in.brackets[--in.nbr];
				struct delim *d = &in.d[open];
				if (d->active && (n = link_tail(s, len, i + 1)) > 0) {
					d->removed = d->count;
					process_emphasis(&in, open);
					if (d->ch == '[')
						for (k = 0; k < (size_t)in.nbr; k++)
							if (in.d[in.brackets[k]].ch == '[')
								in.d[in.brackets[k]].active = 0;
					i += 1 + n;
					continue;
				}
			}
			break;
		case '<':
			if ((n = autolink(s, len, i, &b, &e)) > 0) {
				error = buf_put(out, s + b, e - b);
				i += n;
				continue;
			}
			if ((n = html_tag(&in, s, len, i, &br)) > 0) {
				if (br) {
					trim_out(out, in.start);
					error = buf_putc(out, '\n');
				}
				i += n;
				/* No double space where a tag or comment went. */
				if (out->len == in.start || out->ptr[out->len - 1] == ' ' ||
				    out->ptr[out->len - 1] == '\n')
					while (i < len && is_sp(s[i]))
						i++;
				continue;
			}
			break;
		case '&':
			if ((ent = entity(out, s, len, i)) > 0) {
				i += (size_t)ent;
				continue;
			}
			if (ent < 0)
				error = (int)ent;
			break;
		case '\n': {
			size_t sp = 0;
			while (out->len - sp > in.start && out->ptr[out->len - sp - 1] == ' ')
				sp++;
			trim_out(out, in.start);
			error = buf_putc(out, sp >= 2 ? '\n' : ' ');
			i++;
			while (i < len && is_sp(s[i]))
				i++;
			continue;
		}
		default:
			/* Copy a run of bytes that mean nothing to the inline grammar. */
			for (n = i + 1; n < len && !strchr("\\`*_~![]<&\n", s[n]); n++)
				;
			error = buf_put(out, s + i, n - i);
			i = n;
			continue;
		}
		if (!error)
			error = buf_putc(out, c);
		i++;
	}
	if (!error) {
		process_emphasis(&in, -1);
		compact(&in);
	}
	free(in.d);
	return error < 0 ? error_buf(error, "markdown text") : 0;
}

/* ------------------------------------------------------------------ */
/* Lines                                                              */
/* ------------------------------------------------------------------ */

/* One line of the input, without its "\n". */
struct line {
	const char *s, *end;
	size_t indent;    /* columns of leading white space (tab stops of 4) */
	const char *body; /* first non-blank byte (end when blank) */
};

/* Fill `l` for [s, end). */
static void line_init(struct line *l, const char *s, const char *end)
{
	const char *p = s;
	size_t col = 0;

	while (p < end && is_sp(*p)) {
		col = *p == '\t' ? (col / 4 + 1) * 4 : col + 1;
		p++;
	}
	l->s = s, l->end = end, l->indent = col, l->body = p;
}

/* Is the line blank? */
static int line_blank(const struct line *l)
{
	const char *p;

	for (p = l->body; p < l->end; p++)
		if (!is_ws(*p))
			return 0;
	return 1;
}

/* The line with up to `cols` columns of indentation removed. */
static const char *strip_cols(const struct line *l, size_t cols)
{
	const char *p = l->s;
	size_t col = 0;

	while (p < l->end && is_sp(*p) && col < cols) {
		col = *p == '\t' ? (col / 4 + 1) * 4 : col + 1;
		p++;
	}
	return p;
}

/* The end of [b, e) without its trailing white space. */
static const char *rtrim(const char *b, const char *e)
{
	while (e > b && is_ws(e[-1]))
		e--;
	return e;
}

/* A thematic break: three or more of one of - * _ and nothing but blanks. */
static int is_thematic(const struct line *l)
{
	const char *p;
	char c = *l->body;
	int n = 0;

	if (l->indent >= 4 || l->body >= l->end || (c != '-' && c != '*' && c != '_'))
		return 0;
	for (p = l->body; p < l->end; p++) {
		if (*p == c)
			n++;
		else if (!is_ws(*p))
			return 0;
	}
	return n >= 3;
}

/* A setext underline: '=' or '-' if the line is a run of one of them, else 0. */
static char setext_char(const struct line *l)
{
	const char *p = l->body, *e = rtrim(l->body, l->end);
	char c = p < e ? *p : 0;

	if (l->indent >= 4 || (c != '=' && c != '-'))
		return 0;
	while (p < e && *p == c)
		p++;
	return p == e ? c : 0;
}

/*
 * An ATX heading: returns its level (1-6) and sets [*tb, *te) to its text
 * without the closing #s, or returns 0.
 */
static int atx_heading(const struct line *l, const char **tb, const char **te)
{
	const char *p = l->body, *e;
	int level = 0;

	if (l->indent >= 4)
		return 0;
	while (p < l->end && *p == '#' && level < 7)
		p++, level++;
	if (level == 0 || level > 6 || (p < l->end && !is_sp(*p)))
		return 0;
	while (p < l->end && is_sp(*p))
		p++;
	e = rtrim(p, l->end);
	/* A closing sequence: #s after a space, or the whole text. */
	{
		const char *h = e;
		while (h > p && h[-1] == '#')
			h--;
		if (h < e && (h == p || is_sp(h[-1])))
			e = rtrim(p, h);
	}
	*tb = p, *te = e;
	return level;
}

/*
 * A code fence opening: sets *ch, *n and [*ib, *ie) (the info string) and
 * returns 1, or returns 0.
 */
static int fence_open(const struct line *l, size_t base, char *ch, size_t *n, const char **ib,
                      const char **ie)
{
	const char *p = l->body, *q;
	char c = p < l->end ? *p : 0;
	size_t r = 0;

	if (l->indent >= base + 4 || (c != '`' && c != '~'))
		return 0;
	while (p + r < l->end && p[r] == c)
		r++;
	if (r < 3)
		return 0;
	q = p + r;
	while (q < l->end && is_sp(*q))
		q++;
	if (c == '`' && memchr(q, '`', (size_t)(l->end - q)))
		return 0;
	*ch = c, *n = r, *ib = q, *ie = rtrim(q, l->end);
	return 1;
}

/* Does the line close a fence of `n` `ch`? */
static int fence_close(const struct line *l, size_t base, char ch, size_t n)
{
	const char *p = l->body;
	size_t r = 0;

	if (l->indent >= base + 4)
		return 0;
	while (p + r < l->end && p[r] == ch)
		r++;
	return r >= n && rtrim(p + r, l->end) == p + r;
}

/* A list marker at the start of a line's body. */
struct marker {
	const char *content; /* the item's first text */
	size_t content_col;  /* its column: the indentation of continuation lines */
	long number;         /* -1 for a bullet */
	int empty;           /* nothing follows the marker */
};

/* Parse a list marker; returns 1 and fills `mk`, or 0. */
static int list_marker(const struct line *l, struct marker *mk)
{
	const char *p = l->body, *q;
	size_t col = l->indent, sp = 0, n = 0;
	long v = 0;

	if (p >= l->end)
		return 0;
	if (*p == '-' || *p == '+' || *p == '*') {
		mk->number = -1;
		p++;
	} else {
		while (p + n < l->end && n < 10 && is_digit(p[n]))
			v = v * 10 + (p[n] - '0'), n++;
		if (n == 0 || n > 9 || p + n >= l->end || (p[n] != '.' && p[n] != ')'))
			return 0;
		mk->number = v;
		p += n + 1;
	}
	col += (size_t)(p - l->body);
	if (p < l->end && !is_sp(*p))
		return 0;
	q = p;
	while (q < l->end && is_sp(*q)) {
		size_t ncol = *q == '\t' ? (col / 4 + 1) * 4 : col + 1;
		sp += ncol - col;
		col = ncol;
		q++;
	}
	mk->empty = rtrim(q, l->end) == q;
	if (mk->empty || sp > 4) {
		/* Content on the next lines, or indented code: one space belongs to the marker. */
		mk->content_col = col - sp + 1;
		mk->content = mk->empty ? l->end : p + 1;
	} else {
		mk->content_col = col;
		mk->content = q;
	}
	return 1;
}

/* A GFM table delimiter row ("| --- | :-: |"); returns its cell count or 0. */
static size_t table_delim(const struct line *l)
{
	const char *p = l->body, *e = rtrim(l->body, l->end);
	size_t cells = 0;
	int pipes = 0, dashes = 0;

	if (l->indent >= 4 || p >= e)
		return 0;
	if (*p == '|')
		p++, pipes++;
	while (p < e) {
		while (p < e && is_sp(*p))
			p++;
		if (p < e && *p == ':')
			p++;
		dashes = 0;
		while (p < e && *p == '-')
			p++, dashes++;
		if (p < e && *p == ':')
			p++;
		while (p < e && is_sp(*p))
			p++;
		if (!dashes)
			return 0;
		cells++;
		if (p < e) {
			if (*p != '|')
				return 0;
			p++, pipes++;
		}
	}
	return pipes ? cells : 0;
}

/*
 * Split a table row into raw cells, each cell i at [cb[i], ce[i]) trimmed.
 * Returns the number of cells (stops after `max`).
 */
static size_t table_cells(const char *s, const char *end, const char **cb, const char **ce,
                          size_t max)
{
	const char *p = s, *e = rtrim(s, end), *start;
	size_t n = 0;

	while (p < e && is_sp(*p))
		p++;
	if (p < e && *p == '|')
		p++;
	start = p;
	while (p <= e && n < max) {
		if (p == e || *p == '|') {
			const char *b = start, *x = p;
			if (p == e && b == e)
				break; /* a trailing pipe closes the row */
			while (b < x && is_sp(*b))
				b++;
			cb[n] = b, ce[n] = rtrim(b, x);
			n++;
			if (p == e)
				break;
			start = p + 1;
		} else if (*p == '\\' && p + 1 < e) {
			p++;
		}
		p++;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Blocks                                                             */
/* ------------------------------------------------------------------ */

/* The document-wide state. */
struct md {
	struct enclave_doc *doc;
	size_t first_block; /* doc->nblocks when parsing began */
	int first_is_h1;    /* the first block was a level-1 heading */
	size_t h1_count;
	struct buf scratch; /* rendered inline text */
};

enum state { S_NONE, S_PARA, S_FENCE, S_ICODE, S_TABLE, S_QUOTE, S_SKIP_HTML, S_SKIP_COMMENT };

/* The state of one block parse (the document, or one block quote's content). */
struct blocks {
	struct md *m;
	int depth; /* 0: the document; 1: inside a block quote */
	enum state st;
	struct buf para;  /* raw paragraph or list item text, lines joined by "\n" */
	size_t para_last; /* offset of the paragraph's last line */
	int item;         /* para is a list item's text */
	int item_level;
	long item_number;
	struct {
		size_t marker, content;
	} list[MD_MAX_LIST_DEPTH];
	int nlist;      /* open list items, outermost first */
	int list_blank; /* a blank line since the last item text */
	char fence_ch;
	size_t fence_len, fence_indent;
	char lang[64];
	struct buf code;  /* fenced or indented code */
	size_t code_keep; /* indented code: length without trailing blank lines */
	struct buf table; /* table text: cells by "\t", rows by "\n" */
	json_t *rows;
	size_t ncols;
	struct buf quote;     /* block quote content, markers stripped */
	int quote_lazy;       /* the last quote line may be continued lazily */
	const char *skip_end; /* closing tag of a skipped HTML block */
};

static int parse_blocks(struct md *m, const char *text, size_t len, int depth);

/*
 * Render `raw` inline and add the result as a block of `kind`. Returns 0
 * or ENCLAVE_E*.
 */
static int emit_inline(struct blocks *b, enclave_block_kind kind, int level, const char *attrs,
                       const char *raw, size_t len)
{
	struct enclave_block t = doc_block_template(kind, level, "markup");
	struct md *m = b->m;
	size_t before = m->doc->nblocks;
	int error;

	buf_clear(&m->scratch);
	if ((error = render_inline(&m->scratch, raw, len)) < 0)
		return error;
	t.attrs = attrs;
	if ((error = doc_add_block(m->doc, &t, m->scratch.ptr ? m->scratch.ptr : "",
	                           m->scratch.len)) < 0)
		return error;
	if (b->depth == 0 && kind == ENCLAVE_BLOCK_HEADING && level == 1 &&
	    m->doc->nblocks > before) {
		if (before == m->first_block)
			m->first_is_h1 = 1;
		m->h1_count++;
	}
	return 0;
}

/* Emit the pending paragraph or list item, if any. */
static int flush_para(struct blocks *b)
{
	char attrs[64];
	int error = 0;

	if (b->st != S_PARA)
		return 0;
	b->st = S_NONE;
	if (b->item) {
		attrs[0] = '\0';
		if (b->item_number >= 0)
			snprintf(attrs, sizeof(attrs), "{\"ordered\":true,\"number\":%ld}",
			         b->item_number);
		error = emit_inline(b, ENCLAVE_BLOCK_LIST_ITEM, b->item_level,
		                    attrs[0] ? attrs : NULL, b->para.ptr, b->para.len);
	} else {
		error = emit_inline(b, ENCLAVE_BLOCK_PARAGRAPH, 0, NULL, b->para.ptr, b->para.len);
	}
	buf_clear(&b->para);
	b->item = 0;
	return error;
}

/* Append a raw line to the paragraph, starting one when none is open. */
static int para_add(struct blocks *b, const char *s, const char *e)
{
	int error;

	if (b->st != S_PARA) {
		b->st = S_PARA;
		buf_clear(&b->para);
	}
	if (b->para.len && (error = buf_putc(&b->para, '\n')) < 0)
		return error_buf(error, "markdown paragraph");
	b->para_last = b->para.len;
	if ((error = buf_put(&b->para, s, (size_t)(e - s))) < 0)
		return error_buf(error, "markdown paragraph");
	return 0;
}

/* Emit the pending code block. */
static int flush_code(struct blocks *b)
{
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_CODE, 0, "markup");
	char *attrs = NULL;
	int error = 0;

	if (b->st == S_ICODE)
		buf_truncate(&b->code, b->code_keep);
	b->st = S_NONE;
	if (b->lang[0]) {
		json_t *o = json_pack("{s:s}", "language", b->lang);
		if (!o || !(attrs = json_dumps(o, JSON_COMPACT))) {
			json_decref(o);
			return error_oom();
		}
		json_decref(o);
		t.attrs = attrs;
	}
	if (b->code.len)
		error = doc_add_block(b->m->doc, &t, b->code.ptr, b->code.len);
	free(attrs);
	buf_clear(&b->code);
	b->lang[0] = '\0';
	return error;
}

/* Add a raw table row: its cells rendered, padded or cut to the header's count. */
static int table_row(struct blocks *b, const char *s, const char *e)
{
	const char *cb[256], *ce[256];
	size_t n = table_cells(s, e, cb, ce, b->ncols < 256 ? b->ncols : 256), i;
	json_t *row = json_array();
	int error = 0;

	if (!row || json_array_append_new(b->rows, row) < 0)
		return error_oom();
	if (b->table.len && (error = buf_putc(&b->table, '\n')) < 0)
		return error_buf(error, "markdown table");
	for (i = 0; i < b->ncols && i < 256; i++) {
		struct buf *sc = &b->m->scratch;
		size_t k;

		buf_clear(sc);
		if (i < n && (error = render_inline(sc, cb[i], (size_t)(ce[i] - cb[i]))) < 0)
			return error;
		for (k = 0; k < sc->len; k++)
			if (sc->ptr[k] == '\t' || sc->ptr[k] == '\n')
				sc->ptr[k] = ' ';
		if (i && (error = buf_putc(&b->table, '\t')) < 0)
			return error_buf(error, "markdown table");
		if ((error = buf_put(&b->table, sc->ptr ? sc->ptr : "", sc->len)) < 0)
			return error_buf(error, "markdown table");
		if (json_array_append_new(row, json_stringn(sc->ptr ? sc->ptr : "", sc->len)) < 0)
			return error_oom();
	}
	return 0;
}

/* Emit the pending table. */
static int flush_table(struct blocks *b)
{
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_TABLE, 0, "markup");
	json_t *o;
	char *attrs = NULL;
	int error;

	b->st = S_NONE;
	if (!(o = json_pack("{s:O}", "rows", b->rows)))
		return error_oom();
	attrs = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!attrs)
		return error_oom();
	t.attrs = attrs;
	if (strlen(attrs) > ENCLAVE_MAX_FIELD_BYTES)
		error = error_set(ENCLAVE_ELIMIT, "a table larger than %zu bytes",
		                  ENCLAVE_MAX_FIELD_BYTES);
	else
		error =
		    doc_add_block(b->m->doc, &t, b->table.ptr ? b->table.ptr : "", b->table.len);
	free(attrs);
	json_array_clear(b->rows);
	buf_clear(&b->table);
	return error;
}

/* Parse the pending block quote's content as blocks. */
static int flush_quote(struct blocks *b)
{
	int error;

	b->st = S_NONE;
	error = parse_blocks(b->m, b->quote.ptr ? b->quote.ptr : "", b->quote.len, b->depth + 1);
	buf_clear(&b->quote);
	return error;
}

/* Close whatever block is open (at the end, or before another block). */
static int flush_any(struct blocks *b)
{
	switch (b->st) {
	case S_PARA: return flush_para(b);
	case S_FENCE:
	case S_ICODE: return flush_code(b);
	case S_TABLE: return flush_table(b);
	case S_QUOTE: return flush_quote(b);
	default: b->st = S_NONE; return 0;
	}
}

/* Does the line start a block that ends a lazy continuation or a table? */
static int starts_block(const struct line *l)
{
	const char *tb, *te, *ib, *ie;
	char ch;
	size_t n;

	if (l->indent >= 4 || l->body >= l->end)
		return 0;
	return *l->body == '>' || is_thematic(l) || atx_heading(l, &tb, &te) ||
	       fence_open(l, 0, &ch, &n, &ib, &ie);
}

/*
 * Append a quote line to the quote buffer with all its ">" markers (and
 * the optional space after each) removed.
 */
static int quote_add(struct blocks *b, const char *p, const char *e)
{
	struct line l;
	int error;

	for (;;) {
		line_init(&l, p, e);
		if (l.indent >= 4 || l.body >= e || *l.body != '>')
			break;
		p = l.body + 1;
		if (p < e && is_sp(*p))
			p++;
	}
	if ((error = buf_put(&b->quote, p, (size_t)(e - p))) < 0 ||
	    (error = buf_putc(&b->quote, '\n')) < 0)
		return error_buf(error, "markdown quote");
	line_init(&l, p, e);
	b->quote_lazy = !line_blank(&l) && l.indent < 4;
	return 0;
}

/* Is `tag` (lowercase) the start of the line's body, as "<tag" then space, ">" or end? */
static int html_starts(const struct line *l, const char *tag)
{
	size_t n = strlen(tag);

	return l->end - l->body > (ptrdiff_t)n && l->body[0] == '<' &&
	       !strncasecmp(l->body + 1, tag, n) &&
	       (l->body + 1 + n == l->end || is_ws(l->body[1 + n]) || l->body[1 + n] == '>');
}

/* Does [s, e) contain `needle`, ignoring case? */
static int contains_ci(const char *s, const char *e, const char *needle)
{
	size_t n = strlen(needle);

	for (; e - s >= (ptrdiff_t)n; s++)
		if (!strncasecmp(s, needle, n))
			return 1;
	return 0;
}

/* A link reference definition line: "[label]: destination". */
static int is_link_def(const struct line *l)
{
	const char *p = l->body;

	if (l->indent >= 4 || p >= l->end || *p != '[' || (p + 1 < l->end && p[1] == '^'))
		return 0;
	for (p++; p < l->end && *p != ']'; p++)
		if (*p == '\\' && p + 1 < l->end)
			p++;
	if (p + 1 >= l->end || p[1] != ':' || p == l->body + 1)
		return 0;
	for (p += 2; p < l->end && is_sp(*p); p++)
		;
	return p < l->end;
}

/* Start a list item at marker `mk` of line `l`, nesting by indentation. */
static int start_item(struct blocks *b, const struct line *l, const struct marker *mk)
{
	int error;

	if ((error = flush_any(b)) < 0)
		return error;
	while (b->nlist > 0 && l->indent < b->list[b->nlist - 1].content)
		b->nlist--;
	if (b->nlist < MD_MAX_LIST_DEPTH) {
		b->list[b->nlist].marker = l->indent;
		b->list[b->nlist].content = mk->content_col;
		b->nlist++;
	} else {
		b->list[b->nlist - 1].content = mk->content_col;
	}
	b->item = 1;
	b->item_level = b->nlist;
	b->item_number = mk->number;
	b->list_blank = 0;
	if ((error = para_add(b, mk->content, l->end)) < 0)
		return error;
	return 0;
}

/* Open a fenced code block at line `l`. */
static int open_fence(struct blocks *b, const struct line *l, char ch, size_t n, const char *ib,
                      const char *ie)
{
	const char *w = ib;
	int error;

	if ((error = flush_any(b)) < 0)
		return error;
	while (w < ie && !is_sp(*w))
		w++;
	snprintf(b->lang, sizeof(b->lang), "%.*s", (int)(w - ib < 63 ? w - ib : 63), ib);
	if (!utf8_valid(b->lang, strlen(b->lang)))
		b->lang[0] = '\0';
	b->st = S_FENCE;
	b->fence_ch = ch;
	b->fence_len = n;
	b->fence_indent = l->indent;
	buf_clear(&b->code);
	return 0;
}

/*
 * A line inside an open list: continue the item, open a continuation item,
 * or close the list. Returns 1 when the line was used, 0 when it must be
 * handled as a line outside any list, or ENCLAVE_E*.
 */
static int list_line(struct blocks *b, const struct line *l)
{
	size_t base;
	const char *tb, *te, *ib, *ie, *p;
	char ch;
	size_t n;
	int level, error;

	if (b->list_blank || b->st != S_PARA || !b->item) {
		/* After a blank line or a nested block: indented text continues an item. */
		while (b->nlist > 0 && l->indent < b->list[b->nlist - 1].content)
			b->nlist--;
		if (b->nlist == 0)
			return 0;
		base = b->list[b->nlist - 1].content;
		if (fence_open(l, base, &ch, &n, &ib, &ie))
			return (error = open_fence(b, l, ch, n, ib, ie)) < 0 ? error : 1;
		if ((error = flush_any(b)) < 0)
			return error;
		p = strip_cols(l, base);
		b->item = 1;
		b->item_level = b->nlist;
		b->item_number = -1;
		b->list_blank = 0;
		if ((error = para_add(b, p, l->end)) < 0)
			return error;
		return 1;
	}
	base = b->list[b->nlist - 1].content;
	if (l->indent >= base) {
		struct line sub;
		line_init(&sub, strip_cols(l, base), l->end);
		if (fence_open(&sub, 0, &ch, &n, &ib, &ie))
			return (error = open_fence(b, l, ch, n, ib, ie)) < 0 ? error : 1;
		if ((level = atx_heading(&sub, &tb, &te)) > 0) {
			if ((error = flush_any(b)) < 0 ||
			    (error = emit_inline(b, ENCLAVE_BLOCK_HEADING, level, NULL, tb,
			                         (size_t)(te - tb))) < 0)
				return error;
			return 1;
		}
		if (is_thematic(&sub))
			return (error = flush_any(b)) < 0 ? error : 1;
		return (error = para_add(b, sub.body, l->end)) < 0 ? error : 1;
	}
	if (starts_block(l)) {
		b->nlist = 0;
		return 0;
	}
	/* A lazy continuation line. */
	return (error = para_add(b, l->body, l->end)) < 0 ? error : 1;
}

/* Handle one line. Returns 0 or ENCLAVE_E*. */
static int block_line(struct blocks *b, const char *s, const char *e)
{
	const char *tb, *te, *ib, *ie;
	struct marker mk;
	struct line l;
	char ch;
	size_t n;
	int level, error;

	line_init(&l, s, e);
	switch (b->st) {
	case S_FENCE:
		if (fence_close(&l, b->fence_indent, b->fence_ch, b->fence_len))
			return flush_code(b);
		if ((error = buf_put(&b->code, strip_cols(&l, b->fence_indent),
		                     (size_t)(e - strip_cols(&l, b->fence_indent)))) < 0 ||
		    (error = buf_putc(&b->code, '\n')) < 0)
			return error_buf(error, "markdown code");
		return 0;
	case S_SKIP_HTML:
		if (contains_ci(s, e, b->skip_end))
			b->st = S_NONE;
		return 0;
	case S_SKIP_COMMENT:
		if (memmem(s, (size_t)(e - s), "-->", 3))
			b->st = S_NONE;
		return 0;
	case S_ICODE:
		if (line_blank(&l) || l.indent >= 4) {
			const char *p = line_blank(&l) ? e : strip_cols(&l, 4);
			if ((error = buf_put(&b->code, p, (size_t)(e - p))) < 0 ||
			    (error = buf_putc(&b->code, '\n')) < 0)
				return error_buf(error, "markdown code");
			if (!line_blank(&l))
				b->code_keep = b->code.len;
			return 0;
		}
		if ((error = flush_code(b)) < 0)
			return error;
		break;
	case S_QUOTE:
		if (!line_blank(&l) && l.indent < 4 && *l.body == '>')
			return quote_add(b, s, e);
		if (!line_blank(&l) && b->quote_lazy && !starts_block(&l) &&
		    !list_marker(&l, &mk) && !is_thematic(&l)) {
			if ((error = buf_put(&b->quote, l.body, (size_t)(e - l.body))) < 0 ||
			    (error = buf_putc(&b->quote, '\n')) < 0)
				return error_buf(error, "markdown quote");
			return 0;
		}
		if ((error = flush_quote(b)) < 0)
			return error;
		break;
	case S_TABLE:
		if (!line_blank(&l) && !starts_block(&l))
			return table_row(b, l.body, e);
		if ((error = flush_table(b)) < 0)
			return error;
		break;
	default: break;
	}

	if (line_blank(&l)) {
		if (b->nlist > 0)
			b->list_blank = 1;
		return flush_any(b);
	}

	/* Inside a list: items, continuations, or the end of the list. */
	if (b->nlist > 0 && !is_thematic(&l) && list_marker(&l, &mk))
		return start_item(b, &l, &mk);
	if (b->nlist > 0 && (error = list_line(b, &l)) != 0)
		return error < 0 ? error : 0;

	if (fence_open(&l, 0, &ch, &n, &ib, &ie))
		return open_fence(b, &l, ch, n, ib, ie);
	if ((level = atx_heading(&l, &tb, &te)) > 0) {
		if ((error = flush_any(b)) < 0)
			return error;
		return emit_inline(b, ENCLAVE_BLOCK_HEADING, level, NULL, tb, (size_t)(te - tb));
	}
	if (b->st == S_PARA && !b->item && (ch = setext_char(&l)) != 0) {
		b->st = S_NONE;
		error = emit_inline(b, ENCLAVE_BLOCK_HEADING, ch == '=' ? 1 : 2, NULL, b->para.ptr,
		                    b->para.len);
		buf_clear(&b->para);
		return error;
	}
	if (b->st == S_PARA && !b->item && (n = table_delim(&l)) > 0) {
		const char *hb = b->para.ptr + b->para_last, *he = b->para.ptr + b->para.len;
		const char *hcb[256], *hce[256];
		size_t hn = table_cells(hb, he, hcb, hce, 256);

		if (hn == n && n <= 256) {
			struct buf header = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
			if ((error = buf_put(&header, hb, (size_t)(he - hb))) < 0)
				return error_buf(error, "markdown table");
			buf_truncate(&b->para, b->para_last ? b->para_last - 1 : 0);
			if (!b->para.len)
				b->st = S_NONE;
			if ((error = flush_para(b)) < 0) {
				buf_release(&header);
				return error;
			}
			b->st = S_TABLE;
			b->ncols = n;
			buf_clear(&b->table);
			json_array_clear(b->rows);
			error = table_row(b, header.ptr, header.ptr + header.len);
			buf_release(&header);
			return error;
		}
	}
	if (is_thematic(&l)) {
		b->nlist = 0;
		return flush_any(b);
	}
	if (l.indent < 4 && *l.body == '>') {
		if ((error = flush_any(b)) < 0)
			return error;
		if (b->depth > 0)
			return para_add(b, l.body, e); /* flattened already; keep the text */
		b->st = S_QUOTE;
		buf_clear(&b->quote);
		return quote_add(b, s, e);
	}
	if (l.indent < 4 && list_marker(&l, &mk) &&
	    (b->st != S_PARA || (mk.number < 0 ? !mk.empty : mk.number == 1)))
		return start_item(b, &l, &mk);
	if (l.indent < 4 && *l.body == '<') {
		if (l.end - l.body >= 4 && !memcmp(l.body, "<!--", 4)) {
			if ((error = flush_any(b)) < 0)
				return error;
			if (!memmem(l.body + 4, (size_t)(e - l.body - 4), "-->", 3))
				b->st = S_SKIP_COMMENT;
			return 0;
		}
		if (html_starts(&l, "script") || html_starts(&l, "style")) {
			if ((error = flush_any(b)) < 0)
				return error;
			b->skip_end = html_starts(&l, "script") ? "</script>" : "</style>";
			if (!contains_ci(l.body, e, b->skip_end))
				b->st = S_SKIP_HTML;
			return 0;
		}
	}
	if (b->st != S_PARA && l.indent >= 4) {
		b->st = S_ICODE;
		buf_clear(&b->code);
		b->lang[0] = '\0';
		return block_line(b, s, e);
	}
	if (b->st != S_PARA && is_link_def(&l))
		return 0;
	return para_add(b, l.body, e);
}

/*
 * Parse `text` as a sequence of blocks into the document. `depth` is 0 for
 * the document and 1 inside a block quote. Returns 0 or ENCLAVE_E*.
 */
static int parse_blocks(struct md *m, const char *text, size_t len, int depth)
{
	struct blocks b;
	const char *p = text, *end = text + len;
	int error = 0;

	memset(&b, 0, sizeof(b));
	b.m = m;
	b.depth = depth;
	b.para = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	b.code = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	b.table = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	b.quote = (struct buf)BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	if (!(b.rows = json_array()))
		return error_oom();
	while (p < end && !error) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		error = block_line(&b, p, eol);
		p = eol + 1;
	}
	if (!error)
		error = flush_any(&b);
	buf_release(&b.para);
	buf_release(&b.code);
	buf_release(&b.table);
	buf_release(&b.quote);
	json_decref(b.rows);
	return error;
}

/* ------------------------------------------------------------------ */
/* Front matter                                                       */
/* ------------------------------------------------------------------ */

/* Is [s, e) the line `mark` with optional trailing white space? */
static int is_mark_line(const char *s, const char *e, const char *mark)
{
	size_t n = strlen(mark);

	return e - s >= (ptrdiff_t)n && !memcmp(s, mark, n) && rtrim(s + n, e) == s + n;
}

/*
 * Pick `key: value` (a plain or quoted scalar at column 0) out of the front
 * matter [s, e) into `out`. Returns 1 when found.
 */
static int front_value(struct buf *out, const char *s, const char *e, const char *key)
{
	size_t n = strlen(key);

	while (s < e) {
		const char *eol = memchr(s, '\n', (size_t)(e - s)), *v, *ve;
		if (!eol)
			eol = e;
		if (eol - s > (ptrdiff_t)n && !memcmp(s, key, n) && s[n] == ':') {
			v = s + n + 1;
			while (v < eol && is_sp(*v))
				v++;
			ve = rtrim(v, eol);
			if (ve - v >= 2 && (*v == '"' || *v == '\'') && ve[-1] == *v)
				v++, ve--;
			if (v < ve && *v != '|' && *v != '>' && *v != '[' && *v != '{') {
				buf_clear(out);
				return buf_put(out, v, (size_t)(ve - v)) == 0;
			}
			return 0;
		}
		s = eol + 1;
	}
	return 0;
}

/*
 * Take YAML front matter off the start of [*text, *text+*len) into the
 * metadata, advancing past it. Sets *titled when it named a title.
 */
static int front_matter(struct enclave_doc *doc, const char **text, size_t *len, int *titled)
{
	static const char *const keys[] = { "author", "date", "description" };
	const char *s = *text, *end = s + *len, *eol = memchr(s, '\n', *len), *p, *fm;
	struct buf v = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	size_t i;
	int error = 0;

	*titled = 0;
	if (!eol || !is_mark_line(s, eol, "---"))
		return 0;
	fm = p = eol + 1;
	while (p < end) {
		const char *le = memchr(p, '\n', (size_t)(end - p));
		if (!le)
			le = end;
		if (is_mark_line(p, le, "---") || is_mark_line(p, le, "...")) {
			if ((error = buf_put(&v, fm, (size_t)(p - fm))) < 0) {
				error = error_buf(error, "front matter");
				goto done;
			}
			if ((error = doc_set_meta(doc, "front_matter", v.ptr ? v.ptr : "")) < 0)
				goto done;
			if (front_value(&v, fm, p, "title")) {
				if ((error = doc_set_title(doc, v.ptr)) < 0)
					goto done;
				*titled = 1;
			}
			for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
				if (front_value(&v, fm, p, keys[i]) &&
				    (error = doc_set_meta(doc, keys[i], v.ptr)) < 0)
					goto done;
			*text = le < end ? le + 1 : end;
			*len = (size_t)(end - *text);
			goto done;
		}
		p = le + 1;
	}
done:
	buf_release(&v);
	return error;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                        */
/* ------------------------------------------------------------------ */

int ingest_markdown(struct enclave_doc *doc, const unsigned char *data, size_t len)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct md m;
	char encoding[64];
	const char *s;
	size_t n;
	int titled = 0, error;

	memset(&m, 0, sizeof(m));
	m.doc = doc;
	m.first_block = doc->nblocks;
	m.scratch = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	if ((error = text_decode(&text, encoding, data, len)) < 0)
		goto done;
	if ((error = doc_set_meta(doc, "encoding", encoding)) < 0)
		goto done;
	s = text.ptr ? text.ptr : "";
	n = text.len;
	if ((error = front_matter(doc, &s, &n, &titled)) < 0)
		goto done;
	if ((error = parse_blocks(&m, s, n, 0)) < 0)
		goto done;
	if (!titled && m.first_is_h1 && m.h1_count == 1)
		error = doc_set_title(doc, doc->blocks[m.first_block].text);
done:
	buf_release(&m.scratch);
	buf_release(&text);
	return error;
}
