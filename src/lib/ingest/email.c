/*
 * E-mail: EML (one RFC 5322 message) and MBOX (many), through GMime 3.
 *
 * An EML message becomes, in order:
 *   - one HEADER block of its address and date lines ("From: ...", "Sender:",
 *     "Reply-To:", "To:", "Cc:", "Bcc:", "Date:", "Subject:"), decoded from
 *     RFC 2047 encoded words to UTF-8: names and addresses live there, and a
 *     PII scanner must see them in the text, not only in the metadata;
 *   - the metadata from, sender, reply_to, to, cc, bcc, date (ISO 8601),
 *     subject, message_id, and the subject as the title;
 *   - the body: text/plain parts cut into paragraphs by the plain text parser
 *     (ingest_text), text/html parts read by the HTML parser (ingest_html)
 *     into a scratch document whose blocks are copied. In a
 *     multipart/alternative the text/plain alternative is preferred (it is
 *     what the sender wrote; the HTML is a rendering of it), else the last
 *     alternative (the richest) is read. multipart/signed reads its content
 *     and skips the signature; multipart/encrypted fails as encrypted (the
 *     text cannot be reached without the key).
 *   - children: every part that is an attachment (Content-Disposition:
 *     attachment), every inline part that is not text/plain or text/html
 *     (images, calendars, documents), and every message/rfc822 part
 *     (serialised back to bytes, so it is read as an e-mail of its own, its
 *     attachments grandchildren). Decoded sizes are charged to the file's
 *     budget (extract_take_bytes). Parts not chosen in an alternative give
 *     their attachments and non-text parts, never their text.
 * Transfer encodings (base64, quoted-printable, uuencode) are undone by
 * GMime; charsets are converted by text_convert() from the part's charset
 * parameter, or detected (text_decode) when it is missing or unknown.
 *
 * MBOX: a mailbox is a container, so each message is a child document (an
 * EML of the bytes from its first header to the next "From " line), and its
 * attachments are grandchildren; the mailbox document itself holds only the
 * metadata message_count. The alternative, one document with a section per
 * message, would flatten the attachments of every message into one list and
 * lose which message carried which, and a single bad message would fail the
 * whole mailbox rather than itself.
 *
 * GMime: loaded with dlopen on the first e-mail (mime_dl.c says why), so
 * ingest_email() calls mime_dl_gmime() first and fails as unsupported when
 * the library is missing. g_mime_init() is not thread safe, so it runs once
 * per process, after the load, under pthread_once (with GLib log handlers for GMime's domain that discard
 * messages: the library never prints). Messages are parsed from a memory
 * stream; nothing is read from or written to files. Limits: ENCLAVE_MAX_NESTING
 * on multipart depth, EMAIL_MAX_PARTS parts per message.
 */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "ingest_int.h"
#include "mime_dl.h"
#include "../../util/utf8.h"

/* Most MIME parts looked at in one message (a multipart bomb ends here). */
#define EMAIL_MAX_PARTS 100000

/* Largest header block (bytes): address lists can be long, not unbounded. */
#define EMAIL_MAX_HEADER_BYTES ((size_t)1 << 20)

const char *email_kind(const unsigned char *data, size_t len)
{
	static const char *const fields[] = { "from:",
		                              "to:",
		                              "subject:",
		                              "date:",
		                              "received:",
		                              "message-id:",
		                              "mime-version:",
		                              "return-path:",
		                              "content-type:",
		                              "content-transfer-encoding:",
		                              "cc:",
		                              "reply-to:",
		                              "x-",
		                              NULL };
	const unsigned char *p = data, *end = data + (len < 65536 ? len : 65536);
	int known = 0, lines = 0;

	if (len >= 5 && !memcmp(data, "From ", 5))
		return "mbox";
	/* A header block: "Name: value" lines (or folded continuations) up to a blank line. */
	while (p < end && lines < 200) {
		const unsigned char *eol = memchr(p, '\n', (size_t)(end - p)), *c;
		size_t i;

		if (!eol)
			eol = end;
		if (p == eol || (*p == '\r' && p + 1 == eol))
			break;
		lines++;
		if (*p == ' ' || *p == '\t') {
			p = eol + 1;
			continue;
		}
		for (c = p; c<eol && * c> ' ' && *c < 127 && *c != ':'; c++)
			;
		if (c == p || c == eol || *c != ':')
			return NULL;
		for (i = 0; fields[i]; i++)
			if ((size_t)(c + 1 - p) >= strlen(fields[i]) &&
			    !strncasecmp((const char *)p, fields[i], strlen(fields[i])))
				known++;
		p = eol + 1;
	}
	return known >= 2 ? "eml" : NULL;
}

