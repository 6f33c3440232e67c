/* search.h - how company names are searched and compared, as Chinese users type them: the
 * name key (full-width folded, case folded, Simplified), the text the substring index holds
 * (the key and the name's pinyin: syllables, initials, other readings), the alternatives a
 * typed value is looked up as, and the normalised name duplicates are found by.
 * Pure functions over utf8proc, pinyin.h and zhconv.h; the stores call them. */
#ifndef PD_SEARCH_H
#define PD_SEARCH_H
#include <stdbool.h>
#include "arena.h"

/* Separates the parts of a search text (and the terms passed to pd_search_contains); never
 * part of a key, so no substring match spans two parts. */
#define PD_SEARCH_SEP '\x1f'
/* Marks each two adjacent Han characters in the pair part, so that a two-character value is a
 * three-character term the trigram index can answer ("\x1e台湾"). */
#define PD_SEARCH_PAIR '\x1e'
#define PD_SEARCH_TERMS 3 /* alternatives of one value, at most */

/* The key of a company name: NFKC (（北京） -> (北京), ｂｊ -> bj), case folded, Traditional
 * characters made Simplified (臺灣 -> 台湾).  Prefix search, sort order and substring search
 * compare keys.  NULL for NULL or invalid UTF-8, or when OpenCC cannot be loaded. */
char *pd_name_key(struct pd_arena *ar, const char *name);

/* What the substring index holds for a name: its key, then - when it has Han characters -
 * its pinyin with the customary readings joined ("beijingyunduan..."), their initials
 * ("bjyd..."), and for each polyphonic character each other reading within a window of
 * three characters either side ("chongqingyunduan", "cqyd"), parts separated by
 * PD_SEARCH_SEP.  The pinyin parts read the name as pd_dup_key does: without spaces,
 * punctuation and the legal form (有限公司 would make every name match "xian"); Latin letters
 * and digits stay.  Last, the pair part: PD_SEARCH_PAIR before each two adjacent Han
 * characters of the key.  NULL as pd_name_key. */
char *pd_search_text(struct pd_arena *ar, const char *name);

/* The alternatives a CompanyName substring value is searched as, given its key (a
 * pd_name_key): the key itself - for exactly two Han characters, PD_SEARCH_PAIR and the two,
 * which the trigram index can look up (the key holds them iff the pair part holds that);
 * and when the value holds Latin letters and looks like pinyin being typed (only Han
 * characters, letters, digits, spaces and ' - ·; "_b" or "50%" keep their literal meaning),
 * the value without spaces, apostrophes and tones ("beijing yunduan", "xi'an", "běijīng"),
 * its Han characters read as syllables ("北京yunduan" -> "beijingyunduan") and as initials
 * ("北京yd" -> "bjyd").  Distinct, non-empty; returns how many (1 to PD_SEARCH_TERMS). */
int pd_search_terms(struct pd_arena *ar, const char *key, const char *terms[PD_SEARCH_TERMS]);

/* The terms joined by PD_SEARCH_SEP (for pd_search_contains). */
char *pd_search_join(struct pd_arena *ar, const char *const *terms, int n);

/* Whether text contains any of the PD_SEARCH_SEP-separated terms in `joined`. */
bool pd_search_contains(const char *text, const char *joined);

/* The normalised name a possible duplicate is found by: the key without spaces and
 * punctuation and without its legal form at the end (有限公司, 有限责任公司, 股份有限公司,
 * 公司, Co., Ltd., Limited, Inc., Corp., GmbH, LLC, AG, ...), so that "云端科技有限公司",
 * "雲端科技股份有限公司" and "云端科技" are one name.  A name that is only a legal form keeps
 * it.  NULL as pd_name_key. */
char *pd_dup_key(struct pd_arena *ar, const char *name);

/* All three forms of a name, the key computed once (a store writes them together); false as
 * pd_name_key's NULL. */
struct pd_name_forms {
	const char *key, *search, *dup;
};
bool pd_name_forms(struct pd_arena *ar, const char *name, struct pd_name_forms *f);

#endif
