/* throttle.c - counters behind sign-in protection and rate limits (see throttle.h): a chained
 * hash table of small entries under one mutex.  Every entry is also on one of three lists, by
 * what losing it would cost - nothing (quiet), failures of an address, a pair or an unknown
 * name, or an address's trust (spent), or what is kept - each in order of its last change, so making room looks at
 * the lists' oldest ends only.  Shared (pd_throttle_share): the same counters kept in the
 * store, for every instance on it; the rules (gate()) are the same code either way. */
#include "throttle.h"
#include "arena.h"
#include "metrics.h"
#include "store.h"
#include "text.h"
#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FADE 900             /* seconds after the last failure */
#define LOCK 900
#define STALE 60             /* a reservation stops counting a minute after the last one */
#define TRUST (30LL * 86400) /* an address the account signed in from */
#define RATE_IDLE 60         /* a rate bucket unused this long is full again: nothing to keep */
#define FULL_WAIT 60         /* Retry-After when the table holds only what it keeps */
#define STORE_WAIT 5         /* ... when the shared store failed */
#define WALK 256             /* entries looked at per list when making room */
#define TRIES 8              /* shared: a reservation retried when its counter changed meanwhile */
#define SLOTS 5              /* counters of one attempt: account, 2 x address, 2 x pair */
#define KEY_CAP 400

enum rule_id { R_ACCOUNT, R_ADDRESS, R_PAIR };
static const struct rule {
	int slow, lock;      /* failures from which an attempt waits 2^(n-slow) s / LOCK s */
} rules[] = {
	[R_ACCOUNT] = {5, INT_MAX}, [R_ADDRESS] = {10, 20}, [R_PAIR] = {5, 5},
};

enum list_id { L_QUIET, L_SPENT, L_KEPT, L_COUNT };
enum outcome { O_RELEASE, O_FAILED, O_SUCCEEDED };

struct entry {
	struct entry *next;          /* in its hash bucket */
	struct entry *older, *newer; /* on its list */
	struct pd_throttle_row c;    /* sign-in counter */
	double tokens, stamp;        /* rate bucket: tokens left, last refill */
	enum list_id list;
	bool primed;                 /* rate bucket filled once */
	bool known;                  /* an account that exists failed here */
	char key[];
};

struct list {
	struct entry *oldest, *newest;
};

struct pd_throttle {
	pthread_mutex_t mu;
	struct entry **b;
	size_t mask, n, cap;
	struct list lists[L_COUNT];
	struct store *shared;        /* counters in the store instead of b[] */
};

struct pd_signin {
	struct pd_throttle *t;
	long long at;                /* when reserved */
	int n;
	bool done;
	enum rule_id rule[SLOTS];
	bool exact[SLOTS];           /* the address's own counter (not its prefix's) */
	bool held[SLOTS];            /* an attempt in flight is counted on it */
	const char *key[SLOTS];
};

/* ---- the rules ---- */

static long long live_failures(const struct pd_throttle_row *c, long long now)
{
	return c && now - c->last <= FADE ? c->failures : 0;
}

static long long live_inflight(const struct pd_throttle_row *c, long long now)
{
	return c && now - c->held <= STALE ? c->inflight : 0;
}

static bool trusted(const struct pd_throttle_row *c, long long now)
{
	return c && c->good && now - c->good < TRUST;
}

static long long backoff(long long over)
{
	return over >= 6 ? 60 : 1LL << over;
}

/* Seconds before one more attempt may start on counter c (NULL: none yet) under rule id; 0 =
 * now.  *cap: how many may be in flight on it at once - each counts as a failure that just
 * happened, so when those in flight reach a limit the next attempt waits for their verdict. */
static int gate(enum rule_id id, const struct pd_throttle_row *c, long long now, int *cap)
{
	const struct rule *ru = &rules[id];
	long long f = live_failures(c, now), wait = 0;
	/* a failure recorded after `now` (an attempt that arrived earlier, judged after it waited
	 * for a reader, or a clock behind another instance's): waits count from that failure */
	long long at = c && c->last > now ? c->last : now;
	if (f >= ru->lock)
		wait = c->last + LOCK - at;
	else if (f >= ru->slow)
		wait = c->last + backoff(f - ru->slow) - at;
	*cap = f >= ru->slow ? 1 : (int)(ru->slow - f);
	if (wait > 0)
		return (int)wait;
	return live_inflight(c, now) >= *cap ? 1 : 0;
}

