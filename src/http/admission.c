/* admission.c - accepting connections (see admission.h).
 *
 * Accepting in turn.  All loops share one listening socket; if each polled it, the loop that
 * woke first would accept a whole burst of connections (libevent accepts until EAGAIN), and
 * one core could serve all 32 of a client's connections while the other idles.  So one loop
 * at a time listens: it accepts one connection, stops listening and passes the turn to the
 * next loop, and connections are dealt round-robin.  A loop busy with a request delays the
 * next accept by that request's time only.
 *
 * The connection cap.  At the cap, a loop takes its turn only if it has an idle connection to
 * give up: it closes the one it has held idle longest for the new one (as nginx reuses its
 * keep-alive connections), so clients that open connections and send nothing cannot lock
 * others out.  Only a connection idle for a second at least is given up, so clients arriving
 * together do not close each other's new connections.  With none such anywhere, no loop
 * listens: new connections wait in the kernel's listen backlog until a connection closes or
 * one has been idle for that second, and the connections already open are served as before.  In the rare race where the idle connection
 * a loop meant to give up got busy just before the accept, the new one is closed at once: the
 * cap fails closed.  An accept() error (EMFILE, ENFILE, ...) stops listening for 100 ms
 * instead of retrying at once, forever. */
#include "admission.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include "server.h"

#define EVICT_MAX 16 /* connections being closed to make room at once, at most */
#define IDLE_MIN 1.0 /* seconds a connection must have been idle to be closed for a new one: a
		      * client sends its request right after connecting, or its next one right
		      * after a reply, so clients arriving together do not close each other's */

struct ratelog {         /* a kind of message written at most once a second */
	char kind[80];
	double last;         /* when one was last written */
	unsigned long quiet; /* left out since */
	bool flush_pending;
};

struct aloop {
	struct pd_admit *a;
	struct event_base *base;
	struct evconnlistener *lis; /* NULL once the loop stops accepting */
	struct pd_guard *guard;
	int accept_err;             /* the last accept() error, for accept_failed */
};

struct pd_admit {
	pthread_mutex_t mu;      /* guards the loops' lis, the turn and the counts below */
	pthread_mutex_t *log_mu;
	struct aloop *loops;
	int nloops;
	int open;                /* connections accepted and not closed yet */
	int evicting;            /* of those, closed to make room, their close pending */
	int max_conns;           /* the cap of open - evicting */
	int turn;                /* the loop whose turn it is to accept */
	bool retry_pending;      /* a retry after an accept error or an idle one is scheduled */
	atomic_bool paused;      /* no loop accepts: at the cap, or after an accept error */
	atomic_bool full;        /* open - evicting has reached the cap */
	struct ratelog cap_log, err_log;
};

/* The loop running on this thread (pd_admit_enter). */
static _Thread_local struct aloop *this_loop;

/* ---- the cap ---- */

/* Raises the soft limit of open files to the hard one (a soft 1024 is a common default);
 * the limit in force. */
static long fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = {rl.rlim_max, rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX ? INT_MAX : (long)rl.rlim_cur;
}

/* Descriptors the store holds: the pool, and with --db-read each standby's pool and its
 * monitor's connection, and the primary's WAL sampler. */
static int store_fds(const struct pd_config *cfg)
{
	struct store_replica r[16];
	unsigned long long reads;
	int n = store_replicas(r, 16, &reads);
	return cfg->db_pool + (n > 0 ? n * (cfg->db_pool + 1) + 1 : 0);
}

int pd_admit_cap(const struct pd_config *cfg, int nloops, char *err, size_t cap)
{
	int keep = PD_FD_RESERVE + PD_FD_PER_LOOP * nloops + store_fds(cfg);
	long limit = fd_limit(), most = limit - keep;
	if (most < 16)
		return snprintf(err, cap, "the open-files limit (ulimit -n) is %ld: partnerd keeps %d "
			       "descriptors for the store, its %d event loops and logs and needs room for "
			       "16 connections at least", limit, keep, nloops), -1;
	if (cfg->max_connections > most)
		return snprintf(err, cap, "--max-connections %d is more than the open-files limit allows: "
			       "%ld (ulimit -n) less %d kept for the store, %d event loops and logs = %ld",
			       cfg->max_connections, limit, keep, nloops, most), -1;
	return cfg->max_connections > 0 ? cfg->max_connections : (int)most;
}

