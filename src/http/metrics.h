/* metrics.h - the process's metrics and their Prometheus text exposition (GET /metrics on
 * --metrics-listen, a listener of its own, outside the API's routes and authentication).
 * Counters and histograms are C11 atomics (relaxed), bumped from any thread without a lock
 * and read when scraped: HTTP requests by route template, method and status, their latency,
 * requests in flight, open connections, the writer's queue depth, group-commit sizes and
 * commit (fsync) time, store calls and their time per operation (kept by store.h's entry
 * points), sign-in throttling and rate-limit rejections, build info and the process's start
 * time. */
#ifndef PD_METRICS_H
#define PD_METRICS_H
#include <stdbool.h>
#include <stddef.h>
#include "request.h"

#ifndef PD_VERSION
#define PD_VERSION "0.1.0"
#endif

/* Once, before any other call: the route table (its patterns are the route labels). */
void pd_metrics_init(const struct pd_route *routes);

/* One request answered: its route (NULL: none matched), method (PD_GET...), status and
 * duration in seconds. */
void pd_metrics_request(const struct pd_route *route, int method, int status, double secs);
void pd_metrics_inflight(int delta);
/* The open connections, read when scraped. */
void pd_metrics_connections(int (*count)(void *arg), void *arg);

void pd_metrics_queue(int delta);               /* jobs waiting for the writer */
void pd_metrics_commit(int jobs, double secs);  /* one group commit: its jobs, commit's time */

enum pd_metric_reject { PD_REJECT_SIGNIN_THROTTLED, PD_REJECT_SIGNIN_UNAVAILABLE, PD_REJECT_RATE_LIMIT, PD_REJECT_COUNT };
void pd_metrics_reject(enum pd_metric_reject why);

/* Webhooks (delivery.c): an attempt answered 2xx or not; a delivery done, delivered or parked;
 * the queue's lag (the feed's last seq less each registration's cursor, summed). */
void pd_metrics_webhook_attempt(bool ok);
void pd_metrics_webhook_done(bool parked);
void pd_metrics_webhook_lag(long long events);

/* The exposition (text format 0.0.4), malloc'd; NULL when out of memory. */
char *pd_metrics_render(size_t *len);

/* Serves GET /metrics on addr ("127.0.0.1:9100") in a thread of its own; NULL with err
 * set when it cannot listen.  pd_metrics_stop ends the thread and frees it. */
struct pd_metrics_server;
struct pd_metrics_server *pd_metrics_start(const char *addr, char *err, size_t cap);
void pd_metrics_stop(struct pd_metrics_server *m);

#endif
