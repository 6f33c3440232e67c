/* fuzz_query.c - query strings of the list and lookup routes (size, filter, seekOperation,
 * continuationToken, startDate, endDate, country), parsed as the server parses them. */
#include <stdio.h>
#include <stdlib.h>
#include "harness.h"
#include "request.h"

static const char *const paths[] = {"/v1/customers", "/v1/auditrecords", "/v1/offers", "/v1/users",
				    "/v1/apps", "/v1/offers/CN-O365-E3"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	if (n < 1)
		return 0;
	char *q = fz_cstr(data + 1, n - 1);
	size_t cap = n + 64;
	char *target = malloc(cap);
	snprintf(target, cap, "%s?%s", paths[data[0] % (sizeof paths / sizeof paths[0])], q);
	fz_request(PD_GET, target, (const uint8_t *)"", 0, FZ_END);
	free(target);
	free(q);
	return 0;
}
