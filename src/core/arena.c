/* arena.c - chunked bump allocation, and calls deferred to its end.  Chunks grow
 * geometrically; big requests get a chunk of their own.  Not thread-safe: an arena belongs
 * to one request on one thread at a time. */
#include "arena.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

struct defer {
	struct defer *next;
	void (*fn)(void *);
	void *arg;
};

struct pd_arena {
	struct chunk *head;
	size_t next_size;
	struct defer *defers;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		abort();
	return p;
}

struct pd_arena *pd_arena_new(void)
{
	struct pd_arena *a = xmalloc(sizeof *a);
	a->head = NULL;
	a->next_size = 4096;
	a->defers = NULL;
	return a;
}

void pd_arena_free(struct pd_arena *a)
{
	if (!a)
		return;
	for (struct defer *d = a->defers; d; d = d->next)
		d->fn(d->arg);
	for (struct chunk *c = a->head, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(a);
}

void pd_arena_reset(struct pd_arena *a)
{
	for (struct defer *d = a->defers; d; d = d->next)
		d->fn(d->arg);
	a->defers = NULL;
	struct chunk *first = NULL;
	for (struct chunk *c = a->head, *n; c; c = n) {
		n = c->next;
		if (!n && c->size == 4096) /* the first chunk: kept */
			first = c;
		else
			free(c);
	}
	a->head = first;
	a->next_size = 4096;
	if (first) {
		first->used = 0;
		a->next_size = 8192; /* as after its first chunk */
	}
}

static struct chunk *grow(struct pd_arena *a, size_t need)
{
	size_t size = a->next_size > need ? a->next_size : need;
	struct chunk *c = xmalloc(sizeof *c + size);
	c->size = size;
	c->used = 0;
	c->next = a->head;
	a->head = c;
	if (a->next_size < (1u << 20))
		a->next_size *= 2;
	return c;
}

void *pd_alloc(struct pd_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct chunk *c = a->head;
	if (!c || c->size - c->used < n)
		c = grow(a, n);
	void *p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *pd_strndup(struct pd_arena *a, const char *s, size_t n)
{
	char *p = pd_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *pd_strdup(struct pd_arena *a, const char *s)
{
	return s ? pd_strndup(a, s, strlen(s)) : NULL;
}

char *pd_printf(struct pd_arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = pd_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void pd_arena_defer(struct pd_arena *a, void (*fn)(void *), void *arg)
{
	struct defer *d = pd_alloc(a, sizeof *d);
	d->fn = fn;
	d->arg = arg;
	d->next = a->defers;
	a->defers = d;
}
