/*
 * The audit trail: a hash chain of events in the `audit` table, with signed
 * checkpoints in `checkpoints` and the last signed head in key/audit.head.
 *
 * An event is the JSON object
 *
 *   {"action":A,"actor":U,"inputs":{...},"outputs":{...},"params":{...},
 *    "prev_hash":P,"seq":N,"subject":S,"time":T}
 *
 * Its canonical form is jansson's compact encoding with keys sorted at every
 * level and non-ASCII escaped (JSON_COMPACT | JSON_SORT_KEYS |
 * JSON_ENSURE_ASCII); event values hold strings, integers, booleans, objects
 * and arrays only, never reals, so the encoding is unambiguous. Note for
 * independent verifiers: jansson writes \u escapes with UPPERCASE hex
 * ("\u00E9", surrogate pairs for non-BMP), leaves DEL (0x7f) unescaped, and
 * sorts keys by their UTF-8 bytes; Python's json.dumps(sort_keys=True,
 * separators=(',', ':')) differs in the first two (tests/scripts/
 * test_tamper.sh has a matching canonicaliser). Its hash is
 *
 *   hash = hex(SHA-256(P || canonical))
 *
 * where P is the previous event's hash as 64 lowercase hex digits (64 "0"s
 * before the first event). Sequence numbers start at 1 and have no gaps.
 *
 * A checkpoint signs the head with the project's Ed25519 key; the signed
 * message is the ASCII text
 *
 *   "enclave-audit-checkpoint/1\n" project_id "\n" seq "\n" hash "\n"
 *
 * store_commit() writes one in every transaction that appended events, so
 * the last event of a committed chain is always signed: deleting events from
 * the tail leaves a checkpoint without its event, and appending events
 * without the key leaves an unsigned head. key/audit.head keeps the head
 * outside the database as well, so that removing both the tail events and
 * their checkpoints is still caught, unless an older head file is put back.
 *
 * The exported chain (audit export) is JSONL: each event's canonical object
 * with "hash" added (keys still sorted), one a line, in order, then one line
 * {"checkpoint":{"hash":H,"project":ID,"public_key":K,"seq":N,
 * "signature":S,"time":T}} signing the last event.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "../../util/fs.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)

/* ------------------------------------------------------------------ */
/* Events and hashes                                                  */
/* ------------------------------------------------------------------ */

/*
 * Build the event object from its fields; the JSON fields are parsed from
 * their text. Returns a new reference, or NULL with the error set (a field
 * that is not a JSON object is an ENCLAVE_ETAMPER error).
 */
static json_t *event_object(const struct enclave_audit_event *ev)
{
	json_t *o, *params, *inputs, *outputs;

	params = json_loads(ev->params, JSON_REJECT_DUPLICATES, NULL);
	inputs = json_loads(ev->inputs, JSON_REJECT_DUPLICATES, NULL);
	outputs = json_loads(ev->outputs, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(params) || !json_is_object(inputs) || !json_is_object(outputs)) {
		json_decref(params);
		json_decref(inputs);
		json_decref(outputs);
		error_set(ENCLAVE_ETAMPER, "event %lld: a JSON field is not an object",
		          (long long)ev->seq);
		return NULL;
	}
	o = json_pack("{s:s,s:s,s:o,s:o,s:o,s:s,s:I,s:s,s:s}", "action", ev->action, "actor",
	              ev->actor, "inputs", inputs, "outputs", outputs, "params", params,
	              "prev_hash", ev->prev_hash, "seq", (json_int_t)ev->seq, "subject",
	              ev->subject, "time", ev->time);
	if (!o)
		error_set(ENCLAVE_ETAMPER, "event %lld: a field is not valid UTF-8",
		          (long long)ev->seq);
	return o;
}

/* hex(SHA-256(prev || canonical(event))) into out. */
static int event_hash(char out[65], const char *prev, json_t *event)
{
	struct sha256_ctx *c;
	char *canon;
	int error;

	if (!(canon = json_dumps(event, CANON_FLAGS)))
		return error_oom();
	if ((error = sha256_new(&c)) < 0)
		goto done;
	if ((error = sha256_update(c, prev, strlen(prev))) < 0 ||
	    (error = sha256_update(c, canon, strlen(canon))) < 0) {
		sha256_free(c);
		goto done;
	}
	error = sha256_finish_hex(c, out);
done:
	free(canon);
	return error;
}

