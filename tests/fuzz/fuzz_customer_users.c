/* fuzz_customer_users.c - a customer's users: POST .../users and PATCH .../users/{userId}
 * (the first byte picks one). */
#include <stdio.h>
#include "harness.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const struct fz_world *w = fz_world();
	char path[160];
	if (n < 1)
		return 0;
	if (data[0] & 1) {
		snprintf(path, sizeof path, "/v1/customers/%s/users/%s", w->customer, w->cuser);
		fz_request(PD_PATCH, path, data + 1, n - 1, FZ_END);
	} else {
		snprintf(path, sizeof path, "/v1/customers/%s/users", w->customer);
		fz_request(PD_POST, path, data + 1, n - 1, FZ_END);
	}
	return 0;
}
