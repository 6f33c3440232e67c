/* http.c - the libcurl client of http.h: one curl multi handle driven by the client's libevent
 * base (curl's socket and timer callbacks become events), so the synchronous calls, import's
 * concurrent requests and import's own timers and signals share one loop.  Each cli_conn is one
 * easy handle; the multi handle's connection cache keeps the connections alive between
 * requests (and multiplexes them where the server offers HTTP/2).  https verifies the peer
 * against the system CA store or the client's --cacert file; proxies come from the environment
 * (https_proxy, no_proxy: libcurl's defaults); redirects are never followed.  A response is
 * copied into a struct cli_resp (body and headers malloc'd) before the caller's callback runs. */
#include "http.h"
#include <curl/curl.h>
#include <event2/event.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli.h"

#define TIMEOUT_SECONDS 60L
#define CONNECT_SECONDS 15L

struct cli_http {
	bool curl_ready;            /* curl_global_init done: curl_global_cleanup at the end */
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	char *origin, *auth, *cacert;
	const char *locale;
	struct cli_conn *own;
};

struct cli_conn {
	struct cli_http *h;
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	struct cli_resp resp;
	size_t cap;
	cli_done_fn done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
};

/* ---- the URL ---- */

/* scheme://host:port/path in lower case (the path as given), no trailing slash. */
static char *canonical(CURLU *u, const char *scheme)
{
	char *host = NULL, *port = NULL, *path = NULL, *out = NULL;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
		size_t n = strlen(path);
		while (n && path[n - 1] == '/')
			n--;
		for (char *p = host; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		size_t len = strlen(scheme) + strlen(host) + strlen(port) + n + 8;
		if ((out = malloc(len)))
			snprintf(out, len, "%s://%s:%s%.*s", scheme, host, port, (int)n, path);
	}
	curl_free(host);
	curl_free(port);
	curl_free(path);
	return out;
}

static int parse_url(struct cli_http *h, const char *url, char *err, size_t cap)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	int rc = -1;
	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_DEFAULT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) {
		if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))
			snprintf(err, cap, "%s: only http:// and https:// servers are supported", url);
		else if (!(h->origin = canonical(u, strcasecmp(scheme, "https") ? "http" : "https")))
			snprintf(err, cap, "out of memory");
		else
			rc = 0;
	} else {
		snprintf(err, cap, "not a server URL: %s", url);
	}
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

/* ---- curl on the event loop ---- */

static void check_done(struct cli_http *h);

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct cli_http *h = arg;
	int running, flags = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
	curl_multi_socket_action(h->multi, fd, flags, &running);
	check_done(h);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct cli_http *h = arg;
	int running;
	(void)fd, (void)what;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
}

/* CURLMOPT_SOCKETFUNCTION: one persistent event per socket curl watches. */
static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct cli_http *h = userp;
	struct event *ev = socketp;
	(void)e;
	if (ev) {
		event_free(ev);
		curl_multi_assign(h->multi, s, NULL);
	}
	if (what == CURL_POLL_REMOVE)
		return 0;
	short kind = (short)(EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0));
	ev = event_new(h->base, s, kind, on_socket_event, h);
	if (!ev || event_add(ev, NULL) != 0) {
		if (ev)
			event_free(ev);
		return -1;
	}
	curl_multi_assign(h->multi, s, ev);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION */
static int timer_cb(CURLM *m, long ms, void *userp)
{
	struct cli_http *h = userp;
	(void)m;
	if (ms < 0)
		return evtimer_del(h->timer);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	return evtimer_add(h->timer, &tv);
}

/* ---- the client ---- */

