/* driver_pg.c - the PostgreSQL engine (driver.h, libpq).  Owns: a process-wide pool of
 * connections per URL (sized by store_set_pool_size, i.e. --db-pool), the statements of
 * store_sql.c prepared per connection ($N for ?N), reconnecting after a lost connection,
 * numbered migrations (migrations/pg/), and what only PostgreSQL has: substring search on
 * pg_trgm, the shared throttling counters, raw SQL for store_copy.c, and read replicas (a
 * second pool per standby of --db-read, the reads routed there, the watch on their replay).
 * A struct store is a handle on the pool: a call outside a transaction borrows a connection
 * for one statement; begin() pins one until commit or rollback.  Write transactions are
 * serialized deployment-wide by one advisory lock, exactly like SQLite's single writer (BEGIN
 * IMMEDIATE): every instance sees the same commit order, etag checks cannot race, counters
 * follow commit order.  Commits are durable (synchronous_commit = on). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "embed.h"
#include "driver.h"
#include "jsonw.h"
#include "last_writes.h"
#include "text.h"

#define WRITE_LOCK "7061727472000001"   /* pg_advisory_xact_lock key of write transactions */
#define MIGRATE_LOCK "7061727472000002" /* pg_advisory_lock key of migrations */
#define DEFAULT_POOL 8
#define MAX_POOL 256

/* ---- the pool ---- */

struct pgc {                     /* one connection */
	struct pool *home;           /* the pool it belongs to (the primary's or a replica's) */
	PGconn *conn;
	bool busy;
	bool prepared[S_COUNT];
	short nparams[S_COUNT];     /* the highest ?N of each statement prepared */
	bool watched;                /* wfd is the watchdog's dup() of the socket (under the pool's mu) */
	int wfd;
	long long lent;              /* ms when acquire() lent it out, 0: not lent (under the pool's mu) */
};

struct pool {
	struct pool *next;
	char *url;
	int refs, size;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pgc *c;
	_Atomic long long retry_at;  /* ms: no new connection before (one failed a moment ago) */
};

static pthread_mutex_t pools_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pool *pools;
static int pool_size = DEFAULT_POOL;

void store_set_pool_size(int n)
{
	pool_size = n < 2 ? 2 : n > MAX_POOL ? MAX_POOL : n; /* the writer pins one */
}

struct replica;

struct pgs {
	struct store base;
	struct pool *pool;
	struct pgc *tx;              /* the connection pinned by begin() */
	bool routed;                 /* store_read_for: reads outside a transaction may go to a replica */
	struct replica *read;        /* ... to this one (NULL: the primary) */
};

static struct pgs *PG(struct store *st)
{
	return (struct pgs *)st;
}

static void quiet(void *arg, const char *message)
{
	(void)arg, (void)message; /* NOTICEs ("already exists, skipping") are not errors */
}

/* Runs one utility command; PD_OK when it succeeded. */
static enum pd_err simple(PGconn *conn, const char *sql);

/* Every session: UTF-8, durable commits, quiet notices. */
static bool session_setup(struct pgc *c)
{
	memset(c->prepared, 0, sizeof c->prepared);
	PQsetNoticeProcessor(c->conn, quiet, NULL);
	return PQstatus(c->conn) == CONNECTION_OK &&
	       simple(c->conn, "SET client_encoding = 'UTF8'; SET synchronous_commit = on;"
			       " SET default_transaction_isolation = 'read committed'") == PD_OK;
}

/* ---- limits on a server that is gone or hangs (store_set_pg_limits, serve's --db-* settings) ----
 * A host that is gone (dead, or its route dropped) ends the connection by libpq's
 * connect_timeout and TCP keepalives / tcp_user_timeout; a statement on a server that answers
 * is bounded by statement_timeout (in the session's options: migrations lift it).  A server
 * that stops answering while its kernel still acknowledges (a hung or stopped postmaster)
 * defeats all of these, so a watchdog also cuts off (shutdown(2) of a dup of the socket) a
 * connection lent out for longer than the statement timeout and 2 s: the waiting call fails
 * as on a lost connection (PD_EIO: 503 and Retry-After) and the next use reconnects, to
 * whichever host of the URL accepts writes now.  After a failed attempt to connect, calls
 * fail at once for a second instead of each waiting for its own attempt on an event loop.
 * All zero (the default): libpq's and the server's own behaviour, no watchdog. */
static struct { int connect_s, statement_s, keepalive_s; } limits;

void store_set_pg_limits(int connect_s, int statement_s, int keepalive_s)
{
	limits.connect_s = connect_s, limits.statement_s = statement_s, limits.keepalive_s = keepalive_s;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		nanosleep(&(struct timespec){0, 250 * 1000000L}, NULL);
		long long now = now_ms(), limit = (limits.statement_s + 2) * 1000LL;
		pthread_mutex_lock(&pools_mu);
		for (struct pool *p = pools; p; p = p->next) {
			pthread_mutex_lock(&p->mu);
			for (int i = 0; i < p->size; i++)
				if (p->c[i].lent && now - p->c[i].lent > limit && p->c[i].watched) {
					shutdown(p->c[i].wfd, SHUT_RDWR);
					p->c[i].lent = 0;
				}
			pthread_mutex_unlock(&p->mu);
		}
		pthread_mutex_unlock(&pools_mu);
	}
	return NULL;
}

static void watchdog_start(void)
{
	pthread_t t;
	if (limits.statement_s > 0 && pthread_create(&t, NULL, watchdog, NULL) == 0)
		pthread_detach(t);
}

/* The watchdog's copy of c's socket: closed before the connection is reset, a new one after. */
static void watch_fd(struct pool *p, struct pgc *c, bool open)
{
	pthread_mutex_lock(&p->mu);
	if (c->watched)
		close(c->wfd);
	c->watched = open && PQstatus(c->conn) == CONNECTION_OK &&
		     (c->wfd = fcntl(PQsocket(c->conn), F_DUPFD_CLOEXEC, 0)) >= 0;
	pthread_mutex_unlock(&p->mu);
}

static void lend(struct pool *p, struct pgc *c, long long since)
{
	pthread_mutex_lock(&p->mu);
	c->lent = since;
	pthread_mutex_unlock(&p->mu);
}

