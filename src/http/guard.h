/* guard.h - slow clients (slow-loris): a deadline for a whole request to arrive.  libevent's
 * read timeout only bounds the gap between two reads, so a client sending a byte every few
 * seconds could hold a connection for days.  The guard drops a connection (shutdown, so
 * evhttp reads EOF and closes it) when a byte arrives more than `secs` seconds after its
 * request began (its first byte, or the last reply sent on it), unless the server is busy
 * with a complete request on it.  A silent client is left to the read timeout.  One guard per
 * event loop; used on that loop's thread only. */
#ifndef PD_GUARD_H
#define PD_GUARD_H
#include <event2/http.h>

struct pd_guard;

struct pd_guard *pd_guard_new(int secs);
void pd_guard_free(struct pd_guard *g);

/* The bufferevent of a new connection, watched by the guard: the loop's evhttp bevcb calls it. */
struct bufferevent *pd_guard_bev(struct pd_guard *g, struct event_base *base);

/* The connection's request is complete (busy), or its reply has been sent (a new deadline). */
void pd_guard_busy(struct pd_guard *g, struct evhttp_connection *conn);
void pd_guard_idle(struct pd_guard *g, struct evhttp_connection *conn);

#endif
