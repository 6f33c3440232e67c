/* text.c - search keys, UTF-8 helpers and the bidirectional-control rule, over utf8proc. */
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

static const char *bidi_name(utf8proc_int32_t cp)
{
	static const char *const embed[] = {"U+202A", "U+202B", "U+202C", "U+202D", "U+202E"};
	static const char *const isolate[] = {"U+2066", "U+2067", "U+2068", "U+2069"};
	if (cp >= 0x202a && cp <= 0x202e)
		return embed[cp - 0x202a];
	if (cp >= 0x2066 && cp <= 0x2069)
		return isolate[cp - 0x2066];
	return cp == 0x200e ? "U+200E" : cp == 0x200f ? "U+200F" : cp == 0x061c ? "U+061C" : NULL;
}

const char *pd_text_bidi(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	while (p && *p) {
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		const char *name = k > 0 ? bidi_name(cp) : NULL;
		if (name)
			return name;
		p += k > 0 ? k : 1;
	}
	return NULL;
}

bool pd_text_check_bidi(struct pd_verrs *errs, const char *field, const char *s)
{
	const char *name = pd_text_bidi(s);
	if (name)
		pd_verr_add(errs, 3000, field, PD_MSG_BIDI, name);
	return !name;
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
