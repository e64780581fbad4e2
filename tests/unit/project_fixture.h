/*
 * A fresh project in a temporary folder for each test (cmocka setup and
 * teardown), and the removal of a test's folder: what the store, ingest and
 * clean tests share.
 */
#ifndef ENCLAVE_TEST_PROJECT_FIXTURE_H
#define ENCLAVE_TEST_PROJECT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "enclave.h"

struct fixture {
	char dir[64];
	enclave_project *p;
};

/* Remove `dir` and everything in it (made read-only or not). Returns 0 or -1. */
static inline int fixture_remove_tree(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' && rm -rf '%s'", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* setup: a project made and opened in a new /tmp/enclave-test-XXXXXX, actor "tester". */
static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct enclave_project_options o = ENCLAVE_PROJECT_OPTIONS_INIT;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/enclave-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	o.actor = "tester";
	if (enclave_project_init(f->dir, &o) < 0 || enclave_project_open(&f->p, f->dir, &o) < 0)
		return -1;
	*state = f;
	return 0;
}

/* teardown: close the project and remove its folder. */
static inline int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	enclave_project_free(f->p);
	rc = fixture_remove_tree(f->dir);
	free(f);
	return rc;
}

#endif
