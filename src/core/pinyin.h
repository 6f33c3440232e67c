/* pinyin.h - the Mandarin readings of Han characters, from the table tools/pinyin.sh makes
 * out of Unihan (unicode-data) at build time: toneless, lower-case, ü written v, the
 * customary reading first (kMandarin), then the other modern ones (kXHC1983, kTGHZ2013). */
#ifndef PD_PINYIN_H
#define PD_PINYIN_H
#include <stdint.h>

#define PD_PINYIN_MAX 4 /* readings of one character, at most */

/* The readings of code point cp into out (static strings), customary first; their number,
 * 0 when cp is not a Han character Unihan gives a Mandarin reading. */
int pd_pinyin_readings(uint32_t cp, const char *out[PD_PINYIN_MAX]);

#endif
