/* fuzz_relationship.c - PATCH /v1/customers/{id} ({"relationshipToPartner": "none"}). */
#include <stdio.h>
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char path[96];
	snprintf(path, sizeof path, "/v1/customers/%s", fz_world()->customer);
	fz_request(PD_PATCH, path, data, n, FZ_END);
	return 0;
}
