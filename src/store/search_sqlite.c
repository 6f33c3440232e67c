/* search_sqlite.c - SQLite's search index (driver.h search_put, search_drop, find): an
 * FTS5 trigram table customer_search beside customers (rowid (partner number << 40) | seq,
 * migration 0004) over each row's search text and its domain's first label, and the
 * substring lists it answers.  PostgreSQL's is search_pg.c. */
#include <stdint.h>
#include <string.h>
#include "driver.h"
#include "text.h"

/* A new row's entry, after giving the partner its number and noting the domain's suffix
 * (both once: INSERT OR IGNORE), queued with the transaction's others (search_queue.h); or,
 * after a rename, the entry's new search text. */
enum pd_err sqlite_search_put(struct store *st, const char *partner, const struct pd_customer *c,
			      const struct pd_name_forms *f, bool update)
{
	if (update)
		return drv_cmd(st, S_SEARCH_UPDATE, NULL, "itt", c->seq, f->search, partner);
	enum pd_err e = drv_cmd(st, S_PARTNER_NO_ADD, NULL, "t", partner);
	if (e == PD_OK)
		e = drv_cmd(st, S_SUFFIX_ADD, NULL, "t", c->domain);
	return e == PD_OK ? sqlite_search_add(st, c->seq, f->search, c->domain, partner) : e;
}

enum pd_err sqlite_search_drop(struct store *st, const char *partner, long long seq)
{
	return drv_cmd(st, S_DELETE_SEARCH, NULL, "it", seq, partner);
}

/* A quoted FTS5 term of the n bytes at v, inner quotes doubled, appended at o. */
static char *fts_term(char *o, const char *v, size_t n)
{
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			*o++ = '"';
		*o++ = v[i];
	}
	*o++ = '"';
	return o;
}

/* A quoted FTS5 phrase for a substring: "..." with inner quotes doubled. */
static char *fts_phrase(const char *v, struct pd_arena *ar)
{
	size_t n = strlen(v);
	char *out = pd_alloc(ar, 2 * n + 3);
	*fts_term(out, v, n) = 0;
	return out;
}

/* Code points from which a long substring is searched as an AND of trigrams (see
 * S_LIST_NAME_FTS_AND); shorter ones stay phrases (measured: 4-5 code points are cheaper as
 * a phrase, 15 are twice as expensive). */
#define FTS_AND_MIN 8

/* The byte offset of v's code point `cp` (counted from 0), or strlen(v) past its end. */
static size_t cp_offset(const char *v, long cp)
{
	size_t i = 0;
	for (; v[i] && cp > 0; cp--)
		do
			i++;
		while (((unsigned char)v[i] & 0xc0) == 0x80);
	return i;
}

/* The FTS5 AND of v's trigrams starting at code points a and b ("(\"abc\" AND \"xyz\")"),
 * or the one trigram when a == b. */
static char *fts_and(const char *v, long a, long b, struct pd_arena *ar)
{
	size_t a0 = cp_offset(v, a), a1 = cp_offset(v, a + 3), b0 = cp_offset(v, b), b1 = cp_offset(v, b + 3);
	char *out = pd_alloc(ar, 2 * (a1 - a0 + b1 - b0) + 16), *o = out;
	*o++ = '(';
	o = fts_term(o, v + a0, a1 - a0);
	if (b != a) {
		memcpy(o, " AND ", 5);
		o = fts_term(o + 5, v + b0, b1 - b0);
	}
	*o++ = ')';
	*o = 0;
	return out;
}

/* The FTS5 AND of v's first and last trigrams: every row holding v holds both, and the row's
 * own text decides (instr).  More trigrams cost more than they save: FTS5 seeks every term's
 * postings for each candidate, so a page for MÜLLER LOGISTIK over 500,000 names took 0.52 ms
 * in SQLite with its five non-overlapping trigrams and 0.33 ms with two (1,000,000-customer
 * bench store).  v has at least FTS_AND_MIN code points. */
static char *fts_trigrams(const char *v, struct pd_arena *ar)
{
	return fts_and(v, 0, pd_utf8_len(v) - 3, ar);
}

/* Whether t[0]'s trigram at code point at is in every other alternative. */
static bool trigram_shared(const char *const *t, int n, long at)
{
	size_t a0 = cp_offset(t[0], at), a1 = cp_offset(t[0], at + 3);
	for (int i = 1; i < n; i++)
		if (!memmem(t[i], strlen(t[i]), t[0] + a0, a1 - a0))
			return false;
	return true;
}

/* One AND of two trigrams that every alternative holds, when there are two that do not
 * overlap: the first and the last of t[0]'s.  A row holding any alternative holds both, so
 * this asks the index for no fewer rows than the OR of an AND per alternative; it asks it
 * once (the alternatives of a Latin value, "müller logistik" and its pinyin-keyboard form
 * "mvllerlogistik", share most trigrams, and the OR walked the postings of both ANDs).
 * NULL when no such pair exists. */
