/* harness.c - the fuzz targets' request runner (harness.h): the real router, authentication,
 * JSON and form parsing and handler phases, over an in-memory store.  It replaces only the
 * server's socket-facing half of request.h (server.c), with the same calls (uri.h). */
#include "harness.h"
#include "rowcache.h"
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include "api.h"
#include "auth.h"
#include "catalog.h"
#include "embed.h"
#include "jsonw.h"
#include "router.h"
#include "throttle.h"
#include "uri.h"

#define MAX_HDRS 6

struct fz_ctx {
	const char *hk[MAX_HDRS], *hv[MAX_HDRS];
	int nh;
	struct evkeyvalq query, form;
	bool form_parsed;
};

static struct fz_ctx *ctx(struct pd_req *r)
{
	return r->priv;
}

/* ---- the server's half of request.h ---- */

const char *pd_req_header(struct pd_req *r, const char *name)
{
	for (int i = 0; i < ctx(r)->nh; i++)
		if (!strcasecmp(ctx(r)->hk[i], name))
			return ctx(r)->hv[i];
	return NULL;
}

const char *pd_req_query(struct pd_req *r, const char *name)
{
	return evhttp_find_header(&ctx(r)->query, name);
}

const char *pd_req_query_unknown(struct pd_req *r, const char *const *known)
{
	return pd_uri_params_unknown(&ctx(r)->query, known);
}

const char *pd_req_query_repeated(struct pd_req *r)
{
	return pd_uri_params_repeated(&ctx(r)->query);
}

const char *pd_req_form(struct pd_req *r, const char *name)
{
	struct fz_ctx *c = ctx(r);
	if (!c->form_parsed) {
		c->form_parsed = true;
		pd_uri_params(r->body, &c->form);
	}
	return evhttp_find_header(&c->form, name);
}

static void drop_body(struct pd_resp *rs)
{
	json_decref(rs->body);
	rs->body = NULL;
	free(rs->owned);
	rs->owned = NULL;
}

void pd_reply_json(struct pd_req *r, int status, json_t *body)
{
	drop_body(&r->resp);
	r->resp.status = status;
	r->resp.body = body;
	r->resp.raw = NULL;
}

void pd_reply_raw(struct pd_req *r, int status, const char *ctype, const char *body, size_t n)
{
	drop_body(&r->resp);
	r->resp.status = status;
	r->resp.ctype = ctype;
	r->resp.raw = body;
	r->resp.raw_len = n;
}

void pd_reply_buf(struct pd_req *r, int status, struct pd_buf *body)
{
	drop_body(&r->resp);
	r->resp.status = status;
	r->resp.raw = NULL;
	r->resp.owned = pd_buf_take(body, &r->resp.owned_len);
}

void pd_reply_kept(struct pd_req *r, int status, const char *body, size_t n, void *hold)
{
	struct pd_buf b;
	pd_buf_init(&b, n);
	pd_buf_add(&b, body, n);
	pd_rowcache_release(hold);
	pd_reply_buf(r, status, &b);
}

/* ---- the world ---- */

static struct {
	struct store *st;
	struct pd_config cfg;
	unsigned char key[PD_KEY_LEN];
	struct pd_throttle *throttle;
	struct pd_principal admin;
	struct fz_world ids;
	bool ready;
} W;

char *fz_cstr(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = 0;
	return s;
}

_Noreturn static void die(const char *what)
{
	fprintf(stderr, "fuzz harness: %s\n", what);
	abort();
}

static bool parse_json(struct pd_req *r)
{
	if (!r->body_len) /* as the server: a body is required on POST, PUT and PATCH */
		return !(r->method & (PD_POST | PD_PUT | PD_PATCH));
	r->json = json_loadb(r->body, r->body_len, 0, NULL);
	return json_is_object(r->json);
}

static void run_phases(struct pd_req *r, const struct pd_route *rt, bool commit)
{
	enum pd_next next = rt->prepare(r);
	if (next != PD_WRITE || !rt->write || !rt->finish)
		return; /* PD_WORK is Argon2id on the pool: not a parser, and too slow to fuzz */
	if (store_begin(W.st) != PD_OK)
		die("begin failed");
	enum pd_err e = rt->write(r, W.st);
	if (commit && e == PD_OK)
		e = store_commit(W.st);
	else
		store_rollback(W.st);
	rt->finish(r, e);
}

