/* delivery.c - webhook delivery and where it may connect (see delivery.h). */
#include "delivery.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <event2/util.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "ids.h"
#include "metrics.h"
#include "netaddr.h"
#include "signer.h"
#include "work.h"

/* ---- where a webhook may connect ---- */

#define PUBLIC_ADDRS 16
static struct sockaddr_storage own;  /* --listen's address; set once at start */
static bool own_set, own_any;        /* own_any: 0.0.0.0 or ::, every interface's */
static char public_host[256];        /* --public-url's host; "": none */
static struct sockaddr_storage public_addrs[PUBLIC_ADDRS]; /* what it resolved to at start */
static size_t public_n;

static enum pd_host_check resolve(const char *host, int port, struct addrinfo **res);

/* --public-url's host and its addresses (bounded as a registration's; reported when it does
 * not resolve: then only its name is refused). */
static void own_public(const char *public_url)
{
	struct pd_url u;
	struct addrinfo *res = NULL;
	public_host[0] = 0, public_n = 0;
	if (!public_url || pd_webhook_url_parse(public_url, true, &u) != PD_URL_OK)
		return;
	snprintf(public_host, sizeof public_host, "%s", u.host);
	if (resolve(u.host, u.port, &res) != PD_HOST_OK) {
		fprintf(stderr, "partnerd: --public-url's host %s did not resolve in %d s: webhooks to that name are "
			"refused, but not yet to its addresses under other names\n", u.host, PD_WEBHOOK_RESOLVE_MS / 1000);
		return;
	}
	for (struct addrinfo *i = res; i && public_n < PUBLIC_ADDRS; i = i->ai_next)
		if (i->ai_addrlen <= sizeof *public_addrs)
			memcpy(&public_addrs[public_n++], i->ai_addr, i->ai_addrlen);
	freeaddrinfo(res);
}

void pd_webhook_own_address(const char *listen, const char *public_url)
{
	int len = sizeof own;
	own_set = listen && evutil_parse_sockaddr_port(listen, (struct sockaddr *)&own, &len) == 0;
	own_any = own_set && pd_addr_class_of((struct sockaddr *)&own) == PD_ADDR_UNSPECIFIED;
	own_public(public_url);
}

static bool public_address(const struct sockaddr *sa)
{
	for (size_t i = 0; i < public_n; i++)
		if (pd_addr_same_ip(sa, (const struct sockaddr *)&public_addrs[i]))
			return true;
	return false;
}

/* An address of one of this host's interfaces? */
static bool interface_address(const struct sockaddr *sa)
{
	struct ifaddrs *list, *i;
	bool found = false;
	if (getifaddrs(&list) != 0)
		return true; /* unknown: fail closed */
	for (i = list; i && !found; i = i->ifa_next)
		found = i->ifa_addr && pd_addr_same_ip(i->ifa_addr, sa);
	freeifaddrs(list);
	return found;
}

bool pd_webhook_addr_ok(const struct sockaddr *sa, bool allow_private)
{
	if (allow_private)
		return sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6);
	if (pd_addr_class_of(sa) != PD_ADDR_PUBLIC)
		return false;
	if ((own_set && pd_addr_same_ip(sa, (const struct sockaddr *)&own)) || public_address(sa))
		return false;
	return !(own_any && interface_address(sa));
}

static void addr_text(const struct sockaddr *sa, char *buf, size_t cap)
{
	const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
						  : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
}

