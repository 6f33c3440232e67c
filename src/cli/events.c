/* events.c - `events tail` of events.h.  From --after N, --from-start (0) or by default the
 * partner's last cursor now (after=latest), it reads pages of up to 100 events, prints them and
 * goes on from the page's cursor: with wait=30 while following, so an event is printed as soon
 * as it commits.  A server that does not answer, or answers 5xx or 429, is asked again after
 * 1, 2, 4 ... 30 seconds from the same cursor (said on stderr), so nothing is missed and
 * nothing printed twice across a restart.  Any other refusal (401, 403, 410: the cursor is
 * older than the retention) ends it with the server's message. */
#include "events.h"
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api.h"
#include "cli.h"

#define PAGE 100
#define WAIT 30
#define BACKOFF_MAX 30

struct tail {
	struct cli_http *h;
	long long after;
	bool latest, json, follow;
	long count, printed; /* count 0: no end */
};

static void print_event(struct tail *t, json_t *e)
{
	if (t->json) {
		char *line = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (line)
			printf("%s\n", line);
		free(line);
	} else {
		printf("%lld  %s  %-24s  %s\n", (long long)json_integer_value(json_object_get(e, "cursor")),
		       json_string_value(json_object_get(e, "resourceChangeUtcDate")),
		       json_string_value(json_object_get(e, "eventName")),
		       json_string_value(json_object_get(e, "resourceUri")));
	}
	fflush(stdout);
	t->printed++;
}

/* A status worth asking again for: no answer, the server busy, restarting or failing. */
static bool retriable(int status)
{
	return status == 0 || status == 429 || status >= 500;
}

/* One page: CLI_OK with *page; -1 for a retriable failure (resp->error / status say); else an
 * exit code after the server's message. */
static int fetch(struct tail *t, json_t **page, struct cli_resp *resp)
{
	char path[128];
	if (t->latest)
		snprintf(path, sizeof path, "/v1/events?after=latest&size=1");
	else
		snprintf(path, sizeof path, "/v1/events?after=%lld&size=%d&wait=%d", t->after, PAGE,
			 t->follow ? WAIT : 0);
	struct cli_req rq = {.method = EVHTTP_REQ_GET, .path = path};
	memset(resp, 0, sizeof *resp);
	if (cli_http_call(t->h, &rq, resp) != 0 || retriable(resp->status))
		return -1;
	if (resp->status != 200)
		return cli_api_report(resp);
	*page = json_loadb(resp->body, resp->len, 0, NULL);
	if (!json_is_object(*page) || !json_is_integer(json_object_get(*page, "cursor"))) {
		json_decref(*page);
		return cli_fail(CLI_ERROR, "events tail: the server's answer is not a page of the feed");
	}
	return CLI_OK;
}

/* Prints the page's events (up to --count); false once --count is reached. */
static bool take_page(struct tail *t, json_t *page)
{
	json_t *e;
	size_t i;
	if (t->latest) {
		t->latest = false;
		t->after = json_integer_value(json_object_get(page, "cursor"));
		return true;
	}
	json_array_foreach(json_object_get(page, "items"), i, e) {
		if (t->count && t->printed >= t->count)
			return false;
		print_event(t, e);
		t->after = json_integer_value(json_object_get(e, "cursor"));
	}
	if (!json_array_size(json_object_get(page, "items")))
		t->after = json_integer_value(json_object_get(page, "cursor"));
	return !(t->count && t->printed >= t->count);
}

/* Says why it waits, once per outage, and how long. */
static void report_retry(const struct tail *t, const struct cli_resp *r, int delay, bool first)
{
	char why[600];
	if (r->status)
		snprintf(why, sizeof why, "HTTP %d", r->status);
	else
		snprintf(why, sizeof why, "%s", *r->error ? r->error : "no answer");
	fprintf(stderr, "partnerctl: events tail: the server did not answer (%s); %s in %d s after cursor %lld\n",
		why, first ? "retrying" : "retrying again", delay, t->after);
}

static int run(struct tail *t)
{
	int delay = 0;
	for (;;) {
		json_t *page = NULL;
		struct cli_resp resp;
		int rc = fetch(t, &page, &resp);
		if (rc > 0 || (rc == 0 && !page)) {
			cli_resp_clear(&resp);
			return rc;
		}
		if (rc < 0) {
			delay = delay ? (delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : delay * 2) : 1;
			report_retry(t, &resp, delay, delay == 1);
			cli_resp_clear(&resp);
			sleep((unsigned)delay);
			continue;
		}
		cli_resp_clear(&resp);
		if (delay)
			fprintf(stderr, "partnerctl: events tail: the server answers again; going on after cursor %lld\n",
				t->after);
		delay = 0;
		bool more = json_object_get(page, "continuationToken") != NULL;
		bool go_on = take_page(t, page);
		json_decref(page);
		if (!go_on || (!t->follow && !more && !t->latest))
			return CLI_OK;
	}
}

int cli_cmd_events_tail(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct tail t = {.json = cli_flag(a, "json"), .follow = !cli_flag(a, "no-follow")};
	long after = -1;
	int rc = cli_arg_long(a, "after", 0, LONG_MAX, -1, &after);
	if (rc == CLI_OK)
		rc = cli_arg_long(a, "count", 1, LONG_MAX, 0, &t.count);
	if (rc == CLI_OK && after >= 0 && cli_flag(a, "from-start"))
		rc = cli_fail(CLI_USAGE, "events tail: --after or --from-start, not both");
	if (rc != CLI_OK)
		return rc;
	t.after = cli_flag(a, "from-start") ? 0 : after;
	t.latest = t.after < 0;
	rc = cli_api_open(&s, &t.h);
	if (rc == CLI_OK)
		rc = run(&t);
	cli_api_close(&s, t.h);
	return rc;
}
