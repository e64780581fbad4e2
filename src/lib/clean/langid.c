/*
 * Language identification with libexttextcat (the n-gram "TextCat"
 * classifier LibreOffice uses), reading the fingerprints Debian's
 * libexttextcat-data installs under /usr/share/libexttextcat: 160-odd
 * languages, one `<name>.lm` file each, listed in fpdb.conf.
 *
 * What textcat gives is turned into one code by these rules, in order:
 *   - fewer than LANGID_MIN_LETTERS letters: "und";
 *   - a text mostly of Han, kana or Hangul is decided by script (kana: "ja",
 *     Hangul: "ko", Han alone: "zh"): textcat's Chinese and Japanese
 *     fingerprints are close, while the scripts are not;
 *   - textcat "UNKNOWN" (more than 5 candidates within 3% of the best) or
 *     "SHORT": "und";
 *   - candidates naming different languages: when exactly one of them is a
 *     widely written language (is_common), that one (textcat's Scots and
 *     English fingerprints tie on a sentence of English, Rusyn and Russian
 *     on a paragraph of Russian); else "und" on a text of fewer than
 *     LANGID_AMBIGUOUS_LETTERS letters;
 *   - else the best candidate, its name cut at the first '-' ("zh-CN-utf8"
 *     is "zh", "haw-utf8" "haw"): the data's names are ISO 639-1 codes where
 *     one exists, else 639-3.
 * A handle holds textcat's own buffers: one thread uses it at a time.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libexttextcat/textcat.h>

#include "langid_int.h"
#include "../common_int.h"
#include "../crypto/crypto_int.h"
#include "../../util/buf.h"
#include "../../util/utf8.h"

struct langid {
	void *tc;                /* textcat handle */
	candidate_t *candidates; /* textcat's result array, reused */
};

const char *langid_dir(void)
{
	const char *env = getenv("ENCLAVE_LANGID_DATA");

	return env && *env ? env : LANGID_DEFAULT_DIR;
}

/* ------------------------------------------------------------------ */
/* The data files                                                     */
/* ------------------------------------------------------------------ */

/*
 * Read `dir`'s configuration into `conf` and check it exists.
 * Returns 0 or ENCLAVE_ENOTFOUND naming the file and saying which package
 * brings it.
 */
static int read_conf(struct buf *conf, const char *dir)
{
	struct buf path = BUF_INIT(8192);
	FILE *f = NULL;
	char chunk[4096];
	size_t n;
	int error = 0;

	if (buf_printf(&path, "%s/%s", dir, LANGID_CONF) < 0) {
		error = error_set(ENCLAVE_ELIMIT, "language data folder path too long");
		goto done;
	}
	if (!(f = fopen(buf_cstr(&path), "rb"))) {
		error = error_set(ENCLAVE_ENOTFOUND,
		                  "cannot load the language identification data '%s': %s"
		                  " (Debian package libexttextcat-data)",
		                  buf_cstr(&path), strerror(errno));
		goto done;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_put(conf, chunk, n) < 0) {
			error = error_set(ENCLAVE_ELIMIT, "'%s': larger than %zu bytes",
			                  buf_cstr(&path), conf->max);
			goto done;
		}
done:
	if (f)
		fclose(f);
	buf_release(&path);
	return error;
}

/*
 * Call `fn` with each fingerprint file name of configuration text `conf`
 * (the first word of each line that is not blank or a '#' comment).
 * Stops at the first error `fn` returns.
 */
static int each_fingerprint(const char *conf, int (*fn)(const char *name, void *payload),
                            void *payload)
{
	const char *p = conf;
	int error = 0;

	while (*p && !error) {
		const char *line = p, *end = strchr(p, '\n');
		char name[256];
		size_t len = 0;

		if (!end)
			end = p + strlen(p);
		p = *end ? end + 1 : end;
		while (line < end && (*line == ' ' || *line == '\t'))
			line++;
		if (line == end || *line == '#' || *line == '\r')
			continue;
		while (line + len < end && !isspace((unsigned char)line[len]))
			len++;
		if (len >= sizeof(name) || memchr(line, '/', len))
			return error_set(ENCLAVE_EINVALID, "language data: bad file name in %s",
			                 LANGID_CONF);
		memcpy(name, line, len);
		name[len] = 0;
		error = fn(name, payload);
	}
	return error;
}

