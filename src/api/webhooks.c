/* webhooks.c - Partner Center's webhook registration API (issue 22), per partner:
 *   GET    /webhooks/v1/registration/events            the event names (a JSON array)
 *   POST   /webhooks/v1/registration                   {WebhookUrl, WebhookEvents}: 200, or 409
 *   GET    /webhooks/v1/registration                   404 when there is none; ETag
 *   PUT    /webhooks/v1/registration                   replace (If-Match optional: 412)
 *   DELETE /webhooks/v1/registration                   204, with its delivery log
 *   POST   /webhooks/v1/registration/validationEvents  a test-created event; 2 a minute
 *   GET    /webhooks/v1/registration/validationEvents/{correlationId}
 * and partnerd's own extension: the delivery log GET .../registration/deliveries (paged) and
 * POST .../registration/deliveries/{cursor}/redeliver (a parked event back in the queue).
 * A WebhookUrl is checked for its syntax here, its host resolved on the worker pool (never on
 * an event loop) and every address refused that is not public (netaddr.h, delivery.h) unless
 * --webhook-allow-private; delivery.c checks again on the socket it connects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "activity.h"
#include "api.h"
#include "delivery.h"
#include "events.h"
#include "ids.h"
#include "netaddr.h"
#include "signer.h"

#define RESOURCE "webhook_registration"
#define DELIVERIES "webhook_deliveries" /* the page tokens' list name */
#define TEST_PATH "/webhooks/v1/registration/validationEvents/"
#define TESTS_PER_MINUTE 2 /* Partner Center's throttle of validation events */
_Static_assert(PD_WEBHOOK_URL_MAX == 2048, "the message says 2048");
_Static_assert(PD_WEBHOOK_RESOLVE_MS == 5000, "the message says 5 s");

json_t *pd_webhook_json(const struct pd_webhook *w)
{
	json_t *events = pd_api_roles_json(w->events); /* the same comma-separated list */
	return json_pack("{s:s, s:s, s:o}", "SubscriberId", w->subscriber_id, "WebhookUrl", w->url, "WebhookEvents",
			 events);
}

static const char *etag_of(struct pd_req *r, const struct pd_webhook *w)
{
	return pd_printf(r->ar, "\"%lld\"", w->version);
}

static void reply_registration(struct pd_req *r, const struct pd_webhook *w)
{
	pd_reply_json(r, 200, pd_webhook_json(w));
	pd_reply_header(r, "ETag", etag_of(r, w));
}

/* ---- GET /webhooks/v1/registration/events ---- */

enum pd_next pd_webhooks_events(struct pd_req *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < pd_event_kind_count; i++)
		json_array_append_new(a, json_string(pd_event_kinds[i].name));
	pd_reply_json(r, 200, a);
	return PD_REPLY;
}

/* ---- GET /webhooks/v1/certificate (public) ---- */

enum pd_next pd_webhooks_certificate(struct pd_req *r)
{
	(void)r;
	return PD_WORK; /* the key may have to be made first: not on a loop */
}

/* On the pool: the certificate that verifies the deliveries' signatures, PEM. */
enum pd_next pd_webhooks_certificate_pem(struct pd_req *r)
{
	char err[300];
	size_t len = 0;
	const char *pem = NULL;
	if (r->cfg->signer && pd_signer_ready(r->cfg->signer, err, sizeof err) == 0)
		pem = pd_signer_cert(r->cfg->signer, &len);
	if (!pem) {
		pd_reply_error(r, PD_EINTERNAL, PD_MSG_INTERNAL, NULL, NULL);
		return PD_REPLY;
	}
	pd_reply_raw(r, 200, "application/x-pem-file", pem, len);
	pd_reply_header(r, "Cache-Control", "public, max-age=3600");
	return PD_REPLY;
}

/* ---- GET /webhooks/v1/registration ---- */

enum pd_next pd_webhooks_get(struct pd_req *r)
{
	struct pd_webhook w;
	enum pd_err e = store_webhook_get(r->st, r->who.partner_id, &w, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_WEBHOOK, NULL);
	reply_registration(r, &w);
	return PD_REPLY;
}

/* ---- POST and PUT: the body ---- */

