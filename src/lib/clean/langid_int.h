/*
 * Language identification (langid.c): libexttextcat's n-gram fingerprints
 * (the Debian package libexttextcat-data, read from its folder, never
 * downloaded), behind a handle that one thread uses at a time, plus the
 * rules that turn textcat's candidates into one code or "und".
 */
#ifndef ENCLAVE_LANGID_INT_H
#define ENCLAVE_LANGID_INT_H

#include <jansson.h>
#include <stddef.h>

#include "../../util/buf.h"

/* Where libexttextcat-data installs the fingerprints; ENCLAVE_LANGID_DATA overrides it. */
#define LANGID_DEFAULT_DIR "/usr/share/libexttextcat"
/* The textcat configuration file of that folder: one "file.lm name" a line. */
#define LANGID_CONF "fpdb.conf"
/* A code with its NUL: "en", "haw", "und". */
#define LANGID_CODE_MAX 12
/* Fewer letters than this: "und" (too short to tell). */
#define LANGID_MIN_LETTERS 20
/* Below this many letters, textcat candidates naming different languages give "und". */
#define LANGID_AMBIGUOUS_LETTERS 200

struct langid;

/* The fingerprints' folder: $ENCLAVE_LANGID_DATA when set and not empty, else the default. */
const char *langid_dir(void);

/*
 * Check that folder `dir` holds the configuration and every fingerprint it
 * names, and hash them: *out is {"engine":"libexttextcat <version>",
 * "data":dir,"sha256":{"fpdb.conf":hex,"en.lm":hex,...}} (new reference).
 * Returns 0, or ENCLAVE_ENOTFOUND naming the missing path, ENCLAVE_ELIMIT,
 * ENCLAVE_ENOMEM.
 */
int langid_custody(json_t **out, const char *dir);

/*
 * Load the fingerprints of folder `dir` into a new handle *out (free with
 * langid_free). About 20 ms. Returns 0 or ENCLAVE_ENOTFOUND naming the
 * missing or unreadable path.
 */
int langid_new(struct langid **out, const char *dir);
void langid_free(struct langid *l);

/*
 * The language of UTF-8 `text` (`len` bytes, invalid sequences tolerated)
 * into `out`: an ISO 639-1 code where one exists, else the 639-3 code
 * textcat names, or "und" when the text has too few letters, or textcat
 * cannot tell, or (for short texts) its candidates name several common
 * languages (see decide in langid.c). Han script
 * without kana is "zh", with kana "ja", Hangul "ko" (decided by script,
 * before textcat). Cost is linear in `len`: pass a bounded sample.
 * Returns 0 or ENCLAVE_ENOMEM.
 */
int langid_detect(struct langid *l, char out[LANGID_CODE_MAX], const char *text, size_t len);

/*
 * A language tag from metadata ("en-US", "de_DE", "ENG", "fre") as the code
 * langid_detect would give: the primary subtag lowercased, 639-2 codes of
 * the common languages mapped to 639-1. Returns 0, or -1 when `tag` is not
 * a tag of 2 or 3 letters (then `out` is "und").
 */
int langid_normalise(char out[LANGID_CODE_MAX], const char *tag);

/* ---- documents (lang.c) ---- */

/* What langid_detect reads of a long text: this many bytes ... */
#define LANGID_SAMPLE_BYTES 16384
/* ... in windows of this many, spread evenly from its start to its end. */
#define LANGID_WINDOW_BYTES 1024

/*
 * The sample of UTF-8 `text` (`len` bytes) to identify, appended to `out`:
 * the whole text when it is at most LANGID_SAMPLE_BYTES, else windows of
 * LANGID_WINDOW_BYTES at even steps from its start to its end, each moved
 * to start after a space and cut at a character boundary, joined by '\n'.
 * Returns 0 or ENCLAVE_ELIMIT / ENCLAVE_ENOMEM from `out`.
 */
int langid_sample(struct buf *out, const char *text, size_t len);

/*
 * Set doc->language (and its children's, all levels) with metadata
 * "language_source": the normalised metadata "language" when the format
 * gave one ("metadata"), else langid_detect on the sample of its text
 * ("langid"; "und" when it cannot tell). `l` is the caller's handle.
 * Returns 0 or ENCLAVE_ENOMEM / ENCLAVE_ELIMIT.
 */
struct enclave_doc;
int langid_doc(struct langid *l, struct enclave_doc *doc);

#endif
