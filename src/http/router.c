/* router.c - segment-by-segment matching of paths against the route table.  The table is
 * small (tens of routes), so a linear scan beats any index; no allocation unless a route
 * matches. */
#include "router.h"
#include <string.h>

/* Length of the segment at p (up to '/' or the end). */
static size_t seglen(const char *p)
{
	const char *s = strchr(p, '/');
	return s ? (size_t)(s - p) : strlen(p);
}

static bool match(const char *pat, const char *path, const char *params[4], struct pd_arena *ar)
{
	int np = 0;
	while (*pat && *path) {
		if (*pat != '/' || *path != '/')
			return false;
		pat++, path++;
		size_t pl = seglen(pat), sl = seglen(path);
		if (pat[0] == '{') {
			if (sl == 0 || np >= 4)
				return false;
			if (ar)
				params[np] = pd_strndup(ar, path, sl);
			np++;
		} else if (pl != sl || strncmp(pat, path, pl) != 0) {
			return false;
		}
		pat += pl, path += sl;
	}
	return *pat == 0 && (*path == 0 || (path[0] == '/' && path[1] == 0));
}

enum pd_match pd_route_find(const struct pd_route *routes, int method, const char *path,
			    const struct pd_route **out, const char *params[4], int *allowed,
			    struct pd_arena *ar)
{
	*allowed = 0;
	for (const struct pd_route *r = routes; r->pattern; r++) {
		if (!match(r->pattern, path, params, NULL))
			continue;
		if (r->method & method) {
			match(r->pattern, path, params, ar);
			*out = r;
			return PD_MATCH_OK;
		}
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
