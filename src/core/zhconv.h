/* zhconv.h - Traditional to Simplified Chinese (OpenCC's t2s: phrases, then characters), so
 * that 臺灣 and 台湾, 廣州 and 广州 share one search key.  Text without Traditional characters
 * passes through unchanged. */
#ifndef PD_ZHCONV_H
#define PD_ZHCONV_H
#include "arena.h"

/* s in Simplified characters, in the arena; NULL for NULL s or when OpenCC's data cannot be
 * loaded (Debian: libopencc-data), which is also reported once on stderr. */
char *pd_zh_simplified(struct pd_arena *ar, const char *s);

#endif
