/*
 * Plain text: decoding bytes of unknown encoding to UTF-8 (shared with the
 * Markdown and HTML parsers), and cutting plain text into blocks.
 *
 * Decoding, in order: a byte order mark wins (UTF-8, UTF-16LE/BE,
 * UTF-32LE/BE); UTF-16 without a BOM is recognised by its NUL bytes at
 * alternating positions; valid UTF-8 is taken as is (pure ASCII is named
 * "utf-8" too); anything else is detected by uchardet and converted by
 * iconv (detected UTF-8 with a few bad bytes is kept, the bad bytes made
 * U+FFFD; detected ISO-8859-1 is read as its superset Windows-1252). When
 * detection or conversion fails the bytes are read as Windows-1252 through
 * a table of our own, which cannot fail (glibc's iconv rejects the five
 * bytes Windows-1252 leaves undefined; the table maps them to the C1
 * controls, as browsers do). The output is always valid UTF-8 with "\n"
 * line ends, and the encoding is named in lowercase ("shift_jis").
 *
 * Plain text blocks: paragraphs are separated by blank lines (white space
 * only, form feeds included). Inside a paragraph the line breaks are kept as
 * "\n" rather than joined with spaces: plain text is often verse, addresses
 * or aligned columns whose lines mean something, and a consumer can still
 * unwrap. A line starting with "- ", "* ", "• " or a number and "." or ")"
 * ("1. ", "12) ") starts a list item, one block per item, its level from the
 * indentation (each deeper indentation opens a level, a shallower one goes
 * back to the level that had it; a paragraph ends the list). The marker is
 * not part of the text; a number is kept in the block's attrs as
 * {"ordered":true,"number":N}.
 * Lines after an item, up to a blank line or the next marker, continue it
 * (leading white space dropped, joined with "\n"). A paragraph longer than
 * ENCLAVE_MAX_BLOCK_BYTES goes on in further blocks rather than failing.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <uchardet.h>

#include "ingest_int.h"
#include "../../util/utf8.h"

/* Bytes given to uchardet: enough for a confident guess, bounded in time. */
#define DETECT_BYTES ((size_t)1 << 20)

/* Bytes examined when looking for BOM-less UTF-16. */
#define UTF16_PROBE_BYTES 4096

/* Deepest list level told apart in plain text; deeper items share the last. */
#define TEXT_MAX_LIST_LEVEL 16

/* ------------------------------------------------------------------ */
/* Decoding                                                           */
/* ------------------------------------------------------------------ */

/* Windows-1252 0x80-0x9f; the five undefined bytes map to the C1 controls. */
static const uint16_t cp1252_high[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

/*
 * Append [p, p+len) to `out` as UTF-8, each invalid or truncated sequence
 * replaced by U+FFFD. Returns 0 or a BUF_E* code (out may hold a prefix).
 */
static int put_sanitised(struct buf *out, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len, *run = p;
	int error;

	if (utf8_valid((const char *)p, len))
		return buf_put(out, p, len);
	while (p < end) {
		uint32_t c;
		size_t n = utf8_decode(p, end, &c);

		(void)c;
		if (n == 1 && *p >= 0x80) {
			if ((error = buf_put(out, run, (size_t)(p - run))) < 0 ||
			    (error = buf_put(out, "\xef\xbf\xbd", 3)) < 0)
				return error;
			run = p + 1;
		}
		p += n;
	}
	return buf_put(out, run, (size_t)(end - run));
}

/* Append [p, p+len) read as Windows-1252. Returns 0 or a BUF_E* code. */
static int put_cp1252(struct buf *out, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	int error;

	while (p < end) {
		const unsigned char *run = p;
		char enc[4];
		uint32_t c;

		while (p < end && *p < 0x80)
			p++;
		if ((error = buf_put(out, run, (size_t)(p - run))) < 0)
			return error;
		if (p == end)
			break;
		c = *p < 0xa0 ? cp1252_high[*p - 0x80] : *p;
		if ((error = buf_put(out, enc, utf8_encode(c, enc))) < 0)
			return error;
		p++;
	}
	return 0;
}

/*
 * Convert [p, p+len) from charset `from` to UTF-8 with iconv, appending to
 * `out`. A sequence truncated at the very end becomes U+FFFD. Returns 0, 1
 * when iconv does not know `from` or meets an invalid sequence (out is then
 * left as it was), or a BUF_E* code.
 */
int text_convert(struct buf *out, const char *from, const unsigned char *p, size_t len)
{
	size_t start = out->len, inleft = len;
	char *in = (char *)p;
	iconv_t cd;
	int error = 0;

	if ((cd = iconv_open("UTF-8", from)) == (iconv_t)-1)
		return 1;
	while (inleft) {
		size_t room = out->max - out->len, want = inleft * 4 + 16, outleft, before = inleft;
		char *o;

		if (want > ((size_t)1 << 20))
			want = (size_t)1 << 20;
		if (want > room)
			want = room;
		if (want == 0) {
			error = BUF_ETOOBIG;
			break;
		}
		if ((error = buf_grow(out, want)) < 0)
			break;
		o = out->ptr + out->len;
		outleft = want;
		if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
			int why = errno;

			out->len = (size_t)(o - out->ptr);
			out->ptr[out->len] = '\0';
			if (why == E2BIG && inleft < before)
				continue;
			if (why == E2BIG) {
				/* No progress: no room left under the cap. */
				error = BUF_ETOOBIG;
				break;
			}
			if (why == EINVAL) {
				/* Truncated at the end: keep what came before it. */
				error = buf_put(out, "\xef\xbf\xbd", 3);
				break;
			}
			error = 1;
			break;
		}
		out->len = (size_t)(o - out->ptr);
		out->ptr[out->len] = '\0';
	}
	iconv_close(cd);
	if (error)
		buf_truncate(out, start);
	return error;
}

