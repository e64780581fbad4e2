/*
 * Generated records (the augment stage's, include/enclave/augment.h)
 * reviewed in the label app (docs/api.md, "Generated records"): pages of
 * records with counts per kind and status, one record, accept / reject /
 * back to proposed (one or a batch), edits of the text and payload fields
 * of qa, instruct, paraphrase and summary records, and the suggest-labels
 * records of a document as the annotation view's proposals.
 *
 * A record's version is the first 16 hex digits of SHA-256 over its status,
 * text, payload and lineage (each followed by a NUL byte): any change, by
 * the app or the CLI, gives a new one, so a change that names the version
 * it saw is refused (ENCLAVE_ECONFLICT) when the record changed since. The
 * store has no version column; this needs none.
 *
 * An edit keeps the lineage and appends to its "edits" array
 * {"by": "user:NAME", "at", "fields", "text_sha256", "payload_sha256"} (the
 * hashes of what was there before); the first edit also keeps the
 * generator's output in lineage "original" {"text", "payload"}. Every change
 * is audited in its transaction with the web user as actor:
 * augment.record.status {status, previous} and augment.record.edit {kind,
 * fields} with the old and new hashes.
 *
 * suggest-labels records are decided by the label review (tasks.c calls
 * label_suggestions_decide): see that function for the rule.
 */
#include <string.h>

#include "label_int.h"
#include "../../util/utf8.h"

#define MAX_BATCH 1000            /* records in one batch review */
#define MAX_FIELD_BYTES (1 << 20) /* an edited field */

/* ------------------------------------------------------------------ */
/* Records as JSON                                                    */
/* ------------------------------------------------------------------ */

/* The version of a record's state (see the top of the file). */
static int record_version(char out[17], const struct enclave_record *r)
{
	struct buf b = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES * 2);
	char hex[65];
	int error;

	if (buf_puts(&b, r->status) < 0 || buf_putc(&b, 0) < 0 || buf_puts(&b, r->text) < 0 ||
	    buf_putc(&b, 0) < 0 || buf_puts(&b, r->payload) < 0 || buf_putc(&b, 0) < 0 ||
	    buf_puts(&b, r->lineage) < 0 || buf_putc(&b, 0) < 0) {
		buf_release(&b);
		return error_oom();
	}
	error = sha256_hex(hex, b.ptr, b.len);
	buf_release(&b);
	if (error < 0)
		return error;
	memcpy(out, hex, 16);
	out[16] = '\0';
	return 0;
}

/* A stored JSON object's text as a value ({} when it does not parse: inserts check it). */
static json_t *object_of(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	if (!json_is_object(v)) {
		json_decref(v);
		v = json_object();
	}
	return v;
}

/* The record as the API shows it; NULL on allocation failure. */
static json_t *record_json(const struct enclave_record *r)
{
	char version[17];

	if (record_version(version, r) < 0)
		return NULL;
	return json_pack("{s:I,s:s,s:I,s:I,s:s?,s:s,s:s,s:o,s:o,s:s,s:s,s:s}", "id",
	                 (json_int_t)r->id, "kind", r->kind, "document", (json_int_t)r->document_id,
	                 "chunk", (json_int_t)r->chunk, "source_sha256",
	                 *r->source_sha256 ? r->source_sha256 : NULL, "text", r->text,
	                 "text_sha256", r->text_sha256, "payload", object_of(r->payload), "lineage",
	                 object_of(r->lineage), "status", r->status, "created", r->created_at,
	                 "version", version);
}

static int append_cb(const struct enclave_record *r, void *payload)
{
	json_t *v = record_json(r);

	if (!v || json_array_append_new(payload, v) < 0)
		return error_oom();
	return 0;
}

static int one_cb(const struct enclave_record *r, void *payload)
{
	json_t **out = payload;

	return (*out = record_json(r)) ? 0 : error_oom();
}

