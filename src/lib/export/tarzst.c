/*
 * Packages as files on disk and in a tar.zst archive: the reproducible
 * archive writer (enclave_export_archive) and the two readers that
 * enclave verify uses (pkg_read_dir, pkg_read_archive), which turn a
 * package into one list of members with their sizes and SHA-256, the small
 * files it needs in memory, and audit.jsonl as a stream.
 *
 * The archive: a POSIX tar (pax restricted: ustar headers, a pax header only
 * for a long or non-ASCII name) compressed with zstd, holding the regular
 * files of the folder sorted by their path's bytes, each with mode 0644,
 * mtime 0, uid and gid 0 and no user or group names: the same folder gives
 * the same bytes. No directory entries: a member "a/b" implies its folder.
 *
 * The archive reader trusts nothing: only tar formats through the zstd
 * filter (or none); a member is a package file only when it is a regular
 * file with a safe relative name (no absolute path, no "." or ".." or empty
 * component, no backslash or control character, at most
 * ENCLAVE_MAX_PACKAGE_NAME_BYTES); links, directories and devices are
 * listed with their problem and never followed; member data is hashed as it
 * streams by and never written anywhere but audit.jsonl's temporary copy
 * (tmpfile(3): unnamed, gone at close). Declared sizes above
 * ENCLAVE_MAX_PACKAGE_FILE_BYTES, more than ENCLAVE_MAX_PACKAGE_FILES
 * members or ENCLAVE_MAX_PACKAGE_BYTES in all stop the reading.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export_int.h"
#include "../../util/fs.h"

#define CHUNK 65536

/* ------------------------------------------------------------------ */
/* Walking a folder                                                   */
/* ------------------------------------------------------------------ */

struct walk_entry {
	char *path;          /* relative to the folder */
	const char *problem; /* NULL for a regular file, else what it is */
};

struct walk {
	struct walk_entry *v;
	size_t n, cap;
};

static void walk_release(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i].path);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static int walk_add(struct walk *w, const char *path, const char *problem)
{
	if (w->n >= ENCLAVE_MAX_PACKAGE_FILES)
		return error_set(ENCLAVE_ELIMIT, "more than %d files", ENCLAVE_MAX_PACKAGE_FILES);
	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 32;
		struct walk_entry *v = realloc(w->v, ncap * sizeof(*v));
		if (!v)
			return error_oom();
		w->v = v;
		w->cap = ncap;
	}
	if (!(w->v[w->n].path = strdup(path)))
		return error_oom();
	w->v[w->n].problem = problem;
	w->n++;
	return 0;
}

/*
 * Add the entries under `root`/`rel` ("" for the folder itself) to `w`:
 * regular files, and anything else that is not a folder with its problem.
 * Folders are walked (at most ENCLAVE_MAX_WALK_DEPTH deep), never listed.
 */
