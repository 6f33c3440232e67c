/* waiters.h - requests parked on their event loop until something they wait for commits (the
 * change feed's long-poll, GET /v1/events?wait=S).  A parked request holds no thread: it is
 * a timer and an entry in its loop's list.  It runs its route's prepare again when
 *   - the writer of this process commits a transaction that wrote an event of its partner
 *     (pd_waiters_note on the writer thread, pd_waiters_commit after the commit),
 *   - every PD_WAIT_POLL_MS with a store other processes write too (PostgreSQL),
 *   - its deadline passes, its client has gone, or the server stops (then for the last time).
 * The parked requests are bounded: PD_WAIT_PARTNER_MAX per partner, PD_WAIT_TOTAL_MAX in all
 * (pd_req_park refuses past them; the handler answers 429 / 503 with Retry-After). */
#ifndef PD_WAITERS_H
#define PD_WAITERS_H
#include <event2/event.h>
#include <stdbool.h>
#include "request.h"

#define PD_WAIT_PARTNER_MAX 64   /* parked requests of one partner at most */
#define PD_WAIT_TOTAL_MAX 1024   /* of the process at most */
#define PD_WAIT_POLL_MS 300      /* PostgreSQL: a parked request reads again this often */
#define PD_WAIT_CHECK_MS 1000    /* SQLite: how often a parked request checks that its client is there */

/* Why pd_req_park refused. */
enum pd_park { PD_PARK_OK, PD_PARK_PARTNER_FULL, PD_PARK_FULL };

/* The generation of `partner`'s events in this process: read it BEFORE reading the feed, and
 * give it to pd_req_park, so an event committed between the read and the parking wakes it. */
unsigned long long pd_waiters_gen(const char *partner);

/* From a route's prepare that found nothing to answer yet (any thread): park the request until
 * `until` (CLOCK_MONOTONIC, ms), holding one of the partner's slots until its reply is sent.
 * Reply nothing and return PD_REPLY after PD_PARK_OK.  When r->park.last is set, prepare runs
 * for the last time (deadline, client gone, shutdown): it answers what it has. */
enum pd_park pd_req_park(struct pd_req *r, long long until, unsigned long long gen);
/* CLOCK_MONOTONIC in ms. */
long long pd_mono_ms(void);

/* The writer thread: an event of `partner` is written in the open transaction. */
void pd_waiters_note(const char *partner);
/* The writer thread, after its transaction ended: committed, the noted partners' waiters wake. */
void pd_waiters_commit(bool committed);

/* ---- the server's side (server.c) ---- */

struct pd_waiter {               /* embedded in the server's request context */
	struct pd_waiter *prev, *next;
	struct pd_waiters *home;
	struct event *timer;
	struct evhttp_request *ev;   /* to see that its client left */
	struct pd_req *req;
	void *owner;
};

struct pd_waiters;
/* One per loop; rerun(owner, last) runs the owner's prepare again (last: for the last time). */
struct pd_waiters *pd_waiters_new(struct event_base *base, bool poll, void (*rerun)(void *owner, bool last));
void pd_waiters_free(struct pd_waiters *w);
/* r was parked by its prepare (r->park.until set, no reply): true when it now waits on this
 * loop (or was woken at once). */
bool pd_waiters_add(struct pd_waiters *ws, struct pd_waiter *w, struct pd_req *r, struct evhttp_request *ev,
		    void *owner);
/* The server stops: every parked request runs for the last time. */
void pd_waiters_stop(struct pd_waiters *ws);
/* The request's reply is being sent: its slot is free again. */
void pd_waiters_release(struct pd_req *r);

#endif