/* One attempt ends on counter c: one fewer in flight (`drop`: the reservation still counted)
 * and the outcome's change. */
static void settle(struct pd_throttle_row *c, enum rule_id id, bool exact, enum outcome o, bool drop,
		   long long now)
{
	long long in = live_inflight(c, now) - (drop ? 1 : 0);
	c->inflight = in > 0 ? in : 0;
	if (o == O_FAILED) {
		c->failures = live_failures(c, now) + 1;
		c->last = now > c->last ? now : c->last;
	} else if (o == O_SUCCEEDED && id != R_ADDRESS) {
		c->failures = 0;
		if (id == R_PAIR && exact)
			c->good = now;
	}
}

/* ---- keys ---- */

/* The /24 (IPv4) or /64 (IPv6) of addr, "" when it is not an address. */
static void prefix_of(const char *addr, char *out, size_t cap)
{
	unsigned char a[16];
	char s[INET6_ADDRSTRLEN];
	*out = 0;
	if (inet_pton(AF_INET, addr, a) == 1) {
		snprintf(out, cap, "%u.%u.%u.0/24", a[0], a[1], a[2]);
	} else if (inet_pton(AF_INET6, addr, a) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (!memcmp(a, mapped, 12)) {
			snprintf(out, cap, "%u.%u.%u.0/24", a[12], a[13], a[14]);
			return;
		}
		memset(a + 8, 0, 8);
		if (inet_ntop(AF_INET6, a, s, sizeof s))
			snprintf(out, cap, "%s/64", s);
	}
}

static void add_slot(struct pd_signin *s, struct pd_arena *ar, enum rule_id id, bool exact, const char *key)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->key[i], key))
			return;
	s->rule[s->n] = id;
	s->exact[s->n] = exact;
	s->key[s->n++] = pd_strdup(ar, key);
}

/* The attempt's counters, in this order: the address and the pair, each also by the
 * address's prefix where it has one (not when shared), then the account (case-folded as
 * sign-in looks it up). */
static void slots(struct pd_signin *s, struct pd_arena *ar, const char *account, const char *addr,
		  bool prefixes)
{
	char key[KEY_CAP], pre[64] = "";
	const char *folded = pd_text_key(ar, account);
	if (!folded)
		folded = account;
	if (!addr)
		addr = "-";
	if (prefixes)
		prefix_of(addr, pre, sizeof pre);
	snprintf(key, sizeof key, "i|%s", addr);
	add_slot(s, ar, R_ADDRESS, true, key);
	if (*pre) {
		snprintf(key, sizeof key, "i|%s", pre);
		add_slot(s, ar, R_ADDRESS, false, key);
	}
	snprintf(key, sizeof key, "p|%s|%s", folded, addr);
	add_slot(s, ar, R_PAIR, true, key);
	if (*pre) {
		snprintf(key, sizeof key, "p|%s|%s", folded, pre);
		add_slot(s, ar, R_PAIR, false, key);
	}
	snprintf(key, sizeof key, "a|%s", folded);
	add_slot(s, ar, R_ACCOUNT, false, key);
}

/* ---- the table ---- */

struct pd_throttle *pd_throttle_new(void)
{
	return pd_throttle_new_sized(PD_THROTTLE_ENTRIES);
}