static int count_cb(const char *kind, const char *status, int64_t n, void *payload)
{
	json_t *counts = payload, *k = json_object_get(counts, kind);

	if (!k && (!(k = json_pack("{s:i,s:i,s:i}", "proposed", 0, "accepted", 0, "rejected", 0)) ||
	           json_object_set_new(counts, kind, k) < 0))
		return error_oom();
	return json_object_set_new(k, status, json_integer((json_int_t)n)) < 0 ? error_oom() : 0;
}

static int status_ok(const char *s)
{
	return s && (!strcmp(s, "proposed") || !strcmp(s, "accepted") || !strcmp(s, "rejected"));
}

int enclave_label_records(json_t **out, enclave_project *p, const char *kind, const char *status,
                          int64_t document, int64_t offset, int64_t limit)
{
	struct store_records_query q = { kind, status, document, offset, limit };
	json_t *list = NULL, *counts = NULL;
	int64_t total;
	int error;

	*out = NULL;
	if (kind && strlen(kind) > 32)
		return error_set(ENCLAVE_EINVALID, "a kind has at most 32 bytes");
	if (status && !status_ok(status))
		return error_set(ENCLAVE_EINVALID, "status '%.32s': proposed, accepted or rejected",
		                 status);
	if (!(list = json_array()) || !(counts = json_object()))
		error = error_oom();
	else if ((error = store_records_total(p->db, &q, &total)) == 0 &&
	         (error = store_records_page(p->db, &q, append_cb, list)) == 0 &&
	         (error = store_records_counts(p->db, document, count_cb, counts)) == 0 &&
	         !(*out = json_pack("{s:I,s:I,s:I,s:O,s:O}", "total", (json_int_t)total, "offset",
	                            (json_int_t)offset, "limit", (json_int_t)limit, "counts",
	                            counts, "records", list)))
		error = error_oom();
	json_decref(list);
	json_decref(counts);
	return error;
}

int enclave_label_record(json_t **out, enclave_project *p, int64_t id)
{
	*out = NULL;
	return store_record_get(p->db, id, one_cb, out);
}

/* ------------------------------------------------------------------ */
/* Status                                                             */
/* ------------------------------------------------------------------ */

/* What one record is when a change reads it inside the transaction. */
struct current {
	char kind[40];
	char status[16];
	char version[17];
	char *text, *payload, *lineage, *text_sha256;
	int64_t document;
};

static void current_release(struct current *c)
{
	free(c->text);
	free(c->payload);
	free(c->lineage);
	free(c->text_sha256);
	memset(c, 0, sizeof(*c));
}

static int current_cb(const struct enclave_record *r, void *payload)
{
	struct current *c = payload;

	snprintf(c->kind, sizeof(c->kind), "%s", r->kind);
	snprintf(c->status, sizeof(c->status), "%s", r->status);
	c->document = r->document_id;
	if (!(c->text = strdup(r->text)) || !(c->payload = strdup(r->payload)) ||
	    !(c->lineage = strdup(r->lineage)) || !(c->text_sha256 = strdup(r->text_sha256)))
		return error_oom();
	return record_version(c->version, r);
}

/* Read record `id` into `c`, refusing a stale `version` (NULL: not checked). */
static int current_get(struct current *c, enclave_project *p, int64_t id, const char *version)
{
	int error;

	memset(c, 0, sizeof(*c));
	if ((error = store_record_get(p->db, id, current_cb, c)) < 0)
		return error;
	if (version && strcmp(version, c->version))
		return error_set(
		    ENCLAVE_ECONFLICT,
		    "record %lld changed: stale version '%.20s', the current one is '%s'",
		    (long long)id, version, c->version);
	return 0;
}

