/*
 * Enclave: the audit trail, a hash chain of events kept in the store.
 *
 * Each event has a sequence number, a UTC time, an actor, an action, a
 * subject, and JSON parameters, inputs and outputs (hashes of what it read and
 * wrote). Its hash is SHA-256 over the previous event's hash (64 hex digits;
 * 64 zeros for the first event) followed by the event's canonical JSON (see
 * src/lib/store/audit.c). Every transaction that changes the project ends with
 * a checkpoint: the head's sequence and hash signed with the project's Ed25519
 * key, so that cutting off the tail of the chain is detected too.
 */
#ifndef ENCLAVE_AUDIT_H
#define ENCLAVE_AUDIT_H

#include "common.h"
#include "project.h"

#ifdef __cplusplus
extern "C" {
#endif

struct enclave_audit_event {
	int64_t seq;
	const char *time; /* UTC, ISO 8601 with milliseconds */
	const char *actor;
	const char *action;    /* e.g. "project.init", "ingest.document" */
	const char *subject;   /* e.g. "document:12", may be "" */
	const char *params;    /* JSON object */
	const char *inputs;    /* JSON object */
	const char *outputs;   /* JSON object */
	const char *prev_hash; /* hex */
	const char *hash;      /* hex */
};

typedef int (*enclave_audit_cb)(const struct enclave_audit_event *event, void *payload);

/* Call `cb` for every event in order; a non-zero return stops and is returned. */
int enclave_audit_foreach(enclave_project *project, enclave_audit_cb cb, void *payload);

/* The event as one line of JSON (no newline), as `audit export` writes it. */
int enclave_audit_event_json(char **out, const struct enclave_audit_event *event);

struct enclave_audit_report {
	int ok;              /* 1 when every check passed */
	int64_t events;      /* events checked */
	int64_t checkpoints; /* signed checkpoints checked */
	int64_t bad_seq;     /* first broken event's sequence, 0 if none or n/a */
	int64_t bad_line;    /* verify_file: first broken line, 0 if none */
	char key_id[17];     /* first 16 hex digits of the signing public key */
	char message[512];   /* what broke, or a summary when ok */
};

/*
 * Recompute the project's chain, check every checkpoint signature, check the
 * head is signed and matches key/head. Returns 0 when the verification ran
 * (read report->ok), or ENCLAVE_E* when it could not run.
 */
int enclave_audit_verify(enclave_project *project, struct enclave_audit_report *report);

/*
 * Verify an exported chain file on its own. `pubkey_hex` pins the signing key
 * (64 hex digits); NULL trusts the key named in the file and reports its id.
 */
int enclave_audit_verify_file(const char *path, const char *pubkey_hex,
                              struct enclave_audit_report *report);

/*
 * Write the chain to `path` as JSONL: one event a line, then one line
 * {"checkpoint":{...}} with the signed head. Returns 0 or ENCLAVE_E*.
 */
int enclave_audit_export(enclave_project *project, const char *path);

#ifdef __cplusplus
}
#endif
#endif
