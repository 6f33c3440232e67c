/* router.h - matches a method and a decoded path against the route table.  Patterns are
 * literal segments and {name} segments (one path segment each, captured in order). */
#ifndef PD_ROUTER_H
#define PD_ROUTER_H
#include "request.h"

enum pd_match { PD_MATCH_OK, PD_MATCH_NO_ROUTE, PD_MATCH_BAD_METHOD };

/* Finds the route for (method, path).  On PD_MATCH_OK *out is the route and params[] holds
 * the captured segments (arena copies).  On PD_MATCH_BAD_METHOD *allowed is a mask of the
 * methods that the path does accept. */
enum pd_match pd_route_find(const struct pd_route *routes, int method, const char *path,
			    const struct pd_route **out, const char *params[4], int *allowed,
			    struct pd_arena *ar);

/* The same answers as pd_route_find, from an index of the table by the path's first two
 * segments: a path looks only at the routes that could match it, in the table's order (a
 * path whose first two segments no pattern has literally falls back to the scan).  Made once
 * per table, read-only after (shared by threads); NULL when out of memory. */
struct pd_router;
struct pd_router *pd_router_new(const struct pd_route *routes);
void pd_router_free(struct pd_router *rt);
enum pd_match pd_router_find(const struct pd_router *rt, int method, const char *path,
			     const struct pd_route **out, const char *params[4], int *allowed,
			     struct pd_arena *ar);

/* "GET, HEAD, PUT" for a method mask (arena string). */
const char *pd_methods_text(int mask, struct pd_arena *ar);

#endif
