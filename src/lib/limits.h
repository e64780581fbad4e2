/*
 * Every limit Enclave puts on hostile input, in one place. A limit reached is
 * an ENCLAVE_ELIMIT error naming the limit; the item fails, the batch goes on.
 */
#ifndef ENCLAVE_LIMITS_H
#define ENCLAVE_LIMITS_H

/* Largest input file read into memory for extraction (bytes). */
#define ENCLAVE_MAX_FILE_BYTES ((size_t)512 << 20)

/* Largest extracted text of one document (bytes of UTF-8). */
#define ENCLAVE_MAX_TEXT_BYTES ((size_t)256 << 20)

/* Most pages read from one document. */
#define ENCLAVE_MAX_PAGES 20000

/* Most blocks in one document. */
#define ENCLAVE_MAX_BLOCKS 2000000

/* Largest text of one block (bytes). */
#define ENCLAVE_MAX_BLOCK_BYTES ((size_t)16 << 20)

/* Deepest element nesting followed in HTML/XML. */
#define ENCLAVE_MAX_NESTING 256

/*
 * Most bytes decompressed out of one file, all its containers and children
 * together (ZIP members, gzip streams, MIME parts, OLE streams): a
 * decompression bomb ends here.
 */
#define ENCLAVE_MAX_DECOMPRESSED_BYTES ((size_t)1 << 30)

/* Most child documents (attachments, archive members) under one file, all levels. */
#define ENCLAVE_MAX_CHILDREN 10000

/* Deepest nesting of containers (an archive in an e-mail in an archive...). */
#define ENCLAVE_MAX_CONTAINER_DEPTH 8

/* Seconds one file may take to extract, children included, unless told otherwise. */
#define ENCLAVE_DEFAULT_TIMEOUT 600.0

/* Largest raster (pixels) decoded or rendered for one page, image or OCR. */
#define ENCLAVE_MAX_PIXELS 100000000.0

/* Largest page side accepted from a PDF (points; 14400 pt = 200 in, the PDF limit). */
#define ENCLAVE_MAX_PAGE_SIDE 14400.0

/* Deepest directory recursion when walking ingest paths. */
#define ENCLAVE_MAX_WALK_DEPTH 64

/* Most files found by one ingest walk. */
#define ENCLAVE_MAX_WALK_FILES 10000000

/* Longest error message kept (bytes). */
#define ENCLAVE_MAX_ERROR_BYTES 1024

/* Longest line read from an exported audit chain (bytes). */
#define ENCLAVE_MAX_AUDIT_LINE_BYTES ((size_t)16 << 20)

/* Largest JSON field built from document content (metadata, attrs). */
#define ENCLAVE_MAX_FIELD_BYTES ((size_t)64 << 20)

/* Largest NER model file loaded (bytes); the shipped one is a few MB. */
#define ENCLAVE_MAX_NER_MODEL_BYTES ((size_t)64 << 20)

/* Most feature rows and gazetteer entries a NER model may declare. */
#define ENCLAVE_MAX_NER_FEATURES 4000000
#define ENCLAVE_MAX_NER_GAZETTEER 1000000

/* Tokens the NER tagger reads at once (a sentence, or this many): its memory per call. */
#define ENCLAVE_NER_WINDOW_TOKENS 256

/* Most named-entity spans one ner_tag call appends. */
#define ENCLAVE_MAX_NER_SPANS 10000000

/* Longest token the NER tokeniser keeps whole (bytes); a longer run is cut into pieces. */
#define ENCLAVE_NER_MAX_TOKEN_BYTES 256

/* Largest CoNLL training file read (bytes). */
#define ENCLAVE_MAX_CONLL_FILE_BYTES ((size_t)1 << 30)

/* Longest line of a CoNLL training file (bytes). */
#define ENCLAVE_MAX_CONLL_LINE_BYTES ((size_t)64 << 10)

/* Most tokens read from CoNLL files for one training run (all files); longest sentence. */
#define ENCLAVE_MAX_CONLL_TOKENS ((size_t)20 << 20)
#define ENCLAVE_MAX_CONLL_SENTENCE_TOKENS 1000
/*
 * PII streams (enclave scan FILE): input is scanned in windows of this many
 * bytes, so memory stays flat however large the file or its lines.
 */
