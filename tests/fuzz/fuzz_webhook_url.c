/* fuzz_webhook_url.c - a WebhookUrl as a partner registers it (issue 22): the URL check of
 * core/netaddr.c with and without http allowed, and, for a host that is an IP literal, the
 * address classes that decide whether partnerd may call it.  Invariants: an accepted URL has
 * a host of at most 255 bytes and a port in 1-65535, is https unless http was allowed, and
 * what is accepted without http is accepted with it. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "netaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fz_cstr(data, n);
	struct pd_url u, v;
	enum pd_url_err strict = pd_webhook_url_parse(s, false, &u);
	enum pd_url_err loose = pd_webhook_url_parse(s, true, &v);
	if (strict == PD_URL_OK) {
		if (loose != PD_URL_OK || !u.https || !u.host[0] || strlen(u.host) > 255 || u.port < 1 ||
		    u.port > 65535)
			abort();
	}
	if (loose == PD_URL_OK) {
		unsigned char a[16];
		if (!v.host[0] || v.port < 1 || v.port > 65535)
			abort();
		if (inet_pton(AF_INET, v.host, a) == 1 && pd_addr_class_v4(a) == PD_ADDR_UNKNOWN)
			abort();
		if (inet_pton(AF_INET6, v.host, a) == 1 && pd_addr_class_v6(a) == PD_ADDR_UNKNOWN)
			abort();
	}
	free(s);
	return 0;
}
