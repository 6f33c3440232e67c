/* search_queue.c - SQLite's new search-index entries of one write transaction, inserted
 * together (see search_queue.h). */
#include "search_queue.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonw.h"

static void entry_free(struct search_entry *e)
{
	free(e->search);
	free(e->domain);
	free(e->partner);
}

/* Drops e[n..q->n). */
static void truncate_to(struct search_queue *q, size_t n)
{
	while (q->n > n)
		entry_free(&q->e[--q->n]);
}

void search_queue_clear(struct search_queue *q)
{
	truncate_to(q, 0);
	free(q->e);
	*q = (struct search_queue){0};
}

enum pd_err search_queue_add(struct search_queue *q, long long seq, const char *search, const char *domain,
			     const char *partner)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		struct search_entry *e = realloc(q->e, cap * sizeof *e);
		if (!e)
			return PD_ENOMEM;
		q->e = e, q->cap = cap;
	}
	struct search_entry *e = &q->e[q->n];
	*e = (struct search_entry){seq, strdup(search ? search : ""), strdup(domain ? domain : ""),
				   strdup(partner ? partner : "")};
	if (!e->search || !e->domain || !e->partner) {
		entry_free(e);
		return PD_ENOMEM;
	}
	q->n++;
	return PD_OK;
}

bool search_queue_pending(const struct search_queue *q)
{
	return q->done < q->n;
}

/* [[seq, "search text", "domain", "partner"], ...] of the entries not inserted yet. */
static void entries_json(const struct search_queue *q, struct pd_buf *b)
{
	pd_buf_lit(b, "[");
	for (size_t i = q->done; i < q->n; i++) {
		pd_jw_next(b);
		pd_buf_lit(b, "[");
		pd_jw_int(b, q->e[i].seq);
		pd_buf_lit(b, ",");
		pd_jw_str(b, q->e[i].search);
		pd_buf_lit(b, ",");
		pd_jw_str(b, q->e[i].domain);
		pd_buf_lit(b, ",");
		pd_jw_str(b, q->e[i].partner);
		pd_buf_lit(b, "]");
	}
	pd_buf_lit(b, "]");
}

enum pd_err search_queue_flush(struct search_queue *q, struct store *st)
{
	if (!search_queue_pending(q))
		return PD_OK;
	struct pd_buf b;
	pd_buf_init(&b, 256 * (q->n - q->done));
	entries_json(q, &b);
	long long changed = 0;
	enum pd_err e = drv_cmd(st, S_SEARCH_INSERT, &changed, "t", b.p);
	pd_buf_free(&b);
	if (e == PD_OK && changed != (long long)(q->n - q->done)) {
		fprintf(stderr, "store: the search index took %lld of %zu entries\n", changed, q->n - q->done);
		e = PD_EINTERNAL;
	}
	if (e == PD_OK)
		q->done = q->n;
	return e;
}

enum pd_err search_queue_before(const struct search_queue *q, enum drv_tx t)
{
	if (t != TX_SAVEPOINT || q->depth < SEARCH_QUEUE_MARKS)
		return PD_OK;
	fprintf(stderr, "store: more than %d savepoints at once\n", SEARCH_QUEUE_MARKS);
	return PD_EINTERNAL;
}

void search_queue_after(struct search_queue *q, enum drv_tx t, bool ok)
{
	switch (t) {
	case TX_SAVEPOINT:
		if (ok) {
			q->mark_n[q->depth] = q->n, q->mark_done[q->depth] = q->done;
			q->depth++;
		}
		break;
	case TX_RELEASE:
		if (ok && q->depth > 0)
			q->depth--;
		break;
	case TX_ROLLBACK_TO: /* ROLLBACK TO and RELEASE: what came after the savepoint is undone */
		if (q->depth > 0) {
			q->depth--;
			truncate_to(q, q->mark_n[q->depth]);
			q->done = q->mark_done[q->depth];
		}
		break;
	case TX_BEGIN:
	case TX_COMMIT:
	case TX_ROLLBACK: /* a failed COMMIT is followed by a ROLLBACK, which clears */
		if (ok || t == TX_ROLLBACK)
			search_queue_clear(q);
		break;
	}
}
