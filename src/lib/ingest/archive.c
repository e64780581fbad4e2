/*
 * Archives through libarchive: ZIP, 7z, TAR (ustar, pax, GNU), and the
 * compressed streams gzip, bzip2 and xz. Every regular-file member becomes a
 * child document (doc_add_child); extract.c then extracts each child one
 * level deeper, so an archive inside an archive recurses until
 * ENCLAVE_MAX_CONTAINER_DEPTH.
 *
 * What a member is: only regular files. Directories, symbolic and hard
 * links, devices and FIFOs are skipped (counted in metadata "skipped"); a
 * link is never followed. Member names are kept as given ("../x", "/etc/x"
 * are names, nothing is ever written to disk).
 *
 * Compressed streams: a .tar.gz (.tgz, .tar.bz2, .tar.xz) is read in one
 * pass by libarchive's filters, so its members are the tar's members. Any
 * other gzip/bzip2/xz stream is one file: its one child is named after the
 * gzip header's original name (FNAME), else after the outer name without its
 * suffix ("notes.txt.gz" -> "notes.txt"). Only the filters built into
 * libarchive are enabled: one that would run an external program is refused.
 *
 * Budgets: every byte read out of a member is charged to the file's
 * decompression budget (extract_take_bytes) as it is read, so a bomb ends at
 * ENCLAVE_MAX_DECOMPRESSED_BYTES and fails the whole file. A member larger
 * than ENCLAVE_MAX_FILE_BYTES (declared, or found while reading) fails alone
 * as too large; its bytes are drained, and charged, without being kept. The
 * deadline is checked per member; doc_add_child bounds the member count.
 *
 * Failures of one member: an encrypted member fails alone ("encrypted: a
 * password is needed"; with --password libarchive tries it, ZIP only), as
 * does one whose data cannot be read. A damaged archive (truncated, bad
 * header) keeps the members read before the damage, the member cut by it
 * fails, and metadata "archive_error" says what happened ("truncated: ...");
 * an archive of which nothing could be read fails as a whole. Why not fail
 * every damaged archive: the members before the damage are whole and
 * checked by their own parsers, and a user of a partial backup wants them;
 * the metadata keeps the damage visible.
 *
 * The archive's own document has no text blocks: its content is its members,
 * and a listing of names would add to the search index words that are not
 * the documents' text (the names are the children's, and the ingest paths
 * "<archive>!/<member>"). Its metadata holds "archive_format" (zip, tar, 7z,
 * raw), "compression" (gzip, bzip2, xz, when there is one), "members"
 * (children added) and "skipped".
 */
#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <strings.h>

#include "ingest_int.h"

/* Bytes read from libarchive at a time. */
#define ARCHIVE_CHUNK 65536

