/* fuzz_address_validation.c - POST /v1/validations/address: an address through the country
 * rules and the suggestion logic. */
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	fz_request(PD_POST, "/v1/validations/address", data, n, FZ_END);
	return 0;
}