struct reg_job {
	struct pd_webhook w, old;
	struct pd_url url;
	const char *if_match;        /* the header as sent; NULL: none */
	bool exists;                 /* POST: one is there already */
};

static void check_url(const char *url, bool allow_http, struct pd_url *u, struct pd_verrs *errs)
{
	static const char *const f = "WebhookUrl";
	switch (pd_webhook_url_parse(url, allow_http, u)) {
	case PD_URL_OK: break;
	case PD_URL_TOO_LONG: pd_verr_add(errs, 3000, f, PD_MSG_TOO_LONG, "2048"); break;
	case PD_URL_HTTP:
	case PD_URL_SCHEME: pd_verr_add(errs, 3000, f, PD_MSG_WEBHOOK_HTTPS, NULL); break;
	case PD_URL_USERINFO: pd_verr_add(errs, 3000, f, PD_MSG_WEBHOOK_USERINFO, NULL); break;
	case PD_URL_BAD_HOST:
	case PD_URL_BAD_PORT: pd_verr_add(errs, 3000, f, PD_MSG_WEBHOOK_HOST, NULL); break;
	case PD_URL_FRAGMENT: pd_verr_add(errs, 3000, f, PD_MSG_WEBHOOK_FRAGMENT, NULL); break;
	case PD_URL_BAD_CHAR: pd_verr_add(errs, 3000, f, PD_MSG_WEBHOOK_ASCII, NULL); break;
	default: pd_verr_add(errs, 3000, f, PD_MSG_WEBHOOK_ABSOLUTE, NULL); break;
	}
}

/* WebhookEvents: a non-empty array of known names, each once; joined with commas into ar. */
static const char *check_events(struct pd_req *r, json_t *v, struct pd_verrs *errs)
{
	static const char *const f = "WebhookEvents";
	size_t i, j;
	json_t *x;
	if (!v)
		return pd_verr_add(errs, 3000, f, PD_MSG_REQUIRED, NULL), NULL;
	if (!json_is_array(v))
		return pd_verr_add(errs, 3000, f, PD_MSG_BAD_TYPE, "an array"), NULL;
	if (!json_array_size(v))
		return pd_verr_add(errs, 3000, f, PD_MSG_WEBHOOK_EVENTS, NULL), NULL;
	const char *joined = "";
	json_array_foreach(v, i, x) {
		const char *name = json_string_value(x);
		if (!name || !pd_event_kind(name))
			return pd_verr_add(errs, 3000, f, PD_MSG_WEBHOOK_EVENT,
					   name ? pd_strdup(r->ar, name) : pd_printf(r->ar, "[%zu]", i)), NULL;
		for (j = 0; j < i; j++)
			if (!strcmp(json_string_value(json_array_get(v, j)), name))
				return pd_verr_add(errs, 3000, f, PD_MSG_WEBHOOK_DUPLICATE, pd_strdup(r->ar, name)), NULL;
		joined = pd_printf(r->ar, "%s%s%s", joined, i ? "," : "", name);
	}
	return joined;
}

/* The body of POST and PUT into k; then the host's addresses on the pool (PD_WORK). */
static enum pd_next decode(struct pd_req *r, struct reg_job *k)
{
	static const char *const known[] = {"WebhookUrl", "WebhookEvents", NULL};
	struct pd_verrs errs = {0};
	if (!json_is_object(r->json)) {
		pd_reply_error(r, PD_EINVAL, PD_MSG_BAD_TYPE, "body", "an object");
		return PD_REPLY;
	}
	pd_api_known_fields(r, r->json, NULL, known, &errs);
	json_t *url = pd_json_get(r->json, "WebhookUrl");
	if (!url)
		pd_verr_add(&errs, 3000, "WebhookUrl", PD_MSG_REQUIRED, NULL);
	else if (!json_is_string(url))
		pd_verr_add(&errs, 3000, "WebhookUrl", PD_MSG_BAD_TYPE, "a string");
	else
		check_url(json_string_value(url), r->cfg->webhook_allow_http, &k->url, &errs);
	k->w.events = check_events(r, pd_json_get(r->json, "WebhookEvents"), &errs);
	if (errs.n) {
		pd_reply_verrs(r, &errs);
		return PD_REPLY;
	}
	const char *im = pd_req_header(r, "If-Match");
	k->if_match = im;
	k->w.url = pd_strdup(r->ar, json_string_value(url));
	k->w.partner_id = r->who.partner_id;
	k->w.created = k->w.updated = r->now;
	r->state = k;
	return PD_WORK;
}

