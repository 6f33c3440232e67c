/* text.h - Unicode text keys for search: NFC-normalised, case-folded UTF-8 (utf8proc), so
 * that "Müller", "MÜLLER" and a decomposed "Müller" share one key and CJK text passes
 * through unchanged.  The store indexes these keys; filters are folded the same way.  And
 * the one rule for text people read (names, addresses): no bidirectional controls. */
#ifndef PD_TEXT_H
#define PD_TEXT_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "err.h"

/* The search key of s in the arena, or NULL if s is NULL or not valid UTF-8. */
char *pd_text_key(struct pd_arena *ar, const char *s);

/* Number of code points in s, or -1 if s is not valid UTF-8. */
long pd_utf8_len(const char *s);

/* The first bidirectional control character in s, as "U+202E" (a static string), or NULL
 * (also for NULL s).  Invisible, they change the order text is shown in: an override makes
 * "\u202Egnp.exe" show as "exe.png".  Names and addresses refuse them: U+202A-U+202E
 * (embeddings and overrides), U+2066-U+2069 (isolates), U+200E, U+200F and U+061C (the
 * marks, which can move digits and punctuation as well).  Invalid UTF-8 is skipped over,
 * byte by byte: checking it is pd_utf8_len's business. */
const char *pd_text_bidi(const char *s);

/* The rule as a validation: adds a 400 error (PD_MSG_BIDI) naming `field` and returns false
 * when s holds a bidirectional control; true otherwise. */
bool pd_text_check_bidi(struct pd_verrs *errs, const char *field, const char *s);

/* Escapes %, _ and \ for a LIKE pattern with ESCAPE '\'. */
char *pd_like_escape(struct pd_arena *ar, const char *s);

#endif