/* Is host an address literal (then it is the address it resolves to: named once)? */
static bool literal(const char *host)
{
	unsigned char a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* ---- resolving a host, bounded ----
 * getaddrinfo waits as long as the resolver likes, so it runs on a thread of its own and the
 * caller waits at most RESOLVE_MS for it.  A lookup given up on keeps its thread until the
 * resolver answers (getaddrinfo cannot be cancelled) and counts against RESOLVE_MAX until
 * then: past it the caller is told PD_HOST_BUSY at once, never a thread more. */

struct lookup {
	pthread_mutex_t mu;
	pthread_cond_t cv;           /* CLOCK_MONOTONIC */
	int refs;                    /* the caller and the thread */
	bool done;
	int rc;
	struct addrinfo *res;
	char host[256], service[16];
};

static atomic_int lookups;           /* threads resolving now, given up on or not */

static void lookup_unref(struct lookup *l)
{
	pthread_mutex_lock(&l->mu);
	int left = --l->refs;
	pthread_mutex_unlock(&l->mu);
	if (left)
		return;
	if (l->res)
		freeaddrinfo(l->res);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static void *lookup_run(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(l->host, l->service, &hints, &res);
	pthread_mutex_lock(&l->mu);
	l->rc = rc, l->res = res, l->done = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	atomic_fetch_sub(&lookups, 1);
	lookup_unref(l);
	return NULL;
}

static struct lookup *lookup_new(const char *host, int port)
{
	struct lookup *l = calloc(1, sizeof *l);
	pthread_condattr_t ca;
	if (!l)
		return NULL;
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	l->refs = 2;
	snprintf(l->host, sizeof l->host, "%s", host);
	snprintf(l->service, sizeof l->service, "%d", port);
	return l;
}

/* Started on its own detached thread: PD_HOST_OK with *out, or PD_HOST_BUSY. */
static enum pd_host_check lookup_start(const char *host, int port, struct lookup **out)
{
	pthread_t t;
	pthread_attr_t a;
	if (atomic_fetch_add(&lookups, 1) >= PD_WEBHOOK_RESOLVE_MAX) {
		atomic_fetch_sub(&lookups, 1);
		return PD_HOST_BUSY;
	}
	struct lookup *l = lookup_new(host, port);
	bool started = false;
	if (l && pthread_attr_init(&a) == 0) {
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		started = pthread_create(&t, &a, lookup_run, l) == 0;
		pthread_attr_destroy(&a);
	}
	if (!started) {
		atomic_fetch_sub(&lookups, 1);
		if (l)
			l->refs = 1, lookup_unref(l);
		return PD_HOST_BUSY;
	}
	*out = l;
	return PD_HOST_OK;
}

/* Waits for l until RESOLVE_MS have passed: true when it answered. */
static bool lookup_wait(struct lookup *l)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += PD_WEBHOOK_RESOLVE_MS / 1000;
	until.tv_nsec += (long)(PD_WEBHOOK_RESOLVE_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&l->mu);
	while (!l->done && pthread_cond_timedwait(&l->cv, &l->mu, &until) == 0)
		;
	bool done = l->done;
	pthread_mutex_unlock(&l->mu);
	return done;
}

/* An address literal needs no resolver: it is taken as it is, at once. */
static struct addrinfo *numeric(const char *host, const char *service)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *res = NULL;
	return getaddrinfo(host, service, &hints, &res) == 0 ? res : NULL;
}

/* Every address of res allowed? `what` names the first refused. */
static enum pd_host_check check_all(const char *host, const struct addrinfo *res, bool allow_private, char *what,
				    size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	for (const struct addrinfo *i = res; i; i = i->ai_next) {
		if (pd_webhook_addr_ok(i->ai_addr, allow_private))
			continue;
		addr_text(i->ai_addr, ip, sizeof ip);
		if (!literal(host))
			snprintf(what, cap, "%s (%s)", host, ip);
		return PD_HOST_REFUSED;
	}
	return PD_HOST_OK;
}

/* host's addresses into *res (freeaddrinfo): a literal at once, a name bounded. */
static enum pd_host_check resolve(const char *host, int port, struct addrinfo **res)
{
	char service[16];
	struct lookup *l = NULL;
	snprintf(service, sizeof service, "%d", port);
	if (literal(host))
		return (*res = numeric(host, service)) ? PD_HOST_OK : PD_HOST_UNRESOLVED;
	enum pd_host_check v = lookup_start(host, port, &l);
	if (v != PD_HOST_OK)
		return v;
	if (!lookup_wait(l))
		v = PD_HOST_SLOW;
	else if (l->rc != 0 || !l->res)
		v = PD_HOST_UNRESOLVED;
	else
		*res = l->res, l->res = NULL;
	lookup_unref(l);
	return v;
}

