/*
 * fuzz_replay: run the fuzz targets' LLVMFuzzerTestOneInput() over files,
 * without libFuzzer, so that the seed corpora (and the crash inputs kept
 * there as regression seeds) are replayed by every `make test` under the
 * gcc ASan/UBSan build. tests/scripts/test_fuzz_replay.sh drives it.
 *
 *   fuzz_replay TARGET PATH...   replay each file; a folder means every
 *                                regular file in it (not recursive)
 *   fuzz_replay --list           print the target names, one a line
 *
 * Each input's name goes to stderr before it runs, so that a crash report
 * follows the name of the input that caused it. Exit status 0 when every
 * input ran, 1 when a file could not be read, 2 on bad usage; a broken
 * promise or a sanitizer report aborts.
 *
 * Why the targets are included here rather than linked: the tests' CMake
 * builds every .c file of tests/tools as a program linked with libenclave, and
 * the fuzz/ sources belong to no library. Including them, each with its
 * entry point renamed, gives one program for all targets (one link of
 * libenclave and MuPDF, not six) and needs no build rule of its own. The
 * fuzz sources are written for it: their file-local names do not clash.
 * Adding a target is one fuzz/fuzz_<name>.c, one row below, one corpus
 * folder; the test script fails when they drift apart.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LLVMFuzzerTestOneInput fuzz_extract_one
#include "../../fuzz/fuzz_extract.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_text_one
#include "../../fuzz/fuzz_text.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_markdown_one
#include "../../fuzz/fuzz_markdown.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_html_one
#include "../../fuzz/fuzz_html.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_pdf_one
#include "../../fuzz/fuzz_pdf.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_audit_file_one
#include "../../fuzz/fuzz_audit_file.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_email_one
#include "../../fuzz/fuzz_email.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_ole_one
#include "../../fuzz/fuzz_ole.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_archive_one
#include "../../fuzz/fuzz_archive.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_epub_one
#include "../../fuzz/fuzz_epub.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_rtf_one
#include "../../fuzz/fuzz_rtf.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_redact_one
#include "../../fuzz/fuzz_redact.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_pii_clinical_one
#include "../../fuzz/fuzz_pii_clinical.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_pii_address_one
#include "../../fuzz/fuzz_pii_address.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_conll_one
#include "../../fuzz/fuzz_conll.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_wordnet_one
#include "../../fuzz/fuzz_wordnet.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_config_one
#include "../../fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_scan_one
#include "../../fuzz/fuzz_scan.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_label_result_one
#include "../../fuzz/fuzz_label_result.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_labelstudio_one
#include "../../fuzz/fuzz_labelstudio.c"
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerTestOneInput fuzz_package_one
#include "../../fuzz/fuzz_package.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

/* Every target: its name (the fuzz/ file and the corpus folder) and entry point. */
static const struct target {
	const char *name;
	fuzz_fn fn;
} targets[] = {
	{ "fuzz_extract", fuzz_extract_one },
	{ "fuzz_text", fuzz_text_one },
	{ "fuzz_markdown", fuzz_markdown_one },
	{ "fuzz_html", fuzz_html_one },
	{ "fuzz_pdf", fuzz_pdf_one },
	{ "fuzz_audit_file", fuzz_audit_file_one },
	{ "fuzz_email", fuzz_email_one },
	{ "fuzz_ole", fuzz_ole_one },
	{ "fuzz_archive", fuzz_archive_one },
	{ "fuzz_epub", fuzz_epub_one },
	{ "fuzz_rtf", fuzz_rtf_one },
	{ "fuzz_redact", fuzz_redact_one },
	{ "fuzz_pii_clinical", fuzz_pii_clinical_one },
	{ "fuzz_pii_address", fuzz_pii_address_one },
	{ "fuzz_conll", fuzz_conll_one },
	{ "fuzz_wordnet", fuzz_wordnet_one },
	{ "fuzz_scan", fuzz_scan_one },
	{ "fuzz_config", fuzz_config_one },
	{ "fuzz_labelstudio", fuzz_labelstudio_one },
	{ "fuzz_label_result", fuzz_label_result_one },
	{ "fuzz_package", fuzz_package_one },
};