/* ------------------------------------------------------------------ */
/* GMime set-up                                                       */
/* ------------------------------------------------------------------ */

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

/* A GLib log handler that drops the message: the library never prints. */
static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
                      gpointer payload)
{
	(void)domain, (void)level, (void)message, (void)payload;
}

/* Initialise GMime once per process and silence its log domain. */
static void gmime_setup(void)
{
	g_mime_init();
	g_log_set_handler("gmime", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
	                  quiet_log, NULL);
}

/* ------------------------------------------------------------------ */
/* Parts to bytes and text                                            */
/* ------------------------------------------------------------------ */

/*
 * Write `obj` (a whole message when `whole`, else a leaf part's decoded
 * content) into a new memory stream, charged to the file's budget. Sets
 * *out (unref with g_object_unref) and returns 0, or ENCLAVE_E*.
 */
static int object_bytes(GMimeStream **out, struct enclave_doc *doc, GMimeObject *obj, int whole)
{
	GMimeStream *s = g_mime_stream_mem_new();
	GByteArray *a;
	ssize_t n = -1;

	*out = NULL;
	if (!s)
		return error_oom();
	if (whole) {
		n = g_mime_object_write_to_stream(obj, NULL, s);
	} else {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
		n = w ? g_mime_data_wrapper_write_to_stream(w, s) : 0;
	}
	if (n < 0) {
		g_object_unref(s);
		return error_set(ENCLAVE_EINVALID, "cannot decode a MIME part");
	}
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	if (a && a->len && extract_take_bytes(doc, a->len) < 0) {
		g_object_unref(s);
		return ENCLAVE_ELIMIT;
	}
	*out = s;
	return 0;
}

/* The bytes of a memory stream (never NULL; *len 0 when empty). */
static const unsigned char *stream_data(GMimeStream *s, size_t *len)
{
	GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));

	*len = a ? a->len : 0;
	return a && a->data ? a->data : (const unsigned char *)"";
}

/*
 * Convert the decoded content of text part `obj` to UTF-8 in `out`: from its
 * charset parameter when iconv knows it and the bytes fit it, else detected.
 * Returns 0 or ENCLAVE_E*.
 */
static int part_utf8(struct buf *out, GMimeObject *obj, const unsigned char *p, size_t n)
{
	const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
	char enc[64];
	int r;

	if (cs && *cs && g_ascii_strcasecmp(cs, "utf-8") && g_ascii_strcasecmp(cs, "us-ascii")) {
		r = text_convert(out, g_mime_charset_iconv_name(cs), p, n);
		if (r == 0)
			return 0;
		if (r < 0)
			return error_buf(r, "e-mail body");
	}
	return text_decode(out, enc, p, n);
}

/*
 * Read a body part's text (`html` selects the HTML parser) into `doc`'s
 * blocks. An empty body adds nothing. Returns 0 or ENCLAVE_E*.
 */
static int add_body(struct enclave_doc *doc, GMimeObject *obj, int html)
{
	struct buf utf8 = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct enclave_doc *tmp = NULL;
	GMimeStream *s = NULL;
	const unsigned char *p;
	size_t n;
	int error;

	if ((error = object_bytes(&s, doc, obj, 0)) < 0)
		return error;
	p = stream_data(s, &n);
	if (!n)
		goto done;
	if ((error = part_utf8(&utf8, obj, p, n)) < 0 ||
	    (error = doc_new(&tmp, html ? "html" : "text")) < 0)
		goto done;
	tmp->ctx = doc->ctx;
	error = html ? ingest_html(tmp, (const unsigned char *)buf_cstr(&utf8), utf8.len)
	             : ingest_text(tmp, (const unsigned char *)buf_cstr(&utf8), utf8.len);
	tmp->ctx = NULL;
	if (error == ENCLAVE_EEMPTY)
		error = 0;
	if (!error)
		error = doc_copy_blocks(doc, tmp, 0);
done:
	enclave_doc_free(tmp);
	buf_release(&utf8);
	if (s)
		g_object_unref(s);
	return error;
}

