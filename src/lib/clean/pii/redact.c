/*
 * The redactor: policies (spec strings), the operators, and reveal.
 *
 * Keys. The 32-byte secret is never used directly: crypto_kdf (BLAKE2b)
 * derives one subkey per use under the context "enclvred": 1 hash, 2
 * encrypt, 3 the encrypt nonce, 4 pseudonym, 5 date offsets.
 *
 * hash: "[LABEL:h]" where h is the first 16 hex digits (64 bits) of
 * HMAC-SHA256(k_hash, LABEL || 0 || normalised value). 64 bits keep the
 * chance that two of a million distinct values of one label share a token
 * under 3e-8, and short enough to read.
 *
 * encrypt: "[[enc:LABEL:B]]" where B is base64url without padding of
 *   0x01 (version) || nonce (24) || XChaCha20-Poly1305 ciphertext || tag (16)
 * with the label name as associated data (a token moved to another label
 * does not decrypt). The nonce is synthetic, not random: the first 24
 * bytes of HMAC-SHA256(k_nonce, LABEL || 0 || value). Why: the same value
 * encrypts to the same token, so a redacted text is reproducible (a rerun
 * of `clean --pii` writes the same blob) and its tokens are as linkable as
 * `hash` tokens, no more; and nonce reuse, the danger of deterministic
 * nonces, happens only for the same plaintext, which reveals only that
 * equality (the SIV argument). Random nonces would hide equality but make
 * every run differ; `hash` and `pseudonym` already link equal values.
 *
 * The per-document state (tag numbers) lives in one enclave_redact call;
 * the redactor is read-only after enclave_redactor_new.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "redact_int.h"
#include "../../../util/utf8.h"

#define KDF_CONTEXT "enclvred"
#define HASH_HEX 16
#define ENC_VERSION 1
#define ENC_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define ENC_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define TOKEN_OPEN "[[enc:"
#define TOKEN_CLOSE "]]"
#define MAX_LABEL_NAME 32

struct enclave_redactor {
	struct enclave_redact_policy policy;
	int has_keys;
	struct redact_keys keys;
};

/* ------------------------------------------------------------ keys and PRF */

int redact_keys_derive(struct redact_keys *k, const unsigned char *secret)
{
	if (sodium_init() < 0)
		return error_set(ENCLAVE_ERROR, "libsodium: cannot initialise");
	if (crypto_kdf_derive_from_key(k->hash, 32, 1, KDF_CONTEXT, secret) != 0 ||
	    crypto_kdf_derive_from_key(k->enc, 32, 2, KDF_CONTEXT, secret) != 0 ||
	    crypto_kdf_derive_from_key(k->nonce, 32, 3, KDF_CONTEXT, secret) != 0 ||
	    crypto_kdf_derive_from_key(k->pseudo, 32, 4, KDF_CONTEXT, secret) != 0 ||
	    crypto_kdf_derive_from_key(k->date, 32, 5, KDF_CONTEXT, secret) != 0)
		return error_set(ENCLAVE_ERROR, "cannot derive the redaction keys");
	return 0;
}

void redact_prf(unsigned char out[32], const unsigned char key[32], const char *domain,
                const void *data, size_t n)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
	crypto_auth_hmacsha256_update(&st, data, n);
	crypto_auth_hmacsha256_final(&st, out);
}

void redact_stream_init(struct redact_stream *s, const unsigned char seed[32])
{
	randombytes_buf_deterministic(s->bytes, sizeof(s->bytes), seed);
	s->pos = 0;
}

uint32_t redact_stream_below(struct redact_stream *s, uint32_t bound)
{
	uint32_t v = 0;

	/* 256 bytes is 64 draws; values are short, so wrapping around never matters in practice. */
	for (int i = 0; i < 4; i++) {
		v = (v << 8) | s->bytes[s->pos];
		s->pos = (s->pos + 1) % sizeof(s->bytes);
	}
	return v % bound;
}

/* ------------------------------------------------------------ normalisation */