/* ---- the log ---- */

static double mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One line on stderr, at most one a second of each kind (rl); those left out meanwhile are
 * counted in one line at the end of that second. */
static void ratelog_flush(struct pd_admit *a, struct ratelog *rl)
{
	pthread_mutex_lock(a->log_mu);
	if (rl->quiet)
		fprintf(stderr, "partnerd: %s: %lu more times in the last second\n", rl->kind, rl->quiet);
	rl->quiet = 0, rl->last = mono_now(), rl->flush_pending = false;
	pthread_mutex_unlock(a->log_mu);
}

static void cap_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct pd_admit *a = ((struct aloop *)arg)->a;
	ratelog_flush(a, &a->cap_log);
}

static void err_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct pd_admit *a = ((struct aloop *)arg)->a;
	ratelog_flush(a, &a->err_log);
}

__attribute__((format(printf, 3, 4)))
static void ratelog(struct aloop *l, struct ratelog *rl, const char *fmt, ...)
{
	struct pd_admit *a = l->a;
	double t = mono_now();
	bool schedule = false;
	struct timeval rest = {0, 0};
	pthread_mutex_lock(a->log_mu);
	if (rl->last > 0 && t - rl->last < 1.0) {
		rest.tv_usec = (long)((1.0 - (t - rl->last)) * 1e6);
		rl->quiet++;
		schedule = !rl->flush_pending;
		rl->flush_pending = true;
	} else {
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "partnerd: %s: ", rl->kind);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
		rl->last = t;
	}
	pthread_mutex_unlock(a->log_mu);
	if (schedule && event_base_once(l->base, -1, EV_TIMEOUT, rl == &a->cap_log ? cap_flush : err_flush, l, &rest) != 0)
		ratelog_flush(a, rl);
}

/* ---- the turn ---- */

/* Whether loop l may accept now: below the cap, or with an idle connection to give up for
 * the new one.  Under mu. */
static bool may_accept(struct pd_admit *a, struct aloop *l)
{
	if (!l->lis)
		return false;
	if (a->open - a->evicting < a->max_conns)
		return true;
	double since = pd_guard_idle_since(l->guard);
	return a->evicting < EVICT_MAX && since > 0 && pd_guard_now() - since >= IDLE_MIN;
}

/* Some loop has an idle connection (old enough or not yet).  Under mu. */
static bool any_idle(struct pd_admit *a)
{
	for (int i = 0; i < a->nloops; i++)
		if (a->loops[i].lis && pd_guard_idle_since(a->loops[i].guard) > 0)
			return true;
	return false;
}

/* The turn goes to the first loop from index `from` on that may accept, whose listener is
 * enabled; with none, accepting pauses.  Every listener is disabled when called.  Under mu. */
static void give_turn(struct pd_admit *a, int from)
{
	atomic_store(&a->full, a->open - a->evicting >= a->max_conns);
	for (int i = 0; i < a->nloops; i++) {
		struct aloop *l = &a->loops[(from + i) % a->nloops];
		if (may_accept(a, l)) {
			a->turn = (int)(l - a->loops);
			atomic_store(&a->paused, false);
			evconnlistener_enable(l->lis);
			return;
		}
	}
	atomic_store(&a->paused, true);
}

static void retry_later(struct aloop *l);

/* Accepting again, if it was paused; still paused with idle connections that are not old
 * enough yet, again in 100 ms (on loop l). */
static void resume(struct aloop *l)
{
	struct pd_admit *a = l->a;
	if (!atomic_load(&a->paused))
		return;
	pthread_mutex_lock(&a->mu);
	if (atomic_load(&a->paused))
		give_turn(a, a->turn);
	bool again = atomic_load(&a->paused) && any_idle(a);
	pthread_mutex_unlock(&a->mu);
	if (again)
		retry_later(l);
}

