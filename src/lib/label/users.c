/*
 * Web users: names, roles, Argon2id password hashes (libsodium's
 * crypto_pwhash_str strings, which carry their salt and costs), logins.
 *
 * A login spends one Argon2id verification whatever happens (an unknown
 * user is checked against a fixed dummy hash), so its time does not tell
 * whether the name exists; the answer is the same for a wrong password, an
 * unknown user and a disabled one.
 */
#include <sodium.h>
#include <string.h>

#include "label_int.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024

static const char *const role_names[] = { "none", "annotator", "reviewer", "admin" };

enum enclave_label_role enclave_label_role_parse(const char *name)
{
	int r;

	for (r = ENCLAVE_ROLE_ANNOTATOR; r <= ENCLAVE_ROLE_ADMIN; r++)
		if (name && !strcmp(name, role_names[r]))
			return (enum enclave_label_role)r;
	return ENCLAVE_ROLE_NONE;
}

const char *enclave_label_role_name(enum enclave_label_role role)
{
	return role >= ENCLAVE_ROLE_ANNOTATOR && role <= ENCLAVE_ROLE_ADMIN ? role_names[role]
	                                                                    : role_names[0];
}

/* 0 when `name` is 1-64 bytes of letters, digits, '.', '_', '-'; else ENCLAVE_EINVALID. */
static int check_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > ENCLAVE_LABEL_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return error_set(ENCLAVE_EINVALID,
		                 "invalid user name '%.64s': 1-64 letters, digits, '.', '_' or '-'",
		                 name ? name : "");
	return 0;
}

