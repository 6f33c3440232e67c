/* zhconv.c - one OpenCC converter for the process, opened on first use (t2s.json from
 * OpenCC's data directory) and kept until exit; conversions are serialised by a mutex, as
 * OpenCC does not promise that one converter may be used by several threads at once.
 * Names are short: a conversion takes microseconds. */
#include "zhconv.h"
#include <opencc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static opencc_t cc = (opencc_t)-1;

static void open_converter(void)
{
	cc = opencc_open("t2s.json");
	if (cc == (opencc_t)-1)
		fprintf(stderr, "zhconv: cannot load OpenCC's t2s.json (libopencc-data): %s\n", opencc_error());
}

/* Whether s has no code point from U+2E80 on (CJK radicals, ideographs, compatibility forms):
 * nothing for OpenCC to convert (Latin names, with or without accents). */
static bool no_cjk(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0xf0 || (*p >= 0xe3 && *p <= 0xef) || (*p == 0xe2 && p[1] >= 0xba))
			return false;
	return true;
}

char *pd_zh_simplified(struct pd_arena *ar, const char *s)
{
	if (!s)
		return NULL;
	if (no_cjk(s))
		return pd_strdup(ar, s);
	pthread_once(&once, open_converter);
	if (cc == (opencc_t)-1)
		return NULL;
	pthread_mutex_lock(&lock);
	char *out = opencc_convert_utf8(cc, s, strlen(s));
	pthread_mutex_unlock(&lock);
	char *r = out ? pd_strdup(ar, out) : NULL;
	opencc_convert_utf8_free(out);
	return r;
}
