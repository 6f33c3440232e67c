/* webhooks.c - the commands of webhooks.h over /webhooks/v1/registration.  A change of the
 * registration is a read-modify-write like the subscriptions' (GET for the ETag and the
 * fields not given, PUT with If-Match: a change made meanwhile exits 4); a test event with
 * --wait is polled once a second until it is completed or failed (exit 0 / 1) or --timeout
 * passes (exit 1).  Tables for people, --json for scripts. */
#include "webhooks.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "listing.h"
#include "output.h"

#define REG "/webhooks/v1/registration"
#define N(a) (sizeof a / sizeof a[0])

static const struct cli_field reg_fields[] = {
	{"subscriberId", "SubscriberId"}, {"url", "WebhookUrl"}, {"events", "WebhookEvents"},
};
static const struct cli_field delivery_fields[] = {
	{"cursor", "cursor"}, {"eventName", "eventName"}, {"state", "state"}, {"attempts", "attemptCount"},
	{"updatedUtc", "updatedUtc"}, {"nextAttemptUtc", "nextAttemptUtc"},
};
static const struct cli_field attempt_fields[] = {
	{"attempt", "attempt"}, {"dateTimeUtc", "dateTimeUtc"}, {"httpStatus", "httpStatus"},
	{"responseCode", "responseCode"}, {"responseMessage", "responseMessage"},
};

static void print_reg(const struct cli_args *a, json_t *reg)
{
	if (cli_flag(a, "json"))
		cli_print_json(reg, stdout);
	else
		cli_show_object(reg, reg_fields, N(reg_fields), stdout);
}

int cli_cmd_webhooks_show(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = cli_show_get(h, a, REG, reg_fields, N(reg_fields));
	cli_api_close(&s, h);
	return rc;
}

int cli_cmd_webhooks_events(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	json_t *names = NULL, *name;
	size_t i;
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_GET, .path = REG "/events"}, &names, NULL);
	cli_api_close(&s, h);
	if (rc == CLI_OK && cli_flag(a, "json"))
		cli_print_json(names, stdout);
	else if (rc == CLI_OK) {
		json_array_foreach(names, i, name) {
			puts(json_string_value(name) ? json_string_value(name) : "");
		}
	}
	json_decref(names);
	return rc;
}

/* --events a,b,c as a JSON array into *out; a usage error for an empty name. */
static int events_arg(const char *list, json_t **out)
{
	json_t *arr = json_array();
	for (const char *p = list;; p++) {
		size_t n = strcspn(p, ",");
		if (!n) {
			json_decref(arr);
			return cli_fail(CLI_USAGE, "--events: an empty event name in '%s' (names are separated by commas)",
					list);
		}
		json_array_append_new(arr, json_stringn(p, n));
		p += n;
		if (!*p)
			break;
	}
	*out = arr;
	return CLI_OK;
}

/* The body of POST/PUT: --url and --events over what `cur` holds (cur may be NULL). */
static int reg_body(const struct cli_args *a, json_t *cur, json_t **body)
{
	json_t *events = NULL;
	const char *url = cli_arg(a, "url");
	int rc = cli_arg(a, "events") ? events_arg(cli_arg(a, "events"), &events) : CLI_OK;
	if (rc != CLI_OK)
		return rc;
	if (!events && cur)
		events = json_incref(json_object_get(cur, "WebhookEvents"));
	if (!url && cur)
		url = json_string_value(json_object_get(cur, "WebhookUrl"));
	*body = json_pack("{s:s?, s:o?}", "WebhookUrl", url, "WebhookEvents", events);
	return CLI_OK;
}

int cli_cmd_webhooks_register(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	json_t *body = NULL, *reg = NULL;
	if (!cli_arg(a, "url") || !cli_arg(a, "events"))
		return cli_fail(CLI_USAGE, "register needs --url and --events");
	int rc = reg_body(a, NULL, &body);
	if (rc == CLI_OK)
		rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_POST, .path = REG, .body = body}, &reg, NULL);
	cli_api_close(&s, h);
	if (rc == CLI_OK)
		print_reg(a, reg);
	json_decref(body);
	json_decref(reg);
	return rc;
}

/* GET the registration and its ETag (into etag, cap bytes). */
static int read_reg(struct cli_http *h, json_t **cur, char *etag, size_t cap)
{
	struct cli_resp resp = {0};
	int rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_GET, .path = REG}, cur, &resp);
	const char *e = rc == CLI_OK ? cli_resp_header(&resp, "ETag") : NULL;
	snprintf(etag, cap, "%s", e ? e : "");
	cli_resp_clear(&resp);
	return rc;
}

/* --if-match as the header wants it: quoted. */
static const char *if_match(const struct cli_args *a, const char *read, char *buf, size_t cap)
{
	const char *given = cli_arg(a, "if-match");
	if (!given)
		return *read ? read : NULL;
	snprintf(buf, cap, given[0] == '"' ? "%s" : "\"%s\"", given);
	return buf;
}

int cli_cmd_webhooks_update(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	json_t *cur = NULL, *body = NULL, *reg = NULL;
	char etag[128], quoted[160];
	if (!cli_arg(a, "url") && !cli_arg(a, "events"))
		return cli_fail(CLI_USAGE, "update needs --url, --events or both");
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = read_reg(h, &cur, etag, sizeof etag);
	if (rc == CLI_OK)
		rc = reg_body(a, cur, &body);
	if (rc == CLI_OK) {
		const char *im = if_match(a, etag, quoted, sizeof quoted);
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_PUT, .path = REG, .body = body,
						       .headers = {{im ? "If-Match" : NULL, im}}}, &reg, NULL);
	}
	cli_api_close(&s, h);
	if (rc == CLI_OK)
		print_reg(a, reg);
	json_decref(cur);
	json_decref(body);
	json_decref(reg);
	return rc;
}

