/* work.c - worker queues, the readers and the group-committing writer (see work.h).  A
 * finished job goes back to its loop with event_base_once, which libevent makes thread-safe
 * once evthread_use_pthreads() has run. */
#include "work.h"
#include "metrics.h"
#include "waiters.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define GROUP_MAX 512
#define QUIET_MS 1000 /* the writer starts the store's upkeep after this long without jobs */

struct pd_queue;

struct worker {
	struct pd_queue *q;
	struct store *st;            /* the writer's, or a reader's own; NULL in a plain pool */
	pthread_t th;
	bool started;
};

struct pd_queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pd_job *head, *tail;
	bool stopping, writer;
	bool replicas;               /* the writer: store_wrote after each group (read replicas) */
	const char *name;            /* the threads' name */
	void (*upkeep)(struct store *st, const void *arg); /* the writer's own upkeep, or NULL */
	const void *upkeep_arg;
	void (*on_commit)(void *);   /* the writer: after each group's commit (pd_queue_on_commit) */
	void *on_commit_arg;
	int nthreads;
	struct worker w[PD_QUEUE_MAX];
};

static void back_to_loop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct pd_job *j = arg;
	j->done(j);
}

static void hand_back(struct pd_job *j)
{
	struct timeval zero = {0, 0};
	if (!j->base) { /* a job of a thread without a loop (delivery.c): done here */
		j->done(j);
		return;
	}
	if (event_base_once(j->base, -1, EV_TIMEOUT, back_to_loop, j, &zero) != 0)
		abort(); /* cannot happen with a live base; a lost reply would hang a client */
}

/* The wall-clock time ms from now, for pthread_cond_timedwait. */
static struct timespec after_ms(int ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L)
		t.tv_sec++, t.tv_nsec -= 1000000000L;
	return t;
}

/* Takes up to max jobs off the queue, waiting for one: for ever, or with quiet_ms >= 0 that
 * long (then NULL with *quiet set).  NULL without *quiet once stopping and empty. */
