/*
 * OLE compound files (CFB) through libgsf: Outlook MSG, Word DOC, Excel XLS
 * and PowerPoint PPT, where their text can be reached.
 *
 * libgsf reads the CFB directory and stream chains from memory
 * (gsf_input_memory_new, no copy); the formats inside the streams are read
 * here, every read checked against the end of its stream. Every stream read
 * whole is charged to the file's budget (extract_take_bytes) and capped at
 * OLE_MAX_STREAM_BYTES. Nothing is printed: libgsf's GLib log domain gets a
 * handler that drops messages, installed once (pthread_once, with gsf_init).
 * libgsf is loaded with dlopen on the first OLE file (mime_dl.c says why):
 * ole_open() loads it before gsf_init, and ingest_ole() fails as
 * unsupported, saying why, when it cannot be loaded.
 *
 * ole_kind() names the file by its root storage: "WordDocument" is "doc",
 * "Workbook" (BIFF8) or "Book" (BIFF5) is "xls", "PowerPoint Document" is
 * "ppt", "__substg1.0_*" or "__properties_version1.0" is "msg"; anything else
 * is "ole". An "EncryptedPackage" stream (a password-protected OOXML file)
 * fails as encrypted, any other "ole" as unsupported, naming its streams.
 *
 * DOC (Word 97-2003, [MS-DOC]): the FIB at the start of "WordDocument" gives
 * the story lengths (ccpText, ccpFtn, ccpHdd, ccpAtn, ccpEdn, ccpTxbx,
 * ccpHdrTxbx) and the place of the CLX in the table stream ("0Table" or
 * "1Table" by fWhichTblStm). The CLX's PlcPcd maps character positions to
 * pieces of "WordDocument": compressed pieces hold one Windows-1252 byte a
 * character at fc/2, others UTF-16LE at fc. The text is then cleaned: "\r"
 * ends a paragraph, a cell mark (7) becomes a tab and a row mark a paragraph
 * end, field instructions (between 0x13 and 0x14) are dropped and field
 * results kept, 0x1E becomes "-", other controls and optional hyphens go.
 * The main story comes first; footnotes, headers, comments, endnotes and text
 * boxes follow as paragraphs with attrs {"story":"..."}. fEncrypted or
 * fObfuscated fail as encrypted. Word 6/95 files (nFib < 193) are read when
 * not fast-saved (one 8-bit run from fcMin); Word 2 and fast-saved Word 6/95
 * are unsupported. Styles are not read, so headings are paragraphs.
 *
 * XLS (BIFF8, [MS-XLS]; BIFF5 for Excel 5/95 with 8-bit strings): the
 * records of "Workbook": BOUNDSHEET names the sheets, SST (with its CONTINUE
 * records, where a string's characters resume after a new flags byte) holds
 * the shared strings, and each worksheet's LABELSST, LABEL, RSTRING, NUMBER,
 * RK, MULRK, BOOLERR and FORMULA (cached number, boolean, error, or string
 * from the STRING record after it) give the cells. FILEPASS fails as
 * encrypted. Each worksheet is a HEADING (its name) and a TABLE block whose
 * attrs hold the rows, as office.c does for xlsx. Numbers are printed with
 * "%.15g": number formats (dates, currencies) are not applied.
 *
 * PPT ([MS-PPT]): the records of "PowerPoint Document" are walked in stream
 * order; TextCharsAtom (UTF-16LE) and TextBytesAtom (8-bit) give the text,
 * the TextHeaderAtom before them its type (titles become headings, notes get
 * attrs {"notes":true}). Master slides (MainMaster, and the master list of
 * SlideListWithText) are skipped: their text is placeholder prompts. Pages
 * are not made, and text left in the stream by fast saves is read as well
 * (the persist directory is not followed). A "Current User" stream whose
 * header token is 0xF3D1C4DF, or a CryptSession10Container, fails as
 * encrypted.
 *
 * MSG ([MS-OXMSG]): properties are streams "__substg1.0_IIIITTTT" (string
 * type 001F UTF-16LE, 001E 8-bit in the message's code page, 0102 binary)
 * and fixed-size values in "__properties_version1.0". Read: subject (0037),
 * sender name and address (0C1A, 5D01/0065/0C1F), recipients from the
 * "__recip_version1.0_#N" storages (3001 name, 39FE/3003 address, 0C15 type)
 * or else display to/cc/bcc (0E04/0E03/0E02), delivery or submit time
 * (0E06/0039, FILETIME), message id (1035), the body: plain 1000, else HTML
 * 1013 through the HTML parser, else compressed RTF 1009 (LZFu, undone here)
 * through the RTF parser. A header block like e-mail's comes first.
 * Attachments ("__attach_version1.0_#N": 3707/3704/3001 name, 3701 data) are
 * children; an embedded message or OLE object (3701 as a storage) is written
 * out as a CFB file of its own (gsf_outfile_msole into memory) so it is read
 * as a child too. An S/MIME-encrypted message (class IPM.Note.SMIME) fails
 * as encrypted.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ingest_int.h"
#include "mime_dl.h"
#include "../../util/utf8.h"

/* Largest OLE stream read whole (bytes). */
#define OLE_MAX_STREAM_BYTES ((size_t)256 << 20)

/* Most spreadsheet cells read from one XLS file, all sheets. */
#define OLE_MAX_CELLS ((size_t)1000000)

/* Most columns padded in one spreadsheet row. */
#define OLE_MAX_COLUMNS 16384

/* Most shared strings (SST) read. */
#define OLE_MAX_STRINGS ((size_t)4000000)

/* Deepest storage nesting copied out of an MSG attachment. */
#define OLE_MAX_STORAGE_DEPTH 16

/* Most field nesting followed in Word text. */
#define OLE_MAX_FIELD_DEPTH 64

/* ------------------------------------------------------------------ */
/* libgsf access                                                      */
/* ------------------------------------------------------------------ */

static pthread_once_t gsf_once = PTHREAD_ONCE_INIT;

/* A GLib log handler that drops the message: the library never prints. */
static void ole_quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
                          gpointer payload)
{
	(void)domain, (void)level, (void)message, (void)payload;
}

/* Initialise libgsf once per process and silence its log domain. */
static void gsf_setup(void)
{
	/* libgsf logs under these domains, and from some files under none. */
	static const char *const domains[] = { "libgsf", "libgsf:msole", "libgsf:MSOLE", NULL };
	size_t i;

	for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
		g_log_set_handler(domains[i],
		                  G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
		                  ole_quiet_log, NULL);
	gsf_init();
}

/* An open compound file. */
struct ole {
	GsfInput *input; /* the memory input over the caller's bytes */
	GsfInfile *root;
};

/*
 * Open the CFB in memory, loading libgsf first; returns 0 or -1 (no message
 * set unless libgsf could not be loaded: callers word it).
 */
static int ole_open(struct ole *o, const unsigned char *data, size_t len)
{
	GError *err = NULL;

	if (mime_dl_gsf() < 0)
		return -1;
	pthread_once(&gsf_once, gsf_setup);
	o->root = NULL;
	if (!(o->input = gsf_input_memory_new(data, (gsf_off_t)len, FALSE)))
		return -1;
	if (!(o->root = gsf_infile_msole_new(o->input, &err))) {
		g_clear_error(&err);
		g_object_unref(o->input);
		o->input = NULL;
		return -1;
	}
	return 0;
}

static void ole_close(struct ole *o)
{
	if (o->root)
		g_object_unref(o->root);
	if (o->input)
		g_object_unref(o->input);
	o->root = NULL;
	o->input = NULL;
}

/* Is the child `name` of `dir` present (stream or storage)? */
static int has_child(GsfInfile *dir, const char *name)
{
	GsfInput *c = gsf_infile_child_by_name(dir, name);

	if (!c)
		return 0;
	g_object_unref(c);
	return 1;
}

/* Is `in` a storage (a directory) rather than a stream? */
static int is_storage(GsfInput *in)
{
	return GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0;
}

/*
 * Read stream `in` whole into `out` (cleared first), charged to `doc`'s
 * budget (doc may be NULL). Returns 0 or ENCLAVE_E*.
 */
static int read_input(struct buf *out, struct enclave_doc *doc, GsfInput *in, const char *name)
{
	gsf_off_t size = gsf_input_size(in);
	int r;

	buf_clear(out);
	if (size < 0 || (guint64)size > OLE_MAX_STREAM_BYTES)
		return error_set(ENCLAVE_ELIMIT, "OLE stream '%s' larger than %zu bytes", name,
		                 OLE_MAX_STREAM_BYTES);
	if (doc && extract_take_bytes(doc, (size_t)size) < 0)
		return ENCLAVE_ELIMIT;
	if (!size)
		return 0;
	if ((r = buf_grow(out, (size_t)size)) < 0)
		return error_buf(r, "OLE stream");
	if (!gsf_input_read(in, (size_t)size, (guint8 *)out->ptr))
		return error_set(ENCLAVE_EINVALID, "cannot read OLE stream '%s'", name);
	out->len = (size_t)size;
	return 0;
}

/*
 * Read stream `name` of `dir` into `out`. Returns 0, 1 when there is no
 * such stream (out empty), or ENCLAVE_E*.
 */
static int read_stream(struct buf *out, struct enclave_doc *doc, GsfInfile *dir, const char *name)
{
	GsfInput *in = gsf_infile_child_by_name(dir, name);
	int error;

	buf_clear(out);
	if (!in)
		return 1;
	if (is_storage(in)) {
		g_object_unref(in);
		return 1;
	}
	error = read_input(out, doc, in, name);
	g_object_unref(in);
	return error;
}

/* Little-endian readers; the caller has checked the bounds. */
static unsigned rd16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Windows-1252's 0x80-0x9F (0 where undefined: kept as the C1 control, then dropped). */
static const uint16_t cp1252_hi[32] = { 0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020,
	                                0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
	                                0x017d, 0,      0,      0x2018, 0x2019, 0x201c, 0x201d,
	                                0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
	                                0x0153, 0,      0x017e, 0x0178 };