const char *archive_kind(const unsigned char *data, size_t len)
{
	if (len >= 4 && !memcmp(data, "PK", 2) &&
	    (!memcmp(data + 2, "\x03\x04", 2) || !memcmp(data + 2, "\x05\x06", 2)))
		return "zip";
	if (len >= 262 && !memcmp(data + 257, "ustar", 5))
		return "tar";
	if (len >= 3 && data[0] == 0x1f && data[1] == 0x8b && data[2] == 8)
		return "gzip";
	if (len >= 4 && !memcmp(data, "BZh", 3) && data[3] >= '1' && data[3] <= '9')
		return "bzip2";
	if (len >= 6 && !memcmp(data,
	                        "\xfd"
	                        "7zXZ\0",
	                        6))
		return "xz";
	if (len >= 6 && !memcmp(data, "7z\xbc\xaf\x27\x1c", 6))
		return "7z";
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Opening                                                            */
/* ------------------------------------------------------------------ */

/*
 * What went wrong in `a`, in a few words for a message: "truncated",
 * "encrypted", or "damaged", then libarchive's own words (ASCII only, so
 * that the message stays valid UTF-8). Written to `out` of `cap` bytes.
 */
static const char *archive_why(char *out, size_t cap, struct archive *a, int *code)
{
	const char *s = archive_error_string(a);
	const char *what = "damaged";
	size_t i, n;

	*code = ENCLAVE_EINVALID;
	if (!s)
		s = "unknown error";
	if (strcasestr(s, "truncat") || strcasestr(s, "premature end") ||
	    strcasestr(s, "unexpected end")) {
		what = "truncated";
	} else if (strcasestr(s, "too many filters")) {
		/* A stream compressed inside itself again and again (a gzip quine). */
		what = "compressed too many times over";
		*code = ENCLAVE_ELIMIT;
	} else if (strcasestr(s, "encrypt") || strcasestr(s, "passphrase")) {
		what = "encrypted";
		*code = ENCLAVE_EENCRYPTED;
	}
	n = (size_t)snprintf(out, cap, "%s (%s)", what, s);
	for (i = 0; i < n && i < cap && out[i]; i++)
		if ((unsigned char)out[i] >= 0x80 || (unsigned char)out[i] < 0x20)
			out[i] = '?';
	return out;
}

/*
 * A reader over `data` for archives of `kind`, with `password` (NULL or ""
 * for none) offered for encrypted members. Returns 0 or ENCLAVE_E*.
 */
static int archive_open(struct archive **out, const char *kind, const unsigned char *data,
                        size_t len, const char *password)
{
	struct archive *a = archive_read_new();
	int ok = 1;

	*out = NULL;
	if (!a)
		return error_oom();
	if (!strcmp(kind, "zip")) {
		ok = archive_read_support_format_zip(a) == ARCHIVE_OK;
	} else if (!strcmp(kind, "7z")) {
		ok = archive_read_support_format_7zip(a) == ARCHIVE_OK;
	} else if (!strcmp(kind, "tar")) {
		ok = archive_read_support_format_tar(a) == ARCHIVE_OK;
	} else {
		/*
		 * A compressed stream: a tar inside, or one file (raw). A filter
		 * that is not built in returns ARCHIVE_WARN and would run an
		 * external program: refused.
		 */
		ok =
		    archive_read_support_format_tar(a) == ARCHIVE_OK &&
		    archive_read_support_format_raw(a) == ARCHIVE_OK &&
		    archive_read_support_format_empty(a) == ARCHIVE_OK; /* "empty", not "damaged" */
		if (!strcmp(kind, "gzip"))
			ok = ok && archive_read_support_filter_gzip(a) == ARCHIVE_OK;
		else if (!strcmp(kind, "bzip2"))
			ok = ok && archive_read_support_filter_bzip2(a) == ARCHIVE_OK;
		else if (!strcmp(kind, "xz"))
			ok = ok && archive_read_support_filter_xz(a) == ARCHIVE_OK;
		else
			ok = 0;
	}
	if (!ok) {
		archive_read_free(a);
		return error_set(ENCLAVE_EUNSUPPORTED, "unsupported: %s archives (libarchive)",
		                 kind);
	}
	if (password && *password && archive_read_add_passphrase(a, password) != ARCHIVE_OK) {
		archive_read_free(a);
		return error_oom();
	}
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		char why[600];
		int code;
		archive_why(why, sizeof(why), a, &code);
		archive_read_free(a);
		return error_set(code, "cannot read %s archive: %s", kind, why);
	}
	*out = a;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Names                                                              */
/* ------------------------------------------------------------------ */

/*
 * The original file name in a gzip header (FNAME), copied to `out` of `cap`
 * bytes; "" when there is none. Checked against the end of `data`.
 */
static void gzip_fname(char *out, size_t cap, const unsigned char *data, size_t len)
{
	const unsigned char *p = data + 10, *end = data + len;
	unsigned flags;
	size_t n = 0;

	out[0] = '\0';
	if (len < 10 || data[0] != 0x1f || data[1] != 0x8b)
		return;
	flags = data[3];
	if (flags & 4) { /* FEXTRA: a 2-byte length, then that many bytes */
		size_t xlen;
		if (end - p < 2)
			return;
		xlen = (size_t)p[0] | (size_t)p[1] << 8;
		p += 2;
		if ((size_t)(end - p) < xlen)
			return;
		p += xlen;
	}
	if (!(flags & 8)) /* no FNAME */
		return;
	while (p < end && *p && n + 1 < cap)
		out[n++] = (char)*p++;
	if (p < end && *p == 0)
		out[n] = '\0';
	else
		out[0] = '\0'; /* cut off or too long: not trusted */
}

/*
 * The name of the one file in a compressed stream of `kind`: the outer
 * name's last component without its suffix (".gz", ".bz2", ".xz", and the
 * like; ".tgz" -> ".tar"), or "data" when there is no outer name.
 */
static void stream_name(char *out, size_t cap, const char *outer, const char *kind)
{
	static const struct {
		const char *kind, *suffix, *replace;
	} suffixes[] = {
		{ "gzip", ".gz", "" },        { "gzip", ".gzip", "" },     { "gzip", ".z", "" },
		{ "gzip", ".tgz", ".tar" },   { "bzip2", ".bz2", "" },     { "bzip2", ".bz", "" },
		{ "bzip2", ".tbz2", ".tar" }, { "bzip2", ".tbz", ".tar" }, { "xz", ".xz", "" },
		{ "xz", ".txz", ".tar" },
	};
	const char *base;
	size_t n, i;

	if (!outer || !*outer || !strcmp(outer, "<memory>")) {
		snprintf(out, cap, "data");
		return;
	}
	base = strrchr(outer, '/');
	base = base ? base + 1 : outer;
	n = strlen(base);
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t s = strlen(suffixes[i].suffix);
		if (!strcmp(kind, suffixes[i].kind) && n > s &&
		    !strcasecmp(base + n - s, suffixes[i].suffix)) {
			snprintf(out, cap, "%.*s%s", (int)(n - s), base, suffixes[i].replace);
			return;
		}
	}
	snprintf(out, cap, "%s", *base ? base : "data");
}

