/*
 * Projects: creating, finding and opening them, and their key pair.
 *
 * Layout of a project directory:
 *   enclave.db            the store (SQLite, WAL)
 *   blobs/ab/cdef...      content-addressed blobs
 *   key/ed25519.secret    the signing key, 128 hex digits, mode 0600
 *   key/ed25519.pub       the public key, 64 hex digits
 *   key/audit.head        the last signed head of the audit chain
 *   key/pii.secret        32 random bytes as 64 hex digits, mode 0600: the key
 *                         of the keyed PII operators (hash, encrypt,
 *                         pseudonym); made at init, or on first need in a
 *                         project older than it; never printed nor recorded
 *   enclave.yaml          the project config (src/lib/clean/config.c)
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"
#include "../../util/fs.h"
#include "../clean/clean_int.h"

/* Read a hex key file of exactly `len` bytes into `out`. */
static int read_key(unsigned char *out, size_t len, const char *path)
{
	struct buf text = BUF_INIT(1024);
	int error = 0;

	if (fs_read_file(&text, path) < 0) {
		error = error_set(errno == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		                  "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	while (text.len && (text.ptr[text.len - 1] == '\n' || text.ptr[text.len - 1] == '\r'))
		buf_truncate(&text, text.len - 1);
	if (hex_decode(out, len, buf_cstr(&text)) < 0)
		error = error_set(ENCLAVE_EINVALID, "'%s' is not a key", path);
done:
	buf_release(&text);
	return error;
}

int project_load_keys(enclave_project *p)
{
	char *pub = project_file(p, PROJECT_PUBLIC_KEY), *sec = project_file(p, PROJECT_SECRET_KEY);
	char *recorded = NULL, pkhex[65];
	int error;

	if (!pub || !sec) {
		error = error_oom();
		goto done;
	}
	if ((error = read_key(p->pk, sizeof(p->pk), pub)) < 0)
		goto done;
	if ((error = store_meta_get(&recorded, p->db, "public_key")) < 0)
		goto done;
	hex_encode(pkhex, p->pk, sizeof(p->pk));
	if (!recorded || strcmp(recorded, pkhex)) {
		error = error_set(ENCLAVE_ETAMPER,
		                  "'%s' differs from the key recorded in the store", pub);
		goto done;
	}
	/* The secret key is needed to change the project, not to read it. */
	p->have_sk = read_key(p->sk, sizeof(p->sk), sec) == 0 &&
	             !memcmp(p->sk + 32, p->pk, ED25519_PK_BYTES);
	enclave_error_clear();
done:
	free(pub);
	free(sec);
	free(recorded);
	return error;
}

/*
 * Create key/pii.secret with 32 random bytes unless it exists. It is written
 * to a private temporary name and linked into place, so that two processes
 * creating it at once agree on one secret (the loser's link fails with
 * EEXIST and it reads the winner's). Returns 0 or ENCLAVE_EIO.
 */
static int make_pii_secret(const enclave_project *p)
{
	unsigned char key[32];
	char hex[65], *path = project_file(p, PROJECT_PII_SECRET);
	struct buf tmp = BUF_INIT(65536);
	int error = 0, e;

	if (!path)
		return error_oom();
	if ((error = random_bytes(key, sizeof(key))) < 0)
		goto done;
	hex_encode(hex, key, sizeof(key));
	hex[64] = '\n';
	if (buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid()) < 0) {
		error = error_oom();
		goto done;
	}
	if (fs_write_atomic(buf_cstr(&tmp), hex, 65, 0600) < 0 || chmod(buf_cstr(&tmp), 0600) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot write the PII secret: %s", strerror(errno));
		unlink(buf_cstr(&tmp));
		goto done;
	}
	e = link(buf_cstr(&tmp), path) < 0 ? errno : 0;
	unlink(buf_cstr(&tmp));
	if (e && e != EEXIST)
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", path, strerror(e));
done:
	secure_zero(key, sizeof(key));
	secure_zero(hex, sizeof(hex));
	buf_release(&tmp);
	free(path);
	return error;
}

int enclave_project_pii_secret(enclave_project *p, unsigned char out[32])
{
	char *path = project_file(p, PROJECT_PII_SECRET);
	int error;

	if (!path)
		return error_oom();
	error = read_key(out, 32, path);
	if (error == ENCLAVE_ENOTFOUND && (error = make_pii_secret(p)) == 0)
		error = read_key(out, 32, path);
	if (error < 0)
		secure_zero(out, 32);
	free(path);
	return error;
}

/* A random RFC 4122 version 4 UUID. */
static int make_uuid(char out[37])
{
	unsigned char b[16];
	char hex[33];
	int error;

	if ((error = random_bytes(b, sizeof(b))) < 0)
		return error;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	hex_encode(hex, b, sizeof(b));
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

/* Make an absolute, normalised copy of `dir` (which must exist). */
static int absolute(char **out, const char *dir)
{
	char *r = realpath(dir, NULL);

	*out = NULL;
	if (!r)
		return error_set(errno == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		                 "cannot open '%s': %s", dir, strerror(errno));
	*out = r;
	return 0;
}

static int new_handle(enclave_project **out, const char *dir,
                      const struct enclave_project_options *opts)
{
	enclave_project *p;
	int error;

	*out = NULL;
	if (!(p = calloc(1, sizeof(*p))))
		return error_oom();
	if ((error = absolute(&p->path, dir)) < 0) {
		free(p);
		return error;
	}
	if (!(p->actor = strdup(opts && opts->actor ? opts->actor : "unknown"))) {
		enclave_project_free(p);
		return error_oom();
	}
	*out = p;
	return 0;
}

int enclave_project_init(const char *dir, const struct enclave_project_options *opts)
{
	enclave_project *p = NULL;
	char *path = NULL, pkhex[65], skhex[129], when[32];
	json_t *params = NULL, *outputs = NULL;
	int error;

	if (fs_mkdirs(dir, 0755) < 0)
		return error_set(ENCLAVE_EIO, "cannot create '%s': %s", dir, strerror(errno));
	if ((error = new_handle(&p, dir, opts)) < 0)
		return error;
	if (!(path = project_file(p, PROJECT_DB))) {
		error = error_oom();
		goto done;
	}
	if (fs_exists(path)) {
		error = error_set(ENCLAVE_EEXISTS, "'%s' is already an enclave project", p->path);
		goto done;
	}
	free(path);
	path = NULL;

	/* The key pair first: a store without its key could not sign anything. */
	if (!(path = project_file(p, PROJECT_KEY_DIR)) || fs_mkdirs(path, 0700) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot create the key folder: %s", strerror(errno));
		goto done;
	}
	free(path);
	if ((error = sign_keypair(p->pk, p->sk)) < 0 || (error = make_uuid(p->project_id)) < 0)
		goto done;
	p->have_sk = 1;
	hex_encode(pkhex, p->pk, sizeof(p->pk));
	hex_encode(skhex, p->sk, sizeof(p->sk));
	skhex[128] = '\n';
	if (!(path = project_file(p, PROJECT_SECRET_KEY)) ||
	    fs_write_atomic(path, skhex, 129, 0600) < 0 || chmod(path, 0600) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot write the secret key: %s", strerror(errno));
		goto done;
	}
	secure_zero(skhex, sizeof(skhex));
	free(path);
	pkhex[64] = '\n';
	if (!(path = project_file(p, PROJECT_PUBLIC_KEY)) ||
	    fs_write_atomic(path, pkhex, 65, 0644) < 0) {
		error = error_set(ENCLAVE_EIO, "cannot write the public key: %s", strerror(errno));
		goto done;
	}
	pkhex[64] = '\0';
	free(path);
	path = NULL;
	if ((error = make_pii_secret(p)) < 0 || (error = clean_config_write_default(p)) < 0)
		goto done;
	if (!(path = project_file(p, PROJECT_BLOBS)) || fs_mkdirs(path, 0755) < 0) {
		error =
		    error_set(ENCLAVE_EIO, "cannot create the blob folder: %s", strerror(errno));
		goto done;
	}
	free(path);

	if (!(path = project_file(p, PROJECT_DB))) {
		error = error_oom();
		goto done;
	}
	if ((error = store_open_db(&p->db, path, 1)) < 0 || (error = schema_migrate(p->db)) < 0)
		goto done;
	if ((error = store_begin(p)) < 0)
		goto done;
	time_now_iso(when);
	if ((error = store_meta_set(p->db, "project_id", p->project_id)) < 0 ||
	    (error = store_meta_set(p->db, "created_at", when)) < 0 ||
	    (error = store_meta_set(p->db, "public_key", pkhex)) < 0)
		goto fail;
	params = json_pack("{s:s,s:i}", "enclave_version", ENCLAVE_VERSION, "schema_version",
	                   enclave_project_schema_version());
	outputs = json_pack("{s:s,s:s}", "project_id", p->project_id, "public_key", pkhex);
	if (!params || !outputs) {
		error = error_oom();
		goto fail;
	}
	if ((error = audit_append(p, "project.init", "project", params, NULL, outputs, NULL)) < 0 ||
	    (error = store_commit(p)) < 0)
		goto fail;
	error = audit_write_head(p);
	goto done;
fail:
	store_rollback(p);
done:
	json_decref(params);
	json_decref(outputs);
	free(path);
	enclave_project_free(p);
	return error;
}

int enclave_project_discover(char **out, const char *start)
{
	char *dir = NULL;
	struct buf probe = BUF_INIT(65536);
	int error;

	*out = NULL;
	if ((error = absolute(&dir, start ? start : ".")) < 0)
		return error;
	for (;;) {
		char *slash;
		buf_clear(&probe);
		if (buf_printf(&probe, "%s/%s", dir, PROJECT_DB) < 0) {
			error = error_oom();
			break;
		}
		if (fs_exists(buf_cstr(&probe))) {
			*out = dir;
			dir = NULL;
			break;
		}
		slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			if (dir[1] != '\0') {
				dir[1] = '\0';
				continue;
			}
			error = error_set(ENCLAVE_ENOTFOUND,
			                  "not in an enclave project (nor any parent up to /): "
			                  "run 'enclave init' or pass -C DIR");
			break;
		}
		*slash = '\0';
	}
	buf_release(&probe);
	free(dir);
	return error;
}

int enclave_project_open(enclave_project **out, const char *dir,
                         const struct enclave_project_options *opts)
{
	enclave_project *p = NULL;
	char *path = NULL, *id = NULL;
	int error;

	*out = NULL;
	if ((error = new_handle(&p, dir, opts)) < 0)
		return error;
	if (!(path = project_file(p, PROJECT_DB))) {
		error = error_oom();
		goto done;
	}
	if (!fs_exists(path)) {
		error = error_set(ENCLAVE_ENOTFOUND, "'%s' is not an enclave project", p->path);
		goto done;
	}
	if ((error = store_open_db(&p->db, path, 0)) < 0 || (error = schema_migrate(p->db)) < 0)
		goto done;
	if ((error = store_meta_get(&id, p->db, "project_id")) < 0)
		goto done;
	if (!id || strlen(id) != 36) {
		error = error_set(ENCLAVE_ETAMPER, "store: the project id is missing");
		goto done;
	}
	memcpy(p->project_id, id, 37);
	if ((error = project_load_keys(p)) < 0)
		goto done;
	*out = p;
	p = NULL;
done:
	free(id);
	free(path);
	enclave_project_free(p);
	return error;
}

const char *enclave_project_path(const enclave_project *p)
{
	return p->path;
}

void enclave_project_free(enclave_project *p)
{
	if (!p)
		return;
	store_rollback(p);
	sqlite3_close(p->db);
	secure_zero(p->sk, sizeof(p->sk));
	free(p->path);
	free(p->actor);
	free(p);
}