enum pd_host_check pd_webhook_check_host(const char *host, int port, bool allow_private, char *what, size_t cap)
{
	struct addrinfo *res = NULL;
	snprintf(what, cap, "%s", host);
	if (!allow_private && *public_host && !strcasecmp(host, public_host))
		return PD_HOST_REFUSED; /* --public-url's own name */
	enum pd_host_check v = resolve(host, port, &res);
	if (v == PD_HOST_OK) {
		v = check_all(host, res, allow_private, what, cap);
		freeaddrinfo(res);
	}
	return v;
}

/* ---- the delivery thread ----
 * One thread, one libcurl multi handle.  Per registration, in turn: hold its lease (a
 * conditional update in the store, renewed while working, taken over once it lapses), take
 * the feed's events after its cursor (a delivery row for each registered one, the cursor moved
 * over all, one transaction), then attempt its lowest pending delivery when due.  An attempt's
 * answer is recorded with the delivery's new state in one transaction; until then nothing
 * about it is in the store, so after a crash the attempt whose answer was lost is the one
 * sent again.  Every change goes to the writer queue as a job of its own and is waited for;
 * reads use the thread's own store connection. */

#define TAKE_MAX 100        /* events taken from the feed per transaction */
#define POLL_MS 1000        /* the store is looked at this often for other instances' events */
#define ATTEMPT_MS 10000    /* an attempt takes this long at most (connect included) */
#define LEASE_MS 20000      /* a lease lasts this long ... */
#define RENEW_MS 5000       /* ... is renewed when less than this is left ... */
#define START_MS 15000      /* ... and before an attempt when less than this is */
_Static_assert(START_MS > ATTEMPT_MS && START_MS < LEASE_MS, "an attempt ends before its lease lapses");
#define ATTEMPTS 10         /* per round, as Partner Center; then parked */
#define BODY_CAP 4096       /* bytes of a receiver's answer read at most */
#define MESSAGE_MAX 256     /* of it kept in the attempt's message */

struct attempt;

struct reg {
	char *partner, *sub, *url, *events;
	long long cursor;
	long long lease_until;       /* ours, ms; 0: not held */
	long long due;               /* ms: look again then */
	bool seen;                   /* in the store at the last reload */
	struct attempt *busy;        /* in flight */
};

struct attempt {
	struct pd_delivery *dl;
	struct reg *reg;
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	struct pd_arena *ar;
	struct pd_wdelivery d;
	char answer[BODY_CAP + 1];
	size_t answer_len;
	char refused[160];           /* the address the socket check refused */
	char errbuf[CURL_ERROR_SIZE];
};

struct pd_delivery {
	const struct pd_config *cfg;
	struct pd_queue *writer;
	struct store *st;
	CURLM *multi;
	pthread_t th;
	atomic_bool stop, woken;
	char owner[PD_UUID_LEN + 1]; /* this instance, for the leases */
	bool local;                  /* SQLite: one server per store, no lease needed */
	char base[PD_WEBHOOK_URL_MAX];  /* partnerd's public base URL (no trailing '/') */
	struct reg **regs;
	size_t nregs;
	long long next_reload;
};

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- writes: a job for the writer, waited for ---- */

struct wjob {
	struct pd_job job;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	enum pd_err (*fn)(struct store *, void *);
	void *arg;
};

static void wjob_run(struct pd_job *j, struct store *st)
{
	struct wjob *w = (struct wjob *)j;
	j->err = w->fn(st, w->arg);
}

