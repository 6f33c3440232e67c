/* fuzz_apps.c - POST /v1/apps: the partner app body (display name, roles). */
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	fz_request(PD_POST, "/v1/apps", data, n, FZ_END);
	return 0;
}