static uint32_t cp1252(unsigned char c)
{
	return c >= 0x80 && c < 0xa0 && cp1252_hi[c - 0x80] ? cp1252_hi[c - 0x80] : c;
}

/*
 * Append `n` characters at `p` to `out` as UTF-8: UTF-16LE when `wide`
 * (surrogate pairs joined, lone surrogates U+FFFD), else one byte each read
 * as Windows-1252 (`latin1` 0: BIFF and PPT "compressed" strings are the low
 * bytes of UTF-16, so Latin-1; Word's compressed pieces are Windows-1252).
 * NULs are dropped. Returns 0 or a BUF_E* code.
 */
static int put_chars(struct buf *out, const unsigned char *p, size_t n, int wide, int latin1)
{
	size_t i;
	char u[4];
	int r;

	for (i = 0; i < n; i++) {
		uint32_t c;
		if (wide) {
			c = rd16(p + 2 * i);
			if (c >= 0xd800 && c < 0xdc00 && i + 1 < n &&
			    rd16(p + 2 * i + 2) >= 0xdc00 && rd16(p + 2 * i + 2) < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (rd16(p + 2 * i + 2) - 0xdc00);
				i++;
			} else if (c >= 0xd800 && c < 0xe000) {
				c = 0xfffd;
			}
		} else {
			c = latin1 ? p[i] : cp1252(p[i]);
		}
		if (!c)
			continue;
		if ((r = buf_put(out, u, utf8_encode(c, u))) < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Recognition                                                        */
/* ------------------------------------------------------------------ */

/* The kind of an open compound file from its root entries. */
static const char *root_kind(GsfInfile *root)
{
	int i, n = gsf_infile_num_children(root);
	const char *kind = "ole";

	for (i = 0; i < n; i++) {
		const char *name = gsf_infile_name_by_index(root, i);
		if (!name)
			continue;
		if (!strcmp(name, "EncryptedPackage"))
			return "ole";
		if (!strcmp(name, "WordDocument"))
			kind = "doc";
		else if (!strcmp(name, "Workbook") || !strcmp(name, "Book") ||
		         !strcmp(name, "WORKBOOK"))
			kind = "xls";
		else if (!strcmp(name, "PowerPoint Document"))
			kind = "ppt";
		else if (!strcmp(kind, "ole") && (!strncmp(name, "__substg1.0_", 12) ||
		                                  !strcmp(name, "__properties_version1.0")))
			kind = "msg";
	}
	return kind;
}

const char *ole_kind(const unsigned char *data, size_t len)
{
	static const unsigned char magic[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
	struct ole o;
	const char *kind;

	if (len < 512 || memcmp(data, magic, 8))
		return NULL;
	if (ole_open(&o, data, len) < 0)
		return "ole";
	kind = root_kind(o.root);
	ole_close(&o);
	return kind;
}

/* ------------------------------------------------------------------ */
/* Summary information (doc, xls, ppt)                                */
/* ------------------------------------------------------------------ */

/* A FILETIME (100 ns since 1601) as ISO 8601 UTC into `out`; 0, or -1 when out of range. */
static int filetime_iso(char out[32], uint64_t ft)
{
	time_t t;
	struct tm tm;

	if (!ft || ft / 10000000 < 11644473600ull ||
	    ft / 10000000 > 11644473600ull + 253402300799ull)
		return -1;
	t = (time_t)(ft / 10000000 - 11644473600ull);
	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -1;
	return 0;
}

/* A property id and the metadata key it becomes. */
struct prop_key {
	unsigned id;
	const char *key;
};

/*
 * Read the first property set of an OLE property set stream ([MS-OLEPS]) in
 * `b` and set the metadata its ids map to in `map` (id, key; "title" sets
 * the title). Strings (VT_LPSTR in the set's code page, VT_LPWSTR) and
 * times (VT_FILETIME) are read; a malformed set is ignored. Returns 0 or
 * ENCLAVE_E* (allocation).
 */
static int read_property_set(struct enclave_doc *doc, const struct buf *b,
                             const struct prop_key *map, size_t nmap)
{
	const unsigned char *p = (const unsigned char *)b->ptr, *set, *end;
	struct buf v = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	char cp[16] = "WINDOWS-1252", when[32];
	uint32_t off, size, count, i, pass;
	int error = 0, r;

	if (!p || b->len < 48 || rd16(p) != 0xfffe || rd32(p + 24) < 1)
		return 0;
	off = rd32(p + 44);
	if (off >= b->len || b->len - off < 8)
		return 0;
	set = p + off;
	size = rd32(set);
	end = size <= b->len - off ? set + size : p + b->len;
	count = rd32(set + 4);
	if (count > (uint32_t)(end - set - 8) / 8)
		count = (uint32_t)(end - set - 8) / 8;
	/* Two passes: the code page (id 1) first, then the values. */
	for (pass = 0; pass < 2 && !error; pass++)
		for (i = 0; i < count && !error; i++) {
			uint32_t id = rd32(set + 8 + 8 * i), po = rd32(set + 12 + 8 * i), type, n;
			const unsigned char *q;
			size_t k;
			if (po >= (uint32_t)(end - set) || end - (set + po) < 8)
				continue;
			q = set + po;
			type = rd32(q) & 0xffff;
			if (pass == 0) {
				if (id == 1 && type == 2 && rd16(q + 4) != 1200)
					snprintf(cp, sizeof(cp),
					         rd16(q + 4) == 65001 ? "UTF-8" : "CP%u",
					         rd16(q + 4));
				continue;
			}
			for (k = 0; k < nmap && map[k].id != id; k++)
				;
			if (k == nmap)
				continue;
			buf_clear(&v);
			n = rd32(q + 4);
			r = 0;
			if (type == 0x1e) {
				if (n > (uint32_t)(end - q - 8))
					n = (uint32_t)(end - q - 8);
				n = (uint32_t)strnlen((const char *)q + 8, n);
				if ((r = text_convert(&v, cp, q + 8, n)) == 1)
					r = put_chars(&v, q + 8, n, 0, 0);
			} else if (type == 0x1f) {
				if (n > (uint32_t)(end - q - 8) / 2)
					n = (uint32_t)(end - q - 8) / 2;
				r = put_chars(&v, q + 8, n, 1, 1);
			} else if (type == 0x40 &&
			           filetime_iso(when, (uint64_t)rd32(q + 4) | (uint64_t)rd32(q + 8)
			                                                          << 32) == 0) {
				r = buf_puts(&v, when);
			}
			if (r < 0) {
				error = error_buf(r, "document property");
				break;
			}
			/* Trim the padding some writers leave. */
			while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\0'))
				v.len--;
			if (!v.len)
				continue;
			v.ptr[v.len] = 0;
			if (!strcmp(map[k].key, "title"))
				error = utf8_valid(v.ptr, v.len) ? doc_set_title(doc, v.ptr) : 0;
			else
				error = doc_set_meta(doc, map[k].key, v.ptr);
		}
	buf_release(&v);
	return error;
}

/*
 * The summary information streams' title, author, dates and company as
 * metadata. A missing or broken property set is not an error. Returns 0 or
 * ENCLAVE_E*.
 */
static int read_summary(struct enclave_doc *doc, GsfInfile *root)
{
	static const struct prop_key summary[] = {
		{ 2, "title" },      { 3, "subject" },         { 4, "author" },
		{ 5, "keywords" },   { 6, "comments" },        { 8, "last_modified_by" },
		{ 12, "created" },   { 13, "modified" },       { 18, "producer" },
	}, docsummary[] = { { 2, "category" }, { 14, "manager" }, { 15, "company" } };
	struct buf b = BUF_INIT(OLE_MAX_STREAM_BYTES);
	int error;

	if ((error = read_stream(&b, doc, root, "\005SummaryInformation")) == 0)
		error = read_property_set(doc, &b, summary, sizeof(summary) / sizeof(summary[0]));
	if (error >= 0 &&
	    (error = read_stream(&b, doc, root, "\005DocumentSummaryInformation")) == 0)
		error = read_property_set(doc, &b, docsummary,
		                          sizeof(docsummary) / sizeof(docsummary[0]));
	buf_release(&b);
	return error < 0 ? error : 0;
}

/* ------------------------------------------------------------------ */
/* Paragraph output                                                   */
/* ------------------------------------------------------------------ */

/* A paragraph being gathered, and the block template it goes out with. */
struct para {
	struct enclave_doc *doc;
	struct buf text;
	enclave_block_kind kind;
	int level;
	const char *attrs; /* static JSON or NULL */
};

/* Emit the gathered paragraph (if any text) and clear it. Returns 0 or ENCLAVE_E*. */
static int para_flush(struct para *pa)
{
	struct enclave_block t = doc_block_template(pa->kind, pa->level, "text");
	int error = 0;

	if (pa->text.len) {
		t.attrs = pa->attrs;
		error = doc_add_block(pa->doc, &t, buf_cstr(&pa->text), pa->text.len);
	}
	buf_clear(&pa->text);
	return error;
}

/* Append code point `c` to the paragraph. Returns 0 or ENCLAVE_E*. */
static int para_putc(struct para *pa, uint32_t c)
{
	char u[4];
	int r;

	if (pa->text.len >= ENCLAVE_MAX_BLOCK_BYTES - 8 && (r = para_flush(pa)) < 0)
		return r;
	if ((r = buf_put(&pa->text, u, utf8_encode(c, u))) < 0)
		return error_buf(r, "paragraph");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Word (DOC)                                                         */
/* ------------------------------------------------------------------ */

/* The story a character position falls in, and its attrs. */
static const char *const word_story_attrs[] = {
	NULL,
	"{\"story\":\"footnotes\"}",
	"{\"story\":\"headers\"}",
	"{\"story\":\"comments\"}",
	"{\"story\":\"endnotes\"}",
	"{\"story\":\"textboxes\"}",
	"{\"story\":\"header_textboxes\"}",
};

#define WORD_STORIES 7

/* The Word text cleaner: fed characters in CP order, emits paragraphs. */
struct word {
	struct para pa;
	uint32_t ends[WORD_STORIES]; /* CP where each story ends */
	int story;
	uint32_t cp;                              /* CP of the next character */
	int fields;                               /* open fields */
	unsigned char instr[OLE_MAX_FIELD_DEPTH]; /* per open field: still in its instruction */
	int in_instr;                             /* open fields still in their instruction */
	uint32_t last;                            /* previous character fed */
};

/* Feed one character of the document text. Returns 0 or ENCLAVE_E*. */
static int word_feed(struct word *w, uint32_t c)
{
	int error;

	while (w->story < WORD_STORIES && w->cp >= w->ends[w->story]) {
		if ((error = para_flush(&w->pa)) < 0)
			return error;
		w->story++;
		w->fields = w->in_instr = 0;
		w->pa.attrs = w->story < WORD_STORIES ? word_story_attrs[w->story] : NULL;
	}
	w->cp++;
	if (w->story >= WORD_STORIES)
		return 0;
	if (c == 0x13) { /* field begin */
		if (w->fields < OLE_MAX_FIELD_DEPTH) {
			w->instr[w->fields++] = 1;
			w->in_instr++;
		}
		w->last = c;
		return 0;
	}
	if (c == 0x14 || c == 0x15) { /* field separator, end */
		if (w->fields > 0) {
			if (w->instr[w->fields - 1]) {
				w->instr[w->fields - 1] = 0;
				w->in_instr--;
			}
			if (c == 0x15)
				w->fields--;
		}
		w->last = c;
		return 0;
	}
	if (w->in_instr)
		return 0;
	error = 0;
	if (c == 0x0d || c == 0x0c || c == 0x0e)
		error = para_flush(&w->pa);
	else if (c == 0x07)
		/* A cell mark after a cell mark is the row mark: the row ends. */
		error = w->last == 0x07 ? para_flush(&w->pa) : para_putc(&w->pa, '\t');
	else if (c == 0x0b)
		error = para_putc(&w->pa, '\n');
	else if (c == 0x1e)
		error = para_putc(&w->pa, '-');
	else if (c == 0x09 ||
	         (c >= 0x20 && !(c >= 0x80 && c < 0xa0) && c != 0xfffe && c != 0xffff && c != 0x1f))
		error = para_putc(&w->pa, c);
	w->last = c;
	return error;
}

/* Feed `n` characters at `p` (wide: UTF-16LE). Returns 0 or ENCLAVE_E*. */
static int word_feed_run(struct word *w, const unsigned char *p, size_t n, int wide)
{
	size_t i;
	int error = 0;

	for (i = 0; i < n && !error; i++) {
		uint32_t c = wide ? rd16(p + 2 * i) : cp1252(p[i]);
		if (wide && c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
			uint32_t d = rd16(p + 2 * i + 2);
			if (d >= 0xdc00 && d < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
				i++;
				w->cp++; /* the pair takes two CPs */
			}
		}
		if (c >= 0xd800 && c < 0xe000)
			c = 0xfffd;
		error = word_feed(w, c);
	}
	return error;
}

/*
 * Walk the piece table of the CLX `clx` over the text in `wd` (the
 * WordDocument stream). Returns 0 or ENCLAVE_E*.
 */
static int word_pieces(struct word *w, const struct buf *wd, const unsigned char *clx, size_t n)
{
	const unsigned char *p = clx, *end = clx + n, *plc;
	size_t npcd, i;
	uint32_t lcb;
	int error;

	/* Skip the Prcs (0x01, a 16-bit size, grpprl) to the Pcdt (0x02). */
	while (p < end && *p == 0x01) {
		if (end - p < 3)
			return error_set(ENCLAVE_EINVALID, "truncated Word piece table");
		p += 3 + rd16(p + 1);
	}
	if (p >= end || *p != 0x02 || end - p < 5)
		return error_set(ENCLAVE_EINVALID, "no Word piece table");
	lcb = rd32(p + 1);
	plc = p + 5;
	if (lcb > (size_t)(end - plc) || lcb < 16 || (lcb - 4) % 12)
		return error_set(ENCLAVE_EINVALID, "bad Word piece table");
	npcd = (lcb - 4) / 12;
	for (i = 0; i < npcd; i++) {
		uint32_t cp0 = rd32(plc + 4 * i), cp1 = rd32(plc + 4 * (i + 1));
		const unsigned char *pcd = plc + 4 * (npcd + 1) + 8 * i;
		uint32_t fc = rd32(pcd + 2);
		int wide = !(fc & 0x40000000);
		size_t off, count, bytes;

		if ((error = extract_check_time(w->pa.doc)) < 0)
			return error;
		if (cp1 <= cp0)
			continue;
		count = cp1 - cp0;
		fc &= 0x3fffffff;
		off = wide ? fc : fc / 2;
		if (off >= wd->len)
			continue;
		bytes = wd->len - off;
		if (count > (wide ? bytes / 2 : bytes))
			count = wide ? bytes / 2 : bytes;
		/* Characters are placed by CP: a gap before the piece is skipped. */
		if (w->cp < cp0)
			w->cp = cp0;
		if ((error = word_feed_run(w, (const unsigned char *)wd->ptr + off, count, wide)) <
		    0)
			return error;
	}
	return 0;
}

/* Read a Word document into `doc`. Returns 0 or ENCLAVE_E*. */
static int read_doc(struct enclave_doc *doc, GsfInfile *root)
{
	struct buf wd = BUF_INIT(OLE_MAX_STREAM_BYTES), table = BUF_INIT(OLE_MAX_STREAM_BYTES);
	struct word w;
	const unsigned char *f;
	unsigned nfib, flags, csw, cslw, cbrg;
	size_t pos, i;
	uint32_t lw[11], sum = 0;
	int error;

	memset(&w, 0, sizeof(w));
	w.pa.doc = doc;
	w.pa.text = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	w.pa.kind = ENCLAVE_BLOCK_PARAGRAPH;
	if ((error = read_stream(&wd, doc, root, "WordDocument")) != 0) {
		if (error == 1)
			error = error_set(ENCLAVE_EINVALID, "no WordDocument stream");
		goto done;
	}
	f = (const unsigned char *)wd.ptr;
	if (wd.len < 0x40 || (rd16(f) != 0xa5ec && rd16(f) != 0xa5dc)) {
		error = error_set(ENCLAVE_EINVALID, "not a Word document (bad FIB)");
		goto done;
	}
	nfib = rd16(f + 2);
	flags = rd16(f + 0x0a);
	if (flags & 0x0100 || flags & 0x8000) {
		error = error_set(ENCLAVE_EENCRYPTED, "encrypted Word document");
		goto done;
	}
	if ((error = read_summary(doc, root)) < 0)
		goto done;
	if (nfib < 101) {
		error =
		    error_set(ENCLAVE_EUNSUPPORTED, "unsupported: Word 2 document (nFib %u)", nfib);
		goto done;
	}
	if (nfib < 193) {
		/* Word 6/95: not fast-saved, the text is one 8-bit run from fcMin. */
		uint32_t fcmin = rd32(f + 0x18), ccp = rd32(f + 0x34);
		if (flags & 0x0004) {
			error = error_set(ENCLAVE_EUNSUPPORTED,
			                  "unsupported: fast-saved Word 6/95 document");
			goto done;
		}
		if (fcmin >= wd.len)
			goto done;
		if (ccp > wd.len - fcmin)
			ccp = (uint32_t)(wd.len - fcmin);
		w.ends[0] = ccp;
		for (i = 1; i < WORD_STORIES; i++)
			w.ends[i] = ccp;
		error = word_feed_run(&w, f + fcmin, ccp, 0);
		goto flush;
	}
	/* Word 97+: FibBase (32 bytes), fibRgW, fibRgLw, fibRgFcLcb. */
	csw = rd16(f + 0x20);
	pos = 0x22 + (size_t)csw * 2;
	if (pos + 2 > wd.len)
		goto bad_fib;
	cslw = rd16(f + pos);
	pos += 2;
	if (cslw < 11 || pos + (size_t)cslw * 4 + 2 > wd.len)
		goto bad_fib;
	for (i = 0; i < 11; i++)
		lw[i] = rd32(f + pos + 4 * i);
	pos += (size_t)cslw * 4;
	cbrg = rd16(f + pos);
	pos += 2;
	if (cbrg < 34 || pos + 34 * 8 > wd.len)
		goto bad_fib;
	{
		/* Story lengths: ccpText 3, ccpFtn 4, ccpHdd 5, ccpAtn 7, ccpEdn 8, ccpTxbx 9, ccpHdrTxbx 10. */
		static const int idx[WORD_STORIES] = { 3, 4, 5, 7, 8, 9, 10 };
		uint32_t fcclx = rd32(f + pos + 33 * 8), lcbclx = rd32(f + pos + 33 * 8 + 4);
		const char *tname = flags & 0x0200 ? "1Table" : "0Table";

		for (i = 0; i < WORD_STORIES; i++) {
			uint32_t l = lw[idx[i]] > 0x7fffffff ? 0 : lw[idx[i]];
			sum = sum + l < sum ? UINT32_MAX : sum + l;
			w.ends[i] = sum;
		}
		if ((error = read_stream(&table, doc, root, tname)) != 0) {
			if (error == 1)
				error = error_set(ENCLAVE_EINVALID, "no %s stream", tname);
			goto done;
		}
		if (fcclx >= table.len || lcbclx > table.len - fcclx) {
			error = error_set(ENCLAVE_EINVALID, "Word piece table out of bounds");
			goto done;
		}
		error = word_pieces(&w, &wd, (const unsigned char *)table.ptr + fcclx, lcbclx);
	}
flush:
	if (!error)
		error = para_flush(&w.pa);
	goto done;
bad_fib:
	error = error_set(ENCLAVE_EINVALID, "truncated Word FIB");
done:
	buf_release(&w.pa.text);
	buf_release(&wd);
	buf_release(&table);
	return error;
}

/* ------------------------------------------------------------------ */
/* Excel (XLS)                                                        */
/* ------------------------------------------------------------------ */

/* One cell read from a worksheet. */
struct cell {
	uint32_t row, col;
	char *text; /* owned, UTF-8 */
};

/* A sheet named by BOUNDSHEET. */
struct sheet {
	uint32_t pos; /* stream offset of its BOF */
	int type;     /* 0 worksheet, else chart, macro or module */
	char *name;   /* owned */
	int done;
};

/* The state of one workbook being read. */
struct xls {
	struct enclave_doc *doc;
	int biff8;
	char **sst; /* shared strings, owned */
	size_t nsst;
	struct sheet *sheets;
	size_t nsheets, sheets_cap;
	struct cell *cells; /* of the current sheet */
	size_t ncells, cells_cap, total_cells;
	const char *codepage; /* iconv name for BIFF5 8-bit strings */
	char cpbuf[16];       /* "CP1251" from a CODEPAGE record */
};

/* A cursor over a record and its CONTINUE records (the SST's strings cross them). */
struct segs {
	const unsigned char **p;
	size_t *n;
	size_t count, i, off;
};

/* Bytes left in the current segment, stepping to the next when it is spent. */
static size_t segs_avail(struct segs *s)
{
	while (s->i < s->count && s->off >= s->n[s->i]) {
		s->i++;
		s->off = 0;
	}
	return s->i < s->count ? s->n[s->i] - s->off : 0;
}

/* Read one byte; -1 at the end. */
static int segs_byte(struct segs *s)
{
	if (!segs_avail(s))
		return -1;
	return s->p[s->i][s->off++];
}

/* Read a little-endian integer of `size` bytes; 0 on success, -1 at the end. */
static int segs_int(struct segs *s, size_t size, uint32_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < size; i++) {
		int b = segs_byte(s);
		if (b < 0)
			return -1;
		*v |= (uint32_t)b << (8 * i);
	}
	return 0;
}

/* Skip `n` bytes (across segments). */
static void segs_skip(struct segs *s, size_t n)
{
	while (n) {
		size_t a = segs_avail(s), k = a < n ? a : n;
		if (!a)
			return;
		s->off += k;
		n -= k;
	}
}

/*
 * Read an XLUnicodeRichExtendedString (cch, flags, runs, ext) into a new
 * UTF-8 string; characters continuing into the next segment start with a
 * flags byte of their own. Returns the string, or NULL at the end of the
 * data or on allocation failure (*oom set).
 */
static char *segs_string(struct segs *s, int *oom)
{
	struct buf b = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	uint32_t cch, flags, runs = 0, ext = 0;
	int wide;

	*oom = 0;
	if (segs_int(s, 2, &cch) < 0 || segs_int(s, 1, &flags) < 0)
		return NULL;
	wide = flags & 1;
	if ((flags & 0x08 && segs_int(s, 2, &runs) < 0) ||
	    (flags & 0x04 && segs_int(s, 4, &ext) < 0))
		return NULL;
	while (cch) {
		size_t a = segs_avail(s), k;
		if (!a)
			break;
		k = wide ? a / 2 : a;
		if (k > cch)
			k = cch;
		if (!k) {
			s->off = s->n[s->i];
			continue;
		}
		if (put_chars(&b, s->p[s->i] + s->off, k, wide, 1) == BUF_ENOMEM) {
			*oom = 1;
			buf_release(&b);
			return NULL;
		}
		s->off += k * (wide ? 2 : 1);
		cch -= (uint32_t)k;
		if (cch && s->off >= s->n[s->i]) {
			int fl;
			s->i++;
			s->off = 0;
			if ((fl = segs_byte(s)) < 0)
				break;
			wide = fl & 1;
		}
	}
	segs_skip(s, (size_t)runs * 4);
	segs_skip(s, ext);
	if (!b.ptr && buf_putc(&b, 0) == 0)
		b.len = 0;
	return b.ptr ? buf_detach(&b, NULL) : (*oom = 1, NULL);
}

/* Read the SST: the record at `rec` (payload n) and the CONTINUE records after it. */
static int xls_sst(struct xls *x, const unsigned char *data, size_t len, size_t rec, size_t n)
{
	struct segs s = { NULL, NULL, 0, 0, 0 };
	size_t pos = rec + 4 + n, cap = 0, want, i;
	uint32_t unique;
	int error = 0, oom;

	/* Gather the segments. */
	for (;;) {
		if (s.count == cap) {
			size_t nc = cap ? cap * 2 : 16;
			const unsigned char **np = realloc(s.p, nc * sizeof(*np));
			size_t *nn;
			if (np)
				s.p = np;
			nn = np ? realloc(s.n, nc * sizeof(*nn)) : NULL;
			if (!np || !nn) {
				error = error_oom();
				goto done;
			}
			s.n = nn;
			cap = nc;
		}
		s.p[s.count] = data + rec + 4;
		s.n[s.count] = n;
		s.count++;
		if (pos + 4 > len || rd16(data + pos) != 0x003c)
			break;
		rec = pos;
		n = rd16(data + pos + 2);
		if (n > len - pos - 4)
			n = len - pos - 4;
		pos += 4 + n;
	}
	if (s.n[0] < 8)
		goto done;
	unique = rd32(s.p[0] + 4);
	s.off = 8;
	want = unique;
	if (want > OLE_MAX_STRINGS || want > len / 3)
		want = len / 3 < OLE_MAX_STRINGS ? len / 3 : OLE_MAX_STRINGS;
	if (want && !(x->sst = calloc(want, sizeof(*x->sst)))) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < want; i++) {
		char *str = segs_string(&s, &oom);
		if (!str) {
			if (oom)
				error = error_oom();
			break;
		}
		x->sst[x->nsst++] = str;
	}
done:
	free(s.p);
	free(s.n);
	return error;
}

/* Add a cell (text copied) to the current sheet. Returns 0 or ENCLAVE_E*. */
static int xls_cell(struct xls *x, uint32_t row, uint32_t col, const char *text)
{
	struct cell *c;

	if (!text || !*text)
		return 0;
	if (++x->total_cells > OLE_MAX_CELLS)
		return error_set(ENCLAVE_ELIMIT, "more than %zu spreadsheet cells", OLE_MAX_CELLS);
	if (col >= OLE_MAX_COLUMNS)
		return 0;
	if (x->ncells == x->cells_cap) {
		size_t nc = x->cells_cap ? x->cells_cap * 2 : 256;
		if (!(c = realloc(x->cells, nc * sizeof(*c))))
			return error_oom();
		x->cells = c;
		x->cells_cap = nc;
	}
	c = &x->cells[x->ncells];
	if (!(c->text = strdup(text)))
		return error_oom();
	c->row = row;
	c->col = col;
	x->ncells++;
	return 0;
}

/* A number as a cell's text. */
static int xls_number(struct xls *x, uint32_t row, uint32_t col, double v)
{
	char s[64];

	snprintf(s, sizeof(s), "%.15g", v);
	return xls_cell(x, row, col, s);
}

/* The value of an RK number. */
static double rk_value(uint32_t rk)
{
	double v;

	if (rk & 2) {
		v = (double)((int32_t)rk >> 2);
	} else {
		uint64_t bits = (uint64_t)(rk & 0xfffffffcu) << 32;
		memcpy(&v, &bits, sizeof(v));
	}
	return rk & 1 ? v / 100 : v;
}

/*
 * Read a short string at p (cch of `cchsize` bytes, then for BIFF8 a flags
 * byte) into `out`. Returns 0 or a BUF_E* code.
 */
static int xls_short_string(struct xls *x, struct buf *out, const unsigned char *p,
                            const unsigned char *end, int cchsize)
{
	size_t cch, avail;
	int wide = 0;

	buf_clear(out);
	if (end - p < cchsize)
		return 0;
	cch = cchsize == 1 ? p[0] : rd16(p);
	p += cchsize;
	if (x->biff8) {
		if (p >= end)
			return 0;
		wide = *p++ & 1;
	} else {
		avail = (size_t)(end - p);
		int r = text_convert(out, x->codepage, p, cch < avail ? cch : avail);
		if (r <= 0)
			return r;
		return put_chars(out, p, cch < avail ? cch : avail, 0, 0);
	}
	avail = (size_t)(end - p) / (wide ? 2 : 1);
	return put_chars(out, p, cch < avail ? cch : avail, wide, 1);
}

static int cell_cmp(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

/* Emit the current sheet (heading and table) and clear its cells. */
static int xls_emit(struct xls *x, const char *name)
{
	struct enclave_block h = doc_block_template(ENCLAVE_BLOCK_HEADING, 1, "text");
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_TABLE, 0, "text");
	struct buf text = BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	json_t *rows = NULL, *row = NULL;
	uint32_t mincol = UINT32_MAX, col = 0;
	char *attrs = NULL;
	size_t i;
	int error = 0, r = 0;

	if (!x->ncells)
		goto done;
	qsort(x->cells, x->ncells, sizeof(*x->cells), cell_cmp);
	for (i = 0; i < x->ncells; i++)
		if (x->cells[i].col < mincol)
			mincol = x->cells[i].col;
	if (!(rows = json_array())) {
		error = error_oom();
		goto done;
	}
	for (i = 0; i < x->ncells && r >= 0; i++) {
		const struct cell *c = &x->cells[i];
		if (!row || c->row != x->cells[i - 1].row) {
			if ((row && (r = buf_putc(&text, '\n')) < 0) || !(row = json_array()) ||
			    json_array_append_new(rows, row)) {
				error = r < 0 ? error_buf(r, "table") : error_oom();
				goto done;
			}
			col = mincol;
		} else if (c->col == x->cells[i - 1].col) {
			continue; /* a duplicate cell record: the first wins */
		}
		for (; col < c->col && r >= 0; col++)
			if ((!json_array_size(row) || (r = buf_putc(&text, '\t')) >= 0) &&
			    json_array_append_new(row, json_string("")))
				r = BUF_ENOMEM;
		if (r >= 0 && json_array_size(row) && (r = buf_putc(&text, '\t')) < 0)
			break;
		if (r >= 0 && (r = buf_puts(&text, c->text)) >= 0 &&
		    json_array_append_new(row, json_string(c->text)))
			r = BUF_ENOMEM;
		col = c->col + 1;
	}
	if (r < 0) {
		error = error_buf(r, "table");
		goto done;
	}
	if (name && *name && (error = doc_add_block(x->doc, &h, name, strlen(name))) < 0)
		goto done;
	{
		json_t *a = json_pack("{s:O}", "rows", rows);
		attrs = a ? json_dumps(a, JSON_COMPACT) : NULL;
		json_decref(a);
	}
	if (!attrs) {
		error = error_oom();
		goto done;
	}
	t.attrs = attrs;
	error = doc_add_block(x->doc, &t, buf_cstr(&text), text.len);
done:
	for (i = 0; i < x->ncells; i++)
		free(x->cells[i].text);
	x->ncells = 0;
	free(attrs);
	json_decref(rows);
	buf_release(&text);
	return error;
}

/* The sheet whose BOF is at `pos`, else the first worksheet not yet read. */
static struct sheet *xls_sheet_at(struct xls *x, size_t pos)
{
	size_t i;

	for (i = 0; i < x->nsheets; i++)
		if (x->sheets[i].pos == pos && !x->sheets[i].done)
			return &x->sheets[i];
	for (i = 0; i < x->nsheets; i++)
		if (!x->sheets[i].done && x->sheets[i].type == 0)
			return &x->sheets[i];
	return NULL;
}

/* Error values of BOOLERR and FORMULA cells. */
static const char *xls_error_name(unsigned e)
{
	switch (e) {
	case 0x00: return "#NULL!";
	case 0x07: return "#DIV/0!";
	case 0x0f: return "#VALUE!";
	case 0x17: return "#REF!";
	case 0x1d: return "#NAME?";
	case 0x24: return "#NUM!";
	case 0x2a: return "#N/A";
	}
	return "#ERROR";
}

/* Read a workbook stream into `doc`. Returns 0 or ENCLAVE_E*. */
static int read_workbook(struct xls *x, const unsigned char *data, size_t len)
{
	struct buf s = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	struct sheet *cur = NULL;
	size_t pos = 0, nrec = 0;
	int error = 0, in_sheet = 0, globals = 1, formula_string = 0;
	uint32_t frow = 0, fcol = 0;

	while (!error && pos + 4 <= len) {
		unsigned type = rd16(data + pos);
		size_t n = rd16(data + pos + 2), at = pos;
		const unsigned char *p = data + pos + 4, *end;
		int r = 0;

		if (n > len - pos - 4)
			n = len - pos - 4;
		end = p + n;
		pos += 4 + n;
		if ((++nrec & 0xfff) == 0 && (error = extract_check_time(x->doc)) < 0)
			break;
		if (type != 0x0207)
			formula_string = 0;
		switch (type) {
		case 0x0809: /* BOF */
			if (n >= 4 && globals && nrec == 1)
				x->biff8 = rd16(p) >= 0x0600;
			if (n >= 4 && rd16(p + 2) == 0x0010 && !globals) {
				cur = xls_sheet_at(x, at);
				in_sheet = 1;
			} else if (!globals) {
				in_sheet = 0; /* a chart or macro sheet: skipped */
				cur = NULL;
			}
			break;
		case 0x000a: /* EOF */
			if (globals) {
				globals = 0;
			} else if (in_sheet) {
				error = xls_emit(x, cur ? cur->name : NULL);
				if (cur)
					cur->done = 1;
				in_sheet = 0;
				cur = NULL;
			}
			break;
		case 0x002f: /* FILEPASS */
			error = error_set(ENCLAVE_EENCRYPTED, "encrypted Excel workbook");
			break;
		case 0x0042: /* CODEPAGE */
			if (n >= 2 && rd16(p) == 1200)
				x->codepage = "UTF-16LE";
			else if (n >= 2 && rd16(p) != 367 && rd16(p) != 0x8000 &&
			         rd16(p) != 0x8001) {
				snprintf(x->cpbuf, sizeof(x->cpbuf), "CP%u", rd16(p));
				x->codepage = x->cpbuf;
			}
			break;
		case 0x0085: /* BOUNDSHEET */
			if (globals && n >= 8) {
				struct sheet *sh;
				if (x->nsheets == x->sheets_cap) {
					size_t nc = x->sheets_cap ? x->sheets_cap * 2 : 8;
					if (nc > 65536 ||
					    !(sh = realloc(x->sheets, nc * sizeof(*sh)))) {
						error = nc > 65536
						            ? error_set(ENCLAVE_ELIMIT,
						                        "more than 65536 sheets")
						            : error_oom();
						break;
					}
					x->sheets = sh;
					x->sheets_cap = nc;
				}
				sh = &x->sheets[x->nsheets];
				memset(sh, 0, sizeof(*sh));
				sh->pos = rd32(p);
				sh->type = p[5];
				if ((r = xls_short_string(x, &s, p + 6, end, 1)) < 0)
					break;
				if (!(sh->name = strdup(buf_cstr(&s)))) {
					error = error_oom();
					break;
				}
				x->nsheets++;
			}
			break;
		case 0x00fc: /* SST */
			if (globals && !x->sst)
				error = xls_sst(x, data, len, at, n);
			break;
		case 0x00fd: /* LABELSST */
			if (in_sheet && n >= 10 && rd32(p + 6) < x->nsst)
				error = xls_cell(x, rd16(p), rd16(p + 2), x->sst[rd32(p + 6)]);
			break;
		case 0x0204: /* LABEL */
		case 0x00d6: /* RSTRING */
			if (in_sheet && n >= 8 && (r = xls_short_string(x, &s, p + 6, end, 2)) >= 0)
				error = xls_cell(x, rd16(p), rd16(p + 2), buf_cstr(&s));
			break;
		case 0x0203: /* NUMBER */
			if (in_sheet && n >= 14) {
				double v;
				uint64_t bits = (uint64_t)rd32(p + 6) | (uint64_t)rd32(p + 10)
				                                            << 32;
				memcpy(&v, &bits, sizeof(v));
				error = xls_number(x, rd16(p), rd16(p + 2), v);
			}
			break;
		case 0x027e: /* RK */
			if (in_sheet && n >= 10)
				error = xls_number(x, rd16(p), rd16(p + 2), rk_value(rd32(p + 6)));
			break;
		case 0x00bd: /* MULRK */
			if (in_sheet && n >= 6) {
				uint32_t row = rd16(p), col = rd16(p + 2);
				const unsigned char *q = p + 4;
				for (; end - q >= 8 && !error; q += 6, col++)
					error = xls_number(x, row, col, rk_value(rd32(q + 2)));
			}
			break;
		case 0x0205: /* BOOLERR */
			if (in_sheet && n >= 8)
				error = xls_cell(x, rd16(p), rd16(p + 2),
				                 p[7]   ? xls_error_name(p[6])
				                 : p[6] ? "TRUE"
				                        : "FALSE");
			break;
		case 0x0006: /* FORMULA: the cached value */
			if (in_sheet && n >= 14) {
				uint32_t row = rd16(p), col = rd16(p + 2);
				if (rd16(p + 12) != 0xffff) {
					double v;
					uint64_t bits =
					    (uint64_t)rd32(p + 6) | (uint64_t)rd32(p + 10) << 32;
					memcpy(&v, &bits, sizeof(v));
					error = xls_number(x, row, col, v);
				} else if (p[6] == 0) {
					formula_string = 1, frow = row, fcol = col;
				} else if (p[6] == 1) {
					error = xls_cell(x, row, col, p[8] ? "TRUE" : "FALSE");
				} else if (p[6] == 2) {
					error = xls_cell(x, row, col, xls_error_name(p[8]));
				}
			}
			break;
		case 0x0207: /* STRING: a string formula's value */
			if (in_sheet && formula_string &&
			    (r = xls_short_string(x, &s, p, end, 2)) >= 0)
				error = xls_cell(x, frow, fcol, buf_cstr(&s));
			formula_string = 0;
			break;
		default: break;
		}
		if (!error && r < 0)
			error = error_buf(r, "cell");
	}
	if (!error && in_sheet)
		error = xls_emit(x, cur ? cur->name : NULL);
	buf_release(&s);
	return error;
}

/* Read an Excel workbook into `doc`. Returns 0 or ENCLAVE_E*. */
static int read_xls(struct enclave_doc *doc, GsfInfile *root)
{
	static const char *const names[] = { "Workbook", "Book", "WORKBOOK" };
	struct buf wb = BUF_INIT(OLE_MAX_STREAM_BYTES);
	struct xls x;
	size_t i;
	int error = 1;

	memset(&x, 0, sizeof(x));
	x.doc = doc;
	x.codepage = "WINDOWS-1252";
	for (i = 0; i < 3 && error == 1; i++)
		error = read_stream(&wb, doc, root, names[i]);
	if (error == 1)
		error = error_set(ENCLAVE_EINVALID, "no Workbook stream");
	if (!error && (wb.len < 8 || rd16((const unsigned char *)wb.ptr) != 0x0809))
		error = error_set(ENCLAVE_EUNSUPPORTED,
		                  "unsupported: Excel workbook without a BIFF5/BIFF8 BOF record");
	if (!error)
		error = read_summary(doc, root);
	if (!error)
		error = read_workbook(&x, (const unsigned char *)wb.ptr, wb.len);
	for (i = 0; i < x.nsst; i++)
		free(x.sst[i]);
	free(x.sst);
	for (i = 0; i < x.nsheets; i++)
		free(x.sheets[i].name);
	free(x.sheets);
	for (i = 0; i < x.ncells; i++)
		free(x.cells[i].text);
	free(x.cells);
	buf_release(&wb);
	return error;
}

/* ------------------------------------------------------------------ */
/* PowerPoint (PPT)                                                   */
/* ------------------------------------------------------------------ */

/* The state of a PowerPoint stream walk. */
struct ppt {
	struct para pa;
	unsigned text_type; /* of the last TextHeaderAtom */
	size_t records;
};

/* Emit one text atom's characters: "\r" ends a paragraph, 0x0B a line. */
static int ppt_text(struct ppt *t, const unsigned char *p, size_t n, int wide, int notes)
{
	size_t i, count = wide ? n / 2 : n;
	int error = 0;

	t->pa.kind = t->text_type == 0 || t->text_type == 6 ? ENCLAVE_BLOCK_HEADING
	                                                    : ENCLAVE_BLOCK_PARAGRAPH;
	t->pa.level = t->pa.kind == ENCLAVE_BLOCK_HEADING ? 1 : 0;
	t->pa.attrs = notes || t->text_type == 2 ? "{\"notes\":true}" : NULL;
	for (i = 0; i < count && !error; i++) {
		uint32_t c = wide ? rd16(p + 2 * i) : p[i];
		if (wide && c >= 0xd800 && c < 0xdc00 && i + 1 < count &&
		    rd16(p + 2 * i + 2) >= 0xdc00 && rd16(p + 2 * i + 2) < 0xe000) {
			c = 0x10000 + ((c - 0xd800) << 10) + (rd16(p + 2 * i + 2) - 0xdc00);
			i++;
		} else if (c >= 0xd800 && c < 0xe000) {
			c = 0xfffd;
		}
		if (c == 0x0d) {
			/* A lone "*" is a slide number or date field's placeholder. */
			if (t->pa.text.len == 1 && t->pa.text.ptr[0] == '*')
				buf_clear(&t->pa.text);
			error = para_flush(&t->pa);
		} else if (c == 0x0b)
			error = para_putc(&t->pa, '\n');
		else if (c == 0x09 || (c >= 0x20 && !(c >= 0x80 && c < 0xa0)))
			error = para_putc(&t->pa, c);
	}
	if (t->pa.text.len == 1 && t->pa.text.ptr[0] == '*')
		buf_clear(&t->pa.text);
	if (!error)
		error = para_flush(&t->pa);
	t->text_type = 4;
	return error;
}

/*
 * Walk the records in [p, end) at `depth`; `notes` inside a Notes
 * container. Returns 0 or ENCLAVE_E*.
 */
static int ppt_walk(struct ppt *t, const unsigned char *p, const unsigned char *end, int depth,
                    int notes)
{
	int error = 0;

	if (depth > ENCLAVE_MAX_NESTING)
		return error_set(ENCLAVE_ELIMIT, "PowerPoint records nested deeper than %d",
		                 ENCLAVE_MAX_NESTING);
	while (!error && end - p >= 8) {
		unsigned vi = rd16(p), type = rd16(p + 2);
		size_t n = rd32(p + 4);
		const unsigned char *body = p + 8;

		if (n > (size_t)(end - body))
			n = (size_t)(end - body);
		p = body + n;
		if ((++t->records & 0xfff) == 0 && (error = extract_check_time(t->pa.doc)) < 0)
			break;
		if (type == 0x2f14) /* CryptSession10Container */
			return error_set(ENCLAVE_EENCRYPTED, "encrypted PowerPoint presentation");
		if ((vi & 0xf) == 0xf) {
			/*
			 * Skip masters, whose text is placeholder prompts: the
			 * main master, the handout, the master list of
			 * SlideListWithText, and the notes master (a Notes
			 * container whose NotesAtom refers to no slide or to a
			 * master id, 0x80000000 and up).
			 */
			if (type == 0x03f8 || type == 0x0fc9 || (type == 0x0ff0 && vi >> 4 == 1) ||
			    (type == 0x03f0 && n >= 12 && rd16(body + 2) == 0x03f1 &&
			     (rd32(body + 8) == 0 || rd32(body + 8) >= 0x80000000u)))
				continue;
			error = ppt_walk(t, body, body + n, depth + 1, notes || type == 0x03f0);
			continue;
		}
		if (type == 0x0f9f && n >= 4) /* TextHeaderAtom */
			t->text_type = rd32(body);
		else if (type == 0x0fa0) /* TextCharsAtom */
			error = ppt_text(t, body, n, 1, notes);
		else if (type == 0x0fa8) /* TextBytesAtom */
			error = ppt_text(t, body, n, 0, notes);
	}
	return error;
}

/* Read a PowerPoint presentation into `doc`. Returns 0 or ENCLAVE_E*. */
static int read_ppt(struct enclave_doc *doc, GsfInfile *root)
{
	struct buf s = BUF_INIT(OLE_MAX_STREAM_BYTES);
	struct ppt t;
	int error;

	memset(&t, 0, sizeof(t));
	t.pa.doc = doc;
	t.pa.text = (struct buf)BUF_INIT(ENCLAVE_MAX_BLOCK_BYTES);
	t.text_type = 4;
	/* The Current User atom's header token says whether the file is encrypted. */
	if ((error = read_stream(&s, doc, root, "Current User")) < 0)
		goto done;
	if (error == 0 && s.len >= 16 && rd32((const unsigned char *)s.ptr + 12) == 0xf3d1c4df) {
		error = error_set(ENCLAVE_EENCRYPTED, "encrypted PowerPoint presentation");
		goto done;
	}
	if ((error = read_stream(&s, doc, root, "PowerPoint Document")) != 0) {
		if (error == 1)
			error = error_set(ENCLAVE_EINVALID, "no PowerPoint Document stream");
		goto done;
	}
	if ((error = read_summary(doc, root)) < 0)
		goto done;
	/* An empty stream has no buffer: nothing to walk (and no NULL + 0). */
	if (s.len)
		error = ppt_walk(&t, (const unsigned char *)s.ptr,
		                 (const unsigned char *)s.ptr + s.len, 0, 0);
done:
	buf_release(&t.pa.text);
	buf_release(&s);
	return error;
}

/* ------------------------------------------------------------------ */
/* Outlook (MSG)                                                      */
/* ------------------------------------------------------------------ */

/*
 * Undo MS-OXRTFCP compression (LZFu; "MELA" is stored uncompressed) of the
 * `n` bytes at `p` into `out`, charged to `doc`'s budget. Returns 0 or
 * ENCLAVE_E*.
 */
static int lzfu(struct buf *out, struct enclave_doc *doc, const unsigned char *p, size_t n)
{
	static const char prebuf[] =
	    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
	    "\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
	    "{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
	unsigned char dict[4096];
	const unsigned char *end;
	size_t raw, w = sizeof(prebuf) - 1;
	uint32_t type;
	int r;

	if (n < 16)
		return error_set(ENCLAVE_EINVALID, "truncated compressed RTF");
	raw = rd32(p + 4);
	type = rd32(p + 8);
	end = p + n;
	if (raw > OLE_MAX_STREAM_BYTES)
		return error_set(ENCLAVE_ELIMIT, "compressed RTF larger than %zu bytes",
		                 OLE_MAX_STREAM_BYTES);
	if (extract_take_bytes(doc, raw) < 0)
		return ENCLAVE_ELIMIT;
	p += 16;
	if (type == 0x414c454d) { /* MELA: stored */
		size_t k = (size_t)(end - p) < raw ? (size_t)(end - p) : raw;
		return (r = buf_put(out, p, k)) < 0 ? error_buf(r, "RTF body") : 0;
	}
	if (type != 0x75465a4c)
		return error_set(ENCLAVE_EINVALID, "unknown RTF compression");
	memset(dict, 0, sizeof(dict));
	memcpy(dict, prebuf, w);
	while (p < end && out->len < raw) {
		unsigned ctl = *p++, bit;
		for (bit = 0; bit < 8 && p < end && out->len < raw; bit++) {
			if (ctl & (1u << bit)) {
				unsigned ref, off, len, k;
				if (end - p < 2)
					return 0;
				ref = (unsigned)p[0] << 8 | p[1];
				p += 2;
				off = ref >> 4;
				len = (ref & 0xf) + 2;
				if (off == (w & 0xfff))
					return 0; /* the end marker */
				for (k = 0; k < len && out->len < raw; k++) {
					unsigned char c = dict[(off + k) & 0xfff];
					if ((r = buf_putc(out, (char)c)) < 0)
						return error_buf(r, "RTF body");
					dict[w++ & 0xfff] = c;
				}
			} else {
				if ((r = buf_putc(out, (char)*p)) < 0)
					return error_buf(r, "RTF body");
				dict[w++ & 0xfff] = *p++;
			}
		}
	}
	return 0;
}

/* One MSG storage (the message, a recipient, an attachment) and its fixed properties. */
struct msg_store {
	GsfInfile *dir;
	struct buf props; /* its __properties_version1.0 */
	size_t header;    /* bytes before the first property entry */
};

/*
 * Read the property stream of `dir` (`header` bytes of header). Returns 0
 * (the caller releases s->props) or ENCLAVE_E* (nothing to release).
 */
static int store_open(struct msg_store *s, struct enclave_doc *doc, GsfInfile *dir, size_t header)
{
	int error;

	s->dir = dir;
	s->header = header;
	s->props = (struct buf)BUF_INIT(OLE_MAX_STREAM_BYTES);
	error = read_stream(&s->props, doc, dir, "__properties_version1.0");
	if (error < 0)
		buf_release(&s->props);
	return error < 0 ? error : 0;
}

/* The 8-byte value of fixed property `tag` (id << 16 | type), or NULL. */
static const unsigned char *store_fixed(const struct msg_store *s, uint32_t tag)
{
	size_t i;
	const unsigned char *p = (const unsigned char *)s->props.ptr;

	for (i = s->header; p && i + 16 <= s->props.len; i += 16)
		if (rd32(p + i) == tag)
			return p + i + 8;
	return NULL;
}

/*
 * String property `id` of the storage into `out` (cleared): the 001F form
 * (UTF-16LE), else the 001E form in `codepage`. Returns 0 (out empty when
 * absent) or ENCLAVE_E*.
 */
static int store_string(struct buf *out, struct enclave_doc *doc, const struct msg_store *s,
                        unsigned id, const char *codepage)
{
	struct buf raw = BUF_INIT(OLE_MAX_STREAM_BYTES);
	char name[32];
	int error, r = 0;

	buf_clear(out);
	snprintf(name, sizeof(name), "__substg1.0_%04X001F", id);
	if ((error = read_stream(&raw, doc, s->dir, name)) == 0) {
		r = put_chars(out, (const unsigned char *)raw.ptr, raw.len / 2, 1, 1);
	} else if (error == 1) {
		snprintf(name, sizeof(name), "__substg1.0_%04X001E", id);
		if ((error = read_stream(&raw, doc, s->dir, name)) == 0 && raw.len) {
			size_t n = strnlen(raw.ptr, raw.len);
			r = text_convert(out, codepage, (const unsigned char *)raw.ptr, n);
			if (r == 1)
				r = put_chars(out, (const unsigned char *)raw.ptr, n, 0, 0);
		}
	}
	buf_release(&raw);
	if (error < 0)
		return error;
	return r < 0 ? error_buf(r, "MSG property") : 0;
}

/* A FILETIME property as ISO 8601 UTC into `out` (size 32); 0 or -1 when absent. */
static int store_time(char out[32], const struct msg_store *s, uint32_t tag)
{
	const unsigned char *v = store_fixed(s, tag);

	return v ? filetime_iso(out, (uint64_t)rd32(v) | (uint64_t)rd32(v + 4) << 32) : -1;
}

/* The recipients of a message, by type, as "Name <address>" lists. */
struct recips {
	struct buf to, cc, bcc;
};

/* Append "Name <addr>" (or either) to `list`. Returns 0 or a BUF_E* code. */
static int put_address(struct buf *list, const char *name, const char *addr)
{
	int r = 0;

	if (!*name && !*addr)
		return 0;
	if (list->len)
		r = buf_puts(list, ", ");
	if (r >= 0 && *name)
		r = buf_puts(list, name);
	if (r >= 0 && *addr)
		r = *name ? buf_printf(list, " <%s>", addr) : buf_puts(list, addr);
	return r;
}

/* Read every "__recip_version1.0_#N" storage of `root`. Returns 0 or ENCLAVE_E*. */
static int read_recipients(struct recips *rc, struct enclave_doc *doc, GsfInfile *root,
                           const char *cp)
{
	struct buf name = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES),
	           addr = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	int i, n = gsf_infile_num_children(root), error = 0, r = 0;

	for (i = 0; i < n && !error && r >= 0; i++) {
		const char *cn = gsf_infile_name_by_index(root, i);
		GsfInput *c;
		struct msg_store s;
		const unsigned char *type;
		struct buf *list;

		if (!cn || strncmp(cn, "__recip_version1.0_#", 20) ||
		    !(c = gsf_infile_child_by_index(root, i)))
			continue;
		if (!is_storage(c) || (error = store_open(&s, doc, GSF_INFILE(c), 8)) < 0) {
			g_object_unref(c);
			continue;
		}
		type = store_fixed(&s, 0x0c150003);
		list = !type || rd32(type) <= 1 ? &rc->to : rd32(type) == 2 ? &rc->cc : &rc->bcc;
		if (!(error = store_string(&name, doc, &s, 0x3001, cp)) &&
		    !(error = store_string(&addr, doc, &s, 0x39fe, cp))) {
			if (!addr.len)
				error = store_string(&addr, doc, &s, 0x3003, cp);
			if (!error && addr.len && !memchr(addr.ptr, '@', addr.len))
				buf_clear(&addr); /* an X.500 address says nothing useful */
			if (!error && name.len && addr.len && !strcmp(name.ptr, addr.ptr))
				buf_clear(&name);
			if (!error)
				r = put_address(list, buf_cstr(&name), buf_cstr(&addr));
		}
		buf_release(&s.props);
		g_object_unref(c);
	}
	buf_release(&name);
	buf_release(&addr);
	return error ? error : r < 0 ? error_buf(r, "recipients") : 0;
}

/*
 * Copy storage `src` into `dst` (streams and sub-storages), charged to
 * `doc`'s budget. `embedded_msg`: `src` is an embedded message, whose
 * property stream header (24 bytes) grows to a top-level message's (32).
 * Returns 0 or ENCLAVE_E*.
 */
static int copy_storage(GsfOutfile *dst, GsfInfile *src, struct enclave_doc *doc, int depth,
                        int embedded_msg)
{
	struct buf b = BUF_INIT(OLE_MAX_STREAM_BYTES);
	int i, n = gsf_infile_num_children(src), error = 0;

	if (depth > OLE_MAX_STORAGE_DEPTH)
		return error_set(ENCLAVE_ELIMIT, "OLE storages nested deeper than %d",
		                 OLE_MAX_STORAGE_DEPTH);
	for (i = 0; i < n && !error; i++) {
		const char *name = gsf_infile_name_by_index(src, i);
		GsfInput *c = gsf_infile_child_by_index(src, i);
		GsfOutput *o;
		int storage;

		if (!name || !c) {
			if (c)
				g_object_unref(c);
			continue;
		}
		storage = is_storage(c);
		if (!(o = gsf_outfile_new_child(dst, name, storage))) {
			g_object_unref(c);
			error = error_oom();
			break;
		}
		if (storage) {
			error = copy_storage(GSF_OUTFILE(o), GSF_INFILE(c), doc, depth + 1, 0);
		} else if ((error = read_input(&b, doc, c, name)) == 0) {
			static const unsigned char zeros[8];
			if (embedded_msg && !strcmp(name, "__properties_version1.0") &&
			    b.len >= 24) {
				if (!gsf_output_write(o, 24, (const guint8 *)b.ptr) ||
				    !gsf_output_write(o, 8, zeros) ||
				    (b.len > 24 &&
				     !gsf_output_write(o, b.len - 24, (const guint8 *)b.ptr + 24)))
					error =
					    error_set(ENCLAVE_EIO, "cannot write an OLE stream");
			} else if (b.len && !gsf_output_write(o, b.len, (const guint8 *)b.ptr)) {
				error = error_set(ENCLAVE_EIO, "cannot write an OLE stream");
			}
		}
		gsf_output_close(o);
		g_object_unref(o);
		g_object_unref(c);
	}
	buf_release(&b);
	return error;
}

/*
 * Add storage `src` (an embedded message or OLE object) as a child `name`:
 * a compound file of its own, written in memory. Returns 0 or ENCLAVE_E*.
 */
static int add_storage_child(struct enclave_doc *doc, GsfInfile *src, const char *name,
                             int embedded_msg)
{
	GsfOutput *mem = gsf_output_memory_new();
	GsfOutfile *out = mem ? gsf_outfile_msole_new(mem) : NULL;
	int error;

	if (!out) {
		if (mem)
			g_object_unref(mem);
		return error_oom();
	}
	error = copy_storage(out, src, doc, 0, embedded_msg);
	gsf_output_close(GSF_OUTPUT(out));
	g_object_unref(out);
	if (!error) {
		const guint8 *bytes = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem));
		gsf_off_t size = gsf_output_size(mem);
		if (bytes && size > 0)
			error = doc_add_child(doc, name, bytes, (size_t)size);
	}
	g_object_unref(mem); /* closed with the outfile */
	return error;
}