/* Inside the transaction: set record `id` to `status`, audited with `via` (NULL: none). */
static int set_status(enclave_project *p, int64_t id, const char *status, const char *previous,
                      const char *via)
{
	char subject[40];
	json_t *params;
	int error;

	if ((error = store_record_status(p, id, status)) < 0)
		return error;
	snprintf(subject, sizeof(subject), "record:%lld", (long long)id);
	if (!(params =
	          json_pack("{s:s,s:s,s:s?}", "status", status, "previous", previous, "via", via)))
		return error_oom();
	error = audit_append(p, "augment.record.status", subject, params, NULL, NULL, NULL);
	json_decref(params);
	return error;
}

/* "accept" -> "accepted", "reject" -> "rejected", "reset" -> "proposed"; NULL when neither. */
static const char *decision_status(const char *d)
{
	if (!d)
		return NULL;
	if (!strcmp(d, "accept"))
		return "accepted";
	if (!strcmp(d, "reject"))
		return "rejected";
	if (!strcmp(d, "reset"))
		return "proposed";
	return NULL;
}

int enclave_label_record_review(json_t **out, enclave_project *p,
                                const struct enclave_label_user *who, int64_t id,
                                const char *decision, const char *version)
{
	const char *status = decision_status(decision);
	struct label_actor a;
	struct current c;
	int error;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if (!status)
		return error_set(ENCLAVE_EINVALID, "a decision is accept, reject or reset");
	if ((error = label_begin(p, &a, who)) < 0)
		return error;
	if ((error = current_get(&c, p, id, version)) == 0 && strcmp(c.status, status))
		error = set_status(p, id, status, c.status, NULL);
	current_release(&c);
	if ((error = label_end(p, error)) < 0)
		return error;
	return enclave_label_record(out, p, id);
}

int enclave_label_records_review(json_t **out, enclave_project *p,
                                 const struct enclave_label_user *who, const json_t *items,
                                 const char *decision)
{
	const char *status = decision_status(decision);
	struct label_actor a;
	struct current c;
	json_t *it, *done = NULL;
	size_t i, changed = 0;
	int error = 0;

	*out = NULL;
	if (!status)
		return error_set(ENCLAVE_EINVALID, "a decision is accept, reject or reset");
	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    json_array_size(items) > MAX_BATCH)
		return error_set(ENCLAVE_EINVALID, "records is an array of 1 to %d {id, version?}",
		                 MAX_BATCH);
	json_array_foreach(items, i, it)
	{
		json_t *v = json_object_get(it, "version");
		if (!json_is_integer(json_object_get(it, "id")) || (v && !json_is_string(v)))
			return error_set(ENCLAVE_EINVALID,
			                 "records[%zu]: {\"id\": N, \"version\": \"...\"?}", i);
	}
	if (!(done = json_array()))
		return error_oom();
	if ((error = label_begin(p, &a, who)) < 0) {
		json_decref(done);
		return error;
	}
	json_array_foreach(items, i, it)
	{
		int64_t id = json_integer_value(json_object_get(it, "id"));
		error = current_get(&c, p, id, json_string_value(json_object_get(it, "version")));
		if (!error && strcmp(c.status, status)) {
			error = set_status(p, id, status, c.status, "batch");
			changed++;
		}
		current_release(&c);
		if (error)
			break;
	}
	if ((error = label_end(p, error)) < 0) {
		json_decref(done);
		return error;
	}
	/* The new versions, read after the commit. */
	json_array_foreach(items, i, it)
	{
		json_t *r = NULL;
		if ((error = enclave_label_record(
		         &r, p, json_integer_value(json_object_get(it, "id")))) < 0)
			break;
		if (json_array_append_new(done,
		                          json_pack("{s:O,s:O,s:O}", "id", json_object_get(r, "id"),
		                                    "status", json_object_get(r, "status"),
		                                    "version", json_object_get(r, "version"))) < 0)
			error = error_oom();
		json_decref(r);
		if (error)
			break;
	}
	if (!error &&
	    !(*out = json_pack("{s:I,s:O}", "changed", (json_int_t)changed, "records", done)))
		error = error_oom();
	json_decref(done);
	return error;
}