static void wjob_done(struct pd_job *j)
{
	struct wjob *w = (struct wjob *)j;
	pthread_mutex_lock(&w->mu);
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* fn(st, arg) in a savepoint of the writer's next group; its result once committed. */
static enum pd_err write_sync(struct pd_delivery *dl, enum pd_err (*fn)(struct store *, void *), void *arg)
{
	struct wjob w = {.job = {.run = wjob_run, .done = wjob_done}, .fn = fn, .arg = arg};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	enum pd_err e = PD_EBUSY;
	if (pd_queue_submit(dl->writer, &w.job)) {
		pthread_mutex_lock(&w.mu);
		while (!w.done)
			pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		e = w.job.err;
	}
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
	return e;
}

struct lease_job {
	const struct reg *reg;
	const char *owner;
	long long now, until;
};

static enum pd_err lease_run(struct store *st, void *arg)
{
	struct lease_job *l = arg;
	return store_webhook_lease(st, l->reg->partner, l->reg->sub, l->owner, l->now, l->until);
}

struct take_job {
	const struct reg *reg;
	const struct pd_event *ev;
	size_t n;
	long long now;
};

static bool registered(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ','))
		if (strcspn(p, ",") == n && !strncmp(p, name, n))
			return true;
	return false;
}

/* A delivery for each registered event; the cursor over all of them, from where it was read. */
static enum pd_err take_run(struct store *st, void *arg)
{
	struct take_job *t = arg;
	enum pd_err e = store_webhook_advance(st, t->reg->partner, t->reg->sub, t->reg->cursor, t->ev[t->n - 1].seq);
	for (size_t i = 0; i < t->n && e == PD_OK; i++) {
		if (!registered(t->reg->events, t->ev[i].name))
			continue;
		struct pd_wdelivery d = {.partner_id = t->reg->partner, .seq = t->ev[i].seq, .subscriber_id = t->reg->sub,
					 .event_name = t->ev[i].name, .state = "pending", .next_at_ms = t->now,
					 .created = t->now / 1000, .updated = t->now / 1000};
		e = store_wdelivery_insert(st, &d);
	}
	return e;
}

struct record_job {
	struct pd_wattempt a;
	struct pd_wdelivery d;
};

static enum pd_err record_run(struct store *st, void *arg)
{
	struct record_job *r = arg;
	return store_wdelivery_record(st, &r->a, &r->d);
}

/* ---- registrations ---- */

static void reg_free(struct reg *g)
{
	if (!g)
		return;
	free(g->partner), free(g->sub), free(g->url), free(g->events);
	free(g);
}

static struct reg *reg_find(struct pd_delivery *dl, const char *partner)
{
	for (size_t i = 0; i < dl->nregs; i++)
		if (!strcmp(dl->regs[i]->partner, partner))
			return dl->regs[i];
	return NULL;
}

/* w as the in-memory registration g (a new one when its subscriber changed). */
static void reg_set(struct reg *g, const struct pd_webhook *w)
{
	if (g->sub && strcmp(g->sub, w->subscriber_id))
		g->lease_until = 0;
	free(g->sub), free(g->url), free(g->events);
	g->sub = strdup(w->subscriber_id), g->url = strdup(w->url), g->events = strdup(w->events);
	g->cursor = w->cursor;
	g->seen = true;
	g->due = 0;
}

/* A new registration of `partner` in the table; NULL when out of memory. */
static struct reg *reg_add(struct pd_delivery *dl, const char *partner)
{
	struct reg **more = realloc(dl->regs, (dl->nregs + 1) * sizeof *dl->regs), *g;
	if (!more)
		return NULL;
	dl->regs = more;
	if (!(g = calloc(1, sizeof *g)) || !(g->partner = strdup(partner))) {
		free(g);
		return NULL;
	}
	return dl->regs[dl->nregs++] = g;
}

/* The store's registrations; those gone are dropped once nothing is in flight for them. */
static void reload(struct pd_delivery *dl)
{
	struct pd_arena *ar = pd_arena_new();
	struct pd_webhook *rows;
	size_t n, kept = 0;
	if (store_webhook_all(dl->st, &rows, &n, ar) != PD_OK) {
		pd_arena_free(ar);
		return;
	}
	for (size_t i = 0; i < dl->nregs; i++)
		dl->regs[i]->seen = false;
	for (size_t i = 0; i < n; i++) {
		struct reg *g = reg_find(dl, rows[i].partner_id);
		if (!g && !(g = reg_add(dl, rows[i].partner_id)))
			continue;
		if (!g->busy)
			reg_set(g, &rows[i]);
		g->seen = true;
	}
	for (size_t i = 0; i < dl->nregs; i++)
		if (dl->regs[i]->seen || dl->regs[i]->busy)
			dl->regs[kept++] = dl->regs[i];
		else
			reg_free(dl->regs[i]);
	dl->nregs = kept;
	pd_arena_free(ar);
}

