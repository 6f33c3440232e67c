/* uri.c - decoded paths and name=value lists of request lines and form bodies (uri.h). */
#include "uri.h"
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

const char *pd_uri_path(const char *raw, struct pd_arena *ar)
{
	size_t len = 0;
	char *dec = raw ? evhttp_uridecode(raw, 0, &len) : NULL;
	if (!dec)
		return NULL;
	const char *out = strlen(dec) == len && dec[0] == '/' ? pd_strndup(ar, dec, len) : NULL;
	free(dec);
	return out;
}

bool pd_uri_params(const char *text, struct evkeyvalq *out)
{
	if (evhttp_parse_query_str(text ? text : "", out) == 0)
		return true;
	evhttp_clear_headers(out);
	return false;
}
