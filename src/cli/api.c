/* api.c - the REST calls of api.h and the translation of answers into exit codes and messages,
 * done here once for every command.  Error bodies are Partner Center's {"code",
 * "description", "data", "details": [{field, code, description}]} or, from the token endpoint,
 * OAuth2's {"error", "error_description"}. */
#include "api.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_api_open(struct cli_session *s, struct cli_http **h)
{
	char err[300];
	*h = NULL;
	int rc = cli_session_load(s, true);
	if (rc != CLI_OK)
		return rc;
	*h = cli_http_new(s->server, s->cacert, err, sizeof err);
	if (!*h)
		return cli_fail(CLI_ERROR, "%s", err);
	cli_http_set_token(*h, s->token);
	return CLI_OK;
}

void cli_api_close(struct cli_session *s, struct cli_http *h)
{
	cli_http_free(h);
	cli_config_free(&s->cfg);
}

int cli_api_rc(int status)
{
	if (status >= 200 && status < 300)
		return CLI_OK;
	if (status == 404)
		return CLI_NOTFOUND;
	if (status == 409 || status == 412)
		return CLI_CONFLICT;
	return CLI_ERROR;
}

static void append(char *buf, size_t cap, const char *sep, const char *s)
{
	size_t n = strlen(buf);
	if (s && *s && n + 1 < cap)
		snprintf(buf + n, cap - n, "%s%s", n ? sep : "", s);
}

void cli_api_error_text(const struct cli_resp *r, char *buf, size_t cap)
{
	json_t *o = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL, *d;
	size_t i;
	buf[0] = 0;
	if (!r->status)
		append(buf, cap, "", r->error);
	const char *desc = json_string_value(json_object_get(o, "description"));
	if (!desc)
		desc = json_string_value(json_object_get(o, "error_description"));
	json_t *details = json_object_get(o, "details");
	if (json_array_size(details) > 1 || !desc) {
		json_array_foreach(details, i, d) {
			append(buf, cap, "; ", json_string_value(json_object_get(d, "description")));
		}
	}
	if (!buf[0])
		append(buf, cap, "", desc);
	if (!buf[0] && r->status)
		snprintf(buf, cap, "HTTP %d", r->status);
	json_decref(o);
}

/* Partner Center answers a change the resource's state refuses (a suspended or deprovisioned
 * subscription: codes 2001, 2011) with 400; partnerctl counts it a conflict (exit 4). */
static int rc_of(const struct cli_resp *r)
{
	json_t *j = r->status == 400 && r->len ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	json_int_t code = json_integer_value(json_object_get(j, "code"));
	json_decref(j);
	return code == 2001 || code == 2011 ? CLI_CONFLICT : cli_api_rc(r->status);
}

int cli_api_report(const struct cli_resp *r)
{
	char text[2048];
	if (!r->status)
		return cli_fail(CLI_ERROR, "cannot reach the server: %s", r->error);
	if (r->status == 401)
		return cli_fail(CLI_ERROR, "the server refused the token (expired or revoked): run 'partnerctl login'");
	cli_api_error_text(r, text, sizeof text);
	return cli_fail(rc_of(r), "%s", text);
}

int cli_api_call(struct cli_http *h, const struct cli_call *c, json_t **out, struct cli_resp *resp)
{
	struct cli_req rq = {.method = c->method, .path = c->path};
	struct cli_resp r;
	char *body = c->body ? json_dumps(c->body, JSON_COMPACT) : NULL;
	memcpy(rq.headers, c->headers, sizeof c->headers);
	if (body)
		rq.ctype = "application/json", rq.body = body, rq.len = strlen(body);
	int sent = cli_http_call(h, &rq, &r);
	free(body);
	int rc = sent == 0 ? cli_api_rc(r.status) : CLI_ERROR;
	json_t *j = NULL;
	if (rc == CLI_OK && r.len && !(j = json_loadb(r.body, r.len, 0, NULL)))
		rc = cli_fail(CLI_ERROR, "the server's answer to %s is not JSON", c->path);
	else if (rc != CLI_OK && !(sent == 0 && r.status == c->expect))
		rc = cli_api_report(&r);
	if (out)
		*out = j;
	else
		json_decref(j);
	if (resp && rc == CLI_OK)
		*resp = r;
	else
		cli_resp_clear(&r);
	return rc;
}
