/* fuzz_uri.c - a request target as a client sends it ("/v1/customers/%41?size=5"): parsed by
 * libevent as the server's connection does, then the path decoded and the query split
 * (http/uri.c), then the request run through the router and a handler. */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <sys/queue.h>
#include "harness.h"
#include "request.h"
#include "uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fz_cstr(data, n);
	struct evhttp_uri *u = evhttp_uri_parse_with_flags(s, EVHTTP_URI_NONCONFORMANT);
	if (u) {
		struct pd_arena *ar = pd_arena_new();
		struct evkeyvalq q;
		TAILQ_INIT(&q);
		pd_uri_path(evhttp_uri_get_path(u), ar);
		pd_uri_params(evhttp_uri_get_query(u), &q);
		evhttp_clear_headers(&q);
		pd_arena_free(ar);
		evhttp_uri_free(u);
		fz_request(PD_GET, s, (const uint8_t *)"", 0, FZ_END);
	}
	free(s);
	return 0;
}