#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

/* Largest input replayed; libFuzzer's own inputs are far smaller. */
#define REPLAY_MAX_BYTES ((size_t)64 << 20)

/*
 * Read the file at `path` into a new buffer of exactly its size (so ASan
 * sees a read past its end, as under libFuzzer). Returns 0, or -1 with a
 * message on stderr. *out is NULL for an empty file.
 */
static int read_input(uint8_t **out, size_t *len, const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *data = NULL;

	*out = NULL;
	*len = 0;
	if (!f || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "fuzz_replay: cannot read '%s': %s\n", path, strerror(errno));
		goto fail;
	}
	if ((size_t)st.st_size > REPLAY_MAX_BYTES) {
		fprintf(stderr, "fuzz_replay: '%s' is larger than %zu bytes\n", path,
		        REPLAY_MAX_BYTES);
		goto fail;
	}
	if (st.st_size > 0) {
		if (!(data = malloc((size_t)st.st_size)) ||
		    fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
			fprintf(stderr, "fuzz_replay: cannot read '%s'\n", path);
			goto fail;
		}
	}
	fclose(f);
	*out = data;
	*len = (size_t)st.st_size;
	return 0;
fail:
	free(data);
	if (f)
		fclose(f);
	return -1;
}

/* Replay one file through `t`. Returns 0 or -1. */
static int replay_file(const struct target *t, const char *path)
{
	uint8_t *data;
	size_t len;

	if (read_input(&data, &len, path) < 0)
		return -1;
	/* Named first, so that a crash report follows the name of its input. */
	fprintf(stderr, "fuzz_replay: %s: %s\n", t->name, path);
	/* libFuzzer never passes NULL; an empty input is a valid pointer and size 0. */
	t->fn(data ? data : (const uint8_t *)"", len);
	free(data);
	return 0;
}

/* qsort comparator for an array of C strings, byte order. */
static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Replay `path`: a file, or each regular file of a folder in name order.
 * Adds the number of inputs run to *count. Returns 0 or -1.
 */
static int replay_path(const struct target *t, const char *path, size_t *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL, full[4096];
	size_t n = 0, cap = 0, i;
	int error = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "fuzz_replay: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (replay_file(t, path) < 0)
			return -1;
		(*count)++;
		return 0;
	}
	if (!(d = opendir(path))) {
		fprintf(stderr, "fuzz_replay: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*v));
			if (!v)
				abort();
			names = v;
		}
		if (!(names[n++] = strdup(e->d_name)))
			abort();
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, names[i]) >= sizeof(full)) {
			fprintf(stderr, "fuzz_replay: path too long: '%s/%s'\n", path, names[i]);
			error = -1;
			continue;
		}
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(t, full) < 0)
			error = -1;
		else
			(*count)++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return error;
}

int main(int argc, char **argv)
{
	const struct target *t = NULL;
	size_t i, count = 0;
	int error = 0;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < NTARGETS; i++)
			puts(targets[i].name);
		return 0;
	}
	if (argc < 3) {
		fputs("usage: fuzz_replay TARGET PATH...\n       fuzz_replay --list\n", stderr);
		return 2;
	}
	for (i = 0; i < NTARGETS; i++)
		if (!strcmp(targets[i].name, argv[1]))
			t = &targets[i];
	if (!t) {
		fprintf(stderr, "fuzz_replay: unknown target '%s' (see --list)\n", argv[1]);
		return 2;
	}
	for (i = 2; i < (size_t)argc; i++)
		if (replay_path(t, argv[i], &count) < 0)
			error = 1;
	printf("%s: %zu inputs replayed\n", t->name, count);
	return error;
}