/* ---- an attempt ---- */

static size_t on_answer(char *p, size_t size, size_t n, void *arg)
{
	struct attempt *t = arg;
	size_t len = size * n, room = BODY_CAP - t->answer_len, take = len < room ? len : room;
	memcpy(t->answer + t->answer_len, p, take);
	t->answer_len += take;
	return take; /* less than len: more than we read, the transfer ends (its status is the answer) */
}

/* CURLOPT_OPENSOCKETFUNCTION: the address curl is about to connect to, after DNS, checked
 * again, so a name that resolved to a public address at registration and to a private one now
 * (DNS rebinding) is refused on the socket itself. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct attempt *t = arg;
	char ip[INET6_ADDRSTRLEN];
	if (purpose != CURLSOCKTYPE_IPCXN || !pd_webhook_addr_ok(&a->addr, t->dl->cfg->webhook_allow_private)) {
		addr_text(&a->addr, ip, sizeof ip);
		snprintf(t->refused, sizeof t->refused, "refused: %s is not a public address (--webhook-allow-private)", ip);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* ISO 8601 UTC of unix seconds, as Partner Center writes ResourceChangeUtcDate. */
static void iso(long long t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

/* The event as Partner Center posts it: EventName, ResourceUri, ResourceName, AuditUri,
 * ResourceChangeUtcDate, in that order (malloc'd). */
static char *event_body(struct pd_delivery *dl, const struct pd_event *ev)
{
	char when[40];
	iso(ev->created, when, sizeof when);
	json_t *o = json_object();
	json_object_set_new(o, "EventName", json_string(ev->name));
	json_object_set_new(o, "ResourceUri", json_pack("s++", dl->base, "", ev->resource_uri));
	json_object_set_new(o, "ResourceName", json_string(ev->resource_name));
	json_object_set_new(o, "AuditUri", ev->audit_id ? json_pack("s++", dl->base, "/v1/auditrecords/", ev->audit_id)
						    : json_null());
	json_object_set_new(o, "ResourceChangeUtcDate", json_string(when));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

static struct curl_slist *headers(struct pd_delivery *dl, const char *sig, const struct pd_wdelivery *d)
{
	char line[PD_WEBHOOK_URL_MAX + 64];
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	snprintf(line, sizeof line, "Authorization: Signature %s", sig);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "X-MS-Signature-Algorithm: rsa-sha256");
	snprintf(line, sizeof line, "X-MS-Certificate-Url: %s/webhooks/v1/certificate", dl->base);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof line, "X-Partnerd-Cursor: %lld", d->seq);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof line, "X-Partnerd-Attempt: %lld", d->attempts + 1);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Expect:");
	return curl_slist_append(h, "User-Agent: partnerd-webhooks/" PD_VERSION);
}

/* Timeouts, no redirects, no proxy (the socket checked is the receiver's), TLS verified. */
static void easy_options(struct pd_delivery *dl, struct attempt *t, const char *url)
{
	CURL *e = t->easy;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, dl->cfg->webhook_allow_http ? "http,https" : "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)ATTEMPT_MS);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (dl->cfg->webhook_ca)
		curl_easy_setopt(e, CURLOPT_CAINFO, dl->cfg->webhook_ca);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(t->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->hdrs);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
}

static void attempt_free(struct attempt *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->hdrs);
	free(t->body);
	pd_arena_free(t->ar);
	free(t);
}

/* The wait before the next attempt after `round` failed ones: --webhook-retry-min doubled per
 * attempt, at most --webhook-retry-max, then 80-120% of it. */
