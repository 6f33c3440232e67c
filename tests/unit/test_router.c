/* test_router.c - unit tests of src/http/router.c against a route table of dummy handlers:
 * literal and {param} segments, trailing slashes, 405 with the allowed methods, 404, empty
 * parameter segments, and the Allow text of a method mask. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "arena.h"
#include "request.h"
#include "router.h"
#include "api.h"

static struct pd_arena *ar;

static void setup(void)
{
	ar = pd_arena_new();
}

static void teardown(void)
{
	pd_arena_free(ar);
}

TestSuite(router, .init = setup, .fini = teardown);

static enum pd_next h_list(struct pd_req *r) { (void)r; return PD_REPLY; }
static enum pd_next h_create(struct pd_req *r) { (void)r; return PD_REPLY; }
static enum pd_next h_get(struct pd_req *r) { (void)r; return PD_REPLY; }
static enum pd_next h_delete(struct pd_req *r) { (void)r; return PD_REPLY; }
static enum pd_next h_billing(struct pd_req *r) { (void)r; return PD_REPLY; }
static enum pd_next h_billing_put(struct pd_req *r) { (void)r; return PD_REPLY; }
static enum pd_next h_user(struct pd_req *r) { (void)r; return PD_REPLY; }
static enum pd_next h_health(struct pd_req *r) { (void)r; return PD_REPLY; }
static enum pd_next h_domain(struct pd_req *r) { (void)r; return PD_REPLY; }
static enum pd_next h_root(struct pd_req *r) { (void)r; return PD_REPLY; }

static const struct pd_route routes[] = {
	{PD_GET, "/", PD_R_PUBLIC, PD_PERM_PUBLIC, NULL, NULL, h_root, NULL, NULL, NULL},
	{PD_GET | PD_HEAD, "/health", PD_R_PUBLIC, PD_PERM_PUBLIC, NULL, NULL, h_health, NULL, NULL, NULL},
	{PD_GET, "/v1/customers", 0, PD_PERM_PUBLIC, NULL, NULL, h_list, NULL, NULL, NULL},
	{PD_POST, "/v1/customers", PD_R_JSON, PD_PERM_PUBLIC, NULL, NULL, h_create, NULL, NULL, NULL},
	{PD_GET, "/v1/customers/{id}", 0, PD_PERM_PUBLIC, NULL, NULL, h_get, NULL, NULL, NULL},
	{PD_DELETE, "/v1/customers/{id}", PD_R_SANDBOX, PD_PERM_PUBLIC, NULL, NULL, h_delete, NULL, NULL, NULL},
	{PD_GET, "/v1/customers/{id}/profiles/billing", 0, PD_PERM_PUBLIC, NULL, NULL, h_billing, NULL, NULL, NULL},
	{PD_PUT, "/v1/customers/{id}/profiles/billing", PD_R_JSON, PD_PERM_PUBLIC, NULL, NULL, h_billing_put, NULL, NULL, NULL},
	{PD_GET, "/v1/customers/{id}/users/{uid}", 0, PD_PERM_PUBLIC, NULL, NULL, h_user, NULL, NULL, NULL},
	{PD_HEAD, "/v1/domains/{domain}", 0, PD_PERM_PUBLIC, NULL, NULL, h_domain, NULL, NULL, NULL},
	{0, NULL, 0, PD_PERM_PUBLIC, NULL, NULL, NULL, NULL, NULL, NULL},
};

static enum pd_match find(int method, const char *path, const struct pd_route **out,
			  const char *params[4], int *allowed)
{
	*out = NULL;
	for (int i = 0; i < 4; i++)
		params[i] = NULL;
	*allowed = -1;
	return pd_route_find(routes, method, path, out, params, allowed, ar);
}

Test(router, literal_route)
{
	const struct pd_route *r;
	const char *p[4];
	int allowed;
	cr_assert_eq(find(PD_GET, "/v1/customers", &r, p, &allowed), PD_MATCH_OK);
	cr_assert(r == &routes[2]);
	cr_assert(r->prepare == h_list);
	cr_assert_null(p[0]);
	cr_assert_eq(find(PD_POST, "/v1/customers", &r, p, &allowed), PD_MATCH_OK);
	cr_assert(r->prepare == h_create, "the route for the method, not the first for the path");
	cr_assert_eq(find(PD_HEAD, "/health", &r, p, &allowed), PD_MATCH_OK);
	cr_assert(r->prepare == h_health, "a route may accept several methods");
	cr_assert_eq(find(PD_GET, "/", &r, p, &allowed), PD_MATCH_OK);
	cr_assert(r->prepare == h_root);
}

Test(router, params_captured)
{
	const struct pd_route *r;
	const char *p[4];
	int allowed;
	const char *id = "6f3c2a1e-8a4b-4c1d-9e2f-0123456789ab";
	char path[128];
	snprintf(path, sizeof path, "/v1/customers/%s", id);
	cr_assert_eq(find(PD_GET, path, &r, p, &allowed), PD_MATCH_OK);
	cr_assert(r->prepare == h_get);
	cr_assert_str_eq(p[0], id);
	cr_assert_null(p[1]);

	snprintf(path, sizeof path, "/v1/customers/%s/profiles/billing", id);
	cr_assert_eq(find(PD_PUT, path, &r, p, &allowed), PD_MATCH_OK);
	cr_assert(r->prepare == h_billing_put);
	cr_assert_str_eq(p[0], id);

	cr_assert_eq(find(PD_GET, "/v1/customers/c1/users/u-2", &r, p, &allowed), PD_MATCH_OK);
	cr_assert(r->prepare == h_user);
	cr_assert_str_eq(p[0], "c1");
	cr_assert_str_eq(p[1], "u-2");

	cr_assert_eq(find(PD_HEAD, "/v1/domains/contoso.partner.onmschina.cn", &r, p, &allowed), PD_MATCH_OK);
	cr_assert_str_eq(p[0], "contoso.partner.onmschina.cn", "dots stay inside one segment");

	cr_assert_eq(find(PD_GET, "/v1/customers/北京", &r, p, &allowed), PD_MATCH_OK);
	cr_assert_str_eq(p[0], "北京");
}

Test(router, params_are_copies)
{
	const struct pd_route *r;
	const char *p[4];
	int allowed;
	char path[] = "/v1/customers/abc/profiles/billing";
	cr_assert_eq(find(PD_GET, path, &r, p, &allowed), PD_MATCH_OK);
	memset(path, 'x', sizeof path - 1);
	cr_assert_str_eq(p[0], "abc");
}

Test(router, trailing_slash_tolerated)
{
	const struct pd_route *r;
	const char *p[4];
	int allowed;
	cr_assert_eq(find(PD_GET, "/v1/customers/", &r, p, &allowed), PD_MATCH_OK);
	cr_assert(r->prepare == h_list);
	cr_assert_eq(find(PD_GET, "/v1/customers/abc/", &r, p, &allowed), PD_MATCH_OK);
	cr_assert(r->prepare == h_get);
	cr_assert_str_eq(p[0], "abc");
	cr_assert_eq(find(PD_GET, "/v1/customers//", &r, p, &allowed), PD_MATCH_NO_ROUTE,
		     "only one trailing slash");
}

Test(router, wrong_method)
{
	const struct pd_route *r;
	const char *p[4];
	int allowed;
	cr_assert_eq(find(PD_PATCH, "/v1/customers", &r, p, &allowed), PD_MATCH_BAD_METHOD);
	cr_assert_eq(allowed, PD_GET | PD_POST);
	cr_assert_null(r, "no route on a method mismatch");

	cr_assert_eq(find(PD_POST, "/v1/customers/abc", &r, p, &allowed), PD_MATCH_BAD_METHOD);
	cr_assert_eq(allowed, PD_GET | PD_DELETE);

	cr_assert_eq(find(PD_DELETE, "/v1/customers/abc/profiles/billing", &r, p, &allowed),
		     PD_MATCH_BAD_METHOD);
	cr_assert_eq(allowed, PD_GET | PD_PUT);

	cr_assert_eq(find(PD_GET, "/v1/domains/x.cn", &r, p, &allowed), PD_MATCH_BAD_METHOD);
	cr_assert_eq(allowed, PD_HEAD);
}

Test(router, unknown_path)
{
	const struct pd_route *r;
	const char *p[4];
	int allowed;
	const char *bad[] = {"/v1/partners", "/v1", "/v1/customer", "/v1/customerss", "/V1/customers",
			     "/v1/customers/abc/profiles", "/v1/customers/abc/profiles/billing/x",
			     "/v1/customers/a/b", "", "v1/customers", "/healthz"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(find(PD_GET, bad[i], &r, p, &allowed), PD_MATCH_NO_ROUTE, "'%s'", bad[i]);
		cr_assert_eq(allowed, 0, "'%s'", bad[i]);
		cr_assert_null(r);
	}
}

Test(router, empty_param_segment_refused)
{
	const struct pd_route *r;
	const char *p[4];
	int allowed;
	cr_assert_eq(find(PD_GET, "/v1/customers//profiles/billing", &r, p, &allowed), PD_MATCH_NO_ROUTE);
	cr_assert_eq(find(PD_GET, "/v1/customers/c1/users/", &r, p, &allowed), PD_MATCH_NO_ROUTE);
	cr_assert_eq(find(PD_GET, "/v1/customers/c1/users//", &r, p, &allowed), PD_MATCH_NO_ROUTE);
	/* "/v1/customers/" is the list (trailing slash), not a customer with an empty id */
	cr_assert_eq(find(PD_DELETE, "/v1/customers/", &r, p, &allowed), PD_MATCH_BAD_METHOD);
	cr_assert_eq(allowed, PD_GET | PD_POST);
}