static void retry_accept(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct aloop *l = arg;
	pthread_mutex_lock(&l->a->mu);
	l->a->retry_pending = false;
	pthread_mutex_unlock(&l->a->mu);
	resume(l);
}

/* Tries to accept again in 100 ms (once, however often asked meanwhile), on loop l. */
static void retry_later(struct aloop *l)
{
	struct pd_admit *a = l->a;
	struct timeval later = {0, 100000};
	pthread_mutex_lock(&a->mu);
	bool schedule = !a->retry_pending;
	a->retry_pending = true;
	pthread_mutex_unlock(&a->mu);
	if (schedule && event_base_once(l->base, -1, EV_TIMEOUT, retry_accept, l, &later) != 0)
		retry_accept(-1, 0, l);
}

/* ---- the guard's events ---- */

/* A connection closed: room at once. */
static void conn_closed(void *arg, bool evicted)
{
	struct aloop *l = arg;
	struct pd_admit *a = l->a;
	pthread_mutex_lock(&a->mu);
	a->open--;
	a->evicting -= evicted;
	atomic_store(&a->full, a->open - a->evicting >= a->max_conns);
	pthread_mutex_unlock(&a->mu);
	resume(l);
}

/* A connection became idle while no loop accepts: it makes room once it has been idle for
 * IDLE_MIN, if it still is then. */
static void conn_idle(void *arg)
{
	struct aloop *l = arg;
	if (atomic_load(&l->a->paused))
		retry_later(l);
}

/* At the cap, the loop whose turn it is listens only while it has an idle connection to give
 * up: when its last one gets busy, the turn moves on (or accepting pauses), so a new
 * connection waits in the backlog instead of being admitted and closed. */
static void conn_busy(void *arg)
{
	struct aloop *l = arg;
	struct pd_admit *a = l->a;
	if (!atomic_load(&a->full) || atomic_load(&a->paused))
		return;
	pthread_mutex_lock(&a->mu);
	struct aloop *t = &a->loops[a->turn];
	bool paused = false;
	if (!atomic_load(&a->paused) && !may_accept(a, t)) {
		if (t->lis)
			evconnlistener_disable(t->lis);
		give_turn(a, a->turn);
		paused = atomic_load(&a->paused) && any_idle(a);
	}
	pthread_mutex_unlock(&a->mu);
	if (paused)
		retry_later(l);
}

/* ---- accepting ---- */

enum cap_event { CAP_NONE, CAP_EVICTED, CAP_REFUSED, CAP_PAUSED };

/* A connection was accepted on l: counted; over the cap, l's connection idle longest is
 * closed for it (or, if that one got busy meanwhile, the new one); the turn passes on. */
static enum cap_event count_connection(struct aloop *l, bool *refuse)
{
	struct pd_admit *a = l->a;
	enum cap_event ev = CAP_NONE;
	pthread_mutex_lock(&a->mu);
	a->open++;
	if (a->open - a->evicting > a->max_conns) {
		a->evicting++;
		*refuse = !pd_guard_evict(l->guard, IDLE_MIN);
		ev = *refuse ? CAP_REFUSED : CAP_EVICTED;
	}
	if (l->lis)
		evconnlistener_disable(l->lis); /* also ends libevent's accept loop after this one */
	give_turn(a, (int)(l - a->loops) + 1);
	if (atomic_load(&a->paused) && ev == CAP_NONE)
		ev = CAP_PAUSED;
	pthread_mutex_unlock(&a->mu);
	if (ev == CAP_PAUSED)
		retry_later(l); /* for idle connections that are not old enough yet */
	return ev;
}

struct bufferevent *pd_admit_connection(struct pd_admit *a, int i, struct event_base *base)
{
	static const char *what[] = {
		[CAP_EVICTED] = "closed the connection idle longest to admit a new one",
		[CAP_REFUSED] = "the idle connection to close got busy: closed a new one at once",
		[CAP_PAUSED] = "no connection has been idle for a second: new connections wait in the "
			       "listen backlog until one closes or has"};
	struct aloop *l = &a->loops[i];
	bool refuse = false;
	enum cap_event ev = count_connection(l, &refuse);
	if (ev != CAP_NONE)
		ratelog(l, &a->cap_log, "%s", what[ev]);
	return pd_guard_bev(l->guard, base, refuse);
}