/* The signed message of a checkpoint, into `out`. */
static int checkpoint_message(struct buf *out, const char *project_id, int64_t seq,
                              const char *hash)
{
	if (buf_printf(out, "enclave-audit-checkpoint/1\n%s\n%lld\n%s\n", project_id,
	               (long long)seq, hash) < 0)
		return error_oom();
	return 0;
}

/* Canonical text of a JSON object argument, or "{}" for NULL; caller frees. */
static char *canon_or_empty(json_t *o)
{
	if (!o)
		return strdup("{}");
	if (!json_is_object(o))
		return NULL;
	return json_dumps(o, CANON_FLAGS);
}

int audit_head(enclave_project *p, int64_t *seq, char hash[65])
{
	sqlite3_stmt *st;
	int error, rc;

	*seq = 0;
	hash[0] = '\0';
	if ((error = store_prepare(&st, p->db,
	                           "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")) < 0)
		return error;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);
		*seq = sqlite3_column_int64(st, 0);
		snprintf(hash, 65, "%s", h ? h : "");
	} else if (rc != SQLITE_DONE) {
		error = store_error(p->db, "read audit head");
	}
	sqlite3_finalize(st);
	return error;
}

int audit_append(enclave_project *p, const char *action, const char *subject, json_t *params,
                 json_t *inputs, json_t *outputs, int64_t *out_seq)
{
	struct enclave_audit_event ev;
	char prev[65], hash[65], when[32];
	char *cp = NULL, *ci = NULL, *co = NULL;
	sqlite3_stmt *st = NULL;
	json_t *obj = NULL;
	int64_t seq;
	int error;

	if (!p->in_tx)
		return error_set(ENCLAVE_ERROR, "audit: event outside a transaction");
	if ((error = audit_head(p, &seq, prev)) < 0)
		return error;
	if (!seq)
		memcpy(prev, ZERO_HASH, 65);
	if (!(cp = canon_or_empty(params)) || !(ci = canon_or_empty(inputs)) ||
	    !(co = canon_or_empty(outputs))) {
		error = error_set(ENCLAVE_EINVALID, "audit: parameters must be JSON objects");
		goto done;
	}
	time_now_iso(when);
	ev.seq = seq + 1;
	ev.time = when;
	ev.actor = p->actor_as ? p->actor_as : p->actor;
	ev.action = action;
	ev.subject = subject ? subject : "";
	ev.params = cp;
	ev.inputs = ci;
	ev.outputs = co;
	ev.prev_hash = prev;
	if (!(obj = event_object(&ev))) {
		error = enclave_error_last_code();
		goto done;
	}
	if ((error = event_hash(hash, prev, obj)) < 0)
		goto done;
	if ((error = store_prepare(&st, p->db,
	                           "INSERT INTO audit(seq, time, actor, action, subject, params,"
	                           " inputs, outputs, prev_hash, hash)"
	                           " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, ev.seq);
	sqlite3_bind_text(st, 2, ev.time, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ev.actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ev.action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ev.subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, cp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, ci, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, co, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		error = store_error(p->db, "append audit event");
		goto done;
	}
	p->tx_events++;
	if (out_seq)
		*out_seq = ev.seq;
done:
	sqlite3_finalize(st);
	json_decref(obj);
	free(cp);
	free(ci);
	free(co);
	return error;
}

/* ------------------------------------------------------------------ */
/* Checkpoints and the head file                                      */
/* ------------------------------------------------------------------ */

int audit_checkpoint(enclave_project *p)
{
	struct buf msg = BUF_INIT(4096);
	char hash[65], sig[129], when[32];
	sqlite3_stmt *st = NULL;
	int64_t seq;
	int error;

	if (!p->have_sk)
		return error_set(ENCLAVE_ENOTFOUND,
		                 "audit: cannot sign: the project's secret key is unreadable");
	if ((error = audit_head(p, &seq, hash)) < 0 || !seq)
		goto done;
	if ((error = checkpoint_message(&msg, p->project_id, seq, hash)) < 0 ||
	    (error = sign_detached_hex(sig, msg.ptr, msg.len, p->sk)) < 0)
		goto done;
	time_now_iso(when);
	if ((error = store_prepare(&st, p->db,
	                           "INSERT OR REPLACE INTO checkpoints(seq, hash, time, signature)"
	                           " VALUES(?, ?, ?, ?)")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, when, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sig, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		error = store_error(p->db, "write checkpoint");
done:
	sqlite3_finalize(st);
	buf_release(&msg);
	return error;
}

/* Read the signed checkpoint at the head into a new JSON object (the export's last line). */
static int head_checkpoint(json_t **out, enclave_project *p)
{
	sqlite3_stmt *st = NULL;
	char pkhex[65];
	int error, rc;

	*out = NULL;
	if ((error = store_prepare(&st, p->db,
	                           "SELECT c.seq, c.hash, c.time, c.signature FROM checkpoints c"
	                           " ORDER BY c.seq DESC LIMIT 1")) < 0)
		return error;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		hex_encode(pkhex, p->pk, sizeof(p->pk));
		*out = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s}", "hash", sqlite3_column_text(st, 1),
		                 "project", p->project_id, "public_key", pkhex, "seq",
		                 (json_int_t)sqlite3_column_int64(st, 0), "signature",
		                 sqlite3_column_text(st, 3), "time", sqlite3_column_text(st, 2));
		if (!*out)
			error = error_oom();
	} else if (rc == SQLITE_DONE) {
		error = error_set(ENCLAVE_ENOTFOUND, "audit: no signed checkpoint");
	} else {
		error = store_error(p->db, "read checkpoint");
	}
	sqlite3_finalize(st);
	return error;
}

int audit_write_head(enclave_project *p)
{
	char *path = NULL, *text = NULL;
	json_t *cp = NULL;
	int error;

	if ((error = head_checkpoint(&cp, p)) < 0) {
		if (error == ENCLAVE_ENOTFOUND)
			error = 0, enclave_error_clear();
		goto done;
	}
	if (!(path = project_file(p, PROJECT_HEAD)) || !(text = json_dumps(cp, CANON_FLAGS))) {
		error = error_oom();
		goto done;
	}
	if (fs_write_atomic(path, text, strlen(text), 0644) < 0)
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", path, strerror(errno));
done:
	json_decref(cp);
	free(path);
	free(text);
	return error;
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

/* Fill `ev` from a row of SELECT seq, time, actor, ... hash (borrowed from `st`). */
static void event_from_row(struct enclave_audit_event *ev, sqlite3_stmt *st)
{
#define COL(i)                                                                                   \
	((const char *)sqlite3_column_text(st, (i)) ? (const char *)sqlite3_column_text(st, (i)) \
	                                            : "")
	ev->seq = sqlite3_column_int64(st, 0);
	ev->time = COL(1);
	ev->actor = COL(2);
	ev->action = COL(3);
	ev->subject = COL(4);
	ev->params = COL(5);
	ev->inputs = COL(6);
	ev->outputs = COL(7);
	ev->prev_hash = COL(8);
	ev->hash = COL(9);
#undef COL
}

int enclave_audit_foreach(enclave_project *p, enclave_audit_cb cb, void *payload)
{
	sqlite3_stmt *st;
	int error, rc;

	if ((error = store_prepare(&st, p->db,
	                           "SELECT seq, time, actor, action, subject, params, inputs,"
	                           " outputs, prev_hash, hash FROM audit ORDER BY seq")) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct enclave_audit_event ev;
		event_from_row(&ev, st);
		if ((error = cb(&ev, payload)) != 0)
			break;
	}
	if (!error && rc != SQLITE_DONE)
		error = store_error(p->db, "read audit");
	sqlite3_finalize(st);
	return error;
}

int enclave_audit_event_json(char **out, const struct enclave_audit_event *ev)
{
	json_t *o;

	*out = NULL;
	if (!(o = event_object(ev)))
		return enclave_error_last_code() < 0 ? enclave_error_last_code() : ENCLAVE_ERROR;
	if (json_object_set_new(o, "hash", json_string(ev->hash)) < 0 ||
	    !(*out = json_dumps(o, CANON_FLAGS))) {
		json_decref(o);
		return error_oom();
	}
	json_decref(o);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Verification                                                       */
/* ------------------------------------------------------------------ */

/* Mark the report failed at `seq` with a message. Returns 0 (the check ran). */
static int report_fail(struct enclave_audit_report *r, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int report_fail(struct enclave_audit_report *r, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	r->ok = 0;
	r->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * Check one event against the chain so far: contiguous sequence, linked
 * prev_hash, recomputed hash. `prev` is the previous hash (updated) and
 * `expect` the expected sequence (0: any, for a segment). Returns 1 when the
 * event holds, 0 when it failed (report filled), or ENCLAVE_E*.
 */
static int check_event(struct enclave_audit_report *r, const struct enclave_audit_event *ev,
                       char prev[65], int64_t expect, const char *where)
{
	char hash[65];
	json_t *o;
	int error;

	if (expect && ev->seq != expect) {
		if (ev->seq > expect)
			report_fail(r, expect, "%sevent %lld is missing (next is %lld)", where,
			            (long long)expect, (long long)ev->seq);
		else
			report_fail(r, ev->seq, "%sevent %lld is out of order (expected %lld)",
			            where, (long long)ev->seq, (long long)expect);
		return 0;
	}
	if (prev[0] && strcmp(ev->prev_hash, prev)) {
		report_fail(r, ev->seq,
		            "%sevent %lld: prev_hash does not match the hash of event %lld", where,
		            (long long)ev->seq, (long long)ev->seq - 1);
		return 0;
	}
	if (!(o = event_object(ev))) {
		report_fail(r, ev->seq, "%s%s", where, enclave_error_last());
		return 0;
	}
	error = event_hash(hash, ev->prev_hash, o);
	json_decref(o);
	if (error < 0)
		return error;
	if (strcmp(hash, ev->hash)) {
		report_fail(r, ev->seq,
		            "%sevent %lld was altered: its content hashes to %.16s..., "
		            "the chain records %.16s...",
		            where, (long long)ev->seq, hash, ev->hash);
		return 0;
	}
	snprintf(prev, 65, "%s", ev->hash);
	r->events++;
	return 1;
}

/* Verify one checkpoint signature. 1 valid, 0 not. */
static int check_signature(const char *project_id, int64_t seq, const char *hash, const char *sig,
                           const unsigned char pk[ED25519_PK_BYTES])
{
	struct buf msg = BUF_INIT(4096);
	int ok;

	if (checkpoint_message(&msg, project_id, seq, hash) < 0)
		return 0;
	ok = sign_verify_hex(sig, msg.ptr, msg.len, pk) == 0;
	buf_release(&msg);
	return ok;
}

struct verify_state {
	struct enclave_audit_report *r;
	char prev[65];
	int64_t expect;
	int failed;
	int error;
};

static int verify_cb(const struct enclave_audit_event *ev, void *payload)
{
	struct verify_state *s = payload;
	int rc = check_event(s->r, ev, s->prev, s->expect, "");

	if (rc < 0) {
		s->error = rc;
		return 1;
	}
	if (rc == 0) {
		s->failed = 1;
		return 1;
	}
	s->expect++;
	return 0;
}

/* The hash of event `seq` into out ("" when there is none). */
static int hash_at(enclave_project *p, int64_t seq, char out[65])
{
	sqlite3_stmt *st;
	int error, rc;

	out[0] = '\0';
	if ((error = store_prepare(&st, p->db, "SELECT hash FROM audit WHERE seq = ?")) < 0)
		return error;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, 65, "%s", (const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		error = store_error(p->db, "read audit");
	sqlite3_finalize(st);
	return error;
}

/* Check key/audit.head against the chain. */
static int verify_head_file(enclave_project *p, struct enclave_audit_report *r, int64_t last)
{
	struct buf text = BUF_INIT(65536);
	char *path = project_file(p, PROJECT_HEAD), at[65];
	json_t *o = NULL;
	const char *hash = NULL, *sig = NULL, *proj = NULL;
	json_int_t seq = 0;
	int error = 0;

	if (!path)
		return error_oom();
	if (fs_read_file(&text, path) < 0) {
		if (errno != ENOENT || last)
			report_fail(r, 0, "cannot read %s: %s", PROJECT_HEAD, strerror(errno));
		goto done;
	}
	o = json_loads(buf_cstr(&text), 0, NULL);
	if (!o || json_unpack(o, "{s:s,s:I,s:s,s:s}", "hash", &hash, "seq", &seq, "signature", &sig,
	                      "project", &proj) < 0) {
		report_fail(r, 0, "%s is malformed", PROJECT_HEAD);
		goto done;
	}
	if (strcmp(proj, p->project_id) || !check_signature(proj, seq, hash, sig, p->pk)) {
		report_fail(r, 0, "%s has a bad signature", PROJECT_HEAD);
		goto done;
	}
	if (seq > last) {
		report_fail(r, last + 1,
		            "the chain was truncated: %s records event %lld, the "
		            "chain ends at %lld",
		            PROJECT_HEAD, (long long)seq, (long long)last);
		goto done;
	}
	if ((error = hash_at(p, seq, at)) < 0)
		goto done;
	if (strcmp(at, hash))
		report_fail(r, seq, "event %lld differs from the head recorded in %s",
		            (long long)seq, PROJECT_HEAD);
done:
	json_decref(o);
	buf_release(&text);
	free(path);
	return error;
}

int enclave_audit_verify(enclave_project *p, struct enclave_audit_report *r)
{
	struct verify_state s;
	sqlite3_stmt *st = NULL;
	int64_t last = 0, last_cp = 0;
	char head[65], at[65];
	int error, rc;

	memset(r, 0, sizeof(*r));
	r->ok = 1;
	{
		char pkhex[65];
		hex_encode(pkhex, p->pk, sizeof(p->pk));
		snprintf(r->key_id, sizeof(r->key_id), "%.16s", pkhex);
	}
	memset(&s, 0, sizeof(s));
	s.r = r;
	memcpy(s.prev, ZERO_HASH, 65);
	s.expect = 1;
	if ((error = enclave_audit_foreach(p, verify_cb, &s)) < 0 && !s.error && !s.failed)
		return error;
	if (s.error)
		return s.error;
	if (s.failed)
		return 0;
	if ((error = audit_head(p, &last, head)) < 0)
		return error;

	/* Every checkpoint must sign the event at its sequence. */
	if ((error = store_prepare(
	         &st, p->db, "SELECT seq, hash, signature FROM checkpoints ORDER BY seq")) < 0)
		return error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		const char *hash = (const char *)sqlite3_column_text(st, 1);
		const char *sig = (const char *)sqlite3_column_text(st, 2);

		if (seq > last) {
			report_fail(r, last + 1,
			            "the chain was truncated: a checkpoint signs event %lld, "
			            "the chain ends at %lld",
			            (long long)seq, (long long)last);
			goto done;
		}
		if ((error = hash_at(p, seq, at)) < 0)
			goto done;
		if (!hash || !sig || strcmp(at, hash)) {
			report_fail(r, seq, "checkpoint at event %lld does not match the event",
			            (long long)seq);
			goto done;
		}
		if (!check_signature(p->project_id, seq, hash, sig, p->pk)) {
			report_fail(r, seq, "checkpoint at event %lld has a bad signature",
			            (long long)seq);
			goto done;
		}
		r->checkpoints++;
		last_cp = seq;
	}
	if (rc != SQLITE_DONE) {
		error = store_error(p->db, "read checkpoints");
		goto done;
	}
	if (last && last_cp != last) {
		report_fail(r, last,
		            "the head (event %lld) is not signed: events were added "
		            "outside enclave",
		            (long long)last);
		goto done;
	}
	if ((error = verify_head_file(p, r, last)) < 0 || !r->ok)
		goto done;
	snprintf(r->message, sizeof(r->message), "%lld events, %lld checkpoints, head %.16s...",
	         (long long)r->events, (long long)r->checkpoints, last ? head : "(empty)");
done:
	sqlite3_finalize(st);
	return error;
}

/* ------------------------------------------------------------------ */
/* Export and verification of an exported chain                       */
/* ------------------------------------------------------------------ */

struct export_state {
	FILE *f;
	int error;
};

static int export_cb(const struct enclave_audit_event *ev, void *payload)
{
	struct export_state *s = payload;
	char *line;

	if ((s->error = enclave_audit_event_json(&line, ev)) < 0 || !line)
		return 1;
	if (fprintf(s->f, "%s\n", line) < 0)
		s->error = error_set(ENCLAVE_EIO, "cannot write: %s", strerror(errno));
	free(line);
	return s->error ? 1 : 0;
}

int enclave_audit_export(enclave_project *p, const char *path)
{
	struct export_state s = { NULL, 0 };
	json_t *cp = NULL, *wrap = NULL;
	char *line = NULL, *tmp = NULL;
	int error;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return error_oom();
	if (!(s.f = fopen(tmp, "w"))) {
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	/* One read transaction: the events and the checkpoint are one snapshot. */
	if ((error = store_exec(p->db, "BEGIN")) < 0)
		goto done;
	error = enclave_audit_foreach(p, export_cb, &s);
	if (s.error)
		error = s.error;
	if (!error)
		error = head_checkpoint(&cp, p);
	sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
	if (error < 0)
		goto done;
	if (!(wrap = json_pack("{s:O}", "checkpoint", cp)) ||
	    !(line = json_dumps(wrap, CANON_FLAGS))) {
		error = error_oom();
		goto done;
	}
	if (fprintf(s.f, "%s\n", line) < 0 || fflush(s.f) != 0 || fsync(fileno(s.f)) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	if (fclose(s.f) != 0) {
		s.f = NULL;
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	s.f = NULL;
	if (rename(tmp, path) < 0)
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", path, strerror(errno));
done:
	if (s.f)
		fclose(s.f);
	if (error && tmp)
		unlink(tmp);
	free(tmp);
	free(line);
	json_decref(wrap);
	json_decref(cp);
	return error;
}

/* Parse one exported event line into `ev` (strings borrowed from `o`). 0 ok, -1 malformed. */
static int parse_event_line(struct enclave_audit_event *ev, json_t *o, char **params, char **inputs,
                            char **outputs)
{
	json_t *jp, *ji, *jo;
	json_int_t seq;

	if (json_object_size(o) != 10 ||
	    json_unpack(o, "{s:s,s:s,s:o,s:o,s:o,s:s,s:I,s:s,s:s,s:s}", "action", &ev->action,
	                "actor", &ev->actor, "inputs", &ji, "outputs", &jo, "params", &jp,
	                "prev_hash", &ev->prev_hash, "seq", &seq, "subject", &ev->subject, "time",
	                &ev->time, "hash", &ev->hash) < 0)
		return -1;
	if (!json_is_object(jp) || !json_is_object(ji) || !json_is_object(jo))
		return -1;
	ev->seq = seq;
	*params = json_dumps(jp, CANON_FLAGS);
	*inputs = json_dumps(ji, CANON_FLAGS);
	*outputs = json_dumps(jo, CANON_FLAGS);
	if (!*params || !*inputs || !*outputs)
		return -1;
	ev->params = *params;
	ev->inputs = *inputs;
	ev->outputs = *outputs;
	return 0;
}

/* Fail the report at line `line`. */
#define LINE_FAIL(seq, ...)                         \
	do {                                        \
		r->bad_line = line;                 \
		report_fail(r, (seq), __VA_ARGS__); \
		goto done;                          \
	} while (0)

int enclave_audit_verify_file(const char *path, const char *pubkey_hex,
                              struct enclave_audit_report *r)
{
	FILE *f;
	int error;

	memset(r, 0, sizeof(*r));
	if (pubkey_hex && strlen(pubkey_hex) != 64)
		return error_set(ENCLAVE_EINVALID, "the public key must be 64 hex digits");
	if (!(f = fopen(path, "r")))
		return error_set(errno == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		                 "cannot open '%s': %s", path, strerror(errno));
	error = audit_verify_stream(f, path, pubkey_hex, r, NULL);
	fclose(f);
	return error;
}

int audit_verify_stream(FILE *f, const char *path, const char *pubkey_hex,
                        struct enclave_audit_report *r, struct audit_file_head *head)
{
	char *text = NULL, prev[65] = "", last_hash[65] = "", where[64];
	size_t cap = 0;
	ssize_t n;
	int64_t line = 0, expect = 0, first = 0, last = 0;
	int have_cp = 0, error = 0;
	unsigned char pk[ED25519_PK_BYTES];

	memset(r, 0, sizeof(*r));
	r->ok = 1;
	if (head)
		memset(head, 0, sizeof(*head));
	if (pubkey_hex && hex_decode(pk, sizeof(pk), pubkey_hex) < 0)
		return error_set(ENCLAVE_EINVALID, "the public key must be 64 hex digits");
	while ((n = getline(&text, &cap, f)) >= 0) {
		json_t *o, *cp;
		line++;
		snprintf(where, sizeof(where), "line %lld: ", (long long)line);
		if ((size_t)n > ENCLAVE_MAX_AUDIT_LINE_BYTES)
			LINE_FAIL(0, "%sline too long", where);
		if (have_cp)
			LINE_FAIL(0, "%sdata after the checkpoint line", where);
		if (!(o = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) || !json_is_object(o)) {
			json_decref(o);
			LINE_FAIL(0, "%snot a JSON object", where);
		}
		if ((cp = json_object_get(o, "checkpoint"))) {
			const char *hash, *sig, *proj, *key;
			json_int_t seq;
			if (json_object_size(o) != 1 ||
			    json_unpack(cp, "{s:s,s:s,s:s,s:I,s:s}", "hash", &hash, "project",
			                &proj, "public_key", &key, "seq", &seq, "signature",
			                &sig) < 0) {
				json_decref(o);
				LINE_FAIL(0, "%smalformed checkpoint", where);
			}
			if (!pubkey_hex && hex_decode(pk, sizeof(pk), key) < 0) {
				json_decref(o);
				LINE_FAIL(0, "%smalformed public key", where);
			}
			snprintf(r->key_id, sizeof(r->key_id), "%.16s",
			         pubkey_hex ? pubkey_hex : key);
			if (seq != last || strcmp(hash, last_hash)) {
				json_decref(o);
				LINE_FAIL(
				    last,
				    "%sthe checkpoint signs event %lld, but the chain ends at "
				    "event %lld: events were cut off or added",
				    where, (long long)seq, (long long)last);
			}
			if (!check_signature(proj, seq, hash, sig, pk)) {
				json_decref(o);
				LINE_FAIL(seq, "%sthe checkpoint's signature is not valid%s", where,
				          pubkey_hex ? " for the given key" : "");
			}
			r->checkpoints++;
			have_cp = 1;
			if (head) {
				head->seq = seq;
				snprintf(head->hash, sizeof(head->hash), "%s", hash);
				snprintf(head->project, sizeof(head->project), "%s", proj);
				snprintf(head->public_key, sizeof(head->public_key), "%s", key);
			}
		} else {
			struct enclave_audit_event ev;
			char *jp = NULL, *ji = NULL, *jo = NULL;
			int rc;
			if (parse_event_line(&ev, o, &jp, &ji, &jo) < 0) {
				free(jp), free(ji), free(jo);
				json_decref(o);
				LINE_FAIL(0, "%snot an audit event", where);
			}
			if (!first) {
				first = ev.seq;
				expect = ev.seq;
				/*
				 * A chain file must start at the beginning: a file whose
				 * first events were cut off would otherwise verify.
				 */
				if (ev.seq != 1) {
					free(jp), free(ji), free(jo);
					json_decref(o);
					LINE_FAIL(1,
					          "%sthe chain starts at event %lld, not 1: its "
					          "beginning "
					          "was cut off",
					          where, (long long)ev.seq);
				}
				if (strcmp(ev.prev_hash, ZERO_HASH)) {
					free(jp), free(ji), free(jo);
					json_decref(o);
					LINE_FAIL(1, "%sevent 1 does not start the chain", where);
				}
			}
			rc = check_event(r, &ev, prev, expect, where);
			if (rc > 0) {
				last = ev.seq;
				snprintf(last_hash, sizeof(last_hash), "%s", ev.hash);
				expect++;
			}
			free(jp), free(ji), free(jo);
			if (rc <= 0) {
				json_decref(o);
				r->bad_line = line;
				error = rc < 0 ? rc : 0;
				goto done;
			}
		}
		json_decref(o);
	}
	if (ferror(f)) {
		error = error_set(ENCLAVE_EIO, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	if (!have_cp) {
		line++;
		LINE_FAIL(last + 1,
		          "line %lld: no signed checkpoint at the end: the file was cut "
		          "short",
		          (long long)line);
	}
	snprintf(r->message, sizeof(r->message), "%lld events, signed head %.16s..., key %s",
	         (long long)r->events, last_hash, r->key_id);
done:
	free(text);
	return error;
}