/* Add every attachment of the message as a child. Returns 0 or ENCLAVE_E*. */
static int read_attachments(struct enclave_doc *doc, GsfInfile *root, const char *cp)
{
	struct buf name = BUF_INIT(4096), data = BUF_INIT(OLE_MAX_STREAM_BYTES);
	int i, n = gsf_infile_num_children(root), error = 0, count = 0;

	for (i = 0; i < n && !error; i++) {
		const char *cn = gsf_infile_name_by_index(root, i);
		GsfInput *c, *obj;
		struct msg_store s;
		char fallback[32];

		if (!cn || strncmp(cn, "__attach_version1.0_#", 21) ||
		    !(c = gsf_infile_child_by_index(root, i)))
			continue;
		if (!is_storage(c)) {
			g_object_unref(c);
			continue;
		}
		count++;
		s.dir = GSF_INFILE(c);
		if ((error = store_string(&name, doc, &s, 0x3707, cp)) == 0 && !name.len)
			error = store_string(&name, doc, &s, 0x3704, cp);
		if (!error && !name.len)
			error = store_string(&name, doc, &s, 0x3001, cp);
		if (!error && !name.len) {
			snprintf(fallback, sizeof(fallback), "attachment-%d", count);
			error = buf_puts(&name, fallback) < 0 ? error_oom() : 0;
		}
		if (error) {
			g_object_unref(c);
			break;
		}
		if ((obj = gsf_infile_child_by_name(GSF_INFILE(c), "__substg1.0_3701000D"))) {
			/* An embedded message or OLE object: a storage of its own. */
			int is_msg = has_child(GSF_INFILE(obj), "__properties_version1.0");
			if (is_msg && (name.len < 4 || strcasecmp(name.ptr + name.len - 4, ".msg")))
				error = buf_puts(&name, ".msg") < 0 ? error_oom() : 0;
			if (!error && is_storage(obj))
				error = add_storage_child(doc, GSF_INFILE(obj), buf_cstr(&name),
				                          is_msg);
			g_object_unref(obj);
		} else if ((error = read_stream(&data, doc, GSF_INFILE(c),
		                                "__substg1.0_37010102")) == 0) {
			if (data.len)
				error = doc_add_child(doc, buf_cstr(&name), data.ptr, data.len);
		} else if (error == 1) {
			error = 0; /* a link or an empty attachment */
		}
		g_object_unref(c);
	}
	buf_release(&name);
	buf_release(&data);
	return error;
}

