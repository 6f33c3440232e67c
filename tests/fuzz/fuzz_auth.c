/* fuzz_auth.c - the Authorization header: forged, malformed and real bearer tokens, checked
 * as the server checks them before a request reaches its handler. */
#include <stdio.h>
#include <stdlib.h>
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *h = fz_cstr(data, n);
	char path[96];
	snprintf(path, sizeof path, "/v1/customers/%s", fz_world()->customer);
	fz_request(PD_GET, path, (const uint8_t *)"", 0, "Authorization", h, FZ_END);
	free(h);
	return 0;
}
