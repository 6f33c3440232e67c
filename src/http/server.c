/* server.c - event loops, request parsing and framing, dispatch through the phases of
 * request.h, replies, the access log and shutdown.  Each loop thread owns its evhttp, its
 * listener and a store connection for reads (SQLite: local, read on the loop); with
 * PostgreSQL a request's store reads (authentication, rate limit, prepare) go to the readers
 * under a deadline, so no loop waits on the network.  Requests that write go to the writer
 * queue; each comes back to the loop it arrived on.  Which loop accepts, and whether a
 * connection may be accepted at all (the connection cap), is admission.c's.  Limits: header
 * and body sizes, unambiguous framing, a read timeout and a whole-request deadline
 * (guard.c), the store's deadline, JSON depth (jansson's). */
#include "server.h"
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h> /* the request's HTTP version (no accessor in 2.1) */
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "activity.h"
#include "admission.h"
#include "auth.h"
#include "guard.h"
#include "tls.h"
#include "throttle.h"
#include "ids.h"
#include "metrics.h"
#include "router.h"
#include "rowcache.h"
#include "uri.h"
#include "waiters.h"
#include "work.h"
#include "delivery.h"
#include <sodium.h>

struct server;

/* A request's context is 1,048 bytes and its arena's first chunk 4 KiB, both past glibc's
 * per-thread cache (1,032): their malloc and free took ~2.7 k instructions a GET.  Each loop
 * keeps a few answered ones, the context to zero and the arena emptied, to use again. */
#define LOOP_SPARE 8

struct loop {
	struct server *srv;
	pthread_t th;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct evconnlistener *lis; /* NULL once the loop stops accepting */
	struct store *st;
	struct pd_guard *guard;  /* its connections: slow clients' deadline, idle ones */
	struct pd_waiters *waiters; /* its parked long-polls (waiters.c) */
	int inflight;        /* requests not yet answered; touched on this loop only */
	bool stopping;
	struct rctx *spare[LOOP_SPARE]; /* answered requests' contexts, for the next ones */
	struct pd_arena *spare_ar[LOOP_SPARE]; /* ... and their arenas, emptied */
	int nspare;
};

struct server {
	const struct pd_config *cfg;
	const struct pd_route *routes;
	struct pd_router *router; /* routes indexed (router.h); NULL: the scan */
	unsigned char key[PD_KEY_LEN];
	struct pd_queue *writer, *pool;
	struct pd_queue *readers;  /* PostgreSQL: where store reads run; NULL: on the loop */
	struct pd_throttle *throttle;
	struct loop *loops;
	int nloops;
	evutil_socket_t fd;  /* the listening socket shared by the loops */
	pthread_mutex_t log_mu;
	struct pd_admit *admit;  /* the accept turn and the connection cap */
	struct pd_delivery *delivery; /* webhooks (delivery.h) */
	int max_conns;
};

struct rctx {
	struct pd_req req;   /* first: a pd_req * is an rctx * */
	struct loop *loop;
	struct evhttp_request *ev;
	const struct pd_route *route;
	struct evkeyvalq query, form;
	bool form_parsed;
	enum pd_next next;
	struct timespec t0;
	struct pd_job job;
	struct store_fault fault; /* --fault-injection: its store calls, and the one to fail */
	const struct evkeyvalq *in;  /* the headers pd_req_header reads */
	struct evkeyvalq headers;    /* their copy while the request is with the readers */
	struct event *deadline;      /* ... and the time it may take there */
	struct pd_req asked;         /* the request as it left the loop (the stand-in's copy) */
	bool ok;                     /* the readers admitted it and prepare ran */
	atomic_bool late;            /* the deadline answered it: discarded when it comes back */
	enum pd_err written;         /* the write phase's result, for finish */
	size_t arrived;              /* the body's size */
	struct pd_waiter parked;     /* a long-poll waiting on its loop (waiters.c) */
};

static struct rctx *ctx_of(struct pd_req *r)
{
	return (struct rctx *)r;
}

/* ---- request accessors and replies (request.h) ---- */

const char *pd_req_header(struct pd_req *r, const char *name)
{
	return evhttp_find_header(ctx_of(r)->in, name);
}

const char *pd_req_query(struct pd_req *r, const char *name)
{
	return evhttp_find_header(&ctx_of(r)->query, name);
}

const char *pd_req_query_unknown(struct pd_req *r, const char *const *known)
{
	return pd_uri_params_unknown(&ctx_of(r)->query, known);
}

const char *pd_req_query_repeated(struct pd_req *r)
{
	return pd_uri_params_repeated(&ctx_of(r)->query);
}

const char *pd_req_form(struct pd_req *r, const char *name)
{
	struct rctx *c = ctx_of(r);
	if (!c->form_parsed) {
		c->form_parsed = true;
		pd_uri_params(r->body, &c->form);
	}
	return evhttp_find_header(&c->form, name);
}

static void drop_body(struct pd_resp *rs)
{
	json_decref(rs->body);
	rs->body = NULL;
	if (rs->hold)
		pd_rowcache_release(rs->hold);
	else
		free(rs->owned);
	rs->owned = NULL;
	rs->hold = NULL;
}

void pd_reply_json(struct pd_req *r, int status, json_t *body)
{
	drop_body(&r->resp);
	r->resp.status = status;
	r->resp.body = body;
	r->resp.raw = NULL;
}

void pd_reply_raw(struct pd_req *r, int status, const char *ctype, const char *body, size_t n)
{
	drop_body(&r->resp);
	r->resp.status = status;
	r->resp.ctype = ctype;
	r->resp.raw = body;
	r->resp.raw_len = n;
}

void pd_reply_buf(struct pd_req *r, int status, struct pd_buf *body)
{
	drop_body(&r->resp);
	r->resp.status = status;
	r->resp.raw = NULL;
	r->resp.owned = pd_buf_take(body, &r->resp.owned_len);
}

void pd_reply_kept(struct pd_req *r, int status, const char *body, size_t n, void *hold)
{
	drop_body(&r->resp);
	r->resp.status = status;
	r->resp.raw = NULL;
	r->resp.owned = (char *)body; /* never written: sent, then released */
	r->resp.owned_len = n;
	r->resp.hold = hold;
}

/* Every header a handler adds is sent: the arrays double in the request's arena when full. */
/* ---- access log ---- */

static const char *method_name(int m)
{
	switch (m) {
	case PD_GET: return "GET";
	case PD_HEAD: return "HEAD";
	case PD_POST: return "POST";
	case PD_PUT: return "PUT";
	case PD_PATCH: return "PATCH";
	case PD_DELETE: return "DELETE";
	case PD_OPTIONS: return "OPTIONS";
	default: return "OTHER";
	}
}

