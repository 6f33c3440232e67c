/* pinyin.c - lookups in the generated reading table (build/gen/pinyin.c, tools/pinyin.sh):
 * a binary search by code point; no state, no allocation. */
#include "pinyin.h"
#include <stddef.h>

struct pd_pinyin_char {
	uint32_t cp;
	uint16_t syl, more;
};

extern const char pd_pinyin_syllables[];
extern const uint16_t pd_pinyin_syl[];
extern const unsigned pd_pinyin_nsyl, pd_pinyin_nchars;
extern const struct pd_pinyin_char pd_pinyin_chars[];
extern const uint16_t pd_pinyin_more[];

static const char *syllable(uint16_t i)
{
	return pd_pinyin_syllables + pd_pinyin_syl[i];
}

static const struct pd_pinyin_char *find(uint32_t cp)
{
	size_t lo = 0, hi = pd_pinyin_nchars;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pd_pinyin_chars[mid].cp == cp)
			return &pd_pinyin_chars[mid];
		if (pd_pinyin_chars[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int pd_pinyin_readings(uint32_t cp, const char *out[PD_PINYIN_MAX])
{
	const struct pd_pinyin_char *c = cp >= 0x3000 ? find(cp) : NULL;
	if (!c)
		return 0;
	int n = 0;
	out[n++] = syllable(c->syl);
	for (unsigned m = c->more; m && pd_pinyin_more[m] != 0xffff && n < PD_PINYIN_MAX; m++)
		out[n++] = syllable(pd_pinyin_more[m]);
	return n;
}
