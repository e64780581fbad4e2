/*
 * The project config: enclave.yaml in the project folder, read with
 * libyaml's event parser. Today it has one section:
 *
 *   pii:
 *     preset: all              # all, hipaa, gdpr, pci: the labels scanned
 *     entities: [US_SSN, ...]  # when given, these labels instead of the preset's
 *     min_score: 0.4           # spans scored under it are not kept (0 to 1)
 *     ner: true                # the name tagger
 *     clinical: auto           # the clinical recogniser: auto (hipaa), true, false
 *     redact:                  # label -> operator spec; "default" for the rest
 *       default: tag
 *       PERSON: pseudonym
 *
 * and a section `llm:` read by src/lib/augment/llm_config.c (skipped here,
 * after checking its syntax).
 *
 * Everything is optional; a project without the file has the defaults
 * (those of the file `enclave init` writes). Unknown keys, wrong types,
 * unknown labels and presets are errors naming "FILE:LINE", so that a typo
 * never silently changes what is redacted. Anchors and aliases are refused
 * (no billion laughs), as is nesting deeper than ENCLAVE_MAX_CONFIG_DEPTH
 * and a file larger than ENCLAVE_MAX_CONFIG_BYTES.
 *
 * The redact mapping becomes one policy string for the redactor,
 * "PERSON=pseudonym,*=tag" (the default last, as "*"); each operator is
 * checked by the redactor's policy parser as it is read, so that a bad one
 * is reported at its line.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "clean_int.h"
#include "../yaml_reader_int.h"
#include "../store/store_int.h"
#include "../../util/fs.h"

static const char default_config[] =
    "# Enclave project configuration, written by 'enclave init'.\n"
    "# Lines starting with '#' are comments; 'enclave clean --help' explains each key.\n"
    "\n"
    "pii:\n"
    "  # The labels 'enclave clean --pii' looks for: a preset (all, hipaa, gdpr, pci),\n"
    "  # or a list of labels instead, e.g. entities: [EMAIL_ADDRESS, US_SSN, PERSON]\n"
    "  preset: all\n"
    "  # Spans scored under this (0 to 1) are not kept.\n"
    "  min_score: 0.4\n"
    "  # The name tagger (PERSON, ORGANIZATION, LOCATION; models/ner-en.model).\n"
    "  ner: true\n"
    "  # The clinical-note recogniser: auto (with the hipaa preset), true or false.\n"
    "  clinical: auto\n"
    "  # How each label is replaced in the redacted text layer: tag, mask, remove,\n"
    "  # hash, encrypt, pseudonym; 'default' for the labels not named.\n"
    "  # 'enclave clean --pii --operator SPEC' overrides this mapping.\n"
    "  redact:\n"
    "    default: tag\n"
    "    # PERSON: pseudonym\n"
    "    # EMAIL_ADDRESS: mask\n"
    "\n"
    "# LLM endpoints ('enclave llm --help'). None by default: Enclave then contacts\n"
    "# nothing. Each may only reach the addresses of its 'allow' list (loopback when\n"
    "# not given).\n"
    "# llm:\n"
    "#   local:\n"
    "#     kind: ollama          # or openai (llama-server, vLLM, ...)\n"
    "#     base_url: http://127.0.0.1:11434\n"
    "#     model: llama3.1:8b\n";

int clean_config_write_default(const enclave_project *p)
{
	char *path = project_file(p, PROJECT_CONFIG);
	int error = 0;

	if (!path)
		return error_oom();
	if (fs_write_atomic(path, default_config, sizeof(default_config) - 1, 0644) < 0)
		error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", path, strerror(errno));
	free(path);
	return error;
}

/* ------------------------------------------------------------------ */
/* The parser                                                         */
/* ------------------------------------------------------------------ */

struct parser {
	struct yaml_reader r; /* ../yaml_reader_int.h */
	struct enclave_clean_config *out;
	struct buf policy; /* "LABEL=op,..." without the default */
	char *dflt;        /* the default operator */
};