/* ------------------------------------------------------------------ */
/* The MIME tree                                                      */
/* ------------------------------------------------------------------ */

/* A walk over one message's MIME tree. */
struct walk {
	struct enclave_doc *doc;
	size_t parts;   /* parts seen, against EMAIL_MAX_PARTS */
	size_t unnamed; /* children named by number so far */
};

/* An extension for an unnamed part of type/subtype, so its child has a telling name. */
static const char *guess_ext(const char *type, const char *subtype)
{
	static const char *const map[][3] = {
		{ "message", "rfc822", ".eml" },     { "text", "plain", ".txt" },
		{ "text", "html", ".html" },         { "text", "calendar", ".ics" },
		{ "application", "pdf", ".pdf" },    { "image", "png", ".png" },
		{ "image", "jpeg", ".jpg" },         { "image", "gif", ".gif" },
		{ "application", "zip", ".zip" },    { "application", "msword", ".doc" },
		{ "application", "rtf", ".rtf" },    { "text", "rtf", ".rtf" },
		{ "application", "ms-tnef", ".dat" }
	};
	size_t i;

	for (i = 0; type && subtype && i < sizeof(map) / sizeof(map[0]); i++)
		if (!g_ascii_strcasecmp(type, map[i][0]) && !g_ascii_strcasecmp(subtype, map[i][1]))
			return map[i][2];
	return "";
}

/*
 * Add `obj` (a leaf part or a message/rfc822 part) as a child: its decoded
 * content, or the embedded message serialised. Empty parts are skipped.
 * Returns 0 or ENCLAVE_E*.
 */
static int add_child(struct walk *w, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *subtype = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	const char *fname = g_mime_object_get_content_disposition_parameter(obj, "filename");
	GMimeStream *s = NULL;
	const unsigned char *p;
	char name[64];
	size_t n;
	int error;

	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (!m)
			return 0;
		error = object_bytes(&s, w->doc, GMIME_OBJECT(m), 1);
	} else {
		if (GMIME_IS_PART(obj))
			fname = g_mime_part_get_filename(GMIME_PART(obj));
		error = object_bytes(&s, w->doc, obj, 0);
	}
	if (error < 0)
		return error;
	p = stream_data(s, &n);
	if (n) {
		if (!fname || !*fname) {
			snprintf(name, sizeof(name), "attachment-%zu%s", ++w->unnamed,
			         guess_ext(type, subtype));
			fname = name;
		}
		error = doc_add_child(w->doc, fname, p, n);
	}
	g_object_unref(s);
	return error;
}

/* Is `obj` text/plain or text/html (*html set for the latter)? */
static int is_body_type(GMimeObject *obj, int *html)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	*html = 0;
	if (!ct || !GMIME_IS_PART(obj) || GMIME_IS_MESSAGE_PARTIAL(obj))
		return 0;
	if (g_mime_content_type_is_type(ct, "text", "plain"))
		return 1;
	if (g_mime_content_type_is_type(ct, "text", "html"))
		return *html = 1;
	return 0;
}

/* Is `obj` marked as an attachment (Content-Disposition: attachment)? */
static int is_attachment(GMimeObject *obj)
{
	const char *d = g_mime_object_get_disposition(obj);

	return d && !g_ascii_strcasecmp(d, "attachment");
}

/*
 * Walk `obj` at `depth`: body text into blocks when `bodies` is set,
 * attachments and non-text parts into children. Returns 0 or ENCLAVE_E*.
 */
