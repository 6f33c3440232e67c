/* fuzz_filter.c - the customer filter ({"Field", "Value", "Operator"}) and page sizes of
 * core/paging.c, directly. */
#include <stdlib.h>
#include "harness.h"
#include "paging.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fz_cstr(data, n);
	struct pd_arena *ar = pd_arena_new();
	struct pd_query q = {0};
	struct pd_verrs errs = {0};
	pd_filter_parse(s, &q, &errs, ar);
	pd_page_size_parse(s, &q, &errs);
	if (!errs.n && q.value)
		pd_token_encode(&q, q.value, 1, ar);
	pd_arena_free(ar);
	free(s);
	return 0;
}
