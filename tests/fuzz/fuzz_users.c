/* fuzz_users.c - partner staff bodies: POST /v1/users, PATCH /v1/users/{id} and
 * POST /v1/me/password (the first byte picks one). */
#include <stdio.h>
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const struct fz_world *w = fz_world();
	char path[96];
	if (n < 1)
		return 0;
	snprintf(path, sizeof path, "/v1/users/%s", w->user);
	switch (data[0] % 3) {
	case 0: fz_request(PD_POST, "/v1/users", data + 1, n - 1, FZ_END); break;
	case 1: fz_request(PD_PATCH, path, data + 1, n - 1, FZ_END); break;
	default: fz_request(PD_POST, "/v1/me/password", data + 1, n - 1, FZ_END); break;
	}
	return 0;
}