/* accept() failed other than with EAGAIN, EINTR or ECONNABORTED (EMFILE, ENFILE, ENOBUFS,
 * ENOMEM): left alone, libevent would retry at once, forever (the listening socket stays
 * readable) and log each failure.  Stop listening for 100 ms instead; out of descriptors,
 * also close this loop's connection idle longest, so the next accept finds one.  Handled
 * in an event of its own, which runs before the loop polls again: libevent may call the
 * error callback holding the listener's lock, which must not be taken before mu. */
static void accept_failed(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct aloop *l = arg;
	struct pd_admit *a = l->a;
	int err = l->accept_err, open;
	pthread_mutex_lock(&a->mu);
	open = a->open;
	if ((err == EMFILE || err == ENFILE) && a->evicting < EVICT_MAX && pd_guard_evict(l->guard, 0))
		a->evicting++;
	if (l->lis)
		evconnlistener_disable(l->lis);
	atomic_store(&a->paused, true);
	a->turn = (int)(l - a->loops);
	pthread_mutex_unlock(&a->mu);
	retry_later(l);
	ratelog(l, &a->err_log, "%s (%d open); trying again in 0.1 s", evutil_socket_error_to_string(err), open);
}

static void accept_error(struct evconnlistener *lis, void *arg)
{
	(void)arg; /* evhttp's: the listener's callback argument is its evhttp */
	static const struct timeval now = {0, 0};
	struct aloop *l = this_loop;
	l->accept_err = EVUTIL_SOCKET_ERROR();
	evconnlistener_disable(lis);
	if (event_base_once(l->base, -1, EV_TIMEOUT, accept_failed, l, &now) != 0)
		accept_failed(-1, 0, l);
}

/* ---- setting up ---- */

struct pd_admit *pd_admit_new(int nloops, int max_conns, pthread_mutex_t *log_mu)
{
	struct pd_admit *a = calloc(1, sizeof *a);
	if (!a || !(a->loops = calloc((size_t)nloops, sizeof *a->loops))) {
		free(a);
		return NULL;
	}
	pthread_mutex_init(&a->mu, NULL);
	a->log_mu = log_mu;
	a->nloops = nloops;
	a->max_conns = max_conns;
	atomic_init(&a->paused, false);
	atomic_init(&a->full, false);
	snprintf(a->cap_log.kind, sizeof a->cap_log.kind, "at the connection cap (%d, --max-connections)", max_conns);
	snprintf(a->err_log.kind, sizeof a->err_log.kind, "cannot accept a connection");
	for (int i = 0; i < nloops; i++)
		a->loops[i].a = a;
	return a;
}

void pd_admit_free(struct pd_admit *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->mu);
	free(a->loops);
	free(a);
}

struct pd_guard_events pd_admit_events(struct pd_admit *a, int i)
{
	return (struct pd_guard_events){.closed = conn_closed, .idle = conn_idle, .busy = conn_busy,
					.arg = &a->loops[i]};
}

void pd_admit_set_loop(struct pd_admit *a, int i, struct event_base *base, struct evconnlistener *lis,
		       struct pd_guard *g)
{
	struct aloop *l = &a->loops[i];
	l->base = base, l->lis = lis, l->guard = g;
	evconnlistener_set_error_cb(lis, accept_error);
}

void pd_admit_enter(struct pd_admit *a, int i)
{
	this_loop = &a->loops[i];
}

void pd_admit_stop(struct pd_admit *a, int i)
{
	pthread_mutex_lock(&a->mu);
	struct aloop *l = &a->loops[i];
	if (l->lis)
		evconnlistener_disable(l->lis);
	l->lis = NULL;
	pthread_mutex_unlock(&a->mu);
}

int pd_admit_open(void *arg)
{
	struct pd_admit *a = arg;
	pthread_mutex_lock(&a->mu);
	int n = a->open;
	pthread_mutex_unlock(&a->mu);
	return n;
}