static bool secret_param(const char *k)
{
	static const char *names[] = {"password", "client_secret", "secret", "token", "access_token",
				      "refresh_token", "code", "key"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(k, names[i]))
			return true;
	return false;
}

/* s with control characters and backslashes escaped (\xNN), so a log line stays one line. */
static const char *log_safe(struct pd_arena *ar, const char *s)
{
	size_t n = strlen(s);
	char *out = pd_alloc(ar, 4 * n + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			o += sprintf(o, "\\x%02x", *p);
		else
			*o++ = (char)*p;
	}
	*o = 0;
	return out;
}

static bool secret_key(const char *raw)
{
	char *k = evhttp_uridecode(raw, 1, NULL);
	bool secret = k && secret_param(k);
	free(k);
	return secret;
}

/* The path with its query, values of secret-looking parameters and invitation codes
 * replaced by "***". */
static const char *logged_path(struct rctx *c)
{
	struct pd_arena *ar = c->req.ar;
	const char *p = c->req.path ? c->req.path : "-";
	char sep = '?';
	if (!strncmp(p, "/invite/", 8))
		p = "/invite/***"; /* the code is a capability */
	for (struct evkeyval *kv = c->query.tqh_first; kv; kv = kv->next.tqe_next) {
		p = pd_printf(ar, "%s%c%s=%s", p, sep, kv->key, secret_key(kv->key) ? "***" : kv->value);
		sep = '&';
	}
	return log_safe(ar, p);
}

/* RFC 3339 UTC, with milliseconds when ms. */
static void log_time(char *ts, size_t cap, bool ms)
{
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, cap - n, ms ? ".%03ldZ" : "Z", now.tv_nsec / 1000000);
}

/* --log-format json: one object per line, the same redaction as the text line's. */
static void access_log_json(struct rctx *c, double ms)
{
	char ts[40];
	int status = c->req.resp.status;
	log_time(ts, sizeof ts, true);
	json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:i, s:f}", "time", ts, "level",
			      status >= 500 ? "error" : status >= 400 ? "warn" : "info", "request_id",
			      c->req.request_id, "correlation_id", c->req.correlation_id, "partner",
			      c->req.who.partner_id, "route", c->route ? c->route->pattern : NULL, "method",
			      method_name(c->req.method), "path", logged_path(c), "status", status, "duration_ms", ms);
	char *line = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	json_decref(o);
	if (!line)
		return;
	pthread_mutex_lock(&c->loop->srv->log_mu);
	fprintf(stderr, "%s\n", line);
	pthread_mutex_unlock(&c->loop->srv->log_mu);
	free(line);
}

/* A line of the server's own (start, stop, failure), in the log's format. */
static void log_event(const struct pd_config *cfg, const char *level, const char *msg)
{
	char ts[40];
	if (!cfg->log_json) {
		fprintf(stderr, "partnerd: %s\n", msg);
		return;
	}
	log_time(ts, sizeof ts, true);
	json_t *o = json_pack("{s:s, s:s, s:s}", "time", ts, "level", level, "msg", msg);
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (line)
		fprintf(stderr, "%s\n", line);
	free(line);
	json_decref(o);
}

static void access_log(struct rctx *c, double ms)
{
	char ts[40];
	if (c->loop->srv->cfg->log_json)
		return access_log_json(c, ms);
	log_time(ts, sizeof ts, false);
	pthread_mutex_lock(&c->loop->srv->log_mu);
	fprintf(stderr, "%s %s %s %d %.3fms rid=%s\n", ts, method_name(c->req.method), logged_path(c),
		c->req.resp.status, ms, c->req.request_id ? c->req.request_id : "-");
	pthread_mutex_unlock(&c->loop->srv->log_mu);
}

/* ---- sending ---- */

/* What the request holds but its arena. */
static void clear_held(struct rctx *c)
{
	pd_waiters_release(&c->req);
	json_decref(c->req.json);
	c->req.json = NULL;
	drop_body(&c->req.resp);
	evhttp_clear_headers(&c->query);
	evhttp_clear_headers(&c->form);
	evhttp_clear_headers(&c->headers);
}

/* What the request holds (its arena's cleanups may end sign-in attempts in the store). */
static void clear_ctx(struct rctx *c)
{
	clear_held(c);
	pd_arena_free(c->req.ar);
	c->req.ar = NULL;
}

/* On its loop: the context and its arena kept for the next request, or freed. */
static void free_ctx(struct rctx *c)
{
	struct loop *l = c->loop;
	if (l->nspare == LOOP_SPARE || !c->req.ar) {
		clear_ctx(c);
		free(c);
		return;
	}
	clear_held(c);
	pd_arena_reset(c->req.ar);
	l->spare_ar[l->nspare] = c->req.ar;
	l->spare[l->nspare++] = c;
}

/* A zeroed context and its arena, on its loop (NULL when out of memory). */
static struct rctx *new_ctx(struct loop *l, struct pd_arena **ar)
{
	if (!l->nspare) {
		*ar = pd_arena_new();
		return calloc(1, sizeof(struct rctx));
	}
	struct rctx *c = l->spare[--l->nspare];
	*ar = l->spare_ar[l->nspare];
	memset(c, 0, sizeof *c);
	return c;
}

static void loop_drained(struct loop *l)
{
	if (l->stopping && l->inflight == 0)
		event_base_loopexit(l->base, NULL);
}

static void release_owned(const void *data, size_t len, void *arg)
{
	(void)len, (void)arg;
	free((void *)data);
}

static void release_held(const void *data, size_t len, void *arg)
{
	(void)data, (void)len;
	pd_rowcache_release(arg);
}

static void write_body(struct rctx *c, struct evkeyvalq *out, struct evbuffer *buf)
{
	struct pd_resp *rs = &c->req.resp;
	if (rs->body) {
		char *s = json_dumps(rs->body, JSON_COMPACT);
		evhttp_add_header(out, "Content-Type", "application/json; charset=utf-8");
		if (s)
			evbuffer_add(buf, s, strlen(s));
		free(s);
	} else if (rs->owned) { /* handed to the buffer, which frees it once it is sent */
		evhttp_add_header(out, "Content-Type", "application/json; charset=utf-8");
		if (evbuffer_add_reference(buf, rs->owned, rs->owned_len, rs->hold ? release_held : release_owned,
					   rs->hold) == 0)
			rs->owned = NULL, rs->hold = NULL;
	} else if (rs->raw) {
		evhttp_add_header(out, "Content-Type", rs->ctype ? rs->ctype : "text/plain; charset=utf-8");
		evbuffer_add(buf, rs->raw, rs->raw_len);
	}
}

/* MS-CV, Partner Center's correlation vector: the client's (short and printable), else a
 * new one in its shape, 16 base64 characters and ".0" ("ObwhuhD2tUKJoM+Z.0"): 12 random bytes
 * in base64 (RFC 4648's alphabet, no padding at that length) written here, as libsodium's
 * constant-time encoder costs ~900 instructions a reply for bytes that are no secret. */
