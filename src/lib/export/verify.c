/*
 * enclave_export_verify: check an export package (docs/formats/package.md)
 * with nothing but the package, as a folder or a tar.zst archive.
 *
 * The checks, in the order the report lists them:
 *   archive    the archive could be read to its end (archives only)
 *   manifest   manifest.json is present and well formed
 *   signature  manifest.sig is a valid Ed25519 signature of manifest.json's
 *              bytes by the given key, else by the package's pubkey (which
 *              must then match the manifest's public_key): the second proves
 *              integrity only, since whoever altered the package could have
 *              re-signed it with a key of their own
 *   file       each listed file: present, a plain file, its size and SHA-256
 *   missing    a listed file that is not in the package
 *   extra      anything in the package the manifest does not list (but
 *              manifest.json and manifest.sig), links, unsafe names
 *   audit      audit.jsonl: every event's hash recomputed, the links, the
 *              checkpoint signed by the same key as the manifest, for the
 *              manifest's project, and its head equal to the manifest's
 *              audit_head. The export's own event, which records the
 *              manifest's hash, comes after that head and is not in the
 *              package (package.c says why).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "export_int.h"

/* ------------------------------------------------------------------ */
/* The report                                                         */
/* ------------------------------------------------------------------ */

void enclave_export_verify_release(struct enclave_verify_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nchecks; i++) {
		free(r->checks[i].subject);
		free(r->checks[i].message);
	}
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

