/* http.c - the evhttp client of http.h.  A response is copied out of libevent's request into
 * a struct cli_resp (body and headers malloc'd) before the caller's callback runs, so callers
 * never touch libevent types and libevent frees its request as usual. */
#include "http.h"
#include <event2/buffer.h>
#include <event2/event.h>
#include <ctype.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"

#define TIMEOUT_SECONDS 60

struct cli_http {
	struct event_base *base;
	char *host, *hostport, *prefix, *auth, *origin;
	const char *locale;
	unsigned short port;
	struct cli_conn *own;
};

struct cli_conn {
	struct cli_http *h;
	struct evhttp_connection *ev;
	cli_done_fn done;
	void *arg;
	char error[96];
};

/* host, port and path prefix of the server, and their canonical spelling (origin). */
static void set_address(struct cli_http *h, const char *host, int port, const char *path)
{
	char buf[1024];
	size_t n = path ? strlen(path) : 0;
	while (n && path[n - 1] == '/')
		n--;
	h->port = (unsigned short)(port > 0 ? port : 80);
	h->host = strdup(host);
	h->prefix = strndup(path ? path : "", n);
	snprintf(buf, sizeof buf, "%s:%u", host, h->port);
	h->hostport = strdup(buf);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	n = strlen(buf) + strlen(h->prefix ? h->prefix : "") + sizeof "http://";
	if ((h->origin = malloc(n)))
		snprintf(h->origin, n, "http://%s%s", buf, h->prefix ? h->prefix : "");
}

static int parse_url(struct cli_http *h, const char *url, char *err, size_t cap)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s%s", strstr(url, "://") ? "" : "http://", url);
	struct evhttp_uri *u = evhttp_uri_parse(buf);
	const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL, *host = u ? evhttp_uri_get_host(u) : NULL;
	int rc = -1;
	if (!scheme || !host || !*host)
		snprintf(err, cap, "not a server URL: %s", url);
	else if (strcasecmp(scheme, "http") != 0)
		snprintf(err, cap, "%s: only http:// servers are supported by this build", url);
	else
		rc = 0;
	if (rc == 0)
		set_address(h, host, evhttp_uri_get_port(u), evhttp_uri_get_path(u));
	evhttp_uri_free(u);
	return rc == 0 && h->host && h->prefix && h->hostport && h->origin ? 0 : -1;
}

struct cli_http *cli_http_new(const char *url, char *err, size_t cap)
{
	struct cli_http *h = calloc(1, sizeof *h);
	snprintf(err, cap, "out of memory");
	if (h && (h->base = event_base_new()) && parse_url(h, url, err, cap) == 0 && (h->own = cli_conn_new(h))) {
		h->locale = cli_locale_tag(cli_locale());
		return h;
	}
	cli_http_free(h);
	return NULL;
}

void cli_http_free(struct cli_http *h)
{
	if (!h)
		return;
	cli_conn_free(h->own);
	if (h->base)
		event_base_free(h->base);
	free(h->host);
	free(h->hostport);
	free(h->prefix);
	free(h->origin);
	if (h->auth)
		memset(h->auth, 0, strlen(h->auth));
	free(h->auth);
	free(h);
}

void cli_http_set_token(struct cli_http *h, const char *token)
{
	char buf[1024];
	free(h->auth);
	h->auth = NULL;
	if (token && snprintf(buf, sizeof buf, "Bearer %s", token) < (int)sizeof buf)
		h->auth = strdup(buf);
	memset(buf, 0, sizeof buf);
}

const char *cli_http_origin(const struct cli_http *h)
{
	return h->origin;
}

struct event_base *cli_http_base(struct cli_http *h)
{
	return h->base;
}

struct cli_conn *cli_conn_new(struct cli_http *h)
{
	struct cli_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->h = h;
	c->ev = evhttp_connection_base_new(h->base, NULL, h->host, h->port);
	if (!c->ev) {
		free(c);
		return NULL;
	}
	evhttp_connection_set_timeout(c->ev, TIMEOUT_SECONDS);
	return c;
}

void cli_conn_free(struct cli_conn *c)
{
	if (!c)
		return;
	evhttp_connection_free(c->ev);
	free(c);
}