static int expect_error(struct parser *ps, const char *what, const char *key)
{
	return error_set(ENCLAVE_EINVALID, "%s:%lu: '%s' takes %s", ps->r.file,
	                 yaml_reader_line(&ps->r), key, what);
}

/* entities: a sequence of label names (or null for none given). */
static int parse_entities(struct parser *ps)
{
	int error;

	if (yaml_reader_is_null(&ps->r))
		return 0;
	if (ps->r.ev.type != YAML_SEQUENCE_START_EVENT)
		return expect_error(ps, "a list of labels", "entities");
	ps->out->entities = 0;
	ps->out->has_entities = 1;
	for (;;) {
		const char *s;
		int label;
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if (ps->r.ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (!(s = yaml_reader_scalar(&ps->r)))
			return expect_error(ps, "a list of labels", "entities");
		if ((label = enclave_pii_label_parse(s)) < 0)
			return error_set(ENCLAVE_EINVALID, "%s:%lu: unknown label '%s'", ps->r.file,
			                 yaml_reader_line(&ps->r), s);
		ps->out->entities |= (enclave_pii_labels)1 << label;
	}
}

/* Is `op` an operator the redactor knows? If not, say so at the current line. */
static int check_operator(struct parser *ps, const char *op)
{
	struct enclave_redact_policy policy;
	struct buf spec = BUF_INIT(4096);
	int error = 0;

	if (buf_printf(&spec, "*=%s", op) < 0 ||
	    enclave_redact_policy_parse(&policy, buf_cstr(&spec)) < 0)
		error = error_set(ENCLAVE_EINVALID, "%s:%lu: bad operator '%.64s': %s", ps->r.file,
		                  yaml_reader_line(&ps->r), op, enclave_error_last());
	buf_release(&spec);
	return error;
}

/* redact: a mapping label (or "default") -> operator spec. */
static int parse_redact(struct parser *ps)
{
	int error;

	if (yaml_reader_is_null(&ps->r))
		return 0;
	if (ps->r.ev.type != YAML_MAPPING_START_EVENT)
		return expect_error(ps, "a mapping of labels to operators", "redact");
	ps->out->has_redact = 1;
	for (;;) {
		char *key;
		const char *op;
		int label = -1;
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if (ps->r.ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (!yaml_reader_scalar(&ps->r))
			return expect_error(ps, "a mapping of labels to operators", "redact");
		if (strcmp(yaml_reader_scalar(&ps->r), "default") &&
		    strcmp(yaml_reader_scalar(&ps->r), "*") &&
		    (label = enclave_pii_label_parse(yaml_reader_scalar(&ps->r))) < 0)
			return error_set(ENCLAVE_EINVALID, "%s:%lu: unknown label '%s' in redact",
			                 ps->r.file, yaml_reader_line(&ps->r),
			                 yaml_reader_scalar(&ps->r));
		if (!(key = strdup(label < 0 ? "*" : enclave_pii_label_name(label))))
			return error_oom();
		if ((error = yaml_reader_next(&ps->r)) < 0) {
			free(key);
			return error;
		}
		op = yaml_reader_scalar(&ps->r);
		if (!op || !*op || strchr(op, ',') || strchr(op, '=')) {
			error = error_set(ENCLAVE_EINVALID,
			                  "%s:%lu: '%s' takes an operator (tag,"
			                  " mask, remove, hash, encrypt, pseudonym)",
			                  ps->r.file, yaml_reader_line(&ps->r),
			                  label < 0 ? "default" : key);
			free(key);
			return error;
		}
		if ((error = check_operator(ps, op)) < 0) {
			free(key);
			return error;
		}
		if (label < 0) {
			free(ps->dflt);
			ps->dflt = strdup(op);
			error = ps->dflt ? 0 : error_oom();
		} else if ((ps->policy.len && buf_puts(&ps->policy, ",") < 0) ||
		           buf_printf(&ps->policy, "%s=%s", key, op) < 0) {
			error = error_set(ENCLAVE_ELIMIT, "%s:%lu: the redact mapping is too long",
			                  ps->r.file, yaml_reader_line(&ps->r));
		}
		free(key);
		if (error)
			return error;
	}
}

/* The pii section's mapping. */
static int parse_pii(struct parser *ps)
{
	int error;

	if (yaml_reader_is_null(&ps->r))
		return 0;
	if (ps->r.ev.type != YAML_MAPPING_START_EVENT)
		return expect_error(ps, "a mapping", "pii");
	for (;;) {
		const char *k;
		char key[32];
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if (ps->r.ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (!(k = yaml_reader_scalar(&ps->r)))
			return error_set(ENCLAVE_EINVALID, "%s:%lu: a key must be a name",
			                 ps->r.file, yaml_reader_line(&ps->r));
		if (strcmp(k, "preset") && strcmp(k, "entities") && strcmp(k, "min_score") &&
		    strcmp(k, "redact") && strcmp(k, "ner") && strcmp(k, "clinical"))
			return error_set(ENCLAVE_EINVALID,
			                 "%s:%lu: unknown key '%.64s' in pii (preset, entities,"
			                 " min_score, ner, clinical, redact)",
			                 ps->r.file, yaml_reader_line(&ps->r), k);
		snprintf(key, sizeof(key), "%s", k);
		if ((error = yaml_reader_next(&ps->r)) < 0)
			return error;
		if (!strcmp(key, "preset")) {
			const char *v = yaml_reader_scalar(&ps->r);
			if (!v)
				return expect_error(ps, "a preset name", key);
			/* The names enclave_pii_preset knows; the labels are looked up per run. */
			if (strcmp(v, "all") && strcmp(v, "hipaa") && strcmp(v, "gdpr") &&
			    strcmp(v, "pci"))
				return error_set(ENCLAVE_EINVALID,
				                 "%s:%lu: unknown preset '%.64s' (all, hipaa, gdpr,"
				                 " pci)",
				                 ps->r.file, yaml_reader_line(&ps->r), v);
			snprintf(ps->out->preset, sizeof(ps->out->preset), "%s", v);
		} else if (!strcmp(key, "min_score")) {
			const char *v = yaml_reader_scalar(&ps->r);
			char *end;
			double d = v ? strtod(v, &end) : NAN;
			if (!v || end == v || *end || !isfinite(d) || d < 0 || d > 1)
				return expect_error(ps, "a number from 0 to 1", key);
			ps->out->min_score = d;
		} else if (!strcmp(key, "ner") || !strcmp(key, "clinical")) {
			const char *v = yaml_reader_scalar(&ps->r);
			int *to = !strcmp(key, "ner") ? &ps->out->ner : &ps->out->clinical;
			if (v && !strcmp(v, "true"))
				*to = 1;
			else if (v && !strcmp(v, "false"))
				*to = 0;
			else if (v && !strcmp(v, "auto") && to == &ps->out->clinical)
				*to = -1;
			else
				return expect_error(ps,
				                    to == &ps->out->ner ? "true or false"
				                                        : "auto, true or false",
				                    key);
		} else if (!strcmp(key, "entities")) {
			if ((error = parse_entities(ps)) < 0)
				return error;
		} else if ((error = parse_redact(ps)) < 0) {
			return error;
		}
	}
}

/* The whole stream: nothing, or one document holding null or the top mapping. */
static int parse_stream(struct parser *ps)
{
	int error;

	if ((error = yaml_reader_next(&ps->r)) < 0) /* STREAM-START */
		return error;
	if ((error = yaml_reader_next(&ps->r)) < 0)
		return error;
	if (ps->r.ev.type == YAML_STREAM_END_EVENT)
		return 0;
	if ((error = yaml_reader_next(&ps->r)) < 0) /* after DOCUMENT-START */
		return error;
	if (!yaml_reader_is_null(&ps->r)) {
		if (ps->r.ev.type != YAML_MAPPING_START_EVENT)
			return error_set(ENCLAVE_EINVALID,
			                 "%s:%lu: the config is a mapping of"
			                 " sections (pii:)",
			                 ps->r.file, yaml_reader_line(&ps->r));
		for (;;) {
			const char *k;
			if ((error = yaml_reader_next(&ps->r)) < 0)
				return error;
			if (ps->r.ev.type == YAML_MAPPING_END_EVENT)
				break;
			if (!(k = yaml_reader_scalar(&ps->r)) ||
			    (strcmp(k, "pii") && strcmp(k, "llm")))
				return error_set(ENCLAVE_EINVALID,
				                 "%s:%lu: unknown section '%.64s' (pii, llm)",
				                 ps->r.file, yaml_reader_line(&ps->r), k ? k : "?");
			if (!strcmp(k, "llm")) {
				if ((error = yaml_reader_next(&ps->r)) < 0 ||
				    (error = yaml_reader_skip(&ps->r)) < 0)
					return error;
				continue;
			}
			if ((error = yaml_reader_next(&ps->r)) < 0 || (error = parse_pii(ps)) < 0)
				return error;
		}
	}
	if ((error = yaml_reader_next(&ps->r)) < 0) /* DOCUMENT-END */
		return error;
	if ((error = yaml_reader_next(&ps->r)) < 0)
		return error;
	if (ps->r.ev.type != YAML_STREAM_END_EVENT)
		return error_set(ENCLAVE_EINVALID, "%s:%lu: one document only", ps->r.file,
		                 yaml_reader_line(&ps->r));
	return 0;
}

void enclave_clean_config_defaults(struct enclave_clean_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->preset, sizeof(c->preset), "all");
	c->min_score = 0.4;
	c->ner = 1;
	c->clinical = -1;
}

int enclave_clean_config_parse(struct enclave_clean_config *out, const char *text, size_t len,
                               const char *name)
{
	struct parser ps;
	int error;

	enclave_clean_config_defaults(out);
	if (len > ENCLAVE_MAX_CONFIG_BYTES)
		return error_set(ENCLAVE_ELIMIT, "%s: larger than %zu bytes", name,
		                 ENCLAVE_MAX_CONFIG_BYTES);
	memset(&ps, 0, sizeof(ps));
	ps.out = out;
	ps.policy.max = 65536;
	if ((error = yaml_reader_open(&ps.r, name, text, len)) < 0)
		return error;
	error = parse_stream(&ps);
	if (!error && (out->has_redact || ps.dflt)) {
		/* The named labels first, then the default as "*"; none: tag. */
		if ((ps.policy.len && buf_puts(&ps.policy, ",") < 0) ||
		    buf_printf(&ps.policy, "*=%s", ps.dflt ? ps.dflt : "tag") < 0 ||
		    !(out->redact = strdup(buf_cstr(&ps.policy))))
			error = error_oom();
	}
	yaml_reader_close(&ps.r);
	buf_release(&ps.policy);
	free(ps.dflt);
	if (error)
		enclave_clean_config_release(out);
	return error;
}

int enclave_clean_config_load(struct enclave_clean_config *out, const enclave_project *p)
{
	struct buf text = BUF_INIT(ENCLAVE_MAX_CONFIG_BYTES);
	char *path = project_file(p, PROJECT_CONFIG);
	int error;

	enclave_clean_config_defaults(out);
	if (!path)
		return error_oom();
	if (fs_read_file(&text, path) < 0) {
		if (errno == ENOENT) {
			/* A project older than the config: the defaults init writes. */
			error = enclave_clean_config_parse(out, default_config,
			                                   sizeof(default_config) - 1, path);
		} else {
			error = error_set(errno == EFBIG ? ENCLAVE_ELIMIT : ENCLAVE_EIO,
			                  "cannot read '%s': %s", path, strerror(errno));
		}
	} else {
		error = enclave_clean_config_parse(out, buf_cstr(&text), text.len, path);
	}
	buf_release(&text);
	free(path);
	return error;
}

void enclave_clean_config_release(struct enclave_clean_config *c)
{
	free(c->redact);
	c->redact = NULL;
	c->has_redact = 0;
}