/* The route and its parameters for method and target; false when nothing matches. */
static bool find_route(struct pd_req *r, struct fz_ctx *c, const char *target, const struct pd_route **rt)
{
	const char *q = strchr(target, '?');
	const char *raw = q ? pd_strndup(r->ar, target, (size_t)(q - target)) : target;
	if (q && !pd_uri_params(q + 1, &c->query))
		return false;
	if (!(r->path = pd_uri_path(raw, r->ar)))
		return false;
	int allowed;
	return pd_route_find(pd_routes, r->method, r->path, rt, r->params, &allowed, r->ar) == PD_MATCH_OK;
}

static bool admit(struct pd_req *r, const struct pd_route *rt)
{
	if (!(rt->flags & PD_R_PUBLIC)) {
		if (pd_req_header(r, "Authorization") || pd_req_header(r, "Cookie")) {
			if (pd_auth_bearer(r) != PD_OK)
				return false;
		} else {
			r->who = W.admin;
		}
	}
	return !(rt->flags & PD_R_JSON) || parse_json(r);
}

/* Runs one request; returns its reply body (new reference, may be NULL). */
static json_t *run(int method, const char *target, const uint8_t *body, size_t n, const char **hdrs,
		   bool commit)
{
	struct fz_ctx c = {0};
	TAILQ_INIT(&c.query);
	TAILQ_INIT(&c.form);
	for (; hdrs && hdrs[0] && c.nh < MAX_HDRS; hdrs += 2, c.nh++)
		c.hk[c.nh] = hdrs[0], c.hv[c.nh] = hdrs[1];
	struct pd_req r = {.ar = pd_arena_new(), .cfg = &W.cfg, .key = W.key, .st = W.st, .method = method,
			   .now = (long long)time(NULL), .priv = &c, .throttle = W.throttle, .peer = "127.0.0.1"};
	r.loc = pd_locale_parse(pd_req_header(&r, "X-Locale"));
	char *b = pd_alloc(r.ar, n + 1);
	memcpy(b, body, n);
	r.body = b, r.body_len = n;
	r.request_id = "00000000-0000-4000-8000-000000000000";
	r.correlation_id = r.request_id;
	const struct pd_route *rt = NULL;
	if (find_route(&r, &c, target, &rt) && admit(&r, rt))
		run_phases(&r, rt, commit);
	char *out = r.resp.body ? json_dumps(r.resp.body, JSON_COMPACT) : NULL; /* as send_reply */
	free(out);
	json_t *resp = r.resp.body;
	if (r.resp.owned) /* a body written by jsonw.c: it must be JSON */
		resp = json_loadb(r.resp.owned, r.resp.owned_len, 0, NULL);
	if (r.resp.owned && !resp)
		die("a jsonw.c reply is not JSON");
	free(r.resp.owned);
	json_decref(r.json);
	evhttp_clear_headers(&c.query);
	evhttp_clear_headers(&c.form);
	pd_arena_free(r.ar);
	return resp;
}

void fz_request(int method, const char *target, const uint8_t *body, size_t n, ...)
{
	const char *hdrs[2 * MAX_HDRS + 1] = {0};
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < 2 * MAX_HDRS && (hdrs[i] = va_arg(ap, const char *)); i++)
		;
	va_end(ap);
	fz_world();
	json_decref(run(method, target, body, n, hdrs, false));
}

/* ---- seeding, through the same handlers ---- */