static int walk_dir(struct walk *w, const char *root, const char *rel, int depth)
{
	struct buf path = BUF_INIT(ENCLAVE_MAX_PACKAGE_NAME_BYTES + 65536);
	struct buf sub = BUF_INIT(ENCLAVE_MAX_PACKAGE_NAME_BYTES + 1);
	struct dirent *de;
	DIR *d;
	int error = 0;

	if (depth > ENCLAVE_MAX_WALK_DEPTH)
		return error_set(ENCLAVE_ELIMIT, "'%s/%s': folders nested deeper than %d", root,
		                 rel, ENCLAVE_MAX_WALK_DEPTH);
	if (buf_printf(&path, "%s%s%s", root, *rel ? "/" : "", rel) < 0)
		return error_oom();
	if (!(d = opendir(buf_cstr(&path)))) {
		error = error_set(errno == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		                  "cannot open '%s': %s", buf_cstr(&path), strerror(errno));
		buf_release(&path);
		return error;
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat st;
		size_t keep = path.len;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		buf_clear(&sub);
		if (buf_printf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0 ||
		    buf_printf(&path, "/%s", de->d_name) < 0) {
			error = error_set(ENCLAVE_ELIMIT, "'%s/%s%s%s': name too long", root, rel,
			                  *rel ? "/" : "", de->d_name);
			break;
		}
		if (lstat(buf_cstr(&path), &st) < 0) {
			error = error_set(ENCLAVE_EIO, "cannot read '%s': %s", buf_cstr(&path),
			                  strerror(errno));
			break;
		}
		buf_truncate(&path, keep);
		if (S_ISDIR(st.st_mode))
			error = walk_dir(w, root, buf_cstr(&sub), depth + 1);
		else
			error = walk_add(w, buf_cstr(&sub),
			                 S_ISREG(st.st_mode)   ? NULL
			                 : S_ISLNK(st.st_mode) ? "a symbolic link"
			                                       : "not a regular file");
		if (error < 0)
			break;
	}
	if (!error && errno)
		error = error_set(ENCLAVE_EIO, "cannot read '%s': %s", buf_cstr(&path),
		                  strerror(errno));
	closedir(d);
	buf_release(&path);
	buf_release(&sub);
	return error;
}

static int cmp_walk(const void *a, const void *b)
{
	return strcmp(((const struct walk_entry *)a)->path, ((const struct walk_entry *)b)->path);
}

/* ------------------------------------------------------------------ */
/* The archive writer                                                 */
/* ------------------------------------------------------------------ */

/* libarchive's message, or "unknown error". */
static const char *arch_msg(struct archive *a)
{
	const char *m = archive_error_string(a);
	return m ? m : "unknown error";
}

/* Copy the file `path` into the archive as member `name`. */
static int put_member(struct archive *a, const char *path, const char *name,
                      const char *archive_path, unsigned char *chunk)
{
	struct archive_entry *e = NULL;
	struct stat st;
	int fd, error = 0;
	int64_t left;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 || fstat(fd, &st) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	if (!(e = archive_entry_new())) {
		error = error_oom();
		goto done;
	}
	archive_entry_set_pathname_utf8(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, st.st_size);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", archive_path, arch_msg(a));
		goto done;
	}
	for (left = st.st_size; left > 0;) {
		ssize_t n = read(fd, chunk, left < CHUNK ? (size_t)left : CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error = error_set(ENCLAVE_EIO, "cannot read '%s': %s", path,
			                  n < 0 ? strerror(errno) : "it shrank while being read");
			goto done;
		}
		if (archive_write_data(a, chunk, (size_t)n) != n) {
			error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", archive_path,
			                  arch_msg(a));
			goto done;
		}
		left -= n;
	}
done:
	archive_entry_free(e);
	if (fd >= 0)
		close(fd);
	return error;
}

