/*
 * SHA-256 through OpenSSL libcrypto (EVP), and hex encoding.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include "crypto_int.h"

struct sha256_ctx {
	EVP_MD_CTX *md;
};

int sha256_new(struct sha256_ctx **out)
{
	struct sha256_ctx *c;

	*out = NULL;
	if (!(c = calloc(1, sizeof(*c))) || !(c->md = EVP_MD_CTX_new())) {
		free(c);
		return error_oom();
	}
	if (EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
		sha256_free(c);
		return error_set(ENCLAVE_ERROR, "sha256: cannot initialise");
	}
	*out = c;
	return 0;
}

int sha256_update(struct sha256_ctx *ctx, const void *data, size_t len)
{
	if (EVP_DigestUpdate(ctx->md, data, len) != 1)
		return error_set(ENCLAVE_ERROR, "sha256: update failed");
	return 0;
}

int sha256_finish_hex(struct sha256_ctx *ctx, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	int ok = EVP_DigestFinal_ex(ctx->md, md, &n) == 1 && n == 32;

	sha256_free(ctx);
	if (!ok)
		return error_set(ENCLAVE_ERROR, "sha256: final failed");
	hex_encode(out, md, 32);
	return 0;
}

void sha256_free(struct sha256_ctx *ctx)
{
	if (!ctx)
		return;
	EVP_MD_CTX_free(ctx->md);
	free(ctx);
}

int sha256_hex(char out[65], const void *data, size_t len)
{
	struct sha256_ctx *c;
	int error;

	if ((error = sha256_new(&c)) < 0)
		return error;
	if ((error = sha256_update(c, data, len)) < 0) {
		sha256_free(c);
		return error;
	}
	return sha256_finish_hex(c, out);
}

int sha256_file_hex(char out[65], int64_t *size, const char *path)
{
	static const size_t chunk = 1 << 16;
	struct sha256_ctx *c = NULL;
	unsigned char *b = NULL;
	int fd, error;
	int64_t total = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return error_set(ENCLAVE_EIO, "cannot open '%s': %s", path, strerror(errno));
	if (!(b = malloc(chunk))) {
		error = error_oom();
		goto done;
	}
	if ((error = sha256_new(&c)) < 0)
		goto done;
	for (;;) {
		ssize_t n = read(fd, b, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error =
			    error_set(ENCLAVE_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		total += n;
		if ((error = sha256_update(c, b, (size_t)n)) < 0)
			goto done;
	}
	error = sha256_finish_hex(c, out);
	c = NULL;
	if (size)
		*size = total;
done:
	sha256_free(c);
	free(b);
	close(fd);
	return error;
}

void hex_encode(char *out, const unsigned char *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(unsigned char *out, size_t len, const char *hex)
{
	size_t i;

	if (strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