/* A new connection to url with the limits (the URL's own parameters win). */
static PGconn *open_conn(const char *url)
{
	char v[5][40];
	const char *keys[8], *vals[8];
	int n = 0;
	if (limits.connect_s > 0) {
		snprintf(v[0], sizeof v[0], "%d", limits.connect_s);
		keys[n] = "connect_timeout", vals[n++] = v[0];
	}
	if (limits.keepalive_s > 0) {
		snprintf(v[1], sizeof v[1], "%d", limits.keepalive_s);
		snprintf(v[2], sizeof v[2], "%d", limits.keepalive_s > 3 ? limits.keepalive_s / 3 : 1);
		snprintf(v[3], sizeof v[3], "%d", limits.keepalive_s * 1000);
		keys[n] = "keepalives_idle", vals[n++] = v[1];
		keys[n] = "keepalives_interval", vals[n++] = v[2];
		keys[n] = "keepalives_count", vals[n++] = "3";
		keys[n] = "tcp_user_timeout", vals[n++] = v[3];
	}
	if (limits.statement_s > 0) {
		snprintf(v[4], sizeof v[4], "-c statement_timeout=%ds", limits.statement_s);
		keys[n] = "options", vals[n++] = v[4];
	}
	keys[n] = "dbname", vals[n++] = url;
	keys[n] = NULL, vals[n] = NULL;
	return PQconnectdbParams(keys, vals, 1);
}

/* Opens the connection, or re-establishes a lost one. */
static bool connect_conn(struct pool *p, struct pgc *c)
{
	if (c->conn && PQstatus(c->conn) == CONNECTION_OK)
		return true;
	if (limits.statement_s > 0 && atomic_load(&p->retry_at) > now_ms())
		return false;
	if (c->conn) {
		watch_fd(p, c, false);
		PQreset(c->conn);
	} else {
		c->conn = open_conn(p->url);
	}
	bool ok = session_setup(c);
	watch_fd(p, c, ok);
	if (!ok)
		atomic_store(&p->retry_at, now_ms() + 1000);
	return ok;
}

static struct pgc *pool_take(struct pool *p)
{
	struct pgc *c = NULL;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (int i = 0; i < p->size && !c; i++)
			if (!p->c[i].busy)
				c = &p->c[i];
		if (c)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	c->busy = true;
	pthread_mutex_unlock(&p->mu);
	return c;
}

static void pool_give(struct pool *p, struct pgc *c)
{
	pthread_mutex_lock(&p->mu);
	c->busy = false;
	c->lent = 0;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static struct pool *pool_get(const char *url)
{
	pthread_mutex_lock(&pools_mu);
	struct pool *p = pools;
	while (p && strcmp(p->url, url))
		p = p->next;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, watchdog_start);
	if (!p && (p = calloc(1, sizeof *p))) {
		p->url = strdup(url);
		p->size = pool_size;
		p->c = calloc((size_t)p->size, sizeof *p->c);
		for (int i = 0; p->c && i < p->size; i++)
			p->c[i].home = p;
		pthread_mutex_init(&p->mu, NULL);
		pthread_cond_init(&p->cv, NULL);
		p->next = pools;
		pools = p;
	}
	if (p)
		p->refs++;
	pthread_mutex_unlock(&pools_mu);
	return p;
}

static void pool_put(struct pool *p)
{
	pthread_mutex_lock(&pools_mu);
	bool last = --p->refs == 0;
	if (last)
		for (struct pool **pp = &pools; *pp; pp = &(*pp)->next)
			if (*pp == p) {
				*pp = p->next;
				break;
			}
	pthread_mutex_unlock(&pools_mu);
	if (!last)
		return;
	for (int i = 0; i < p->size; i++) {
		if (p->c[i].watched)
			close(p->c[i].wfd);
		if (p->c[i].conn)
			PQfinish(p->c[i].conn);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->c);
	free(p->url);
	free(p);
}

/* ---- read replicas (store_set_replicas: serve's --db-read, --db-read-max-lag) ----
 * A second pool per standby, for the reads a server routes there (store_read_for: on the
 * readers, outside transactions, after authentication); everything else stays on the primary.
 * A read goes to a replica only when that replica has replayed its caller's last write
 * (read-your-writes) and lags the primary by no more than the limit; otherwise, and when the
 * replica fails, to the primary.
 *   - Last writes (store_wrote): after each group commit the writer asks the primary for
 *     pg_current_wal_lsn() once and records it against each caller of the group in the
 *     bounded table of last_writes.h, which fails safe (an overflow or a position that could
 *     not be asked sends reads to the primary, never to a replica that lacks them).
 *   - The sampler thread asks the primary for pg_current_wal_lsn() every TICK_MS and keeps
 *     the moments it moved (SAMPLES); a replica's lag is the age of the oldest of them it has
 *     not replayed (0 when it has them all), unknown when the primary has not answered for
 *     longer than the limit.
 *   - A monitor thread per replica asks pg_last_wal_replay_lsn() every TICK_MS on a
 *     connection of its own, each answer awaited at most ASK_MS; a replica that does not
 *     answer has its lent connections cut off (as the watchdog does) so that their reads go to
 *     the primary at once.  A read that finds a replica unreachable skips it for 1 s. */
#define MAX_REPLICAS 8
#define TICK_MS 100
#define ASK_MS 1000
#define SAMPLES 1024 /* > 60 s (the highest --db-read-max-lag) of ticks */

struct lsn_sample {
	long long t;                         /* ms when the primary was first seen at */
	unsigned long long lsn;
};

struct replica {
	int no;                              /* 1, 2, ...: its place in --db-read */
	struct pool *pool;
	_Atomic unsigned long long replay;   /* pg_last_wal_replay_lsn(), as last asked */
	_Atomic long long lag_ms;            /* -1: unknown (unreachable, not a standby, primary silent) */
	_Atomic long long seen;              /* ms of its last answer */
	_Atomic long long skip_until;        /* ms: a read found it unreachable */
	atomic_ullong reads;                 /* statements it answered */
};