/* Identifier labels: only letters and digits matter ("123-45-6789" = "123 45 6789"). */
static int is_identifier(int label)
{
	switch (label) {
	case ENCLAVE_PII_PERSON:
	case ENCLAVE_PII_ORGANIZATION:
	case ENCLAVE_PII_LOCATION:
	case ENCLAVE_PII_STREET_ADDRESS:
	case ENCLAVE_PII_EMAIL_ADDRESS:
	case ENCLAVE_PII_URL:
	case ENCLAVE_PII_DOMAIN_NAME:
	case ENCLAVE_PII_DATE_TIME:
	case ENCLAVE_PII_AGE: return 0;
	default: return 1;
	}
}

/* Simple case folding of the capitals of a few scripts (see redact_int.h). */
static uint32_t fold(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x80)
		return c;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x17f && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 &&
	    c != 0x17f) {
		/* Latin Extended-A pairs capital/small as even/odd, except 0x139..0x148 and 0x179..0x17e (odd/even). */
		int odd_first = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e);
		if (odd_first ? (c & 1) : !(c & 1))
			return c + 1;
		return c;
	}
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

static int is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
	       c == 0xa0 || c == 0x2007 || c == 0x202f || c == 0x3000;
}

/* A letter or a digit, as mask and identifiers see it: ASCII alphanumerics and all non-ASCII that is not space. */
static int is_alnum_cp(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	return !is_space(c) && !(c >= 0x2000 && c <= 0x206f);
}

int redact_normalise(struct buf *out, int label, const char *v, size_t n)
{
	const unsigned char *p = (const unsigned char *)v, *end = p + n;
	int ident = is_identifier(label), pending_space = 0, any = 0, error;
	char enc[4];

	while (p < end) {
		uint32_t c;
		p += utf8_decode(p, end, &c);
		if (is_space(c)) {
			pending_space = any;
			continue;
		}
		if (ident && !is_alnum_cp(c))
			continue;
		if (pending_space && !ident && (error = buf_putc(out, ' ')) < 0)
			return error;
		pending_space = 0;
		any = 1;
		if ((error = buf_put(out, enc, utf8_encode(fold(c), enc))) < 0)
			return error;
	}
	return 0;
}

/* ------------------------------------------------------------ policies */

static const char *const op_names[ENCLAVE_REDACT_OP_COUNT] = {
	[ENCLAVE_REDACT_TAG] = "tag",         [ENCLAVE_REDACT_MASK] = "mask",
	[ENCLAVE_REDACT_REMOVE] = "remove",   [ENCLAVE_REDACT_HASH] = "hash",
	[ENCLAVE_REDACT_ENCRYPT] = "encrypt", [ENCLAVE_REDACT_PSEUDONYM] = "pseudonym",
};

const char *enclave_redact_op_name(int op)
{
	if (op < 0 || op >= ENCLAVE_REDACT_OP_COUNT)
		return NULL;
	return op_names[op];
}

static int needs_key(enclave_redact_op op)
{
	return op == ENCLAVE_REDACT_HASH || op == ENCLAVE_REDACT_ENCRYPT ||
	       op == ENCLAVE_REDACT_PSEUDONYM;
}

int enclave_redact_policy_needs_key(const struct enclave_redact_policy *policy,
                                    enclave_pii_labels labels)
{
	for (int i = 0; i < ENCLAVE_PII_LABEL_COUNT; i++)
		if ((labels >> i & 1) && needs_key(policy->rules[i].op))
			return 1;
	return 0;
}

/* Trim spaces from both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/*
 * Parse one operator with its parameters, [s, e) ("mask:#:4"), into *out.
 * Returns 0 or ENCLAVE_EINVALID naming the token.
 */
