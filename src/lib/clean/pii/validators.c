/*
 * Validators: the checks behind the rule recognisers that a regular
 * expression cannot make. Checksums (Luhn, IBAN mod 97, ABA 3-7-1, NHS
 * mod 11, VIN check digit, Base58Check, bech32), ranges (SSN area, group
 * and serial; calendar dates), lists compiled in (ISO 3166 country codes,
 * top-level domains), and the entropy of a token. Each takes a byte range
 * and reads nothing outside it; none allocates.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <openssl/sha.h>
#include <string.h>

#include "pii_int.h"

/* ------------------------------------------------------------ digits */

size_t pii_digits(char *out, size_t cap, const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9') {
			if (k + 1 >= cap)
				return 0;
			out[k++] = s[i];
		}
	out[k] = '\0';
	return k;
}

int pii_luhn(const char *d, size_t n)
{
	int sum = 0, dbl = 0;

	if (n == 0)
		return 0;
	for (size_t i = n; i-- > 0;) {
		int v = d[i] - '0';
		if (dbl && (v *= 2) > 9)
			v -= 9;
		sum += v;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

int pii_all_same(const char *d, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (d[i] != d[0])
			return 0;
	return 1;
}

/* ------------------------------------------------------------ cards */

/* Does the digit string start with the decimal number `p` (of `plen` digits)? */
static int prefix_in(const char *d, int plen, int lo, int hi)
{
	int v = 0;

	for (int i = 0; i < plen; i++)
		v = v * 10 + (d[i] - '0');
	return v >= lo && v <= hi;
}

int pii_card_issuer(const char *d, size_t n)
{
	if (n < 12 || n > 19)
		return 0;
	if (d[0] == '4') /* Visa */
		return n == 13 || n == 16 || n == 19;
	if (prefix_in(d, 2, 51, 55) || prefix_in(d, 4, 2221, 2720)) /* Mastercard */
		return n == 16;
	if (prefix_in(d, 2, 34, 34) || prefix_in(d, 2, 37, 37)) /* American Express */
		return n == 15;
	if (prefix_in(d, 4, 6011, 6011) || prefix_in(d, 2, 65, 65) ||
	    prefix_in(d, 3, 644, 649)) /* Discover */
		return n >= 16;
	if (prefix_in(d, 2, 35, 35) || prefix_in(d, 4, 2131, 2131) ||
	    prefix_in(d, 4, 1800, 1800)) /* JCB */
		return n >= 15;
	if (prefix_in(d, 3, 300, 305) || prefix_in(d, 2, 36, 36) ||
	    prefix_in(d, 2, 38, 39)) /* Diners Club */
		return n >= 14;
	if (prefix_in(d, 2, 62, 62)) /* UnionPay */
		return n >= 16;
	if (prefix_in(d, 2, 50, 50) || prefix_in(d, 2, 56, 58) ||
	    prefix_in(d, 1, 6, 6)) /* Maestro */
		return n >= 12;
	return 0;
}

/* ------------------------------------------------------------ national numbers */

int pii_ssn_ok(const char *d)
{
	int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	int group = (d[3] - '0') * 10 + (d[4] - '0');
	int serial = pii_atoi4(d + 5);

	if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
		return 0;
	/* Advertised or test numbers nobody holds. */
	if (!memcmp(d, "123456789", 9) || !memcmp(d, "078051120", 9) || !memcmp(d, "219099999", 9))
		return 0;
	return !pii_all_same(d, 9);
}

int pii_itin_ok(const char *d)
{
	int mid = (d[3] - '0') * 10 + (d[4] - '0');

	return d[0] == '9' && ((mid >= 50 && mid <= 65) || (mid >= 70 && mid <= 88) ||
	                       (mid >= 90 && mid <= 92) || (mid >= 94 && mid <= 99));
}

int pii_aba_ok(const char *d)
{
	int sum = 3 * (d[0] + d[3] + d[6] - 3 * '0') + 7 * (d[1] + d[4] + d[7] - 3 * '0') +
	          (d[2] + d[5] + d[8] - 3 * '0');
	int head = (d[0] - '0') * 10 + (d[1] - '0');

	/* The first two digits are a Federal Reserve district (00-12, 21-32, 61-72, 80). */
	if (!((head <= 12) || (head >= 21 && head <= 32) || (head >= 61 && head <= 72) ||
	      head == 80))
		return 0;
	return sum % 10 == 0 && !pii_all_same(d, 9);
}

int pii_nhs_ok(const char *d)
{
	int sum = 0, check;

	for (int i = 0; i < 9; i++)
		sum += (d[i] - '0') * (10 - i);
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	return check != 10 && check == d[9] - '0' && !pii_all_same(d, 10);
}

/* ------------------------------------------------------------ IBAN */

/* Lengths of IBANs per country (SWIFT's IBAN registry). */
static const struct {
	char cc[3];
	unsigned char len;
} iban_lengths[] = {
	{ "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 }, { "BA", 20 },
	{ "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BR", 29 }, { "BY", 28 }, { "CH", 21 },
	{ "CR", 22 }, { "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DK", 18 }, { "DO", 28 },
	{ "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 }, { "FO", 18 }, { "FR", 27 },
	{ "GB", 22 }, { "GE", 22 }, { "GI", 23 }, { "GL", 18 }, { "GR", 27 }, { "GT", 28 },
	{ "HR", 21 }, { "HU", 28 }, { "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 },
	{ "IT", 27 }, { "JO", 30 }, { "KW", 30 }, { "KZ", 20 }, { "LB", 28 }, { "LC", 32 },
	{ "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 }, { "LY", 25 }, { "MC", 27 },
	{ "MD", 24 }, { "ME", 22 }, { "MK", 19 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 },
	{ "NL", 18 }, { "NO", 15 }, { "PK", 24 }, { "PL", 28 }, { "PS", 29 }, { "PT", 25 },
	{ "QA", 29 }, { "RO", 24 }, { "RS", 22 }, { "SA", 24 }, { "SC", 31 }, { "SD", 18 },
	{ "SE", 24 }, { "SI", 19 }, { "SK", 24 }, { "SM", 27 }, { "ST", 25 }, { "SV", 28 },
	{ "TL", 23 }, { "TN", 24 }, { "TR", 26 }, { "UA", 29 }, { "VA", 22 }, { "VG", 24 },
	{ "XK", 20 },
};

int pii_iban_ok(const char *s, size_t n)
{
	char c[40];
	size_t k = 0, want = 0;
	unsigned rem = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '-')
			continue;
		if (k >= 34 || !isalnum((unsigned char)s[i]))
			return 0;
		c[k++] = (char)toupper((unsigned char)s[i]);
	}
	if (k < 15)
		return 0;
	for (size_t i = 0; i < sizeof(iban_lengths) / sizeof(iban_lengths[0]); i++)
		if (c[0] == iban_lengths[i].cc[0] && c[1] == iban_lengths[i].cc[1])
			want = iban_lengths[i].len;
	if (want != k || !isdigit((unsigned char)c[2]) || !isdigit((unsigned char)c[3]))
		return 0;
	/* Move the first four characters to the end, letters as 10..35, mod 97. */
	for (size_t j = 0; j < k; j++) {
		char ch = c[(j + 4) % k];
		if (isdigit((unsigned char)ch))
			rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
	}
	return rem == 1;
}

/* ------------------------------------------------------------ countries and TLDs */

/* ISO 3166-1 alpha-2, as one string of pairs. */
static const char iso3166[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCH"
    "CICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGN"
    "GPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLI"
    "LKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOM"
    "PAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTD"
    "TFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZWXKUK";

int pii_country_ok(const char *cc)
{
	char a = (char)toupper((unsigned char)cc[0]), b = (char)toupper((unsigned char)cc[1]);

	for (size_t i = 0; i + 1 < sizeof(iso3166); i += 2)
		if (iso3166[i] == a && iso3166[i + 1] == b)
			return 1;
	return 0;
}

/*
 * Country-code TLDs that are also common English words or file extensions:
 * "patient.no", "readme.md", "setup.py" are not domains. A two-label name
 * ending in one of these is reported only with context.
 */
static const char *const weak_tlds[] = { "am", "as", "at", "be", "by", "do", "go", "he", "hi",
	                                 "id", "im", "in", "is", "it", "me", "md", "mo", "my",
	                                 "no", "of", "on", "or", "pl", "py", "rs", "sh", "so",
	                                 "st", "to", "us", "we", "ps", "cc", "ai", "pm", "re",
	                                 "mg", "ml", "dc", "cm", "pt", "ms", "ng", "bs", "cs",
	                                 "ly", "gs", "tv", "fm", "mp", "ph", "nu", NULL };

int pii_tld_weak(const char *tld, size_t n)
{
	if (n != 2)
		return 0;
	for (size_t i = 0; weak_tlds[i]; i++)
		if (tolower((unsigned char)tld[0]) == weak_tlds[i][0] &&
		    tolower((unsigned char)tld[1]) == weak_tlds[i][1])
			return 1;
	return 0;
}

/* ------------------------------------------------------------ VIN */

/* Transliteration of VIN characters to numbers (ISO 3779); 0 for I, O, Q. */
static int vin_value(char c)
{
	static const char *const map = "12345678.12345.7.923456789";

	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return map[c - 'A'] == '.' ? -1 : map[c - 'A'] - '0';
	return -1;
}

int pii_vin_ok(const char *s)
{
	static const int weights[17] = { 8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2 };
	int sum = 0, digits = 0, letters = 0;

	for (int i = 0; i < 17; i++) {
		int v = vin_value((char)toupper((unsigned char)s[i]));
		if (v < 0)
			return 0;
		sum += v * weights[i];
		if (isdigit((unsigned char)s[i]))
			digits++;
		else
			letters++;
	}
	if (digits < 4 || letters < 2)
		return 0;
	sum %= 11;
	return sum == 10 ? toupper((unsigned char)s[8]) == 'X' : s[8] == '0' + sum;
}

/* ------------------------------------------------------------ crypto wallets */

int pii_base58check_ok(const char *s, size_t n)
{
	static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char bin[40];
	unsigned char h1[SHA256_DIGEST_LENGTH], h2[SHA256_DIGEST_LENGTH];
	size_t blen = 25;

	if (n < 26 || n > 35)
		return 0;
	memset(bin, 0, sizeof(bin));
	for (size_t i = 0; i < n; i++) {
		const char *p = memchr(alphabet, s[i], sizeof(alphabet) - 1);
		unsigned carry;

		if (!p)
			return 0;
		carry = (unsigned)(p - alphabet);
		for (size_t j = blen; j-- > 0;) {
			carry += 58u * bin[j];
			bin[j] = (unsigned char)(carry & 0xff);
			carry >>= 8;
		}
		if (carry)
			return 0; /* does not fit 25 bytes */
	}
	SHA256(bin, 21, h1);
	SHA256(h1, sizeof(h1), h2);
	return memcmp(h2, bin + 21, 4) == 0;
}

/* The bech32 checksum polymod (BIP 173). */
static uint32_t bech32_polymod(const unsigned char *v, size_t n)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
		                         0x2a1462b3 };
	uint32_t chk = 1;

	for (size_t i = 0; i < n; i++) {
		uint32_t top = chk >> 25;
		chk = ((chk & 0x1ffffff) << 5) ^ v[i];
		for (int j = 0; j < 5; j++)
			if ((top >> j) & 1)
				chk ^= gen[j];
	}
	return chk;
}

int pii_bech32_ok(const char *s, size_t n)
{
	static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	unsigned char v[128];
	size_t sep = 0, k = 0;
	uint32_t pm;

	if (n < 14 || n > 90)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '1')
			sep = i;
	if (sep < 1 || sep + 7 > n)
		return 0;
	for (size_t i = 0; i < sep; i++)
		v[k++] = (unsigned char)(tolower((unsigned char)s[i]) >> 5);
	v[k++] = 0;
	for (size_t i = 0; i < sep; i++)
		v[k++] = (unsigned char)(tolower((unsigned char)s[i]) & 31);
	for (size_t i = sep + 1; i < n; i++) {
		const char *p = memchr(charset, tolower((unsigned char)s[i]), sizeof(charset) - 1);
		if (!p || k >= sizeof(v))
			return 0;
		v[k++] = (unsigned char)(p - charset);
	}
	pm = bech32_polymod(v, k);
	return pm == 1 || pm == 0x2bc830a3; /* bech32 or bech32m */
}

/* ------------------------------------------------------------ network */

int pii_ipv6_ok(const char *s, size_t n)
{
	char tmp[48];
	unsigned char addr[16];

	if (n < 2 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, addr) == 1;
}

/* ------------------------------------------------------------ tokens */

double pii_entropy(const char *s, size_t n)
{
	unsigned counts[256] = { 0 };
	double h = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		counts[(unsigned char)s[i]]++;
	for (int i = 0; i < 256; i++)
		if (counts[i]) {
			double p = (double)counts[i] / (double)n;
			h -= p * log2(p);
		}
	return h;
}

/* ------------------------------------------------------------ dates */

int pii_date_ok(int y, int m, int d)
{
	static const int mdays[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12 || d < 1 || d > mdays[m])
		return 0;
	if (m == 2 && d == 29 && y >= 0 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

int pii_atoi4(const char *d)
{
	return (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
}

int pii_tld_known(const char *tld, size_t n)
{
	static const char tlds[] = "|" PII_TLDS "|";
	char key[32];

	if (n == 0 || n + 2 >= sizeof(key))
		return 0;
	key[0] = '|';
	for (size_t i = 0; i < n; i++)
		key[i + 1] = (char)tolower((unsigned char)tld[i]);
	key[n + 1] = '|';
	key[n + 2] = '\0';
	return strstr(tlds, key) != NULL;
}