/* On the pool: the host resolves, and only to addresses partnerd may call. */
enum pd_next pd_webhooks_resolve(struct pd_req *r)
{
	struct reg_job *k = r->state;
	char what[320];
	switch (pd_webhook_check_host(k->url.host, k->url.port, r->cfg->webhook_allow_private, what, sizeof what)) {
	case PD_HOST_OK: return PD_WRITE;
	case PD_HOST_UNRESOLVED: return pd_api_bad(r, 3000, "WebhookUrl", PD_MSG_WEBHOOK_RESOLVE, pd_strdup(r->ar, what));
	case PD_HOST_SLOW: return pd_api_bad(r, 3000, "WebhookUrl", PD_MSG_WEBHOOK_RESOLVE_SLOW, pd_strdup(r->ar, what));
	case PD_HOST_BUSY: /* 503 with Retry-After (errors.c) */
		pd_reply_error(r, PD_EBUSY, PD_MSG_WEBHOOK_RESOLVE_BUSY, "WebhookUrl",
			       pd_printf(r->ar, "%d", PD_WEBHOOK_RESOLVE_MAX));
		return PD_REPLY;
	default: return pd_api_bad(r, 3000, "WebhookUrl", PD_MSG_WEBHOOK_ADDRESS, pd_strdup(r->ar, what));
	}
}

/* url with every query value as "***" (arena): a receiver's key often rides in the query
 * (?code=...), and the activity log is read by roles without webhooks.manage. */
static const char *audit_url(struct pd_arena *ar, const char *url)
{
	const char *q = strchr(url, '?');
	if (!q)
		return url;
	char *out = pd_alloc(ar, 4 * strlen(url) + 1), *w = out + (q - url) + 1; /* "=" grows most: "=***" */
	memcpy(out, url, (size_t)(q - url) + 1);
	for (const char *p = q + 1; *p;) {
		size_t part = strcspn(p, "&"), name = strcspn(p, "=&");
		memcpy(w, p, name), w += name;
		if (name < part)
			memcpy(w, "=***", 4), w += 4;
		p += part;
		if (*p)
			*w++ = *p++;
	}
	*w = 0;
	return out;
}

/* The registration as the activity log keeps it: its URL's query values hidden. */
static json_t *audit_json(struct pd_req *r, const struct pd_webhook *w)
{
	if (!w)
		return NULL;
	struct pd_webhook shown = *w;
	shown.url = audit_url(r->ar, w->url);
	return pd_webhook_json(&shown);
}

static enum pd_err audit(struct pd_req *r, struct store *st, const char *op, const char *subscriber,
			 const struct pd_webhook *old, const struct pd_webhook *now)
{
	struct pd_audit a;
	json_t *o = audit_json(r, old), *n = audit_json(r, now);
	pd_activity_fill(r, &a, op, RESOURCE, "succeeded", o, n);
	json_decref(o);
	json_decref(n);
	a.resource_id = subscriber;
	return pd_activity_write(r, st, &a);
}

/* ---- POST /webhooks/v1/registration ---- */

enum pd_next pd_webhooks_create(struct pd_req *r)
{
	return decode(r, pd_alloc(r->ar, sizeof(struct reg_job)));
}

/* In the writer's transaction: none yet; the cursor at the partner's last event, so only
 * later ones are delivered. */
enum pd_err pd_webhooks_create_write(struct pd_req *r, struct store *st)
{
	struct reg_job *k = r->state;
	long long first = 0;
	char *id = pd_alloc(r->ar, PD_UUID_LEN + 1);
	enum pd_err e = store_webhook_get(st, r->who.partner_id, &k->old, r->ar);
	if (e == PD_OK)
		return k->exists = true, PD_ECONFLICT;
	if (e != PD_ENOTFOUND || (e = store_event_bounds(st, r->who.partner_id, &first, &k->w.cursor)) != PD_OK)
		return e;
	pd_uuid_new(id);
	k->w.subscriber_id = id;
	k->w.version = 1;
	if ((e = store_webhook_insert(st, &k->w)) != PD_OK)
		return e == PD_ECONFLICT ? (k->exists = true, e) : e;
	return audit(r, st, "create_webhook_registration", id, NULL, &k->w);
}