static int parse_rule(struct enclave_redact_rule *out, const char *s, const char *e)
{
	const char *colon = memchr(s, ':', (size_t)(e - s));
	size_t name_len = (size_t)((colon ? colon : e) - s);
	int len = (int)(e - s);

	memset(out, 0, sizeof(*out));
	out->mask_char = '*';
	for (int op = 0; op < ENCLAVE_REDACT_OP_COUNT; op++) {
		if (strlen(op_names[op]) != name_len || memcmp(op_names[op], s, name_len) != 0)
			continue;
		out->op = (enclave_redact_op)op;
		if (!colon)
			return 0;
		if (op == ENCLAVE_REDACT_TAG) {
			if ((size_t)(e - colon - 1) == 8 && !memcmp(colon + 1, "numbered", 8)) {
				out->numbered = 1;
				return 0;
			}
		} else if (op == ENCLAVE_REDACT_MASK) {
			const unsigned char *p = (const unsigned char *)colon + 1;
			const unsigned char *end = (const unsigned char *)e;
			uint32_t c;
			size_t used;

			if (p >= end)
				goto bad;
			used = utf8_decode(p, end, &c);
			if (c == 0xfffd || c == ':' || c == ',' || c == '=' || c < 0x20 ||
			    c == 0x7f)
				goto bad;
			out->mask_char = c;
			p += used;
			if (p == end)
				return 0;
			if (*p++ != ':' || p == end)
				goto bad;
			unsigned long keep = 0;
			for (; p < end; p++) {
				if (*p < '0' || *p > '9' || keep > 1000)
					goto bad;
				keep = keep * 10 + (unsigned)(*p - '0');
			}
			if (keep > 1000)
				goto bad;
			out->keep = (unsigned)keep;
			return 0;
		}
		goto bad;
	}
	return error_set(ENCLAVE_EINVALID,
	                 "unknown operator '%.*s' (tag, mask, remove, hash, "
	                 "encrypt or pseudonym)",
	                 (int)name_len, s);
bad:
	return error_set(ENCLAVE_EINVALID,
	                 "bad parameters in '%.*s' (tag or tag:numbered; mask, mask:C or "
	                 "mask:C:N with N up to 1000)",
	                 len, s);
}

int enclave_redact_policy_parse(struct enclave_redact_policy *out, const char *spec)
{
	struct enclave_redact_policy p;
	struct enclave_redact_rule fallback = { ENCLAVE_REDACT_TAG, 0, '*', 0 };
	int given[ENCLAVE_PII_LABEL_COUNT] = { 0 }, star = 0, items = 0, error;
	const char *s = spec;

	if (!spec)
		return error_set(ENCLAVE_EINVALID, "empty operator spec");
	for (;;) {
		const char *e = strchr(s, ',');
		const char *end = e ? e : s + strlen(s), *eq, *a = s, *b;
		struct enclave_redact_rule rule;

		trim(&a, &end);
		if (a == end)
			return error_set(ENCLAVE_EINVALID, "empty item in operator spec '%s'",
			                 spec);
		eq = memchr(a, '=', (size_t)(end - a));
		b = eq ? eq : a;
		if (eq) {
			const char *ls = a, *le = eq, *rs = eq + 1;
			trim(&ls, &le);
			trim(&rs, &end);
			if ((error = parse_rule(&rule, rs, end)) < 0)
				return error;
			if (le - ls == 1 && *ls == '*') {
				if (star++)
					return error_set(ENCLAVE_EINVALID,
					                 "'*' given twice in '%s'", spec);
				fallback = rule;
			} else {
				char name[MAX_LABEL_NAME + 1];
				int label = -1;
				if (le - ls <= MAX_LABEL_NAME) {
					memcpy(name, ls, (size_t)(le - ls));
					name[le - ls] = 0;
					label = enclave_pii_label_parse(name);
				}
				if (label < 0)
					return error_set(ENCLAVE_EINVALID, "unknown label '%.*s'",
					                 (int)(le - ls), ls);
				if (given[label]++)
					return error_set(ENCLAVE_EINVALID, "label '%s' given twice",
					                 enclave_pii_label_name(label));
				p.rules[label] = rule;
			}
		} else {
			(void)b;
			if ((error = parse_rule(&rule, a, end)) < 0)
				return error;
			if (star++)
				return error_set(ENCLAVE_EINVALID,
				                 "more than one operator for every label in '%s'",
				                 spec);
			fallback = rule;
		}
		items++;
		if (!e)
			break;
		s = e + 1;
	}
	for (int i = 0; i < ENCLAVE_PII_LABEL_COUNT; i++)
		if (!given[i])
			p.rules[i] = fallback;
	*out = p;
	return 0;
}

