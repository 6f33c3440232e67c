/* last_writes.h - which WAL position each caller must find replayed on a read replica before
 * it may read there (read-your-writes, driver_pg.c's --db-read): a bounded table of
 * principals' last writes that fails safe.  Only src/store/ (and its unit tests) include it. */
#ifndef PD_LAST_WRITES_H
#define PD_LAST_WRITES_H
#include <pthread.h>
#include <stdbool.h>

#define LW_SETS 1024        /* sets of LW_WAYS principals, a power of two */
#define LW_WAYS 8
#define LW_UNKNOWN (~0ull)  /* a write whose position could not be asked: never replayed */

struct lw_slot {
	unsigned long long key, lsn; /* lw_key(); its last write's LSN; key 0: free */
};

struct last_writes {
	pthread_mutex_t mu;
	struct lw_slot slot[LW_SETS][LW_WAYS];
	unsigned long long floor; /* >= the LSN of every principal pushed out */
	unsigned gen;             /* moves on with every LW_UNKNOWN recorded */
	bool unknown;             /* some LW_UNKNOWN may be in the table */
};

void lw_init(struct last_writes *t);
/* The key of one principal (never 0).  Keys that collide share one entry: a later LSN. */
unsigned long long lw_key(const char *partner, const char *principal);
/* The LSN a replica must have replayed before it answers this principal: its last write's,
 * or, for one not in the table, `floor` (every principal pushed out of it wrote no later). */
unsigned long long lw_needed(struct last_writes *t, unsigned long long key);
/* lsn (or LW_UNKNOWN) as the last write of keys[0..n): each in its set, in a free way or
 * in place of the way with the oldest write, which raises floor to that write. */
void lw_record(struct last_writes *t, const unsigned long long *keys, int n, unsigned long long lsn);
/* The generation to give lw_resolve: read before asking the primary for its position. */
unsigned lw_generation(struct last_writes *t);
/* lsn, asked of the primary after generation `gen` was read: every LW_UNKNOWN recorded up to
 * it is written no later, so it takes their place (nothing when one was recorded since). */
void lw_resolve(struct last_writes *t, unsigned gen, unsigned long long lsn);

#endif