void pd_webhooks_create_finish(struct pd_req *r, enum pd_err e)
{
	struct reg_job *k = r->state;
	if (e == PD_ECONFLICT && k->exists)
		pd_reply_error(r, e, PD_MSG_WEBHOOK_EXISTS, NULL, NULL);
	else if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_WEBHOOK, NULL);
	else
		reply_registration(r, &k->w);
}

/* ---- PUT and DELETE /webhooks/v1/registration ---- */

enum pd_next pd_webhooks_put(struct pd_req *r)
{
	return decode(r, pd_alloc(r->ar, sizeof(struct reg_job)));
}

/* The registration as it is in the writer's transaction, checked against If-Match. */
static enum pd_err current(struct pd_req *r, struct store *st, struct reg_job *k)
{
	enum pd_err e = store_webhook_get(st, r->who.partner_id, &k->old, r->ar);
	if (e == PD_OK && k->if_match && !pd_api_if_match(r, k->if_match, pd_printf(r->ar, "%lld", k->old.version)))
		return PD_ESTALE;
	return e;
}

enum pd_err pd_webhooks_put_write(struct pd_req *r, struct store *st)
{
	struct reg_job *k = r->state;
	enum pd_err e = current(r, st, k);
	if (e != PD_OK)
		return e;
	struct pd_webhook w = k->old;
	w.url = k->w.url, w.events = k->w.events, w.updated = r->now;
	if ((e = store_webhook_save(st, &w)) != PD_OK)
		return e;
	k->w = w;
	return audit(r, st, "update_webhook_registration", w.subscriber_id, &k->old, &w);
}

void pd_webhooks_put_finish(struct pd_req *r, enum pd_err e)
{
	struct reg_job *k = r->state;
	if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_WEBHOOK, NULL);
	else
		reply_registration(r, &k->w);
}

enum pd_next pd_webhooks_delete(struct pd_req *r)
{
	struct reg_job *k = pd_alloc(r->ar, sizeof *k);
	const char *im = pd_req_header(r, "If-Match");
	k->if_match = im;
	r->state = k;
	return PD_WRITE;
}

enum pd_err pd_webhooks_delete_write(struct pd_req *r, struct store *st)
{
	struct reg_job *k = r->state;
	enum pd_err e = current(r, st, k);
	if (e == PD_OK)
		e = store_webhook_delete(st, r->who.partner_id, k->old.version);
	return e == PD_OK ? audit(r, st, "delete_webhook_registration", k->old.subscriber_id, &k->old, NULL) : e;
}

void pd_webhooks_delete_finish(struct pd_req *r, enum pd_err e)
{
	if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_WEBHOOK, NULL);
	else
		pd_reply_raw(r, 204, NULL, NULL, 0);
}

/* ---- POST /webhooks/v1/registration/validationEvents ---- */

struct test_job {
	char cid[PD_UUID_LEN + 1];
	bool no_test;                /* not registered for test-created */
	int retry_after;             /* throttled: seconds */
};

static bool has_event(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strcspn(p, ",") == n && !strncmp(p, name, n))
			return true;
	}
	return false;
}

enum pd_next pd_webhooks_test(struct pd_req *r)
{
	if (r->body_len > 0) /* Partner Center's request has no body: one would be ignored */
		return pd_api_bad(r, 3000, "body", PD_MSG_NOT_ACCEPTED, NULL);
	r->state = pd_alloc(r->ar, sizeof(struct test_job));
	return PD_WRITE;
}

/* Registered for test-created, under the throttle (counted in the writer's transaction, so
 * on every instance); then the event in the feed and its correlation id. */