static const char *correlation_vector(struct rctx *c)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *v = pd_req_header(&c->req, "MS-CV");
	bool ok = v && *v && strlen(v) <= 128;
	for (const char *p = v; ok && *p; p++)
		ok = *p > 32 && *p < 127;
	if (ok)
		return v;
	unsigned char raw[12];
	char *cv = pd_alloc(c->req.ar, 19), *o = cv;
	randombytes_buf(raw, sizeof raw);
	for (int i = 0; i < 12; i += 3) {
		unsigned x = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
		*o++ = b64[x >> 18], *o++ = b64[x >> 12 & 63], *o++ = b64[x >> 6 & 63], *o++ = b64[x & 63];
	}
	memcpy(o, ".0", 3);
	return cv;
}

/* n in decimal into out (21 bytes at least); returns out. */
static const char *size_text(size_t n, char *out)
{
	char tmp[24];
	int i = 0;
	do
		tmp[i++] = (char)('0' + n % 10);
	while (n /= 10);
	for (int j = 0; j < i; j++)
		out[j] = tmp[i - 1 - j];
	out[i] = 0;
	return out;
}

/* The Date header's value for now ("Thu, 03 Dec 2026 18:12:22 GMT", RFC 9110 5.6.7, the text
 * libevent's evutil_date_rfc1123 makes), formatted once a second on each thread. */
static const char *http_date(void)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	static _Thread_local time_t at = -1;
	static _Thread_local char text[32];
	time_t now = time(NULL);
	if (now == at)
		return text;
	struct tm tm;
	gmtime_r(&now, &tm);
	snprintf(text, sizeof text, "%s, %02d %s %4d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], 1900 + tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec);
	at = now;
	return text;
}

/* Whether the handler added header `name` (pd_reply_header): besides those, send_reply adds
 * only the headers it names itself, so this is what evhttp_find_header on the reply's list
 * would answer for any other name, without walking that list. */
static bool handler_set(const struct pd_resp *rs, const char *name)
{
	for (int i = 0; i < rs->nh; i++)
		if (!strcasecmp(rs->hk[i], name))
			return true;
	return false;
}

/* Date and Content-Length as evhttp adds them last to an HTTP/1.1 reply that has none (its
 * evhttp_make_header_response: Date, then Content-Length when the reply has a body), in that
 * order and form, so the bytes on the wire stay the same; added here, they spare evhttp its
 * strftime and snprintf (~5 k instructions a reply).  HTTP/1.0 is left to evhttp. */
static void framing_headers(struct rctx *c, struct evkeyvalq *out, size_t body_len)
{
	const struct evhttp_request *ev = c->ev;
	int st = c->req.resp.status;
	if (ev->major != 1 || ev->minor < 1)
		return;
	if (!handler_set(&c->req.resp, "Date"))
		evhttp_add_header(out, "Date", http_date());
	bool has_body = st != 204 && st != 304 && (st < 100 || st >= 200) && c->req.method != PD_HEAD;
	char n[24];
	if (has_body && !handler_set(&c->req.resp, "Transfer-Encoding") && !handler_set(&c->req.resp, "Content-Length"))
		evhttp_add_header(out, "Content-Length", size_text(body_len, n));
}

/* ---- fault injection (tests only, --fault-injection; store.h) ---- */

/* X-Partnerd-Fault into c->fault; false after a 400 for a spec that does not parse, or for the
 * header on a server without --fault-injection (a test must not pass against a server that
 * injects nothing). */
static bool fault_ok(struct rctx *c)
{
	const char *spec = pd_req_header(&c->req, "X-Partnerd-Fault");
	if (!spec || (c->req.cfg->fault_injection && store_fault_parse(spec, &c->fault) == PD_OK))
		return true;
	pd_reply_error(&c->req, PD_EINVAL, PD_MSG_INVALID, "X-Partnerd-Fault", NULL);
	return false;
}

/* The request's store calls count (and may fail) on this thread until disarm. */
static void arm(struct rctx *c)
{
	if (c->req.cfg->fault_injection)
		store_fault_arm(&c->fault);
}

static void disarm(struct rctx *c)
{
	if (c->req.cfg->fault_injection)
		store_fault_arm(NULL);
}

/* How many store calls the request made, and which one failed on purpose. */
static void fault_headers(struct rctx *c)
{
	pd_reply_header(&c->req, "X-Partnerd-Store-Calls", pd_printf(c->req.ar, "%d", c->fault.calls));
	if (c->fault.failed != STORE_OP_COUNT)
		pd_reply_header(&c->req, "X-Partnerd-Fault-Op", store_op_name(c->fault.failed));
}

static void send_reply(struct rctx *c)
{
	struct pd_resp *rs = &c->req.resp;
	struct evkeyvalq *out = evhttp_request_get_output_headers(c->ev);
	struct evbuffer *buf = evbuffer_new();
	if (!rs->status)
		pd_reply_error(&c->req, PD_EINTERNAL, PD_MSG_INTERNAL, NULL, NULL);
	if (c->req.cfg->fault_injection)
		fault_headers(c);
	write_body(c, out, buf);
	if (c->req.method == PD_HEAD) { /* the headers of a GET, without its body */
		char n[24];
		evhttp_add_header(out, "Content-Length", size_text(evbuffer_get_length(buf), n));
		evbuffer_drain(buf, evbuffer_get_length(buf));
	}
	for (int i = 0; i < rs->nh; i++)
		evhttp_add_header(out, rs->hk[i], rs->hv[i]);
	if (c->req.request_id)
		evhttp_add_header(out, "MS-RequestId", c->req.request_id);
	if (c->req.correlation_id)
		evhttp_add_header(out, "MS-CorrelationId", c->req.correlation_id);
	evhttp_add_header(out, "MS-CV", correlation_vector(c));
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	if (c->loop->srv->cfg->tls) /* browsers keep to https for a year (docs/deploy.md) */
		evhttp_add_header(out, "Strict-Transport-Security", "max-age=31536000");
	if (!handler_set(rs, "Cache-Control")) /* the portal's assets set their own */
		evhttp_add_header(out, "Cache-Control", "no-store");
	framing_headers(c, out, evbuffer_get_length(buf));
	pd_guard_idle(c->loop->guard, evhttp_request_get_connection(c->ev));
	evhttp_send_reply(c->ev, rs->status, NULL, buf);
	evbuffer_free(buf);
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - c->t0.tv_sec) + (double)(t1.tv_nsec - c->t0.tv_nsec) / 1e9;
	pd_metrics_request(c->route, c->req.method, rs->status, secs);
	pd_metrics_inflight(-1);
	if (c->loop->srv->cfg->access_log)
		access_log(c, secs * 1e3);
	struct loop *l = c->loop;
	free_ctx(c);
	l->inflight--;
	loop_drained(l);
}

