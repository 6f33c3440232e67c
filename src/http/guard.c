/* guard.c - the connections of one event loop (see guard.h): the whole-request deadline of
 * slow clients and the idle connections the cap may close.  Each connection's bufferevent is
 * the plain socket one evhttp would make (or, over https, tls.c's TLS one: its input buffer
 * holds the decrypted bytes, so the guard reads requests, not records), with callbacks on its input buffer (bytes arrived)
 * and its output buffer (a reply written out).  State lives in a per-loop table indexed by
 * socket, so nothing has to be freed with the connection: a slot names the bufferevent it
 * describes and is cleared by the connection's close callback, so a new connection on a
 * reused socket never inherits an old request's start.
 *
 * A slot is made just after evhttp has set the connection up (a zero-delay event scheduled
 * when its bufferevent is made: evhttp then has set its callbacks on it, with the connection
 * as their argument), before any byte of it can have been read.  (libevent 2.1 has no hook
 * for a new server connection; evhttp frees the bufferevent before that event runs only when
 * it could not allocate the connection itself.) */
#include "guard.h"
#include "tls.h"
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct slot {
	struct bufferevent *bev; /* the connection this slot describes */
	double since;            /* when its current request began; 0: none yet */
	double idle_at;          /* when it became idle */
	bool busy;               /* a complete request is being answered */
	bool replying;           /* its reply is being written out */
	bool idle;               /* waiting for a request (then in the idle list) */
	bool evicted;            /* shut down to make room; its close is pending */
	int prev, next;          /* the idle list, by socket; -1 at its ends */
};

struct pd_guard {
	int secs;
	struct pd_tls *tls;      /* https: connections are TLS bufferevents from it; NULL: plain */
	struct pd_guard_events ev;
	struct slot *by_fd;      /* this loop's connections by socket */
	size_t cap;
	int head, tail;          /* the idle list, oldest first; -1 when empty */
	_Atomic double oldest;   /* when the head became idle; 0 when none is idle */
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool grow(struct pd_guard *g, size_t fd)
{
	size_t cap = fd * 2 + 64;
	struct slot *t = realloc(g->by_fd, cap * sizeof *t);
	if (!t)
		return false;
	for (size_t i = g->cap; i < cap; i++)
		t[i] = (struct slot){.prev = -1, .next = -1};
	g->by_fd = t, g->cap = cap;
	return true;
}

/* The slot describing bev, or NULL. */
static struct slot *slot_of(struct pd_guard *g, struct bufferevent *bev)
{
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	if (fd < 0 || (size_t)fd >= g->cap || g->by_fd[fd].bev != bev)
		return NULL;
	return &g->by_fd[fd];
}

static int fd_of(struct pd_guard *g, struct slot *s)
{
	return (int)(s - g->by_fd);
}

static void set_oldest(struct pd_guard *g)
{
	atomic_store(&g->oldest, g->head < 0 ? 0.0 : g->by_fd[g->head].idle_at);
}

/* Into the idle list (at its end) or out of it. */
static void link_idle(struct pd_guard *g, struct slot *s)
{
	s->idle = true, s->idle_at = now();
	s->prev = g->tail, s->next = -1;
	if (g->tail >= 0)
		g->by_fd[g->tail].next = fd_of(g, s);
	else
		g->head = fd_of(g, s);
	g->tail = fd_of(g, s);
	set_oldest(g);
}

static void unlink_idle(struct pd_guard *g, struct slot *s)
{
	if (!s->idle)
		return;
	if (s->prev >= 0)
		g->by_fd[s->prev].next = s->next;
	else
		g->head = s->next;
	if (s->next >= 0)
		g->by_fd[s->next].prev = s->prev;
	else
		g->tail = s->prev;
	s->idle = false, s->prev = s->next = -1;
	set_oldest(g);
}

static void set_idle(struct pd_guard *g, struct slot *s, bool idle)
{
	if (s->idle == idle || s->evicted)
		return;
	if (idle)
		link_idle(g, s);
	else
		unlink_idle(g, s);
	if (idle ? g->ev.idle != NULL : g->ev.busy != NULL)
		(idle ? g->ev.idle : g->ev.busy)(g->ev.arg);
}

/* A slot goes away; its owner hears of the connection's end. */
static void clear(struct pd_guard *g, struct slot *s)
{
	bool evicted = s->evicted;
	unlink_idle(g, s);
	*s = (struct slot){.prev = -1, .next = -1};
	g->ev.closed(g->ev.arg, evicted);
}

/* The guard of the loop running on this thread: set when the loop makes a connection's
 * bufferevent, which happens before any of its events can run. */
static _Thread_local struct pd_guard *loop_guard;

/* The connection is going away (its socket is still open): its slot is free again, so a
 * later connection on the same socket, even with a bufferevent at the same address, starts
 * afresh. */
static void on_close(struct evhttp_connection *ec, void *arg)
{
	struct pd_guard *g = arg;
	struct slot *s = slot_of(g, evhttp_connection_get_bufferevent(ec));
	if (s)
		clear(g, s);
}

/* evhttp has set the new connection up: watch it (and close it at once if refused). */
static void watch(struct bufferevent *bev, bool refused)
{
	struct pd_guard *g = loop_guard;
	evutil_socket_t fd = bufferevent_getfd(bev);
	void *ec = NULL;
	bufferevent_getcb(bev, NULL, NULL, NULL, &ec);
	if (!ec || fd < 0 || ((size_t)fd >= g->cap && !grow(g, (size_t)fd))) {
		g->ev.closed(g->ev.arg, refused); /* not watched: not counted either */
		return;
	}
	struct slot *s = &g->by_fd[fd];
	if (s->bev) /* its socket was closed without its close callback: that one is gone */
		clear(g, s);
	*s = (struct slot){.bev = bev, .evicted = refused, .prev = -1, .next = -1};
	evhttp_connection_set_closecb(ec, on_close, g);
	if (refused)
		shutdown(fd, SHUT_RDWR); /* evhttp reads EOF and closes */
	else
		set_idle(g, s, true);
}

static void adopt(evutil_socket_t fd, short what, void *bev)
{
	(void)fd, (void)what;
	watch(bev, false);
}

static void adopt_refused(evutil_socket_t fd, short what, void *bev)
{
	(void)fd, (void)what;
	watch(bev, true);
}

/* Bytes arrived on a connection: it is no longer idle; drop it if its request has taken too
 * long. */
static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	(void)in;
	struct pd_guard *g = loop_guard;
	struct slot *s = g && info->n_added ? slot_of(g, arg) : NULL;
	if (!s)
		return;
	set_idle(g, s, false);
	double t = now();
	if (!s->since)
		s->since = t;
	if (!s->busy && t - s->since > g->secs)
		shutdown(bufferevent_getfd(s->bev), SHUT_RDWR); /* evhttp reads EOF and closes */
}

