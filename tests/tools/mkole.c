/*
 * mkole: write a legacy Office or Outlook test file (an OLE compound file).
 *
 *   mkole KIND OUT
 *
 * KIND is one of doc, doc-encrypted, xls, xls-encrypted, ppt,
 * ppt-encrypted, msg, msg-rtf, msg-smime, encrypted-package, other; the
 * content of each is described in mkole_lib.h. Exit status 0, 1 when OUT
 * cannot be written, 2 on bad usage.
 */
#include <stdio.h>

#include "mkole_lib.h"

int main(int argc, char **argv)
{
	unsigned char *data;
	size_t len;
	FILE *f;
	int ok;

	if (argc != 3 || mkole_build(&data, &len, argv[1]) < 0) {
		fprintf(stderr,
		        "usage: mkole doc|doc-encrypted|xls|xls-encrypted|ppt|"
		        "ppt-encrypted|msg|msg-rtf|msg-smime|encrypted-package|other OUT\n");
		return 2;
	}
	if (!(f = fopen(argv[2], "wb"))) {
		perror(argv[2]);
		free(data);
		return 1;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	free(data);
	if (!ok) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
