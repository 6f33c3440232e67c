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

/* "GET, HEAD, PUT" for a method mask (arena string). */
const char *pd_methods_text(int mask, struct pd_arena *ar);

#endif