/* Bytes were written: once a reply is out whole and nothing more has arrived, the connection
 * is idle. */
static void on_output(struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg)
{
	struct pd_guard *g = loop_guard;
	struct slot *s = g && info->n_deleted ? slot_of(g, arg) : NULL;
	if (!s || !s->replying || evbuffer_get_length(out) > 0)
		return;
	s->replying = false;
	if (!s->busy && evbuffer_get_length(bufferevent_get_input(s->bev)) == 0)
		set_idle(g, s, true);
}

/* evhttp's own choice of bufferevent, plus the callbacks above. */
struct bufferevent *pd_guard_bev(struct pd_guard *g, struct event_base *base, bool refuse)
{
	static const struct timeval zero = {0, 0};
	struct bufferevent *bev = g->tls ? pd_tls_bev(g->tls, base) : NULL;
	if (g->tls && !bev)
		refuse = true; /* no memory for its TLS: closed at once, never served in plain text */
	if (!bev)
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	loop_guard = g;
	if (!bev || event_base_once(base, -1, EV_TIMEOUT, refuse ? adopt_refused : adopt, bev, &zero) != 0) {
		g->ev.closed(g->ev.arg, refuse);
		return bev;
	}
	evbuffer_add_cb(bufferevent_get_input(bev), on_input, bev);
	evbuffer_add_cb(bufferevent_get_output(bev), on_output, bev);
	return bev;
}

void pd_guard_busy(struct pd_guard *g, struct evhttp_connection *ec)
{
	struct slot *s = slot_of(g, ec ? evhttp_connection_get_bufferevent(ec) : NULL);
	if (s) {
		s->busy = true;
		set_idle(g, s, false);
	}
}

void pd_guard_idle(struct pd_guard *g, struct evhttp_connection *ec)
{
	struct slot *s = slot_of(g, ec ? evhttp_connection_get_bufferevent(ec) : NULL);
	if (s) {
		s->busy = false;
		s->replying = true;
		s->since = now();
	}
}

bool pd_guard_evict(struct pd_guard *g, double min_idle)
{
	struct slot *oldest = g->head >= 0 ? &g->by_fd[g->head] : NULL;
	if (!oldest || now() - oldest->idle_at < min_idle)
		return false;
	unlink_idle(g, oldest); /* not "busy": it is going away */
	oldest->evicted = true;
	shutdown(bufferevent_getfd(oldest->bev), SHUT_RDWR); /* evhttp reads EOF and closes */
	return true;
}

double pd_guard_idle_since(struct pd_guard *g)
{
	return atomic_load(&g->oldest);
}

double pd_guard_now(void)
{
	return now();
}

struct pd_guard *pd_guard_new(int secs, struct pd_guard_events ev)
{
	struct pd_guard *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->secs = secs;
	g->ev = ev;
	g->head = g->tail = -1;
	atomic_init(&g->oldest, 0.0);
	return g;
}

void pd_guard_set_tls(struct pd_guard *g, struct pd_tls *tls)
{
	g->tls = tls;
}

void pd_guard_free(struct pd_guard *g)
{
	if (g)
		free(g->by_fd);
	free(g);
}