struct hash_ctx {
	const char *dir;
	json_t *sha; /* name -> hex */
};

/* Hash fingerprint `name` of ctx->dir into ctx->sha. */
static int hash_one(const char *name, void *payload)
{
	struct hash_ctx *h = payload;
	struct buf path = BUF_INIT(8192);
	char hex[65];
	int error = 0;

	if (buf_printf(&path, "%s/%s", h->dir, name) < 0)
		error = error_set(ENCLAVE_ELIMIT, "language data folder path too long");
	else if (sha256_file_hex(hex, NULL, buf_cstr(&path)) < 0)
		error = error_set(ENCLAVE_ENOTFOUND,
		                  "cannot load the language identification data '%s': %s"
		                  " (Debian package libexttextcat-data)",
		                  buf_cstr(&path), strerror(errno ? errno : ENOENT));
	else if (json_object_set_new(h->sha, name, json_string(hex)) < 0)
		error = error_oom();
	buf_release(&path);
	return error;
}

int langid_custody(json_t **out, const char *dir)
{
	struct buf conf = BUF_INIT(1 << 20);
	struct hash_ctx h = { dir, json_object() };
	char hex[65];
	int error;

	*out = NULL;
	if (!h.sha)
		return error_oom();
	if ((error = read_conf(&conf, dir)) < 0 ||
	    (error = each_fingerprint(buf_cstr(&conf), hash_one, &h)) < 0)
		goto done;
	if ((error = sha256_hex(hex, conf.ptr ? conf.ptr : "", conf.len)) < 0)
		goto done;
	if (json_object_set_new(h.sha, LANGID_CONF, json_string(hex)) < 0 ||
	    !(*out = json_pack("{s:s,s:s,s:O}", "engine", "libexttextcat " EXTTEXTCAT_VERSION,
	                       "data", dir, "sha256", h.sha)))
		error = error_oom();
done:
	json_decref(h.sha);
	buf_release(&conf);
	return error;
}

/* Check that fingerprint `name` of folder `payload` is readable (textcat does not say which is not). */
static int check_one(const char *name, void *payload)
{
	struct buf path = BUF_INIT(8192);
	int error = 0;

	if (buf_printf(&path, "%s/%s", (const char *)payload, name) < 0)
		error = error_set(ENCLAVE_ELIMIT, "language data folder path too long");
	else if (access(buf_cstr(&path), R_OK) != 0)
		error = error_set(ENCLAVE_ENOTFOUND,
		                  "cannot load the language identification data '%s': %s"
		                  " (Debian package libexttextcat-data)",
		                  buf_cstr(&path), strerror(errno));
	buf_release(&path);
	return error;
}

int langid_new(struct langid **out, const char *dir)
{
	struct buf conf = BUF_INIT(1 << 20), path = BUF_INIT(8192), prefix = BUF_INIT(8192);
	struct langid *l = NULL;
	int error;

	*out = NULL;
	if ((error = read_conf(&conf, dir)) < 0 ||
	    (error = each_fingerprint(buf_cstr(&conf), check_one, (void *)dir)) < 0)
		goto done;
	if (buf_printf(&path, "%s/%s", dir, LANGID_CONF) < 0 ||
	    buf_printf(&prefix, "%s/", dir) < 0) {
		error = error_set(ENCLAVE_ELIMIT, "language data folder path too long");
		goto done;
	}
	if (!(l = calloc(1, sizeof(*l)))) {
		error = error_oom();
		goto done;
	}
	if (!(l->tc = special_textcat_Init(buf_cstr(&path), buf_cstr(&prefix)))) {
		error = error_set(ENCLAVE_EINVALID,
		                  "cannot load the language identification data '%s': textcat"
		                  " refused it",
		                  buf_cstr(&path));
		goto done;
	}
	if (!(l->candidates = textcat_GetClassifyFullOutput(l->tc))) {
		error = error_oom();
		goto done;
	}
	*out = l;
	l = NULL;
done:
	langid_free(l);
	buf_release(&conf);
	buf_release(&path);
	buf_release(&prefix);
	return error;
}