static struct {
	int n;
	long long max_lag_ms;
	char *primary;
	struct replica r[MAX_REPLICAS];
	atomic_uint turn;                    /* round robin among those that qualify */
	atomic_ullong primary_reads;         /* routed statements the primary answered */
	struct last_writes lw;               /* callers' last writes (last_writes.h) */
	pthread_mutex_t mu;                  /* the samples */
	struct lsn_sample sample[SAMPLES];
	int first, count;
	long long sampled;                   /* ms of the primary's last answer */
} reps = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* "16/B374D848" as a number; false if it is not one, or NULL (pg_last_wal_replay_lsn() on a
 * server that is not a standby). */
static bool parse_lsn(const char *text, unsigned long long *lsn)
{
	unsigned hi, lo;
	char end;
	if (!text || sscanf(text, "%X/%X%c", &hi, &lo, &end) != 2)
		return false;
	*lsn = (unsigned long long)hi << 32 | lo;
	return true;
}

/* One LSN asked on conn, waiting at most ASK_MS for the answer (a server that hangs must not
 * stop the thread asking). */
static bool ask_lsn(PGconn *conn, const char *sql, unsigned long long *lsn)
{
	long long until = now_ms() + ASK_MS;
	PGresult *res = NULL, *r;
	bool ok = PQsendQuery(conn, sql);
	while (ok) {
		if (!PQisBusy(conn)) {
			if (!(r = PQgetResult(conn)))
				break;
			if (res)
				PQclear(res);
			res = r;
			continue;
		}
		struct pollfd pf = {PQsocket(conn), POLLIN, 0};
		long long left = until - now_ms();
		ok = left > 0 && (poll(&pf, 1, (int)left) >= 0 || errno == EINTR) && PQconsumeInput(conn);
	}
	ok = ok && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	     parse_lsn(PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0), lsn);
	PQclear(res);
	return ok;
}

/* A thread's own connection (opened when missing, dropped when it failed); NULL meanwhile. */
static PGconn *own_conn(PGconn **conn, const char *url, long long *retry)
{
	if (*conn && PQstatus(*conn) == CONNECTION_OK)
		return *conn;
	PQfinish(*conn);
	*conn = NULL;
	if (now_ms() < *retry)
		return NULL;
	*conn = open_conn(url);
	if (PQstatus(*conn) == CONNECTION_OK)
		return *conn;
	*retry = now_ms() + 1000;
	return NULL;
}

/* The replica's lag behind the primary's samples when it has replayed `replay` (under reps.mu). */
static long long lag_of(unsigned long long replay, long long now)
{
	if (!reps.count || now - reps.sampled > reps.max_lag_ms)
		return -1;
	for (int i = 0; i < reps.count; i++) {
		int k = (reps.first + i) % SAMPLES;
		if (reps.sample[k].lsn > replay)
			return now - reps.sample[k].t + TICK_MS; /* written since the tick before */
	}
	return 0;
}

static void pause_tick(void)
{
	nanosleep(&(struct timespec){0, TICK_MS * 1000000L}, NULL);
}

static void *sampler(void *arg)
{
	(void)arg;
	PGconn *conn = NULL;
	long long retry = 0;
	pthread_setname_np(pthread_self(), "pd-lsn");
	for (;; pause_tick()) {
		unsigned long long lsn;
		unsigned gen = lw_generation(&reps.lw);
		PGconn *c = own_conn(&conn, reps.primary, &retry);
		if (!c || !ask_lsn(c, "SELECT pg_current_wal_lsn()", &lsn)) {
			if (c)
				PQfinish(conn), conn = NULL;
			continue;
		}
		pthread_mutex_lock(&reps.mu);
		long long now = now_ms();
		reps.sampled = now;
		if (!reps.count || reps.sample[(reps.first + reps.count - 1) % SAMPLES].lsn < lsn) {
			if (reps.count == SAMPLES)
				reps.first = (reps.first + 1) % SAMPLES, reps.count--;
			reps.sample[(reps.first + reps.count++) % SAMPLES] = (struct lsn_sample){now, lsn};
		}
		pthread_mutex_unlock(&reps.mu);
		lw_resolve(&reps.lw, gen, lsn);
	}
	return NULL;
}

/* Every connection of p lent out is cut off (its server stopped answering). */
static void pool_cut(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < p->size; i++)
		if (p->c[i].lent && p->c[i].watched) {
			shutdown(p->c[i].wfd, SHUT_RDWR);
			p->c[i].lent = 0;
		}
	pthread_mutex_unlock(&p->mu);
}

static void *monitor(void *arg)
{
	struct replica *r = arg;
	PGconn *conn = NULL;
	long long retry = 0;
	bool answered = true;
	pthread_setname_np(pthread_self(), "pd-replica");
	for (;; pause_tick()) {
		unsigned long long lsn;
		PGconn *c = own_conn(&conn, r->pool->url, &retry);
		if (!c || !ask_lsn(c, "SELECT pg_last_wal_replay_lsn()", &lsn)) {
			if (answered)
				fprintf(stderr, "partnerd: store: --db-read replica %d does not answer as a standby: "
						"its reads go to the primary until it does\n", r->no);
			answered = false;
			atomic_store(&r->lag_ms, -1);
			if (c) /* it answered wrong or not in time: a new connection in a second */
				PQfinish(conn), conn = NULL, retry = now_ms() + 1000;
			pool_cut(r->pool);
			continue;
		}
		pthread_mutex_lock(&reps.mu);
		long long now = now_ms(), lag = lag_of(lsn, now);
		pthread_mutex_unlock(&reps.mu);
		atomic_store(&r->replay, lsn);
		atomic_store(&r->lag_ms, lag);
		atomic_store(&r->seen, now);
		answered = true;
	}
	return NULL;
}

/* Whether replica r may answer a principal who needs `need` replayed, now: it answered the
 * monitor within the last ASK_MS + TICK_MS, its lag is known and within the limit, no read
 * found it unreachable in the last second, and it has replayed far enough. */
static bool usable(struct replica *r, unsigned long long need, long long now)
{
	long long lag = atomic_load(&r->lag_ms);
	return lag >= 0 && lag <= reps.max_lag_ms && now - atomic_load(&r->seen) <= ASK_MS + TICK_MS &&
	       atomic_load(&r->skip_until) <= now && atomic_load(&r->replay) >= need;
}