/* ------------------------------------------------------------------ */
/* Edits                                                              */
/* ------------------------------------------------------------------ */

/* Byte offset of code point `cp` in valid UTF-8 `s` of `len` bytes; len when past its end. */
static size_t cp_byte(const char *s, size_t len, size_t cp)
{
	const unsigned char *u = (const unsigned char *)s, *end = u + len, *at = u;
	uint32_t c;

	while (cp-- && at < end)
		at += utf8_decode(at, end, &c);
	return (size_t)(at - u);
}

/* A string member of `o` of 1 (0 when `empty_ok`) to MAX_FIELD_BYTES bytes, or NULL. */
static const char *field(const json_t *o, const char *key, int empty_ok)
{
	const json_t *v = json_object_get(o, key);
	size_t n = json_string_length(v);

	if (!json_is_string(v) || (!n && !empty_ok) || n > MAX_FIELD_BYTES)
		return NULL;
	return json_string_value(v);
}

/* The spans [{start, end, label}] of `spans` checked against a text of `len` code points. */
static int check_spans(const json_t *spans, size_t len)
{
	json_t *s;
	size_t i;

	if (!json_is_array(spans) || json_array_size(spans) > 100000)
		return error_set(ENCLAVE_EINVALID, "spans is an array of {start, end, label}");
	json_array_foreach(spans, i, s)
	{
		json_t *a = json_object_get(s, "start"), *b = json_object_get(s, "end");
		if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) < 0 ||
		    json_integer_value(b) <= json_integer_value(a) ||
		    (size_t)json_integer_value(b) > len || !field(s, "label", 0))
			return error_set(
			    ENCLAVE_EINVALID,
			    "span %zu: 0 <= start < end <= %zu code points, and a label", i, len);
	}
	return 0;
}

/*
 * Paraphrase spans after the text changed and no spans were given: each
 * span's old surface text is looked for in the new text, in order, after
 * the previous one found; spans not found are dropped (*dropped counts
 * them). Returns the new array (a new reference) or NULL on allocation failure.
 */
