/* text.c - search keys and UTF-8 helpers over utf8proc. */
#include "text.h"
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

char *pd_text_key(struct pd_arena *ar, const char *s)
{
	utf8proc_uint8_t *out = NULL;
	if (!s)
		return NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
					  UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
						  UTF8PROC_CASEFOLD);
	if (n < 0)
		return NULL;
	char *r = pd_strndup(ar, (const char *)out, (size_t)n);
	free(out);
	return r;
}

long pd_utf8_len(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	long count = 0;
	utf8proc_int32_t cp;
	while (*p) {
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		if (k <= 0)
			return -1;
		p += k;
		count++;
	}
	return count;
}

char *pd_like_escape(struct pd_arena *ar, const char *s)
{
	size_t n = strlen(s);
	char *out = pd_alloc(ar, 2 * n + 1), *o = out;
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o = 0;
	return out;
}