int enclave_redact_policy_format(char **out, const struct enclave_redact_policy *policy)
{
	struct buf b = BUF_INIT(1 << 16);
	int error = 0;

	for (int i = 0; i < ENCLAVE_PII_LABEL_COUNT && error == 0; i++) {
		const struct enclave_redact_rule *r = &policy->rules[i];
		const char *op = enclave_redact_op_name(r->op);
		char enc[4];

		if (!op) {
			buf_release(&b);
			return error_set(ENCLAVE_EINVALID, "bad operator %d for %s", (int)r->op,
			                 enclave_pii_label_name(i));
		}
		error = buf_printf(&b, "%s%s=%s", i ? "," : "", enclave_pii_label_name(i), op);
		if (!error && r->op == ENCLAVE_REDACT_TAG && r->numbered)
			error = buf_puts(&b, ":numbered");
		if (!error && r->op == ENCLAVE_REDACT_MASK)
			error = buf_printf(&b, ":%.*s:%u", (int)utf8_encode(r->mask_char, enc), enc,
			                   r->keep);
	}
	if (error) {
		buf_release(&b);
		return error_buf(error, "policy");
	}
	*out = buf_detach(&b, NULL);
	return *out ? 0 : error_oom();
}

/* ------------------------------------------------------------ redactor */

int enclave_redactor_new(enclave_redactor **out, const struct enclave_redact_policy *policy,
                         const unsigned char *key)
{
	struct enclave_redactor *r;
	int error;

	*out = NULL;
	for (int i = 0; i < ENCLAVE_PII_LABEL_COUNT; i++) {
		const struct enclave_redact_rule *rule = &policy->rules[i];
		if (!enclave_redact_op_name(rule->op) || rule->mask_char == 0 ||
		    rule->mask_char > 0x10ffff ||
		    (rule->mask_char >= 0xd800 && rule->mask_char <= 0xdfff))
			return error_set(ENCLAVE_EINVALID, "bad redaction rule for %s",
			                 enclave_pii_label_name(i));
		if (!key && needs_key(rule->op))
			return error_set(ENCLAVE_EINVALID, "operator '%s' (%s) needs a key",
			                 op_names[rule->op], enclave_pii_label_name(i));
	}
	if (!(r = calloc(1, sizeof(*r))))
		return error_oom();
	r->policy = *policy;
	if (key) {
		if ((error = redact_keys_derive(&r->keys, key)) < 0) {
			enclave_redactor_free(r);
			return error;
		}
		r->has_keys = 1;
	}
	*out = r;
	return 0;
}

void enclave_redactor_free(enclave_redactor *r)
{
	if (!r)
		return;
	sodium_memzero(&r->keys, sizeof(r->keys));
	free(r);
}

/* ------------------------------------------------------------ tag numbers */

/* One document's tag numbers: an open-addressing table of (label, digest of the value). */
struct numbering {
	struct num_slot {
		unsigned char digest[16];
		int label; /* -1 when empty */
		unsigned number;
	} * slots;
	size_t cap;
	unsigned next[ENCLAVE_PII_LABEL_COUNT];
};

/* A table for up to `n` values. Returns 0 or ENCLAVE_ENOMEM. */
static int numbering_init(struct numbering *t, size_t n)
{
	size_t cap = 16;

	memset(t, 0, sizeof(*t));
	while (cap < 2 * n)
		cap *= 2;
	if (!(t->slots = malloc(cap * sizeof(*t->slots))))
		return error_oom();
	for (size_t i = 0; i < cap; i++)
		t->slots[i].label = -1;
	t->cap = cap;
	return 0;
}

