/* fuzz_token.c - continuation tokens: pd_token_decode directly (alone and with a filter
 * sent beside it), then as the MS-ContinuationToken header of the customer and
 * activity-log lists. */
#include <stdlib.h>
#include "harness.h"
#include "paging.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fz_cstr(data, n);
	struct pd_arena *ar = pd_arena_new();
	struct pd_query q = {0}, f = {.field = PD_FILTER_NAME, .op = PD_OP_STARTS_WITH, .value = "ab"};
	pd_token_decode(s, &q, ar);
	pd_token_decode(s, &f, ar);
	pd_arena_free(ar);
	fz_world();
	fz_request(PD_GET, "/v1/customers?size=2&seekOperation=Next", (const uint8_t *)"", 0,
		   "MS-ContinuationToken", s, FZ_END);
	fz_request(PD_GET, "/v1/auditrecords?size=2&seekOperation=Next", (const uint8_t *)"", 0,
		   "MS-ContinuationToken", s, FZ_END);
	free(s);
	return 0;
}
