/* jsonw.h - a growable byte buffer that carries its length (struct pd_buf) and a compact JSON
 * writer over it, for the hot paths that answer with many objects (customer GET and lists)
 * and for the stored form of billing profiles.  Its bytes equal jansson's
 * json_dumps(..., JSON_COMPACT) of the same object built in the same order: strings escape
 * `"` `\` and control characters as jansson does (\b \f \n \r \t, else \u00XX upper case),
 * everything else, UTF-8 included, is copied.  Commas are placed by looking at the last byte
 * written, so callers only open, name and close.  Out of memory aborts, as the arena does. */
#ifndef PD_JSONW_H
#define PD_JSONW_H
#include <stddef.h>
#include <string.h>

struct pd_buf {
	char *p;           /* malloc'd; NUL-terminated after every call */
	size_t len, cap;
};

void pd_buf_init(struct pd_buf *b, size_t cap);
void pd_buf_free(struct pd_buf *b);
/* Gives the bytes away (the caller frees them with free()); b is empty afterwards. */
char *pd_buf_take(struct pd_buf *b, size_t *len);
/* Room for `need` more bytes and the NUL (out of line: the rare case of pd_buf_reserve). */
void pd_buf_grow(struct pd_buf *b, size_t need);
static inline void pd_buf_reserve(struct pd_buf *b, size_t need)
{
	if (b->len + need + 1 > b->cap)
		pd_buf_grow(b, need);
}
/* Inline: the writers add many short pieces, most of them literals of a constant length. */
static inline void pd_buf_add(struct pd_buf *b, const char *s, size_t n)
{
	pd_buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}
static inline void pd_buf_lit(struct pd_buf *b, const char *s) /* strlen(s) bytes */
{
	pd_buf_add(b, s, __builtin_strlen(s));
}
/* Appends a copy of the n bytes the buffer holds at offset `off` (off + n <= b->len). */
void pd_buf_add_own(struct pd_buf *b, size_t off, size_t n);

/* JSON values.  A member or array element gets its comma from pd_jw_key / pd_jw_next. */
void pd_jw_open(struct pd_buf *b);            /* '{' (after a comma if one is needed) */
void pd_jw_close(struct pd_buf *b);           /* '}' */
void pd_jw_key_n(struct pd_buf *b, const char *k, size_t n); /* [,]"k": (k as is: ASCII names) */
static inline void pd_jw_key(struct pd_buf *b, const char *k)
{
	pd_jw_key_n(b, k, __builtin_strlen(k)); /* a constant for literal names */
}
void pd_jw_str(struct pd_buf *b, const char *s); /* "s" escaped */
void pd_jw_int(struct pd_buf *b, long long v);
/* "k":"v", or nothing when v is NULL (as jansson drops a member whose value is NULL). */
void pd_jw_kstr_n(struct pd_buf *b, const char *k, size_t kn, const char *v);
static inline void pd_jw_kstr(struct pd_buf *b, const char *k, const char *v)
{
	pd_jw_kstr_n(b, k, __builtin_strlen(k), v);
}
/* A comma before an array element unless the array was just opened. */
void pd_jw_next(struct pd_buf *b);

#endif