/* The number of (label, normalised value): the same value, the same number; new ones count up from 1. */
static unsigned numbering_get(struct numbering *t, int label, const char *norm, size_t n)
{
	unsigned char d[16];
	size_t i;

	crypto_generichash(d, sizeof(d), (const unsigned char *)norm, n, NULL, 0);
	memcpy(&i, d, sizeof(i));
	for (i &= t->cap - 1;; i = (i + 1) & (t->cap - 1)) {
		struct num_slot *s = &t->slots[i];
		if (s->label < 0) {
			memcpy(s->digest, d, sizeof(d));
			s->label = label;
			s->number = ++t->next[label];
			return s->number;
		}
		if (s->label == label && !memcmp(s->digest, d, sizeof(d)))
			return s->number;
	}
}

/* ------------------------------------------------------------ operators */

/* mask: letters and digits become the mask character, the last `keep` of them stay. */
static int put_mask(struct buf *out, const struct enclave_redact_rule *r, const char *v, size_t n)
{
	const unsigned char *p = (const unsigned char *)v, *end = p + n;
	size_t total = 0, seen = 0;
	char mc[4];
	size_t mclen = utf8_encode(r->mask_char, mc);
	int error;

	while (p < end) {
		uint32_t c;
		p += utf8_decode(p, end, &c);
		total += is_alnum_cp(c) && !is_space(c);
	}
	p = (const unsigned char *)v;
	while (p < end) {
		const unsigned char *at = p;
		uint32_t c;
		p += utf8_decode(p, end, &c);
		if (!is_alnum_cp(c) || (seen++ >= total - (r->keep < total ? r->keep : total)))
			error = buf_put(out, at, (size_t)(p - at));
		else
			error = buf_put(out, mc, mclen);
		if (error < 0)
			return error;
	}
	return 0;
}

/* hash: "[LABEL:16 hex digits]". */
static int put_hash(struct buf *out, const struct redact_keys *k, int label, const char *norm,
                    size_t n)
{
	unsigned char mac[32];
	char hex[65];

	redact_prf(mac, k->hash, enclave_pii_label_name(label), norm, n);
	sodium_bin2hex(hex, sizeof(hex), mac, HASH_HEX / 2);
	return buf_printf(out, "[%s:%s]", enclave_pii_label_name(label), hex);
}

