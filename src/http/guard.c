/* guard.c - the whole-request deadline of slow clients (see guard.h).  Each connection's
 * bufferevent is the plain socket one evhttp would make, with a callback on its input buffer
 * that runs whenever bytes arrive.  State lives in a per-loop table indexed by socket, so
 * nothing has to be freed with the connection: a slot names the bufferevent it describes and
 * is cleared by the connection's close callback (set on its first bytes), so a new
 * connection on a reused socket never inherits an old request's start. */
#include "guard.h"
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct slot {
	struct bufferevent *bev; /* the connection this slot describes */
	double since;            /* when its current request began */
	bool busy;               /* a complete request is being answered */
};

struct pd_guard {
	int secs;
	struct slot *by_fd;      /* this loop's connections by socket */
	size_t cap;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The slot of bev (made fresh if it described another connection), or NULL. */
static struct slot *slot_of(struct pd_guard *g, struct bufferevent *bev, bool create)
{
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	if (fd < 0)
		return NULL;
	if ((size_t)fd >= g->cap) {
		size_t cap = (size_t)fd * 2 + 64;
		struct slot *t = create ? realloc(g->by_fd, cap * sizeof *t) : NULL;
		if (!t)
			return NULL;
		for (size_t i = g->cap; i < cap; i++)
			t[i] = (struct slot){0};
		g->by_fd = t, g->cap = cap;
	}
	struct slot *s = &g->by_fd[fd];
	if (s->bev != bev) {
		if (!create)
			return NULL;
		*s = (struct slot){.bev = bev, .since = now()};
	}
	return s;
}

/* The guard of the loop running on this thread: set when the loop makes a connection's
 * bufferevent, which happens before any of its bytes can arrive. */
static _Thread_local struct pd_guard *loop_guard;

/* The connection is going away (its socket is still open): its slot is free again, so a
 * later connection on the same socket, even with a bufferevent at the same address, starts
 * afresh. */
static void on_close(struct evhttp_connection *ec, void *arg)
{
	struct pd_guard *g = arg;
	struct slot *s = slot_of(g, evhttp_connection_get_bufferevent(ec), false);
	if (s)
		*s = (struct slot){0};
}

/* Bytes arrived on a connection: drop it if its request has taken too long. */
static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	(void)in;
	struct bufferevent *bev = arg;
	struct pd_guard *g = loop_guard;
	if (!info->n_added || !g)
		return;
	struct slot *s = slot_of(g, bev, false);
	if (!s) { /* its first bytes: evhttp (2.1) sets its callbacks on bev with the connection as
		   their argument; its close callback frees the slot */
		void *ec = NULL;
		bufferevent_getcb(bev, NULL, NULL, NULL, &ec);
		if (!ec || !(s = slot_of(g, bev, true)))
			return;
		evhttp_connection_set_closecb(ec, on_close, g);
	}
	if (!s->busy && now() - s->since > g->secs)
		shutdown(bufferevent_getfd(bev), SHUT_RDWR); /* evhttp reads EOF and closes */
}

/* evhttp's own choice of bufferevent, plus the callback above. */
struct bufferevent *pd_guard_bev(struct pd_guard *g, struct event_base *base)
{
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	loop_guard = g;
	if (bev)
		evbuffer_add_cb(bufferevent_get_input(bev), on_input, bev);
	return bev;
}

void pd_guard_busy(struct pd_guard *g, struct evhttp_connection *ec)
{
	struct slot *s = slot_of(g, ec ? evhttp_connection_get_bufferevent(ec) : NULL, false);
	if (s)
		s->busy = true;
}

void pd_guard_idle(struct pd_guard *g, struct evhttp_connection *ec)
{
	struct slot *s = slot_of(g, ec ? evhttp_connection_get_bufferevent(ec) : NULL, false);
	if (s) {
		s->busy = false;
		s->since = now();
	}
}

struct pd_guard *pd_guard_new(int secs)
{
	struct pd_guard *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->secs = secs;
	return g;
}

void pd_guard_free(struct pd_guard *g)
{
	if (g)
		free(g->by_fd);
	free(g);
}
