/*
 * The blob store: files named by the SHA-256 of their content, under
 * blobs/<first two hex digits>/<remaining 62>. A blob is written to a
 * temporary name, fsync'd and renamed, so a blob that exists is whole; one
 * that is already there is not rewritten. Blobs are never changed, and
 * blob_get() checks the hash of what it reads.
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
	if (fs_exists(path))
		goto done;
	slash = strrchr(path, '/');
	*slash = '\0';
	if (!fs_is_dir(path) && fs_mkdirs(path, 0755) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot create '%s': %s", path, strerror(errno));
		goto done;
	}
	*slash = '/';
	if (fs_write_atomic(path, data, len, 0444) < 0)
		error = error_set(ENCLAVE_EIO, "cannot write blob '%s': %s", path, strerror(errno));
done:
	free(path);
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
