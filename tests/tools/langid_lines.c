/*
 * langid_lines: language identification (src/lib/clean/langid.c) over the
 * lines of standard input, for bench/langid.sh. Each line is one text
 * (with "\n" escapes, literal backslash-n, turned into newlines); it prints
 * its code, a tab, and the line's byte count. With --sample it identifies
 * the line's 16 KiB sample as ingest does. On stderr at the end: texts,
 * bytes, and the seconds spent in identification alone (the data loaded
 * before the clock starts).
 *
 * Usage: langid_lines [--sample] <texts.txt
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean/langid_int.h"
#include "common_int.h"
#include "util/buf.h"

int main(int argc, char **argv)
{
	struct buf line = BUF_INIT(64 << 20), sample = BUF_INIT(1 << 20);
	struct langid *l = NULL;
	char code[LANGID_CODE_MAX];
	int sample_mode = argc > 1 && !strcmp(argv[1], "--sample");
	size_t texts = 0, bytes = 0;
	double spent = 0;
	int c;

	if (langid_new(&l, langid_dir()) < 0) {
		fprintf(stderr, "langid_lines: %s\n", enclave_error_last());
		return 1;
	}
	for (;;) {
		size_t i, j;
		double t0;
		buf_clear(&line);
		while ((c = getchar()) != EOF && c != '\n')
			if (buf_putc(&line, (char)c) < 0)
				return 1;
		if (c == EOF && !line.len)
			break;
		/* Unescape "\n" in place. */
		for (i = j = 0; i < line.len; i++, j++) {
			if (line.ptr[i] == '\\' && i + 1 < line.len && line.ptr[i + 1] == 'n') {
				line.ptr[j] = '\n';
				i++;
			} else {
				line.ptr[j] = line.ptr[i];
			}
		}
		buf_truncate(&line, j);
		t0 = time_monotonic();
		if (sample_mode) {
			buf_clear(&sample);
			langid_sample(&sample, line.ptr ? line.ptr : "", line.len);
			langid_detect(l, code, sample.ptr ? sample.ptr : "", sample.len);
		} else {
			langid_detect(l, code, line.ptr ? line.ptr : "", line.len);
		}
		spent += time_monotonic() - t0;
		printf("%s\t%zu\n", code, line.len);
		texts++;
		bytes += line.len;
	}
	fprintf(stderr, "texts %zu bytes %zu seconds %.6f\n", texts, bytes, spent);
	langid_free(l);
	buf_release(&line);
	buf_release(&sample);
	return 0;
}
