/* jsonw.c - the length-carrying buffer and the compact JSON writer of jsonw.h.  The escaping
 * table mirrors jansson's dump.c so that a document written here and one dumped by jansson
 * are the same bytes (tests/unit/test_jsonw.c and test_model.c compare them). */
#include "jsonw.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pd_buf_grow(struct pd_buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		abort();
	b->p = p;
	b->cap = cap;
}

void pd_buf_init(struct pd_buf *b, size_t cap)
{
	b->p = NULL;
	b->len = b->cap = 0;
	pd_buf_reserve(b, cap);
	b->p[0] = 0;
}

void pd_buf_free(struct pd_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *pd_buf_take(struct pd_buf *b, size_t *len)
{
	char *p = b->p;
	*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void pd_buf_add_own(struct pd_buf *b, size_t off, size_t n)
{
	pd_buf_reserve(b, n); /* may move the bytes: copy from the offset afterwards */
	memcpy(b->p + b->len, b->p + off, n);
	b->len += n;
	b->p[b->len] = 0;
}

/* Whether a value written now needs a comma before it. */
static inline bool needs_comma(const struct pd_buf *b)
{
	char last = b->len ? b->p[b->len - 1] : '{';
	return last != '{' && last != '[' && last != ':' && last != ',';
}

static inline void comma(struct pd_buf *b)
{
	if (needs_comma(b))
		pd_buf_add(b, ",", 1);
}

void pd_jw_open(struct pd_buf *b)
{
	comma(b);
	pd_buf_add(b, "{", 1);
}

void pd_jw_close(struct pd_buf *b)
{
	pd_buf_add(b, "}", 1);
}

void pd_jw_next(struct pd_buf *b)
{
	comma(b);
}

/* [,]"k": at o, which has room for it; returns the end. */
static inline char *put_key(char *o, bool with_comma, const char *k, size_t n)
{
	*o = ',';
	o += with_comma;
	*o++ = '"';
	memcpy(o, k, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	return o;
}

void pd_jw_key_n(struct pd_buf *b, const char *k, size_t n)
{
	bool c = needs_comma(b);
	pd_buf_reserve(b, n + 4);
	b->len = (size_t)(put_key(b->p + b->len, c, k, n) - b->p);
	b->p[b->len] = 0;
}

/* Writes the escape of byte c (one that must not be copied) at o; returns the end. */
static char *escape(unsigned char c, char *o)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *two = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
			: c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
	if (two) {
		memcpy(o, two, 2);
		return o + 2;
	}
	memcpy(o, "\\u00", 4);
	o[4] = hex[c >> 4];
	o[5] = hex[c & 15];
	return o + 6;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Whether any of the eight bytes may need an escape: below 0x20, '"' or '\\' (the usual
 * has-zero-byte test; a false alarm only sends the eight bytes down the byte path). */
static inline bool may_escape(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), bs = v ^ (ONES * '\\');
	return (((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) | ((bs - ONES) & ~bs)) & HIGHS;
}

/* "s" (n bytes) escaped at o, which has room for 6 * n + 2 bytes; returns the end. */
static char *put_str(char *o, const char *s, size_t n)
{
	*o++ = '"';
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (end - p >= 8) { /* eight bytes at a time while none needs an escape */
		uint64_t v;
		memcpy(&v, p, 8);
		if (may_escape(v))
			break;
		memcpy(o, p, 8);
		o += 8, p += 8;
	}
	for (; p < end; p++) {
		if (__builtin_expect(*p >= 0x20 && *p != '"' && *p != '\\', 1))
			*o++ = (char)*p;
		else
			o = escape(*p, o);
	}
	*o++ = '"';
	return o;
}

void pd_jw_str(struct pd_buf *b, const char *s)
{
	size_t n = strlen(s);
	pd_buf_reserve(b, 6 * n + 2); /* the longest escape is six bytes */
	b->len = (size_t)(put_str(b->p + b->len, s, n) - b->p);
	b->p[b->len] = 0;
}

void pd_jw_int(struct pd_buf *b, long long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%lld", v);
	pd_buf_add(b, tmp, (size_t)n);
}

/* One reservation for the comma, the name and the escaped value. */
void pd_jw_kstr_n(struct pd_buf *b, const char *k, size_t kn, const char *v)
{
	if (!v)
		return;
	size_t n = strlen(v);
	bool c = needs_comma(b);
	pd_buf_reserve(b, kn + 4 + 6 * n + 2);
	char *o = put_key(b->p + b->len, c, k, kn);
	b->len = (size_t)(put_str(o, v, n) - b->p);
	b->p[b->len] = 0;
}