/* ---- phases ---- */

static void continue_with(struct rctx *c, enum pd_next next);

static void work_run(struct pd_job *j, struct store *st)
{
	(void)st;
	struct rctx *c = j->arg;
	c->next = c->route->work(&c->req);
}

static void work_done(struct pd_job *j)
{
	struct rctx *c = j->arg;
	continue_with(c, c->next);
}

static void write_run(struct pd_job *j, struct store *st)
{
	struct rctx *c = j->arg;
	j->err = c->route->write(&c->req, st);
}

static void audit_run(struct pd_job *j, struct store *st)
{
	struct rctx *c = j->arg;
	j->err = pd_activity_write_failure(&c->req, c->route, st);
}

static void audit_done(struct pd_job *j)
{
	send_reply(j->arg); /* the reply goes out even if the record could not be written */
}

/* Sends the reply, first recording a failed attempt at a change in the activity log; a request
 * its prepare parked (a long-poll with nothing to answer yet) waits on its loop instead. */
static void reply(struct rctx *c)
{
	if (c->req.park.until && !c->req.resp.status &&
	    pd_waiters_add(c->loop->waiters, &c->parked, &c->req, c->ev, c))
		return;
	c->job = (struct pd_job){.run = audit_run, .done = audit_done, .base = c->loop->base, .arg = c,
				 .fault = c->req.cfg->fault_injection ? &c->fault : NULL,
				 .who = {c->req.who.partner_id, c->req.who.id}};
	if (!pd_activity_failure_pending(&c->req, c->route) || !pd_queue_submit(c->loop->srv->writer, &c->job))
		send_reply(c);
}

static void finish_run(struct pd_job *j, struct store *st)
{
	(void)st;
	struct rctx *c = j->arg;
	arm(c);
	c->route->finish(&c->req, c->written);
	disarm(c);
}

static void finish_done(struct pd_job *j)
{
	reply(j->arg);
}

/* The write is committed (or failed): finish builds the reply.  With PostgreSQL on the worker
 * pool, not here: a sign-in's finish ends its attempt in the shared counters, a store call
 * (r->st stays the loop's handle, which any thread may use outside a transaction).  Not on
 * the readers, where a committed write's reply would queue behind reads stuck on a lock. */
static void write_done(struct pd_job *j)
{
	struct rctx *c = j->arg;
	struct server *s = c->loop->srv;
	c->written = j->err;
	c->job = (struct pd_job){.run = finish_run, .done = finish_done, .base = c->loop->base, .arg = c};
	if (s->readers && pd_queue_submit(s->pool, &c->job))
		return;
	arm(c);
	c->route->finish(&c->req, c->written);
	disarm(c);
	reply(c);
}

static void submit(struct rctx *c, struct pd_queue *q, pd_job_run run, pd_job_done done)
{
	c->job = (struct pd_job){.run = run, .done = done, .base = c->loop->base, .arg = c,
				 .fault = c->req.cfg->fault_injection ? &c->fault : NULL,
				 .who = {c->req.who.partner_id, c->req.who.id}};
	if (!pd_queue_submit(q, &c->job)) {
		pd_reply_error(&c->req, PD_EBUSY, PD_MSG_BUSY, NULL, NULL);
		send_reply(c);
	}
}

static void continue_with(struct rctx *c, enum pd_next next)
{
	struct server *s = c->loop->srv;
	if (next == PD_WORK && c->route->work)
		submit(c, s->pool, work_run, work_done);
	else if (next == PD_WRITE && c->route->write && c->route->finish)
		submit(c, s->writer, write_run, write_done);
	else
		reply(c);
}

/* ---- long-polls (waiters.c): prepare again, on the loop or with PostgreSQL on a reader ---- */

static enum pd_next prepare_again(struct rctx *c)
{
	struct store *st = c->req.st;
	arm(c);
	bool snap = store_read_begin(st) == PD_OK;
	enum pd_next next = c->route->prepare(&c->req);
	if (snap)
		store_read_end(st);
	disarm(c);
	return next;
}

static void reread_run(struct pd_job *j, struct store *st)
{
	struct rctx *c = j->arg;
	c->req.st = st;
	c->next = prepare_again(c);
}

static void reread_done(struct pd_job *j)
{
	struct rctx *c = j->arg;
	c->req.st = c->loop->st;
	continue_with(c, c->next);
}

static void rerun(void *owner, bool last)
{
	struct rctx *c = owner;
	struct server *s = c->loop->srv;
	c->req.park.until = 0;
	c->req.park.last = last;
	if (!s->readers) {
		continue_with(c, prepare_again(c));
		return;
	}
	c->job = (struct pd_job){.run = reread_run, .done = reread_done, .base = c->loop->base, .arg = c};
	if (!pd_queue_submit(s->readers, &c->job)) {
		pd_reply_error(&c->req, PD_EBUSY, PD_MSG_BUSY, NULL, NULL);
		send_reply(c);
	}
}

/* ---- parsing ---- */

static int method_of(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return PD_GET;
	case EVHTTP_REQ_HEAD: return PD_HEAD;
	case EVHTTP_REQ_POST: return PD_POST;
	case EVHTTP_REQ_PUT: return PD_PUT;
	case EVHTTP_REQ_PATCH: return PD_PATCH;
	case EVHTTP_REQ_DELETE: return PD_DELETE;
	case EVHTTP_REQ_OPTIONS: return PD_OPTIONS;
	default: return 0;
	}
}

/* A client-sent id is kept if it is short and printable; otherwise a new one is made. */
static const char *header_id(struct rctx *c, const char *name, bool *given)
{
	const char *v = pd_req_header(&c->req, name);
	bool ok = v && *v && strlen(v) <= 128;
	for (const char *p = v; ok && *p; p++)
		ok = *p > 32 && *p < 127;
	if (given)
		*given = ok;
	if (ok)
		return pd_strdup(c->req.ar, v);
	char *id = pd_alloc(c->req.ar, PD_UUID_LEN + 1);
	pd_uuid_new(id);
	return id;
}

