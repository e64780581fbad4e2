/*
 * Finding an embedded web file by its URL path. The table is small (the
 * web app's files), so a linear search is enough.
 */
#include <string.h>

#include "assets.h"

const struct asset *asset_find(const char *path)
{
	const struct asset *a;

	if (!strcmp(path, "/"))
		path = "/index.html";
	for (a = server_assets; a->path; a++)
		if (!strcmp(a->path, path))
			return a;
	return NULL;
}
