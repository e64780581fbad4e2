/*
 * File-system helpers. Depends on libc (POSIX) only. Functions return 0 or
 * -1 with errno set.
 */
#ifndef UTIL_FS_H
#define UTIL_FS_H

#include <stddef.h>

#include "buf.h"

/*
 * Read the whole file at `path` into `out` (appended). Fails with EFBIG when
 * it would pass out->max, EISDIR for a directory.
 */
int fs_read_file(struct buf *out, const char *path);

/*
 * Write `len` bytes to `path` atomically: to a temporary name in the same
 * directory, fsync'd, renamed over `path`, then the directory fsync'd.
 * `mode` is the new file's mode (e.g. 0644, 0600).
 */
int fs_write_atomic(const char *path, const void *data, size_t len, int mode);

/*
 * The same without any fsync: the file is whole under `path` or absent in
 * the running system, but nothing is durable until the caller syncs the
 * file system (fs_sync_fs) - a crash before that may leave `path` empty.
 */
int fs_write_atomic_nosync(const char *path, const void *data, size_t len, int mode);

/* syncfs(2) on the file system that holds `path`: everything written there is durable. */
int fs_sync_fs(const char *path);

/* mkdir -p with `mode` for created directories. */
int fs_mkdirs(const char *path, int mode);

/* Does `path` exist (any type)? Is it a directory? */
int fs_exists(const char *path);
int fs_is_dir(const char *path);

/* fsync the directory at `path`. */
int fs_sync_dir(const char *path);

/* Is the directory at `path` missing or empty? 1 yes, 0 no, -1 error. */
int fs_dir_empty(const char *path);

/* Remove everything below the directory `path`, not `path` itself (symbolic
 * links are removed, never followed). 0, or -1 (errno) when something could
 * not be removed; the rest is removed all the same. */
int fs_remove_below(const char *path);

#endif
