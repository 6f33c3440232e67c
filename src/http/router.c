/* router.c - segment-by-segment matching of paths against the route table: a scan of the
 * table (pd_route_find), and an index of it by the first two segments (pd_router_find: the
 * ~70 routes' scan cost ~3.3 k instructions a customer GET).  No allocation on a lookup unless
 * a route matches. */
#include "router.h"
#include <stdlib.h>
#include <string.h>

/* Length of the segment at p (up to '/' or the end). */
static size_t seglen(const char *p)
{
	const char *s = strchr(p, '/');
	return s ? (size_t)(s - p) : strlen(p);
}

/* Whether path matches pat, walking both once; the {param} segments' starts and lengths in
 * ps/pn (not copied: only the matching route's are, by found). */
static bool match(const char *pat, const char *path, const char *ps[4], size_t pn[4])
{
	int np = 0;
	while (*pat && *path) {
		if (*pat != '/' || *path != '/')
			return false;
		pat++, path++;
		if (pat[0] == '{') {
			const char *e = path;
			while (*e && *e != '/')
				e++;
			if (e == path || np >= 4)
				return false;
			ps[np] = path, pn[np++] = (size_t)(e - path);
			while (*pat && *pat != '/')
				pat++;
			path = e;
			continue;
		}
		while (*pat && *pat != '/' && *pat == *path)
			pat++, path++;
		if ((*pat && *pat != '/') || (*path && *path != '/'))
			return false;
	}
	return *pat == 0 && (*path == 0 || (path[0] == '/' && path[1] == 0));
}

/* r matched: its parameters into the arena. */
static enum pd_match found(const struct pd_route *r, const char *ps[4], const size_t pn[4],
			   const struct pd_route **out, const char *params[4], struct pd_arena *ar)
{
	for (int i = 0; i < 4 && ps[i]; i++)
		params[i] = pd_strndup(ar, ps[i], pn[i]);
	*out = r;
	return PD_MATCH_OK;
}

enum pd_match pd_route_find(const struct pd_route *routes, int method, const char *path,
			    const struct pd_route **out, const char *params[4], int *allowed,
			    struct pd_arena *ar)
{
	*allowed = 0;
	for (const struct pd_route *r = routes; r->pattern; r++) {
		const char *ps[4] = {0};
		size_t pn[4];
		if (!match(r->pattern, path, ps, pn))
			continue;
		if (r->method & method)
			return found(r, ps, pn, out, params, ar);
		*allowed |= r->method;
	}
	return *allowed ? PD_MATCH_BAD_METHOD : PD_MATCH_NO_ROUTE;
}

/* A literal two-segment head ("v1", "customers") and the routes a path with it may match. */
struct head {
	const char *s1, *s2;
	size_t n1, n2;
	const struct pd_route **cand; /* in table order, NULL-terminated */
};

struct pd_router {
	const struct pd_route *routes;
	struct head *heads;
	int nheads;
};

/* The segment after the '/' at p: its start in *seg, its length returned; -1 without '/'. */
static long segment(const char *p, const char **seg)
{
	if (*p != '/')
		return -1;
	*seg = p + 1;
	return (long)seglen(p + 1);
}

/* The pattern's first two segments when both are literal. */
static bool literal_head(const char *pat, const char **s1, size_t *n1, const char **s2, size_t *n2)
{
	long l1 = segment(pat, s1), l2 = l1 > 0 ? segment(*s1 + l1, s2) : -1;
	if (l1 <= 0 || l2 <= 0 || **s1 == '{' || **s2 == '{')
		return false;
	*n1 = (size_t)l1, *n2 = (size_t)l2;
	return true;
}

/* Whether pattern segment [p, p+pl) could match the path segment [q, q+ql) (ql > 0). */
static bool seg_may(const char *p, long pl, const char *q, size_t ql)
{
	return pl < 0 || (pl > 0 && *p == '{') || ((size_t)pl == ql && !memcmp(p, q, ql));
}

/* Whether r may match a path that begins /h->s1/h->s2 (a superset: match decides). */
static bool may_match(const struct pd_route *r, const struct head *h)
{
	const char *p1, *p2 = NULL;
	long l1 = segment(r->pattern, &p1), l2 = l1 >= 0 ? segment(p1 + l1, &p2) : -1;
	return l1 >= 0 && seg_may(p1, l1, h->s1, h->n1) && seg_may(p2, l2, h->s2, h->n2);
}

static struct head *head_find(const struct pd_router *rt, const char *s1, size_t n1, const char *s2, size_t n2)
{
	for (int i = 0; i < rt->nheads; i++) {
		struct head *h = &rt->heads[i];
		if (h->n1 == n1 && h->n2 == n2 && !memcmp(h->s1, s1, n1) && !memcmp(h->s2, s2, n2))
			return h;
	}
	return NULL;
}

static bool head_fill(struct head *h, const struct pd_route *routes, int n)
{
	int k = 0;
	if (!(h->cand = calloc((size_t)n + 1, sizeof *h->cand)))
		return false;
	for (const struct pd_route *r = routes; r->pattern; r++)
		if (may_match(r, h))
			h->cand[k++] = r;
	return true;
}

struct pd_router *pd_router_new(const struct pd_route *routes)
{
	int n = 0;
	while (routes[n].pattern)
		n++;
	struct pd_router *rt = calloc(1, sizeof *rt);
	if (!rt || !(rt->heads = calloc((size_t)n + 1, sizeof *rt->heads))) {
		free(rt);
		return NULL;
	}
	rt->routes = routes;
	for (const struct pd_route *r = routes; r->pattern; r++) {
		struct head h = {0};
		if (!literal_head(r->pattern, &h.s1, &h.n1, &h.s2, &h.n2) || head_find(rt, h.s1, h.n1, h.s2, h.n2))
			continue;
		rt->heads[rt->nheads] = h;
		if (!head_fill(&rt->heads[rt->nheads++], routes, n)) {
			pd_router_free(rt);
			return NULL;
		}
	}
	return rt;
}

void pd_router_free(struct pd_router *rt)
{
	for (int i = 0; rt && i < rt->nheads; i++)
		free(rt->heads[i].cand);
	if (rt)
		free(rt->heads);
	free(rt);
}

enum pd_match pd_router_find(const struct pd_router *rt, int method, const char *path,
			     const struct pd_route **out, const char *params[4], int *allowed,
			     struct pd_arena *ar)
{
	const char *s1, *s2 = NULL;
	long l1 = segment(path, &s1), l2 = l1 > 0 ? segment(s1 + l1, &s2) : -1;
	const struct head *h = l2 > 0 ? head_find(rt, s1, (size_t)l1, s2, (size_t)l2) : NULL;
	if (!h)
		return pd_route_find(rt->routes, method, path, out, params, allowed, ar);
	*allowed = 0;
	for (const struct pd_route *const *c = h->cand; *c; c++) {
		const struct pd_route *r = *c;
		const char *ps[4] = {0};
		size_t pn[4];
		if (!match(r->pattern, path, ps, pn))
			continue;
		if (r->method & method)
			return found(r, ps, pn, out, params, ar);
		*allowed |= r->method;
	}
	return *allowed ? PD_MATCH_BAD_METHOD : PD_MATCH_NO_ROUTE;
}

const char *pd_methods_text(int mask, struct pd_arena *ar)
{
	static const char *names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
	char buf[64] = "";
	for (int i = 0; i < 7; i++) {
		if (!(mask & (1 << i)))
			continue;
		if (*buf)
			strcat(buf, ", ");
		strcat(buf, names[i]);
	}
	return pd_strdup(ar, buf);
}
