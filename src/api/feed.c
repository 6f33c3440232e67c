/* feed.c - the change feed (see feed.h): writing events with their activity record,
 * reading them in cursor order with a long-poll, and retention.  A cursor is an event's seq:
 * it grows in commit order (store_events.c), so a reader that goes on from the last cursor it
 * saw misses nothing and sees nothing twice.  A reader whose cursor is below what retention
 * removed gets 410 with the oldest cursor kept: the feed is never silently shorter. */
#include "feed.h"
#include "events.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "waiters.h"
#include "../core/events.h"

#define SIZE_DEFAULT 100
#define PAGE_MAX_EVENTS 500
#define WAIT_MAX 60
#define PRUNE_EVERY 60 /* seconds between two retention passes at most */

/* ---- writing ---- */

enum pd_err pd_event_put(struct store *st, const char *partner, const char *kind, const char *uri,
			 const char *audit_id, long long now)
{
	const struct pd_event_kind *k = pd_event_kind(kind);
	if (!k || !partner || !uri)
		return PD_EINTERNAL;
	struct pd_event ev = {.partner_id = partner, .name = k->name, .resource_uri = uri,
			      .resource_name = k->resource_name, .audit_id = audit_id, .created = now};
	enum pd_err e = store_event_insert(st, &ev);
	if (e == PD_OK)
		pd_waiters_note(partner);
	return e;
}

enum pd_err pd_event_write(struct pd_req *r, struct store *st, const char *kind, const char *uri,
			   const char *audit_id)
{
	return pd_event_put(st, r->who.partner_id, kind, uri, audit_id, r->now);
}

enum pd_err pd_event_order(struct pd_req *r, struct store *st, const char *customer, const struct pd_order *o,
			   const char *audit_id)
{
	enum pd_err e = PD_OK;
	for (size_t i = 0; e == PD_OK && i < o->n; i++)
		e = pd_event_write(r, st, "subscription-created",
				   pd_printf(r->ar, "/v1/customers/%s/subscriptions/%s", customer, o->subs[i].id),
				   audit_id);
	return e;
}

/* ---- GET /v1/events ---- */

struct feed {
	long long after;
	bool latest;       /* after=latest: from the partner's last cursor now */
	int size;
	long long until;   /* the long-poll's end (CLOCK_MONOTONIC ms); 0: no wait */
};

/* A whole number from 0 to max, digits only; false for anything else. */
static bool whole(const char *s, long long max, long long *out)
{
	if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		return false;
	*out = strtoll(s, NULL, 10);
	return *out <= max;
}

static bool parse_feed(struct pd_req *r, struct feed *k)
{
	const char *after = pd_req_query(r, "after"), *size = pd_req_query(r, "size"), *wait = pd_req_query(r, "wait");
	static const char *const known[] = {"after", "size", "wait", NULL};
	const char *unknown = pd_req_query_unknown(r, known), *twice = pd_req_query_repeated(r);
	long long v = 0;
	*k = (struct feed){.size = SIZE_DEFAULT};
	if (unknown) /* a misspelt wait or after would silently answer something else */
		return pd_api_bad(r, 3000, unknown, PD_MSG_UNKNOWN_PARAM, "after, size, wait"), false;
	if (twice) /* after=0&after=5: only the first would count */
		return pd_api_bad(r, 3000, twice, PD_MSG_PARAM_TWICE, NULL), false;
	if (after && !strcmp(after, "latest"))
		k->latest = true;
	else if (after && !whole(after, LLONG_MAX, &k->after))
		return pd_api_bad(r, 3000, "after", PD_MSG_BAD_CURSOR, NULL), false;
	if (size && (!whole(size, PAGE_MAX_EVENTS, &v) || v < 1))
		return pd_api_bad(r, 3000, "size", PD_MSG_QUANTITY, pd_range_text(r, 1, PAGE_MAX_EVENTS)), false;
	if (size)
		k->size = (int)v;
	if (wait && !whole(wait, WAIT_MAX, &v))
		return pd_api_bad(r, 3000, "wait", PD_MSG_BAD_SIZE, pd_printf(r->ar, "%d", WAIT_MAX)), false;
	if (wait && v > 0)
		k->until = pd_mono_ms() + v * 1000;
	return true;
}

/* Relative URIs as stored, absolute under --public-url when it is set. */
static const char *public_uri(struct pd_req *r, const char *rel)
{
	const char *base = r->cfg->public_url;
	if (!base || !*base)
		return rel;
	size_t n = strlen(base);
	return pd_printf(r->ar, "%.*s%s", (int)(n && base[n - 1] == '/' ? n - 1 : n), base, rel);
}

static json_t *event_json(struct pd_req *r, const struct pd_event *e)
{
	const char *audit = e->audit_id ? public_uri(r, pd_printf(r->ar, "/v1/auditrecords/%s", e->audit_id)) : NULL;
	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s}", "cursor", (json_int_t)e->seq, "eventName", e->name,
			 "resourceUri", public_uri(r, e->resource_uri), "resourceName", e->resource_name, "auditUri",
			 audit, "resourceChangeUtcDate", pd_iso_time(e->created, r->ar));
}