int cli_cmd_webhooks_delete(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	char quoted[160];
	const char *im = if_match(a, "", quoted, sizeof quoted);
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_DELETE, .path = REG,
						       .headers = {{im ? "If-Match" : NULL, im}}}, NULL, NULL);
	cli_api_close(&s, h);
	if (rc == CLI_OK && cli_flag(a, "json"))
		puts("{\"state\": \"deleted\"}");
	else if (rc == CLI_OK)
		puts("Deleted the webhook registration and its delivery log: no more events are sent.");
	return rc;
}

/* ---- test events ---- */

static void print_attempts(json_t *attempts)
{
	struct cli_list l;
	json_t *x;
	size_t i;
	cli_list_open(&l, CLI_LIST_TABLE, stdout, attempt_fields, N(attempt_fields), "(no attempt yet)");
	json_array_foreach(attempts, i, x) {
		cli_list_add(&l, x);
	}
	cli_list_close(&l);
}

/* Polls the result of test `cid` once a second until it is not pending or `secs` have
 * passed; *res gets the last answer. */
static int follow(struct cli_http *h, const char *cid, long secs, json_t **res)
{
	char path[160];
	double until = cli_now(true) + (double)secs;
	snprintf(path, sizeof path, REG "/validationEvents/%s", cid);
	for (;;) {
		json_decref(*res);
		*res = NULL;
		int rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_GET, .path = path}, res, NULL);
		const char *st = json_string_value(json_object_get(*res, "status"));
		if (rc != CLI_OK || (st && strcmp(st, "pending")) || cli_now(true) >= until)
			return rc;
		nanosleep(&(struct timespec){.tv_sec = 1}, NULL);
	}
}

/* The exit code and the words for a followed test's last answer. */
static int test_outcome(const struct cli_args *a, json_t *res, long secs)
{
	const char *st = json_string_value(json_object_get(res, "status"));
	if (cli_flag(a, "json"))
		cli_print_json(res, stdout);
	else {
		printf("status  %s\n", st ? st : "?");
		print_attempts(json_object_get(res, "results"));
	}
	if (st && !strcmp(st, "completed"))
		return CLI_OK;
	if (st && !strcmp(st, "failed"))
		return cli_fail(CLI_ERROR, "the test event was not delivered (every attempt failed; see above)");
	return cli_fail(CLI_ERROR, "the test event is still pending after %ld seconds", secs);
}

int cli_cmd_webhooks_test(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	json_t *sent = NULL, *res = NULL;
	long secs = 60;
	bool wait = cli_flag(a, "wait");
	int rc = cli_arg_long(a, "timeout", 1, 3600, 60, &secs);
	if (rc == CLI_OK && cli_arg(a, "timeout") && !wait)
		rc = cli_fail(CLI_USAGE, "--timeout goes with --wait");
	if (rc == CLI_OK)
		rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_POST, .path = REG "/validationEvents"}, &sent,
				  NULL);
	const char *cid = json_string_value(json_object_get(sent, "correlationId"));
	if (rc == CLI_OK && !cid)
		rc = cli_fail(CLI_ERROR, "the server's answer has no correlationId");
	if (rc == CLI_OK && wait) {
		fprintf(stderr, "partnerctl: test event %s sent; waiting for its delivery...\n", cid);
		rc = follow(h, cid, secs, &res);
		if (rc == CLI_OK)
			rc = test_outcome(a, res, secs);
	} else if (rc == CLI_OK && cli_flag(a, "json")) {
		cli_print_json(sent, stdout);
	} else if (rc == CLI_OK) {
		printf("correlationId  %s\n", cid);
	}
	cli_api_close(&s, h);
	json_decref(sent);
	json_decref(res);
	return rc;
}

/* ---- the delivery log ---- */

int cli_cmd_webhooks_deliveries(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = cli_list_get(h, a, REG "/deliveries?size=100", delivery_fields, N(delivery_fields), "(no deliveries)");
	cli_api_close(&s, h);
	return rc;
}

int cli_cmd_webhooks_redeliver(const struct cli_args *a)
{
	struct cli_session s = {0};
	struct cli_http *h = NULL;
	json_t *d = NULL;
	char path[128];
	const char *c = a->pos[0];
	if (!*c || strspn(c, "0123456789") != strlen(c) || strlen(c) > 18 || strspn(c, "0") == strlen(c))
		return cli_fail(CLI_USAGE, "CURSOR must be a delivery's cursor (a positive number), not '%s'", c);
	snprintf(path, sizeof path, REG "/deliveries/%s/redeliver", c);
	int rc = cli_api_open(&s, &h);
	if (rc == CLI_OK)
		rc = cli_api_call(h, &(struct cli_call){.method = EVHTTP_REQ_POST, .path = path}, &d, NULL);
	cli_api_close(&s, h);
	if (rc == CLI_OK && cli_flag(a, "json"))
		cli_print_json(d, stdout);
	else if (rc == CLI_OK)
		printf("Event %s (%s) is queued for delivery again.\n", c,
		       json_string_value(json_object_get(d, "eventName")) ? json_string_value(json_object_get(d, "eventName"))
									   : "?");
	json_decref(d);
	return rc;
}
