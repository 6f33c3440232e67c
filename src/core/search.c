/* search.c - name keys, search texts, query alternatives and duplicate keys (search.h):
 * utf8proc for NFKC and case folding, zhconv.c for Simplified characters, pinyin.c for the
 * readings.  Everything in the caller's arena; no state. */
#include "search.h"
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "pinyin.h"
#include "zhconv.h"

#define WINDOW 3   /* characters either side of a polyphonic one in its other readings */
#define MAX_ALTS 8 /* other-reading parts of one search text, at most */
#define SYL_MAX 6  /* the longest syllable ("zhuang", "chuang", "shuang") */

char *pd_name_key(struct pd_arena *ar, const char *name)
{
	utf8proc_uint8_t *out = NULL;
	if (!name)
		return NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)name, 0, &out,
					  UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
						  UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
	if (n < 0)
		return NULL;
	for (utf8proc_ssize_t i = 0; i < n; i++) /* the separators are never part of a key */
		if (out[i] == (utf8proc_uint8_t)PD_SEARCH_SEP || out[i] == (utf8proc_uint8_t)PD_SEARCH_PAIR)
			out[i] = ' ';
	char *r = pd_zh_simplified(ar, (const char *)out);
	free(out);
	return r;
}

/* One character as pinyin sees it: a Han character's readings, or a Latin letter or digit
 * (tones and other marks dropped, ü as v), or nothing (spaces, punctuation, other scripts). */
struct unit {
	const char *r[PD_PINYIN_MAX];
	int n;
	bool han;
	char latin[2];
};

/* The Latin base letter of cp (ā -> a, ü ǖ ǘ ǚ ǜ -> v, as pinyin keyboards type it), or 0. */
static char latin_of(utf8proc_int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ? (char)cp
		       : cp >= 'A' && cp <= 'Z' ? (char)(cp - 'A' + 'a') : 0;
	if (cp == 0xfc || cp == 0xdc || (cp >= 0x1d5 && cp <= 0x1dc))
		return 'v';
	utf8proc_int32_t d[4];
	int last = 0;
	utf8proc_ssize_t n = utf8proc_decompose_char(cp, d, 4, UTF8PROC_DECOMPOSE, &last);
	return n > 1 && n <= 4 && d[0] < 0x80 ? latin_of(d[0]) : 0;
}

/* The units of key (valid UTF-8) into u (room for strlen(key) of them); their number. */
static int units_of(const char *key, struct unit *u)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)key;
	utf8proc_int32_t cp;
	int n = 0;
	while (*p) {
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		if (k <= 0)
			break;
		p += k;
		struct unit *x = &u[n];
		memset(x, 0, sizeof *x);
		if ((x->n = pd_pinyin_readings((uint32_t)cp, x->r)) > 0) {
			x->han = true;
		} else if ((x->latin[0] = latin_of(cp)) != 0) {
			x->r[0] = x->latin;
			x->n = 1;
		} else {
			continue;
		}
		n++;
	}
	return n;
}

/* Appends units [from, to) at o: each unit's customary reading (initials: a Han unit's
 * first letter), except unit `alt`, read as its reading `j`. */
static char *put_form(char *o, const struct unit *u, int from, int to, bool initials, int alt, int j)
{
	for (int i = from; i < to; i++) {
		const char *r = u[i].r[i == alt ? j : 0];
		size_t n = initials && u[i].han ? 1 : strlen(r);
		memcpy(o, r, n);
		o += n;
	}
	return o;
}

/* The other readings of polyphonic units, each within its window, appended at o. */
static char *put_alternates(char *o, const struct unit *u, int n)
{
	int alts = 0;
	for (int i = 0; i < n && alts < MAX_ALTS; i++)
		for (int j = 1; j < u[i].n && alts < MAX_ALTS; j++) {
			int from = i > WINDOW ? i - WINDOW : 0, to = i + WINDOW + 1 < n ? i + WINDOW + 1 : n;
			*o++ = PD_SEARCH_SEP;
			o = put_form(o, u, from, to, false, i, j);
			alts++;
			if (u[i].r[j][0] != u[i].r[0][0] && alts < MAX_ALTS) {
				*o++ = PD_SEARCH_SEP;
				o = put_form(o, u, from, to, true, i, j);
				alts++;
			}
		}
	return o;
}

static bool any_han(const struct unit *u, int n)
{
	for (int i = 0; i < n; i++)
		if (u[i].han)
			return true;
	return false;
}