static const char *feed_uri(struct pd_req *r, long long after, int size)
{
	return pd_printf(r->ar, "/v1/events?after=%lld&size=%d", after, size);
}

/* The page: items, the cursor to go on from, and when the page is full a continuation. */
static void reply_page(struct pd_req *r, const struct feed *k, struct pd_event *rows, size_t n)
{
	bool more = n > (size_t)k->size;
	if (more)
		n = (size_t)k->size;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, event_json(r, &rows[i]));
	long long cursor = n ? rows[n - 1].seq : k->after;
	json_t *links = json_pack("{s:o}", "self", pd_link(feed_uri(r, k->after, k->size), "GET"));
	json_t *o = json_pack("{s:I, s:o, s:I}", "totalCount", (json_int_t)n, "items", items, "cursor",
			      (json_int_t)cursor);
	if (more) {
		json_object_set_new(links, "next", pd_link(feed_uri(r, cursor, k->size), "GET"));
		json_object_set_new(o, "continuationToken", json_string(pd_printf(r->ar, "%lld", cursor)));
	}
	json_object_set_new(o, "links", links);
	json_object_set_new(o, "attributes", json_pack("{s:s}", "objectType", "Collection"));
	pd_reply_json(r, 200, o);
}

/* 410: the cursor is below what retention removed; the oldest cursor kept goes with it. */
static enum pd_next reply_gone(struct pd_req *r, long long pruned)
{
	long long first = 0, last = 0;
	enum pd_err e = store_event_bounds(r->st, r->who.partner_id, &first, &last);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_STORE, NULL);
	long long oldest = first ? first : pruned + 1; /* none kept: the next one will be above */
	pd_reply_error_data(r, PD_EINVAL, "Gone", PD_MSG_EVENTS_PRUNED, "after", pd_printf(r->ar, "%lld", oldest),
			    json_pack("[s]", "after"));
	json_object_set_new(r->resp.body, "oldestCursor", json_integer(oldest));
	json_object_set_new(r->resp.body, "resumeAfter", json_integer(oldest - 1));
	r->resp.status = 410;
	return PD_REPLY;
}

/* Nothing after the cursor yet: wait on the loop (429 / 503 when too many wait already). */
static enum pd_next park(struct pd_req *r, const struct feed *k, unsigned long long gen)
{
	enum pd_park p = pd_req_park(r, k->until, gen);
	if (p == PD_PARK_OK)
		return PD_REPLY;
	const char *most = pd_printf(r->ar, "%d", p == PD_PARK_FULL ? PD_WAIT_TOTAL_MAX : PD_WAIT_PARTNER_MAX);
	pd_reply_error(r, p == PD_PARK_FULL ? PD_EBUSY : PD_ELIMIT, PD_MSG_EVENTS_WAITING, NULL, most);
	if (p == PD_PARK_PARTNER_FULL) /* a 503 has the Retry-After of every 503 (errors.c) */
		pd_reply_header(r, "Retry-After", "1");
	return PD_REPLY;
}

enum pd_next pd_events_list(struct pd_req *r)
{
	struct feed *k = r->state;
	if (!k) { /* the first run; a long-poll runs again with its state */
		k = pd_alloc(r->ar, sizeof *k);
		if (!parse_feed(r, k))
			return PD_REPLY;
		r->state = k;
	}
	unsigned long long gen = pd_waiters_gen(r->who.partner_id); /* before the read */
	long long pruned = 0, first = 0;
	struct pd_event *rows = NULL;
	size_t n = 0;
	enum pd_err e = PD_OK;
	if (k->latest)
		e = store_event_bounds(r->st, r->who.partner_id, &first, &k->after);
	if (e == PD_OK)
		e = store_event_pruned(r->st, r->who.partner_id, &pruned);
	if (e == PD_OK && k->latest && k->after < pruned) /* every event removed: from the last one removed */
		k->after = pruned;
	if (e == PD_OK)
		k->latest = false;
	if (e == PD_OK && k->after < pruned)
		return reply_gone(r, pruned);
	if (e == PD_OK)
		e = store_event_list(r->st, r->who.partner_id, k->after, k->size + 1, &rows, &n, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_STORE, NULL);
	if (!n && k->until && !r->park.last && pd_mono_ms() < k->until)
		return park(r, k, gen);
	reply_page(r, k, rows, n);
	return PD_REPLY;
}

/* ---- retention ---- */

void pd_events_upkeep(struct store *st, const void *arg)
{
	const struct pd_config *cfg = arg;
	static long long last; /* the writer thread's alone */
	long long now = (long long)time(NULL), gone = 0;
	if (cfg->event_retention <= 0 || (last && now - last < PRUNE_EVERY))
		return;
	last = now;
	enum pd_err e = store_begin(st);
	if (e == PD_OK)
		e = store_event_prune(st, now - (long long)cfg->event_retention * 86400, &gone);
	if (e == PD_OK)
		e = store_commit(st);
	if (e != PD_OK) {
		if (store_in_transaction(st))
			store_rollback(st);
		last = 0; /* again at the next upkeep */
		fprintf(stderr, "partnerd: the change feed's retention could not remove old events (%s); "
				"retrying later\n", pd_err_name(e));
	}
}
