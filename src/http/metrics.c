/* metrics.c - the process's counters and histograms (C11 atomics, relaxed: each is one
 * independent number, read as it is when scraped) and the Prometheus text exposition, served
 * on a listener and event loop of its own (see metrics.h). */
#include "metrics.h"
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define METHODS 8          /* GET HEAD POST PUT PATCH DELETE OPTIONS, other */
#define SLOTS 4096         /* (route, method, status) series at most; a power of two */
#define NS 1000000000.0

static const double latency_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
static const double batch_le[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
static const double commit_le[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
#define LAT_N (sizeof latency_le / sizeof latency_le[0])
#define MAX_BUCKETS 16

struct hist {
	atomic_ullong bucket[MAX_BUCKETS]; /* per bucket (not cumulative); the last: above all */
	atomic_ullong count, sum_ns;
};

struct series {
	atomic_uint key;   /* 0: free; else 1 + (route << 13 | method << 10 | status - 100) */
	atomic_ullong n;
};

static struct {
	const struct pd_route *routes;
	int nroutes;
	struct hist *latency;      /* [(nroutes + 1) * METHODS]: the last route is "no route" */
	struct series slots[SLOTS];
	atomic_ullong lost;        /* requests whose series found no free slot */
	atomic_llong inflight, queue;
	struct hist batch, commit;
	atomic_ullong reject[PD_REJECT_COUNT];
	atomic_ullong hook_attempts[2], hook_done[2]; /* [ok], [parked] */
	atomic_llong hook_lag;
	int (*conns)(void *);
	void *conns_arg;
	double started;
} M;

static const char *const method_names[METHODS] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"};

void pd_metrics_init(const struct pd_route *routes)
{
	if (M.latency)
		return; /* one table per process */
	M.routes = routes;
	M.nroutes = 0;
	while (routes[M.nroutes].pattern)
		M.nroutes++;
	M.latency = calloc((size_t)(M.nroutes + 1) * METHODS, sizeof *M.latency);
	if (!M.latency)
		abort();
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	M.started = (double)t.tv_sec + (double)t.tv_nsec / NS;
}

static int method_index(int m)
{
	for (int i = 0; i < METHODS - 1; i++)
		if (m == 1 << i)
			return i;
	return METHODS - 1;
}

static void observe(struct hist *h, const double *le, size_t n, double v)
{
	size_t i = 0;
	while (i < n && v > le[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ns, (unsigned long long)(v > 0 ? v * NS : 0), memory_order_relaxed);
}

/* The series' slot: found, or claimed by one compare-and-swap (open addressing). */
static struct series *slot(unsigned key)
{
	unsigned h = key * 2654435761u;
	for (unsigned i = 0; i < SLOTS; i++) {
		struct series *s = &M.slots[(h + i) & (SLOTS - 1)];
		unsigned cur = atomic_load_explicit(&s->key, memory_order_acquire);
		if (cur == key)
			return s;
		if (cur == 0) {
			unsigned want = 0;
			if (atomic_compare_exchange_strong(&s->key, &want, key) || want == key)
				return s;
		}
	}
	return NULL;
}

void pd_metrics_request(const struct pd_route *route, int method, int status, double secs)
{
	if (!M.latency)
		return;
	int r = route ? (int)(route - M.routes) : M.nroutes, m = method_index(method);
	if (r < 0 || r > M.nroutes)
		r = M.nroutes;
	if (status < 100 || status > 599)
		status = 599;
	observe(&M.latency[r * METHODS + m], latency_le, LAT_N, secs);
	struct series *s = slot(1u + ((unsigned)r << 13 | (unsigned)m << 10 | (unsigned)(status - 100)));
	atomic_fetch_add_explicit(s ? &s->n : &M.lost, 1, memory_order_relaxed);
}

void pd_metrics_inflight(int delta)
{
	atomic_fetch_add_explicit(&M.inflight, delta, memory_order_relaxed);
}

void pd_metrics_connections(int (*count)(void *arg), void *arg)
{
	M.conns_arg = arg;
	M.conns = count;
}

void pd_metrics_queue(int delta)
{
	atomic_fetch_add_explicit(&M.queue, delta, memory_order_relaxed);
}

void pd_metrics_commit(int jobs, double secs)
{
	observe(&M.batch, batch_le, sizeof batch_le / sizeof batch_le[0], jobs);
	observe(&M.commit, commit_le, sizeof commit_le / sizeof commit_le[0], secs);
}

void pd_metrics_reject(enum pd_metric_reject why)
{
	atomic_fetch_add_explicit(&M.reject[why], 1, memory_order_relaxed);
}

/* ---- the exposition ---- */

static unsigned long long get(atomic_ullong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* A label value: backslash, quote and newline escaped. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void route_labels(FILE *f, int r, int m)
{
	fputs("route=\"", f);
	label(f, r < M.nroutes ? M.routes[r].pattern : "unmatched");
	fprintf(f, "\",method=\"%s\"", method_names[m]);
}

static void hist_lines(FILE *f, const char *name, struct hist *h, const double *le, size_t n, int r, int m)
{
	unsigned long long cum = 0;
	for (size_t i = 0; i <= n; i++) {
		cum += get(&h->bucket[i]);
		fprintf(f, "%s_bucket{", name);
		if (r >= 0) {
			route_labels(f, r, m);
			fputc(',', f);
		}
		if (i < n)
			fprintf(f, "le=\"%g\"} %llu\n", le[i], cum);
		else
			fprintf(f, "le=\"+Inf\"} %llu\n", cum);
	}
	const char *open = r >= 0 ? "{" : "", *close = r >= 0 ? "}" : "";
	fprintf(f, "%s_sum%s", name, open);
	if (r >= 0)
		route_labels(f, r, m);
	fprintf(f, "%s %.9f\n%s_count%s", close, (double)get(&h->sum_ns) / NS, name, open);
	if (r >= 0)
		route_labels(f, r, m);
	fprintf(f, "%s %llu\n", close, get(&h->count));
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void requests(FILE *f)
{
	head(f, "partnerd_http_requests_total", "counter", "HTTP requests answered, by route template, method and status.");
	for (int i = 0; i < SLOTS; i++) {
		unsigned key = atomic_load_explicit(&M.slots[i].key, memory_order_acquire);
		if (!key--)
			continue;
		int r = (int)(key >> 13), m = (int)(key >> 10 & 7), status = (int)(key & 1023) + 100;
		fputs("partnerd_http_requests_total{", f);
		route_labels(f, r, m);
		fprintf(f, ",status=\"%d\"} %llu\n", status, get(&M.slots[i].n));
	}
	head(f, "partnerd_http_requests_unrecorded_total", "counter",
	     "HTTP requests not in partnerd_http_requests_total: more route, method and status series than it keeps.");
	fprintf(f, "partnerd_http_requests_unrecorded_total %llu\n", get(&M.lost));
	head(f, "partnerd_http_request_duration_seconds", "histogram",
	     "Time from a request's arrival to its reply, by route template and method.");
	for (int r = 0; r <= M.nroutes; r++)
		for (int m = 0; m < METHODS; m++)
			if (get(&M.latency[r * METHODS + m].count))
				hist_lines(f, "partnerd_http_request_duration_seconds", &M.latency[r * METHODS + m],
					   latency_le, LAT_N, r, m);
}

static void gauges(FILE *f)
{
	head(f, "partnerd_http_requests_in_flight", "gauge", "Requests received and not answered yet.");
	fprintf(f, "partnerd_http_requests_in_flight %lld\n", (long long)atomic_load(&M.inflight));
	head(f, "partnerd_http_open_connections", "gauge", "Client connections open.");
	fprintf(f, "partnerd_http_open_connections %d\n", M.conns ? M.conns(M.conns_arg) : 0);
	head(f, "partnerd_writer_queue_depth", "gauge", "Write jobs waiting for the writer thread.");
	fprintf(f, "partnerd_writer_queue_depth %lld\n", (long long)atomic_load(&M.queue));
	head(f, "partnerd_writer_batch_size", "histogram", "Write jobs per group commit.");
	hist_lines(f, "partnerd_writer_batch_size", &M.batch, batch_le, sizeof batch_le / sizeof batch_le[0], -1, 0);
	head(f, "partnerd_writer_commit_seconds", "histogram", "Time of a group's commit (the fsync of SQLite's WAL).");
	hist_lines(f, "partnerd_writer_commit_seconds", &M.commit, commit_le, sizeof commit_le / sizeof commit_le[0], -1, 0);
}

void pd_metrics_webhook_attempt(bool ok)
{
	atomic_fetch_add_explicit(&M.hook_attempts[ok], 1, memory_order_relaxed);
}

void pd_metrics_webhook_done(bool parked)
{
	atomic_fetch_add_explicit(&M.hook_done[parked], 1, memory_order_relaxed);
}

void pd_metrics_webhook_lag(long long events)
{
	atomic_store_explicit(&M.hook_lag, events, memory_order_relaxed);
}

static void webhooks(FILE *f)
{
	head(f, "partnerd_webhook_attempts_total", "counter", "Webhook delivery attempts by result (a 2xx answer or not).");
	fprintf(f, "partnerd_webhook_attempts_total{result=\"success\"} %llu\n"
		   "partnerd_webhook_attempts_total{result=\"failure\"} %llu\n",
		get(&M.hook_attempts[1]), get(&M.hook_attempts[0]));
	head(f, "partnerd_webhook_deliveries_total", "counter",
	     "Webhook deliveries done, by outcome: delivered, or parked after 10 failed attempts.");
	fprintf(f, "partnerd_webhook_deliveries_total{outcome=\"delivered\"} %llu\n"
		   "partnerd_webhook_deliveries_total{outcome=\"parked\"} %llu\n",
		get(&M.hook_done[0]), get(&M.hook_done[1]));
	head(f, "partnerd_webhook_queue_lag_events", "gauge",
	     "Feed events not yet taken by this instance's registrations (last seq less cursor, summed).");
	fprintf(f, "partnerd_webhook_queue_lag_events %lld\n", (long long)atomic_load(&M.hook_lag));
}

static void rejections(FILE *f)
{
	head(f, "partnerd_signin_throttled_total", "counter", "Sign-ins refused by the sign-in protection (429).");
	fprintf(f, "partnerd_signin_throttled_total %llu\n", get(&M.reject[PD_REJECT_SIGNIN_THROTTLED]));
	head(f, "partnerd_signin_unavailable_total", "counter",
	     "Sign-ins refused with 503: the protection's counters all in use, or its store busy.");
	fprintf(f, "partnerd_signin_unavailable_total %llu\n", get(&M.reject[PD_REJECT_SIGNIN_UNAVAILABLE]));
	head(f, "partnerd_rate_limited_total", "counter", "Requests refused by the per-partner rate limit (429).");
	fprintf(f, "partnerd_rate_limited_total %llu\n", get(&M.reject[PD_REJECT_RATE_LIMIT]));
	head(f, "partnerd_build_info", "gauge", "partnerd's version; always 1.");
	fprintf(f, "partnerd_build_info{version=\"%s\"} 1\n", PD_VERSION);
	head(f, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.");
	fprintf(f, "process_start_time_seconds %.3f\n", M.started);
}

/* The store's calls per operation (store_call.c's counters); operations never called are left out. */
static void store_calls(FILE *f)
{
	struct store_call_stats st[STORE_OP_COUNT];
	for (int op = 0; op < STORE_OP_COUNT; op++)
		store_call_stats((enum store_op)op, &st[op]);
	head(f, "partnerd_store_calls_total", "counter",
	     "Store calls by operation and result (error: any answer but success, not found and conflicts included).");
	for (int op = 0; op < STORE_OP_COUNT; op++)
		if (st[op].ok || st[op].error)
			fprintf(f, "partnerd_store_calls_total{op=\"%s\",result=\"ok\"} %llu\n"
				   "partnerd_store_calls_total{op=\"%s\",result=\"error\"} %llu\n",
				store_op_name((enum store_op)op), st[op].ok, store_op_name((enum store_op)op), st[op].error);
	head(f, "partnerd_store_call_duration_seconds", "histogram", "Time of a store call, by operation.");
	for (int op = 0; op < STORE_OP_COUNT; op++) {
		const char *name = store_op_name((enum store_op)op);
		unsigned long long cum = 0;
		if (!st[op].ok && !st[op].error)
			continue;
		for (int b = 0; b < STORE_CALL_BUCKETS; b++) {
			cum += st[op].bucket[b];
			if (b < STORE_CALL_BUCKETS - 1)
				fprintf(f, "partnerd_store_call_duration_seconds_bucket{op=\"%s\",le=\"%g\"} %llu\n", name,
					(double)store_call_le_ns[b] / NS, cum);
			else
				fprintf(f, "partnerd_store_call_duration_seconds_bucket{op=\"%s\",le=\"+Inf\"} %llu\n", name, cum);
		}
		fprintf(f, "partnerd_store_call_duration_seconds_sum{op=\"%s\"} %.9f\n", name, (double)st[op].sum_ns / NS);
		fprintf(f, "partnerd_store_call_duration_seconds_count{op=\"%s\"} %llu\n", name, cum);
	}
}

/* With PostgreSQL read replicas (--db-read): who answered the routed reads, each replica's state. */
static void replicas(FILE *f)
{
	struct store_replica r[8];
	unsigned long long primary;
	int n = store_replicas(r, 8, &primary);
	if (!n)
		return;
	unsigned long long replica = 0;
	for (int i = 0; i < n; i++)
		replica += r[i].reads;
	head(f, "partnerd_store_reads_total", "counter",
	     "Store reads that may go to a replica (a signed-in caller's GET), by who answered them.");
	fprintf(f, "partnerd_store_reads_total{target=\"primary\"} %llu\npartnerd_store_reads_total{target=\"replica\"} %llu\n",
		primary, replica);
	head(f, "partnerd_store_replica_reads_total", "counter", "Store reads a replica answered, by its place in --db-read.");
	for (int i = 0; i < n; i++)
		fprintf(f, "partnerd_store_replica_reads_total{replica=\"%d\"} %llu\n", i + 1, r[i].reads);
	head(f, "partnerd_store_replica_up", "gauge",
	     "1: the replica answers and lags no more than --db-read-max-lag; 0: its reads go to the primary.");
	for (int i = 0; i < n; i++)
		fprintf(f, "partnerd_store_replica_up{replica=\"%d\"} %d\n", i + 1, r[i].usable);
	head(f, "partnerd_store_replica_lag_seconds", "gauge",
	     "How long ago the oldest write the replica has not replayed was made (0: none); left out when not known.");
	for (int i = 0; i < n; i++)
		if (r[i].lag >= 0)
			fprintf(f, "partnerd_store_replica_lag_seconds{replica=\"%d\"} %.3f\n", i + 1, r[i].lag);
}

char *pd_metrics_render(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	if (M.latency)
		requests(f);
	gauges(f);
	store_calls(f);
	replicas(f);
	rejections(f);
	webhooks(f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the listener ---- */

struct pd_metrics_server {
	struct event_base *base;
	struct evhttp *http;
	pthread_t th;
};

static void free_text(const void *data, size_t len, void *arg)
{
	(void)len, (void)arg;
	free((void *)data);
}

static void on_scrape(struct evhttp_request *req, void *arg)
{
	(void)arg;
	const char *uri = evhttp_request_get_uri(req);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET || !uri || strcmp(uri, "/metrics") != 0) {
		evhttp_send_error(req, 404, "only GET /metrics is served here");
		return;
	}
	size_t n = 0;
	char *text = pd_metrics_render(&n);
	struct evbuffer *out = evbuffer_new();
	if (!text || !out || evbuffer_add_reference(out, text, n, free_text, NULL) != 0) {
		free(text);
		if (out)
			evbuffer_free(out);
		evhttp_send_error(req, 503, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void *serve_metrics(void *arg)
{
	struct pd_metrics_server *m = arg;
	pthread_setname_np(pthread_self(), "pd-metrics");
	event_base_loop(m->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static evutil_socket_t bind_addr(const char *addr, char *err, size_t cap)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &len) != 0)
		return snprintf(err, cap, "--metrics-listen '%s' is not ADDR:PORT", addr), -1;
	evutil_socket_t fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || evutil_make_listen_socket_reuseable(fd) != 0 || bind(fd, (struct sockaddr *)&ss, (socklen_t)len) != 0 ||
	    listen(fd, 64) != 0) {
		snprintf(err, cap, "cannot listen on --metrics-listen %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct pd_metrics_server *pd_metrics_start(const char *addr, char *err, size_t cap)
{
	struct pd_metrics_server *m = calloc(1, sizeof *m);
	evutil_socket_t fd = m ? bind_addr(addr, err, cap) : -1;
	if (fd >= 0 && (!(m->base = event_base_new()) || !(m->http = evhttp_new(m->base)) ||
			evhttp_accept_socket(m->http, fd) != 0)) {
		snprintf(err, cap, "cannot serve --metrics-listen %s", addr);
		close(fd);
		fd = -1;
	}
	if (fd >= 0) {
		evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET);
		evhttp_set_timeout(m->http, 10);
		evhttp_set_gencb(m->http, on_scrape, m);
		if (pthread_create(&m->th, NULL, serve_metrics, m) == 0)
			return m;
		snprintf(err, cap, "cannot start the metrics thread");
	}
	if (m && m->http)
		evhttp_free(m->http);
	if (m && m->base)
		event_base_free(m->base);
	free(m);
	return NULL;
}

void pd_metrics_stop(struct pd_metrics_server *m)
{
	if (!m)
		return;
	event_base_loopbreak(m->base);
	pthread_join(m->th, NULL);
	evhttp_free(m->http);
	event_base_free(m->base);
	free(m);
}