/* One of the replicas that may answer, in turn; NULL: the primary. */
static struct replica *choose(unsigned long long need)
{
	long long now = now_ms();
	unsigned turn = atomic_fetch_add(&reps.turn, 1);
	for (int k = 0; k < reps.n; k++) {
		struct replica *r = &reps.r[(turn + (unsigned)k) % (unsigned)reps.n];
		if (usable(r, need, now))
			return r;
	}
	return NULL;
}

/* The routed replica could not be reached: skipped for a second, the request's reads go to the
 * primary. */
static void replica_failed(struct pgs *s)
{
	atomic_store(&s->read->skip_until, now_ms() + 1000);
	s->read = NULL;
}

static bool is_pg(const struct store *st);
static struct pgc *acquire(struct pgs *s, bool may_replica);
static void release(struct pgs *s, struct pgc *c);

void store_read_for(struct store *st, const char *partner, const char *principal)
{
	if (!reps.n || !is_pg(st))
		return;
	struct pgs *s = PG(st);
	s->routed = partner && principal && !s->tx;
	s->read = s->routed ? choose(lw_needed(&reps.lw, lw_key(partner, principal))) : NULL;
}

/* pg_current_wal_lsn() on c, as any statement (bounded by the statement timeout and the watchdog). */
static bool current_lsn(struct pgc *c, unsigned long long *lsn)
{
	PGresult *r = PQexec(c->conn, "SELECT pg_current_wal_lsn()");
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && parse_lsn(PQgetvalue(r, 0, 0), lsn);
	PQclear(r);
	return ok;
}

void store_wrote(struct store *st, const char *const (*who)[2], int n)
{
	if (!reps.n || !is_pg(st) || n <= 0)
		return;
	struct pgs *s = PG(st);
	unsigned long long lsn = LW_UNKNOWN, keys[STORE_WROTE_MAX];
	unsigned gen = lw_generation(&reps.lw);
	struct pgc *c = s->tx ? NULL : acquire(s, false);
	if (!c || !current_lsn(c, &lsn))
		lsn = LW_UNKNOWN; /* the primary only, until the sampler's next answer */
	release(s, c);
	n = n > STORE_WROTE_MAX ? STORE_WROTE_MAX : n;
	for (int i = 0; i < n; i++)
		keys[i] = lw_key(who[i][0], who[i][1]);
	lw_record(&reps.lw, keys, n, lsn);
	if (lsn != LW_UNKNOWN)
		lw_resolve(&reps.lw, gen, lsn); /* asked after every unknown one before */
}

/* The next URL of a --db-read list: up to a comma that a new postgresql:// or postgres://
 * follows (a multi-host URL has commas of its own). */
static size_t url_len(const char *p)
{
	const char *q = p;
	while ((q = strchr(q, ',')) && strncmp(q + 1, "postgresql://", 13) && strncmp(q + 1, "postgres://", 11))
		q++;
	return q ? (size_t)(q - p) : strlen(p);
}

static bool start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, arg) != 0)
		return false;
	pthread_detach(t);
	return true;
}

/* The URL of len bytes at p is one libpq takes: PD_OK, or why not in errbuf (not libpq's
 * message, which may quote the URL and its password). */
static enum pd_err check_url(const char *p, size_t len, int no, char *errbuf, size_t cap)
{
	char *url = strndup(p, len), *err = NULL;
	PQconninfoOption *o = url ? PQconninfoParse(url, &err) : NULL;
	bool ok = o && (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11));
	if (!ok)
		snprintf(errbuf, cap, "replica %d is not a PostgreSQL URL that libpq accepts (postgresql://...)", no);
	PQconninfoFree(o);
	PQfreemem(err);
	free(url);
	return ok ? PD_OK : PD_EINVAL;
}

enum pd_err store_set_replicas(const char *primary, const char *list, int max_lag_s, char *errbuf, size_t cap)
{
	int n = 0;
	if (reps.n)
		return snprintf(errbuf, cap, "the replicas are set already"), PD_EINVAL;
	for (const char *p = list; *p; n++) {
		size_t len = url_len(p);
		if (n == MAX_REPLICAS)
			return snprintf(errbuf, cap, "more than %d replicas", MAX_REPLICAS), PD_EINVAL;
		if (check_url(p, len, n + 1, errbuf, cap) != PD_OK)
			return PD_EINVAL;
		char *url = strndup(p, len);
		reps.r[n] = (struct replica){.no = n + 1, .pool = url ? pool_get(url) : NULL, .lag_ms = -1};
		free(url);
		p += len + (p[len] == ',');
	}
	reps.max_lag_ms = max_lag_s * 1000LL;
	reps.primary = strdup(primary);
	lw_init(&reps.lw);
	reps.n = n;
	bool ok = reps.primary && start_thread(sampler, NULL);
	for (int i = 0; ok && i < n; i++)
		ok = reps.r[i].pool && start_thread(monitor, &reps.r[i]);
	if (!ok)
		return snprintf(errbuf, cap, "cannot start the replicas' threads"), PD_ENOMEM;
	return PD_OK;
}

bool store_has_replicas(void)
{
	return reps.n > 0;
}

int store_replicas(struct store_replica *out, int max, unsigned long long *primary_reads)
{
	*primary_reads = atomic_load(&reps.primary_reads);
	int k = 0;
	for (; k < reps.n && k < max; k++) {
		struct replica *r = &reps.r[k];
		long long lag = atomic_load(&r->lag_ms);
		out[k] = (struct store_replica){.lag = lag < 0 ? -1 : (double)lag / 1000, .reads = atomic_load(&r->reads),
						.usable = usable(r, 0, now_ms())};
	}
	return k;
}
/* The pinned connection in a transaction, else one from the pool, connected: a replica's for a
 * routed read (store_read_for), falling back to the primary's when it cannot be reached; NULL
 * if the primary cannot be reached. */
static struct pgc *acquire(struct pgs *s, bool may_replica)
{
	if (s->tx)
		return s->tx;
	if (s->read && may_replica) {
		struct pgc *c = pool_take(s->read->pool);
		if (connect_conn(c->home, c)) {
			lend(c->home, c, now_ms());
			return c;
		}
		pool_give(c->home, c);
		replica_failed(s);
	}
	struct pgc *c = pool_take(s->pool);
	if (connect_conn(s->pool, c)) {
		lend(s->pool, c, now_ms());
		return c;
	}
	pool_give(s->pool, c);
	return NULL;
}