static char *fts_shared(const char *const *t, int n, struct pd_arena *ar)
{
	long len = pd_utf8_len(t[0]), a = 0, b = len - 3;
	while (a <= b && !trigram_shared(t, n, a))
		a++;
	while (b >= a + 3 && !trigram_shared(t, n, b))
		b--;
	return b >= a + 3 ? fts_and(t[0], a, b, ar) : NULL;
}

/* The partner's number in the search index (0004), 0 when it has no entry yet. */
static enum pd_err partner_no(struct store *st, const char *partner, long long *no)
{
	*no = 0;
	enum pd_err e = drv_one(st, S_PARTNER_NO, drv_read_num, no, NULL, "t", partner);
	return e == PD_ENOTFOUND ? PD_OK : e;
}

/* Whether the index can answer a domain substring: it holds only first labels (letters and
 * digits), so a value with any other character, or one found inside a stored suffix, is not. */
static enum pd_err domain_indexable(struct store *st, const char *v, bool *ok)
{
	long long one = 0;
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
			*ok = false;
			return PD_OK;
		}
	enum pd_err e = drv_one(st, S_SUFFIX_HAS, drv_read_num, &one, NULL, "t", v);
	*ok = e == PD_ENOTFOUND;
	return e == PD_ENOTFOUND ? PD_OK : e;
}

/* A CompanyName substring: the value's alternatives (search.h) as one FTS5 expression: for a
 * long one, the AND of two trigrams they all share (fts_shared), else an OR of a phrase each
 * (an AND of two trigrams for a long one); or the scan when one is shorter than a trigram.
 * *check: the alternatives joined, for the row's own text. */
static int name_substring(const char *key, const char **match, const char **check,
				   struct pd_arena *ar)
{
	const char *t[PD_SEARCH_TERMS];
	int n = pd_search_terms(ar, key, t);
	bool is_long = false;
	*check = pd_search_join(ar, t, n);
	for (int i = 0; i < n; i++) {
		long len = pd_utf8_len(t[i]);
		if (len < 3)
			return S_LIST_NAME_SCAN;
		is_long |= len >= FTS_AND_MIN;
	}
	if (is_long && n > 1 && (*match = fts_shared(t, n, ar)) != NULL)
		return S_LIST_NAME_FTS_AND;
	const char *expr = n > 1 ? "(" : "";
	for (int i = 0; i < n; i++)
		expr = pd_printf(ar, "%s%s%s", expr, i ? " OR " : "",
				 pd_utf8_len(t[i]) >= FTS_AND_MIN ? fts_trigrams(t[i], ar) : fts_phrase(t[i], ar));
	*match = n > 1 ? pd_printf(ar, "%s)", expr) : expr;
	return is_long ? S_LIST_NAME_FTS_AND : S_LIST_NAME_FTS;
}

/* Picks the statement for a substring query, its bound search value (?2) and check (?6). */
static enum pd_err list_stmt(struct store *st, const struct pd_query *q, int *id, const char **value,
			     const char **check, struct pd_arena *ar)
{
	bool indexable = pd_utf8_len(q->value ? q->value : "") >= 3;
	enum pd_err e = PD_OK;
	*value = *check = q->value;
	if (q->field == PD_FILTER_NAME) {
		*id = name_substring(q->value, value, check, ar);
	} else if (indexable && (e = domain_indexable(st, q->value, &indexable)) == PD_OK && indexable) {
		bool long_value = pd_utf8_len(q->value) >= FTS_AND_MIN; /* trigrams need 3 code points */
		*value = long_value ? fts_trigrams(q->value, ar) : fts_phrase(q->value, ar);
		*id = long_value ? S_LIST_DOMAIN_FTS_AND : S_LIST_DOMAIN_FTS;
	} else {
		*id = S_LIST_DOMAIN_SCAN;
	}
	if (*id == S_LIST_NAME_SCAN)
		*value = *check;
	return e;
}

enum pd_err sqlite_find(struct store *st, const char *partner, const struct pd_query *q,
			struct pd_customer **rows, size_t *n, struct pd_arena *ar)
{
	const char *value, *check;
	int id = S_LIST_DOMAIN_SCAN;
	long long no = 0;
	*n = 0;
	enum pd_err e = list_stmt(st, q, &id, &value, &check, ar);
	if (e == PD_OK && id != S_LIST_DOMAIN_SCAN)
		e = partner_no(st, partner, &no);
	if (e != PD_OK)
		return e;
	return drv_rows(st, id, sizeof **rows, q->size + 1, drv_read_customer, rows, n, ar, "ttinit", partner,
			value, q->has_after ? q->after_seq : 0, q->size + 1, no, check);
}
