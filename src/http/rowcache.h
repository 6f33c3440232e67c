/* rowcache.h - each event loop's kept answers of GET /v1/customers/{id} (SQLite only; see
 * rowcache.c).  An entry is keyed by the caller's partner id and the customer id and made
 * under store_read_generation; it answers only while store_data_generation has not moved. */
#ifndef PD_ROWCACHE_H
#define PD_ROWCACHE_H
#include <stdbool.h>
#include <stddef.h>

#define PD_ROWCACHE_SLOTS 512	  /* entries per thread (one per event loop that uses it) */
#define PD_ROWCACHE_BODY_MAX 4096 /* bytes: a longer body is not kept */

/* The body kept for (partner, id) under generation `gen`, and its length; NULL if there is
 * none.  The bytes stay valid until the thread's next pd_rowcache_put. */
const char *pd_rowcache_get(const char *partner, const char *id, unsigned long long gen,
			    size_t *len);

/* The same, held: the bytes stay valid, whatever is kept after, until pd_rowcache_release(hold)
 * (on any thread), so a reply can send them without a copy. */
const char *pd_rowcache_hold(const char *partner, const char *id, unsigned long long gen,
			     size_t *len, void **hold);
void pd_rowcache_release(void *hold);

/* Keeps body for (partner, id) under gen in its slot (replacing what was there); nothing when
 * an id is not a UUID's length, the body is longer than PD_ROWCACHE_BODY_MAX or memory runs
 * out (then the slot is emptied). */
void pd_rowcache_put(const char *partner, const char *id, unsigned long long gen, const char *body,
		     size_t len);

/* Empties the calling thread's cache and frees its memory (a thread's is freed at its exit). */
void pd_rowcache_clear(void);

#endif
