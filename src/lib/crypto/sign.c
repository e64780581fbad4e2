/*
 * Ed25519 signatures through libsodium.
 */
#include <sodium.h>
#include <string.h>

#include "crypto_int.h"

static int ready(void)
{
	/* sodium_init is thread-safe and idempotent; it returns 1 when already done. */
	if (sodium_init() < 0)
		return error_set(ENCLAVE_ERROR, "libsodium: cannot initialise");
	return 0;
}

int sign_keypair(unsigned char pk[ED25519_PK_BYTES], unsigned char sk[ED25519_SK_BYTES])
{
	int error;

	if ((error = ready()) < 0)
		return error;
	if (crypto_sign_keypair(pk, sk) != 0)
		return error_set(ENCLAVE_ERROR, "cannot make a key pair");
	return 0;
}

int sign_detached_hex(char out[129], const void *msg, size_t len,
                      const unsigned char sk[ED25519_SK_BYTES])
{
	unsigned char sig[ED25519_SIG_BYTES];
	int error;

	if ((error = ready()) < 0)
		return error;
	if (crypto_sign_detached(sig, NULL, msg, len, sk) != 0)
		return error_set(ENCLAVE_ERROR, "cannot sign");
	hex_encode(out, sig, sizeof(sig));
	return 0;
}

int sign_verify_hex(const char *sig_hex, const void *msg, size_t len,
                    const unsigned char pk[ED25519_PK_BYTES])
{
	unsigned char sig[ED25519_SIG_BYTES];

	if (ready() < 0 || hex_decode(sig, sizeof(sig), sig_hex) < 0)
		return -1;
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}

int random_bytes(void *out, size_t len)
{
	int error;

	if ((error = ready()) < 0)
		return error;
	randombytes_buf(out, len);
	return 0;
}

void secure_zero(void *p, size_t len)
{
	sodium_memzero(p, len);
}