enum pd_err pd_webhooks_test_write(struct pd_req *r, struct store *st)
{
	struct test_job *k = r->state;
	struct pd_webhook w;
	long long count = 0, oldest = 0;
	enum pd_err e = store_webhook_get(st, r->who.partner_id, &w, r->ar);
	if (e == PD_OK && !has_event(w.events, "test-created"))
		return k->no_test = true, PD_EINVAL;
	if (e == PD_OK)
		e = store_wtest_recent(st, r->who.partner_id, r->now - 59, &count, &oldest);
	if (e == PD_OK && count >= TESTS_PER_MINUTE) {
		k->retry_after = (int)(oldest + 60 - r->now);
		k->retry_after = k->retry_after < 1 ? 1 : k->retry_after;
		return PD_ELIMIT;
	}
	if (e != PD_OK)
		return e;
	pd_uuid_new(k->cid);
	struct pd_event ev = {.partner_id = r->who.partner_id, .name = "test-created",
			      .resource_uri = pd_printf(r->ar, TEST_PATH "%s", k->cid), .resource_name = "test",
			      .created = r->now};
	if ((e = store_event_insert(st, &ev)) != PD_OK ||
	    (e = store_wtest_insert(st, r->who.partner_id, k->cid, ev.seq, r->now)) != PD_OK)
		return e;
	struct pd_audit a;
	json_t *n = json_pack("{s:s, s:s}", "correlationId", k->cid, "eventName", "test-created");
	pd_activity_fill(r, &a, "send_webhook_test_event", RESOURCE, "succeeded", NULL, n);
	json_decref(n);
	a.resource_id = w.subscriber_id;
	return pd_activity_write(r, st, &a);
}

void pd_webhooks_test_finish(struct pd_req *r, enum pd_err e)
{
	struct test_job *k = r->state;
	if (e == PD_EINVAL && k->no_test)
		pd_api_bad(r, 3000, "WebhookEvents", PD_MSG_WEBHOOK_NO_TEST, NULL);
	else if (e == PD_ELIMIT)
		pd_api_too_many(r, k->retry_after);
	else if (e != PD_OK)
		pd_api_store_error(r, e, PD_NOUN_WEBHOOK, NULL);
	else
		pd_reply_json(r, 200, json_pack("{s:s}", "correlationId", k->cid));
}

/* ---- attempts as JSON ---- */

/* Milliseconds as ISO 8601 UTC with milliseconds (arena). */
static const char *iso_ms(long long ms, struct pd_arena *ar)
{
	const char *s = pd_iso_time(ms / 1000, ar); /* "...:SSZ" */
	return pd_printf(ar, "%.*s.%03lldZ", (int)strlen(s) - 1, s, ms % 1000);
}

/* The name Partner Center's results give a status (.NET's HttpStatusCode), else its number. */
static const char *status_name(int status, struct pd_arena *ar)
{
	static const struct { int code; const char *name; } names[] = {
		{200, "OK"}, {201, "Created"}, {202, "Accepted"}, {204, "NoContent"}, {301, "MovedPermanently"},
		{302, "Found"}, {307, "TemporaryRedirect"}, {308, "PermanentRedirect"}, {400, "BadRequest"},
		{401, "Unauthorized"}, {403, "Forbidden"}, {404, "NotFound"}, {405, "MethodNotAllowed"},
		{408, "RequestTimeout"}, {413, "RequestEntityTooLarge"}, {429, "TooManyRequests"},
		{500, "InternalServerError"}, {502, "BadGateway"}, {503, "ServiceUnavailable"}, {504, "GatewayTimeout"}};
	if (!status)
		return "NoResponse";
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (names[i].code == status)
			return names[i].name;
	return pd_printf(ar, "%d", status);
}

static json_t *attempt_json(const struct pd_wattempt *a, struct pd_arena *ar)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:s, s:I, s:s}", "responseCode", status_name(a->status, ar),
			      "responseMessage", a->message, "systemError", a->system_error, "dateTimeUtc",
			      iso_ms(a->at_ms, ar), "attempt", (json_int_t)a->n, "url", a->url);
	json_object_set_new(o, "httpStatus", a->status ? json_integer(a->status) : json_null());
	return o;
}