static const char *seed_str(json_t *o, const char *path)
{
	char *dup = strdup(path), *save = NULL;
	for (char *k = strtok_r(dup, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = json_is_array(o) ? json_array_get(o, 0) : json_object_get(o, k);
	free(dup);
	if (!json_is_string(o))
		die(path);
	return strdup(json_string_value(o));
}

static json_t *seed(int method, const char *target, const char *body)
{
	json_t *o = run(method, target, (const uint8_t *)body, strlen(body), NULL, true);
	if (!o)
		die(target);
	return o;
}

static const char customer_body[] =
	"{\"companyProfile\":{\"domain\":\"fuzzseed.partner.onmschina.cn\"},"
	"\"billingProfile\":{\"email\":\"it@fuzzseed.cn\",\"culture\":\"zh-CN\",\"language\":\"zh\","
	"\"companyName\":\"模糊测试有限公司\",\"firstName\":\"伟\",\"lastName\":\"王\","
	"\"defaultAddress\":{\"firstName\":\"伟\",\"lastName\":\"王\",\"addressLine1\":\"海淀区中关村大街1号\","
	"\"city\":\"北京\",\"state\":\"北京市\",\"postalCode\":\"100080\",\"country\":\"CN\","
	"\"phoneNumber\":\"13800138000\"}},"
	"\"lineItems\":[{\"offerId\":\"CN-O365-E3\",\"quantity\":5}]}";

static void seed_rows(void)
{
	json_t *c = seed(PD_POST, "/v1/customers", customer_body);
	W.ids.customer = seed_str(c, "id");
	W.ids.etag = seed_str(c, "billingProfile.attributes.etag");
	json_decref(c);
	struct pd_arena *ar = pd_arena_new();
	struct pd_subscription *subs = NULL;
	struct pd_customer_user *users = NULL;
	struct pd_invitation inv;
	size_t n = 0, nu = 0;
	if (store_sub_list(W.st, W.ids.partner, W.ids.customer, NULL, 1, &subs, &n, ar) != PD_OK || !n ||
	    store_cuser_list(W.st, W.ids.partner, W.ids.customer, NULL, 1, &users, &nu, ar) != PD_OK || !nu)
		die("seeded subscription or customer user missing");
	W.ids.sub = strdup(subs[0].id);
	W.ids.sub_etag = strdup(subs[0].etag);
	W.ids.cuser = strdup(users[0].id);
	json_decref(seed(PD_GET, "/v1/customers/relationshiprequests", ""));
	if (store_invitation_latest(W.st, W.ids.partner, &inv, ar) != PD_OK)
		die("seeded invitation missing");
	W.ids.invite = strdup(inv.code);
	pd_arena_free(ar);
	json_t *app = seed(PD_POST, "/v1/apps", "{\"displayName\":\"fuzz app\",\"roles\":[\"sales_agent\"]}");
	W.ids.app = seed_str(app, "id");
	json_decref(app);
}

/* A bearer token for the admin, so Authorization headers can name a real one. */
static void seed_token(void)
{
	struct pd_token t = {.partner_id = W.ids.partner, .principal_id = W.ids.user, .principal_kind = "user",
			     .roles = "global_admin", .expires = (long long)time(NULL) + 86400};
	struct pd_user u;
	struct pd_arena *ar = pd_arena_new();
	if (store_user_get(W.st, W.ids.partner, W.ids.user, &u, ar) != PD_OK)
		die("seeded admin missing");
	t.principal_version = u.version; /* a token is kept only at its principal's version */
	pd_arena_free(ar);
	pd_secret_digest(W.key, "fuzz-token-0123456789abcdefghijklmnop", t.digest);
	if (store_begin(W.st) != PD_OK || store_token_insert(W.st, &t) != PD_OK || store_commit(W.st) != PD_OK)
		die("token insert failed");
}

const struct fz_world *fz_world(void)
{
	if (W.ready)
		return &W.ids;
	char err[300];
	struct pd_new_partner np;
	const struct pd_embed *cat = pd_embed_find(pd_data_files, "catalog.json");
	if (pd_secret_init() != 0 || !cat)
		die("init");
	W.cfg = (struct pd_config){.listen = "127.0.0.1:0", .db = "sqlite::memory:",
				   .domain_suffix = "partner.onmschina.cn", .sandbox = true, .token_ttl = 3600,
				   .max_body = 1 << 20, .public_url = "http://127.0.0.1:8080"};
	if (!(W.cfg.catalog = pd_catalog_parse(cat->data, cat->len, err, sizeof err)))
		die(err);
	if (store_open(W.cfg.db, true, &W.st, err, sizeof err) != PD_OK)
		die(err);
	if (pd_partner_create(W.st, "Fuzz partner", "admin@fuzz.example.cn", &np, err, sizeof err) != PD_OK)
		die(err);
	W.throttle = pd_throttle_new();
	W.ids.partner = strdup(np.partner_id);
	W.ids.user = strdup(np.user_id);
	W.admin = (struct pd_principal){W.ids.partner, W.ids.user, "user", "global_admin",
					"admin@fuzz.example.cn", false};
	W.ready = true;
	seed_rows();
	seed_token();
	return &W.ids;
}