struct cli_http *cli_http_new(const char *url, const char *cacert, char *err, size_t cap)
{
	struct cli_http *h = calloc(1, sizeof *h);
	snprintf(err, cap, "out of memory");
	if (!h || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto fail;
	h->curl_ready = true;
	if (!(h->base = event_base_new()) || !(h->multi = curl_multi_init()) ||
	    !(h->timer = evtimer_new(h->base, on_timer, h)) || (cacert && !(h->cacert = strdup(cacert))))
		goto fail;
	if (parse_url(h, url, err, cap) != 0)
		goto fail;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	if (!(h->own = cli_conn_new(h)))
		goto fail;
	h->locale = cli_locale_tag(cli_locale());
	return h;
fail:
	cli_http_free(h);
	return NULL;
}

void cli_http_free(struct cli_http *h)
{
	if (!h)
		return;
	cli_conn_free(h->own);
	if (h->multi)
		curl_multi_cleanup(h->multi); /* closes the cached connections (sock_cb frees their events) */
	if (h->timer)
		event_free(h->timer);
	if (h->base)
		event_base_free(h->base);
	if (h->curl_ready)
		curl_global_cleanup();
	free(h->origin);
	free(h->cacert);
	if (h->auth)
		memset(h->auth, 0, strlen(h->auth));
	free(h->auth);
	free(h);
}

void cli_http_set_token(struct cli_http *h, const char *token)
{
	char buf[1024];
	if (h->auth)
		memset(h->auth, 0, strlen(h->auth));
	free(h->auth);
	h->auth = NULL;
	if (token && snprintf(buf, sizeof buf, "Authorization: Bearer %s", token) < (int)sizeof buf)
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
	if (c && !(c->easy = curl_easy_init())) {
		free(c);
		c = NULL;
	}
	if (c)
		c->h = h;
	return c;
}

static void reset_request(struct cli_conn *c)
{
	curl_slist_free_all(c->hdrs);
	c->hdrs = NULL;
	free(c->body);
	c->body = NULL;
	cli_resp_clear(&c->resp);
	c->cap = 0;
}

void cli_conn_free(struct cli_conn *c)
{
	if (!c)
		return;
	if (c->done)
		curl_multi_remove_handle(c->h->multi, c->easy);
	curl_easy_cleanup(c->easy);
	reset_request(c);
	free(c);
}

/* ---- one request ---- */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct cli_conn *c = arg;
	struct cli_resp *r = &c->resp;
	size_t len = size * n;
	if (r->len + len + 1 > c->cap) {
		size_t cap = (r->len + len + 1) * 2;
		char *bigger = realloc(r->body, cap);
		if (!bigger)
			return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
		r->body = bigger;
		c->cap = cap;
	}
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = 0;
	return len;
}

static void clear_headers(struct cli_resp *r)
{
	for (size_t i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->hdrs);
	r->hdrs = NULL;
	r->nhdrs = 0;
}

/* "Name: value\r\n" lines; a status line starts a response afresh (after a 100 Continue). */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct cli_resp *r = &((struct cli_conn *)arg)->resp;
	size_t len = size * n, k = len;
	const char *colon = memchr(data, ':', len);
	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		clear_headers(r);
		return len;
	}
	while (k && (data[k - 1] == '\r' || data[k - 1] == '\n'))
		k--;
	if (!colon || colon >= data + k)
		return len;
	const char *v = colon + 1;
	while (v < data + k && (*v == ' ' || *v == '\t'))
		v++;
	struct cli_hdr *more = realloc(r->hdrs, (r->nhdrs + 1) * sizeof *more);
	if (!more)
		return 0;
	r->hdrs = more;
	r->hdrs[r->nhdrs++] = (struct cli_hdr){strndup(data, (size_t)(colon - data)), strndup(v, (size_t)(data + k - v))};
	return len;
}

static const char *method_name(enum evhttp_cmd_type m)
{
	return m == EVHTTP_REQ_POST ? "POST" : m == EVHTTP_REQ_PUT ? "PUT" : m == EVHTTP_REQ_PATCH ? "PATCH"
	     : m == EVHTTP_REQ_DELETE ? "DELETE" : m == EVHTTP_REQ_HEAD ? "HEAD" : "GET";
}

static int add_header(struct cli_conn *c, const char *name, const char *value)
{
	char line[2048];
	if (snprintf(line, sizeof line, "%s: %s", name, value) >= (int)sizeof line)
		return -1;
	struct curl_slist *l = curl_slist_append(c->hdrs, line);
	if (!l)
		return -1;
	c->hdrs = l;
	return 0;
}

