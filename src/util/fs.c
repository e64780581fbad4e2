/*
 * File-system helpers of fs.h.
 */
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"

int fs_read_file(struct buf *out, const char *path)
{
	int fd, error = -1;
	struct stat st;
	ssize_t n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto done;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto done;
	}
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > out->max - out->len) {
		errno = EFBIG;
		goto done;
	}
	for (;;) {
		size_t room = out->max - out->len, chunk = room < 65536 ? room : 65536;
		char probe;
		int g;

		if (chunk == 0) {
			/* At the cap: one more byte means the file is too big. */
			n = read(fd, &probe, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				goto done;
			if (n > 0) {
				errno = EFBIG;
				goto done;
			}
			break;
		}
		if ((g = buf_grow(out, chunk)) < 0) {
			errno = g == BUF_ETOOBIG ? EFBIG : ENOMEM;
			goto done;
		}
		n = read(fd, out->ptr + out->len, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto done;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->ptr[out->len] = '\0';
	}
	error = 0;
done : {
	int saved = errno;
	close(fd);
	errno = saved;
}
	return error;
}

int fs_sync_dir(const char *path)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* fs_write_atomic and fs_write_atomic_nosync: `sync` says whether to fsync the file and folder. */
static int write_atomic(const char *path, const void *data, size_t len, int mode, int sync)
{
	char *tmp = NULL, *dir = NULL, *slash;
	const char *p = data;
	int fd = -1, error = -1, saved;
	size_t off = 0;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) < 0)
		goto done;
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto done;
		}
		off += (size_t)n;
	}
	if (sync && fsync(fd) < 0)
		goto done;
	if (close(fd) < 0) {
		fd = -1;
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto done;
	if (!sync) {
		error = 0;
		goto done;
	}
	if (!(dir = strdup(path)))
		goto done;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		memcpy(dir, ".", 2); /* dir holds strlen(path)+1 >= 2 bytes */
	if (fs_sync_dir(dir) < 0)
		goto done;
	error = 0;
done:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (error && tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	errno = saved;
	return error;
}

int fs_write_atomic(const char *path, const void *data, size_t len, int mode)
{
	return write_atomic(path, data, len, mode, 1);
}

int fs_write_atomic_nosync(const char *path, const void *data, size_t len, int mode)
{
	return write_atomic(path, data, len, mode, 0);
}

int fs_sync_fs(const char *path)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	r = syncfs(fd);
	close(fd);
	return r;
}

int fs_mkdirs(const char *path, int mode)
{
	char *p, *s;
	int error = 0;

	if (!(p = strdup(path)))
		return -1;
	for (s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
				error = -1;
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (!error && !fs_is_dir(path)) {
		errno = ENOTDIR;
		error = -1;
	}
	free(p);
	return error;
}

int fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_dir_empty(const char *path)
{
	DIR *d;
	struct dirent *e;
	int empty = 1;

	if (!(d = opendir(path)))
		return errno == ENOENT ? 1 : -1;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

int fs_remove_below(const char *path)
{
	DIR *d;
	struct dirent *e;
	int error = 0, saved = 0;

	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		char child[4096];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, e->d_name) >=
		    sizeof(child)) {
			error = -1;
			saved = ENAMETOOLONG;
			continue;
		}
		if (lstat(child, &st) < 0 ||
		    (S_ISDIR(st.st_mode) ? fs_remove_below(child) < 0 || rmdir(child) < 0
		                         : unlink(child) < 0)) {
			error = -1;
			saved = errno;
		}
	}
	closedir(d);
	if (error)
		errno = saved;
	return error;
}