struct pd_throttle *pd_throttle_new_sized(size_t entries)
{
	struct pd_throttle *t = calloc(1, sizeof *t);
	size_t nb = 64, cap = entries < PD_THROTTLE_MIN_ENTRIES ? PD_THROTTLE_MIN_ENTRIES : entries;
	while (nb < cap)
		nb *= 2;
	if (!t || !(t->b = calloc(nb, sizeof *t->b)))
		abort();
	t->cap = cap;
	t->mask = nb - 1;
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

bool pd_throttle_share(struct pd_throttle *t, struct store *st)
{
	if (!store_has_shared_counters(st)) {
		store_close(st);
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
		store_close(t->shared);
	for (size_t i = 0; i <= t->mask; i++)
		for (struct entry *e = t->b[i], *n; e; e = n) {
			n = e->next;
			free(e);
		}
	free(t->b);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static size_t hash(const struct pd_throttle *t, const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h & t->mask;
}

static struct entry *find(struct pd_throttle *t, const char *key)
{
	for (struct entry *e = t->b[hash(t, key)]; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

/* The list an entry belongs on: what evicting it would lose. */
static enum list_id list_of(const struct entry *e, long long now)
{
	if (e->key[0] == 'r')
		return now - (long long)e->stamp < RATE_IDLE ? L_KEPT : L_QUIET;
	if (live_failures(&e->c, now) > 0)
		return e->key[0] == 'a' && e->known ? L_KEPT : L_SPENT;
	/* trust is made by successes, so anyone with one account could make it from many
	 * addresses: evictable (its loss only ends an exemption), after what holds nothing */
	return trusted(&e->c, now) ? L_SPENT : L_QUIET;
}

static void unlink_list(struct pd_throttle *t, struct entry *e)
{
	struct list *l = &t->lists[e->list];
	*(e->older ? &e->older->newer : &l->oldest) = e->newer;
	*(e->newer ? &e->newer->older : &l->newest) = e->older;
	e->older = e->newer = NULL;
}

static void append(struct pd_throttle *t, struct entry *e, long long now)
{
	e->list = list_of(e, now);
	struct list *l = &t->lists[e->list];
	e->older = l->newest;
	*(l->newest ? &l->newest->newer : &l->oldest) = e;
	l->newest = e;
}

/* e changed at now: to the newest end of the list it now belongs on. */
static void place(struct pd_throttle *t, struct entry *e, long long now)
{
	unlink_list(t, e);
	append(t, e, now);
}

static void evict(struct pd_throttle *t, struct entry *v)
{
	unlink_list(t, v);
	for (struct entry **p = &t->b[hash(t, v->key)]; *p; p = &(*p)->next)
		if (*p == v) {
			*p = v->next;
			break;
		}
	free(v);
	t->n--;
}

static bool pinned(const struct entry *e, long long now)
{
	return live_inflight(&e->c, now) > 0;
}

/* What makes room for a new entry: one whose loss costs nothing, oldest first (a spent or
 * kept one whose time has passed included), else the oldest failures of an address, a pair
 * or an unknown name, or trust.  Never one in flight; NULL when only kept ones are left. */
static struct entry *victim(struct pd_throttle *t, long long now)
{
	for (int l = 0; l < L_COUNT; l++) {
		int n = 0;
		for (struct entry *e = t->lists[l].oldest; e && n < WALK; e = e->newer, n++)
			if (!pinned(e, now) && list_of(e, now) == L_QUIET)
				return e;
	}
	int n = 0;
	for (struct entry *e = t->lists[L_SPENT].oldest; e && n < WALK; e = e->newer, n++)
		if (!pinned(e, now) && list_of(e, now) != L_KEPT)
			return e;
	return NULL;
}

/* A new entry for key (absent), room made first; NULL when there is none to make. */
static struct entry *create(struct pd_throttle *t, const char *key, long long now)
{
	struct entry *v = t->n >= t->cap ? victim(t, now) : NULL;
	if (t->n >= t->cap && !v)
		return NULL;
	if (v)
		evict(t, v);
	size_t n = strlen(key) + 1;
	struct entry *e = calloc(1, sizeof *e + n);
	if (!e)
		return NULL;
	memcpy(e->key, key, n);
	e->stamp = (double)now;
	size_t h = hash(t, key);
	e->next = t->b[h];
	t->b[h] = e;
	t->n++;
	append(t, e, now);
	return e;
}

static struct entry *find_or_create(struct pd_throttle *t, const char *key, long long now)
{
	struct entry *e = find(t, key);
	return e ? e : create(t, key, now);
}

/* ---- sign-in, in memory ---- */

static void hold(struct pd_throttle *t, struct entry *e, long long now)
{
	e->c.inflight = live_inflight(&e->c, now) + 1;
	e->c.held = now > e->c.held ? now : e->c.held;
	place(t, e, now);
}

static int wait_local(struct pd_signin *s, struct entry **e, long long now)
{
	bool exempt = false;
	int w = 0, cap;
	for (int i = 0; i < s->n; i++)
		if (s->rule[i] == R_PAIR && s->exact[i] && e[i])
			exempt = trusted(&e[i]->c, now);
	for (int i = 0; i < s->n; i++) {
		int g = s->rule[i] == R_ACCOUNT && exempt ? 0 : gate(s->rule[i], e[i] ? &e[i]->c : NULL, now, &cap);
		w = g > w ? g : w;
	}
	return w;
}

/* Which missing counters to make: the account's; of an address (and of a pair) its own, or
 * its prefix's once the table is half full - none when one of the two is there already. */
static void choose(struct pd_throttle *t, struct pd_signin *s, struct entry **e, bool *make)
{
	bool pressed = t->n >= t->cap / 2, have[3] = {false, false, false};
	int slots_of[3] = {0, 0, 0};
	for (int i = 0; i < s->n; i++) {
		have[s->rule[i]] |= e[i] != NULL;
		slots_of[s->rule[i]]++;
	}
	for (int i = 0; i < s->n; i++)
		make[i] = !e[i] && !have[s->rule[i]] && (slots_of[s->rule[i]] == 1 || s->exact[i] != pressed);
}

/* Holds the counters found, then makes and holds the missing ones chosen; false (and nothing
 * held) when one cannot be made. */
static bool hold_all(struct pd_throttle *t, struct pd_signin *s, struct entry **e, long long now)
{
	bool make[SLOTS], ok = true;
	choose(t, s, e, make);
	for (int i = 0; i < s->n; i++) /* those found first: held, they are not evicted below */
		if ((s->held[i] = e[i] != NULL))
			hold(t, e[i], now);
	for (int i = 0; i < s->n && ok; i++)
		if (make[i] && (ok = (e[i] = create(t, s->key[i], now)) != NULL)) {
			hold(t, e[i], now);
			s->held[i] = true;
		}
	for (int i = 0; i < s->n && !ok; i++) /* undo */
		if (s->held[i]) {
			settle(&e[i]->c, s->rule[i], s->exact[i], O_RELEASE, true, now);
			place(t, e[i], now);
			s->held[i] = false;
		}
	return ok;
}

static enum pd_err begin_local(struct pd_throttle *t, struct pd_signin *s, long long now, int *wait)
{
	struct entry *e[SLOTS];
	enum pd_err r = PD_OK;
	pthread_mutex_lock(&t->mu);
	for (int i = 0; i < s->n; i++)
		e[i] = find(t, s->key[i]);
	if ((*wait = wait_local(s, e, now)) > 0)
		r = PD_ELIMIT;
	else if (!hold_all(t, s, e, now))
		r = PD_EBUSY, *wait = FULL_WAIT;
	pthread_mutex_unlock(&t->mu);
	return r;
}

static void end_local(struct pd_signin *s, enum outcome o, bool known, long long now)
{
	struct pd_throttle *t = s->t;
	bool drop = now - s->at <= STALE;
	pthread_mutex_lock(&t->mu);
	for (int i = 0; i < s->n; i++) {
		/* a success is kept on the address's own pair counter, trust being per address */
		bool trust = o == O_SUCCEEDED && s->rule[i] == R_PAIR && s->exact[i];
		if (!s->held[i] && !trust)
			continue;
		struct entry *e = find(t, s->key[i]);
		if (!e && (o == O_FAILED || trust)) /* gone once its reservation had expired */
			e = create(t, s->key[i], now);
		if (!e)
			continue;
		settle(&e->c, s->rule[i], s->exact[i], o, drop && s->held[i], now);
		if (o == O_FAILED && s->rule[i] == R_ACCOUNT)
			e->known |= known;
		place(t, e, now);
	}
	pthread_mutex_unlock(&t->mu);
}

/* ---- sign-in, shared ---- */

/* Reserves one attempt on a counter of the store: read, judge, then count it only if the
 * counter is still as read (one atomic statement); again if it changed meanwhile. */
static enum pd_err reserve_shared(struct store *st, const char *key, enum rule_id id, bool exempt,
				  long long now, struct pd_throttle_row *row, int *wait)
{
	for (int i = 0; i < TRIES; i++) {
		enum pd_err e = store_throttle_get(st, key, row);
		if (e == PD_ENOTFOUND)
			*row = (struct pd_throttle_row){0};
		else if (e != PD_OK)
			return PD_EBUSY;
		int cap = INT_MAX;
		if ((*wait = exempt ? 0 : gate(id, row, now, &cap)) > 0)
			return PD_ELIMIT;
		bool taken = false;
		if (store_throttle_reserve(st, key, row, now, cap, STALE, &taken) != PD_OK)
			return PD_EBUSY;
		if (taken)
			return PD_OK;
	}
	*wait = 1; /* others keep changing it: they are in flight */
	return PD_ELIMIT;
}

static void end_shared(struct pd_signin *s, int upto, enum outcome o, long long now)
{
	struct store *st = s->t->shared;
	int drop = now - s->at <= STALE;
	for (int i = 0; i < upto; i++) {
		enum pd_err e;
		if (o == O_FAILED)
			e = store_throttle_failed(st, s->key[i], now, FADE, drop, STALE);
		else if (o == O_SUCCEEDED && s->rule[i] != R_ADDRESS)
			e = store_throttle_succeeded(st, s->key[i], now, s->rule[i] == R_PAIR, drop, STALE);
		else
			e = store_throttle_release(st, s->key[i], now, drop, STALE);
		if (e != PD_OK)
			fprintf(stderr, "partnerd: sign-in protection: the store did not record an attempt's end (%s)\n",
				pd_err_name(e));
	}
}

/* Address, pair, then account (exempt when the pair is trusted); what was reserved is
 * released again when a later counter refuses. */
static enum pd_err begin_shared(struct pd_throttle *t, struct pd_signin *s, long long now, int *wait)
{
	struct pd_throttle_row row;
	bool exempt = false;
	for (int i = 0; i < s->n; i++) {
		enum pd_err e = reserve_shared(t->shared, s->key[i], s->rule[i], s->rule[i] == R_ACCOUNT && exempt,
					       now, &row, wait);
		if (e != PD_OK) {
			end_shared(s, i, O_RELEASE, now);
			if (e == PD_EBUSY)
				*wait = STORE_WAIT;
			return e;
		}
		s->held[i] = true;
		if (s->rule[i] == R_PAIR)
			exempt = trusted(&row, now);
	}
	return PD_OK;
}

/* ---- sign-in ---- */

static void release_at_end(void *arg)
{
	pd_signin_release(arg, (long long)time(NULL));
}

enum pd_err pd_signin_begin(struct pd_throttle *t, const char *account, const char *addr,
			    long long now, struct pd_arena *ar, struct pd_signin **out, int *wait)
{
	struct pd_signin *s = pd_alloc(ar, sizeof *s);
	*out = NULL;
	*wait = 0;
	s->t = t;
	s->at = now;
	slots(s, ar, account ? account : "", addr, !t->shared);
	enum pd_err e = t->shared ? begin_shared(t, s, now, wait) : begin_local(t, s, now, wait);
	if (e != PD_OK) {
		pd_metrics_reject(e == PD_ELIMIT ? PD_REJECT_SIGNIN_THROTTLED : PD_REJECT_SIGNIN_UNAVAILABLE);
		return e;
	}
	pd_arena_defer(ar, release_at_end, s);
	*out = s;
	return PD_OK;
}

static void end(struct pd_signin *s, enum outcome o, bool known, long long now)
{
	if (!s || s->done)
		return;
	s->done = true;
	if (s->t->shared)
		end_shared(s, s->n, o, now);
	else
		end_local(s, o, known, now);
}

void pd_signin_failed(struct pd_signin *s, bool known, long long now)
{
	end(s, O_FAILED, known, now);
}

void pd_signin_succeeded(struct pd_signin *s, long long now)
{
	end(s, O_SUCCEEDED, true, now);
}

void pd_signin_release(struct pd_signin *s, long long now)
{
	end(s, O_RELEASE, false, now);
}

size_t pd_throttle_count(struct pd_throttle *t)
{
	pthread_mutex_lock(&t->mu);
	size_t n = t->n;
	pthread_mutex_unlock(&t->mu);
	return n;
}

long long pd_throttle_peek(struct pd_throttle *t, const char *key, long long now)
{
	pthread_mutex_lock(&t->mu);
	struct entry *e = find(t, key);
	long long f = e ? live_failures(&e->c, now) : -1;
	pthread_mutex_unlock(&t->mu);
	return f;
}

/* ---- rates ---- */

int pd_rate_take(struct pd_throttle *t, const char *partner, double now, int rate)
{
	char key[128];
	if (rate <= 0)
		return 0;
	snprintf(key, sizeof key, "r|%s", partner);
	int wait = 0;
	if (t->shared) {
		if (store_rate_take(t->shared, key, now, rate, &wait) != PD_OK)
			wait = STORE_WAIT; /* no count, no request */
		if (wait > 0)
			pd_metrics_reject(PD_REJECT_RATE_LIMIT);
		return wait;
	}
	pthread_mutex_lock(&t->mu);
	struct entry *e = find_or_create(t, key, (long long)now);
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
		place(t, e, (long long)now);
	} else {
		wait = 1; /* the table holds only what it keeps: no count, no request */
	}
	pthread_mutex_unlock(&t->mu);
	if (wait > 0)
		pd_metrics_reject(PD_REJECT_RATE_LIMIT);
	return wait;
}