/*
 * Guess UTF-16 without a BOM from NUL bytes at alternating positions of the
 * head (text in Latin scripts has a NUL in every other byte). Returns
 * "UTF-16LE", "UTF-16BE" or NULL.
 */
static const char *guess_utf16(const unsigned char *data, size_t len)
{
	size_t n = len < UTF16_PROBE_BYTES ? len : UTF16_PROBE_BYTES, i, even = 0, odd = 0;

	n &= ~(size_t)1;
	if (n < 4)
		return NULL;
	for (i = 0; i < n; i += 2) {
		even += data[i] == 0;
		odd += data[i + 1] == 0;
	}
	/* More than 40% NULs on one side, almost none on the other. */
	if (odd * 5 > n && even * 50 < n)
		return "UTF-16LE";
	if (even * 5 > n && odd * 50 < n)
		return "UTF-16BE";
	return NULL;
}

/* Copy `name` lowercased into `encoding` (truncated to 63 bytes). */
static void set_encoding(char encoding[64], const char *name)
{
	size_t i;

	for (i = 0; i < 63 && name[i]; i++)
		encoding[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	encoding[i] = '\0';
}

/*
 * Ask uchardet for the charset of `data` into `name` (empty when it has no
 * guess). Returns 0 or ENCLAVE_ENOMEM.
 */
static int detect(char name[64], const unsigned char *data, size_t len)
{
	uchardet_t ud = uchardet_new();
	const char *cs;

	name[0] = '\0';
	if (!ud)
		return error_oom();
	if (uchardet_handle_data(ud, (const char *)data, len < DETECT_BYTES ? len : DETECT_BYTES)) {
		uchardet_delete(ud);
		return error_oom();
	}
	uchardet_data_end(ud);
	cs = uchardet_get_charset(ud);
	if (cs)
		snprintf(name, 64, "%s", cs);
	uchardet_delete(ud);
	return 0;
}

/*
 * Turn CRLF and lone CR into LF in out[from..], in place.
 */
static void normalise_newlines(struct buf *out, size_t from)
{
	char *r, *w, *end;

	if (!out->ptr || !memchr(out->ptr + from, '\r', out->len - from))
		return;
	r = w = out->ptr + from;
	end = out->ptr + out->len;
	while (r < end) {
		if (*r == '\r') {
			*w++ = '\n';
			r += (r + 1 < end && r[1] == '\n') ? 2 : 1;
		} else {
			*w++ = *r++;
		}
	}
	out->len = (size_t)(w - out->ptr);
	out->ptr[out->len] = '\0';
}

/*
 * The decoding itself (see the top of the file): appends to `out` and names
 * the encoding. Returns 0, a BUF_E* code, or ENCLAVE_ENOMEM from uchardet.
 */
static int decode(struct buf *out, char encoding[64], const unsigned char *data, size_t len)
{
	static const struct {
		const char *bom, *name, *iconv_name;
		size_t n;
	} boms[] = {
		/* UTF-32LE before UTF-16LE: its BOM starts with the same two bytes. */
		{ "\xef\xbb\xbf", "utf-8", NULL, 3 },
		{ "\xff\xfe\x00\x00", "utf-32le", "UTF-32LE", 4 },
		{ "\x00\x00\xfe\xff", "utf-32be", "UTF-32BE", 4 },
		{ "\xff\xfe", "utf-16le", "UTF-16LE", 2 },
		{ "\xfe\xff", "utf-16be", "UTF-16BE", 2 },
	};
	const char *utf16;
	char name[64];
	size_t i;
	int error;

	for (i = 0; i < sizeof(boms) / sizeof(boms[0]); i++) {
		if (len < boms[i].n || memcmp(data, boms[i].bom, boms[i].n))
			continue;
		set_encoding(encoding, boms[i].name);
		if (!boms[i].iconv_name)
			return put_sanitised(out, data + 3, len - 3);
		if ((error = text_convert(out, boms[i].iconv_name, data + boms[i].n,
		                          len - boms[i].n)) <= 0)
			return error;
		/* Invalid UTF-16/32 behind a BOM: the BOM lied; read on below. */
		break;
	}
	/* Before the UTF-8 check: NUL is valid UTF-8, so UTF-16 Latin text passes it. */
	if ((utf16 = guess_utf16(data, len)) &&
	    (error = text_convert(out, utf16, data, len)) <= 0) {
		if (!error)
			set_encoding(encoding, utf16);
		return error;
	}
	if (utf8_valid((const char *)data, len)) {
		set_encoding(encoding, "utf-8");
		return buf_put(out, data, len);
	}
	if ((error = detect(name, data, len)) < 0)
		return error;
	if (!strcasecmp(name, "UTF-8")) {
		/* Mostly UTF-8 with a few bad bytes: keep it, mark the bad ones. */
		set_encoding(encoding, "utf-8");
		return put_sanitised(out, data, len);
	}
	if (!strcasecmp(name, "ISO-8859-1")) {
		/* As browsers do: ISO-8859-1 text is read as its superset Windows-1252. */
		set_encoding(encoding, name);
		return put_cp1252(out, data, len);
	}
	if (name[0] && strcasecmp(name, "ASCII") &&
	    (error = text_convert(out, name, data, len)) <= 0) {
		if (!error)
			set_encoding(encoding, name);
		return error;
	}
	set_encoding(encoding, "windows-1252");
	return put_cp1252(out, data, len);
}

int text_decode(struct buf *out, char encoding[64], const unsigned char *data, size_t len)
{
	size_t start = out->len;
	int error;

	encoding[0] = '\0';
	if ((error = decode(out, encoding, data, len)) < 0) {
		buf_truncate(out, start);
		if (error == BUF_ETOOBIG || error == BUF_ENOMEM)
			return error_buf(error, "decoded text");
		return error;
	}
	normalise_newlines(out, start);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Blocks                                                             */
/* ------------------------------------------------------------------ */

/* A plain-text line: [s, s+len), its indentation in columns, its content. */
struct line {
	const char *s;
	size_t len;
	size_t indent;    /* columns of leading white space, tabs to multiples of 4 */
	const char *body; /* first non-blank byte */
};

/* The block being gathered. */
struct pending {
	struct buf text;
	enclave_block_kind kind;
	int level;
	long number; /* ordered item number, or -1 */
};

/* Is `c` white space inside a line? */
static int is_blank_char(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* Fill `l` from [s, s+len), trailing white space dropped. */
static void line_parse(struct line *l, const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	l->indent = 0;
	while (p < end && is_blank_char(*p)) {
		l->indent = *p == '\t' ? (l->indent / 4 + 1) * 4 : l->indent + 1;
		p++;
	}
	while (end > p && is_blank_char(end[-1]))
		end--;
	l->s = s;
	l->len = (size_t)(end - s);
	l->body = p;
}

/*
 * Does line `l` start a list item? On yes, returns the byte length of the
 * marker and the space after it, and sets *number (-1 for a bullet).
 */
static size_t list_marker(const struct line *l, long *number)
{
	const char *p = l->body, *end = l->s + l->len;
	size_t n = 0;
	long v = 0;

	*number = -1;
	if (end - p >= 2 && (*p == '-' || *p == '*') && p[1] == ' ')
		return 2;
	if (end - p >= 4 && !memcmp(p, "\xe2\x80\xa2", 3) && (p[3] == ' ' || p[3] == '\t'))
		return 4;
	while (p + n < end && n < 9 && p[n] >= '0' && p[n] <= '9')
		v = v * 10 + (p[n] - '0'), n++;
	if (n == 0 || n > 3 || end - p < (ptrdiff_t)n + 2 || (p[n] != '.' && p[n] != ')') ||
	    (p[n + 1] != ' ' && p[n + 1] != '\t'))
		return 0;
	*number = v;
	return n + 2;
}

/* Emit the pending block, if any, and empty it. Returns 0 or ENCLAVE_E*. */
static int flush(struct enclave_doc *doc, struct pending *pb)
{
	struct enclave_block t = doc_block_template(pb->kind, pb->level, "markup");
	char attrs[64];
	int error;

	if (!pb->text.len)
		return 0;
	if (pb->number >= 0) {
		snprintf(attrs, sizeof(attrs), "{\"ordered\":true,\"number\":%ld}", pb->number);
		t.attrs = attrs;
	}
	error = doc_add_block(doc, &t, pb->text.ptr, pb->text.len);
	buf_clear(&pb->text);
	return error;
}

/*
 * Append `n` bytes at `s` to the pending text, after `sep` when not empty.
 * A block never outgrows ENCLAVE_MAX_BLOCK_BYTES: a paragraph that would
 * (a log or a data dump without blank lines) goes on in a new block of the
 * same kind, cut between lines, or inside an overlong line at a code point.
 * Returns 0 or ENCLAVE_E*.
 */
static int pending_put(struct enclave_doc *doc, struct pending *pb, const char *sep, const char *s,
                       size_t n)
{
	size_t seplen = strlen(sep);
	int error;

	if (pb->text.len && pb->text.len + seplen + n > ENCLAVE_MAX_BLOCK_BYTES) {
		if ((error = flush(doc, pb)) < 0)
			return error;
		pb->number = -1;
	}
	while (n > ENCLAVE_MAX_BLOCK_BYTES) {
		size_t cut = ENCLAVE_MAX_BLOCK_BYTES;

		while (cut > ENCLAVE_MAX_BLOCK_BYTES - 4 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		if ((error = buf_put(&pb->text, s, cut)) < 0)
			return error_buf(error, "text block");
		if ((error = flush(doc, pb)) < 0)
			return error;
		pb->number = -1;
		s += cut, n -= cut;
	}
	if (pb->text.len && (error = buf_put(&pb->text, sep, seplen)) < 0)
		return error_buf(error, "text block");
	if ((error = buf_put(&pb->text, s, n)) < 0)
		return error_buf(error, "text block");
	return 0;
}

int ingest_text(struct enclave_doc *doc, const unsigned char *data, size_t len)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct pending pb = { BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES), ENCLAVE_BLOCK_PARAGRAPH, 0, -1 };
	size_t indents[TEXT_MAX_LIST_LEVEL], nindents = 0;
	char encoding[64];
	const char *p, *end;
	int error;

	if ((error = text_decode(&text, encoding, data, len)) < 0)
		goto done;
	if ((error = doc_set_meta(doc, "encoding", encoding)) < 0)
		goto done;
	p = text.ptr ? text.ptr : "";
	end = p + text.len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct line l;
		size_t mlen;
		long number;

		if (!eol)
			eol = end;
		line_parse(&l, p, (size_t)(eol - p));
		p = eol + 1;
		if (l.body == l.s + l.len) {
			/* A blank line ends the block. */
			if ((error = flush(doc, &pb)) < 0)
				goto done;
			continue;
		}
		if ((mlen = list_marker(&l, &number)) > 0) {
			const char *item = l.body + mlen;

			if ((error = flush(doc, &pb)) < 0)
				goto done;
			/* The level counts the distinct indentations open in this list. */
			while (nindents > 0 && indents[nindents - 1] > l.indent)
				nindents--;
			if (!nindents || indents[nindents - 1] < l.indent) {
				if (nindents < TEXT_MAX_LIST_LEVEL)
					nindents++;
				indents[nindents - 1] = l.indent;
			}
			pb.kind = ENCLAVE_BLOCK_LIST_ITEM;
			pb.level = (int)nindents;
			pb.number = number;
			if ((error =
			         pending_put(doc, &pb, "", item, (size_t)(l.s + l.len - item))) < 0)
				goto done;
			continue;
		}
		if (!pb.text.len) {
			nindents = 0;
			pb.kind = ENCLAVE_BLOCK_PARAGRAPH;
			pb.level = 0;
			pb.number = -1;
		}
		if (pb.kind == ENCLAVE_BLOCK_LIST_ITEM)
			error = pending_put(doc, &pb, "\n", l.body, (size_t)(l.s + l.len - l.body));
		else
			error = pending_put(doc, &pb, "\n", l.s, l.len);
		if (error < 0)
			goto done;
	}
	error = flush(doc, &pb);
done:
	buf_release(&pb.text);
	buf_release(&text);
	return error;
}