/* encrypt: "[[enc:LABEL:base64url(version || nonce || ciphertext || tag)]]" (see the top). */
static int put_encrypted(struct buf *out, const struct redact_keys *k, int label, const char *v,
                         size_t n)
{
	const char *name = enclave_pii_label_name(label);
	size_t blob_len = 1 + ENC_NONCE + n + ENC_TAG, b64_len;
	unsigned char *blob = malloc(blob_len), mac[32];
	char *b64 = NULL;
	int error;

	b64_len = sodium_base64_ENCODED_LEN(blob_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (!blob || !(b64 = malloc(b64_len))) {
		free(blob);
		return BUF_ENOMEM;
	}
	blob[0] = ENC_VERSION;
	redact_prf(mac, k->nonce, name, v, n);
	memcpy(blob + 1, mac, ENC_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    blob + 1 + ENC_NONCE, NULL, (const unsigned char *)v, n, (const unsigned char *)name,
	    strlen(name), NULL, blob + 1, k->enc);
	sodium_bin2base64(b64, b64_len, blob, blob_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	error = buf_printf(out, TOKEN_OPEN "%s:%s" TOKEN_CLOSE, name, b64);
	free(blob);
	free(b64);
	return error;
}

/* Check the spans against the text and copy them for resolving. */
static int copy_spans(struct enclave_pii_spans *out, const struct enclave_pii_spans *in,
                      const char *text, size_t len)
{
	int error;

	for (size_t i = 0; in && i < in->n; i++) {
		const struct enclave_pii_span *s = &in->v[i];
		if (s->start > s->end || s->end > len)
			return error_set(ENCLAVE_EINVALID,
			                 "span %zu (%zu..%zu) is outside the text of %zu bytes", i,
			                 s->start, s->end, len);
		if ((s->start < len && ((unsigned char)text[s->start] & 0xc0) == 0x80) ||
		    (s->end < len && ((unsigned char)text[s->end] & 0xc0) == 0x80))
			return error_set(ENCLAVE_EINVALID,
			                 "span %zu (%zu..%zu) starts or ends inside a character", i,
			                 s->start, s->end);
		if (!enclave_pii_label_name(s->label))
			return error_set(ENCLAVE_EINVALID, "span %zu has no known label (%d)", i,
			                 s->label);
		if (s->start == s->end)
			continue;
		if ((error = enclave_pii_spans_push(out, s)) < 0)
			return error;
	}
	return enclave_pii_spans_resolve(out);
}

/* Write the replacement of one span. Returns 0, a buf_* error or ENCLAVE_E*. */
static int put_span(struct buf *out, struct buf *norm, struct numbering *nums,
                    const struct enclave_redactor *r, const struct enclave_pii_span *s,
                    const char *v, size_t n, int day_offset)
{
	const struct enclave_redact_rule *rule = &r->policy.rules[s->label];
	const char *name = enclave_pii_label_name(s->label);
	int error;

	buf_clear(norm);
	if ((error = redact_normalise(norm, s->label, v, n)) < 0)
		return error;
	switch (rule->op) {
	case ENCLAVE_REDACT_TAG:
		if (rule->numbered)
			return buf_printf(
			    out, "[%s_%u]", name,
			    numbering_get(nums, s->label, norm->ptr ? norm->ptr : "", norm->len));
		return buf_printf(out, "[%s]", name);
	case ENCLAVE_REDACT_MASK: return put_mask(out, rule, v, n);
	case ENCLAVE_REDACT_REMOVE: return 0;
	case ENCLAVE_REDACT_HASH:
		return put_hash(out, &r->keys, s->label, buf_cstr(norm), norm->len);
	case ENCLAVE_REDACT_ENCRYPT: return put_encrypted(out, &r->keys, s->label, v, n);
	case ENCLAVE_REDACT_PSEUDONYM:
		error = surrogate_write(out, &r->keys, s->label, v, n, day_offset);
		if (error == 1)
			return buf_printf(out, "[%s]", name);
		return error;
	default: return error_set(ENCLAVE_EINVALID, "bad operator %d", (int)rule->op);
	}
}

int enclave_redact(struct enclave_redacted *out, const enclave_redactor *r, const char *text,
                   size_t len, const struct enclave_pii_spans *spans, const char *subject)
{
	struct enclave_pii_spans sp = { 0 };
	struct buf b = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES), norm = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	struct numbering nums = { 0 };
	struct enclave_redacted_span *res = NULL;
	size_t at = 0;
	int error, day_offset = 0;

	memset(out, 0, sizeof(*out));
	if (len > ENCLAVE_MAX_TEXT_BYTES)
		return error_set(ENCLAVE_ELIMIT,
		                 "cannot redact: text of %zu bytes is over the %zu "
		                 "byte limit",
		                 len, ENCLAVE_MAX_TEXT_BYTES);
	if (!utf8_valid(text, len))
		return error_set(ENCLAVE_EINVALID, "cannot redact: the text is not valid UTF-8");
	if ((error = copy_spans(&sp, spans, text, len)) < 0)
		goto done;
	if ((error = numbering_init(&nums, sp.n)) < 0)
		goto done;
	if (sp.n && !(res = calloc(sp.n, sizeof(*res)))) {
		error = error_oom();
		goto done;
	}
	if (r->has_keys)
		day_offset = dateshift_offset(r->keys.date, subject);
	for (size_t i = 0; i < sp.n; i++) {
		const struct enclave_pii_span *s = &sp.v[i];

		if ((error = buf_put(&b, text + at, s->start - at)) < 0)
			goto buf_error;
		res[i].start = s->start;
		res[i].end = s->end;
		res[i].label = s->label;
		res[i].score = s->score;
		res[i].source = s->source;
		res[i].out_start = b.len;
		if ((error = put_span(&b, &norm, &nums, r, s, text + s->start, s->end - s->start,
		                      day_offset)) < 0)
			goto buf_error;
		res[i].out_end = b.len;
		at = s->end;
	}
	if ((error = buf_put(&b, text + at, len - at)) < 0)
		goto buf_error;
	/* An empty text still gives a string. */
	if ((error = buf_grow(&b, 1)) < 0)
		goto buf_error;
	out->len = b.len;
	out->text = buf_detach(&b, NULL);
	out->spans = res;
	out->nspans = sp.n;
	res = NULL;
	error = 0;
	goto done;
buf_error:
	if (error == BUF_ENOMEM || error == BUF_ETOOBIG)
		error = error_buf(error, "redacted text");
done:
	free(res);
	free(nums.slots);
	enclave_pii_spans_free(&sp);
	buf_release(&b);
	buf_release(&norm);
	return error;
}

void enclave_redacted_release(struct enclave_redacted *r)
{
	free(r->text);
	free(r->spans);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------ reveal */

static int is_b64url(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/*
 * Decrypt the token starting at text[at] (which begins with TOKEN_OPEN)
 * and append its plaintext to `out`; *used gets the token's length.
 * Returns 0, ENCLAVE_EINVALID (malformed), ENCLAVE_ETAMPER or a buf_* error.
 */
static int reveal_one(struct buf *out, size_t *used, const char *text, size_t len, size_t at,
                      const struct redact_keys *k)
{
	const char *p = text + at + strlen(TOKEN_OPEN), *end = text + len, *ls, *bs;
	char name[MAX_LABEL_NAME + 1];
	unsigned char *blob = NULL, *plain = NULL;
	size_t blob_len, plain_len, b64_len;
	unsigned long long got;
	int label, error;

	ls = p;
	while (p < end && p - ls <= MAX_LABEL_NAME &&
	       ((*p >= 'A' && *p <= 'Z') || *p == '_' || (*p >= '0' && *p <= '9')))
		p++;
	if (p == ls || p - ls > MAX_LABEL_NAME || p >= end || *p != ':')
		return error_set(ENCLAVE_EINVALID, "malformed token at byte %zu: no label", at);
	memcpy(name, ls, (size_t)(p - ls));
	name[p - ls] = 0;
	if ((label = enclave_pii_label_parse(name)) < 0 ||
	    strcmp(enclave_pii_label_name(label), name) != 0)
		return error_set(ENCLAVE_EINVALID,
		                 "malformed token at byte %zu: unknown label '%s'", at, name);
	bs = ++p;
	while (p < end && is_b64url((unsigned char)*p))
		p++;
	b64_len = (size_t)(p - bs);
	if ((size_t)(end - p) < 2 || memcmp(p, TOKEN_CLOSE, 2) != 0)
		return error_set(ENCLAVE_EINVALID, "malformed token at byte %zu: no closing ']]'",
		                 at);
	*used = (size_t)(p + 2 - (text + at));
	if (b64_len < 4 || !(blob = malloc(b64_len)))
		return b64_len < 4 ? error_set(ENCLAVE_EINVALID,
		                               "malformed token at byte %zu: too short", at)
		                   : error_oom();
	if (sodium_base642bin(blob, b64_len, bs, b64_len, NULL, &blob_len, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    blob_len < 1 + ENC_NONCE + ENC_TAG || blob[0] != ENC_VERSION) {
		error = error_set(ENCLAVE_EINVALID,
		                  "malformed token at byte %zu: not an enclave encryption", at);
		goto done;
	}
	plain_len = blob_len - 1 - ENC_NONCE - ENC_TAG;
	if (!(plain = malloc(plain_len + 1))) {
		error = error_oom();
		goto done;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	        plain, &got, NULL, blob + 1 + ENC_NONCE, blob_len - 1 - ENC_NONCE,
	        (const unsigned char *)name, strlen(name), blob + 1, k->enc) != 0 ||
	    got != plain_len || !utf8_valid((const char *)plain, plain_len)) {
		error = error_set(ENCLAVE_ETAMPER,
		                  "cannot reveal the token at byte %zu: wrong key or changed token",
		                  at);
		goto done;
	}
	if ((error = buf_put(out, plain, plain_len)) < 0)
		error = error_buf(error, "revealed text");
done:
	if (plain)
		sodium_memzero(plain, plain_len);
	free(plain);
	free(blob);
	return error;
}

int enclave_reveal(char **out, size_t *out_len, size_t *ntokens, const char *text, size_t len,
                   const unsigned char *key)
{
	struct redact_keys k;
	struct buf b = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	size_t at = 0, count = 0, open_len = strlen(TOKEN_OPEN);
	int error;

	*out = NULL;
	if (out_len)
		*out_len = 0;
	if (ntokens)
		*ntokens = 0;
	if (len > ENCLAVE_MAX_TEXT_BYTES)
		return error_set(ENCLAVE_ELIMIT,
		                 "cannot reveal: text of %zu bytes is over the %zu "
		                 "byte limit",
		                 len, ENCLAVE_MAX_TEXT_BYTES);
	if ((error = redact_keys_derive(&k, key)) < 0)
		return error;
	while (at < len) {
		const char *hit = memmem(text + at, len - at, TOKEN_OPEN, open_len);
		size_t next = hit ? (size_t)(hit - text) : len, used = 0;

		if ((error = buf_put(&b, text + at, next - at)) < 0) {
			error = error_buf(error, "revealed text");
			goto done;
		}
		if (!hit)
			break;
		if ((error = reveal_one(&b, &used, text, len, next, &k)) < 0)
			goto done;
		count++;
		at = next + used;
	}
	if ((error = buf_grow(&b, 1)) < 0) {
		error = error_buf(error, "revealed text");
		goto done;
	}
	if (out_len)
		*out_len = b.len;
	*out = buf_detach(&b, NULL);
	if (ntokens)
		*ntokens = count;
	error = 0;
done:
	sodium_memzero(&k, sizeof(k));
	if (b.ptr)
		sodium_memzero(b.ptr, b.len);
	buf_release(&b);
	return error;
}

int enclave_redact_key_parse(unsigned char out[ENCLAVE_REDACT_KEY_BYTES], const char *hex,
                             size_t len)
{
	const char *s = hex, *e = hex + len;
	size_t got = 0;

	while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	if (e - s != 2 * ENCLAVE_REDACT_KEY_BYTES ||
	    sodium_hex2bin(out, ENCLAVE_REDACT_KEY_BYTES, s, (size_t)(e - s), NULL, &got, NULL) !=
	        0 ||
	    got != ENCLAVE_REDACT_KEY_BYTES)
		return error_set(ENCLAVE_EINVALID, "a key is 64 hex digits (32 bytes)");
	return 0;
}

int enclave_redact_repair_utf8(char **out, size_t *out_len, size_t *nbad, size_t *first,
                               const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	char *o;

	*out = NULL;
	*out_len = *nbad = *first = 0;
	if (utf8_valid(text, len))
		return 0;
	if (len > (SIZE_MAX - 1) / 3 || !(o = *out = malloc(len * 3 + 1)))
		return error_oom();
	while (p < end) {
		uint32_t cp;
		size_t k = utf8_decode(p, end, &cp);
		/* A bad byte decodes as U+FFFD in one byte; a real U+FFFD takes three. */
		if (k == 1 && cp == 0xFFFD) {
			if (!(*nbad)++)
				*first = (size_t)(p - (const unsigned char *)text);
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(o, p, k);
		o += k;
		p += k;
	}
	*o = '\0';
	*out_len = (size_t)(o - *out);
	return 0;
}