#define ENCLAVE_PII_CHUNK_BYTES ((size_t)1 << 20)

/*
 * Bytes a window shares with the next: a span that starts in the last half
 * of it is left to the next window, so spans up to half of it long (the
 * longest pattern: a PEM private key block, 4 KiB for RSA-4096) are seen
 * whole, with at least half of it of context before them.
 */
#define ENCLAVE_PII_OVERLAP_BYTES ((size_t)16 << 10)

/* Most threads one PII pool runs (enclave scan --jobs). */
#define ENCLAVE_MAX_PII_JOBS 256

/* Most spans one scan call reports (candidates are checked in batches). */
#define ENCLAVE_MAX_PII_SPANS ((size_t)4 << 20)

/* Longest JSON line `enclave scan --jsonl` reads (bytes). */
#define ENCLAVE_MAX_PII_LINE_BYTES ((size_t)64 << 20)

/* Most spans the store keeps for one document (machine, user and reviewed). */
#define ENCLAVE_MAX_SPANS_STORED 1000000

/* Largest project config file (enclave.yaml), and deepest nesting in it. */
#define ENCLAVE_MAX_CONFIG_BYTES ((size_t)1 << 20)
#define ENCLAVE_MAX_CONFIG_DEPTH 16
/*
 * Export packages read by `enclave verify` (src/lib/export/verify.c), which
 * may come from anywhere. manifest.json is parsed in memory: at most 256 MiB
 * (about a million listed files). Files are hashed as they stream by and
 * never held, so the caps on files bound time, not memory: at most a
 * million files, none above 1 TiB, 4 TiB in all (a zstd bomb ends there).
 * manifest.sig and pubkey are a line of hex: 4 KiB is plenty. Member names
 * at most 4096 bytes, folders at most ENCLAVE_MAX_WALK_DEPTH deep.
 */
#define ENCLAVE_MAX_MANIFEST_BYTES ((size_t)256 << 20)
#define ENCLAVE_MAX_PACKAGE_FILES 1000000
#define ENCLAVE_MAX_PACKAGE_FILE_BYTES ((int64_t)1 << 40)
#define ENCLAVE_MAX_PACKAGE_BYTES ((int64_t)4 << 40)
#define ENCLAVE_MAX_PACKAGE_SMALL_BYTES 4096
#define ENCLAVE_MAX_PACKAGE_NAME_BYTES 4096

/*
 * The LLM client (src/lib/augment/): the largest reply body read from an
 * endpoint (a whole non-streamed reply, or a streamed one summed), the
 * longest line of a stream (NDJSON line, SSE event), the most entries in the
 * egress allowlist, the most models listed, and bounds on retries.
 */
#define ENCLAVE_MAX_LLM_REPLY_BYTES ((size_t)16 << 20)
#define ENCLAVE_MAX_LLM_LINE_BYTES ((size_t)1 << 20)
#define ENCLAVE_MAX_LLM_ALLOW 256
#define ENCLAVE_MAX_LLM_MODELS 10000
#define ENCLAVE_MAX_LLM_RETRIES 10
#define ENCLAVE_MAX_LLM_CONCURRENCY 256
/* Longest wait honoured from a Retry-After header or a backoff step (seconds). */
#define ENCLAVE_MAX_LLM_BACKOFF 60.0

/* Most items one augment run makes: variants per document, or synthetic documents. */
#define ENCLAVE_MAX_AUGMENT_ITEMS 1000000

/* Largest JSONL file `enclave augment --task synthetic-pii --out F` builds in memory. */
#define ENCLAVE_MAX_AUGMENT_FILE_BYTES ((size_t)1 << 30)

/* Largest WordNet file read (data.noun of WordNet 3.0 is 15 MB). */
#define ENCLAVE_MAX_WORDNET_FILE_BYTES ((size_t)64 << 20)

/*
 * The contamination guard (src/lib/export/contam.c): the most distinct
 * n-grams of the test split it indexes (16 bytes each at worst: 256 MiB),
 * and the longest n-gram in words.
 */
#define ENCLAVE_MAX_NGRAMS (1 << 24)
#define ENCLAVE_MAX_NGRAM_WORDS 32
#endif