static int walk_part(struct walk *w, GMimeObject *obj, int depth, int bodies)
{
	int error, html;

	if (depth > ENCLAVE_MAX_NESTING)
		return error_set(ENCLAVE_ELIMIT, "MIME parts nested deeper than %d",
		                 ENCLAVE_MAX_NESTING);
	if (++w->parts > EMAIL_MAX_PARTS)
		return error_set(ENCLAVE_ELIMIT, "more than %d MIME parts", EMAIL_MAX_PARTS);
	if ((error = extract_check_time(w->doc)) < 0)
		return error;
	if (GMIME_IS_MULTIPART_ENCRYPTED(obj))
		return error_set(ENCLAVE_EENCRYPTED, "encrypted message (multipart/encrypted)");
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		GMimeContentType *ct = g_mime_object_get_content_type(obj);
		int i, n = g_mime_multipart_get_count(mp), chosen = -1;

		if (GMIME_IS_MULTIPART_SIGNED(obj) && n > 0)
			n = 1; /* the content; the signature is not text */
		if (bodies && ct && g_mime_content_type_is_type(ct, "multipart", "alternative")) {
			for (i = 0; i < n && chosen < 0; i++) {
				GMimeObject *c = g_mime_multipart_get_part(mp, i);
				if (is_body_type(c, &html) && !html && !is_attachment(c))
					chosen = i;
			}
			if (chosen < 0)
				chosen = n - 1;
		}
		for (i = 0; i < n; i++) {
			int b = chosen >= 0 ? bodies && i == chosen : bodies;
			if ((error = walk_part(w, g_mime_multipart_get_part(mp, i), depth + 1, b)) <
			    0)
				return error;
		}
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(obj))
		return add_child(w, obj);
	if (!GMIME_IS_PART(obj))
		return 0;
	if (is_body_type(obj, &html) && !is_attachment(obj))
		return bodies ? add_body(w->doc, obj, html) : 0;
	return add_child(w, obj);
}

/* ------------------------------------------------------------------ */
/* Headers                                                            */
/* ------------------------------------------------------------------ */

/*
 * Add the address list `l` as metadata `key` and a header line `label`.
 * Returns 0 or ENCLAVE_E*.
 */
static int add_addresses(struct enclave_doc *doc, struct buf *hdr, const char *key,
                         const char *label, InternetAddressList *l)
{
	char *s;
	int error = 0, r;

	if (!l || internet_address_list_length(l) <= 0)
		return 0;
	if (!(s = internet_address_list_to_string(l, NULL, FALSE)))
		return 0;
	if (*s) {
		if ((r = buf_printf(hdr, "%s: %s\n", label, s)) < 0)
			error = error_buf(r, "e-mail headers");
		else
			error = doc_set_meta(doc, key, s);
	}
	g_free(s);
	return error;
}

/*
 * The header block, metadata and title of `m`. Returns 0 or ENCLAVE_E*.
 */
static int add_headers(struct enclave_doc *doc, GMimeMessage *m)
{
	struct buf hdr = BUF_INIT(EMAIL_MAX_HEADER_BYTES);
	/*
	 * A paragraph, marked: the message's From/To/Subject are its content
	 * (and where names and addresses are), not a running page header that
	 * renderers hide.
	 */
	struct enclave_block t = doc_block_template(ENCLAVE_BLOCK_PARAGRAPH, 0, "markup");
	const char *subject = g_mime_message_get_subject(m);
	const char *id = g_mime_message_get_message_id(m);
	const char *date_raw = g_mime_object_get_header(GMIME_OBJECT(m), "Date");
	GDateTime *date = g_mime_message_get_date(m);
	int error, r = 0;

	if ((error = add_addresses(doc, &hdr, "from", "From", g_mime_message_get_from(m))) < 0 ||
	    (error = add_addresses(doc, &hdr, "sender", "Sender", g_mime_message_get_sender(m))) <
	        0 ||
	    (error = add_addresses(doc, &hdr, "reply_to", "Reply-To",
	                           g_mime_message_get_reply_to(m))) < 0 ||
	    (error = add_addresses(doc, &hdr, "to", "To", g_mime_message_get_to(m))) < 0 ||
	    (error = add_addresses(doc, &hdr, "cc", "Cc", g_mime_message_get_cc(m))) < 0 ||
	    (error = add_addresses(doc, &hdr, "bcc", "Bcc", g_mime_message_get_bcc(m))) < 0)
		goto done;
	if (date_raw && *date_raw)
		r = buf_printf(&hdr, "Date: %s\n", date_raw);
	if (r >= 0 && subject && *subject)
		r = buf_printf(&hdr, "Subject: %s\n", subject);
	if (r < 0) {
		error = error_buf(r, "e-mail headers");
		goto done;
	}
	if (date) {
		gchar *iso = g_date_time_format(date, "%Y-%m-%dT%H:%M:%S%:z");
		error = doc_set_meta(doc, "date", iso);
		g_free(iso);
		if (error < 0)
			goto done;
	}
	if ((error = doc_set_meta(doc, "subject", subject)) < 0 ||
	    (error = doc_set_meta(doc, "message_id", id)) < 0)
		goto done;
	if (subject && *subject && utf8_valid(subject, strlen(subject)) &&
	    (error = doc_set_title(doc, subject)) < 0)
		goto done;
	t.attrs = "{\"email_headers\":true}";
	error = doc_add_block(doc, &t, buf_cstr(&hdr), hdr.len);
done:
	buf_release(&hdr);
	return error;
}