static long long backoff(const struct pd_config *cfg, long long round)
{
	long long ms = cfg->webhook_retry_min_ms;
	for (long long i = 1; i < round && ms < cfg->webhook_retry_max_ms; i++)
		ms *= 2;
	if (ms > cfg->webhook_retry_max_ms)
		ms = cfg->webhook_retry_max_ms;
	return ms * (80 + (long long)randombytes_uniform(41)) / 100;
}

/* The attempt's result, then the delivery's next state, in one transaction. */
static void record(struct pd_delivery *dl, const struct pd_wdelivery *d, const char *url, int status,
		   const char *message, bool system_error)
{
	long long now = now_ms(), n = d->attempts + 1;
	bool ok = status >= 200 && status < 300, parked = !ok && n - d->round_start >= ATTEMPTS;
	struct record_job r = {
		.a = {.partner_id = d->partner_id, .seq = d->seq, .n = n, .at_ms = now, .url = url, .status = status,
		      .message = message, .system_error = system_error},
		.d = *d};
	r.d.state = ok ? "delivered" : parked ? "parked" : "pending";
	r.d.attempts = n;
	r.d.next_at_ms = ok || parked ? 0 : now + backoff(dl->cfg, n - d->round_start);
	r.d.updated = now / 1000;
	enum pd_err e = write_sync(dl, record_run, &r);
	pd_metrics_webhook_attempt(ok);
	if (e == PD_OK && (ok || parked))
		pd_metrics_webhook_done(parked);
}

/* The event of delivery d, from the feed; false when the feed no longer has it. */
static bool event_of(struct pd_delivery *dl, const struct pd_wdelivery *d, struct pd_event *ev, struct pd_arena *ar)
{
	struct pd_event *rows;
	size_t n = 0;
	if (store_event_list(dl->st, d->partner_id, d->seq - 1, 1, &rows, &n, ar) != PD_OK || !n || rows[0].seq != d->seq)
		return false;
	*ev = rows[0];
	return true;
}

/* Starts delivery d of registration g: signed, on the multi handle.  What cannot even be sent
 * (the event pruned from the feed, no key) is recorded as a failed attempt on partnerd's side. */
static void start(struct pd_delivery *dl, struct reg *g, const struct pd_wdelivery *d, struct pd_arena *ar)
{
	struct pd_event ev;
	char err[300];
	struct attempt *t = calloc(1, sizeof *t);
	if (!t)
		return;
	t->dl = dl, t->reg = g, t->d = *d, t->ar = ar;
	const char *failed = !event_of(dl, d, &ev, ar) ? "the event is no longer in the feed (retention)"
			   : pd_signer_ready(dl->cfg->signer, err, sizeof err) != 0 ? err : NULL;
	if (failed) {
		record(dl, d, g->url, 0, failed, true);
		attempt_free(t);
		return;
	}
	char *sig = (t->body = event_body(dl, &ev)) ? pd_signer_sign(dl->cfg->signer, t->body, strlen(t->body)) : NULL;
	if (sig && (t->easy = curl_easy_init())) {
		t->hdrs = headers(dl, sig, d);
		easy_options(dl, t, g->url);
	}
	free(sig);
	if (!t->easy || curl_multi_add_handle(dl->multi, t->easy) != CURLM_OK) {
		record(dl, d, g->url, 0, "cannot sign or send the event", true);
		attempt_free(t);
		return;
	}
	g->busy = t;
}

/* The receiver's answer as one line of printable text, at most MESSAGE_MAX bytes (arena). */
static const char *answer_text(struct attempt *t)
{
	char *s = pd_alloc(t->ar, MESSAGE_MAX + 1);
	size_t n = 0;
	for (size_t i = 0; i < t->answer_len && n < MESSAGE_MAX; i++)
		s[n++] = (unsigned char)t->answer[i] < 0x20 || t->answer[i] == 0x7f ? ' ' : t->answer[i];
	s[n] = 0;
	return s;
}