static void on_error(enum evhttp_request_error e, void *arg)
{
	struct cli_conn *c = arg;
	const char *why = e == EVREQ_HTTP_TIMEOUT ? "timed out" : e == EVREQ_HTTP_EOF ? "connection closed"
						  : e == EVREQ_HTTP_INVALID_HEADER ? "invalid response"
						  : "connection failed";
	snprintf(c->error, sizeof c->error, "%s", why);
}

static void copy_response(struct evhttp_request *req, struct cli_resp *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq *hs = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	size_t n = 0;
	r->status = evhttp_request_get_response_code(req);
	r->len = evbuffer_get_length(in);
	r->body = malloc(r->len + 1);
	if (r->body) {
		evbuffer_remove(in, r->body, r->len);
		r->body[r->len] = 0;
	}
	TAILQ_FOREACH(kv, hs, next)
		n++;
	r->hdrs = calloc(n ? n : 1, sizeof *r->hdrs);
	TAILQ_FOREACH(kv, hs, next) {
		if (r->hdrs)
			r->hdrs[r->nhdrs++] = (struct cli_hdr){strdup(kv->key), strdup(kv->value)};
	}
}

static void on_done(struct evhttp_request *req, void *arg)
{
	struct cli_conn *c = arg;
	struct cli_resp r = {0};
	if (req && evhttp_request_get_response_code(req) > 0)
		copy_response(req, &r);
	else
		snprintf(r.error, sizeof r.error, "%s: %s", c->h->hostport, c->error[0] ? c->error : "no response");
	c->error[0] = 0;
	cli_done_fn done = c->done;
	c->done = NULL;
	done(&r, c->arg);
}

static void add_headers(struct cli_conn *c, struct evhttp_request *req, const struct cli_req *rq)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Host", c->h->hostport);
	evhttp_add_header(out, "Accept", "application/json");
	evhttp_add_header(out, "User-Agent", "partnerctl");
	evhttp_add_header(out, "X-Locale", c->h->locale);
	if (c->h->auth)
		evhttp_add_header(out, "Authorization", c->h->auth);
	for (int i = 0; i < 4 && rq->headers[i][0]; i++)
		evhttp_add_header(out, rq->headers[i][0], rq->headers[i][1]);
	if (rq->ctype) {
		/* libevent 2.1 adds Content-Length for POST and PUT only, not for PATCH */
		char len[32];
		snprintf(len, sizeof len, "%zu", rq->len);
		evhttp_add_header(out, "Content-Type", rq->ctype);
		evhttp_add_header(out, "Content-Length", len);
		evbuffer_add(evhttp_request_get_output_buffer(req), rq->body, rq->len);
	}
}

int cli_conn_send(struct cli_conn *c, const struct cli_req *rq, cli_done_fn done, void *arg)
{
	char uri[4096];
	if (snprintf(uri, sizeof uri, "%s%s", c->h->prefix, rq->path) >= (int)sizeof uri)
		return -1;
	struct evhttp_request *req = evhttp_request_new(on_done, c);
	if (!req)
		return -1;
	evhttp_request_set_error_cb(req, on_error);
	add_headers(c, req, rq);
	c->done = done;
	c->arg = arg;
	return evhttp_make_request(c->ev, req, rq->method, uri);
}

struct sync {
	struct cli_resp *out;
	int done;
};

static void sync_done(struct cli_resp *r, void *arg)
{
	struct sync *s = arg;
	*s->out = *r;
	s->done = 1;
}

int cli_http_call(struct cli_http *h, const struct cli_req *rq, struct cli_resp *out)
{
	memset(out, 0, sizeof *out);
	struct sync s = {out, 0};
	if (cli_conn_send(h->own, rq, sync_done, &s) != 0) {
		snprintf(out->error, sizeof out->error, "cannot send the request to %s", h->hostport);
		return -1;
	}
	while (!s.done && event_base_loop(h->base, EVLOOP_ONCE) == 0)
		;
	return out->status ? 0 : -1;
}

const char *cli_resp_header(const struct cli_resp *r, const char *name)
{
	for (size_t i = 0; i < r->nhdrs; i++)
		if (r->hdrs[i].name && !strcasecmp(r->hdrs[i].name, name))
			return r->hdrs[i].value;
	return NULL;
}

void cli_resp_clear(struct cli_resp *r)
{
	for (size_t i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->hdrs);
	free(r->body);
	memset(r, 0, sizeof *r);
}

char *cli_http_encode(const char *s)
{
	return evhttp_uriencode(s, -1, 0);
}