/* ------------------------------------------------------------------ */
/* Reading members                                                    */
/* ------------------------------------------------------------------ */

/*
 * Read the data of the current entry of `a` into `out` (up to
 * ENCLAVE_MAX_FILE_BYTES; beyond, the rest is drained, charged and dropped
 * and *too_big set). Every byte is charged to `doc`'s budget.
 * Returns 0; ENCLAVE_ELIMIT when the budget or the time is spent; or a
 * libarchive status (< 0 but not an ENCLAVE_E* code: ARCHIVE_FAILED,
 * ARCHIVE_FATAL) through *ar when the data could not be read, with 0 returned.
 */
static int read_member(struct enclave_doc *doc, struct archive *a, struct buf *out, int *too_big,
                       int *ar)
{
	char *chunk = malloc(ARCHIVE_CHUNK);
	la_ssize_t got;
	int error = 0;

	*ar = ARCHIVE_OK;
	if (!chunk)
		return error_oom();
	while ((got = archive_read_data(a, chunk, ARCHIVE_CHUNK)) > 0) {
		if ((error = extract_take_bytes(doc, (size_t)got)) < 0)
			break;
		if (*too_big)
			continue;
		if (buf_put(out, chunk, (size_t)got) < 0) {
			/* Past ENCLAVE_MAX_FILE_BYTES (or out of memory): drop it. */
			*too_big = 1;
			buf_release(out);
			if ((error = extract_check_time(doc)) < 0)
				break;
		}
	}
	if (!error && got < 0)
		*ar = (int)got;
	free(chunk);
	return error;
}

/*
 * Does the ZIP end with its end of central directory record (the signature
 * within the last 22 + 65535 bytes, the longest comment)? A ZIP cut short
 * has none, though libarchive may still read its entries one by one.
 */
static int zip_has_end(const unsigned char *data, size_t len)
{
	size_t tail = len < 22 + 65535 ? len : 22 + 65535;

	return memmem(data + len - tail, tail, "PK\x05\x06", 4) != NULL;
}

/* The short, stable name of the archive format `a` has found. */
static const char *format_short(struct archive *a)
{
	switch (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_ZIP: return "zip";
	case ARCHIVE_FORMAT_TAR: return "tar";
	case ARCHIVE_FORMAT_7ZIP: return "7z";
	case ARCHIVE_FORMAT_RAW: return "raw";
	default: return archive_format_name(a) ? archive_format_name(a) : "unknown";
	}
}

/* The state of one archive being read. */
struct reading {
	struct enclave_doc *doc;
	const char *kind;
	const unsigned char *data;
	size_t len;
	size_t members;   /* children added, failed ones included */
	size_t skipped;   /* links, devices, FIFOs */
	char damage[600]; /* what stopped the reading early; "" when nothing */
	int damage_code;
};

/*
 * Add the current entry `e` of `a` as a child: its data, or a failed child
 * saying why. Returns 0; 1 when the archive cannot be read further (the
 * reason in r->damage); ENCLAVE_E* when the file must fail (budgets).
 */
