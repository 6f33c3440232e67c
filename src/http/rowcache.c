/* rowcache.c - each thread's (each event loop's) kept answers of a customer GET: a direct-mapped
 * table of PD_ROWCACHE_SLOTS slots, chosen by a hash of partner id and customer id, each with
 * both ids in full (a hit compares them byte for byte, so one partner never gets another's
 * entry), the generation it was made under and the body.  Per thread, not shared: no lock and
 * no cache line moves between cores on a hit.  Memory: the slot table (PD_ROWCACHE_SLOTS x
 * ~100 bytes) and one body buffer per used slot of at most PD_ROWCACHE_BODY_MAX bytes, so at
 * most ~2.1 MiB per loop; both are allocated on first use and freed when the thread exits. */
#include "rowcache.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define ID_LEN 36 /* a UUID's text */

/* A kept body: its slot holds one reference, each reply still sending it one more. */
struct body {
	atomic_uint refs;
	size_t cap;
	char data[];
};

struct slot {
	unsigned long long gen;
	bool used;
	char partner[ID_LEN + 1], id[ID_LEN + 1];
	size_t len;
	struct body *body;
};

static void drop(struct body *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static _Thread_local struct slot *slots;

static void free_slots(void *p)
{
	struct slot *s = p;
	for (int i = 0; s && i < PD_ROWCACHE_SLOTS; i++)
		drop(s[i].body);
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

/* The slot that answers (partner, id) under gen, or NULL. */
static struct slot *hit(const char *partner, const char *id, unsigned long long gen)
{
	struct slot *t = slots;
	if (!t || !id_ok(partner) || !id_ok(id))
		return NULL;
	struct slot *s = slot_of(t, partner, id);
	if (!s->used || s->gen != gen || memcmp(s->id, id, ID_LEN) ||
	    memcmp(s->partner, partner, ID_LEN))
		return NULL;
	return s;
}

const char *pd_rowcache_get(const char *partner, const char *id, unsigned long long gen,
			    size_t *len)
{
	struct slot *s = hit(partner, id, gen);
	if (!s)
		return NULL;
	*len = s->len;
	return s->body->data;
}

const char *pd_rowcache_hold(const char *partner, const char *id, unsigned long long gen,
			     size_t *len, void **hold)
{
	struct slot *s = hit(partner, id, gen);
	if (!s)
		return NULL;
	atomic_fetch_add(&s->body->refs, 1);
	*hold = s->body;
	*len = s->len;
	return s->body->data;
}

void pd_rowcache_release(void *hold)
{
	drop(hold);
}

void pd_rowcache_put(const char *partner, const char *id, unsigned long long gen, const char *body,
		     size_t len)
{
	struct slot *t = table();
	if (!t || !id_ok(partner) || !id_ok(id) || len > PD_ROWCACHE_BODY_MAX)
		return;
	struct slot *s = slot_of(t, partner, id);
	s->used = false;
	struct body *b = s->body;
	if (!b || b->cap < len || atomic_load(&b->refs) > 1) { /* a reply still sends the old bytes */
		size_t cap = len > 1024 ? len : 1024;
		struct body *nb = malloc(sizeof *nb + cap);
		if (!nb)
			return;
		atomic_init(&nb->refs, 1);
		nb->cap = cap;
		drop(b);
		s->body = b = nb;
	}
	memcpy(b->data, body, len);
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