static int build_headers(struct cli_conn *c, const struct cli_req *rq)
{
	struct curl_slist *l;
	int rc = add_header(c, "Accept", "application/json") | add_header(c, "X-Locale", c->h->locale) |
		 add_header(c, "Expect", "");
	for (int i = 0; i < 4 && rq->headers[i][0]; i++)
		rc |= add_header(c, rq->headers[i][0], rq->headers[i][1]);
	if (rq->ctype)
		rc |= add_header(c, "Content-Type", rq->ctype);
	if (c->h->auth && (l = curl_slist_append(c->hdrs, c->h->auth)))
		c->hdrs = l;
	else if (c->h->auth)
		rc = -1;
	return rc;
}

static void set_transport(struct cli_conn *c)
{
	CURL *e = c->easy;
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->h->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->h->cacert);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, TIMEOUT_SECONDS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, CONNECT_SECONDS);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "partnerctl");
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
}

static int set_request(struct cli_conn *c, const struct cli_req *rq, const char *url)
{
	CURL *e = c->easy;
	curl_easy_reset(e);
	set_transport(c);
	if (build_headers(c, rq) != 0)
		return -1;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdrs);
	if (rq->method == EVHTTP_REQ_HEAD)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (rq->method != EVHTTP_REQ_GET)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method_name(rq->method));
	if (rq->ctype) {
		if (!(c->body = malloc(rq->len ? rq->len : 1)))
			return -1;
		memcpy(c->body, rq->body, rq->len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
	}
	return 0;
}

int cli_conn_send(struct cli_conn *c, const struct cli_req *rq, cli_done_fn done, void *arg)
{
	char url[4096];
	if (c->done || snprintf(url, sizeof url, "%s%s", c->h->origin, rq->path) >= (int)sizeof url)
		return -1;
	reset_request(c);
	c->errbuf[0] = 0;
	if (set_request(c, rq, url) != 0 || curl_multi_add_handle(c->h->multi, c->easy) != CURLM_OK) {
		reset_request(c);
		return -1;
	}
	c->done = done;
	c->arg = arg;
	return 0;
}

/* ---- the answer ---- */

static void describe_failure(struct cli_conn *c, CURLcode code, struct cli_resp *r)
{
	const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(code);
	const char *origin = c->h->origin;
	if (code == CURLE_PEER_FAILED_VERIFICATION)
		snprintf(r->error, sizeof r->error, "%s: the server's certificate is not trusted (use --cacert FILE): %s",
			 origin, why);
	else if (code == CURLE_SSL_CACERT_BADFILE)
		snprintf(r->error, sizeof r->error, "%s: cannot use the CA file %s: %s", origin,
			 c->h->cacert ? c->h->cacert : "(system store)", why);
	else if (code == CURLE_SSL_CONNECT_ERROR)
		snprintf(r->error, sizeof r->error, "%s: the TLS handshake failed (is it an https server?): %s", origin, why);
	else if (code == CURLE_OPERATION_TIMEDOUT)
		snprintf(r->error, sizeof r->error, "%s: timed out: %s", origin, why);
	else
		snprintf(r->error, sizeof r->error, "%s: %s", origin, why);
}

static void finish(struct cli_conn *c, CURLcode code)
{
	struct cli_resp r = {0};
	long status = 0;
	curl_multi_remove_handle(c->h->multi, c->easy);
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (code == CURLE_OK && status > 0) {
		r = c->resp;
		memset(&c->resp, 0, sizeof c->resp);
		r.status = (int)status;
		if (!r.body && (r.body = malloc(1)))
			r.body[0] = 0;
	} else {
		describe_failure(c, code, &r);
	}
	reset_request(c);
	cli_done_fn done = c->done;
	c->done = NULL;
	done(&r, c->arg);
}

static void check_done(struct cli_http *h)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		struct cli_conn *c = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		if (c)
			finish(c, m->data.result);
	}
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
		snprintf(out->error, sizeof out->error, "cannot send the request to %s", h->origin);
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
	clear_headers(r);
	free(r->body);
	memset(r, 0, sizeof *r);
}

char *cli_http_encode(const char *s)
{
	return evhttp_uriencode(s, -1, 0);
}