static int take_member(struct reading *r, struct archive *a, struct archive_entry *e)
{
	struct buf data = BUF_INIT(ENCLAVE_MAX_FILE_BYTES);
	const char *name = archive_entry_pathname(e);
	char namebuf[4096], why[600];
	int too_big = 0, ar = ARCHIVE_OK, error, code;

	if (!name)
		name = archive_entry_pathname_utf8(e);
	if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW) {
		gzip_fname(namebuf, sizeof(namebuf), r->data, r->len);
		if (!*namebuf || strcmp(r->kind, "gzip"))
			stream_name(namebuf, sizeof(namebuf), r->doc->name, r->kind);
		name = namebuf;
	} else if (!name || !*name) {
		snprintf(namebuf, sizeof(namebuf), "member-%zu", r->members + 1);
		name = namebuf;
	}
	r->members++;
	if (archive_entry_is_data_encrypted(e) &&
	    !(r->doc->ctx && r->doc->ctx->opts->password && *r->doc->ctx->opts->password)) {
		archive_read_data_skip(a);
		return doc_add_failed_child(r->doc, name,
		                            "encrypted: a password is needed (--password)");
	}
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    (uint64_t)archive_entry_size(e) > ENCLAVE_MAX_FILE_BYTES)
		too_big = 1;
	if ((error = read_member(r->doc, a, &data, &too_big, &ar)) < 0)
		goto done;
	if (ar != ARCHIVE_OK) {
		archive_why(why, sizeof(why), a, &code);
		/*
		 * ZipCrypto checks a password against one byte: a wrong one
		 * passes 1 time in 256 and then fails as bad deflate data.
		 */
		if (archive_entry_is_data_encrypted(e))
			snprintf(why, sizeof(why), "encrypted: wrong password");
		error = doc_add_failed_child(r->doc, name, why);
		if (!error && ar <= ARCHIVE_FATAL) {
			snprintf(r->damage, sizeof(r->damage), "%s", why);
			r->damage_code = code;
			error = 1;
		}
	} else if (too_big) {
		snprintf(why, sizeof(why), "larger than %zu bytes", ENCLAVE_MAX_FILE_BYTES);
		error = doc_add_failed_child(r->doc, name, why);
	} else {
		error = doc_add_child(r->doc, name, data.ptr ? data.ptr : "", data.len);
	}
done:
	buf_release(&data);
	return error;
}

/* Set the archive's metadata: format, compression, counts. */
static int archive_meta(struct reading *r, struct archive *a)
{
	json_t *m = r->doc->metadata;
	int error;

	if ((error = doc_set_meta(r->doc, "archive_format", format_short(a))) < 0)
		return error;
	if (archive_filter_count(a) > 1 && archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE &&
	    (error = doc_set_meta(r->doc, "compression", archive_filter_name(a, 0))) < 0)
		return error;
	if (json_object_set_new(m, "members", json_integer((json_int_t)r->members)) ||
	    json_object_set_new(m, "skipped", json_integer((json_int_t)r->skipped)))
		return error_oom();
	if (*r->damage && (error = doc_set_meta(r->doc, "archive_error", r->damage)) < 0)
		return error;
	return 0;
}

int ingest_archive(struct enclave_doc *doc, const char *kind, const unsigned char *data, size_t len)
{
	struct reading r;
	struct archive *a = NULL;
	struct archive_entry *e;
	const char *password = doc->ctx ? doc->ctx->opts->password : NULL;
	int ar = ARCHIVE_OK, error, code;

	memset(&r, 0, sizeof(r));
	r.doc = doc, r.kind = kind, r.data = data, r.len = len;
	if ((error = archive_open(&a, kind, data, len, password)) < 0)
		return error;
	for (;;) {
		if ((error = extract_check_time(doc)) < 0)
			goto done;
		ar = archive_read_next_header(a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN) {
			archive_why(r.damage, sizeof(r.damage), a, &r.damage_code);
			break;
		}
		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
		    archive_entry_symlink(e)) {
			r.skipped++;
			continue;
		}
		if ((error = take_member(&r, a, e)) < 0)
			goto done;
		if (error == 1)
			break;
	}
	error = 0;
	if (!*r.damage && !strcmp(kind, "zip") && !zip_has_end(data, len)) {
		/* Read entry by entry from the local headers: all there, but cut. */
		snprintf(r.damage, sizeof(r.damage),
		         "truncated (no end of central directory record)");
		r.damage_code = ENCLAVE_EINVALID;
	}
	if (r.members == 0 && *r.damage) {
		/* Nothing could be read: the archive fails as a whole. */
		code = r.damage_code;
		error = error_set(code, "cannot read %s archive: %s", kind, r.damage);
		goto done;
	}
	if (r.members == 0) {
		error = error_set(ENCLAVE_EEMPTY, "empty %s archive (no files)", kind);
		goto done;
	}
	error = archive_meta(&r, a);
done:
	archive_read_free(a);
	return error;
}