int enclave_export_archive(const char *dir, const char *archive_path)
{
	struct walk w = { NULL, 0, 0 };
	struct buf tmp = BUF_INIT(65536), path = BUF_INIT(65536 + ENCLAVE_MAX_PACKAGE_NAME_BYTES);
	struct archive *a = NULL;
	unsigned char *chunk = NULL;
	size_t i;
	int error, fd = -1;

	if (fs_exists(archive_path))
		return error_set(ENCLAVE_EEXISTS, "'%s' already exists", archive_path);
	if ((error = walk_dir(&w, dir, "", 0)) < 0)
		goto done;
	if (w.n > 1)
		qsort(w.v, w.n, sizeof(*w.v), cmp_walk);
	for (i = 0; i < w.n; i++)
		if (w.v[i].problem) {
			error = error_set(ENCLAVE_EINVALID, "cannot pack '%s/%s': %s", dir,
			                  w.v[i].path, w.v[i].problem);
			goto done;
		}
	if (buf_printf(&tmp, "%s.tmp.%ld", archive_path, (long)getpid()) < 0 ||
	    !(chunk = malloc(CHUNK)) || !(a = archive_write_new())) {
		error = error_oom();
		goto done;
	}
	if ((fd = open(buf_cstr(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot create '%s': %s", buf_cstr(&tmp),
		                  strerror(errno));
		goto done;
	}
	if (archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", archive_path, arch_msg(a));
		goto done;
	}
	for (i = 0; i < w.n; i++) {
		buf_clear(&path);
		if (buf_printf(&path, "%s/%s", dir, w.v[i].path) < 0) {
			error = error_oom();
			goto done;
		}
		if ((error = put_member(a, buf_cstr(&path), w.v[i].path, archive_path, chunk)) < 0)
			goto done;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", archive_path, arch_msg(a));
		goto done;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		error =
		    error_set(ENCLAVE_EIO, "cannot write '%s': %s", archive_path, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(buf_cstr(&tmp), archive_path) < 0)
		error =
		    error_set(ENCLAVE_EIO, "cannot write '%s': %s", archive_path, strerror(errno));
done:
	if (a)
		archive_write_free(a);
	if (fd >= 0)
		close(fd);
	if (error && tmp.len)
		unlink(buf_cstr(&tmp));
	free(chunk);
	walk_release(&w);
	buf_release(&tmp);
	buf_release(&path);
	return error;
}

/* ------------------------------------------------------------------ */
/* The readers                                                        */
/* ------------------------------------------------------------------ */

const char *pkg_name_problem(const char *name)
{
	const char *p, *c;
	size_t len = strlen(name);

	if (!len)
		return "an empty name";
	if (len > ENCLAVE_MAX_PACKAGE_NAME_BYTES)
		return "a name too long";
	if (name[0] == '/')
		return "an absolute path";
	for (p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return "a control character or backslash in its name";
	for (p = name;; p = c + 1) {
		size_t n;
		c = strchr(p, '/');
		n = c ? (size_t)(c - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return "a path with an empty, '.' or '..' component";
		if (!c)
			break;
	}
	return NULL;
}

void pkg_read_release(struct pkg_read *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->m[i].path);
	free(r->m);
	buf_release(&r->manifest);
	buf_release(&r->sig);
	buf_release(&r->pubkey);
	if (r->audit)
		fclose(r->audit);
	free(r->fatal);
	memset(r, 0, sizeof(*r));
}

static void pkg_init(struct pkg_read *r)
{
	memset(r, 0, sizeof(*r));
	r->manifest = (struct buf)BUF_INIT(ENCLAVE_MAX_MANIFEST_BYTES);
	r->sig = (struct buf)BUF_INIT(ENCLAVE_MAX_PACKAGE_SMALL_BYTES);
	r->pubkey = (struct buf)BUF_INIT(ENCLAVE_MAX_PACKAGE_SMALL_BYTES);
}

/* Add a member; its hash is filled in by the caller. */
static int pkg_add(struct pkg_read *r, const char *path, const char *problem)
{
	struct pkg_member *m;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 32;
		if (!(m = realloc(r->m, ncap * sizeof(*m))))
			return error_oom();
		r->m = m;
		r->cap = ncap;
	}
	m = &r->m[r->n];
	memset(m, 0, sizeof(*m));
	if (!(m->path = strdup(path)))
		return error_oom();
	m->problem = problem;
	r->n++;
	return 0;
}

/* The small file `name` keeps its content in, or NULL. */
static struct buf *keeper(struct pkg_read *r, const char *name, int **have)
{
	if (!strcmp(name, "manifest.json")) {
		*have = &r->have_manifest;
		return &r->manifest;
	}
	if (!strcmp(name, "manifest.sig")) {
		*have = &r->have_sig;
		return &r->sig;
	}
	if (!strcmp(name, "pubkey")) {
		*have = &r->have_pubkey;
		return &r->pubkey;
	}
	return NULL;
}

/* Set the fatal problem (the package could not be read to its end). */
static int pkg_fatal(struct pkg_read *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int pkg_fatal(struct pkg_read *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	free(r->fatal);
	r->fatal = NULL;
	va_start(ap, fmt);
	n = vasprintf(&r->fatal, fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->fatal = NULL;
		return error_oom();
	}
	return 0;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct pkg_member *)a)->path, ((const struct pkg_member *)b)->path);
}

/* Sort the members; a second member of the same name gets a problem. */
static void pkg_sort(struct pkg_read *r)
{
	size_t i;

	if (r->n < 2)
		return;
	qsort(r->m, r->n, sizeof(*r->m), cmp_member);
	for (i = 1; i < r->n; i++)
		if (!strcmp(r->m[i].path, r->m[i - 1].path) && !r->m[i].problem)
			r->m[i].problem = "a second member of the same name";
}

int pkg_read_dir(struct pkg_read *r, const char *dir)
{
	struct walk w = { NULL, 0, 0 };
	struct buf path = BUF_INIT(65536 + ENCLAVE_MAX_PACKAGE_NAME_BYTES);
	size_t i;
	int error;

	pkg_init(r);
	if ((error = walk_dir(&w, dir, "", 0)) < 0) {
		if (error == ENCLAVE_ELIMIT)
			error = pkg_fatal(r, "%s", enclave_error_last());
		goto done;
	}
	for (i = 0; i < w.n; i++) {
		struct pkg_member *m;
		struct buf *keep;
		int *have;
		if ((error = pkg_add(r, w.v[i].path, w.v[i].problem)) < 0)
			goto done;
		m = &r->m[r->n - 1];
		if (m->problem)
			continue;
		buf_clear(&path);
		if (buf_printf(&path, "%s/%s", dir, m->path) < 0) {
			error = error_oom();
			goto done;
		}
		if ((error = sha256_file_hex(m->sha256, &m->size, buf_cstr(&path))) < 0)
			goto done;
		if ((keep = keeper(r, m->path, &have))) {
			if (fs_read_file(keep, buf_cstr(&path)) < 0) {
				if (errno != EFBIG) {
					error = error_set(ENCLAVE_EIO, "cannot read '%s': %s",
					                  buf_cstr(&path), strerror(errno));
					goto done;
				}
				m->problem = "larger than the limit for it";
			} else {
				*have = 1;
			}
		}
		if (!strcmp(m->path, "audit.jsonl") && !(r->audit = fopen(buf_cstr(&path), "r"))) {
			error = error_set(ENCLAVE_EIO, "cannot open '%s': %s", buf_cstr(&path),
			                  strerror(errno));
			goto done;
		}
	}
	pkg_sort(r);
done:
	walk_release(&w);
	buf_release(&path);
	return error;
}

/* Read the data of the current member: hash it, keep or copy what is needed. */
static int read_member(struct pkg_read *r, struct archive *a, struct pkg_member *m,
                       unsigned char *chunk, int64_t *total)
{
	struct sha256_ctx *c;
	struct buf *keep;
	int *have = NULL, keep_ok = 1, error = 0;
	FILE *copy = NULL;

	keep = keeper(r, m->path, &have);
	if (!strcmp(m->path, "audit.jsonl") && !r->audit && !(copy = tmpfile()))
		return error_set(ENCLAVE_EIO, "cannot make a temporary file: %s", strerror(errno));
	if ((error = sha256_new(&c)) < 0)
		goto done;
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			sha256_free(c);
			error = pkg_fatal(r, "member '%s': %s", m->path, arch_msg(a));
			m->problem = "cut short by damage to the archive";
			if (!error)
				error = 1;
			goto done;
		}
		m->size += n;
		*total += n;
		if (m->size > ENCLAVE_MAX_PACKAGE_FILE_BYTES ||
		    *total > ENCLAVE_MAX_PACKAGE_BYTES) {
			sha256_free(c);
			error =
			    pkg_fatal(r, "member '%s': more data than the limits allow", m->path);
			m->problem = "larger than the limit";
			if (!error)
				error = 1;
			goto done;
		}
		if ((error = sha256_update(c, chunk, (size_t)n)) < 0) {
			sha256_free(c);
			goto done;
		}
		if (keep && keep_ok && buf_put(keep, chunk, (size_t)n) < 0)
			keep_ok = 0;
		if (copy && fwrite(chunk, 1, (size_t)n, copy) != (size_t)n) {
			sha256_free(c);
			error = error_set(ENCLAVE_EIO, "cannot write a temporary file: %s",
			                  strerror(errno));
			goto done;
		}
	}
	if ((error = sha256_finish_hex(c, m->sha256)) < 0)
		goto done;
	if (keep && keep_ok)
		*have = 1;
	else if (keep)
		m->problem = "larger than the limit for it";
	if (copy) {
		if (fflush(copy) != 0 || fseek(copy, 0, SEEK_SET) != 0) {
			error = error_set(ENCLAVE_EIO, "cannot write a temporary file: %s",
			                  strerror(errno));
			goto done;
		}
		r->audit = copy;
		copy = NULL;
	}