Test(router, methods_text)
{
	cr_assert_str_eq(pd_methods_text(PD_GET, ar), "GET");
	cr_assert_str_eq(pd_methods_text(PD_GET | PD_HEAD | PD_PUT, ar), "GET, HEAD, PUT");
	cr_assert_str_eq(pd_methods_text(PD_DELETE | PD_POST, ar), "POST, DELETE");
	cr_assert_str_eq(pd_methods_text(0, ar), "");
	cr_assert_str_eq(pd_methods_text(PD_GET | PD_HEAD | PD_POST | PD_PUT | PD_PATCH | PD_DELETE | PD_OPTIONS, ar),
			 "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
	cr_assert_str_eq(pd_methods_text(PD_OPTIONS | 128 | 256, ar), "OPTIONS", "unknown bits ignored");
}

/* The index (pd_router_find) answers every path exactly as the scan (pd_route_find) does: the
 * same result, route, parameters and allowed methods, for every method, over every pattern of
 * the real table and of this file's, each with its {params} filled in, with a trailing slash,
 * a segment more or less, and heads that differ by a byte. */
static void same_as_scan(const struct pd_route *table, const char *path)
{
	struct pd_router *rt = pd_router_new(table);
	cr_assert_not_null(rt);
	for (int m = 1; m <= PD_OPTIONS; m <<= 1) {
		const struct pd_route *a = NULL, *b = NULL;
		const char *pa[4] = {0}, *pb[4] = {0};
		int aa = -1, ab = -2;
		enum pd_match ra = pd_route_find(table, m, path, &a, pa, &aa, ar);
		enum pd_match rb = pd_router_find(rt, m, path, &b, pb, &ab, ar);
		cr_assert_eq(ra, rb, "%s method %d", path, m);
		cr_assert_eq(a, b, "%s method %d", path, m);
		if (ra == PD_MATCH_BAD_METHOD)
			cr_assert_eq(aa, ab, "%s method %d", path, m);
		for (int i = 0; i < 4; i++)
			cr_assert((!pa[i] && !pb[i]) || (pa[i] && pb[i] && !strcmp(pa[i], pb[i])), "%s param %d", path, i);
	}
	pd_router_free(rt);
}

/* The pattern with each {param} as "p1", "p2" ... */
static char *filled(const char *pat, char *out, size_t cap)
{
	size_t k = 0;
	int n = 0;
	for (const char *p = pat; *p && k + 4 < cap; p++) {
		if (*p == '{') {
			k += (size_t)snprintf(out + k, cap - k, "p%d", ++n);
			p = strchr(p, '}');
		} else {
			out[k++] = *p;
		}
	}
	out[k] = 0;
	return out;
}

static void every_variant(const struct pd_route *table)
{
	static const char *odd[] = {"", "/", "//", "/v1", "/v1/", "/v1//customers", "/V1/customers", "/v1/customersX",
				    "/v1/customer", "/x/y", "/healthz/", "/healthz/x", "/assets/", "/assets/a/b",
				    "/v1/customers//", "/v1/customers/relationshiprequests/", "v1/customers"};
	for (size_t i = 0; i < sizeof odd / sizeof *odd; i++)
		same_as_scan(table, odd[i]);
	for (const struct pd_route *r = table; r->pattern; r++) {
		char base[256], path[300];
		filled(r->pattern, base, sizeof base);
		same_as_scan(table, base);
		snprintf(path, sizeof path, "%s/", base);
		same_as_scan(table, path);
		snprintf(path, sizeof path, "%s/more", base);
		same_as_scan(table, path);
		snprintf(path, sizeof path, "%.*s", (int)(strrchr(base, '/') - base), base);
		same_as_scan(table, path);
		snprintf(path, sizeof path, "%sx", base);
		same_as_scan(table, path);
	}
}

Test(router, index_answers_as_the_scan)
{
	every_variant(routes);
	every_variant(pd_routes);
}
