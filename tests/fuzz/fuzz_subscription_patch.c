/* fuzz_subscription_patch.c - PATCH /v1/customers/{id}/subscriptions/{subId}: quantity,
 * status and friendly name changes with the subscription's current etag. */
#include <stdio.h>
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const struct fz_world *w = fz_world();
	char path[160];
	snprintf(path, sizeof path, "/v1/customers/%s/subscriptions/%s", w->customer, w->sub);
	fz_request(PD_PATCH, path, data, n, "If-Match", w->sub_etag, FZ_END);
	return 0;
}