void langid_free(struct langid *l)
{
	if (!l)
		return;
	if (l->tc) {
		if (l->candidates)
			textcat_ReleaseClassifyFullOutput(l->tc, l->candidates);
		textcat_Done(l->tc);
	}
	free(l);
}

/* ------------------------------------------------------------------ */
/* Deciding                                                           */
/* ------------------------------------------------------------------ */

/* Is code point `cp` a letter? An approximation: ASCII letters, and
 * everything from U+00C0 on but the punctuation, symbol and space blocks. */
static int is_letter(uint32_t cp)
{
	if (cp < 0x80)
		return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
	if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
		return 0;
	if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF20) ||
	    (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0xFFFD ||
	    (cp >= 0x1F000 && cp <= 0x1FAFF))
		return 0;
	return 1;
}

/* Copy textcat name `name` to `out`, cut at the first '-'. */
static void name_to_code(char out[LANGID_CODE_MAX], const char *name)
{
	size_t n = strcspn(name, "-");

	if (n == 0 || n >= LANGID_CODE_MAX) {
		snprintf(out, LANGID_CODE_MAX, "und");
		return;
	}
	memcpy(out, name, n);
	out[n] = 0;
}

/*
 * Languages widely written, with a 639-1 code. textcat's fingerprints of
 * some smaller neighbours (Scots, Rusyn, Galician, Asturian, Afrikaans...)
 * come within 3% of these on ordinary text; when exactly one candidate is
 * one of these, it is the answer.
 */
static int is_common(const char *code)
{
	static const char common[] = " ar bg bn ca cs da de el en es et fa fi fr he hi hr hu id it"
	                             " ja ko lt lv ms nb nl nn pl pt ro ru sk sl sr sv th tr uk"
	                             " ur vi zh ";
	char key[LANGID_CODE_MAX + 2];

	snprintf(key, sizeof(key), " %s ", code);
	return strstr(common, key) != NULL;
}

/*
 * One code from textcat's `n` candidates (best first) for a text of
 * `letters` letters, into `out` (left alone for "und"): the best when they
 * agree; the one common language when only one is; else the best for a
 * long text, nothing for a short one. Returns 0.
 */
static int decide(char out[LANGID_CODE_MAX], const candidate_t *c, int n, size_t letters)
{
	char code[LANGID_CODE_MAX], first[LANGID_CODE_MAX], pick[LANGID_CODE_MAX];
	int i, agree = 1, ncommon = 0;

	name_to_code(first, c[0].name);
	pick[0] = 0;
	for (i = 0; i < n; i++) {
		name_to_code(code, c[i].name);
		if (strcmp(code, first))
			agree = 0;
		if (is_common(code) && strcmp(code, pick)) {
			if (!pick[0])
				snprintf(pick, sizeof(pick), "%s", code);
			ncommon++;
		}
	}
	if (agree)
		snprintf(out, LANGID_CODE_MAX, "%s", first);
	else if (ncommon == 1)
		snprintf(out, LANGID_CODE_MAX, "%s", pick);
	else if (letters >= LANGID_AMBIGUOUS_LETTERS)
		snprintf(out, LANGID_CODE_MAX, "%s", first);
	return 0;
}

/* The lower case of `cp` in the scripts textcat's fingerprints cover most (Latin, Greek, Cyrillic). */
static uint32_t lower_cp(uint32_t cp)
{
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
	    (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F))
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 0x50;
	return cp;
}

/* Is `cp` an upper-case letter lower_cp changes? */
static int is_upper(uint32_t cp)
{
	return lower_cp(cp) != cp;
}

/*
 * `text` (`len` bytes) lower-cased into `out` (Latin, Greek, Cyrillic
 * letters; other bytes copied, invalid sequences as U+FFFD). Returns 0 or
 * ENCLAVE_ENOMEM / ENCLAVE_ELIMIT.
 */
static int lower_text(struct buf *out, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	int error = 0;

	while (p < end && !error) {
		uint32_t cp;
		char enc[4];
		p += utf8_decode(p, end, &cp);
		error = buf_put(out, enc, utf8_encode(lower_cp(cp), enc));
	}
	return error < 0 ? error_buf(error, "language sample") : 0;
}