static void release(struct pgs *s, struct pgc *c)
{
	if (c && c != s->tx)
		pool_give(c->home, c);
}

/* SQLSTATE classes: 23 integrity (a unique key taken), 40 serialization/deadlock, 53 out of
 * resources (disk full), 08/57 connection lost or server shutting down. */
static enum pd_err map_result(PGconn *conn, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (!r)
		return PQstatus(conn) == CONNECTION_OK ? PD_ENOMEM : PD_EIO;
	if (!state)
		return PQstatus(conn) == CONNECTION_OK ? PD_EINTERNAL : PD_EIO;
	if (!strncmp(state, "23", 2))
		return PD_ECONFLICT;
	if (!strncmp(state, "40", 2) || !strcmp(state, "55P03") || !strcmp(state, "57014"))
		return PD_EBUSY;
	if (!strncmp(state, "53", 2) || !strncmp(state, "08", 2) || !strncmp(state, "57", 2) ||
	    !strncmp(state, "58", 2))
		return PD_EIO;
	return PD_EINTERNAL;
}

static enum pd_err report(PGconn *conn, PGresult *r, const char *what)
{
	enum pd_err e = map_result(conn, r);
	if (e == PD_EINTERNAL)
		fprintf(stderr, "store: %s: %s", what, PQerrorMessage(conn));
	PQclear(r);
	return e;
}

static enum pd_err simple(PGconn *conn, const char *sql)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType t = PQresultStatus(r);
	if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
		PQclear(r);
		return PD_OK;
	}
	return report(conn, r, "command failed");
}

/* ---- the driver ---- */

/* Statement id's SQL with its ?N written $N into sql; its highest N, or -1. */
static int translate(int id, char *sql, size_t cap)
{
	const char *from = drv_sql[id].pg;
	size_t k = 0;
	int max = 0;
	for (const char *p = from; p && *p && k + 1 < cap; p++) {
		bool param = *p == '?' && p[1] >= '0' && p[1] <= '9';
		sql[k++] = param ? '$' : *p;
		if (param && atoi(p + 1) > max)
			max = atoi(p + 1);
	}
	sql[k] = 0;
	if (!from || k + 1 >= cap) {
		fprintf(stderr, "store: statement %d: %s\n", id, from ? "too long" : "no PostgreSQL spelling");
		return -1;
	}
	return max;
}

/* Statements whose best plan depends on the value: LIKE '%v%' is answered best by walking
 * the partner's rows in seq order when v is common, by the trigram index when it is rare.  The
 * generic plan PostgreSQL gives a prepared statement after five runs always took the index
 * and sorted every match (220 ms for domain "keji" at 1,000,000 customers; 0.9 ms planned for
 * the value), so these are planned per call (the unnamed statement, PQexecParams). */
static bool planned_per_call(int id)
{
	return id == S_LIST_NAME_SUB || id == S_LIST_DOMAIN_SUB;
}

/* Prepares statement id on c as "pd<id>", its ?N written $N (planned per call: only counts
 * its parameters). */
static enum pd_err prepare(struct pgc *c, int id)
{
	char name[16], sql[8192];
	if (c->prepared[id])
		return PD_OK;
	int max = translate(id, sql, sizeof sql);
	if (max < 0)
		return PD_EINTERNAL;
	if (planned_per_call(id)) {
		c->prepared[id] = true;
		c->nparams[id] = (short)max;
		return PD_OK;
	}
	snprintf(name, sizeof name, "pd%d", id);
	PGresult *r = PQprepare(c->conn, name, sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return report(c->conn, r, "prepare failed");
	PQclear(r);
	c->prepared[id] = true;
	c->nparams[id] = (short)max;
	return PD_OK;
}

/* Parameters as libpq takes them: text, digests as binary bytea. */
struct args {
	const char *v[DRV_MAX_ARGS];
	int len[DRV_MAX_ARGS], fmt[DRV_MAX_ARGS];
	char num[DRV_MAX_ARGS][40];
};

static void make_args(struct args *a, int n, const struct drv_val *v)
{
	for (int i = 0; i < n; i++) {
		a->v[i] = v[i].type == 't' || v[i].type == 'd' ? v[i].s : a->num[i];
		a->len[i] = v[i].type == 'd' ? PD_DIGEST_LEN : 0;
		a->fmt[i] = v[i].type == 'd';
		if (v[i].type == 'i' || v[i].type == 'b')
			snprintf(a->num[i], sizeof a->num[i], "%lld", v[i].i);
		else if (v[i].type == 'f')
			snprintf(a->num[i], sizeof a->num[i], "%.6f", v[i].f);
	}
}

static PGresult *exec_planned(struct pgc *c, int id, const struct args *a)
{
	char sql[8192];
	translate(id, sql, sizeof sql); /* prepare() checked it */
	return PQexecParams(c->conn, sql, c->nparams[id], NULL, a->v, a->len, a->fmt, 0);
}

/* Executes statement id on c; the result or NULL with *e set.  Outside a transaction a
 * statement that found its connection lost runs once more on a new one. */
static PGresult *execute(struct pgs *s, struct pgc *c, int id, int n, const struct args *a, enum pd_err *e)
{
	char name[16];
	snprintf(name, sizeof name, "pd%d", id);
	for (int attempt = 0;; attempt++) {
		*e = prepare(c, id);
		if (*e == PD_OK && n < c->nparams[id]) { /* as SQLite's driver: none left unbound */
			fprintf(stderr, "store: statement %d takes %d parameters, not %d\n", id, c->nparams[id], n);
			*e = PD_EINTERNAL;
			return NULL;
		}
		if (*e == PD_OK) {
			PGresult *r = planned_per_call(id) ? exec_planned(c, id, a)
							   : PQexecPrepared(c->conn, name, c->nparams[id], a->v, a->len, a->fmt, 0);
			ExecStatusType t = PQresultStatus(r);
			if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK)
				return r;
			*e = report(c->conn, r, drv_sql[id].pg);
		}
		if (attempt > 0 || c == s->tx || c->home != s->pool || PQstatus(c->conn) == CONNECTION_OK ||
		    !connect_conn(s->pool, c))
			return NULL; /* a replica's is not retried: the primary answers instead (pg_exec) */
	}
}