/* Fills method, path, query and the identifying headers; false if the URI is unusable. */
static bool parse_head(struct rctx *c)
{
	struct pd_req *r = &c->req;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(c->ev);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	const char *query = u ? evhttp_uri_get_query(u) : NULL;
	r->method = method_of(evhttp_request_get_command(c->ev));
	r->request_id = header_id(c, "MS-RequestId", &r->request_id_given);
	r->correlation_id = header_id(c, "MS-CorrelationId", NULL);
	r->loc = pd_locale_parse(pd_req_header(r, "X-Locale"));
	if (query && !pd_uri_params(query, &c->query))
		return false;
	r->path = pd_uri_path(path, r->ar);
	return r->path != NULL;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* The header that frames the request ambiguously, or NULL (RFC 9112 6).  evhttp reads the
 * first of several Content-Length headers, prefers chunked over a Content-Length, reads a
 * Content-Length with strtoll ("+5", "5 ") and reads no body at all for GET, HEAD, DELETE
 * and OPTIONS: a proxy in front that frames such a request otherwise would see a second,
 * smuggled request in what partnerd reads as the bytes after it.  So: at most one
 * Content-Length, digits only; at most one Transfer-Encoding, exactly "chunked"; never both;
 * and none but "Content-Length: 0" on a method without a body. */
static const char *framing_error(struct rctx *c)
{
	const struct evkeyvalq *h = evhttp_request_get_input_headers(c->ev);
	const char *cl = NULL, *te = NULL;
	int ncl = 0, nte = 0;
	for (const struct evkeyval *kv = h->tqh_first; kv; kv = kv->next.tqe_next) {
		if (!strcasecmp(kv->key, "Content-Length"))
			ncl++, cl = kv->value;
		else if (!strcasecmp(kv->key, "Transfer-Encoding"))
			nte++, te = kv->value;
	}
	if (ncl > 1 || (cl && !all_digits(cl)))
		return "Content-Length";
	if (nte > 1 || (te && strcasecmp(te, "chunked") != 0))
		return "Transfer-Encoding";
	if (cl && te)
		return "Content-Length";
	bool has_body = c->req.method & (PD_POST | PD_PUT | PD_PATCH);
	if (!has_body && te)
		return "Transfer-Encoding";
	if (!has_body && cl && strspn(cl, "0") != strlen(cl))
		return "Content-Length";
	return NULL;
}

/* A request framed ambiguously gets 400 and its connection is closed after the reply, so
 * nothing after it on the connection is ever read as a request; false after replying. */
static bool framing_ok(struct rctx *c)
{
	const char *bad = framing_error(c);
	if (!bad)
		return true;
	pd_reply_error(&c->req, PD_EINVAL, PD_MSG_INVALID, bad, NULL);
	pd_reply_header(&c->req, "Connection", "close");
	return false;
}

static bool ctype_is(struct pd_req *r, const char *want)
{
	const char *ct = pd_req_header(r, "Content-Type");
	size_t n = strlen(want);
	return ct && !strncasecmp(ct, want, n) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

/* The body out of evhttp's buffer into the arena, on the loop (a request with the readers
 * touches nothing of evhttp's); one too large is left for check_body to refuse. */
static void copy_body(struct rctx *c)
{
	struct pd_req *r = &c->req;
	struct evbuffer *in = evhttp_request_get_input_buffer(c->ev);
	size_t n = evbuffer_get_length(in);
	c->arrived = n;
	if (n > r->cfg->max_body)
		return;
	char *b = pd_alloc(r->ar, n + 1);
	evbuffer_copyout(in, b, n);
	r->body = b;
	r->body_len = n;
}

/* Checks the body against the size limit and the route's flags; false after replying. */
static bool check_body(struct rctx *c)
{
	struct pd_req *r = &c->req;
	size_t n = r->body_len;
	if (c->arrived > r->cfg->max_body) {
		pd_reply_error(r, PD_EINVAL, PD_MSG_TOO_LARGE, NULL, pd_printf(r->ar, "%zu", r->cfg->max_body));
		r->resp.status = 413;
		return false;
	}
	unsigned f = c->route->flags;
	const char *want = f & PD_R_JSON ? "application/json" : f & PD_R_FORM ? "application/x-www-form-urlencoded" : NULL;
	if (want && (n > 0 || (r->method & (PD_POST | PD_PUT | PD_PATCH))) && !ctype_is(r, want)) {
		pd_reply_error(r, PD_EINVAL, PD_MSG_MEDIA_TYPE, NULL, want);
		r->resp.status = 415;
		return false;
	}
	return true;
}

static bool parse_json(struct rctx *c)
{
	struct pd_req *r = &c->req;
	json_error_t e;
	if (r->body_len == 0) {
		pd_reply_error(r, PD_EINVAL, PD_MSG_REQUIRED, "body", NULL);
		return false;
	}
	r->json = json_loadb(r->body, r->body_len, 0, &e);
	if (!r->json) {
		pd_reply_error(r, PD_EINVAL, PD_MSG_BAD_JSON, NULL,
			       pd_printf(r->ar, "line %d, column %d: %s", e.line, e.column, e.text));
		return false;
	}
	if (!json_is_object(r->json)) {
		pd_reply_error(r, PD_EINVAL, PD_MSG_BAD_TYPE, "body", "a JSON object");
		return false;
	}
	return true;
}

/* ---- dispatch ---- */

static bool route(struct rctx *c)
{
	struct pd_req *r = &c->req;
	int allowed;
	const struct server *s = c->loop->srv;
	enum pd_match m = s->router ? pd_router_find(s->router, r->method, r->path, &c->route, r->params, &allowed, r->ar)
				    : pd_route_find(s->routes, r->method, r->path, &c->route, r->params, &allowed, r->ar);
	switch (m) {
	case PD_MATCH_OK:
		return true;
	case PD_MATCH_BAD_METHOD:
		pd_reply_error(r, PD_EINVAL, PD_MSG_METHOD, NULL, pd_methods_text(allowed, r->ar));
		r->resp.status = 405;
		pd_reply_header(r, "Allow", pd_methods_text(allowed, r->ar));
		return false;
	default:
		pd_reply_error(r, PD_ENOTFOUND, PD_MSG_NO_ROUTE, NULL, NULL);
		return false;
	}
}

/* Rate limit, first-sign-in password change and the permission table; false after replying. */
static bool allowed(struct rctx *c)
{
	struct pd_req *r = &c->req;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int wait = pd_rate_take(c->loop->srv->throttle, r->who.partner_id,
				(double)now.tv_sec + (double)now.tv_nsec / 1e9, r->cfg->rate_limit);
	if (wait > 0) {
		const char *secs = pd_printf(r->ar, "%d", wait);
		pd_reply_error(r, PD_ELIMIT, PD_MSG_RATE_LIMITED, NULL, secs);
		pd_reply_header(r, "Retry-After", secs);
		return false;
	}
	if (r->who.must_change_password && !(c->route->flags & PD_R_ME)) {
		pd_reply_error(r, PD_EFORBIDDEN, PD_MSG_PASSWORD_CHANGE, NULL, NULL);
		return false;
	}
	if (!pd_roles_allow(r->who.roles, c->route->perm)) {
		char *need = pd_alloc(r->ar, 160);
		pd_perm_roles_text(c->route->perm, need, 160);
		pd_reply_error(r, PD_EFORBIDDEN, PD_MSG_FORBIDDEN, NULL, need);
		return false;
	}
	return true;
}

static bool admit(struct rctx *c)
{
	struct pd_req *r = &c->req;
	unsigned f = c->route->flags;
	if (!(f & PD_R_PUBLIC)) {
		enum pd_err e = pd_auth_bearer(r);
		if (e != PD_OK) {
			pd_reply_error(r, e, e == PD_EUNAUTH ? PD_MSG_UNAUTHORIZED : e == PD_EFORBIDDEN ? PD_MSG_CSRF : PD_MSG_BUSY,
				       e == PD_EFORBIDDEN ? "X-CSRF-Token" : NULL, NULL);
			return false;
		}
	}
	if (!(f & PD_R_PUBLIC) && !allowed(c))
		return false;
	if ((f & PD_R_SANDBOX) && !r->cfg->sandbox) {
		pd_reply_error(r, PD_EFORBIDDEN, PD_MSG_SANDBOX_ONLY, NULL, NULL);
		return false;
	}
	if (!check_body(c))
		return false;
	return !(f & PD_R_JSON) || (!c->req.body_len && !(r->method & (PD_POST | PD_PUT | PD_PATCH))) || parse_json(c);
}

/* Authentication and the route's prepare phase read from one snapshot of the store (a
 * consistent view, and the WAL read lock taken once instead of per statement); it ends
 * before the request goes on to the writer or the pool.  On the loop, or on a reader with
 * its store in c->req.st.  false after replying. */
static bool admit_and_prepare(struct rctx *c, enum pd_next *next)
{
	struct store *st = c->req.st;
	arm(c);
	bool snap = store_read_begin(st) == PD_OK;
	bool ok = admit(c);
	/* a caller's GET or HEAD that writes nothing may be read on a replica that has the caller's
	 * writes (PostgreSQL --db-read) */
	bool routed = ok && c->loop->srv->readers && (c->req.method & (PD_GET | PD_HEAD)) && !c->route->write &&
		      c->req.who.id;
	if (routed)
		store_read_for(st, c->req.who.partner_id, c->req.who.id);
	if (ok)
		*next = c->route->prepare(&c->req);
	if (routed)
		store_read_for(st, NULL, NULL);
	if (snap)
		store_read_end(st);
	disarm(c);
	return ok;
}

/* ---- the readers (PostgreSQL): a request's store work off the loop ---- */

static int read_timeout(const struct pd_config *cfg)
{
	return cfg->read_timeout > 0 ? cfg->read_timeout : 30;
}

static void read_run(struct pd_job *j, struct store *st)
{
	struct rctx *c = j->arg;
	if (atomic_load(&c->late))
		return; /* answered while it waited for a reader: no store work for it */
	c->req.st = st;
	c->ok = admit_and_prepare(c, &c->next);
}

static void discard_run(struct pd_job *j, struct store *st)
{
	(void)st;
	clear_ctx(j->arg);
}

static void discarded(struct pd_job *j)
{
	struct rctx *c = j->arg;
	struct loop *l = c->loop;
	free(c);
	l->inflight--;
	loop_drained(l);
}

/* Back from the reader.  One answered at its deadline is dropped, on a reader again: its
 * arena's cleanups may release a sign-in attempt in the shared counters. */
static void read_done(struct pd_job *j)
{
	struct rctx *c = j->arg;
	struct loop *l = c->loop;
	event_free(c->deadline);
	c->deadline = NULL;
	c->req.st = l->st;
	if (atomic_load(&c->late)) {
		c->job = (struct pd_job){.run = discard_run, .done = discarded, .base = l->base, .arg = c};
		if (!pd_queue_submit(l->srv->readers, &c->job)) {
			clear_ctx(c);
			discarded(&c->job);
		}
	} else if (c->ok) {
		continue_with(c, c->next);
	} else {
		reply(c);
	}
}

/* A request of its own for the reply sent at the deadline, made on the loop while a reader
 * still has the original (whose pd_req is the reader's until it comes back): the ids, path
 * and query of the request as it left the loop. */
static struct rctx *stand_in(struct rctx *c)
{
	struct rctx *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	const struct pd_req *a = &c->asked;
	struct pd_arena *ar = pd_arena_new();
	s->loop = c->loop, s->ev = c->ev, s->route = c->route, s->t0 = c->t0;
	s->in = evhttp_request_get_input_headers(c->ev);
	TAILQ_INIT(&s->query);
	TAILQ_INIT(&s->form);
	TAILQ_INIT(&s->headers);
	for (const struct evkeyval *kv = c->query.tqh_first; kv; kv = kv->next.tqe_next)
		evhttp_add_header(&s->query, kv->key, kv->value);
	s->req = (struct pd_req){.ar = ar, .cfg = a->cfg, .key = a->key, .st = c->loop->st, .method = a->method,
				 .path = pd_strdup(ar, a->path), .request_id = pd_strdup(ar, a->request_id),
				 .request_id_given = a->request_id_given,
				 .correlation_id = pd_strdup(ar, a->correlation_id), .loc = a->loc,
				 .peer = pd_strdup(ar, a->peer), .throttle = a->throttle, .now = a->now};
	s->req.priv = s;
	return s;
}

/* The store has not answered in time: 503 with Retry-After now, sent by a stand-in; the
 * request itself is discarded when its reader is done with it (it changed nothing). */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct rctx *c = arg;
	struct rctx *s = stand_in(c);
	if (!s)
		return; /* answered when it comes back */
	atomic_store(&c->late, true);
	c->ev = NULL;
	c->loop->inflight++; /* the stand-in's, until its reply is sent */
	pd_reply_error(&s->req, PD_EBUSY, PD_MSG_BUSY, NULL, NULL);
	send_reply(s);
}

/* Seconds a request may wait for the readers: a health check its own short time, any other
 * --read-timeout. */
static int store_deadline(const struct rctx *c)
{
	const struct pd_config *cfg = c->req.cfg;
	if (c->route->flags & PD_R_PROBE)
		return cfg->health_timeout > 0 ? cfg->health_timeout : 2;
	return read_timeout(cfg);
}

/* With PostgreSQL, a request that needs the store is authenticated, rate-limited and
 * prepared on a reader, with a copy of its headers, under a deadline; it resumes on this
 * loop.  false when it stays on the loop (SQLite, or a route that reads no store). */
static bool to_readers(struct rctx *c)
{
	struct server *srv = c->loop->srv;
	if (!srv->readers || (c->route->flags & PD_R_NOSTORE))
		return false;
	const struct evkeyvalq *h = evhttp_request_get_input_headers(c->ev);
	for (const struct evkeyval *kv = h->tqh_first; kv; kv = kv->next.tqe_next)
		evhttp_add_header(&c->headers, kv->key, kv->value);
	c->in = &c->headers;
	c->asked = c->req;
	c->job = (struct pd_job){.run = read_run, .done = read_done, .base = c->loop->base, .arg = c};
	struct timeval tv = {store_deadline(c), 0};
	c->deadline = evtimer_new(c->loop->base, on_deadline, c);
	if (!c->deadline || evtimer_add(c->deadline, &tv) != 0 || !pd_queue_submit(srv->readers, &c->job)) {
		if (c->deadline)
			event_free(c->deadline);
		c->deadline = NULL;
		pd_reply_error(&c->req, PD_EBUSY, PD_MSG_BUSY, NULL, NULL);
		send_reply(c);
	}
	return true;
}

static const char *peer_of(struct rctx *c)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(c->ev);
	char *addr = NULL;
	ev_uint16_t port = 0;
	if (conn)
		evhttp_connection_get_peer(conn, &addr, &port);
	return pd_strdup(c->req.ar, addr ? addr : "-");
}

