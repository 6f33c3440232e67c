/* waiters.c - long-polls parked on their event loop (see waiters.h).  Who waits for what is
 * a generation per partner bucket (a hash of the partner id into PD_WAIT_BUCKETS counters):
 * the writer moves the buckets of the partners whose events it committed, then wakes every
 * loop; a loop runs again the parked requests whose bucket moved since their prepare read
 * the feed (another partner of the same bucket only costs a read).  The waiting slots are
 * counted per partner in one small table under a mutex. */
#include "waiters.h"
#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PD_WAIT_BUCKETS 256
#define MAX_LOOPS 64

struct pd_waiters {
	struct event_base *base;
	struct event *wake;          /* activated by the writer's commits */
	struct pd_waiter head;       /* the parked, a ring */
	bool poll, stopping;
	void (*rerun)(void *owner, bool last);
};

static atomic_ullong gens[PD_WAIT_BUCKETS];
static _Thread_local uint64_t noted[PD_WAIT_BUCKETS / 64]; /* the writer's open transaction */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* the loops and the slots */
static struct pd_waiters *loops[MAX_LOOPS];
static struct slot {
	char partner[40];
	int n;
} slots[PD_WAIT_TOTAL_MAX];
static int slots_used; /* parked requests of the process */

long long pd_mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static unsigned bucket_of(const char *partner)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)partner; p && *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % PD_WAIT_BUCKETS;
}

unsigned long long pd_waiters_gen(const char *partner)
{
	return atomic_load(&gens[bucket_of(partner)]);
}

void pd_waiters_note(const char *partner)
{
	unsigned b = bucket_of(partner);
	noted[b / 64] |= 1ull << (b % 64);
}

void pd_waiters_commit(bool committed)
{
	bool any = false;
	for (unsigned i = 0; i < PD_WAIT_BUCKETS / 64; i++) {
		for (unsigned b = 0; committed && b < 64; b++)
			if (noted[i] & (1ull << b))
				atomic_fetch_add(&gens[i * 64 + b], 1), any = true;
		noted[i] = 0;
	}
	if (!any)
		return;
	pthread_mutex_lock(&mu);
	for (int i = 0; i < MAX_LOOPS; i++)
		if (loops[i])
			event_active(loops[i]->wake, EV_READ, 0);
	pthread_mutex_unlock(&mu);
}

/* ---- slots ---- */

static struct slot *slot_find(const char *partner)
{
	for (int i = 0; i < PD_WAIT_TOTAL_MAX; i++)
		if (slots[i].n && !strcmp(slots[i].partner, partner))
			return &slots[i];
	return NULL;
}

static enum pd_park slot_take(const char *partner)
{
	enum pd_park res = PD_PARK_OK;
	pthread_mutex_lock(&mu);
	struct slot *s = slot_find(partner);
	if (slots_used >= PD_WAIT_TOTAL_MAX)
		res = PD_PARK_FULL;
	else if (s && s->n >= PD_WAIT_PARTNER_MAX)
		res = PD_PARK_PARTNER_FULL;
	for (int i = 0; !s && res == PD_PARK_OK && i < PD_WAIT_TOTAL_MAX; i++)
		if (!slots[i].n) {
			s = &slots[i];
			snprintf(s->partner, sizeof s->partner, "%s", partner);
		}
	if (res == PD_PARK_OK)
		s->n++, slots_used++;
	pthread_mutex_unlock(&mu);
	return res;
}

void pd_waiters_release(struct pd_req *r)
{
	if (!r->park.slot)
		return;
	r->park.slot = false;
	pthread_mutex_lock(&mu);
	struct slot *s = slot_find(r->park.partner);
	if (s)
		s->n--, slots_used--;
	pthread_mutex_unlock(&mu);
}

enum pd_park pd_req_park(struct pd_req *r, long long until, unsigned long long gen)
{
	const char *partner = r->who.partner_id ? r->who.partner_id : "";
	if (!r->park.slot) {
		enum pd_park res = slot_take(partner);
		if (res != PD_PARK_OK)
			return res;
		r->park.slot = true;
		snprintf(r->park.partner, sizeof r->park.partner, "%s", partner);
	}
	r->park.until = until;
	r->park.gen = gen;
	r->park.bucket = bucket_of(partner);
	return PD_PARK_OK;
}

