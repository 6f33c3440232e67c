/* search_queue.h - SQLite's new search-index entries of one write transaction, inserted
 * together (driver_sqlite.c keeps one per connection).  FTS5 writes the entries it holds in
 * memory out as a new index segment at every savepoint and at every statement that opens a
 * statement journal, so one INSERT per create made one segment per create, and the merging
 * of all of them: on the writer ~240 k instructions per create (callgrind), a fifth of its
 * work.  Queued, the entries of a whole group commit go in with one statement
 * (S_SEARCH_INSERT over a JSON array) and make one segment.
 *
 * When: before the first statement of the connection that names customer_search (a read of
 * the index, an update or delete of an entry, upkeep) and before COMMIT; at once outside a
 * transaction.  Savepoints keep it exact: ROLLBACK TO drops what was queued since the
 * savepoint and queues again what a statement since had inserted (the rollback undid that
 * insert too); a rollback drops everything. */
#ifndef PD_SEARCH_QUEUE_H
#define PD_SEARCH_QUEUE_H
#include <stdbool.h>
#include <stddef.h>
#include "driver.h"

#define SEARCH_QUEUE_MARKS 4 /* savepoints open at once (the writer uses one: a job's) */

struct search_entry {
	long long seq;
	char *search, *domain, *partner; /* malloc'd copies */
};

struct search_queue {
	struct search_entry *e;
	size_t n, cap;  /* entries queued in this transaction, room */
	size_t done;    /* e[0..done) are in the index already (a statement came between) */
	size_t mark_n[SEARCH_QUEUE_MARKS], mark_done[SEARCH_QUEUE_MARKS];
	int depth;      /* savepoints open */
};

/* Queues customer seq's entry (its search text, domain, partner), copying the strings. */
enum pd_err search_queue_add(struct search_queue *q, long long seq, const char *search, const char *domain,
			     const char *partner);
/* Whether entries wait to be inserted. */
bool search_queue_pending(const struct search_queue *q);
/* Inserts the waiting entries on st with one statement (S_SEARCH_INSERT). */
enum pd_err search_queue_flush(struct search_queue *q, struct store *st);
/* The queue's part of a transaction step t before it runs: PD_EINTERNAL when a savepoint
 * would be one too many to keep track of (the step must not run). */
enum pd_err search_queue_before(const struct search_queue *q, enum drv_tx t);
/* The queue's part of a transaction step t that ran (ok: it succeeded). */
void search_queue_after(struct search_queue *q, enum drv_tx t, bool ok);
/* Forgets every entry (a rollback, or the connection closing). */
void search_queue_clear(struct search_queue *q);

#endif