/*
 * Parse `len` bytes of a body with `parse` into a scratch document and copy
 * its blocks to `doc`. Returns 0, or the parser's ENCLAVE_E* (EEMPTY is 0).
 */
static int msg_body(struct enclave_doc *doc, const char *format,
                    int (*parse)(struct enclave_doc *, const unsigned char *, size_t),
                    const char *data, size_t len)
{
	struct enclave_doc *tmp = NULL;
	int error;

	if ((error = doc_new(&tmp, format)) < 0)
		return error;
	tmp->ctx = doc->ctx;
	error = parse(tmp, (const unsigned char *)(data ? data : ""), len);
	tmp->ctx = NULL;
	if (error == ENCLAVE_EEMPTY)
		error = 0;
	if (!error)
		error = doc_copy_blocks(doc, tmp, 0);
	enclave_doc_free(tmp);
	return error;
}

/* Read the body: plain text, else HTML, else compressed RTF. Returns 0 or ENCLAVE_E*. */
static int read_msg_body(struct enclave_doc *doc, const struct msg_store *s, const char *cp)
{
	struct buf b = BUF_INIT(OLE_MAX_STREAM_BYTES), rtf = BUF_INIT(OLE_MAX_STREAM_BYTES);
	int error;

	if ((error = store_string(&b, doc, s, 0x1000, cp)) < 0)
		goto done;
	if (b.len) {
		error = msg_body(doc, "text", ingest_text, b.ptr, b.len);
		goto done;
	}
	if ((error = read_stream(&b, doc, s->dir, "__substg1.0_10130102")) < 0)
		goto done;
	if (error == 1 && (error = store_string(&b, doc, s, 0x1013, cp)) < 0)
		goto done;
	if (b.len) {
		error = msg_body(doc, "html", ingest_html, b.ptr, b.len);
		goto done;
	}
	if ((error = read_stream(&b, doc, s->dir, "__substg1.0_10090102")) != 0) {
		error = error < 0 ? error : 0;
		goto done;
	}
	if ((error = lzfu(&rtf, doc, (const unsigned char *)b.ptr, b.len)) < 0 || !rtf.len)
		goto done;
	error = msg_body(doc, "rtf", ingest_rtf, rtf.ptr, rtf.len);
	if (error == ENCLAVE_EUNSUPPORTED)
		/* The RTF parser cannot read it: keep the body as a child, which says why. */
		error = doc_add_child(doc, "body.rtf", rtf.ptr, rtf.len);
done:
	buf_release(&b);
	buf_release(&rtf);
	return error;
}

