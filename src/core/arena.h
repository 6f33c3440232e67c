/* arena.h - a bump allocator: each request (and each CLI command) owns one, and everything
 * allocated from it is released at once by pd_arena_free.  Out of memory aborts: a service
 * that cannot allocate a few KiB cannot answer anyway. */
#ifndef PD_ARENA_H
#define PD_ARENA_H
#include <stddef.h>

struct pd_arena;

struct pd_arena *pd_arena_new(void);
void pd_arena_free(struct pd_arena *a);
/* As pd_arena_free, but the arena stays, empty, with its first chunk kept for the next user
 * (whose allocations are zeroed as from a new one). */
void pd_arena_reset(struct pd_arena *a);
void *pd_alloc(struct pd_arena *a, size_t n);          /* zeroed, 16-byte aligned */
char *pd_strdup(struct pd_arena *a, const char *s);     /* NULL stays NULL */
char *pd_strndup(struct pd_arena *a, const char *s, size_t n);
char *pd_printf(struct pd_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Calls fn(arg) when the arena is freed, before its memory goes (the last one deferred runs
 * first): for what a request holds outside its arena, however the request ends. */
void pd_arena_defer(struct pd_arena *a, void (*fn)(void *), void *arg);

#endif
