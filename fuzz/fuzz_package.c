/*
 * Fuzz target: enclave_export_verify() on an arbitrary file taken as a
 * package archive (tar, through the zstd filter or none): the archive
 * reader, the member name and type checks, the manifest parser, the
 * signature and file checks and the audit chain of audit.jsonl. Each input
 * is verified twice: trusting the package's own pubkey, then pinning the key
 * of the seed package (corpus/fuzz_package/package-valid.tar).
 *
 * The input is written to a temporary file made once per process (in
 * $TMPDIR, else /tmp) and removed at exit. Besides never crashing, the
 * report must keep export.h's promises: ok exactly when no check failed,
 * problems counting the failed checks, every check named with a subject and
 * a message; a package that verifies has its manifest, signature and audit
 * checks, and with the pinned key it proves origin.
 */
#include <unistd.h>

#include "fuzz.h"

/* Public key of the project that signed corpus/fuzz_package/package-valid.tar. */
#define PKG_FUZZ_SEED_KEY "588887499d843c5282191c809b644a5d883e8899c227bbb81d99f4202a127f08"

static char pkg_fuzz_path[4096]; /* the temporary file, "" until made */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Remove the temporary file (registered with atexit). */
static void pkg_fuzz_cleanup(void)
{
	if (pkg_fuzz_path[0])
		unlink(pkg_fuzz_path);
}

/* Make the temporary file on the first call; abort when that is impossible. */
static void pkg_fuzz_make_path(void)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (pkg_fuzz_path[0])
		return;
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(pkg_fuzz_path, sizeof(pkg_fuzz_path), "%s/enclave-fuzz-package-XXXXXX", dir);
	FUZZ_CHECK((fd = mkstemp(pkg_fuzz_path)) >= 0, "cannot make a file in '%s'", dir);
	close(fd);
	atexit(pkg_fuzz_cleanup);
}

/* Write `data` as the whole content of the temporary file. */
static void pkg_fuzz_write(const uint8_t *data, size_t size)
{
	FILE *f = fopen(pkg_fuzz_path, "wb");

	FUZZ_CHECK(f != NULL, "cannot write '%s'", pkg_fuzz_path);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size, "cannot write '%s'", pkg_fuzz_path);
	FUZZ_CHECK(fclose(f) == 0, "cannot write '%s'", pkg_fuzz_path);
}

/* Verify the file with `key` (may be NULL) and check the report. */
static void pkg_fuzz_verify(const char *key)
{
	struct enclave_verify_report r;
	size_t i, failed = 0;
	int rc, seen_manifest = 0, seen_sig = 0, seen_audit = 0;

	memset(&r, 0xa5, sizeof(r)); /* the call must fill every field it reports */
	enclave_error_clear();
	rc = enclave_export_verify(&r, pkg_fuzz_path, key);
	fuzz_check_error(rc, 0);
	if (rc < 0)
		return;
	FUZZ_CHECK(r.nchecks > 0 && r.checks, "a report with no checks");
	FUZZ_CHECK(memchr(r.key_id, '\0', sizeof(r.key_id)), "key_id not terminated");
	for (i = 0; i < r.nchecks; i++) {
		const struct enclave_verify_check *c = &r.checks[i];
		FUZZ_CHECK(c->check && c->subject && c->message && c->message[0],
		           "check %zu lacks a name, subject or message", i);
		FUZZ_CHECK(c->ok == 0 || c->ok == 1, "check %zu: ok is %d", i, c->ok);
		failed += !c->ok;
		seen_manifest |= !strcmp(c->check, "manifest") && c->ok;
		seen_sig |= !strcmp(c->check, "signature") && c->ok;
		seen_audit |= !strcmp(c->check, "audit") && c->ok;
	}
	FUZZ_CHECK(failed == r.problems, "%zu failed checks, problems says %zu", failed,
	           r.problems);
	FUZZ_CHECK(r.ok == (failed == 0), "ok is %d with %zu failed checks", r.ok, failed);
	if (r.ok) {
		FUZZ_CHECK(seen_manifest && seen_sig && seen_audit,
		           "a verified package without its manifest, signature or audit check");
		FUZZ_CHECK(r.origin == (key != NULL), "origin %d with key %s", r.origin,
		           key ? key : "(none)");
	}
	enclave_export_verify_release(&r);
	enclave_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pkg_fuzz_make_path();
	pkg_fuzz_write(data, size);
	pkg_fuzz_verify(NULL);
	pkg_fuzz_verify(PKG_FUZZ_SEED_KEY);
	return 0;
}
