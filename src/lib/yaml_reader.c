/* The YAML event reader of the config sections (yaml_reader_int.h). */
#include <string.h>

#include "common_int.h"
#include "limits.h"
#include "yaml_reader_int.h"

int yaml_reader_open(struct yaml_reader *r, const char *file, const char *text, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->file = file;
	if (!yaml_parser_initialize(&r->y))
		return error_oom();
	yaml_parser_set_input_string(&r->y, (const unsigned char *)text, len);
	return 0;
}

void yaml_reader_close(struct yaml_reader *r)
{
	if (r->have)
		yaml_event_delete(&r->ev);
	r->have = 0;
	yaml_parser_delete(&r->y);
}

unsigned long yaml_reader_line(const struct yaml_reader *r)
{
	return (unsigned long)r->ev.start_mark.line + 1;
}

int yaml_reader_next(struct yaml_reader *r)
{
	if (r->have) {
		yaml_event_delete(&r->ev);
		r->have = 0;
	}
	if (!yaml_parser_parse(&r->y, &r->ev))
		return error_set(ENCLAVE_EINVALID, "%s:%lu: %s", r->file,
		                 (unsigned long)r->y.problem_mark.line + 1,
		                 r->y.problem ? r->y.problem : "syntax error");
	r->have = 1;
	switch (r->ev.type) {
	case YAML_ALIAS_EVENT:
		return error_set(ENCLAVE_EINVALID, "%s:%lu: aliases are not allowed", r->file,
		                 yaml_reader_line(r));
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (++r->depth > ENCLAVE_MAX_CONFIG_DEPTH)
			return error_set(ENCLAVE_ELIMIT, "%s:%lu: nested deeper than %d", r->file,
			                 yaml_reader_line(r), ENCLAVE_MAX_CONFIG_DEPTH);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: r->depth--; break;
	default: break;
	}
	return 0;
}

const char *yaml_reader_scalar(const struct yaml_reader *r)
{
	return r->ev.type == YAML_SCALAR_EVENT ? (const char *)r->ev.data.scalar.value : NULL;
}

int yaml_reader_is_null(const struct yaml_reader *r)
{
	const char *s = yaml_reader_scalar(r);

	return s && r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcmp(s, "null"));
}

int yaml_reader_skip(struct yaml_reader *r)
{
	int error, depth;

	if (r->ev.type != YAML_SEQUENCE_START_EVENT && r->ev.type != YAML_MAPPING_START_EVENT)
		return 0;
	depth = r->depth;
	while (r->depth >= depth)
		if ((error = yaml_reader_next(r)) < 0)
			return error;
	return 0;
}