int langid_detect(struct langid *l, char out[LANGID_CODE_MAX], const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	size_t letters = 0, han = 0, kana = 0, hangul = 0, upper = 0;
	struct buf lower = BUF_INIT(ENCLAVE_MAX_TEXT_BYTES);
	int n, error;

	snprintf(out, LANGID_CODE_MAX, "und");
	while (p < end) {
		uint32_t cp;
		p += utf8_decode(p, end, &cp);
		if (!is_letter(cp))
			continue;
		letters++;
		upper += is_upper(cp);
		if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
		    (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF))
			han++;
		else if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
		         (cp >= 0xFF66 && cp <= 0xFF9F))
			kana++;
		else if ((cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x1100 && cp <= 0x11FF) ||
		         (cp >= 0x3130 && cp <= 0x318F))
			hangul++;
	}
	/* CJK text has a letter per word, not per sound: fewer letters say as much. */
	if (letters < LANGID_MIN_LETTERS && (han + kana + hangul) * 2 < letters)
		return 0;
	if ((han + kana + hangul) * 2 >= letters) {
		if (han + kana + hangul < LANGID_MIN_LETTERS / 2)
			return 0;
		if (hangul * 2 >= han + kana + hangul)
			snprintf(out, LANGID_CODE_MAX, "ko");
		else if (kana * 10 >= han + kana)
			snprintf(out, LANGID_CODE_MAX, "ja");
		else
			snprintf(out, LANGID_CODE_MAX, "zh");
		return 0;
	}
	/*
	 * The fingerprints are of ordinary text: a text in capitals (forms,
	 * clinical notes, headings) matches none of them well. Lower-case one
	 * whose letters are mostly capitals.
	 */
	if (upper * 2 > letters) {
		if ((error = lower_text(&lower, text, len)) < 0)
			return error;
		text = lower.ptr;
		len = lower.len;
	}
	n = textcat_ClassifyFull(l->tc, text, len, l->candidates);
	buf_release(&lower);
	if (n <= 0)
		return 0; /* UNKNOWN or SHORT */
	return decide(out, l->candidates, n, letters);
}

int langid_normalise(char out[LANGID_CODE_MAX], const char *tag)
{
	/* ISO 639-2 (B and T) codes of languages that have a 639-1 code, the common ones. */
	static const char *const map[][2] = {
		{ "ara", "ar" }, { "chi", "zh" }, { "zho", "zh" }, { "cze", "cs" }, { "ces", "cs" },
		{ "dan", "da" }, { "dut", "nl" }, { "nld", "nl" }, { "eng", "en" }, { "fin", "fi" },
		{ "fre", "fr" }, { "fra", "fr" }, { "ger", "de" }, { "deu", "de" }, { "gre", "el" },
		{ "ell", "el" }, { "heb", "he" }, { "hin", "hi" }, { "hun", "hu" }, { "ita", "it" },
		{ "jpn", "ja" }, { "kor", "ko" }, { "nor", "no" }, { "pol", "pl" }, { "por", "pt" },
		{ "rum", "ro" }, { "ron", "ro" }, { "rus", "ru" }, { "spa", "es" }, { "swe", "sv" },
		{ "tur", "tr" }, { "ukr", "uk" }, { "vie", "vi" }, { "cat", "ca" }, { "bul", "bg" },
	};
	char code[4];
	size_t n = 0, i;

	snprintf(out, LANGID_CODE_MAX, "und");
	if (!tag)
		return -1;
	while (*tag == ' ')
		tag++;
	while (n < 4 && isalpha((unsigned char)tag[n]))
		n++;
	if (n < 2 || n > 3 || (tag[n] && tag[n] != '-' && tag[n] != '_' && tag[n] != ' '))
		return -1;
	for (i = 0; i < n; i++)
		code[i] = (char)tolower((unsigned char)tag[i]);
	code[n] = 0;
	if (!strcmp(code, "und") || !strcmp(code, "mul") || !strcmp(code, "zxx"))
		return -1;
	for (i = 0; n == 3 && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(code, map[i][0])) {
			snprintf(out, LANGID_CODE_MAX, "%s", map[i][1]);
			return 0;
		}
	snprintf(out, LANGID_CODE_MAX, "%s", code);
	return 0;
}
