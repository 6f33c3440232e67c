/* fuzz_auth.c - credentials: the Authorization header (forged, malformed and real bearer
 * tokens) and the portal's session cookie with its CSRF header, checked as the server checks
 * them before a request reaches its handler. */
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
	fz_request(PD_GET, path, (const uint8_t *)"", 0, "Cookie", h, FZ_END);
	fz_request(PD_DELETE, "/portal/session", (const uint8_t *)"", 0, "Cookie", h, "X-CSRF-Token", h, FZ_END);
	free(h);
	return 0;
}