done:
	if (copy)
		fclose(copy);
	return error;
}

int pkg_read_archive(struct pkg_read *r, const char *path)
{
	struct archive *a;
	struct archive_entry *e;
	unsigned char *chunk = NULL;
	int64_t total = 0;
	int error = 0, rc;

	pkg_init(r);
	if (!(a = archive_read_new()) || !(chunk = malloc(CHUNK))) {
		if (a)
			archive_read_free(a);
		return error_oom();
	}
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, CHUNK) != ARCHIVE_OK) {
		if (!fs_exists(path))
			error =
			    error_set(ENCLAVE_ENOTFOUND, "cannot open '%s': no such file", path);
		else
			error =
			    pkg_fatal(r, "'%s' is not a tar.zst package: %s", path, arch_msg(a));
		goto done;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname_utf8(e), *problem = NULL;
		mode_t type = archive_entry_filetype(e);
		struct pkg_member *m;
		if (!name)
			name = archive_entry_pathname(e);
		if (!name)
			name = "";
		if (r->n >= ENCLAVE_MAX_PACKAGE_FILES) {
			error = pkg_fatal(r, "more than %d members", ENCLAVE_MAX_PACKAGE_FILES);
			goto done;
		}
		if (archive_entry_hardlink(e))
			problem = "a hard link";
		else if (type == AE_IFLNK)
			problem = "a symbolic link";
		else if (type == AE_IFDIR)
			problem = "a directory entry (packages hold files only)";
		else if (type != AE_IFREG)
			problem = "not a regular file";
		else
			problem = pkg_name_problem(name);
		if (!problem && archive_entry_size_is_set(e) &&
		    archive_entry_size(e) > ENCLAVE_MAX_PACKAGE_FILE_BYTES) {
			error = pkg_fatal(r, "member '%s' declares %lld bytes, more than the limit",
			                  name, (long long)archive_entry_size(e));
			goto done;
		}
		if (strlen(name) > ENCLAVE_MAX_PACKAGE_NAME_BYTES) {
			error = pkg_fatal(r, "a member name longer than %d bytes",
			                  ENCLAVE_MAX_PACKAGE_NAME_BYTES);
			goto done;
		}
		if ((error = pkg_add(r, name, problem)) < 0)
			goto done;
		m = &r->m[r->n - 1];
		if (problem)
			continue; /* its data, if any, is skipped by the next header */
		if ((error = read_member(r, a, m, chunk, &total)) != 0) {
			if (error > 0)
				error = 0; /* fatal for the reading, reported */
			goto done;
		}
	}
	if (rc != ARCHIVE_EOF)
		error =
		    pkg_fatal(r, "'%s' is damaged after %zu members: %s", path, r->n, arch_msg(a));
done:
	if (!error)
		pkg_sort(r);
	archive_read_free(a);
	free(chunk);
	return error;
}
