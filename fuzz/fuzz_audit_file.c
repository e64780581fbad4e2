/*
 * Fuzz target: enclave_audit_verify_file() on an arbitrary file, first
 * trusting the key the file names, then pinning the key of the seed chain
 * (corpus/fuzz_audit_file/chain-valid.jsonl), so that both the "key from the
 * file" and the "given key" paths are exercised on every input.
 *
 * The input is written to a temporary file made once per process (in
 * $TMPDIR, else /tmp) and removed at exit. Besides never crashing, the
 * report must say what the header promises: a verification that ran is
 * either ok, with the chain's signed checkpoint counted and no broken line,
 * or not ok with the first broken line and a message; strings terminated.
 */
#include <unistd.h>

#include "fuzz.h"

/* Public key of the project that signed corpus/fuzz_audit_file/chain-valid.jsonl. */
#define AUDIT_FUZZ_SEED_KEY "3d4af807c10cbdc2a58124c9e3b7c43de94d3434e2f7fdf2fe93e42fe8317d72"

static char audit_fuzz_path[4096]; /* the temporary file, "" until made */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Remove the temporary file (registered with atexit). */
static void audit_fuzz_cleanup(void)
{
	if (audit_fuzz_path[0])
		unlink(audit_fuzz_path);
}

/* Make the temporary file on the first call; abort when that is impossible. */
static void audit_fuzz_make_path(void)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (audit_fuzz_path[0])
		return;
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(audit_fuzz_path, sizeof(audit_fuzz_path), "%s/enclave-fuzz-audit-XXXXXX", dir);
	FUZZ_CHECK((fd = mkstemp(audit_fuzz_path)) >= 0, "cannot make a file in '%s'", dir);
	close(fd);
	atexit(audit_fuzz_cleanup);
}

/* Write `data` as the whole content of the temporary file. */
static void audit_fuzz_write(const uint8_t *data, size_t size)
{
	FILE *f = fopen(audit_fuzz_path, "wb");

	FUZZ_CHECK(f != NULL, "cannot write '%s'", audit_fuzz_path);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size, "cannot write '%s'", audit_fuzz_path);
	FUZZ_CHECK(fclose(f) == 0, "cannot write '%s'", audit_fuzz_path);
}

/* Verify the file with `key` (may be NULL) and check the report. */
static void audit_fuzz_verify(const char *key)
{
	struct enclave_audit_report r;
	int rc;

	memset(&r, 0xa5, sizeof(r)); /* the call must fill every field it reports */
	enclave_error_clear();
	rc = enclave_audit_verify_file(audit_fuzz_path, key, &r);
	fuzz_check_error(rc, 0);
	if (rc < 0)
		return;
	FUZZ_CHECK(memchr(r.message, '\0', sizeof(r.message)), "message not terminated");
	FUZZ_CHECK(memchr(r.key_id, '\0', sizeof(r.key_id)), "key_id not terminated");
	FUZZ_CHECK(r.ok == 0 || r.ok == 1, "ok is %d", r.ok);
	FUZZ_CHECK(r.events >= 0 && r.checkpoints >= 0, "negative counts");
	if (r.ok) {
		FUZZ_CHECK(r.checkpoints == 1, "a verified file with %lld checkpoints",
		           (long long)r.checkpoints);
		FUZZ_CHECK(r.bad_line == 0 && r.bad_seq == 0, "a verified file with a broken line");
	} else {
		FUZZ_CHECK(r.bad_line > 0, "a failed verification without its line");
		FUZZ_CHECK(r.message[0], "a failed verification without a message");
	}
	enclave_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	audit_fuzz_make_path();
	audit_fuzz_write(data, size);
	audit_fuzz_verify(NULL);
	audit_fuzz_verify(AUDIT_FUZZ_SEED_KEY);
	return 0;
}
