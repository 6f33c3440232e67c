/* uri.c - decoded paths and name=value lists of request lines and form bodies (uri.h). */
#include "uri.h"
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

const char *pd_uri_path(const char *raw, struct pd_arena *ar)
{
	if (raw && !strchr(raw, '%')) /* nothing to decode ('+' is a space only in queries) */
		return raw[0] == '/' ? pd_strdup(ar, raw) : NULL;
	size_t len = 0;
	char *dec = raw ? evhttp_uridecode(raw, 0, &len) : NULL;
	if (!dec)
		return NULL;
	const char *out = strlen(dec) == len && dec[0] == '/' ? pd_strndup(ar, dec, len) : NULL;
	free(dec);
	return out;
}

/* "%00" would decode to a NUL that silently cuts a value short ("size=5%00x" -> "5"). */
static bool has_nul(const char *s)
{
	for (; s && (s = strchr(s, '%')); s++)
		if (s[1] == '0' && s[2] == '0')
			return true;
	return false;
}

bool pd_uri_params(const char *text, struct evkeyvalq *out)
{
	if (!has_nul(text) && evhttp_parse_query_str(text ? text : "", out) == 0)
		return true;
	evhttp_clear_headers(out);
	return false;
}

const char *pd_uri_params_unknown(const struct evkeyvalq *q, const char *const *known)
{
	for (const struct evkeyval *kv = q->tqh_first; kv; kv = kv->next.tqe_next) {
		const char *const *k = known;
		while (*k && strcmp(*k, kv->key))
			k++;
		if (!*k)
			return kv->key;
	}
	return NULL;
}

const char *pd_uri_params_repeated(const struct evkeyvalq *q)
{
	for (const struct evkeyval *kv = q->tqh_first; kv; kv = kv->next.tqe_next)
		for (const struct evkeyval *o = kv->next.tqe_next; o; o = o->next.tqe_next)
			if (!strcmp(kv->key, o->key))
				return kv->key;
	return NULL;
}
