/*
 * The blob store: files named by the SHA-256 of their content, under
 * blobs/<first two hex digits>/<remaining 62>. Blobs are never changed, and
 * blob_get() checks the hash of what it reads.
 *
 * Durability, in groups: a blob is written to a temporary name and renamed,
 * without fsync, and the project notes that blobs are unsynced; store_commit()
 * then makes them durable with one syncfs(2) (blob_sync) before the COMMIT
 * that refers to them. One sync per transaction instead of two fsyncs per
 * blob (file and folder) is what lets a batch of small files go faster than
 * the disk's fsync rate; the rule "a committed row never names a blob that
 * is not on disk" holds as before. A crash before that sync may leave a blob
 * file empty or cut, which no committed row names; so a blob found already
 * there is trusted only when its content still hashes to its name, and is
 * rewritten otherwise.
 */
#include <errno.h>
#include <string.h>

#include "store_int.h"
#include "../../util/fs.h"

char *blob_path(const enclave_project *p, const char *hex)
{
	struct buf b = BUF_INIT(65536);

	if (buf_printf(&b, "%s/%s/%.2s/%s", p->path, PROJECT_BLOBS, hex, hex + 2) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int blob_put_known(enclave_project *p, const char *hex, const void *data, size_t len)
{
	char *path = blob_path(p, hex), *slash;
	int error = 0;

	if (!path)
		return error_oom();
	if (fs_exists(path)) {
		/* Whole only if it still hashes to its name (see the header). */
		struct buf old = BUF_INIT(ENCLAVE_MAX_FILE_BYTES);
		char got[65];
		int whole = fs_read_file(&old, path) == 0 && old.len == len &&
		            sha256_hex(got, old.ptr ? old.ptr : "", old.len) == 0 &&
		            !strcmp(got, hex);
		buf_release(&old);
		if (whole)
			goto done;
	}
	slash = strrchr(path, '/');
	*slash = '\0';
	if (!fs_is_dir(path) && fs_mkdirs(path, 0755) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot create '%s': %s", path, strerror(errno));
		goto done;
	}
	*slash = '/';
	if (fs_write_atomic_nosync(path, data, len, 0444) < 0)
		error = error_set(ENCLAVE_EIO, "cannot write blob '%s': %s", path, strerror(errno));
	else
		p->blobs_unsynced = 1;
done:
	free(path);
	return error;
}

int blob_sync(enclave_project *p)
{
	char *dir;
	int error = 0;

	if (!p->blobs_unsynced)
		return 0;
	if (!(dir = project_file(p, PROJECT_BLOBS)))
		return error_oom();
	if (fs_sync_fs(dir) < 0)
		error = error_set(ENCLAVE_EIO, "cannot sync the blob store '%s': %s", dir,
		                  strerror(errno));
	else
		p->blobs_unsynced = 0;
	free(dir);
	return error;
}

int blob_put(enclave_project *p, char hex[65], const void *data, size_t len)
{
	int error;

	if ((error = sha256_hex(hex, data, len)) < 0)
		return error;
	return blob_put_known(p, hex, data, len);
}

int blob_get(struct buf *out, const enclave_project *p, const char *hex)
{
	char *path = blob_path(p, hex), got[65];
	size_t start = out->len;
	int error = 0;

	if (!path)
		return error_oom();
	if (fs_read_file(out, path) < 0) {
		error = error_set(errno == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		                  "cannot read blob %s: %s", hex, strerror(errno));
		goto done;
	}
	if ((error = sha256_hex(got, out->ptr + start, out->len - start)) < 0)
		goto done;
	if (strcmp(got, hex))
		error = error_set(ENCLAVE_ETAMPER, "blob %s is corrupt: its content hashes to %s",
		                  hex, got);
done:
	free(path);
	return error;
}
