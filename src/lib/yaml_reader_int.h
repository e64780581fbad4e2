/*
 * The YAML event reader the config sections share (clean/config.c: pii:,
 * augment/llm_config.c: llm:): libyaml's parser with the current event,
 * aliases refused, nesting capped at ENCLAVE_MAX_CONFIG_DEPTH, and every
 * message prefixed with "FILE:LINE: ".
 */
#ifndef ENCLAVE_YAML_READER_INT_H
#define ENCLAVE_YAML_READER_INT_H

#include <stddef.h>
#include <yaml.h>

struct yaml_reader {
	yaml_parser_t y;
	yaml_event_t ev; /* the current event (valid when have) */
	int have;
	int depth;
	const char *file; /* for messages */
};

/* Start reading text[0, len) named `file` in messages. Returns 0 or ENCLAVE_ENOMEM. */
int yaml_reader_open(struct yaml_reader *r, const char *file, const char *text, size_t len);
void yaml_reader_close(struct yaml_reader *r);

/* Line (1-based) of the current event. */
unsigned long yaml_reader_line(const struct yaml_reader *r);

/* Move to the next event. Returns 0, ENCLAVE_EINVALID (a syntax error, an alias) or ENCLAVE_ELIMIT (too deep). */
int yaml_reader_next(struct yaml_reader *r);

/* The current event is a plain or quoted scalar: its value; else NULL. */
const char *yaml_reader_scalar(const struct yaml_reader *r);

/* A null value: an empty plain scalar, "~" or "null". */
int yaml_reader_is_null(const struct yaml_reader *r);

/* Skip the node starting at the current event (a mapping or sequence; a scalar is already whole). */
int yaml_reader_skip(struct yaml_reader *r);

#endif
