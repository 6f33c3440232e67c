/* fuzz_router.c - the route table (api/routes.c) matched against any decoded path with every
 * method, and the Allow text of a 405. */
#include <stdlib.h>
#include "api.h"
#include "harness.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *path = fz_cstr(data, n);
	struct pd_arena *ar = pd_arena_new();
	for (int m = 1; m <= PD_OPTIONS; m <<= 1) {
		const struct pd_route *rt = NULL;
		const char *params[4] = {0};
		int allowed = 0;
		if (pd_route_find(pd_routes, m, path, &rt, params, &allowed, ar) == PD_MATCH_BAD_METHOD)
			pd_methods_text(allowed, ar);
	}
	pd_arena_free(ar);
	free(path);
	return 0;
}