/* A finished transfer: its attempt recorded; the registration free for its next one. */
static void finish(struct pd_delivery *dl, struct attempt *t, CURLcode rc)
{
	long status = 0;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	bool answered = status > 0 && (rc == CURLE_OK || rc == CURLE_WRITE_ERROR);
	const char *msg = *t->refused ? t->refused : answered ? answer_text(t) : *t->errbuf ? t->errbuf
						   : curl_easy_strerror(rc);
	curl_multi_remove_handle(dl->multi, t->easy);
	record(dl, &t->d, t->reg->url, answered ? (int)status : 0, msg, *t->refused != 0);
	t->reg->busy = NULL;
	t->reg->due = 0;
	attempt_free(t);
}

static void harvest(struct pd_delivery *dl)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(dl->multi, &left))) {
		char *t = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &t);
		if (t)
			finish(dl, (struct attempt *)t, m->data.result);
	}
}

/* ---- a registration's turn ---- */

/* The lease held for `need` ms more at least (renewed if not); false when another instance
 * holds it (or it is gone).  An attempt starts with START_MS (it is not renewed while one is
 * in flight), so it ends before the lease lapses: another instance never sends the same event
 * meanwhile.  A SQLite store has one server (serve's flock): no other instance to share with. */
static bool leased(struct pd_delivery *dl, struct reg *g, long long now, long long need)
{
	if (dl->local || g->lease_until - now >= need)
		return true;
	struct lease_job l = {.reg = g, .owner = dl->owner, .now = now, .until = now + LEASE_MS};
	enum pd_err e = write_sync(dl, lease_run, &l);
	g->lease_until = e == PD_OK ? l.until : 0;
	return e == PD_OK;
}

/* New events after the cursor into the registration's deliveries: true when any were taken. */
static bool take(struct pd_delivery *dl, struct reg *g, long long now, struct pd_arena *ar)
{
	struct pd_event *ev;
	size_t n = 0;
	if (store_event_list(dl->st, g->partner, g->cursor, TAKE_MAX, &ev, &n, ar) != PD_OK || !n)
		return false;
	struct take_job t = {.reg = g, .ev = ev, .n = n, .now = now};
	enum pd_err e = write_sync(dl, take_run, &t);
	if (e == PD_OK)
		g->cursor = ev[n - 1].seq;
	else /* another instance took them, or the registration changed: read it again */
		atomic_store(&dl->woken, true);
	return e == PD_OK;
}

static void step(struct pd_delivery *dl, struct reg *g, long long now)
{
	struct pd_arena *ar = pd_arena_new();
	struct pd_wdelivery d;
	g->due = now + POLL_MS;
	if (!leased(dl, g, now, RENEW_MS)) {
		pd_arena_free(ar);
		return;
	}
	while (take(dl, g, now, ar))
		;
	enum pd_err e = store_wdelivery_next(dl->st, g->partner, &d, ar);
	if (e == PD_OK && d.next_at_ms > now) /* a retry's wait: the lease stays renewed meanwhile */
		g->due = d.next_at_ms < g->due ? d.next_at_ms : g->due;
	else if (e == PD_OK && !strcmp(d.subscriber_id, g->sub) && leased(dl, g, now_ms(), START_MS))
		ar = (start(dl, g, &d, ar), NULL); /* the attempt owns ar */
	pd_arena_free(ar);
}

/* How long to sleep: until the next due registration or reload, at most POLL_MS. */
static long wait_ms(struct pd_delivery *dl, long long now)
{
	long long until = dl->next_reload;
	for (size_t i = 0; i < dl->nregs; i++)
		if (!dl->regs[i]->busy && dl->regs[i]->due < until)
			until = dl->regs[i]->due;
	return until <= now ? 0 : until - now > POLL_MS ? POLL_MS : (long)(until - now);
}

static void lag(struct pd_delivery *dl)
{
	long long sum = 0, first, last;
	for (size_t i = 0; i < dl->nregs; i++)
		if (store_event_bounds(dl->st, dl->regs[i]->partner, &first, &last) == PD_OK && last > dl->regs[i]->cursor)
			sum += last - dl->regs[i]->cursor;
	pd_metrics_webhook_lag(sum);
}