/* Hash `password` (8-1024 bytes) with Argon2id into `out`. */
static int hash_password(char out[crypto_pwhash_STRBYTES], const char *password)
{
	size_t n = password ? strlen(password) : 0;

	if (n < PASSWORD_MIN || n > PASSWORD_MAX)
		return error_set(ENCLAVE_EINVALID, "a password has %d to %d bytes", PASSWORD_MIN,
		                 PASSWORD_MAX);
	if (sodium_init() < 0)
		return error_set(ENCLAVE_ERROR, "libsodium: cannot initialise");
	if (crypto_pwhash_str_alg(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                          crypto_pwhash_MEMLIMIT_INTERACTIVE,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return error_set(ENCLAVE_ENOMEM, "argon2id: out of memory");
	return 0;
}

int label_begin(enclave_project *p, struct label_actor *a, const struct enclave_label_user *who)
{
	int error;

	if ((error = store_begin(p)) < 0)
		return error;
	if (who) {
		snprintf(a->name, sizeof(a->name), "user:%s", who->name);
		p->actor_as = a->name;
	}
	return 0;
}

int label_end(enclave_project *p, int error)
{
	p->actor_as = NULL;
	if (error < 0) {
		store_rollback(p);
		return error;
	}
	if ((error = store_commit(p)) < 0)
		return error;
	return audit_write_head(p);
}

int label_result_hash(char out[65], const char *canonical)
{
	return sha256_hex(out, canonical, strlen(canonical));
}

/* Audit `action` on user `id` (`name`, `role` when not NULL), inside the transaction. */
static int audit_user(enclave_project *p, const char *action, int64_t id, const char *name,
                      const char *role)
{
	char subject[32];
	json_t *params = role ? json_pack("{s:s,s:s}", "name", name, "role", role)
	                      : json_pack("{s:s}", "name", name);
	int error;

	if (!params)
		return error_oom();
	snprintf(subject, sizeof(subject), "user:%lld", (long long)id);
	error = audit_append(p, action, subject, params, NULL, NULL, NULL);
	json_decref(params);
	return error;
}

int enclave_label_user_add(enclave_project *p, const char *name, enum enclave_label_role role,
                           const char *password, int64_t *id)
{
	char hash[crypto_pwhash_STRBYTES];
	struct label_actor a;
	int64_t uid = 0;
	int error;

	if ((error = check_name(name)) < 0)
		return error;
	if (role == ENCLAVE_ROLE_NONE)
		return error_set(ENCLAVE_EINVALID, "a role is annotator, reviewer or admin");
	if ((error = hash_password(hash, password)) < 0)
		return error;
	if ((error = label_begin(p, &a, NULL)) < 0)
		return error;
	error = store_user_insert(p, name, enclave_label_role_name(role), hash, &uid);
	if (!error)
		error = audit_user(p, "label.user.add", uid, name, enclave_label_role_name(role));
	sodium_memzero(hash, sizeof(hash));
	if ((error = label_end(p, error)) == 0 && id)
		*id = uid;
	return error;
}

int enclave_label_user_passwd(enclave_project *p, const char *name, const char *password)
{
	char hash[crypto_pwhash_STRBYTES];
	struct label_actor a;
	int64_t uid = 0;
	int error;

	if ((error = hash_password(hash, password)) < 0)
		return error;
	if ((error = label_begin(p, &a, NULL)) < 0)
		return error;
	error = store_user_set_hash(p, name, hash, &uid);
	if (!error)
		error = audit_user(p, "label.user.passwd", uid, name, NULL);
	sodium_memzero(hash, sizeof(hash));
	return label_end(p, error);
}

int enclave_label_user_disable(enclave_project *p, const char *name)
{
	struct label_actor a;
	int64_t uid = 0;
	int error;

	if ((error = label_begin(p, &a, NULL)) < 0)
		return error;
	error = store_user_disable(p, name, &uid);
	if (!error)
		error = audit_user(p, "label.user.disable", uid, name, NULL);
	return label_end(p, error);
}

int enclave_label_user_list(enclave_project *p, enclave_label_user_cb cb, void *payload)
{
	return store_user_foreach(p->db, cb, payload);
}

int enclave_label_user_get(struct enclave_label_user *out, enclave_project *p, int64_t id)
{
	return store_user_get(p->db, id, out);
}

/*
 * An Argon2id string with the costs of the real ones (what crypto_pwhash_str
 * writes at the interactive limits) whose password nobody knows: a login of
 * an unknown user is checked against it, so that it takes as long as a real
 * one. tests/unit/test_label.c checks that it parses and costs the same.
 */
static const char dummy_hash[] = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                                 "2QzvYJgGZbNl2l6eSE3Vq2ylZbqEOMJcJ2cG0bVgq5U";

int enclave_label_login(struct enclave_label_user *out, enclave_project *p, const char *name,
                        const char *password)
{
	struct enclave_label_user u;
	char *hash = NULL;
	size_t n = password ? strlen(password) : 0;
	int error, ok = 0;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return error_set(ENCLAVE_ERROR, "libsodium: cannot initialise");
	error = name && check_name(name) == 0 ? store_user_find(p->db, name, &u, &hash)
	                                      : ENCLAVE_ENOTFOUND;
	enclave_error_clear();
	if (error < 0 && error != ENCLAVE_ENOTFOUND)
		return error_set(error, "login: cannot read the users");
	if (n > PASSWORD_MAX)
		n = PASSWORD_MAX;
	if (crypto_pwhash_str_verify(hash ? hash : dummy_hash, password ? password : "", n) == 0)
		ok = hash != NULL;
	free(hash);
	if (!ok || u.disabled)
		return error_set(ENCLAVE_EDENIED, "invalid username or password");
	*out = u;
	return 0;
}

int label_user_ensure_disabled(enclave_project *p, const char *name, int64_t *id)
{
	struct enclave_label_user u;
	char hash[crypto_pwhash_STRBYTES], pw[65];
	unsigned char raw[32];
	char *old = NULL;
	int error;

	if ((error = check_name(name)) < 0)
		return error;
	error = store_user_find(p->db, name, &u, &old);
	free(old);
	if (error == 0) {
		*id = u.id;
		return 0;
	}
	if (error != ENCLAVE_ENOTFOUND)
		return error;
	if ((error = random_bytes(raw, sizeof(raw))) < 0)
		return error;
	hex_encode(pw, raw, sizeof(raw));
	if ((error = hash_password(hash, pw)) < 0 ||
	    (error = store_user_insert(p, name, "annotator", hash, id)) < 0 ||
	    (error = store_user_disable(p, name, id)) < 0)
		goto done;
	error = audit_user(p, "label.user.add", *id, name, "annotator");
done:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(hash, sizeof(hash));
	return error;
}
