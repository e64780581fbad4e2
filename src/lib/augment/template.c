/*
 * Prompt templates of the LLM tasks (llmtask_int.h): the built-in
 * defaults, loading a project's templates/<name>.md (written from the
 * default on first use, so it can be edited), the placeholder check, the
 * rendering, and the copy of each template used in the blob store, so the
 * SHA-256 recorded in lineage can always be resolved to its text.
 *
 * The defaults put the source text between a line "<<<CONTEXT" and a line
 * "CONTEXT>>>": a plain marker a model follows easily, and the one the
 * test server (tests/tools/fakellm.c) looks for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "llmtask_int.h"
#include "../store/store_int.h"
#include "../../util/fs.h"

#define TEMPLATE_MAX ((size_t)1 << 20)

/* clang-format off */
static const struct {
	const char *task, *text;
} defaults[] = {
	{ "qa",
	  "You write question and answer pairs for training a reading-comprehension model.\n"
	  "Use only the text you are given. Reply with one JSON object and nothing else.\n"
	  "---\n"
	  "Write one question that the text between the markers answers, its short answer,\n"
	  "and the evidence: a sentence or phrase copied exactly from the text that supports\n"
	  "the answer. The answer must use words of the evidence.\n"
	  "\n"
	  "<<<CONTEXT\n{{text}}\nCONTEXT>>>\n"
	  "\n"
	  "Reply as JSON: {\"question\": \"...\", \"answer\": \"...\", \"evidence\": \"...\"}\n" },
	{ "instruct",
	  "You write instruction-following examples for training an assistant.\n"
	  "Reply with one JSON object and nothing else.\n"
	  "---\n"
	  "Write one task a user could ask about the text between the markers (the\n"
	  "instruction), any input it needs (or an empty string), and a good response.\n"
	  "\n"
	  "<<<CONTEXT\n{{text}}\nCONTEXT>>>\n"
	  "\n"
	  "Reply as JSON: {\"instruction\": \"...\", \"input\": \"...\", \"response\": \"...\"}\n" },
	{ "paraphrase",
	  "You paraphrase text for training data. Keep the meaning. Every placeholder such\n"
	  "as [[E1]] stands for a name or value: copy each one exactly once, unchanged.\n"
	  "Reply with one JSON object and nothing else.\n"
	  "---\n"
	  "Paraphrase the text between the markers. Placeholders to keep: {{placeholders}}\n"
	  "\n"
	  "<<<CONTEXT\n{{text}}\nCONTEXT>>>\n"
	  "\n"
	  "Reply as JSON: {\"variant\": \"...\"}\n" },
	{ "summary",
	  "You summarise documents faithfully and briefly.\n"
	  "Reply with one JSON object and nothing else.\n"
	  "---\n"
	  "Summarise the text between the markers in at most three sentences.\n"
	  "\n"
	  "<<<CONTEXT\n{{text}}\nCONTEXT>>>\n"
	  "\n"
	  "Reply as JSON: {\"summary\": \"...\"}\n" },
	{ "suggest-labels",
	  "You label documents for a classification and named-entity dataset.\n"
	  "Use only the labels you are given. Reply with one JSON object and nothing else.\n"
	  "---\n"
	  "CLASSES: {{classes}}\n"
	  "ENTITY LABELS: {{entity_labels}}\n"
	  "\n"
	  "Pick the classes that fit the text between the markers, and list its entities:\n"
	  "each with its text copied exactly from the text and one of the entity labels.\n"
	  "\n"
	  "<<<CONTEXT\n{{text}}\nCONTEXT>>>\n"
	  "\n"
	  "Reply as JSON: {\"classes\": [\"...\"], \"entities\": [{\"text\": \"...\", \"label\": \"...\"}]}\n" },
	{ "judge",
	  "You grade generated training data. Reply with one JSON object and nothing else.\n"
	  "---\n"
	  "Grade this generated {{kind}} item from 1 (unusable) to 5 (excellent) by the rubric:\n"
	  "- faithful: nothing in it contradicts or goes beyond its source;\n"
	  "- useful: it would teach a model something worth learning;\n"
	  "- clear: it is well formed and unambiguous.\n"
	  "\n"
	  "<<<CONTEXT\n{{item}}\nCONTEXT>>>\n"
	  "\n"
	  "Reply as JSON: {\"score\": 1..5, \"rationale\": \"...\", \"criteria\": {\"faithful\": 1..5,"
	  " \"useful\": 1..5, \"clear\": 1..5}}\n" },
};
/* clang-format on */

