/*
 * Hashing (OpenSSL libcrypto's SHA-256, the fastest here) and signing
 * (libsodium's Ed25519). Hashes travel as 64 lowercase hex digits.
 */
#ifndef ENCLAVE_CRYPTO_INT_H
#define ENCLAVE_CRYPTO_INT_H

#include "../common_int.h"

#define SHA256_HEX_LEN 64
#define ED25519_PK_BYTES 32
#define ED25519_SK_BYTES 64
#define ED25519_SIG_BYTES 64

/* An incremental SHA-256. */
struct sha256_ctx;
int sha256_new(struct sha256_ctx **out);
int sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
/* Finish into 65 bytes of hex + NUL, and free the context. */
int sha256_finish_hex(struct sha256_ctx *ctx, char out[65]);
void sha256_free(struct sha256_ctx *ctx);

/* One-shot SHA-256 of a buffer as hex. */
int sha256_hex(char out[65], const void *data, size_t len);

/* SHA-256 of a file's content as hex, streaming; also its size. */
int sha256_file_hex(char out[65], int64_t *size, const char *path);

/* Hex encode `len` bytes into out (2*len+1 bytes). */
void hex_encode(char *out, const unsigned char *in, size_t len);
/* Decode exactly `len` bytes of hex; returns 0 or -1 when malformed. */
int hex_decode(unsigned char *out, size_t len, const char *hex);

/* Make a key pair. */
int sign_keypair(unsigned char pk[ED25519_PK_BYTES], unsigned char sk[ED25519_SK_BYTES]);
/* Detached signature of msg, as 128 hex digits + NUL. */
int sign_detached_hex(char out[129], const void *msg, size_t len,
                      const unsigned char sk[ED25519_SK_BYTES]);
/* 0 when `sig_hex` is a valid signature of msg by pk, else -1. */
int sign_verify_hex(const char *sig_hex, const void *msg, size_t len,
                    const unsigned char pk[ED25519_PK_BYTES]);

/* Fill `out` with `len` cryptographically random bytes. */
int random_bytes(void *out, size_t len);

/* Zero memory holding secrets (not optimised away). */
void secure_zero(void *p, size_t len);

#endif
