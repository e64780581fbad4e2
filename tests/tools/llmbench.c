/*
 * llmbench: drive the LLM client (enclave_llm_chat_many) against an
 * endpoint, for bench/llm_client.sh. Requests go in rounds of --round jobs
 * (each round's replies checked and released before the next, so that
 * memory is what the client holds, not what the bench keeps).
 *
 * Usage: llmbench --url BASE_URL [--kind ollama|openai] [--n N] [--in-flight K]
 *                 [--stream] [--round R]
 * Prints one line: requests, errors, seconds, requests/s, completion tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enclave.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct enclave_llm_endpoint ep;
	struct enclave_llm_message *msgs;
	struct enclave_llm_request *reqs;
	struct enclave_llm_job *jobs;
	char(*texts)[48];
	const char *url = NULL;
	long n = 1000, round = 1024, done = 0, errors = 0, tokens = 0, i;
	int in_flight = 16, stream = 0, kind = ENCLAVE_LLM_OLLAMA;
	enclave_llm *llm;
	double t0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--url") && i + 1 < argc)
			url = argv[++i];
		else if (!strcmp(argv[i], "--kind") && i + 1 < argc)
			kind =
			    !strcmp(argv[++i], "openai") ? ENCLAVE_LLM_OPENAI : ENCLAVE_LLM_OLLAMA;
		else if (!strcmp(argv[i], "--n") && i + 1 < argc)
			n = atol(argv[++i]);
		else if (!strcmp(argv[i], "--in-flight") && i + 1 < argc)
			in_flight = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--round") && i + 1 < argc)
			round = atol(argv[++i]);
		else if (!strcmp(argv[i], "--stream"))
			stream = 1;
		else
			url = NULL, i = argc;
	}
	if (!url || n < 1 || round < 1 || in_flight < 1) {
		fprintf(stderr, "usage: llmbench --url BASE_URL [--kind ollama|openai] [--n N]"
		                " [--in-flight K] [--stream] [--round R]\n");
		return 2;
	}
	memset(&ep, 0, sizeof(ep));
	ep.version = ENCLAVE_LLM_ENDPOINT_VERSION;
	ep.name = "bench";
	ep.kind = (enum enclave_llm_kind)kind;
	ep.base_url = (char *)url;
	ep.model = "fake";
	ep.timeout = 60;
	ep.connect_timeout = 5;
	ep.concurrency = in_flight;
	ep.retries = 0;
	if (enclave_llm_new(&llm, &ep, NULL) < 0) {
		fprintf(stderr, "llmbench: %s\n", enclave_error_last());
		return 1;
	}
	msgs = calloc((size_t)round, sizeof(*msgs));
	reqs = calloc((size_t)round, sizeof(*reqs));
	jobs = calloc((size_t)round, sizeof(*jobs));
	texts = calloc((size_t)round, sizeof(*texts));
	if (!msgs || !reqs || !jobs || !texts)
		return 1;
	t0 = now();
	while (done < n) {
		long k = n - done < round ? n - done : round;
		for (i = 0; i < k; i++) {
			struct enclave_llm_request init = ENCLAVE_LLM_REQUEST_INIT;
			snprintf(texts[i], sizeof(texts[i]), "request number %ld of the bench",
			         done + i);
			msgs[i].role = "user";
			msgs[i].content = texts[i];
			reqs[i] = init;
			reqs[i].messages = &msgs[i];
			reqs[i].nmessages = 1;
			reqs[i].stream = stream;
			jobs[i].req = &reqs[i];
		}
		if (enclave_llm_chat_many(llm, jobs, (size_t)k, in_flight) < 0) {
			fprintf(stderr, "llmbench: %s\n", enclave_error_last());
			return 1;
		}
		for (i = 0; i < k; i++) {
			if (jobs[i].error ||
			    strncmp(jobs[i].reply.content, "ECHO: REQUEST NUMBER", 20)) {
				if (errors++ < 3)
					fprintf(stderr, "llmbench: request %ld: %s\n", done + i,
					        jobs[i].message ? jobs[i].message
					                        : "unexpected reply");
			} else {
				tokens += jobs[i].reply.completion_tokens;
			}
		}
		enclave_llm_jobs_release(jobs, (size_t)k);
		done += k;
	}
	{
		double s = now() - t0;
		printf(
		    "requests %ld errors %ld seconds %.3f req_per_s %.1f completion_tokens %ld\n",
		    n, errors, s, (double)n / s, tokens);
	}
	enclave_llm_free(llm);
	free(msgs);
	free(reqs);
	free(jobs);
	free(texts);
	return errors ? 1 : 0;
}