static void *delivery_main(void *arg)
{
	struct pd_delivery *dl = arg;
	int running;
	pthread_setname_np(pthread_self(), "pd-delivery");
	while (!atomic_load(&dl->stop)) {
		long long now = now_ms();
		if (atomic_exchange(&dl->woken, false) || now >= dl->next_reload) {
			reload(dl);
			lag(dl);
			dl->next_reload = now + POLL_MS;
		}
		for (size_t i = 0; i < dl->nregs && !atomic_load(&dl->stop); i++)
			if (!dl->regs[i]->busy && dl->regs[i]->due <= now)
				step(dl, dl->regs[i], now);
		curl_multi_perform(dl->multi, &running);
		harvest(dl);
		if (!atomic_load(&dl->woken))
			curl_multi_poll(dl->multi, NULL, 0, (int)wait_ms(dl, now_ms()), NULL);
		curl_multi_perform(dl->multi, &running);
		harvest(dl);
	}
	return NULL;
}

/* partnerd's public base: --public-url, else its own scheme and --listen. */
static void public_base(struct pd_delivery *dl)
{
	const struct pd_config *c = dl->cfg;
	if (c->public_url)
		snprintf(dl->base, sizeof dl->base, "%s", c->public_url);
	else
		snprintf(dl->base, sizeof dl->base, "%s://%s", c->tls ? "https" : "http", c->listen);
	size_t n = strlen(dl->base);
	while (n && dl->base[n - 1] == '/')
		dl->base[--n] = 0;
}

struct pd_delivery *pd_delivery_start(const struct pd_config *cfg, struct pd_queue *writer, char *err, size_t cap)
{
	struct pd_delivery *dl = calloc(1, sizeof *dl);
	char e2[256];
	if (!dl)
		return snprintf(err, cap, "out of memory"), NULL;
	dl->cfg = cfg, dl->writer = writer;
	pd_uuid_new(dl->owner);
	public_base(dl);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(dl->multi = curl_multi_init())) {
		snprintf(err, cap, "webhooks: cannot start libcurl");
	} else if (store_open(cfg->db, false, &dl->st, e2, sizeof e2) != PD_OK) {
		snprintf(err, cap, "webhooks: %s", e2);
	} else if ((dl->local = !strcmp(store_name(dl->st), "sqlite"), pthread_create(&dl->th, NULL, delivery_main, dl) == 0)) {
		pd_queue_on_commit(writer, pd_delivery_wake, dl);
		return dl;
	} else {
		snprintf(err, cap, "webhooks: cannot start the delivery thread");
	}
	if (dl->st)
		store_close(dl->st);
	if (dl->multi)
		curl_multi_cleanup(dl->multi);
	free(dl);
	return NULL;
}

void pd_delivery_wake(void *delivery)
{
	struct pd_delivery *dl = delivery;
	atomic_store(&dl->woken, true);
	curl_multi_wakeup(dl->multi);
}

/* A clean stop hands its leases over at once (held until 0: lapsed), not after LEASE_MS. */
static void release(struct pd_delivery *dl, struct reg *g)
{
	struct lease_job l = {.reg = g, .owner = dl->owner, .now = now_ms(), .until = 0};
	if (g->lease_until > l.now)
		write_sync(dl, lease_run, &l);
}

void pd_delivery_stop(struct pd_delivery *dl)
{
	if (!dl)
		return;
	pd_queue_on_commit(dl->writer, NULL, NULL);
	atomic_store(&dl->stop, true);
	curl_multi_wakeup(dl->multi);
	pthread_join(dl->th, NULL);
	for (size_t i = 0; i < dl->nregs; i++) {
		if (dl->regs[i]->busy) {
			curl_multi_remove_handle(dl->multi, dl->regs[i]->busy->easy);
			attempt_free(dl->regs[i]->busy);
		}
		release(dl, dl->regs[i]);
		reg_free(dl->regs[i]);
	}
	free(dl->regs);
	curl_multi_cleanup(dl->multi);
	curl_global_cleanup();
	store_close(dl->st);
	free(dl);
}
