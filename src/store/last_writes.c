/* last_writes.c - the table of principals' last writes for read-your-writes on read
 * replicas (see last_writes.h): set-associative, keyed by a 64-bit FNV-1a hash of partner and
 * principal, one mutex.  Nothing in it can make a read stale: a collision asks for the later
 * LSN, a principal pushed out raises the floor every unknown principal waits for, and a
 * position that could not be asked is never replayed until the primary answers again. */
#include "last_writes.h"
#include <string.h>

void lw_init(struct last_writes *t)
{
	memset(t, 0, sizeof *t);
	pthread_mutex_init(&t->mu, NULL);
}

unsigned long long lw_key(const char *partner, const char *principal)
{
	unsigned long long h = 1469598103934665603ull;
	for (const char *p = partner; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h *= 1099511628211ull; /* the NUL between them */
	for (const char *p = principal; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h | 1;
}

unsigned long long lw_needed(struct last_writes *t, unsigned long long key)
{
	pthread_mutex_lock(&t->mu);
	unsigned long long need = t->floor;
	for (int w = 0; w < LW_WAYS; w++)
		if (t->slot[key % LW_SETS][w].key == key)
			need = t->slot[key % LW_SETS][w].lsn;
	pthread_mutex_unlock(&t->mu);
	return need;
}

/* One key (under mu).  Ways fill from the first and are never freed, so a key is found before
 * the first free way. */
static void record(struct last_writes *t, unsigned long long key, unsigned long long lsn)
{
	struct lw_slot *set = t->slot[key % LW_SETS], *way = &set[0];
	for (int w = 0; w < LW_WAYS; w++) {
		if (set[w].key == key || !set[w].key) {
			way = &set[w];
			break;
		}
		if (set[w].lsn < way->lsn)
			way = &set[w];
	}
	if (way->key && way->key != key) {
		if (way->lsn > t->floor)
			t->floor = way->lsn; /* pushed out: every principal not in the table waits for it */
		*way = (struct lw_slot){key, 0};
	}
	way->key = key;
	if (lsn > way->lsn)
		way->lsn = lsn;
}

void lw_record(struct last_writes *t, const unsigned long long *keys, int n, unsigned long long lsn)
{
	pthread_mutex_lock(&t->mu);
	if (lsn == LW_UNKNOWN)
		t->gen++, t->unknown = true;
	for (int i = 0; i < n; i++)
		record(t, keys[i], lsn);
	pthread_mutex_unlock(&t->mu);
}

unsigned lw_generation(struct last_writes *t)
{
	pthread_mutex_lock(&t->mu);
	unsigned g = t->gen;
	pthread_mutex_unlock(&t->mu);
	return g;
}

void lw_resolve(struct last_writes *t, unsigned gen, unsigned long long lsn)
{
	pthread_mutex_lock(&t->mu);
	if (t->unknown && t->gen == gen) {
		for (int i = 0; i < LW_SETS; i++)
			for (int w = 0; w < LW_WAYS; w++)
				if (t->slot[i][w].lsn == LW_UNKNOWN)
					t->slot[i][w].lsn = lsn;
		if (t->floor == LW_UNKNOWN)
			t->floor = lsn;
		t->unknown = false;
	}
	pthread_mutex_unlock(&t->mu);
}