/* Statements that must see the latest state even in a routed read: credentials and tokens
 * (a revocation takes effect on the next request), the shared counters (they write). */
static bool primary_only(int id)
{
	return id == S_TOKEN_LOOKUP || id == S_USER_BY_EMAIL || id == S_APP_BY_CLIENT || id == S_INVITE_BY_CODE ||
	       (id >= S_THROTTLE_GET && id <= S_RATE_TAKE);
}

/* A routed read's statement by who answered it (metrics). */
static void count_read(struct pgs *s, struct pgc *c)
{
	if (s->routed && c != s->tx)
		atomic_fetch_add_explicit(c->home == s->pool ? &reps.primary_reads : &s->read->reads, 1,
					  memory_order_relaxed);
}

static enum pd_err pg_exec(struct store *st, int id, int n, const struct drv_val *v, struct drv_cur *cur)
{
	struct pgs *s = PG(st);
	struct args a;
	enum pd_err e = PD_EIO;
	struct pgc *c = acquire(s, !primary_only(id));
	make_args(&a, n, v);
	PGresult *r = c ? execute(s, c, id, n, &a, &e) : NULL;
	if (!r && c && c->home != s->pool) { /* a replica failed it: the primary answers */
		release(s, c);
		replica_failed(s);
		c = acquire(s, false);
		r = c ? execute(s, c, id, n, &a, &e) : NULL;
	}
	if (!r) {
		release(s, c);
		return e;
	}
	count_read(s, c);
	*cur = (struct drv_cur){.st = st, .h = r, .conn = c, .row = -1, .rows = PQntuples(r),
				.changed = atoll(PQcmdTuples(r))};
	return PD_OK;
}

static enum pd_err pg_next(struct drv_cur *c, bool *row)
{
	*row = ++c->row < c->rows;
	return PD_OK;
}

static void pg_done(struct drv_cur *c)
{
	PQclear(c->h);
	release(PG(c->st), c->conn);
}

static const char *pg_text(struct drv_cur *c, int col)
{
	return PQgetisnull(c->h, c->row, col) ? NULL : PQgetvalue(c->h, c->row, col);
}

static long long pg_num(struct drv_cur *c, int col)
{
	return atoll(PQgetvalue(c->h, c->row, col));
}

/* bytea in its text form: \x and hex digits. */
static bool pg_blob(struct drv_cur *c, int col, unsigned char *out, size_t len)
{
	const char *hex = PQgetvalue(c->h, c->row, col);
	size_t got = 0;
	return !strncmp(hex, "\\x", 2) &&
	       sodium_hex2bin(out, len, hex + 2, strlen(hex + 2), NULL, &got, NULL) == 0 && got == len;
}

/* ---- transactions ---- */

static enum pd_err pg_begin(struct pgs *s)
{
	if (s->tx)
		return PD_EINTERNAL;
	s->routed = false, s->read = NULL; /* a transaction is the primary's */
	struct pgc *c = acquire(s, false);
	if (!c)
		return PD_EIO;
	enum pd_err e = simple(c->conn, "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK ")");
	if (e != PD_OK && PQstatus(c->conn) != CONNECTION_OK && connect_conn(s->pool, c))
		e = simple(c->conn, "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK ")");
	if (e != PD_OK) {
		simple(c->conn, "ROLLBACK");
		pool_give(s->pool, c);
		return e;
	}
	s->tx = c;
	return PD_OK;
}

/* Ends the transaction with `sql` and gives its connection back. */
static enum pd_err finish(struct pgs *s, const char *sql)
{
	struct pgc *c = s->tx;
	if (!c)
		return PD_EINTERNAL;
	PGresult *r = PQexec(c->conn, sql);
	enum pd_err e = PD_OK;
	/* a COMMIT of an aborted transaction answers ROLLBACK: that is a failure */
	if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "ROLLBACK") == 0)
		e = strcmp(sql, "COMMIT") == 0 && PQresultStatus(r) == PGRES_COMMAND_OK ? PD_EINTERNAL
										 : map_result(c->conn, r);
	PQclear(r);
	s->tx = NULL;
	pool_give(s->pool, c);
	return strcmp(sql, "ROLLBACK") == 0 ? PD_OK : e;
}

static enum pd_err pg_tx(struct store *st, enum drv_tx t)
{
	static const char *const sql[] = {[TX_SAVEPOINT] = "SAVEPOINT req", [TX_RELEASE] = "RELEASE req",
					  [TX_ROLLBACK_TO] = "ROLLBACK TO req; RELEASE req"};
	struct pgs *s = PG(st);
	if (t == TX_BEGIN)
		return pg_begin(s);
	if (t == TX_COMMIT || t == TX_ROLLBACK)
		return t == TX_COMMIT ? finish(s, "COMMIT") : s->tx ? finish(s, "ROLLBACK") : PD_OK;
	return s->tx ? simple(s->tx->conn, sql[t]) : PD_EINTERNAL;
}

static void pg_close(struct store *st)
{
	struct pgs *s = PG(st);
	if (!s)
		return;
	if (s->tx)
		finish(s, "ROLLBACK");
	if (s->pool)
		pool_put(s->pool);
	free(s);
}

/* ---- substring search: LIKE on the pg_trgm index ---- */

/* Names: the search text against each of the value's alternatives (?2, ?5, ?6; the first
 * repeated when there are fewer); domains: the domain. */
static enum pd_err pg_find(struct store *st, const char *partner, const struct pd_query *q,
			   struct pd_customer **rows, size_t *n, struct pd_arena *ar)
{
	const char *t[PD_SEARCH_TERMS], *like[PD_SEARCH_TERMS];
	bool name = q->field == PD_FILTER_NAME;
	int k = name ? pd_search_terms(ar, q->value, t) : 0;
	like[0] = pd_printf(ar, "%%%s%%", pd_like_escape(ar, q->value));
	for (int i = 1; i < PD_SEARCH_TERMS; i++)
		like[i] = i < k ? pd_printf(ar, "%%%s%%", pd_like_escape(ar, t[i])) : like[0];
	return drv_rows(st, name ? S_LIST_NAME_SUB : S_LIST_DOMAIN_SUB, sizeof **rows, q->size + 1,
			drv_read_customer, rows, n, ar, "ttintt", partner, like[0], q->has_after ? q->after_seq : 0,
			q->size + 1, like[1], like[2]);
}