/* The attempts of delivery `seq` out of rows[0..n) (in seq order) as a JSON array. */
static json_t *attempts_of(long long seq, const struct pd_wattempt *rows, size_t n, struct pd_arena *ar)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		if (rows[i].seq == seq)
			json_array_append_new(a, attempt_json(&rows[i], ar));
	return a;
}

/* ---- GET /webhooks/v1/registration/validationEvents/{correlationId} ---- */

static const char *test_status(const struct pd_wdelivery *d)
{
	return !d ? "pending" : !strcmp(d->state, "delivered") ? "completed" : !strcmp(d->state, "parked") ? "failed"
													  : "pending";
}

/* The one result of a test event the delivery passed over: test-created was taken out of the
 * registration before the event was taken from the feed, so it is never sent. */
static json_t *skipped_json(const struct pd_webhook *w, struct pd_arena *ar)
{
	struct pd_wattempt a = {.n = 0, .at_ms = w->updated * 1000, .url = w->url, .status = 0, .system_error = true,
				.message = "not sent: the registration no longer includes test-created"};
	return attempt_json(&a, ar);
}

enum pd_next pd_webhooks_test_get(struct pd_req *r)
{
	struct pd_webhook w;
	struct pd_wdelivery d;
	struct pd_wattempt *rows = NULL;
	size_t n = 0;
	long long seq = 0;
	const char *cid = pd_api_uuid_param(r, 0, "correlationId");
	if (!cid)
		return PD_REPLY;
	enum pd_err e = store_wtest_get(r->st, r->who.partner_id, cid, &seq);
	if (e == PD_OK)
		e = store_webhook_get(r->st, r->who.partner_id, &w, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_WEBHOOK_TEST, cid);
	enum pd_err de = store_wdelivery_get(r->st, r->who.partner_id, seq, &d, r->ar);
	bool taken = de == PD_OK;
	if (taken)
		de = store_wattempt_list(r->st, r->who.partner_id, seq, seq, &rows, &n, r->ar);
	else if (de == PD_ENOTFOUND) /* not taken from the feed yet */
		de = PD_OK;
	if (de != PD_OK)
		return pd_api_store_error(r, de, PD_NOUN_WEBHOOK_TEST, cid);
	bool skipped = !taken && w.cursor >= seq; /* taken past while test-created was not registered */
	json_t *results = skipped ? json_pack("[o]", skipped_json(&w, r->ar)) : attempts_of(seq, rows, n, r->ar);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "correlationId", cid, "partnerId", r->who.partner_id,
			      "status", skipped ? "failed" : test_status(taken ? &d : NULL), "callbackUrl", w.url,
			      "results", results);
	pd_reply_json(r, 200, o);
	return PD_REPLY;
}

/* ---- GET /webhooks/v1/registration/deliveries ---- */

/* Relative URIs as stored, absolute under --public-url (as the feed shows them). */
static const char *public_uri(struct pd_req *r, const char *rel)
{
	const char *base = r->cfg->public_url;
	size_t n = base ? strlen(base) : 0;
	if (!rel || !n)
		return rel;
	return pd_printf(r->ar, "%.*s%s", (int)(base[n - 1] == '/' ? n - 1 : n), base, rel);
}

/* The event's resource; null when retention removed a delivered event. */
static void resource_json(struct pd_req *r, json_t *o, const struct pd_wdelivery *d)
{
	const char *uri = public_uri(r, d->resource_uri);
	json_object_set_new(o, "resourceUri", uri ? json_string(uri) : json_null());
	json_object_set_new(o, "resourceName", d->resource_name ? json_string(d->resource_name) : json_null());
}

static json_t *delivery_json(const struct pd_wdelivery *d, json_t *attempts, struct pd_arena *ar)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:o}", "cursor", (json_int_t)d->seq, "eventName",
			      d->event_name, "state", d->state, "attemptCount", (json_int_t)d->attempts, "createdUtc",
			      pd_iso_time(d->created, ar), "updatedUtc", pd_iso_time(d->updated, ar), "attempts",
			      attempts);
	json_object_set_new(o, "nextAttemptUtc",
			    strcmp(d->state, "pending") ? json_null() : json_string(iso_ms(d->next_at_ms, ar)));
	return o;
}