const char *aug_template_default(const char *task)
{
	for (size_t i = 0; task && i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (!strcmp(defaults[i].task, task))
			return defaults[i].text;
	return NULL;
}

/* The length of the placeholder name at s (after "{{"), when "name}}" follows; else 0. */
static size_t name_len(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && ((*p >= 'a' && *p <= 'z') || *p == '_'))
		p++;
	if (p == s || end - p < 2 || p[0] != '}' || p[1] != '}')
		return 0;
	return (size_t)(p - s);
}

static int known(const char *name, size_t n, const char *const *names)
{
	for (; names && *names; names++)
		if (strlen(*names) == n && !memcmp(*names, name, n))
			return 1;
	return 0;
}

int aug_template_check(const char *text, size_t len, const char *where, const char *const *names)
{
	const char *p = text, *end = text + len;
	int line = 1;

	for (; p < end; p++) {
		if (*p == '\n')
			line++;
		if (end - p < 2 || p[0] != '{' || p[1] != '{')
			continue;
		if (end - p >= 4 && p[2] == '{' && p[3] == '{') {
			p += 3;
			continue;
		}
		size_t n = name_len(p + 2, end);
		if (!n) {
			const char *q = p + 2;
			while (q < end && q - p < 40 && *q != '\n' && *q != '}')
				q++;
			return error_set(ENCLAVE_EINVALID,
			                 "%s:%d: malformed placeholder '%.*s' (write {{name}},"
			                 " or {{{{ for a literal {{)",
			                 where, line, (int)(q - p), p);
		}
		if (!known(p + 2, n, names)) {
			struct buf list = BUF_INIT(4096);
			for (const char *const *k = names; k && *k; k++)
				if (buf_printf(&list, "%s{{%s}}", k == names ? "" : ", ", *k) < 0)
					break;
			error_set(ENCLAVE_EINVALID,
			          "%s:%d: unknown placeholder '{{%.*s}}' (known: %s)", where, line,
			          (int)n, p + 2, buf_cstr(&list));
			buf_release(&list);
			return ENCLAVE_EINVALID;
		}
		p += n + 3;
	}
	return 0;
}

/* Append text[0..len) to out with its placeholders replaced. */
static int render_part(struct buf *out, const char *text, size_t len, const char *const *names,
                       const char *const *values)
{
	const char *p = text, *end = text + len, *run = text;
	int error;

	while (p < end) {
		if (end - p >= 4 && !memcmp(p, "{{{{", 4)) {
			if ((error = buf_put(out, run, (size_t)(p - run))) < 0 ||
			    (error = buf_puts(out, "{{")) < 0)
				return error_buf(error, "prompt");
			p += 4;
			run = p;
			continue;
		}
		size_t n;
		if (end - p >= 2 && p[0] == '{' && p[1] == '{' && (n = name_len(p + 2, end))) {
			const char *v = "";
			for (size_t i = 0; names && names[i]; i++)
				if (strlen(names[i]) == n && !memcmp(names[i], p + 2, n)) {
					v = values[i] ? values[i] : "";
					break;
				}
			if ((error = buf_put(out, run, (size_t)(p - run))) < 0 ||
			    (error = buf_puts(out, v)) < 0)
				return error_buf(error, "prompt");
			p += n + 4;
			run = p;
			continue;
		}
		p++;
	}
	if ((error = buf_put(out, run, (size_t)(end - run))) < 0)
		return error_buf(error, "prompt");
	return 0;
}

/* Where the "---" line is: [*sys_end) ends the system part, *user starts the user part. */
static int split_parts(const char *text, size_t len, size_t *sys_end, size_t *user)
{
	size_t i = 0;

	while (i < len) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		size_t l = e - i;
		if (l && text[i + l - 1] == '\r')
			l--;
		if (l == 3 && !memcmp(text + i, "---", 3)) {
			*sys_end = i;
			*user = e < len ? e + 1 : e;
			return 1;
		}
		i = e + 1;
	}
	return 0;
}

