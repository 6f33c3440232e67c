/* test_work.c - the writer queue: jobs come back to their event loop after the group commit,
 * and the store's upkeep runs only while the writer is quiet, stops when done and gives way
 * to a job at once.  A fake store counts the calls. */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <stdatomic.h>
#include <time.h>
#include "store_impl.h" /* a fake backend: behind the interface, as src/store/ is */
#include "work.h"

static atomic_int tidy_calls, tidy_steps_left, commits;

static enum pd_err ok(struct store *st) { (void)st; return PD_OK; }
static void fake_close(struct store *st) { (void)st; }
static enum pd_err fake_commit(struct store *st) { (void)st; atomic_fetch_add(&commits, 1); return PD_OK; }

/* Each step takes 20 ms; more while steps are left. */
static enum pd_err fake_tidy(struct store *st, bool *more)
{
	(void)st;
	atomic_fetch_add(&tidy_calls, 1);
	nanosleep(&(struct timespec){0, 20 * 1000000L}, NULL);
	*more = atomic_fetch_sub(&tidy_steps_left, 1) > 1;
	return PD_OK;
}

static const struct store_ops fake_ops = {
	.name = "fake", .close = fake_close, .begin = ok, .commit = fake_commit, .rollback = ok,
	.savepoint = ok, .release = ok, .rollback_to = ok, .tidy = fake_tidy,
};
static struct store fake = {.ops = &fake_ops};

struct done { struct pd_job job; bool done; int tidy_calls_at_run; };

static void run(struct pd_job *j, struct store *st)
{
	(void)st;
	((struct done *)j->arg)->tidy_calls_at_run = atomic_load(&tidy_calls);
	j->err = PD_OK;
}

static void done(struct pd_job *j) { ((struct done *)j->arg)->done = true; }

/* Submits one job and runs the base until it is handed back; returns the seconds it took. */
static double one_job(struct pd_queue *q, struct event_base *base, struct done *d)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	*d = (struct done){.job = {.run = run, .done = done, .base = base}};
	d->job.arg = d;
	cr_assert(pd_queue_submit(q, &d->job));
	while (!d->done)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void sleep_ms(long ms) { nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL); }

/* Waits up to 10 s (a loaded or sanitized run is slow) for at least n tidy calls. */
static void wait_calls(int n)
{
	for (int i = 0; i < 500 && atomic_load(&tidy_calls) < n; i++)
		sleep_ms(20);
}

Test(work, upkeep_runs_when_quiet_until_done_and_not_again_without_writes)
{
	atomic_store(&tidy_calls, 0);
	atomic_store(&tidy_steps_left, 3);
	evthread_use_pthreads(); /* jobs come back from the writer thread, as in the server */
	struct event_base *base = event_base_new();
	struct pd_queue *q = pd_queue_writer(&fake);
	struct done d;
	one_job(q, base, &d);
	cr_assert_eq(d.tidy_calls_at_run, 0, "no upkeep before the first second of quiet");
	wait_calls(3);
	sleep_ms(300);
	cr_assert_eq(atomic_load(&tidy_calls), 3, "three steps, the last one reports nothing more");
	sleep_ms(1300);
	cr_assert_eq(atomic_load(&tidy_calls), 3, "no writes since: nothing owed");
	atomic_store(&tidy_steps_left, 1);
	one_job(q, base, &d);
	wait_calls(4);
	cr_assert_eq(atomic_load(&tidy_calls), 4, "owed again after a group");
	pd_queue_free(q);
	event_base_free(base);
}

Test(work, a_job_interrupts_upkeep)
{
	atomic_store(&tidy_calls, 0);
	atomic_store(&tidy_steps_left, 1000); /* 20 s of upkeep if nothing came */
	evthread_use_pthreads(); /* jobs come back from the writer thread, as in the server */
	struct event_base *base = event_base_new();
	struct pd_queue *q = pd_queue_writer(&fake);
	struct done d;
	one_job(q, base, &d);
	wait_calls(1); /* upkeep has begun */
	cr_assert_gt(atomic_load(&tidy_calls), 0);
	double secs = one_job(q, base, &d);
	cr_assert_lt(d.tidy_calls_at_run, 100, "the job ran between steps, not after all of them");
	cr_assert_lt(secs, 5.0, "took %.2f s", secs);
	int at = atomic_load(&tidy_calls);
	pd_queue_free(q); /* stops during the resumed upkeep */
	cr_assert_lt(atomic_load(&tidy_calls), at + 3, "stopping does not wait for the upkeep");
	event_base_free(base);
}