static const struct drv pg_driver = {
	.exec = pg_exec, .next = pg_next, .done = pg_done, .text = pg_text, .num = pg_num, .blob = pg_blob,
	.tx = pg_tx, .find = pg_find,
};

static bool is_pg(const struct store *st)
{
	return st && st->drv == &pg_driver;
}

/* ---- shared throttling counters ---- */

static enum pd_err read_throttle(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	(void)ar;
	*(struct pd_throttle_row *)row = (struct pd_throttle_row){drv_i(c, 0), drv_i(c, 1), drv_i(c, 2),
								   drv_i(c, 3), drv_i(c, 4)};
	return PD_OK;
}

static enum pd_err pg_throttle_get(struct store *st, const char *key, struct pd_throttle_row *row)
{
	return drv_one(st, S_THROTTLE_GET, read_throttle, row, NULL, "t", key);
}

/* Every 1024th failure of a process also sweeps idle counters, so the table stays bounded
 * under a flood of addresses. */
static enum pd_err pg_throttle_failed(struct store *st, const char *key, long long now, long long fade,
				      int drop, long long stale)
{
	static atomic_uint failures;
	enum pd_err e = drv_cmd(st, S_THROTTLE_FAILED, NULL, "tiini", key, now, fade, drop, stale);
	if (e == PD_OK && (atomic_fetch_add(&failures, 1) & 1023) == 1023)
		e = drv_cmd(st, S_THROTTLE_SWEEP, NULL, "i", now);
	return e;
}

static enum pd_err pg_throttle_succeeded(struct store *st, const char *key, long long now, bool good, int drop,
					 long long stale)
{
	return drv_cmd(st, S_THROTTLE_SUCCEEDED, NULL, "tibni", key, now, good, drop, stale);
}

static enum pd_err pg_throttle_reserve(struct store *st, const char *key, const struct pd_throttle_row *seen,
				       long long now, int cap, long long stale, bool *taken)
{
	long long changed = 0;
	enum pd_err e = drv_cmd(st, S_THROTTLE_RESERVE, &changed, "tiiini", key, now, seen->failures, seen->last,
				cap, stale);
	*taken = e == PD_OK && changed == 1;
	return e;
}

static enum pd_err pg_throttle_release(struct store *st, const char *key, long long now, int drop,
				       long long stale)
{
	return drv_cmd(st, S_THROTTLE_RELEASE, NULL, "tini", key, now, drop, stale);
}

struct bucket {
	bool allowed;
	double tokens;
};

static enum pd_err read_bucket(struct drv_cur *c, void *row, struct pd_arena *ar)
{
	(void)ar;
	struct bucket *b = row;
	b->allowed = pg_text(c, 0)[0] == 't';
	b->tokens = atof(pg_text(c, 1));
	return PD_OK;
}

static enum pd_err pg_rate_take(struct store *st, const char *key, double now, int rate, int *wait)
{
	struct bucket b = {0};
	enum pd_err e = drv_one(st, S_RATE_TAKE, read_bucket, &b, NULL, "tfn", key, now, rate);
	*wait = e != PD_OK || b.allowed || rate <= 0 ? 0 : (int)((1.0 - b.tokens) / rate) + 1;
	return e;
}

/* ---- raw SQL, for moving data (store_copy.c) ---- */

static enum pd_err pg_raw_select(struct store *st, const char *sql,
				 int (*row)(void *, int, const char *const *), void *arg)
{
	struct pgs *s = PG(st);
	struct pgc *c = acquire(s, false);
	if (!c)
		return PD_EIO;
	PGresult *r = PQexec(c->conn, sql);
	enum pd_err e = PQresultStatus(r) == PGRES_TUPLES_OK ? PD_OK : map_result(c->conn, r);
	int n = PQnfields(r);
	const char *v[64];
	for (int i = 0; e == PD_OK && n <= 64 && i < PQntuples(r); i++) {
		for (int k = 0; k < n; k++)
			v[k] = PQgetisnull(r, i, k) ? NULL : PQgetvalue(r, i, k);
		if (row(arg, n, v))
			break;
	}
	if (e != PD_OK)
		fprintf(stderr, "store: %s", PQerrorMessage(c->conn));
	PQclear(r);
	release(s, c);
	return e;
}

static enum pd_err pg_raw_exec(struct store *st, const char *sql, int n, const char *const *params)
{
	struct pgs *s = PG(st);
	struct pgc *c = acquire(s, false);
	if (!c)
		return PD_EIO;
	PGresult *r = PQexecParams(c->conn, sql, n, NULL, params, NULL, NULL, 0);
	enum pd_err e = PQresultStatus(r) == PGRES_COMMAND_OK ? PD_OK : map_result(c->conn, r);
	if (e != PD_OK)
		fprintf(stderr, "store: %s", PQerrorMessage(c->conn));
	PQclear(r);
	release(s, c);
	return e;
}

/* ---- migrations ---- */

static int schema_version(PGconn *conn)
{
	PGresult *r = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	int v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	return v;
}

static enum pd_err apply(PGconn *conn, const struct pd_embed *m, int version)
{
	char record[256];
	snprintf(record, sizeof record,
		 "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '%.80s',"
		 " extract(epoch FROM now())::bigint)", version, m->name);
	enum pd_err e = simple(conn, "BEGIN");
	if (e == PD_OK && (e = simple(conn, m->data)) == PD_OK && (e = simple(conn, record)) == PD_OK)
		return simple(conn, "COMMIT");
	simple(conn, "ROLLBACK");
	return e;
}

/* Appends 'v' (escaped by libpq) to b. */
static bool add_literal(PGconn *conn, struct pd_buf *b, const char *v)
{
	char *lit = PQescapeLiteral(conn, v, strlen(v));
	if (lit)
		pd_buf_lit(b, lit);
	PQfreemem(lit);
	return lit != NULL;
}