/* ------------------------------------------------------------------ */
/* Messages and mailboxes                                             */
/* ------------------------------------------------------------------ */

/* Parser options of our own (the defaults are process-wide): loose, quiet. */
static GMimeParserOptions *parser_options(void)
{
	GMimeParserOptions *o = g_mime_parser_options_new();

	if (o) {
		g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
		g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
		g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	}
	return o;
}

/* Read message `m` into `doc`: headers, body, children. Returns 0 or ENCLAVE_E*. */
static int read_message(struct enclave_doc *doc, GMimeMessage *m)
{
	struct walk w = { doc, 0, 0 };
	GMimeObject *body = g_mime_message_get_mime_part(m);
	int error;

	if ((error = add_headers(doc, m)) < 0)
		return error;
	return body ? walk_part(&w, body, 0, 1) : 0;
}

/* One message (EML). */
static int read_eml(struct enclave_doc *doc, GMimeStream *stream, GMimeParserOptions *opts)
{
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *m;
	int error;

	if (!parser)
		return error_oom();
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	if (!(m = g_mime_parser_construct_message(parser, opts))) {
		g_object_unref(parser);
		return error_set(ENCLAVE_EINVALID, "not a readable e-mail message");
	}
	error = read_message(doc, m);
	g_object_unref(m);
	g_object_unref(parser);
	return error;
}

/*
 * Every message of a mailbox as a child: the bytes from its first header to
 * the end GMime found for it. Returns 0 or ENCLAVE_E*.
 */
static int read_mbox(struct enclave_doc *doc, GMimeStream *stream, GMimeParserOptions *opts,
                     const unsigned char *data, size_t len)
{
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	size_t count = 0;
	char name[64], num[32];
	int error = 0;

	if (!parser)
		return error_oom();
	g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);
	while (!g_mime_parser_eos(parser)) {
		GMimeMessage *m = g_mime_parser_construct_message(parser, opts);
		gint64 begin, end;

		if (!m)
			break;
		begin = g_mime_parser_get_headers_begin(parser);
		end = g_mime_parser_tell(parser);
		g_object_unref(m);
		if ((error = extract_check_time(doc)) < 0)
			break;
		if (begin < 0 || end <= begin || (guint64)end > len)
			continue;
		snprintf(name, sizeof(name), "message-%zu.eml", ++count);
		if ((error = doc_add_child(doc, name, data + begin, (size_t)(end - begin))) < 0)
			break;
	}
	g_object_unref(parser);
	if (!error && !count)
		error = error_set(ENCLAVE_EINVALID, "no message found in the mailbox");
	snprintf(num, sizeof(num), "%zu", count);
	if (!error)
		error = doc_set_meta(doc, "message_count", num);
	return error;
}

int ingest_email(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len)
{
	GMimeParserOptions *opts;
	GMimeStream *stream;
	int error;

	if ((error = mime_dl_gmime()) < 0)
		return error;
	pthread_once(&gmime_once, gmime_setup);
	if (!(opts = parser_options()))
		return error_oom();
	if (!(stream = g_mime_stream_mem_new_with_buffer((const char *)data, len))) {
		g_mime_parser_options_free(opts);
		return error_oom();
	}
	if (!strcmp(kind, "mbox"))
		error = read_mbox(doc, stream, opts, data, len);
	else
		error = read_eml(doc, stream, opts);
	g_object_unref(stream);
	g_mime_parser_options_free(opts);
	return error;
}