/* Read an Outlook message into `doc`. Returns 0 or ENCLAVE_E*. */
static int read_msg(struct enclave_doc *doc, GsfInfile *root)
{
	struct buf v = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES), addr = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES),
	           hdr = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
	struct recips rc = { BUF_INIT(ENCLAVE_MAX_FIELD_BYTES), BUF_INIT(ENCLAVE_MAX_FIELD_BYTES),
		             BUF_INIT(ENCLAVE_MAX_FIELD_BYTES) };
	/* The message's headers: a marked paragraph, as email.c makes them. */
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_PARAGRAPH, 0, "markup");
	struct msg_store s;
	const unsigned char *cpv;
	char cp[16] = "WINDOWS-1252", date[32];
	static const unsigned from_addr_ids[] = { 0x5d01, 0x0065, 0x0c1f, 0x5d02 };
	size_t i;
	int error, r = 0;

	if ((error = store_open(&s, doc, root, 32)) < 0)
		goto done;
	/* PR_INTERNET_CPID, else PR_MESSAGE_CODEPAGE: the code page of 001E strings. */
	if (((cpv = store_fixed(&s, 0x3fde0003)) || (cpv = store_fixed(&s, 0x3ffd0003))) &&
	    rd32(cpv) && rd32(cpv) != 1200 && rd32(cpv) < 100000)
		snprintf(cp, sizeof(cp), rd32(cpv) == 65001 ? "UTF-8" : "CP%u",
		         (unsigned)rd32(cpv));
	if ((error = store_string(&v, doc, &s, 0x001a, cp)) < 0)
		goto done;
	if (v.len >= 14 && !strncasecmp(v.ptr, "IPM.Note.SMIME", 14) &&
	    !strcasestr(v.ptr, "MultipartSigned")) {
		error = error_set(ENCLAVE_EENCRYPTED, "encrypted Outlook message (S/MIME)");
		goto done;
	}
	/* From: the sender's name and SMTP address. */
	if ((error = store_string(&v, doc, &s, 0x0c1a, cp)) < 0 ||
	    (!v.len && (error = store_string(&v, doc, &s, 0x0042, cp)) < 0))
		goto done;
	for (i = 0; i < sizeof(from_addr_ids) / sizeof(from_addr_ids[0]); i++) {
		if ((error = store_string(&addr, doc, &s, from_addr_ids[i], cp)) < 0)
			goto done;
		if (addr.len && memchr(addr.ptr, '@', addr.len))
			break;
		buf_clear(&addr);
	}
	{
		struct buf from = BUF_INIT(ENCLAVE_MAX_FIELD_BYTES);
		if ((r = put_address(&from, buf_cstr(&v), buf_cstr(&addr))) >= 0 && from.len) {
			if ((r = buf_printf(&hdr, "From: %s\n", from.ptr)) >= 0)
				error = doc_set_meta(doc, "from", from.ptr);
		}
		buf_release(&from);
		if (r < 0 || error < 0) {
			error = error < 0 ? error : error_buf(r, "MSG headers");
			goto done;
		}
	}
	/* To, Cc, Bcc: the recipient table, else the display strings. */
	if ((error = read_recipients(&rc, doc, root, cp)) < 0)
		goto done;
	{
		static const unsigned display_ids[] = { 0x0e04, 0x0e03, 0x0e02 };
		static const char *const labels[][2] = { { "To", "to" },
			                                 { "Cc", "cc" },
			                                 { "Bcc", "bcc" } };
		struct buf *lists[] = { &rc.to, &rc.cc, &rc.bcc };
		for (i = 0; i < 3; i++) {
			if (!lists[i]->len &&
			    (error = store_string(lists[i], doc, &s, display_ids[i], cp)) < 0)
				goto done;
			if (!lists[i]->len)
				continue;
			if ((r = buf_printf(&hdr, "%s: %s\n", labels[i][0], lists[i]->ptr)) < 0) {
				error = error_buf(r, "MSG headers");
				goto done;
			}
			if ((error = doc_set_meta(doc, labels[i][1], lists[i]->ptr)) < 0)
				goto done;
		}
	}
	if (store_time(date, &s, 0x0e060040) == 0 || store_time(date, &s, 0x00390040) == 0) {
		if ((r = buf_printf(&hdr, "Date: %s\n", date)) < 0 ||
		    (error = doc_set_meta(doc, "date", date)) < 0) {
			error = error < 0 ? error : error_buf(r, "MSG headers");
			goto done;
		}
	}
	if ((error = store_string(&v, doc, &s, 0x0037, cp)) < 0)
		goto done;
	if (v.len) {
		if ((r = buf_printf(&hdr, "Subject: %s\n", v.ptr)) < 0) {
			error = error_buf(r, "MSG headers");
			goto done;
		}
		if ((error = doc_set_meta(doc, "subject", v.ptr)) < 0 ||
		    (error = doc_set_title(doc, v.ptr)) < 0)
			goto done;
	}
	if ((error = store_string(&v, doc, &s, 0x1035, cp)) < 0 ||
	    (error = doc_set_meta(doc, "message_id", buf_cstr(&v))) < 0)
		goto done;
	t.attrs = "{\"email_headers\":true}";
	if ((error = doc_add_block(doc, &t, buf_cstr(&hdr), hdr.len)) < 0 ||
	    (error = read_msg_body(doc, &s, cp)) < 0)
		goto done;
	error = read_attachments(doc, root, cp);