/* Add a check line. Returns 0 or ENCLAVE_ENOMEM. */
static int add(struct enclave_verify_report *r, const char *check, const char *subject, int ok,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int add(struct enclave_verify_report *r, const char *check, const char *subject, int ok,
               const char *fmt, ...)
{
	struct enclave_verify_check *c;
	va_list ap;
	int n;

	if (r->nchecks % 64 == 0) {
		if (!(c = realloc(r->checks, (r->nchecks + 64) * sizeof(*c))))
			return error_oom();
		r->checks = c;
	}
	c = &r->checks[r->nchecks];
	memset(c, 0, sizeof(*c));
	c->check = check;
	c->ok = ok;
	va_start(ap, fmt);
	n = vasprintf(&c->message, fmt, ap);
	va_end(ap);
	if (n < 0 || !(c->subject = strdup(subject ? subject : ""))) {
		if (n >= 0)
			free(c->message);
		return error_oom();
	}
	r->nchecks++;
	if (!ok) {
		r->ok = 0;
		r->problems++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The manifest                                                       */
/* ------------------------------------------------------------------ */

struct listed {
	const char *path, *sha256;
	int64_t size;
};

struct manifest {
	json_t *root;
	struct listed *files; /* sorted by path */
	size_t nfiles;
	const char *project_id, *public_key, *head_hash;
	int64_t head_seq;
};

static int is_hex(const char *s, size_t n)
{
	return s && strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

static int cmp_listed(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->path, ((const struct listed *)b)->path);
}

/*
 * Parse the manifest's text into `m`. Returns 1 when well formed, 0 with the
 * reason in `why` (sizeof 256) when not, or ENCLAVE_ENOMEM.
 */
static int parse_manifest(struct manifest *m, const struct buf *text, char why[256])
{
	json_error_t jerr;
	json_t *files, *f;
	json_int_t version;
	size_t i;

	memset(m, 0, sizeof(*m));
	m->root = json_loadb(text->ptr ? text->ptr : "", text->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!m->root) {
		snprintf(why, 256, "not JSON: %s at line %d", jerr.text, jerr.line);
		return 0;
	}
	if (!json_is_object(m->root) ||
	    json_unpack(m->root, "{s:I,s:o,s:s,s:s,s:{s:I,s:s}}", "manifest_version", &version,
	                "files", &files, "project_id", &m->project_id, "public_key", &m->public_key,
	                "audit_head", "seq", &m->head_seq, "hash", &m->head_hash) < 0) {
		snprintf(why, 256,
		         "not a package manifest (manifest_version, files, project_id, public_key "
		         "and audit_head are required)");
		return 0;
	}
	if (version != 1) {
		snprintf(why, 256, "manifest_version %lld is not one this build reads (1)",
		         (long long)version);
		return 0;
	}
	if (!json_is_array(files) || json_array_size(files) > ENCLAVE_MAX_PACKAGE_FILES) {
		snprintf(why, 256, "files is not an array of at most %d entries",
		         ENCLAVE_MAX_PACKAGE_FILES);
		return 0;
	}
	if (!(m->files = calloc(json_array_size(files) + 1, sizeof(*m->files))))
		return error_oom();
	json_array_foreach(files, i, f)
	{
		struct listed *l = &m->files[i];
		json_int_t size;
		const char *bad;
		if (json_unpack(f, "{s:s,s:I,s:s}", "path", &l->path, "size", &size, "sha256",
		                &l->sha256) < 0 ||
		    size < 0 || !is_hex(l->sha256, 64)) {
			snprintf(why, 256,
			         "files[%zu] is not {path, size >= 0, sha256 of 64 lowercase hex}",
			         i);
			return 0;
		}
		if ((bad = pkg_name_problem(l->path)) || !strcmp(l->path, "manifest.json") ||
		    !strcmp(l->path, "manifest.sig")) {
			snprintf(why, 256, "files[%zu]: '%.100s' is %s", i, l->path,
			         bad ? bad : "not a file the manifest may list");
			return 0;
		}
		l->size = size;
	}
	m->nfiles = json_array_size(files);
	qsort(m->files, m->nfiles, sizeof(*m->files), cmp_listed);
	for (i = 1; i < m->nfiles; i++)
		if (!strcmp(m->files[i].path, m->files[i - 1].path)) {
			snprintf(why, 256, "'%.100s' is listed twice", m->files[i].path);
			return 0;
		}
	if (!is_hex(m->public_key, 64) || !is_hex(m->head_hash, 64)) {
		snprintf(why, 256, "public_key or audit_head.hash is not 64 lowercase hex digits");
		return 0;
	}
	return 1;
}

static void manifest_release(struct manifest *m)
{
	json_decref(m->root);
	free(m->files);
}

/* The member `path` of the package, or NULL. */
static struct pkg_member *find_member(struct pkg_read *p, const char *path)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->m[mid].path, path);
		if (!c)
			return &p->m[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int is_listed(const struct manifest *m, const char *path)
{
	struct listed key = { path, NULL, 0 };
	return m->files && bsearch(&key, m->files, m->nfiles, sizeof(key), cmp_listed) != NULL;
}

/* The first line of a small file, without its newline, into out (size n). */
static void first_line(char *out, size_t n, const struct buf *b)
{
	size_t len = b->ptr ? strcspn(b->ptr, "\r\n") : 0;

	if (len >= n)
		len = n - 1;
	memcpy(out, b->ptr ? b->ptr : "", len);
	out[len] = '\0';
}

/* ------------------------------------------------------------------ */
/* The checks                                                         */
/* ------------------------------------------------------------------ */

/*
 * The signature. `key` receives the key the audit chain is checked with too
 * ("" when none is usable).
 */
static int check_signature(struct enclave_verify_report *r, struct pkg_read *p,
                           const struct manifest *m, const char *given, char key[65])
{
	unsigned char pk[ED25519_PK_BYTES];
	char sig[160], shipped[80];

	key[0] = '\0';
	first_line(shipped, sizeof(shipped), &p->pubkey);
	if (given) {
		snprintf(key, 65, "%s", given);
		r->origin = 1;
	} else if (!p->have_pubkey || !is_hex(shipped, 64)) {
		return add(r, "signature", "pubkey", 0,
		           "no usable public key: the package's pubkey is %s and no --pubkey was "
		           "given",
		           p->have_pubkey ? "not 64 lowercase hex digits" : "missing");
	} else {
		memcpy(key, shipped, 64); /* is_hex: exactly 64 */
		key[64] = '\0';
	}
	snprintf(r->key_id, sizeof(r->key_id), "%.16s", key);
	if (!p->have_sig)
		return add(r, "signature", "manifest.sig", 0, "manifest.sig is missing");
	first_line(sig, sizeof(sig), &p->sig);
	if (!p->have_manifest)
		return add(r, "signature", "manifest.sig", 0, "nothing to check: no manifest.json");
	if (!is_hex(sig, 128))
		return add(r, "signature", "manifest.sig", 0,
		           "manifest.sig is not 128 lowercase hex digits");
	if (hex_decode(pk, sizeof(pk), key) < 0 ||
	    sign_verify_hex(sig, p->manifest.ptr ? p->manifest.ptr : "", p->manifest.len, pk) < 0)
		return add(
		    r, "signature", "manifest.sig", 0,
		    "manifest.sig is not a valid signature of manifest.json by %s key %.16s%s",
		    given ? "the given" : "the package's", key,
		    given && m->public_key && strcmp(m->public_key, given)
		        ? " (the manifest names another key: the package comes from "
		          "another project, or was re-signed)"
		        : "");
	if (m->public_key && strcmp(m->public_key, key))
		return add(r, "signature", "manifest.sig", 0,
		           "manifest.json names key %.16s, the signature is by %.16s",
		           m->public_key, key);
	if (given)
		return add(r, "signature", "manifest.sig", 1,
		           "valid signature of manifest.json by the given key %.16s: the package "
		           "comes from the holder of that key",
		           key);
	return add(r, "signature", "manifest.sig", 1,
	           "valid signature of manifest.json by the package's own key %.16s: this proves "
	           "integrity only, not origin (check with --pubkey and a key from a trusted "
	           "channel)",
	           key);
}

/* Each listed file, then the extras. */
static int check_files(struct enclave_verify_report *r, struct pkg_read *p,
                       const struct manifest *m)
{
	size_t i;
	int error;

	for (i = 0; i < m->nfiles; i++) {
		const struct listed *l = &m->files[i];
		struct pkg_member *x = find_member(p, l->path);
		if (!x)
			error = add(r, "missing", l->path, 0,
			            "%s: listed in the manifest, not in the package", l->path);
		else if (x->problem)
			error = add(r, "file", l->path, 0, "%s: %s", l->path, x->problem);
		else if (x->size != l->size)
			error = add(r, "file", l->path, 0, "%s: %lld bytes, the manifest says %lld",
			            l->path, (long long)x->size, (long long)l->size);
		else if (strcmp(x->sha256, l->sha256))
			error =
			    add(r, "file", l->path, 0,
			        "%s: sha256 %.16s..., the manifest says %.16s...: the content was "
			        "changed",
			        l->path, x->sha256, l->sha256);
		else
			error =
			    add(r, "file", l->path, 1, "%s: %lld bytes, sha256 %.16s... as listed",
			        l->path, (long long)x->size, x->sha256);
		if (error < 0)
			return error;
	}
	for (i = 0; i < p->n; i++) {
		const struct pkg_member *x = &p->m[i];
		error = 0;
		if (x->problem && !is_listed(m, x->path))
			error = add(r, "extra", x->path, 0, "%s: %s, not in the manifest", x->path,
			            x->problem);
		else if (!x->problem && !is_listed(m, x->path) &&
		         strcmp(x->path, "manifest.json") && strcmp(x->path, "manifest.sig"))
			error = add(r, "extra", x->path, 0,
			            "%s: in the package, not in the manifest", x->path);
		if (error < 0)
			return error;
	}
	return 0;
}

/* The audit chain of audit.jsonl, with the key the signature was checked with. */
static int check_audit(struct enclave_verify_report *r, struct pkg_read *p,
                       const struct manifest *m, const char *key)
{
	struct enclave_audit_report ar;
	struct audit_file_head head;
	int error;

	if (!p->audit)
		return add(r, "audit", "audit.jsonl", 0, "audit.jsonl is missing");
	if (!is_hex(key, 64))
		return add(r, "audit", "audit.jsonl", 0, "not checked: no usable public key");
	if ((error = audit_verify_stream(p->audit, "audit.jsonl", key, &ar, &head)) < 0)
		return error;
	if (!ar.ok)
		return add(r, "audit", "audit.jsonl", 0, "audit.jsonl: %s", ar.message);
	if (strcmp(head.project, m->project_id))
		return add(r, "audit", "audit.jsonl", 0,
		           "audit.jsonl is the chain of project %.40s, the manifest names %.40s",
		           head.project, m->project_id);
	if (head.seq != m->head_seq || strcmp(head.hash, m->head_hash))
		return add(
		    r, "audit", "audit.jsonl", 0,
		    "audit.jsonl ends at event %lld (%.16s...), the manifest's audit_head is "
		    "event %lld (%.16s...)",
		    (long long)head.seq, head.hash, (long long)m->head_seq, m->head_hash);
	return add(r, "audit", "audit.jsonl", 1,
	           "audit.jsonl: %lld events, hashes and links recomputed, checkpoint signed by "
	           "key %.16s, head event %lld as the manifest says",
	           (long long)ar.events, key, (long long)head.seq);
}

int enclave_export_verify(struct enclave_verify_report *r, const char *package, const char *given)
{
	struct pkg_read p;
	struct manifest m;
	struct stat st;
	char why[256] = "", key[65] = "";
	int error, archive, well_formed = 0;

	memset(r, 0, sizeof(*r));
	memset(&m, 0, sizeof(m));
	r->ok = 1;
	if (given && !is_hex(given, 64))
		return error_set(
		    ENCLAVE_EINVALID,
		    "the public key must be 64 lowercase hex digits (key/ed25519.pub)");
	if (stat(package, &st) < 0)
		return error_set(errno == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		                 "cannot open '%s': %s", package, strerror(errno));
	archive = !S_ISDIR(st.st_mode);
	error = archive ? pkg_read_archive(&p, package) : pkg_read_dir(&p, package);
	if (error < 0)
		goto done;
	if (p.fatal)
		error = add(r, archive ? "archive" : "package", package, 0, "%s", p.fatal);
	else if (archive)
		error = add(r, "archive", package, 1, "read %zu members", p.n);
	if (error < 0)
		goto done;
	if (!p.have_manifest) {
		const struct pkg_member *x = find_member(&p, "manifest.json");
		error = add(r, "manifest", "manifest.json", 0, "manifest.json is %s",
		            x && x->problem ? x->problem : "missing");
	} else if ((well_formed = parse_manifest(&m, &p.manifest, why)) < 0) {
		error = well_formed;
	} else if (!well_formed) {
		error = add(r, "manifest", "manifest.json", 0, "manifest.json: %s", why);
	} else {
		r->files = m.nfiles;
		error = add(r, "manifest", "manifest.json", 1,
		            "manifest.json: %zu files, project %s, audit head %lld", m.nfiles,
		            m.project_id, (long long)m.head_seq);
	}
	if (error < 0)
		goto done;
	if ((error = check_signature(r, &p, well_formed ? &m : &(struct manifest){ 0 }, given,
	                             key)) < 0)
		goto done;
	if (!well_formed)
		goto done; /* without a manifest, nothing else can be checked */
	if ((error = check_files(r, &p, &m)) < 0)
		goto done;
	if (is_listed(&m, "audit.jsonl"))
		error = check_audit(r, &p, &m, key);
	else
		error = add(r, "audit", "audit.jsonl", 0, "audit.jsonl is not in the manifest");
done:
	manifest_release(&m);
	pkg_read_release(&p);
	if (error < 0)
		enclave_export_verify_release(r);
	return error < 0 ? error : 0;
}
