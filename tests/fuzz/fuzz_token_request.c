/* fuzz_token_request.c - form-encoded bodies: POST /oauth2/token (password and
 * client_credentials grants), POST /portal/session (the portal's sign-in) and
 * POST /invite/{code} (the accept form). */
#include <stdio.h>
#include "harness.h"
#include "request.h"

#define FORM "Content-Type", "application/x-www-form-urlencoded"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char path[96];
	snprintf(path, sizeof path, "/invite/%s", fz_world()->invite);
	fz_request(PD_POST, "/oauth2/token", data, n, FORM, FZ_END);
	fz_request(PD_POST, "/portal/session", data, n, FORM, FZ_END);
	fz_request(PD_POST, path, data, n, FORM, FZ_END);
	return 0;
}
