/* feed.h - the change feed's API side (issue 22): the one helper every change calls to
 * write its events in its own write phase (so an event commits with its activity record or
 * not at all), GET /v1/events (pages, long-poll), and the retention step of the writer's
 * upkeep.  The names and resource names are the catalogue's (src/core/events.c). */
#ifndef PD_API_FEED_H
#define PD_API_FEED_H
#include "api.h"
#include "orders.h"

/* Writes event `kind` of the caller's partner about `uri` (a REST path, "/v1/customers/{id}",
 * stored relative) with the activity record `audit_id`, inside the write phase.  An unknown
 * kind is PD_EINTERNAL: nothing is written. */
enum pd_err pd_event_write(struct pd_req *r, struct store *st, const char *kind, const char *uri,
			   const char *audit_id);
/* The same for a change made outside a request (partnerd reseller add), in st's transaction. */
enum pd_err pd_event_put(struct store *st, const char *partner, const char *kind, const char *uri,
			 const char *audit_id, long long now);
/* One subscription-created per subscription order `o` made for `customer`. */
enum pd_err pd_event_order(struct pd_req *r, struct store *st, const char *customer, const struct pd_order *o,
			   const char *audit_id);

/* GET /v1/events?after=CURSOR&size=N&wait=SECONDS */
enum pd_next pd_events_list(struct pd_req *r);

/* The writer's upkeep (cfg: the server's struct pd_config): with --event-retention, at most
 * once a minute, removes the events older than it that no webhook delivery still needs
 * (store.h, event_prune). */
void pd_events_upkeep(struct store *st, const void *cfg);

#endif