static json_t *reanchor(const json_t *spans, const char *old, const char *new_text, size_t *dropped)
{
	size_t olen = strlen(old), from = 0, i;
	json_t *out = json_array(), *s;

	*dropped = 0;
	if (!out)
		return NULL;
	json_array_foreach(spans, i, s)
	{
		size_t a =
		    cp_byte(old, olen, (size_t)json_integer_value(json_object_get(s, "start")));
		size_t b =
		    cp_byte(old, olen, (size_t)json_integer_value(json_object_get(s, "end")));
		char *needle = b > a ? strndup(old + a, b - a) : NULL;
		const char *hit = needle ? strstr(new_text + from, needle) : NULL;
		json_t *ns;
		if (!hit) {
			free(needle);
			(*dropped)++;
			continue;
		}
		ns = json_deep_copy(s);
		size_t at = (size_t)(hit - new_text);
		size_t start = utf8_count(new_text, at), end = start + utf8_count(hit, b - a);
		from = at + (b - a);
		free(needle);
		if (!ns || json_object_set_new(ns, "start", json_integer((json_int_t)start)) < 0 ||
		    json_object_set_new(ns, "end", json_integer((json_int_t)end)) < 0 ||
		    json_array_append_new(out, ns) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/*
 * Apply `changes` ({"text"?, "payload"?: {fields}}) to a record of `kind`:
 * *text (malloc'd) and `payload` (changed in place), and the names of the
 * changed fields appended to `fields`. ENCLAVE_EINVALID for a kind that is
 * not editable, an unknown field or a bad value.
 */
static int apply_edit(char **text, json_t *payload, const char *kind, const char *old_text,
                      const json_t *changes, json_t *fields, size_t *dropped)
{
	const json_t *pc = json_object_get(changes, "payload"),
	             *tv = json_object_get(changes, "text");
	const char *key;
	json_t *v;
	int qa = !strcmp(kind, "qa"), ins = !strcmp(kind, "instruct");
	int para = !strcmp(kind, "paraphrase"), sum = !strcmp(kind, "summary");

	*text = NULL;
	*dropped = 0;
	if (!qa && !ins && !para && !sum)
		return error_set(ENCLAVE_EINVALID,
		                 "records of kind '%s' are not edited: accept or reject them",
		                 kind);
	if (pc && !json_is_object(pc))
		return error_set(ENCLAVE_EINVALID, "payload is an object of the fields to change");
	if (tv && (qa || ins))
		return error_set(ENCLAVE_EINVALID,
		                 "the text of a %s record is its %s: edit that field", kind,
		                 qa ? "answer" : "response");
	if (tv && !field(changes, "text", 0))
		return error_set(ENCLAVE_EINVALID, "text is a non-empty string of at most %d bytes",
		                 MAX_FIELD_BYTES);
	json_object_foreach((json_t *)pc, key, v)
	{
		int ok;
		if (qa && (!strcmp(key, "question") || !strcmp(key, "answer")))
			ok = field(pc, key, 0) != NULL;
		else if (ins && (!strcmp(key, "instruction") || !strcmp(key, "response")))
			ok = field(pc, key, 0) != NULL;
		else if (ins && !strcmp(key, "input"))
			ok = field(pc, key, 1) != NULL;
		else if (qa && !strcmp(key, "evidence"))
			ok = json_is_object(v) && json_is_integer(json_object_get(v, "start")) &&
			     json_is_integer(json_object_get(v, "end"));
		else if (para && !strcmp(key, "spans"))
			ok = 1; /* checked below against the new text */
		else
			return error_set(ENCLAVE_EINVALID,
			                 "%s records: '%.64s' is not an editable field", kind, key);
		if (!ok)
			return error_set(ENCLAVE_EINVALID, "%s records: bad value of '%s'", kind,
			                 key);
	}
	if (!tv && !json_object_size(pc))
		return error_set(ENCLAVE_EINVALID,
		                 "nothing to change: give text or payload fields");

	if (qa && json_object_get(pc, "evidence")) {
		const json_t *ev = json_object_get(pc, "evidence");
		const char *ctx = json_string_value(json_object_get(payload, "context"));
		size_t clen = ctx ? strlen(ctx) : 0, n = ctx ? utf8_count(ctx, clen) : 0;
		json_int_t s = json_integer_value(json_object_get(ev, "start"));
		json_int_t e = json_integer_value(json_object_get(ev, "end"));
		size_t a, b;
		json_t *nev;
		if (!ctx || s < 0 || e <= s || (size_t)e > n)
			return error_set(
			    ENCLAVE_EINVALID,
			    "evidence: 0 <= start < end <= %zu code points of the context", n);
		a = cp_byte(ctx, clen, (size_t)s);
		b = cp_byte(ctx, clen, (size_t)e);
		if (!(nev = json_pack("{s:I,s:I,s:s%}", "start", s, "end", e, "text", ctx + a,
		                      b - a)) ||
		    json_object_set_new(payload, "evidence", nev) < 0 ||
		    json_array_append_new(fields, json_string("evidence")) < 0)
			return error_oom();
	}
	json_object_foreach((json_t *)pc, key, v)
	{
		if (!strcmp(key, "evidence") || !strcmp(key, "spans"))
			continue;
		if (json_object_set(payload, key, v) < 0 ||
		    json_array_append_new(fields, json_string(key)) < 0)
			return error_oom();
	}
	if (qa || ins) {
		/* The record's text is the answer (qa) or the response (instruct). */
		const char *main =
		    json_string_value(json_object_get(payload, qa ? "answer" : "response"));
		*text = strdup(main ? main : old_text);
	} else {
		*text = strdup(tv ? json_string_value(tv) : old_text);
		if (*text && tv && json_array_append_new(fields, json_string("text")) < 0)
			return error_oom();
	}
	if (!*text)
		return error_oom();
	if (para) {
		const json_t *ns = json_object_get(pc, "spans");
		size_t n = utf8_count(*text, strlen(*text));
		int error;
		if (ns) {
			if ((error = check_spans(ns, n)) < 0)
				return error;
			if (json_object_set(payload, "spans", (json_t *)ns) < 0 ||
			    json_array_append_new(fields, json_string("spans")) < 0)
				return error_oom();
		} else if (tv && json_is_array(json_object_get(payload, "spans"))) {
			json_t *moved =
			    reanchor(json_object_get(payload, "spans"), old_text, *text, dropped);
			if (!moved || json_object_set_new(payload, "spans", moved) < 0)
				return error_oom();
		}
	}
	return 0;
}

int enclave_label_record_edit(json_t **out, enclave_project *p,
                              const struct enclave_label_user *who, int64_t id, const char *version,
                              const json_t *changes)
{
	struct label_actor a;
	struct current c;
	json_t *payload = NULL, *lineage = NULL, *fields = NULL, *edits, *entry = NULL;
	json_t *params = NULL, *inputs = NULL, *outputs = NULL;
	char *text = NULL, *ptext = NULL, *ltext = NULL;
	char sha[65], old_psha[65], new_psha[65], now[32], subject[40];
	size_t dropped = 0;
	int error;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if (!version)
		return error_set(ENCLAVE_EINVALID, "an edit names the version it changes");
	if (!json_is_object(changes))
		return error_set(ENCLAVE_EINVALID, "changes are a JSON object");
	if ((error = label_begin(p, &a, who)) < 0)
		return error;
	if ((error = current_get(&c, p, id, version)) < 0)
		goto done;
	payload = object_of(c.payload);
	lineage = object_of(c.lineage);
	if (!payload || !lineage || !(fields = json_array())) {
		error = error_oom();
		goto done;
	}
	if ((error = apply_edit(&text, payload, c.kind, c.text, changes, fields, &dropped)) < 0)
		goto done;
	/* The generator's output is kept once, at the first edit. */
	if (!json_object_get(lineage, "original") &&
	    json_object_set_new(
	        lineage, "original",
	        json_pack("{s:s,s:o}", "text", c.text, "payload", object_of(c.payload))) < 0) {
		error = error_oom();
		goto done;
	}
	if (!(ptext = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS))) {
		error = error_oom();
		goto done;
	}
	time_now_iso(now);
	if ((error = sha256_hex(sha, text, strlen(text))) < 0 ||
	    (error = sha256_hex(old_psha, c.payload, strlen(c.payload))) < 0 ||
	    (error = sha256_hex(new_psha, ptext, strlen(ptext))) < 0)
		goto done;
	edits = json_object_get(lineage, "edits");
	if (!json_is_array(edits)) {
		edits = json_array();
		if (!edits || json_object_set_new(lineage, "edits", edits) < 0) {
			error = error_oom();
			goto done;
		}
	}
	entry = json_pack("{s:s,s:s,s:O,s:s,s:s}", "by", a.name, "at", now, "fields", fields,
	                  "text_sha256", c.text_sha256, "payload_sha256", old_psha);
	if (!entry || json_array_append(edits, entry) < 0 ||
	    !(ltext = json_dumps(lineage, JSON_COMPACT | JSON_SORT_KEYS))) {
		error = error_oom();
		goto done;
	}
	if ((error = store_record_update(p, id, text, sha, ptext, ltext)) < 0)
		goto done;
	snprintf(subject, sizeof(subject), "record:%lld", (long long)id);
	params = json_pack("{s:s,s:O,s:I}", "kind", c.kind, "fields", fields, "spans_dropped",
	                   (json_int_t)dropped);
	inputs = json_pack("{s:s,s:s}", "text_sha256", c.text_sha256, "payload_sha256", old_psha);
	outputs = json_pack("{s:s,s:s}", "text_sha256", sha, "payload_sha256", new_psha);
	if (!params || !inputs || !outputs)
		error = error_oom();
	else
		error =
		    audit_append(p, "augment.record.edit", subject, params, inputs, outputs, NULL);
done:
	current_release(&c);
	json_decref(payload);
	json_decref(lineage);
	json_decref(fields);
	json_decref(entry);
	json_decref(params);
	json_decref(inputs);
	json_decref(outputs);
	free(text);
	free(ptext);
	free(ltext);
	if ((error = label_end(p, error)) < 0)
		return error;
	return enclave_label_record(out, p, id);
}

/* ------------------------------------------------------------------ */
/* suggest-labels                                                     */
/* ------------------------------------------------------------------ */

/*
 * A suggest-labels payload the label app can show: layer "original" (or
 * none), which a run on the redacted layer writes too once it has mapped
 * its offsets back ("mapped_from": "redacted"; docs/formats.md).
 */
static int original_layer(const json_t *payload)
{
	const char *layer = json_string_value(json_object_get(payload, "layer"));

	return !layer || !strcmp(layer, "original");
}

static int suggestion_cb(const struct enclave_record *r, void *payload)
{
	json_t *list = payload, *pl, *ln, *s;
	int error = 0;

	if (!strcmp(r->status, "rejected"))
		return 0;
	pl = object_of(r->payload);
	ln = object_of(r->lineage);
	if (!pl || !ln) {
		json_decref(pl);
		json_decref(ln);
		return error_oom();
	}
	if (original_layer(pl)) {
		json_t *cl = json_object_get(pl, "classes"), *en = json_object_get(pl, "entities");
		s = json_pack("{s:I,s:s,s:s?,s:o,s:o,s:O?}", "record", (json_int_t)r->id, "status",
		              r->status, "model", json_string_value(json_object_get(ln, "model")),
		              "classes", json_is_array(cl) ? json_incref(cl) : json_array(),
		              "entities", json_is_array(en) ? json_incref(en) : json_array(),
		              "review", json_object_get(pl, "review"));
		if (!s || json_array_append_new(list, s) < 0)
			error = error_oom();
	}
	json_decref(pl);
	json_decref(ln);
	return error;
}

int enclave_label_suggestions(json_t **out, enclave_project *p, int64_t document)
{
	struct store_records_query q = { "suggest-labels", NULL, document, 0, 0 };
	json_t *list = json_array();
	int error;

	*out = NULL;
	if (!list)
		return error_oom();
	if (document <= 0)
		error = error_set(ENCLAVE_ENOTFOUND, "no document %lld", (long long)document);
	else if ((error = store_records_page(p->db, &q, suggestion_cb, list)) == 0 &&
	         !(*out = json_pack("{s:I,s:O}", "document", (json_int_t)document, "suggestions",
	                            list)))
		error = error_oom();
	json_decref(list);
	return error;
}

/* What label_suggestions_decide gathers before it changes anything. */
struct decide {
	int64_t *ids;
	size_t n, cap;
};

static int decide_cb(const struct enclave_record *r, void *payload)
{
	struct decide *d = payload;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		int64_t *v = realloc(d->ids, cap * sizeof(*v));
		if (!v)
			return error_oom();
		d->ids = v;
		d->cap = cap;
	}
	d->ids[d->n++] = r->id;
	return 0;
}

/* 1 when the spans of `result` hold one at (start, end, label) of entity `e`. */
static int has_span(const json_t *result, const json_t *e)
{
	json_t *s;
	size_t i;
	const char *label = json_string_value(json_object_get(e, "label"));

	json_array_foreach(json_object_get(result, "spans"), i, s)
	{
		const char *l = json_string_value(json_object_get(s, "label"));
		if (json_equal(json_object_get(s, "start"), json_object_get(e, "start")) &&
		    json_equal(json_object_get(s, "end"), json_object_get(e, "end")) && l &&
		    label && !strcmp(l, label))
			return 1;
	}
	return 0;
}

/* 1 when the labels of `result` hold `label`. */
static int has_label(const json_t *result, const char *label)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(result, "labels"), i, s)
	{
		if (label && json_is_string(s) && !strcmp(json_string_value(s), label))
			return 1;
	}
	return 0;
}

