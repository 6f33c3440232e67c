/* fuzz_catalog.c - `partnerd --catalog FILE`: the offer catalog parser and its checks. */
#include "catalog.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char err[256];
	struct pd_catalog *c = pd_catalog_parse((const char *)data, n, err, sizeof err);
	if (c && pd_catalog_size(c))
		json_decref(pd_offer_to_json(pd_catalog_at(c, 0), "CN", PD_LOCALE_ZH));
	pd_catalog_free(c);
	return 0;
}