static struct pd_job *take(struct pd_queue *q, int max, int quiet_ms, bool *quiet)
{
	struct timespec until = after_ms(quiet_ms > 0 ? quiet_ms : 0);
	pthread_mutex_lock(&q->mu);
	while (!q->head && !q->stopping) {
		if (quiet_ms < 0) {
			pthread_cond_wait(&q->cv, &q->mu);
		} else if (pthread_cond_timedwait(&q->cv, &q->mu, &until) == ETIMEDOUT &&
			   !q->head && !q->stopping) {
			*quiet = true;
			break;
		}
	}
	struct pd_job *first = q->head, *last = first;
	int n = 1;
	for (; last && n < max && last->next; n++)
		last = last->next;
	if (last && q->writer)
		pd_metrics_queue(-n);
	if (last) {
		q->head = last->next;
		if (!q->head)
			q->tail = NULL;
		last->next = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return first;
}

/* A pool thread (with its own store when a reader): one job at a time. */
static void *pool_main(void *arg)
{
	struct worker *w = arg;
	struct pd_job *j;
	pthread_setname_np(pthread_self(), w->q->name);
	while ((j = take(w->q, 1, -1, NULL))) {
		store_fault_arm(j->fault);
		j->run(j, w->st);
		store_fault_arm(NULL);
		hand_back(j);
	}
	return NULL;
}

/* One job in its savepoint: released, or rolled back to when the job or the release failed.
 * Not PD_OK when even that failed: what the job wrote may still be in the transaction, which
 * must not be committed. */
static enum pd_err run_in_savepoint(struct store *st, struct pd_job *j)
{
	enum pd_err undo = PD_OK;
	store_fault_arm(j->fault);
	j->err = store_savepoint(st);
	if (j->err == PD_OK) {
		j->run(j, st);
		if (j->err == PD_OK)
			j->err = store_release(st);
		if (j->err != PD_OK)
			undo = store_rollback_to(st);
	}
	store_fault_arm(NULL);
	return undo;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* With read replicas: the primary's position after the commit, recorded as the last write of
 * each caller in the group before any of them gets its reply (read-your-writes).  After a
 * failed commit too: its outcome may be unknown. */
static void note_writes(struct store *st, struct pd_job *group)
{
	const char *who[GROUP_MAX][2];
	int n = 0;
	for (struct pd_job *j = group; j && n < GROUP_MAX; j = j->next)
		if (j->who[0] && j->who[1])
			who[n][0] = j->who[0], who[n++][1] = j->who[1];
	store_wrote(st, (const char *const(*)[2])who, n);
}

/* One group: begin, each job in its savepoint, one commit.  A failed commit, or a savepoint
 * that could not be rolled back to, fails all.  The metrics get the group's size and the
 * commit's time (the WAL's fsync). */
static void commit_group(struct store *st, struct pd_job *group, bool replicas)
{
	enum pd_err e = store_begin(st);
	bool begun = e == PD_OK;
	int jobs = 0;
	for (struct pd_job *j = group; j; j = j->next, jobs++) {
		if (e == PD_OK)
			e = run_in_savepoint(st, j);
		else
			j->err = e;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (e == PD_OK)
		e = store_commit(st);
	if (begun && e != PD_OK) {
		store_rollback(st);
		for (struct pd_job *j = group; j; j = j->next)
			if (j->err == PD_OK)
				j->err = e;
	}
	pd_waiters_commit(e == PD_OK); /* long-polls on the feed wake for the events committed */
	pd_metrics_commit(jobs, seconds_since(&t0));
	if (begun && replicas)
		note_writes(st, group);
}

static bool has_work(struct pd_queue *q)
{
	pthread_mutex_lock(&q->mu);
	bool busy = q->head || q->stopping;
	pthread_mutex_unlock(&q->mu);
	return busy;
}

/* The store's upkeep, step by step, while no job waits: true if a job interrupted it (more is
 * owed), false once done or failed (tried again after the next writes). */
static bool upkeep(struct pd_queue *q, struct store *st)
{
	bool more = true;
	pthread_mutex_lock(&q->mu);
	void (*fn)(struct store *, const void *) = q->upkeep;
	const void *arg = q->upkeep_arg;
	pthread_mutex_unlock(&q->mu);
	if (fn)
		fn(st, arg);
	while (more) {
		if (store_tidy(st, &more) != PD_OK)
			return false;
		if (more && has_work(q))
			return true;
	}
	return false;
}

/* The hook after a group's commit, if one is set. */
static void committed(struct pd_queue *q)
{
	pthread_mutex_lock(&q->mu);
	void (*fn)(void *) = q->on_commit, *arg = q->on_commit_arg;
	pthread_mutex_unlock(&q->mu);
	if (fn)
		fn(arg);
}

/* Groups of jobs as they come; once QUIET_MS pass without one, the store's upkeep (owed at
 * start and after every group: writes are what leave work for it). */
static void *writer_main(void *arg)
{
	struct worker *w = arg;
	struct pd_queue *q = w->q;
	bool owed = true;
	pthread_setname_np(pthread_self(), "pd-writer");
	for (;;) {
		bool quiet = false;
		struct pd_job *group = take(q, GROUP_MAX, owed ? QUIET_MS : -1, &quiet);
		if (quiet) {
			owed = upkeep(q, w->st);
			continue;
		}
		if (!group)
			return NULL;
		commit_group(w->st, group, q->replicas);
		committed(q);
		for (struct pd_job *j = group, *n; j; j = n) {
			n = j->next;
			hand_back(j);
		}
		owed = true;
	}
}

static struct pd_queue *queue_alloc(int threads, const char *name, bool writer)
{
	struct pd_queue *q = calloc(1, sizeof *q);
	if (!q)
		abort();
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->name = name;
	q->writer = writer;
	q->nthreads = threads > PD_QUEUE_MAX ? PD_QUEUE_MAX : threads < 1 ? 1 : threads;
	for (int i = 0; i < q->nthreads; i++)
		q->w[i].q = q;
	return q;
}

static struct pd_queue *queue_start(struct pd_queue *q)
{
	for (int i = 0; i < q->nthreads; i++)
		q->w[i].started = pthread_create(&q->w[i].th, NULL, q->writer ? writer_main : pool_main, &q->w[i]) == 0;
	return q;
}

struct pd_queue *pd_queue_pool(int threads)
{
	return queue_start(queue_alloc(threads > 8 ? 8 : threads, "pd-pool", false));
}

struct pd_queue *pd_queue_readers(int threads, const char *url, char *err, size_t cap)
{
	struct pd_queue *q = queue_alloc(threads, "pd-reader", false);
	for (int i = 0; i < q->nthreads; i++) {
		char e2[256];
		if (store_open(url, false, &q->w[i].st, e2, sizeof e2) != PD_OK) {
			snprintf(err, cap, "%s", e2);
			q->nthreads = i; /* the stores opened so far, no thread started */
			pd_queue_free(q);
			return NULL;
		}
	}
	return queue_start(q);
}

struct pd_queue *pd_queue_writer(struct store *st)
{
	struct pd_queue *q = queue_alloc(1, "pd-writer", true);
	q->w[0].st = st;
	q->replicas = store_has_replicas();
	return queue_start(q);
}

void pd_queue_set_upkeep(struct pd_queue *q, void (*fn)(struct store *st, const void *arg), const void *arg)
{
	pthread_mutex_lock(&q->mu);
	q->upkeep = fn, q->upkeep_arg = arg;
	pthread_mutex_unlock(&q->mu);
}

void pd_queue_on_commit(struct pd_queue *q, void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&q->mu);
	q->on_commit = fn, q->on_commit_arg = arg;
	pthread_mutex_unlock(&q->mu);
}

bool pd_queue_submit(struct pd_queue *q, struct pd_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	bool ok = !q->stopping;
	if (ok) {
		if (q->tail)
			q->tail->next = j;
		else
			q->head = j;
		q->tail = j;
		if (q->writer)
			pd_metrics_queue(1);
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return ok;
}

void pd_queue_free(struct pd_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->nthreads; i++) {
		if (q->w[i].started)
			pthread_join(q->w[i].th, NULL);
		if (q->w[i].st)
			store_close(q->w[i].st);
	}
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
}
