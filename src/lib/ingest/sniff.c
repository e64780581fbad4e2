/*
 * Type sniffing: what a file is, from its bytes. libmagic names what we do not
 * handle (so the failure says "unsupported: a Zip archive" rather than
 * "unknown"); our own checks decide among what we do handle.
 *
 * libmagic serves only that failure message, so it is loaded with dlopen the
 * first time a file is not one we read, as ocr_dl.c does for Tesseract:
 * linked, it cost every start of the binary its mapping and relocations
 * (0.45 million instructions, a thirtieth of the whole start). Its four
 * functions are called through a table filled once under pthread_once;
 * without the library, the description is "unknown binary data".
 */
#include <ctype.h>
#include <dlfcn.h>
#include <magic.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "ingest_int.h"
#include "../../util/utf8.h"

/* Skip a BOM and leading white space; returns the first significant byte. */
static const unsigned char *skip_lead(const unsigned char *p, const unsigned char *end)
{
	if (end - p >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f'))
		p++;
	return p;
}

/* Does the text start like HTML (a doctype, <html>, <head>, <body>, or a comment then those)? */
static int looks_html(const unsigned char *data, size_t len)
{
	static const char *const tags[] = { "<!doctype html", "<html", "<head",  "<body",
		                            "<?xml",          "<meta", "<title", NULL };
	const unsigned char *p = skip_lead(data, data + len), *end = data + len;
	size_t i;

	/* HTML comments may come first. */
	while (end - p > 4 && !memcmp(p, "<!--", 4)) {
		const unsigned char *q = p + 4;
		while (end - q >= 3 && memcmp(q, "-->", 3))
			q++;
		if (end - q < 3)
			return 0;
		p = skip_lead(q + 3, end);
	}
	for (i = 0; tags[i]; i++) {
		size_t n = strlen(tags[i]);
		if ((size_t)(end - p) >= n && !strncasecmp((const char *)p, tags[i], n)) {
			if (i == 4) {
				/* XHTML: an XML declaration followed by an html element somewhere early. */
				size_t scan = (size_t)(end - p) < 4096 ? (size_t)(end - p) : 4096;
				return memmem(p, scan, "<html", 5) != NULL;
			}
			return 1;
		}
	}
	return 0;
}

/* Binary: NUL bytes in the head that are not UTF-16/32 text. */
static int looks_binary(const unsigned char *data, size_t len)
{
	size_t n = len < 8192 ? len : 8192, i, ctrl = 0;

	if (len >= 2 &&
	    ((data[0] == 0xff && data[1] == 0xfe) || (data[0] == 0xfe && data[1] == 0xff)))
		return 0;
	for (i = 0; i < n; i++) {
		if (data[i] == 0)
			return 1;
		if (data[i] < 0x20 && data[i] != '\n' && data[i] != '\r' && data[i] != '\t' &&
		    data[i] != '\f' && data[i] != 0x1b)
			ctrl++;
	}
	return n && ctrl * 20 > n;
}

static int has_md_extension(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;

	return dot && (!strcasecmp(dot, ".md") || !strcasecmp(dot, ".markdown") ||
	               !strcasecmp(dot, ".mdown") || !strcasecmp(dot, ".mkd"));
}

/* Markdown by content: an ATX heading, a fence, or a pipe table delimiter row. */
static int looks_markdown(const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *end = data + (len < 65536 ? len : 65536);
	int signals = 0;

	while (p < end) {
		const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;
		if (!eol)
			eol = end;
		n = (size_t)(eol - p);
		if (n >= 2 && p[0] == '#' && (p[1] == ' ' || p[1] == '#'))
			signals++;
		else if (n >= 3 && !memcmp(p, "```", 3))
			signals++;
		else if (n >= 5 && p[0] == '|' && memmem(p, n, "---", 3))
			signals++;
		p = eol + 1;
	}
	return signals >= 2;
}

/* Debian 12's libmagic1 (file 5.44). */
#define MAGIC_SONAME "libmagic.so.1"

/* The libmagic functions describe() calls. */
#define SNIFF_MAGIC(X)  \
	X(magic_open)   \
	X(magic_load)   \
	X(magic_buffer) \
	X(magic_close)

/* Their addresses, with their own types; written once by load_magic(), read-only after. */
static struct {
#define SNIFF_MAGIC_FIELD(name) __typeof__(name) *name;
	SNIFF_MAGIC(SNIFF_MAGIC_FIELD)
#undef SNIFF_MAGIC_FIELD
} magic_dl;

static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static int magic_loaded; /* 1 once every function is resolved; written only in load_magic() */

/* dlopen libmagic and fill magic_dl; on any failure magic_loaded stays 0. */
static void load_magic(void)
{
	void *lib = dlopen(MAGIC_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		return;
#define SNIFF_MAGIC_RESOLVE(name)                            \
	if (!(*(void **)&magic_dl.name = dlsym(lib, #name))) \
		return;
	SNIFF_MAGIC(SNIFF_MAGIC_RESOLVE)
#undef SNIFF_MAGIC_RESOLVE
	magic_loaded = 1;
}

/*
 * Ask libmagic what the bytes are, for the failure message, into `out`;
 * "unknown binary data" when it cannot tell or cannot be loaded.
 */
static void describe(char *out, size_t cap, const unsigned char *data, size_t len)
{
	magic_t m = NULL;
	const char *d = NULL;

	pthread_once(&magic_once, load_magic);
	if (magic_loaded && (m = magic_dl.magic_open(MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR)) &&
	    magic_dl.magic_load(m, NULL) == 0)
		d = magic_dl.magic_buffer(m, data, len < 1048576 ? len : 1048576);
	snprintf(out, cap, "%s", d ? d : "unknown binary data");
	if (m)
		magic_dl.magic_close(m);
}

static int classify_text(const char **format, const char **media_type, const unsigned char *data,
                         size_t len, const char *name);

int sniff_type(const char **format, const char **media_type, const unsigned char *data, size_t len,
               const char *name)
{
	const char *kind;
	char what[256];

	*format = *media_type = NULL;
	if (len == 0)
		return error_set(ENCLAVE_EEMPTY, "empty file");
	/* The PDF header may sit anywhere in the first 1024 bytes. */
	if (memmem(data, len < 1024 ? len : 1024, "%PDF-", 5))
		kind = "pdf";
	else if (!(kind = image_kind(data, len)) && len >= 4 && !memcmp(data, "PK", 2) &&
	         !(kind = office_kind(data, len)))
		kind = epub_kind(data, len);
	if (!kind && !(kind = ole_kind(data, len)) && !(kind = rtf_kind(data, len)))
		kind = archive_kind(data, len);
	if (kind) {
		*format = kind, *media_type = format_media_type(kind);
		return 0;
	}
	/*
	 * UTF-16 and UTF-32 text (with or without a BOM) is full of NULs: decode
	 * the head first and judge the decoded text, not the bytes.
	 */
	if (memchr(data, 0, len < 16384 ? len : 16384)) {
		struct buf head = BUF_INIT(65536);
		char enc[64] = "";
		size_t n = (len < 16384 ? len : 16384) & ~(size_t)3;

		if (n && text_decode(&head, enc, data, n) == 0 &&
		    (!strncmp(enc, "utf-16", 6) || !strncmp(enc, "utf-32", 6))) {
			int r =
			    classify_text(format, media_type,
			                  (const unsigned char *)buf_cstr(&head), head.len, name);
			buf_release(&head);
			return r;
		}
		buf_release(&head);
	}
	if (looks_binary(data, len)) {
		describe(what, sizeof(what), data, len);
		return error_set(ENCLAVE_EUNSUPPORTED, "unsupported type: %s", what);
	}
	return classify_text(format, media_type, data, len, name);
}

/* Decide among HTML, Markdown and plain text for UTF-8 `data`. */
static int classify_text(const char **format, const char **media_type, const unsigned char *data,
                         size_t len, const char *name)
{
	const unsigned char *lead = skip_lead(data, data + len);

	if (lead == data + len)
		return error_set(ENCLAVE_EEMPTY, "no text (only white space)");
	if (looks_html(data, len)) {
		*format = "html", *media_type = "text/html";
		return 0;
	}
	if ((*format = email_kind(data, len))) {
		*media_type = format_media_type(*format);
		return 0;
	}
	if (has_md_extension(name) || looks_markdown(data, len)) {
		*format = "markdown", *media_type = "text/markdown";
		return 0;
	}
	*format = "text", *media_type = "text/plain";
	return 0;
}
