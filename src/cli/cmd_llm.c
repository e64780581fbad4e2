/*
 * enclave llm list [--json] | check NAME [--json]: the LLM endpoints of the
 * project config. `list` reads the config only and contacts nothing;
 * `check` asks the endpoint (through the egress guard) which models it
 * serves and whether the configured one is among them.
 */
#include <string.h>

#include "cli.h"

const struct cli_opt cmd_llm_opts[] = {
	{ "json", 0, NULL },
	{ NULL, 0, NULL },
};

static void print_endpoint(const struct enclave_llm_endpoint *ep, int json)
{
	size_t i;

	if (json) {
		printf("{\"name\":");
		cli_json_string(stdout, ep->name);
		printf(",\"kind\":\"%s\",\"base_url\":", enclave_llm_kind_name(ep->kind));
		cli_json_string(stdout, ep->base_url);
		printf(",\"model\":");
		cli_json_string(stdout, ep->model);
		printf(",\"timeout\":%g,\"connect_timeout\":%g,\"concurrency\":%d,\"retries\":%d,"
		       "\"api_key_env\":",
		       ep->timeout, ep->connect_timeout, ep->concurrency, ep->retries);
		cli_json_string(stdout, ep->api_key_env);
		printf(",\"allow\":[");
		if (!ep->nallow)
			printf("\"127.0.0.0/8\",\"::1\",\"localhost\"");
		for (i = 0; i < ep->nallow; i++) {
			printf(i ? "," : "");
			cli_json_string(stdout, ep->allow[i]);
		}
		printf("]}\n");
		return;
	}
	printf("%-16s %-7s %-24s %s\n", ep->name, enclave_llm_kind_name(ep->kind),
	       ep->model ? ep->model : "-", ep->base_url);
	printf("%-16s allow:", "");
	if (!ep->nallow)
		printf(" 127.0.0.0/8 ::1 localhost (loopback, the default)");
	for (i = 0; i < ep->nallow; i++)
		printf(" %s", ep->allow[i]);
	printf("\n");
}

/* Is `listed` the configured `model`? Ollama's "name" equals "name:latest". */
static int same_model(const char *listed, const char *model)
{
	size_t n = strlen(model);

	if (!strcmp(listed, model))
		return 1;
	return !strchr(model, ':') && !strncmp(listed, model, n) && !strcmp(listed + n, ":latest");
}

/* Contact the endpoint; print its models and whether ep->model is served. */
static int check(enclave_project *p, const struct enclave_llm_endpoint *ep, const char *cmd,
                 int json)
{
	struct enclave_llm_models m = { NULL, 0 };
	const struct enclave_llm_model *found = NULL;
	enclave_llm *llm = NULL;
	int rc = EXIT_OK, error;
	size_t i;

	if ((error = enclave_llm_new(&llm, ep, p)) < 0 ||
	    (error = enclave_llm_models_list(&m, llm)) < 0) {
		rc = cli_fail(cmd, error);
		goto done;
	}
	for (i = 0; i < m.count && ep->model && !found; i++)
		if (same_model(m.items[i].name, ep->model))
			found = &m.items[i];
	if (json) {
		printf("{\"name\":");
		cli_json_string(stdout, ep->name);
		printf(",\"kind\":\"%s\",\"model\":", enclave_llm_kind_name(ep->kind));
		cli_json_string(stdout, ep->model);
		printf(",\"served\":%s,\"digest\":", found ? "true" : "false");
		cli_json_string(stdout, found ? found->digest : NULL);
		printf(",\"models\":[");
		for (i = 0; i < m.count; i++) {
			printf("%s{\"name\":", i ? "," : "");
			cli_json_string(stdout, m.items[i].name);
			printf(",\"digest\":");
			cli_json_string(stdout, m.items[i].digest);
			if (m.items[i].size >= 0)
				printf(",\"size\":%lld", (long long)m.items[i].size);
			else
				printf(",\"size\":null");
			printf("}");
		}
		printf("]}\n");
	} else {
		printf("%s: %s at %s, %zu model%s\n", ep->name, enclave_llm_kind_name(ep->kind),
		       ep->base_url, m.count, m.count == 1 ? "" : "s");
		for (i = 0; i < m.count; i++)
			printf("  %-32s %s\n", m.items[i].name,
			       m.items[i].digest ? m.items[i].digest : "(no digest reported)");
	}
	if (!ep->model) {
		if (!json)
			printf("no model configured for '%s'\n", ep->name);
	} else if (found) {
		if (!json)
			printf("model '%s': served%s%s\n", ep->model,
			       found->digest ? ", digest " : "",
			       found->digest ? found->digest : "");
	} else {
		cli_error(cmd, "endpoint '%s' does not serve the model '%s'", ep->name, ep->model);
		rc = EXIT_FAIL;
	}
done:
	enclave_llm_models_release(&m);
	enclave_llm_free(llm);
	return rc;
}

int cmd_llm(struct cli_ctx *ctx, const char *name, int argc, char **argv)
{
	struct enclave_llm_config config = { NULL, 0 };
	const struct enclave_llm_endpoint *ep;
	enclave_project *p = NULL;
	struct cli_args a;
	const char *sub;
	int rc, json, error;
	size_t i;

	if ((rc = cli_parse(&a, cmd_llm_opts, name, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (!a.npos)
		return cli_usage(name, "give a subcommand: list or check NAME");
	sub = a.pos[0];
	json = cli_value(&a, cmd_llm_opts, "json") != NULL;
	if (!strcmp(sub, "list")) {
		if (a.npos != 1)
			return cli_usage(name, "list takes no arguments");
	} else if (!strcmp(sub, "check")) {
		if (a.npos != 2)
			return cli_usage(name, "check takes one endpoint NAME");
	} else {
		return cli_usage(name, "unknown subcommand '%s'", sub);
	}
	if ((rc = cli_open_project(&p, ctx, name)) != 0)
		return rc;
	if ((error = enclave_llm_config_load(&config, p)) < 0) {
		rc = cli_fail(name, error);
		goto done;
	}
	if (!strcmp(sub, "list")) {
		if (!config.count && !json)
			printf("no LLM endpoints configured (enclave.yaml, section llm:)\n");
		for (i = 0; i < config.count; i++)
			print_endpoint(&config.endpoints[i], json);
		rc = EXIT_OK;
	} else if (!(ep = enclave_llm_config_find(&config, a.pos[1]))) {
		cli_error(name, "no endpoint '%s' in the config (enclave llm list)", a.pos[1]);
		rc = EXIT_FAIL;
	} else {
		rc = check(p, ep, name, json);
	}
done:
	enclave_llm_config_release(&config);
	enclave_project_free(p);
	return rc;
}
