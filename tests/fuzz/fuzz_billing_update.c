/* fuzz_billing_update.c - PUT /v1/customers/{id}/profiles/billing: the billing profile body
 * with the seeded customer's current etag, so valid inputs reach the write. */
#include <stdio.h>
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const struct fz_world *w = fz_world();
	char path[160];
	snprintf(path, sizeof path, "/v1/customers/%s/profiles/billing", w->customer);
	fz_request(PD_PUT, path, data, n, "If-Match", w->etag, FZ_END);
	fz_request(PD_PUT, path, data, n, FZ_END); /* the etag from attributes.etag, or none */
	return 0;
}
