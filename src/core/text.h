/* text.h - Unicode text keys for search: NFC-normalised, case-folded UTF-8 (utf8proc), so
 * that "Müller", "MÜLLER" and a decomposed "Müller" share one key and CJK text passes
 * through unchanged.  The store indexes these keys; filters are folded the same way. */
#ifndef PD_TEXT_H
#define PD_TEXT_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"

/* The search key of s in the arena, or NULL if s is NULL or not valid UTF-8. */
char *pd_text_key(struct pd_arena *ar, const char *s);

/* Number of code points in s, or -1 if s is not valid UTF-8. */
long pd_utf8_len(const char *s);

/* Escapes %, _ and \ for a LIKE pattern with ESCAPE '\'. */
char *pd_like_escape(struct pd_arena *ar, const char *s);

#endif
