/* admission.h - which event loop accepts the next connection, and whether one may be accepted
 * at all: the accept turn, the connection cap (--max-connections, below the open-files limit)
 * and the pauses after accept() errors, each logged at most once a second.  One per server,
 * shared by its loops; see admission.c and docs/internals/requests.md ("Connection limits"). */
#ifndef PD_ADMISSION_H
#define PD_ADMISSION_H
#include <event2/event.h>
#include <event2/listener.h>
#include <pthread.h>
#include <stddef.h>
#include "guard.h"
#include "request.h"

struct pd_admit;

/* Raises the soft open-files limit to the hard one and returns the connection cap of cfg:
 * --max-connections, or the limit less what partnerd keeps for the rest (server.h); -1 with
 * a message in err if the limit cannot hold what was asked. */
int pd_admit_cap(const struct pd_config *cfg, int nloops, char *err, size_t cap);

/* nloops loops, at most max_conns connections; log lines are written under log_mu. */
struct pd_admit *pd_admit_new(int nloops, int max_conns, pthread_mutex_t *log_mu);
void pd_admit_free(struct pd_admit *a);

/* The events loop i's guard reports to admission (make the guard with them). */
struct pd_guard_events pd_admit_events(struct pd_admit *a, int i);
/* Loop i: its event base, its listener (enabled for loop 0 only) and guard; before it runs. */
void pd_admit_set_loop(struct pd_admit *a, int i, struct event_base *base, struct evconnlistener *lis,
		       struct pd_guard *g);
/* On loop i's thread, before its events run. */
void pd_admit_enter(struct pd_admit *a, int i);
/* evhttp's bevcb of loop i: a connection was accepted; its bufferevent. */
struct bufferevent *pd_admit_connection(struct pd_admit *a, int i, struct event_base *base);
/* Loop i stops accepting for good; its listener may be freed when this returns. */
void pd_admit_stop(struct pd_admit *a, int i);
/* The connections open now (arg: the struct pd_admit; for the metrics), any thread. */
int pd_admit_open(void *arg);

#endif