int aug_template_render(struct buf *system, struct buf *user, const char *text, size_t len,
                        const char *const *names, const char *const *values)
{
	size_t sys_end, ustart;
	int error;

	if (split_parts(text, len, &sys_end, &ustart)) {
		while (sys_end > 0 && (text[sys_end - 1] == '\n' || text[sys_end - 1] == '\r'))
			sys_end--;
		if ((error = render_part(system, text, sys_end, names, values)) < 0)
			return error;
		return render_part(user, text + ustart, len - ustart, names, values);
	}
	return render_part(user, text, len, names, values);
}

void aug_template_release(struct aug_template *t)
{
	free(t->path);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 48)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

int aug_template_load(struct aug_template *out, enclave_project *p, const char *task,
                      const char *spec, const char *const *names)
{
	struct buf path = BUF_INIT(8192), text = BUF_INIT(TEMPLATE_MAX);
	const char *def = aug_template_default(task);
	char hex[65];
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (spec &&
	    (strchr(spec, '/') || (strlen(spec) > 3 && !strcmp(spec + strlen(spec) - 3, ".md")))) {
		const char *base = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
		size_t n = strlen(base);
		if (n > 3 && !strcmp(base + n - 3, ".md"))
			n -= 3;
		snprintf(out->name, sizeof(out->name), "%.*s", (int)(n < 63 ? n : 63), base);
		error = buf_puts(&path, spec);
	} else {
		const char *name = spec ? spec : task;
		if (!valid_name(name)) {
			error =
			    error_set(ENCLAVE_EINVALID,
			              "template name '%s': use [a-z0-9_-], or give a path", name);
			goto done;
		}
		snprintf(out->name, sizeof(out->name), "%s", name);
		error = buf_printf(&path, "%s/templates/%s.md", p->path, name);
		if (!error && !spec && !fs_exists(buf_cstr(&path)) && def) {
			/* First use: the built-in default, as a file to edit. */
			char *dir = strdup(buf_cstr(&path));
			if (!dir) {
				error = error_oom();
				goto done;
			}
			*strrchr(dir, '/') = '\0';
			if (fs_mkdirs(dir, 0755) < 0 ||
			    fs_write_atomic(buf_cstr(&path), def, strlen(def), 0644) < 0)
				error = error_set(ENCLAVE_EIO, "cannot write '%s': %s",
				                  buf_cstr(&path), strerror(errno));
			free(dir);
			if (error)
				goto done;
		}
	}
	if (error < 0) {
		error = error_buf(error, "template path");
		goto done;
	}
	if (fs_read_file(&text, buf_cstr(&path)) < 0) {
		error =
		    error_set(errno == ENOENT ? ENCLAVE_ENOTFOUND : ENCLAVE_EIO,
		              "cannot read template '%s': %s", buf_cstr(&path), strerror(errno));
		goto done;
	}
	if ((error = aug_template_check(buf_cstr(&text), text.len, buf_cstr(&path), names)) < 0)
		goto done;
	if ((error = blob_put(p, hex, buf_cstr(&text), text.len)) < 0)
		goto done;
	memcpy(out->sha256, hex, sizeof(out->sha256));
	out->len = text.len;
	out->text = buf_detach(&text, NULL);
	out->path = buf_detach(&path, NULL);
	if (!out->text || !out->path)
		error = error_oom();
done:
	buf_release(&path);
	buf_release(&text);
	if (error < 0)
		aug_template_release(out);
	return error;
}

int enclave_augment_templates_init(const char *dir)
{
	struct buf path = BUF_INIT(8192);
	int error = 0;

	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]) && !error; i++) {
		buf_clear(&path);
		if (buf_printf(&path, "%s/templates", dir) < 0) {
			error = error_oom();
			break;
		}
		if (fs_mkdirs(buf_cstr(&path), 0755) < 0) {
			error = error_set(ENCLAVE_EIO, "cannot make '%s': %s", buf_cstr(&path),
			                  strerror(errno));
			break;
		}
		if (buf_printf(&path, "/%s.md", defaults[i].task) < 0) {
			error = error_oom();
			break;
		}
		if (!fs_exists(buf_cstr(&path)) &&
		    fs_write_atomic(buf_cstr(&path), defaults[i].text, strlen(defaults[i].text),
		                    0644) < 0)
			error = error_set(ENCLAVE_EIO, "cannot write '%s': %s", buf_cstr(&path),
			                  strerror(errno));
	}
	buf_release(&path);
	return error;
}