static void on_request(struct evhttp_request *ev, void *arg)
{
	struct loop *l = arg;
	struct pd_arena *ar;
	struct rctx *c = new_ctx(l, &ar);
	if (!c) {
		pd_arena_free(ar);
		evhttp_send_error(ev, 503, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	pd_guard_busy(l->guard, evhttp_request_get_connection(ev));
	c->loop = l;
	c->ev = ev;
	store_fault_none(&c->fault);
	c->in = evhttp_request_get_input_headers(ev);
	TAILQ_INIT(&c->query);
	TAILQ_INIT(&c->form);
	TAILQ_INIT(&c->headers);
	c->req = (struct pd_req){.ar = ar, .cfg = l->srv->cfg, .key = l->srv->key,
				 .st = l->st, .now = (long long)time(NULL)};
	c->req.priv = c;
	c->req.throttle = l->srv->throttle;
	c->req.peer = peer_of(c);
	l->inflight++;
	pd_metrics_inflight(1);
	bool head_ok = parse_head(c);
	if (!framing_ok(c)) {
		/* replied */
	} else if (!head_ok) {
		pd_reply_error(&c->req, PD_EINVAL, PD_MSG_INVALID, "path", NULL);
	} else if (!fault_ok(c)) {
		/* replied */
	} else if (l->stopping) {
		pd_reply_error(&c->req, PD_EBUSY, PD_MSG_BUSY, NULL, NULL);
	} else if (route(c)) {
		copy_body(c);
		if (to_readers(c))
			return;
		enum pd_next next;
		if (admit_and_prepare(c, &next)) {
			continue_with(c, next);
			return;
		}
	}
	reply(c);
}

/* ---- loops and shutdown ---- */

static void begin_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct loop *l = arg;
	l->stopping = true;
	pd_admit_stop(l->srv->admit, (int)(l - l->srv->loops)); /* no one enables lis after this */
	if (l->bound)
		evhttp_del_accept_socket(l->http, l->bound);
	l->bound = NULL, l->lis = NULL;
	pd_waiters_stop(l->waiters); /* each answers what it has */
	loop_drained(l);
}

static void *loop_main(void *arg)
{
	struct loop *l = arg;
	pd_admit_enter(l->srv->admit, (int)(l - l->srv->loops));
	char name[16]; /* what `top -H` and /proc/PID/task/TID/comm show */
	snprintf(name, sizeof name, "pd-loop%d", (int)(l - l->srv->loops));
	pthread_setname_np(pthread_self(), name);
	event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* An event loop whose epoll changes are batched per iteration: evhttp turns a connection's
 * read and write events off and on around every request, one epoll_ctl each without it. */
static struct event_base *new_base(void)
{
	struct event_config *cfg = event_config_new();
	if (!cfg)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	struct event_base *b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return b;
}

/* evhttp's bevcb: a connection was accepted on this loop (admission.c counts it, passes the
 * accept turn on and enforces the connection cap). */
static struct bufferevent *new_connection(struct event_base *base, void *arg)
{
	struct loop *l = arg;
	return pd_admit_connection(l->srv->admit, (int)(l - l->srv->loops), base);
}

static int loop_init(struct server *s, struct loop *l, evutil_socket_t fd, char *err, size_t cap)
{
	l->srv = s;
	if (!(l->base = new_base()) || !(l->http = evhttp_new(l->base)))
		return snprintf(err, cap, "cannot create an event loop"), -1;
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS);
	evhttp_set_max_headers_size(l->http, 16384);
	evhttp_set_max_body_size(l->http, (ev_ssize_t)(s->cfg->max_body * 4));
	evhttp_set_timeout(l->http, read_timeout(s->cfg));
	if (!(l->guard = pd_guard_new(read_timeout(s->cfg), pd_admit_events(s->admit, (int)(l - s->loops)))) ||
	    !(l->waiters = pd_waiters_new(l->base, s->readers != NULL, rerun)))
		return snprintf(err, cap, "out of memory"), -1;
	if (s->cfg->tls)
		pd_guard_set_tls(l->guard, s->cfg->tls);
	evhttp_set_bevcb(l->http, new_connection, l);
	evhttp_set_gencb(l->http, on_request, l);
	/* every loop accepts from the one listening socket, in turn (the first loop starts); the
	 * socket is closed once, at the end */
	unsigned flags = LEV_OPT_REUSEABLE | LEV_OPT_THREADSAFE | (l == s->loops ? 0 : LEV_OPT_DISABLED);
	if (!(l->lis = evconnlistener_new(l->base, NULL, NULL, flags, 0, fd)))
		return snprintf(err, cap, "cannot accept on %s", s->cfg->listen), -1;
	l->bound = evhttp_bind_listener(l->http, l->lis);
	pd_admit_set_loop(s->admit, (int)(l - s->loops), l->base, l->lis, l->guard);
	char e2[256];
	enum pd_err e = store_open(s->cfg->db, false, &l->st, e2, sizeof e2);
	if (e != PD_OK)
		return snprintf(err, cap, "%s", e2), -1;
	return 0;
}

/* The listening socket; an address already in use is an error, never shared.  Replies go out
 * at once: without TCP_NODELAY a large reply's last segment waits for the client's delayed
 * ACK (~40 ms per request on a kept-alive connection).  Set here, Linux gives it to every
 * accepted connection, instead of one setsockopt() per request. */
static evutil_socket_t listen_on(const struct sockaddr *sa, int len, char *err, size_t cap,
				 const char *what)
{
	int one = 1;
	evutil_socket_t fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || evutil_make_listen_socket_reuseable(fd) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 || bind(fd, sa, (socklen_t)len) != 0 ||
	    listen(fd, 1024) != 0 || evutil_make_socket_nonblocking(fd) != 0) {
		snprintf(err, cap, "cannot listen on %s: %s", what, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void loop_free(struct loop *l)
{
	while (l->nspare > 0) {
		free(l->spare[--l->nspare]);
		pd_arena_free(l->spare_ar[l->nspare]);
	}
	if (l->http)
		evhttp_free(l->http);
	pd_guard_free(l->guard); /* after the connections it watches */
	pd_waiters_free(l->waiters);
	if (l->st)
		store_close(l->st);
	if (l->base)
		event_base_free(l->base);
}

static int cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 16 ? 16 : (int)n;
}

static int start_loops(struct server *s, char *err, size_t cap)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (evutil_parse_sockaddr_port(s->cfg->listen, (struct sockaddr *)&ss, &len) != 0)
		return snprintf(err, cap, "--listen '%s' is not ADDR:PORT", s->cfg->listen), -1;
	if ((s->fd = listen_on((struct sockaddr *)&ss, len, err, cap, s->cfg->listen)) < 0)
		return -1;
	s->loops = calloc((size_t)s->nloops, sizeof *s->loops);
	for (int i = 0; i < s->nloops; i++)
		if (loop_init(s, &s->loops[i], s->fd, err, cap) != 0)
			return -1;
	for (int i = 0; i < s->nloops; i++)
		pthread_create(&s->loops[i].th, NULL, loop_main, &s->loops[i]);
	return 0;
}

static void stop_loops(struct server *s)
{
	struct timeval zero = {0, 0};
	for (int i = 0; i < s->nloops; i++)
		event_base_once(s->loops[i].base, -1, EV_TIMEOUT, begin_stop, &s->loops[i], &zero);
	for (int i = 0; i < s->nloops; i++)
		pthread_join(s->loops[i].th, NULL);
}

/* SIGHUP: the certificate and key are read again; a bad pair keeps the one in use. */
static void reload_tls(const struct pd_config *cfg)
{
	char err[600];
	if (!cfg->tls)
		fprintf(stderr, "partnerd: SIGHUP received: nothing to reload (no --tls-cert)\n");
	else if (pd_tls_reload(cfg->tls, err, sizeof err) == 0)
		fprintf(stderr, "partnerd: SIGHUP received: new connections use the certificate read again\n");
	else
		fprintf(stderr, "partnerd: SIGHUP received: keeping the certificate in use: %s\n", err);
}

/* SIGINT or SIGTERM; SIGHUPs on the way are handled here. */
static int wait_for_signal(const struct pd_config *cfg)
{
	sigset_t set;
	int sig = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		reload_tls(cfg);
	return sig;
}

static void block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int pd_server_check_limits(const struct pd_config *cfg, char *err, size_t cap)
{
	return pd_admit_cap(cfg, cfg->loops > 0 ? cfg->loops : cores(), err, cap) < 0 ? -1 : 0;
}

int pd_server_run(const struct pd_config *cfg, const struct pd_route *routes, struct store *st,
		  const unsigned char key[PD_KEY_LEN])
{
	struct server s = {.cfg = cfg, .routes = routes, .router = pd_router_new(routes), .fd = -1};
	char err[300] = "";
	memcpy(s.key, key, PD_KEY_LEN);
	pthread_mutex_init(&s.log_mu, NULL);
	evthread_use_pthreads();
	block_signals();
	s.throttle = cfg->throttle_entries ? pd_throttle_new_sized((size_t)cfg->throttle_entries) : pd_throttle_new();
	struct store *counters = NULL;
	char e2[256];
	if (store_has_shared_counters(st) && store_open(cfg->db, false, &counters, e2, sizeof e2) == PD_OK)
		pd_throttle_share(s.throttle, counters);
	s.writer = pd_queue_writer(st);
	if (cfg->writer_upkeep)
		pd_queue_set_upkeep(s.writer, cfg->writer_upkeep, cfg);
	s.pool = pd_queue_pool(cores());
	bool local = !strcmp(store_name(st), "sqlite"); /* no network to wait for: read on the loops */
	if (!local)
		s.readers = pd_queue_readers(cfg->db_pool > 0 ? cfg->db_pool : PD_QUEUE_MAX, cfg->db, err, sizeof err);
	s.nloops = cfg->loops > 0 ? cfg->loops : cores();
	s.max_conns = pd_admit_cap(cfg, s.nloops, err, sizeof err);
	if (s.max_conns >= 0 && !(s.admit = pd_admit_new(s.nloops, s.max_conns, &s.log_mu)))
		snprintf(err, sizeof err, "out of memory");
	pd_webhook_own_address(cfg->listen, cfg->public_url);
	pd_metrics_init(routes);
	pd_metrics_connections(s.admit ? pd_admit_open : NULL, s.admit);
	/* the metrics' listener first: an address it cannot have stops the start before the API's */
	struct pd_metrics_server *metrics = NULL;
	bool ready = s.admit != NULL && (local || s.readers);
	if (ready && cfg->metrics_listen)
		ready = (metrics = pd_metrics_start(cfg->metrics_listen, err, sizeof err)) != NULL;
	if (ready && cfg->signer)
		ready = (s.delivery = pd_delivery_start(cfg, s.writer, err, sizeof err)) != NULL;
	int rc = ready ? start_loops(&s, err, sizeof err) : -1;
	if (rc == 0) {
		printf("partnerd: listening on %s://%s (%d event loops, at most %d connections, store %s)\n",
		       cfg->tls ? "https" : "http", cfg->listen, s.nloops, s.max_conns, cfg->db);
		if (metrics)
			printf("partnerd: metrics on http://%s/metrics\n", cfg->metrics_listen);
		fflush(stdout);
		int sig = wait_for_signal(cfg);
		log_event(cfg, "info", sig == SIGINT ? "SIGINT received, finishing in-flight requests"
						     : "SIGTERM received, finishing in-flight requests");
		stop_loops(&s); /* each loop has its requests back from the readers */
	} else {
		log_event(cfg, "error", err);
		s.nloops = s.loops ? s.nloops : 0; /* the loops made so far */
	}
	pd_metrics_stop(metrics);
	pd_delivery_stop(s.delivery); /* before the writer its jobs go to */
	pd_queue_free(s.readers);
	pd_queue_free(s.pool);
	pd_queue_free(s.writer);
	for (int i = 0; i < s.nloops; i++)
		loop_free(&s.loops[i]);
	free(s.loops);
	pd_throttle_free(s.throttle);
	pd_router_free(s.router);
	if (s.fd >= 0)
		close(s.fd);
	pthread_mutex_destroy(&s.log_mu);
	pd_metrics_connections(NULL, NULL);
	pd_admit_free(s.admit);
	sodium_memzero(s.key, sizeof s.key);
	if (rc == 0)
		log_event(cfg, "info", "stopped cleanly");
	return rc == 0 ? 0 : 1;
}