/* The UPDATE and the INSERT of the duplicate keys for one batch (rows: partner, id, name). */
static bool backfill_sql(PGconn *conn, PGresult *r, struct pd_buf *upd, struct pd_buf *dup,
			 struct pd_arena *ar)
{
	pd_buf_lit(upd, "UPDATE customers c SET name_key = v.k, search_text = v.s FROM (VALUES ");
	pd_buf_lit(dup, "INSERT INTO customer_dupkeys (partner_id, customer_id, dup_key) VALUES ");
	bool ok = true;
	for (int i = 0; ok && i < PQntuples(r); i++) {
		struct pd_name_forms f;
		const char *p = PQgetvalue(r, i, 0), *id = PQgetvalue(r, i, 1);
		ok = pd_name_forms(ar, PQgetvalue(r, i, 2), &f);
		const char *t[] = {"(", p, ", ", id, ", ", ok ? f.key : "", ", ", ok ? f.search : "", ")"};
		const char *u[] = {"(", p, ", ", id, ", ", ok ? f.dup : "", ")"};
		pd_buf_lit(upd, i ? ", " : "");
		pd_buf_lit(dup, i ? ", " : "");
		for (size_t k = 0; ok && k < sizeof t / sizeof *t; k++)
			ok = k % 2 == 0 ? (pd_buf_lit(upd, t[k]), true) : add_literal(conn, upd, t[k]);
		for (size_t k = 0; ok && k < sizeof u / sizeof *u; k++)
			ok = k % 2 == 0 ? (pd_buf_lit(dup, u[k]), true) : add_literal(conn, dup, u[k]);
	}
	pd_buf_lit(upd, ") v(p, i, k, s) WHERE c.partner_id = v.p AND c.customer_id = v.i;");
	pd_buf_lit(dup, " ON CONFLICT (partner_id, customer_id) DO UPDATE SET dup_key = excluded.dup_key");
	return ok;
}

/* Gives rows without a search text (all of them after 0007; those a migrate-store copied) their
 * search.h forms - name key, search text, duplicate key - 1,000 rows a statement, each batch
 * committed.  Finds them by the partial index customers_unsearched; nothing to do costs one
 * index probe. */
static enum pd_err backfill_search(PGconn *conn, char *errbuf, size_t cap)
{
	for (;;) {
		PGresult *r = PQexec(conn, "SELECT partner_id, customer_id, company_name FROM customers"
					   " WHERE search_text IS NULL LIMIT 1000");
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) == 0) {
			bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
			PQclear(r);
			return ok ? PD_OK : PD_EIO;
		}
		struct pd_arena *ar = pd_arena_new();
		struct pd_buf upd, dup;
		pd_buf_init(&upd, 256 * 1024);
		pd_buf_init(&dup, 128 * 1024);
		bool ok = backfill_sql(conn, r, &upd, &dup, ar);
		PQclear(r);
		if (ok)
			pd_buf_add(&upd, dup.p, dup.len);
		enum pd_err e = ok ? simple(conn, upd.p) : PD_EINTERNAL; /* one implicit transaction */
		pd_buf_free(&upd);
		pd_buf_free(&dup);
		pd_arena_free(ar);
		if (e != PD_OK) {
			snprintf(errbuf, cap, "filling in the search text failed: %s",
				 ok ? PQerrorMessage(conn) : "a company name has no search key (OpenCC data?)");
			return e;
		}
	}
}

/* Applies the missing migrations under a session advisory lock, so instances starting
 * together migrate once. */
static enum pd_err migrate(PGconn *conn, char *errbuf, size_t cap)
{
	enum pd_err e = simple(conn, "SET statement_timeout = 0; SELECT pg_advisory_lock(" MIGRATE_LOCK ")");
	if (e == PD_OK)
		e = simple(conn, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
				 " name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
	int have = e == PD_OK ? schema_version(conn) : -1;
	if (have < 0 && e == PD_OK)
		e = PD_EINTERNAL;
	for (int i = 0; e == PD_OK && pd_pg_migrations[i].name; i++) {
		int version = atoi(pd_pg_migrations[i].name);
		if (version > have && (e = apply(conn, &pd_pg_migrations[i], version)) != PD_OK)
			snprintf(errbuf, cap, "migration %s failed: %s", pd_pg_migrations[i].name,
				 PQerrorMessage(conn));
	}
	if (e == PD_OK)
		e = backfill_search(conn, errbuf, cap);
	simple(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK "); RESET statement_timeout");
	return e;
}

/* The table: the operations written once, and what only PostgreSQL has (filled once). */
static struct store_ops pg_ops;
static pthread_once_t ops_once = PTHREAD_ONCE_INIT;

static void ops_init(void)
{
	pg_ops = (struct store_ops){
		.name = "postgresql", .close = pg_close, .throttle_get = pg_throttle_get,
		.throttle_failed = pg_throttle_failed, .throttle_succeeded = pg_throttle_succeeded,
		.throttle_reserve = pg_throttle_reserve, .throttle_release = pg_throttle_release,
		.rate_take = pg_rate_take, .raw_select = pg_raw_select, .raw_exec = pg_raw_exec};
	store_ops_shared(&pg_ops);
}

enum pd_err store_pg_open(const char *url, bool do_migrate, struct store **out, char *errbuf,
			  size_t cap)
{
	struct pgs *s = calloc(1, sizeof *s);
	if (!s || !(s->pool = pool_get(url))) {
		free(s);
		return PD_ENOMEM;
	}
	pthread_once(&ops_once, ops_init);
	s->base.ops = &pg_ops;
	s->base.drv = &pg_driver;
	struct pgc *c = pool_take(s->pool);
	enum pd_err e = PD_OK;
	if (!connect_conn(s->pool, c)) {
		snprintf(errbuf, cap, "cannot connect to PostgreSQL: %s",
			 c->conn ? PQerrorMessage(c->conn) : "out of memory");
		e = PD_EIO;
	} else if (do_migrate) {
		e = migrate(c->conn, errbuf, cap);
		memset(c->prepared, 0, sizeof c->prepared); /* the schema may have changed */
	}
	pool_give(s->pool, c);
	if (e != PD_OK) {
		pg_close(&s->base);
		return e;
	}
	*out = &s->base;
	return PD_OK;
}
