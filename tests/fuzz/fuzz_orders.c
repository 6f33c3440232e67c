/* fuzz_orders.c - POST /v1/customers/{id}/orders: line items, offers, quantities, add-on
 * prerequisites, through validation and the write. */
#include <stdio.h>
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char path[96];
	snprintf(path, sizeof path, "/v1/customers/%s/orders", fz_world()->customer);
	fz_request(PD_POST, path, data, n, FZ_END);
	return 0;
}
