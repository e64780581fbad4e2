/*
 * The web app's files, embedded at build time (cmake/genassets.cmake writes
 * the table from web/; it is rebuilt when a file there changes).
 */
#ifndef ENCLAVE_SERVER_ASSETS_H
#define ENCLAVE_SERVER_ASSETS_H

#include <stddef.h>

struct asset {
	const char *path; /* "/index.html" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* The table, ended by a row with a NULL path. */
extern const struct asset server_assets[];

/* The asset at URL path `path` ("/" is "/index.html"); NULL when none. */
const struct asset *asset_find(const char *path);

#endif
