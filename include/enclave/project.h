/*
 * Enclave: projects. A project is a directory holding enclave.db (SQLite,
 * WAL), blobs/ (content-addressed by SHA-256), key/ (the project's Ed25519
 * key pair, which signs checkpoints of the audit chain, and the PII secret)
 * and enclave.yaml (the project config, see clean.h).
 */
#ifndef ENCLAVE_PROJECT_H
#define ENCLAVE_PROJECT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct enclave_project enclave_project;

#define ENCLAVE_PROJECT_OPTIONS_VERSION 1
struct enclave_project_options {
	unsigned version;
	const char *actor; /* who acts, recorded in the audit trail; NULL: "unknown" */
};
#define ENCLAVE_PROJECT_OPTIONS_INIT                  \
	{                                             \
		ENCLAVE_PROJECT_OPTIONS_VERSION, NULL \
	}

/*
 * Create a project in `dir` (created if missing; it must not already hold a
 * project). Writes the store, the key pair and the first audit event.
 * Returns 0, ENCLAVE_EEXISTS, or another ENCLAVE_E*.
 */
int enclave_project_init(const char *dir, const struct enclave_project_options *opts);

/*
 * Find the project holding `start` (a directory), looking upward like git.
 * On success *out is a malloc'd absolute path the caller frees.
 * Returns 0 or ENCLAVE_ENOTFOUND.
 */
int enclave_project_discover(char **out, const char *start);

/* Open the project at `dir`, migrating its store forward if needed. */
int enclave_project_open(enclave_project **out, const char *dir,
                         const struct enclave_project_options *opts);

/* The project's absolute directory; borrowed. */
const char *enclave_project_path(const enclave_project *project);

/*
 * The project's 32-byte secret for the keyed PII operators (hash, encrypt,
 * pseudonym) into `out`: key/pii.secret, made at init, or with 32 random
 * bytes (mode 0600) on first need in a project older than it. Never print or
 * record it. Returns 0, or ENCLAVE_EIO / ENCLAVE_EINVALID (`out` zeroed).
 */
int enclave_project_pii_secret(enclave_project *project, unsigned char out[32]);

/* Close the project; NULL does nothing. */
void enclave_project_free(enclave_project *project);

/* The store's schema version that this library writes. */
int enclave_project_schema_version(void);

#ifdef __cplusplus
}
#endif
#endif