/* The characters of the legal forms (股份有限公司, 有限责任公司): nearly every name has them, so
 * a pair holding one is left out of the pair part (a fifth of a search text) and a value
 * holding one is scanned for instead, which fills a page at once when it is that common. */
static const char legal_chars[] = "股份有限责任公司";

/* Whether the UTF-8 character at p is a Han character with a reading that no legal form has;
 * its length in *k. */
static bool han_at(const char *p, utf8proc_ssize_t *k)
{
	const char *r[PD_PINYIN_MAX];
	utf8proc_int32_t cp;
	*k = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
	if (*k <= 0 || pd_pinyin_readings((uint32_t)cp, r) == 0)
		return false;
	for (const char *l = legal_chars; *l; l += 3) /* three bytes each */
		if (*k == 3 && !memcmp(p, l, 3))
			return false;
	return true;
}

/* Appends the pair part, when key has one: PD_SEARCH_PAIR before each two adjacent Han
 * characters but those of legal forms ("\x1e北京\x1e京云\x1e云端\x1e端科\x1e科技"). */
static char *put_pairs(char *o, const char *key)
{
	utf8proc_ssize_t a, b;
	bool any = false;
	for (const char *p = key; *p; p += a > 0 ? a : 1)
		if (han_at(p, &a) && han_at(p + a, &b)) {
			if (!any)
				*o++ = PD_SEARCH_SEP;
			any = true;
			*o++ = PD_SEARCH_PAIR;
			memcpy(o, p, (size_t)(a + b));
			o += a + b;
		}
	return o;
}

/* The search text of key; its pinyin parts read `words` (the key without punctuation and
 * legal form: nobody types "youxiangongsi", and every 有限公司 would match "xian"). */
static char *search_text_of(struct pd_arena *ar, char *key, const char *words)
{
	size_t klen = strlen(key);
	struct unit *u = pd_alloc(ar, sizeof *u * (strlen(words) + 1));
	int n = units_of(words, u);
	char *out = pd_alloc(ar, 4 * klen + 8 + (size_t)n * (SYL_MAX + 1) * 2
				      + MAX_ALTS * ((2 * WINDOW + 1) * SYL_MAX + 1)), *o = out;
	memcpy(o, key, klen);
	o += klen;
	if (any_han(u, n)) { /* "Contoso 有限公司" has pairs, and no pinyin worth typing */
		*o++ = PD_SEARCH_SEP;
		o = put_form(o, u, 0, n, false, -1, 0);
		*o++ = PD_SEARCH_SEP;
		o = put_form(o, u, 0, n, true, -1, 0);
		o = put_alternates(o, u, n);
	}
	o = put_pairs(o, key);
	*o = 0;
	return out;
}

static char *dup_key_of(struct pd_arena *ar, const char *key);

char *pd_search_text(struct pd_arena *ar, const char *name)
{
	char *key = pd_name_key(ar, name);
	return key ? search_text_of(ar, key, dup_key_of(ar, key)) : NULL;
}

static int add_term(const char *terms[PD_SEARCH_TERMS], int n, const char *t)
{
	if (!*t || n >= PD_SEARCH_TERMS)
		return n;
	for (int i = 0; i < n; i++)
		if (!strcmp(terms[i], t))
			return n;
	terms[n] = t;
	return n + 1;
}

/* Whether key looks like pinyin being typed: Han characters, Latin letters (tones too),
 * digits, spaces and the separators people type between syllables (xi'an, xi-an).  Anything
 * else (_ % * " ...) keeps a value to its literal meaning. */
static bool pinyin_like(const char *key)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)key;
	const char *r[PD_PINYIN_MAX];
	utf8proc_int32_t cp;
	while (*p) {
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		if (k <= 0)
			return false;
		p += k;
		if (cp == ' ' || cp == '\'' || cp == 0x2019 || cp == '-' || cp == 0xb7)
			continue;
		if (!latin_of(cp) && !pd_pinyin_readings((uint32_t)cp, r))
			return false;
	}
	return true;
}

/* Whether key is exactly two Han characters (looked up in the pair part), neither of a legal
 * form. */
static bool han_pair(const char *key)
{
	utf8proc_ssize_t a, b;
	return han_at(key, &a) && han_at(key + a, &b) && !key[a + b];
}

