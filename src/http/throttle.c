/* throttle.c - counters behind sign-in protection and rate limits (see throttle.h): one
 * chained hash table of small entries under one mutex.  Entries idle for an hour are swept
 * when the table grows past its budget, so memory stays bounded under a flood of addresses.
 * Shared (pd_throttle_share): the same counters kept in the store, for every instance on it;
 * the rules are the same code either way. */
#include "throttle.h"
#include "arena.h"
#include "store.h"
#include "text.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096
#define MAX_ENTRIES 100000
#define FADE 900          /* seconds after the last failure */
#define LOCK 900
#define IDLE 3600
#define TRUST (30LL * 86400) /* an address the account signed in from */

struct entry {
	struct entry *next;
	double tokens, stamp;  /* rate bucket: tokens left, last refill */
	long long last;        /* last failure */
	long long good;        /* last successful sign-in (pair entries) */
	int failures;
	bool primed;           /* rate bucket filled once */
	char key[];
};

struct pd_throttle {
	pthread_mutex_t mu;
	struct entry *b[BUCKETS];
	size_t n;
	struct store *shared;  /* counters in the store instead of b[] */
};

struct pd_throttle *pd_throttle_new(void)
{
	struct pd_throttle *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

bool pd_throttle_share(struct pd_throttle *t, struct store *st)
{
	if (!st->ops->rate_take) {
		st->ops->close(st);
		return false;
	}
	t->shared = st;
	return true;
}

void pd_throttle_free(struct pd_throttle *t)
{
	if (!t)
		return;
	if (t->shared)
		t->shared->ops->close(t->shared);
	for (int i = 0; i < BUCKETS; i++)
		for (struct entry *e = t->b[i], *n; e; e = n) {
			n = e->next;
			free(e);
		}
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % BUCKETS;
}

static void sweep(struct pd_throttle *t, long long now)
{
	for (int i = 0; i < BUCKETS; i++) {
		for (struct entry **p = &t->b[i], *e; (e = *p);) {
			if (now - (long long)e->stamp > IDLE && now - e->last > IDLE && now - e->good > TRUST) {
				*p = e->next;
				free(e);
				t->n--;
			} else {
				p = &e->next;
			}
		}
	}
}

/* The entry for key, created when `create`; NULL if absent (or the table is full). */
static struct entry *find(struct pd_throttle *t, const char *key, bool create, long long now)
{
	unsigned h = hash(key);
	for (struct entry *e = t->b[h]; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	if (!create)
		return NULL;
	if (t->n >= MAX_ENTRIES)
		sweep(t, now);
	if (t->n >= MAX_ENTRIES)
		return NULL;
	size_t n = strlen(key) + 1;
	struct entry *e = calloc(1, sizeof *e + n);
	if (!e)
		return NULL;
	memcpy(e->key, key, n);
	e->stamp = (double)now;
	e->next = t->b[h];
	t->b[h] = e;
	t->n++;
	return e;
}

/* Failures still counting at `now`. */
static int live_failures(struct entry *e, long long now)
{
	if (!e || now - e->last > FADE)
		return 0;
	return e->failures;
}

/* Seconds left of a wait of `secs` from the last failure. */
static int left(struct entry *e, long long now, long long secs)
{
	long long until = e->last + secs;
	return until > now ? (int)(until - now) : 0;
}

static long long backoff(int over)
{
	return over >= 6 ? 60 : 1LL << over;
}

/* The counters' keys; the account case-folded as sign-in looks it up. */
static void keys(char *acc, char *adr, char *pair, size_t cap, const char *account, const char *addr)
{
	struct pd_arena *ar = pd_arena_new();
	const char *folded = pd_text_key(ar, account);
	if (!folded)
		folded = account;
	snprintf(acc, cap, "a|%s", folded);
	snprintf(adr, cap, "i|%s", addr ? addr : "-");
	snprintf(pair, cap, "p|%s|%s", folded, addr ? addr : "-");
	pd_arena_free(ar);
}

static int max3(int a, int b, int c)
{
	int m = a > b ? a : b;
	return m > c ? m : c;
}

/* A shared counter read into `buf`; NULL when there is none (or the store failed: fail open,
 * the request itself will meet the store's error). */
static struct entry *load(struct pd_throttle *t, const char *key, struct entry *buf)
{
	struct pd_throttle_row row;
	if (t->shared->ops->throttle_get(t->shared, key, &row) != PD_OK)
		return NULL;
	memset(buf, 0, sizeof *buf);
	buf->failures = (int)row.failures;
	buf->last = row.last;
	buf->good = row.good;
	return buf;
}

static int wait_of(struct entry *a, struct entry *i, struct entry *p, long long now)
{
	int fa = live_failures(a, now), fi = live_failures(i, now), fp = live_failures(p, now);
	bool trusted = p && p->good && now - p->good < TRUST;
	int wa = fa >= 5 && !trusted ? left(a, now, backoff(fa - 5)) : 0;
	int wi = fi >= 20 ? left(i, now, LOCK) : fi >= 10 ? left(i, now, backoff(fi - 10)) : 0;
	int wp = fp >= 5 ? left(p, now, LOCK) : 0;
	return max3(wa, wi, wp);
}

int pd_signin_wait(struct pd_throttle *t, const char *account, const char *addr, long long now)
{
	char acc[320], adr[320], pair[640];
	struct entry ba, bi, bp;
	keys(acc, adr, pair, sizeof acc, account, addr);
	if (t->shared)
		return wait_of(load(t, acc, &ba), load(t, adr, &bi), load(t, pair, &bp), now);
	pthread_mutex_lock(&t->mu);
	int w = wait_of(find(t, acc, false, now), find(t, adr, false, now), find(t, pair, false, now), now);
	pthread_mutex_unlock(&t->mu);
	return w;
}

static void bump(struct pd_throttle *t, const char *key, long long now)
{
	struct entry *e = find(t, key, true, now);
	if (!e)
		return;
	e->failures = live_failures(e, now) + 1;
	e->last = now;
}

void pd_signin_failed(struct pd_throttle *t, const char *account, const char *addr, long long now)
{
	char acc[320], adr[320], pair[640];
	keys(acc, adr, pair, sizeof acc, account, addr);
	if (t->shared) {
		const char *k[] = {acc, adr, pair};
		for (int i = 0; i < 3; i++)
			t->shared->ops->throttle_failed(t->shared, k[i], now, FADE);
		return;
	}
	pthread_mutex_lock(&t->mu);
	bump(t, acc, now);
	bump(t, adr, now);
	bump(t, pair, now);
	pthread_mutex_unlock(&t->mu);
}

void pd_signin_succeeded(struct pd_throttle *t, const char *account, const char *addr,
			 long long now)
{
	char acc[320], adr[320], pair[640];
	keys(acc, adr, pair, sizeof acc, account, addr);
	if (t->shared) {
		t->shared->ops->throttle_succeeded(t->shared, acc, now, false);
		t->shared->ops->throttle_succeeded(t->shared, pair, now, true);
		return;
	}
	pthread_mutex_lock(&t->mu);
	struct entry *a = find(t, acc, false, now), *p = find(t, pair, true, now);
	if (a)
		a->failures = 0;
	if (p) {
		p->failures = 0;
		p->good = now;
	}
	pthread_mutex_unlock(&t->mu);
}

int pd_rate_take(struct pd_throttle *t, const char *partner, double now, int rate)
{
	char key[128];
	if (rate <= 0)
		return 0;
	snprintf(key, sizeof key, "r|%s", partner);
	int wait = 0;
	if (t->shared) {
		t->shared->ops->rate_take(t->shared, key, now, rate, &wait);
		return wait;
	}
	pthread_mutex_lock(&t->mu);
	struct entry *e = find(t, key, true, (long long)now);
	if (e) {
		double burst = 2.0 * rate;
		if (!e->primed) { /* a new bucket starts full */
			e->tokens = burst;
			e->primed = true;
		}
		e->tokens += (now - e->stamp) * rate;
		if (e->tokens > burst)
			e->tokens = burst;
		e->stamp = now;
		if (e->tokens >= 1.0)
			e->tokens -= 1.0;
		else
			wait = (int)((1.0 - e->tokens) / rate) + 1;
	}
	pthread_mutex_unlock(&t->mu);
	return wait;
}
