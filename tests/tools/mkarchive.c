/*
 * mkarchive: write an archive for the tests with libarchive's writer.
 *
 *   mkarchive [options] OUT MEMBER...
 *
 * OUT's format is given by --format: zip (deflate), zip-store, 7z, tar
 * (ustar), pax, gnutar, tar.gz, tar.bz2, tar.xz. A MEMBER is
 *
 *   NAME=TEXT      a regular file holding TEXT
 *   NAME@PATH      a regular file holding the bytes of the file PATH
 *   NAME%SIZE      a regular file of SIZE zero bytes (a bomb, written in chunks)
 *   NAME/          a directory
 *   NAME->TARGET   a symbolic link to TARGET
 *
 * Options: --format F (default zip); --password PW (ZIP only: traditional
 * PKWARE encryption of every member). Exit status 0, or 1 with a message.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print a message and exit 1. */
static void die(const char *what, struct archive *a)
{
	fprintf(stderr, "mkarchive: %s%s%s\n", what, a ? ": " : "",
	        a && archive_error_string(a) ? archive_error_string(a) : "");
	exit(1);
}

/* Read the whole file at `path` into a new buffer; its size in *len. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		die(path, NULL);
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (!(data = realloc(data, cap)))
				die("out of memory", NULL);
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return data;
}

/* Set the format and filters of `a` from the name `fmt`. */
static void set_format(struct archive *a, const char *fmt)
{
	int r;

	if (!strcmp(fmt, "zip") || !strcmp(fmt, "zip-store")) {
		r = archive_write_set_format_zip(a);
		if (r == ARCHIVE_OK && !strcmp(fmt, "zip-store"))
			r = archive_write_set_option(a, "zip", "compression", "store");
	} else if (!strcmp(fmt, "7z")) {
		r = archive_write_set_format_7zip(a);
	} else if (!strcmp(fmt, "tar")) {
		r = archive_write_set_format_ustar(a);
	} else if (!strcmp(fmt, "pax")) {
		r = archive_write_set_format_pax(a);
	} else if (!strcmp(fmt, "gnutar")) {
		r = archive_write_set_format_gnutar(a);
	} else if (!strcmp(fmt, "tar.gz")) {
		r = archive_write_set_format_ustar(a);
		if (r == ARCHIVE_OK)
			r = archive_write_add_filter_gzip(a);
	} else if (!strcmp(fmt, "tar.bz2")) {
		r = archive_write_set_format_ustar(a);
		if (r == ARCHIVE_OK)
			r = archive_write_add_filter_bzip2(a);
	} else if (!strcmp(fmt, "tar.xz")) {
		r = archive_write_set_format_ustar(a);
		if (r == ARCHIVE_OK)
			r = archive_write_add_filter_xz(a);
	} else {
		die("unknown --format", NULL);
		return;
	}
	if (r != ARCHIVE_OK)
		die(fmt, a);
}

/* Write one MEMBER argument to `a`. */
static void add_member(struct archive *a, const char *arg)
{
	struct archive_entry *e = archive_entry_new();
	const char *eq = strchr(arg, '='), *at = strchr(arg, '@'), *pc = strchr(arg, '%');
	const char *arrow = strstr(arg, "->");
	char *name = NULL, *data = NULL;
	size_t len = 0, zeros = 0;
	int is_zeros = 0;

	if (arrow && (!eq || arrow < eq)) {
		name = strndup(arg, (size_t)(arrow - arg));
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, arrow + 2);
		archive_entry_set_perm(e, 0777);
	} else if (eq && (!at || eq < at) && (!pc || eq < pc)) {
		name = strndup(arg, (size_t)(eq - arg));
		len = strlen(eq + 1);
		data = strdup(eq + 1);
	} else if (at && (!pc || at < pc)) {
		name = strndup(arg, (size_t)(at - arg));
		data = slurp(at + 1, &len);
	} else if (pc) {
		name = strndup(arg, (size_t)(pc - arg));
		zeros = (size_t)strtoull(pc + 1, NULL, 10);
		is_zeros = 1;
	} else if (*arg && arg[strlen(arg) - 1] == '/') {
		name = strdup(arg);
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else {
		die("bad member (NAME=TEXT, NAME@PATH, NAME%SIZE, NAME/, NAME->TARGET)", NULL);
	}
	if (!name)
		die("out of memory", NULL);
	archive_entry_set_pathname(e, name);
	archive_entry_set_mtime(e, 1700000000, 0);
	if (data || is_zeros) {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)(is_zeros ? zeros : len));
	}
	if (archive_write_header(a, e) != ARCHIVE_OK)
		die(name, a);
	if (data && len && archive_write_data(a, data, len) != (la_ssize_t)len)
		die(name, a);
	if (is_zeros) {
		static char block[1 << 16];
		while (zeros) {
			size_t n = zeros < sizeof(block) ? zeros : sizeof(block);
			if (archive_write_data(a, block, n) != (la_ssize_t)n)
				die(name, a);
			zeros -= n;
		}
	}
	archive_entry_free(e);
	free(name);
	free(data);
}

int main(int argc, char **argv)
{
	const char *fmt = "zip", *password = NULL;
	struct archive *a;
	int i = 1;

	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--format"))
			fmt = argv[i + 1];
		else if (!strcmp(argv[i], "--password"))
			password = argv[i + 1];
		else
			die("unknown option", NULL);
	}
	if (i >= argc) {
		fprintf(stderr, "usage: mkarchive [--format F] [--password PW] OUT MEMBER...\n");
		return 2;
	}
	if (!(a = archive_write_new()))
		die("out of memory", NULL);
	set_format(a, fmt);
	if (password && (archive_write_set_options(a, "zip:encryption=zipcrypt") != ARCHIVE_OK ||
	                 archive_write_set_passphrase(a, password) != ARCHIVE_OK))
		die("--password", a);
	if (archive_write_open_filename(a, argv[i]) != ARCHIVE_OK)
		die(argv[i], a);
	for (i++; i < argc; i++)
		add_member(a, argv[i]);
	if (archive_write_close(a) != ARCHIVE_OK)
		die("close", a);
	archive_write_free(a);
	return 0;
}
