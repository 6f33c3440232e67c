/* guard.h - the connections of one event loop.
 * Slow clients (slow-loris): a deadline for a whole request to arrive.  libevent's read
 * timeout only bounds the gap between two reads, so a client sending a byte every few seconds
 * could hold a connection for days.  The guard drops a connection (shutdown, so evhttp reads
 * EOF and closes it) when a byte arrives more than `secs` seconds after its request began (its
 * first byte, or the last reply sent on it), unless the server is busy with a complete request
 * on it.  A silent client is left to the read timeout.
 * Idle connections, for the connection cap: a connection is idle while it waits for a request
 * (opened, or its last reply written out, and no byte since); the idle ones are kept in the
 * order they became idle, and pd_guard_evict closes the one idle longest to make room for a
 * new one.  The guard tells its owner when a connection closes, when one becomes idle and
 * when an idle one gets busy.  One guard per event loop, used on that loop's thread only but
 * for pd_guard_idle_since, which any thread may read. */
#ifndef PD_GUARD_H
#define PD_GUARD_H
#include <event2/http.h>
#include <stdbool.h>

struct pd_guard;

struct pd_guard_events {
	void (*closed)(void *arg, bool evicted); /* a connection the guard watched is gone */
	void (*idle)(void *arg);                 /* a connection became idle */
	void (*busy)(void *arg);                 /* an idle connection got a request's bytes */
	void *arg;
};

struct pd_guard *pd_guard_new(int secs, struct pd_guard_events ev);
void pd_guard_free(struct pd_guard *g);

/* Serve this loop's new connections over TLS (tls.h); before the loop accepts any. */
struct pd_tls;
void pd_guard_set_tls(struct pd_guard *g, struct pd_tls *tls);

/* The bufferevent of a new connection, watched by the guard: the loop's evhttp bevcb calls
 * it.  Every connection made so is reported once by `closed` (if the guard cannot watch it,
 * at once).  A refused one is closed as soon as evhttp has set it up (`closed` says evicted). */
struct bufferevent *pd_guard_bev(struct pd_guard *g, struct event_base *base, bool refuse);

/* The connection's request is complete (busy), or its reply is being sent (a new deadline;
 * idle once the reply is written out). */
void pd_guard_busy(struct pd_guard *g, struct evhttp_connection *conn);
void pd_guard_idle(struct pd_guard *g, struct evhttp_connection *conn);

/* Closes (shutdown) the connection idle longest if it has been idle min_idle seconds at
 * least; false if none has. */
bool pd_guard_evict(struct pd_guard *g, double min_idle);
/* When the connection idle longest became idle (pd_guard_now's clock), 0 if none is idle;
 * any thread. */
double pd_guard_idle_since(struct pd_guard *g);
double pd_guard_now(void);

#endif