enum pd_next pd_webhooks_deliveries(struct pd_req *r)
{
	struct pd_page p;
	struct pd_wdelivery *rows;
	struct pd_wattempt *att = NULL;
	size_t n, na = 0;
	long long after = 0;
	if (!pd_api_page(r, DELIVERIES, "", &p))
		return PD_REPLY;
	if (p.has_after && (sscanf(p.after.id, "%lld", &after) != 1 || after < 0))
		return pd_api_bad(r, 3000, "MS-ContinuationToken", PD_MSG_BAD_TOKEN, NULL);
	enum pd_err e = store_wdelivery_list(r->st, r->who.partner_id, after, p.size + 1, &rows, &n, r->ar);
	const char *token = NULL;
	if (e == PD_OK && n > (size_t)p.size) {
		n = (size_t)p.size;
		token = pd_api_page_token(r, DELIVERIES, "", 0, pd_printf(r->ar, "%lld", rows[n - 1].seq));
	}
	if (e == PD_OK && n)
		e = store_wattempt_list(r->st, r->who.partner_id, rows[0].seq, rows[n - 1].seq, &att, &na, r->ar);
	if (e != PD_OK)
		return pd_api_store_error(r, e, PD_NOUN_WEBHOOK_DELIVERY, NULL);
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = delivery_json(&rows[i], attempts_of(rows[i].seq, att, na, r->ar), r->ar);
		resource_json(r, o, &rows[i]);
		json_array_append_new(items, o);
	}
	const char *self = pd_printf(r->ar, "/webhooks/v1/registration/deliveries?size=%d", p.size);
	pd_reply_json(r, 200, pd_collection(r, items, self, token));
	return PD_REPLY;
}

/* ---- POST /webhooks/v1/registration/deliveries/{cursor}/redeliver ---- */

struct redeliver_job {
	long long seq;
	struct pd_wdelivery d;
	bool not_parked;
};

enum pd_next pd_webhooks_redeliver(struct pd_req *r)
{
	struct redeliver_job *k = pd_alloc(r->ar, sizeof *k);
	const char *s = r->params[0];
	char *end;
	k->seq = strtoll(s, &end, 10);
	if (!*s || *end || k->seq <= 0 || strspn(s, "0123456789") != strlen(s))
		return pd_api_bad(r, 3000, "cursor", PD_MSG_INVALID, NULL);
	r->state = k;
	return PD_WRITE;
}

enum pd_err pd_webhooks_redeliver_write(struct pd_req *r, struct store *st)
{
	struct redeliver_job *k = r->state;
	long long now_ms = r->now * 1000;
	enum pd_err e = store_wdelivery_get(st, r->who.partner_id, k->seq, &k->d, r->ar);
	if (e == PD_OK && strcmp(k->d.state, "parked"))
		return k->not_parked = true, PD_ECONFLICT;
	if (e != PD_OK || (e = store_wdelivery_redeliver(st, r->who.partner_id, k->seq, now_ms, r->now)) != PD_OK)
		return e;
	k->d.state = "pending", k->d.round_start = k->d.attempts, k->d.next_at_ms = now_ms, k->d.updated = r->now;
	struct pd_audit a;
	json_t *n = json_pack("{s:I, s:s}", "cursor", (json_int_t)k->seq, "eventName", k->d.event_name);
	pd_activity_fill(r, &a, "redeliver_webhook_event", RESOURCE, "succeeded", NULL, n);
	json_decref(n);
	a.resource_id = k->d.subscriber_id;
	return pd_activity_write(r, st, &a);
}

void pd_webhooks_redeliver_finish(struct pd_req *r, enum pd_err e)
{
	struct redeliver_job *k = r->state;
	if (e == PD_ECONFLICT && k->not_parked) {
		pd_reply_error(r, e, PD_MSG_WEBHOOK_NOT_PARKED, "cursor", pd_printf(r->ar, "%lld", k->seq));
	} else if (e != PD_OK) {
		pd_api_store_error(r, e, PD_NOUN_WEBHOOK_DELIVERY, pd_printf(r->ar, "%lld", k->seq));
	} else {
		pd_reply_json(r, 200, delivery_json(&k->d, json_array(), r->ar));
	}
}
