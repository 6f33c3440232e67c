/* fuzz_customer_create.c - POST /v1/customers: the create body (company and billing profiles,
 * address, country rules, optional lineItems) through decode, validation and the write. */
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	fz_request(PD_POST, "/v1/customers", data, n, FZ_END);
	return 0;
}
