/* rowcache.c - each thread's (each event loop's) kept answers of a customer GET: a direct-mapped
 * table of PD_ROWCACHE_SLOTS slots, chosen by a hash of partner id and customer id, each with
 * both ids in full (a hit compares them byte for byte, so one partner never gets another's
 * entry), the generation it was made under and the body.  Per thread, not shared: no lock and
 * no cache line moves between cores on a hit.  Memory: the slot table (PD_ROWCACHE_SLOTS x
 * ~100 bytes) and one body buffer per used slot of at most PD_ROWCACHE_BODY_MAX bytes, so at
 * most ~2.1 MiB per loop; both are allocated on first use and freed when the thread exits. */
#include "rowcache.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ID_LEN 36 /* a UUID's text */

struct slot {
	unsigned long long gen;
	bool used;
	char partner[ID_LEN + 1], id[ID_LEN + 1];
	size_t len, cap;
	char *body;
};

static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static _Thread_local struct slot *slots;

static void free_slots(void *p)
{
	struct slot *s = p;
	for (int i = 0; s && i < PD_ROWCACHE_SLOTS; i++)
		free(s[i].body);
	free(s);
}

static void make_key(void)
{
	pthread_key_create(&key, free_slots);
}

/* The thread's table, made on first use (NULL when out of memory). */
static struct slot *table(void)
{
	if (!slots) {
		pthread_once(&key_once, make_key);
		slots = calloc(PD_ROWCACHE_SLOTS, sizeof *slots);
		if (slots && pthread_setspecific(key, slots) != 0) {
			free(slots);
			slots = NULL;
		}
	}
	return slots;
}

/* FNV-1a over both ids. */
static struct slot *slot_of(struct slot *t, const char *partner, const char *id)
{
	unsigned h = 2166136261u;
	for (const char *p = partner; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &t[h % PD_ROWCACHE_SLOTS];
}

static bool id_ok(const char *s)
{
	return s && strlen(s) == ID_LEN;
}

const char *pd_rowcache_get(const char *partner, const char *id, unsigned long long gen,
			    size_t *len)
{
	struct slot *t = slots;
	if (!t || !id_ok(partner) || !id_ok(id))
		return NULL;
	struct slot *s = slot_of(t, partner, id);
	if (!s->used || s->gen != gen || memcmp(s->id, id, ID_LEN) ||
	    memcmp(s->partner, partner, ID_LEN))
		return NULL;
	*len = s->len;
	return s->body;
}

void pd_rowcache_put(const char *partner, const char *id, unsigned long long gen, const char *body,
		     size_t len)
{
	struct slot *t = table();
	if (!t || !id_ok(partner) || !id_ok(id) || len > PD_ROWCACHE_BODY_MAX)
		return;
	struct slot *s = slot_of(t, partner, id);
	s->used = false;
	if (s->cap < len) {
		char *b = realloc(s->body, len);
		if (!b)
			return;
		s->body = b, s->cap = len;
	}
	memcpy(s->body, body, len);
	memcpy(s->partner, partner, ID_LEN + 1);
	memcpy(s->id, id, ID_LEN + 1);
	s->len = len, s->gen = gen, s->used = true;
}

void pd_rowcache_clear(void)
{
	if (!slots)
		return;
	pthread_setspecific(key, NULL);
	free_slots(slots);
	slots = NULL;
}