int pd_search_terms(struct pd_arena *ar, const char *key, const char *terms[PD_SEARCH_TERMS])
{
	if (han_pair(key)) {
		terms[0] = pd_printf(ar, "%c%s", PD_SEARCH_PAIR, key);
		return 1;
	}
	if (!pinyin_like(key)) {
		terms[0] = key;
		return 1;
	}
	size_t klen = strlen(key);
	struct unit *u = pd_alloc(ar, sizeof *u * (klen + 1));
	int n = units_of(key, u), count = 0;
	bool latin = false;
	terms[count++] = key;
	for (int i = 0; i < n; i++)
		latin |= !u[i].han && u[i].latin[0] >= 'a';
	if (!latin)
		return count;
	char *full = pd_alloc(ar, (size_t)n * SYL_MAX + 1), *initials = pd_alloc(ar, (size_t)n * SYL_MAX + 1);
	*put_form(full, u, 0, n, false, -1, 0) = 0;
	*put_form(initials, u, 0, n, true, -1, 0) = 0;
	count = add_term(terms, count, full);
	return add_term(terms, count, initials);
}

char *pd_search_join(struct pd_arena *ar, const char *const *terms, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(terms[i]) + 1;
	char *out = pd_alloc(ar, len), *o = out;
	for (int i = 0; i < n; i++) {
		if (i)
			*o++ = PD_SEARCH_SEP;
		size_t k = strlen(terms[i]);
		memcpy(o, terms[i], k);
		o += k;
	}
	*o = 0;
	return out;
}

bool pd_search_contains(const char *text, const char *joined)
{
	size_t len = text ? strlen(text) : 0;
	while (text && joined && *joined) {
		const char *end = strchr(joined, PD_SEARCH_SEP);
		size_t n = end ? (size_t)(end - joined) : strlen(joined);
		if (n > 0 && memmem(text, len, joined, n))
			return true;
		joined += n + (end ? 1 : 0);
	}
	return false;
}

/* ---- duplicate keys ---- */

static const char *const latin_forms[] = {"co", "ltd", "limited", "inc", "incorporated", "corp", "corporation",
					  "company", "gmbh", "llc", "llp", "plc", "ag", "kg", "ug",
					  "haftungsbeschränkt", "sa", "bv", "pty"};
static const char *const cjk_forms[] = {"股份有限公司", "有限责任公司", "有限公司", "公司"};

static bool word_char(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

/* The words (runs of letters, marks and digits) of key into w (room for strlen(key)). */
static int words_of(struct pd_arena *ar, const char *key, char **w)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)key, *start = NULL;
	utf8proc_int32_t cp;
	int n = 0;
	for (;;) {
		utf8proc_ssize_t k = *p ? utf8proc_iterate(p, -1, &cp) : 0;
		bool in = k > 0 && word_char(cp);
		if (in && !start)
			start = p;
		if (!in && start) {
			w[n++] = pd_strndup(ar, (const char *)start, (size_t)(p - start));
			start = NULL;
		}
		if (k <= 0)
			return n;
		p += k;
	}
}

/* Drops or shortens the last word when it is (or ends in) a legal form; false when none. */
static bool strip_form(char **w, int *n)
{
	char *last = w[*n - 1];
	for (size_t i = 0; i < sizeof latin_forms / sizeof *latin_forms; i++)
		if (*n > 1 && !strcmp(last, latin_forms[i])) {
			(*n)--;
			return true;
		}
	size_t len = strlen(last);
	for (size_t i = 0; i < sizeof cjk_forms / sizeof *cjk_forms; i++) {
		size_t f = strlen(cjk_forms[i]);
		if (len < f || strcmp(last + len - f, cjk_forms[i]))
			continue;
		if (len > f)
			last[len - f] = 0;
		else if (*n > 1)
			(*n)--;
		else
			return false;
		return true;
	}
	return false;
}

static char *dup_key_of(struct pd_arena *ar, const char *key)
{
	char **w = pd_alloc(ar, sizeof *w * (strlen(key) + 1));
	int n = words_of(ar, key, w);
	while (n > 0 && strip_form(w, &n))
		;
	char *out = pd_alloc(ar, strlen(key) + 1);
	for (int i = 0; i < n; i++)
		strcat(out, w[i]);
	return out;
}

char *pd_dup_key(struct pd_arena *ar, const char *name)
{
	char *key = pd_name_key(ar, name);
	return key ? dup_key_of(ar, key) : NULL;
}

bool pd_name_forms(struct pd_arena *ar, const char *name, struct pd_name_forms *f)
{
	char *key = pd_name_key(ar, name);
	if (!key)
		return false;
	f->key = key;
	f->dup = dup_key_of(ar, key);
	f->search = search_text_of(ar, key, f->dup);
	return true;
}
