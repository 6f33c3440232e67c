/* work.h - the threads that do what an event loop must not wait for.  A queue runs jobs on
 * its own threads and hands each finished job back to the event loop it came from.  The
 * readers (PostgreSQL) are a pool whose threads each have their own struct store, for the
 * reads a loop must not wait for.  The writer queue has one thread with its own store
 * connection and commits in groups: it takes every job waiting, runs each in a savepoint of
 * one transaction, commits once (one fsync for all) and only then hands the jobs back, so a
 * reply never precedes its durability. */
#ifndef PD_WORK_H
#define PD_WORK_H
#include <event2/event.h>
#include <stdbool.h>
#include "err.h"
#include "store.h"

struct pd_job;
/* on a queue thread; st is the writer's or the reader's store, NULL in a plain pool */
typedef void (*pd_job_run)(struct pd_job *j, struct store *st);
typedef void (*pd_job_done)(struct pd_job *j);                 /* back on j->base */

struct pd_job {
	pd_job_run run;       /* for the writer: sets j->err; PD_OK keeps its changes */
	pd_job_done done;
	struct event_base *base;   /* NULL: done() runs on the queue's thread (a thread without a loop) */
	enum pd_err err;
	void *arg;
	struct store_fault *fault; /* its request's (--fault-injection), armed while it runs; or NULL */
	const char *who[2];   /* its caller's partner and principal ids, or NULLs: for the writer,
			       * whose commit's position is their last write (store_wrote) */
	struct pd_job *next;
};

struct pd_queue;

#define PD_QUEUE_MAX 16 /* threads of one queue at most */

/* A pool of `threads` threads without a store. */
struct pd_queue *pd_queue_pool(int threads);
/* A pool of `threads` threads, each with its own store opened on `url` (closed at free);
 * NULL with err set when a store cannot be opened. */
struct pd_queue *pd_queue_readers(int threads, const char *url, char *err, size_t cap);
/* The writer: one thread using `st` (the queue takes it over and closes it at free).  With
 * read replicas (PostgreSQL --db-read) it records each group's commit position as the last
 * write of its jobs' callers (pd_job.who, store_wrote) before handing any back. */
struct pd_queue *pd_queue_writer(struct store *st);

/* The writer's upkeep also runs fn(st, arg), in no transaction, each time it starts (after
 * QUIET_MS without jobs, once writes left work): e.g. the change feed's retention. */
void pd_queue_set_upkeep(struct pd_queue *q, void (*fn)(struct store *st, const void *arg), const void *arg);

/* Queues a job; false when the queue is stopping (the job is not run). */
bool pd_queue_submit(struct pd_queue *q, struct pd_job *j);

/* The writer calls fn(arg) after each group's commit, before the jobs are handed back (the
 * webhook delivery's wake-up, delivery.h); fn NULL: none.  Set before jobs that matter. */
void pd_queue_on_commit(struct pd_queue *q, void (*fn)(void *), void *arg);

/* Runs what is queued, stops the threads and frees the queue. */
void pd_queue_free(struct pd_queue *q);

#endif