done:
	buf_release(&s.props);
	buf_release(&v);
	buf_release(&addr);
	buf_release(&hdr);
	buf_release(&rc.to);
	buf_release(&rc.cc);
	buf_release(&rc.bcc);
	return error;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                        */
/* ------------------------------------------------------------------ */

/* "unsupported: ..." naming the first root entries of an OLE file we do not read. */
static int unsupported(GsfInfile *root)
{
	char names[256] = "";
	size_t used = 0;
	int i, n = gsf_infile_num_children(root);

	for (i = 0; i < n && i < 6; i++) {
		const char *nm = gsf_infile_name_by_index(root, i);
		int k;
		if (!nm)
			continue;
		k = snprintf(names + used, sizeof(names) - used, "%s'%s'", used ? ", " : "", nm);
		if (k < 0 || (size_t)k >= sizeof(names) - used)
			break;
		used += (size_t)k;
	}
	return error_set(ENCLAVE_EUNSUPPORTED,
	                 "unsupported: OLE compound file of an unknown kind (entries: %s)",
	                 used ? names : "none");
}

int ingest_ole(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len)
{
	struct ole o;
	const char *found;
	int error;

	if ((error = mime_dl_gsf()) < 0)
		return error;
	if (ole_open(&o, data, len) < 0)
		return error_set(ENCLAVE_EINVALID, "not a valid OLE compound file");
	found = root_kind(o.root);
	if (has_child(o.root, "EncryptedPackage"))
		error = error_set(ENCLAVE_EENCRYPTED,
		                  "encrypted (a password-protected Office document)");
	else if (!strcmp(found, "doc"))
		error = read_doc(doc, o.root);
	else if (!strcmp(found, "xls"))
		error = read_xls(doc, o.root);
	else if (!strcmp(found, "ppt"))
		error = read_ppt(doc, o.root);
	else if (!strcmp(found, "msg"))
		error = read_msg(doc, o.root);
	else
		error = unsupported(o.root);
	(void)kind;
	ole_close(&o);
	return error;
}