int label_suggestions_decide(enclave_project *p, int64_t document, const char *type,
                             int64_t annotation, const char *result_text, json_t *params)
{
	struct store_records_query q = { "suggest-labels", NULL, document, 0, 0 };
	struct decide d;
	json_t *result = NULL;
	size_t i, decided = 0;
	int ner = !strcmp(type, "ner"), error;

	if (!ner && strcmp(type, "class"))
		return 0;
	memset(&d, 0, sizeof(d));
	if ((error = store_records_page(p->db, &q, decide_cb, &d)) < 0 || !d.n) {
		free(d.ids);
		return error;
	}
	if (!(result = json_loads(result_text, 0, NULL))) {
		free(d.ids);
		return error_set(ENCLAVE_ETAMPER, "annotation %lld: the result is not JSON",
		                 (long long)annotation);
	}
	for (i = 0; i < d.n && !error; i++) {
		struct current c;
		json_t *pl = NULL, *items, *it, *rev, *half;
		const char *key;
		size_t j, acc = 0, rej = 0;
		int any = 0, open = 0;
		char *ptext = NULL, sha[65];

		if ((error = current_get(&c, p, d.ids[i], NULL)) < 0)
			break;
		pl = object_of(c.payload);
		items = json_object_get(pl, ner ? "entities" : "classes");
		if (!pl || !original_layer(pl) || !json_array_size(items))
			goto next;
		json_array_foreach(items, j, it)
		{
			if (ner ? has_span(result, it) : has_label(result, json_string_value(it)))
				acc++;
			else
				rej++;
		}
		rev = json_object_get(pl, "review");
		if (!json_is_object(rev)) {
			rev = json_object();
			if (!rev || json_object_set_new(pl, "review", rev) < 0) {
				error = error_oom();
				goto next;
			}
		}
		if (json_object_set_new(rev, ner ? "entities" : "classes",
		                        json_pack("{s:I,s:I,s:I}", "accepted", (json_int_t)acc,
		                                  "rejected", (json_int_t)rej, "annotation",
		                                  (json_int_t)annotation)) < 0) {
			error = error_oom();
			goto next;
		}
		/* The rule: accepted when any suggestion was; rejected once every half is decided. */
		json_object_foreach(rev, key, half)
		{
			(void)key;
			if (json_integer_value(json_object_get(half, "accepted")) > 0)
				any = 1;
		}
		if (json_array_size(json_object_get(pl, "classes")) &&
		    !json_object_get(rev, "classes"))
			open = 1;
		if (json_array_size(json_object_get(pl, "entities")) &&
		    !json_object_get(rev, "entities"))
			open = 1;
		if (!(ptext = json_dumps(pl, JSON_COMPACT | JSON_SORT_KEYS))) {
			error = error_oom();
			goto next;
		}
		if ((error = sha256_hex(sha, c.text, strlen(c.text))) < 0 ||
		    (error = store_record_update(p, d.ids[i], c.text, sha, ptext, c.lineage)) < 0)
			goto next;
		decided++;
		if (any && strcmp(c.status, "accepted"))
			error = set_status(p, d.ids[i], "accepted", c.status, "label.review");
		else if (!any && !open && strcmp(c.status, "rejected"))
			error = set_status(p, d.ids[i], "rejected", c.status, "label.review");
	next:
		free(ptext);
		json_decref(pl);
		current_release(&c);
	}
	json_decref(result);
	free(d.ids);
	if (!error && decided &&
	    json_object_set_new(params, "suggestions_decided", json_integer((json_int_t)decided)) <
	        0)
		error = error_oom();
	return error;
}