/* ---- a loop's parked requests ---- */

static void unlink_waiter(struct pd_waiter *w)
{
	w->prev->next = w->next;
	w->next->prev = w->prev;
	w->prev = w->next = NULL;
	event_free(w->timer);
	w->timer = NULL;
}

/* evhttp reads nothing from a connection while its request is being answered, so it would
 * notice a client that left only when the reply is sent: peek at the socket instead (EOF or
 * an error: gone; a byte or nothing yet: there). */
static bool client_gone(const struct pd_waiter *w)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(w->ev);
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	if (fd < 0)
		return true;
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void arm(struct pd_waiter *w, long long ms)
{
	long long left = w->req->park.until - pd_mono_ms();
	if (ms > left)
		ms = left;
	if (ms < 0)
		ms = 0;
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
	evtimer_add(w->timer, &tv);
}

static void run_again(struct pd_waiter *w, bool last)
{
	struct pd_waiters *ws = w->home;
	void *owner = w->owner;
	unlink_waiter(w);
	ws->rerun(owner, last);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct pd_waiter *w = arg;
	struct pd_waiters *ws = w->home;
	bool last = ws->stopping || client_gone(w) || pd_mono_ms() >= w->req->park.until;
	if (last || ws->poll || atomic_load(&gens[w->req->park.bucket]) != w->req->park.gen)
		run_again(w, last);
	else
		arm(w, PD_WAIT_CHECK_MS);
}

/* The writer committed events: the requests whose partner's generation moved read again. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct pd_waiters *ws = arg;
	struct pd_waiter *w = ws->head.next, *next;
	struct pd_waiter *mark = &ws->head;
	/* requests parked again by their rerun go to the ring's end: stop at the first of those */
	struct pd_waiter *end = ws->head.prev;
	for (; w != mark; w = next) {
		next = w->next;
		bool was_end = w == end;
		if (atomic_load(&gens[w->req->park.bucket]) != w->req->park.gen)
			run_again(w, false);
		if (was_end)
			break;
	}
}

struct pd_waiters *pd_waiters_new(struct event_base *base, bool poll, void (*rerun)(void *owner, bool last))
{
	struct pd_waiters *ws = calloc(1, sizeof *ws);
	if (!ws)
		return NULL;
	*ws = (struct pd_waiters){.base = base, .poll = poll, .rerun = rerun};
	ws->head.prev = ws->head.next = &ws->head;
	if (!(ws->wake = event_new(base, -1, 0, on_wake, ws))) {
		free(ws);
		return NULL;
	}
	pthread_mutex_lock(&mu);
	for (int i = 0; i < MAX_LOOPS; i++)
		if (!loops[i]) {
			loops[i] = ws;
			break;
		}
	pthread_mutex_unlock(&mu);
	return ws;
}

void pd_waiters_free(struct pd_waiters *ws)
{
	if (!ws)
		return;
	pthread_mutex_lock(&mu);
	for (int i = 0; i < MAX_LOOPS; i++)
		if (loops[i] == ws)
			loops[i] = NULL;
	pthread_mutex_unlock(&mu);
	while (ws->head.next != &ws->head)
		unlink_waiter(ws->head.next);
	event_free(ws->wake);
	free(ws);
}

bool pd_waiters_add(struct pd_waiters *ws, struct pd_waiter *w, struct pd_req *r, struct evhttp_request *ev,
		    void *owner)
{
	*w = (struct pd_waiter){.home = ws, .ev = ev, .req = r, .owner = owner};
	if (!(w->timer = evtimer_new(ws->base, on_timer, w)))
		return false;
	w->prev = ws->head.prev;
	w->next = &ws->head;
	ws->head.prev->next = w;
	ws->head.prev = w;
	bool moved = atomic_load(&gens[r->park.bucket]) != r->park.gen;
	arm(w, ws->stopping || moved ? 0 : ws->poll ? PD_WAIT_POLL_MS : PD_WAIT_CHECK_MS);
	return true;
}

void pd_waiters_stop(struct pd_waiters *ws)
{
	ws->stopping = true;
	for (struct pd_waiter *w = ws->head.next; w != &ws->head; w = w->next)
		arm(w, 0);
}
