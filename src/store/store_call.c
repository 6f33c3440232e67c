/* store_call.c - the store's entry points (store.h), one per operation, made from STORE_OPS:
 * each refuses a write outside its store's transaction, counts and times the call (relaxed
 * atomics, CLOCK_MONOTONIC) and fails the call a request's armed fault names before the
 * backend sees it. */
#include "store_impl.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum kind { R, W, S, T };

#define OP_NAME(op, kind, dflt, params, args) #op,
#define OP_KIND(op, kind, dflt, params, args) kind,
static const char *const names[STORE_OP_COUNT] = {STORE_OPS(OP_NAME)};
static const enum kind kinds[STORE_OP_COUNT] = {STORE_OPS(OP_KIND)};

const unsigned long long store_call_le_ns[STORE_CALL_BUCKETS - 1] = {100000, 500000, 1000000, 5000000,
								     25000000, 100000000, 1000000000};

static struct { /* two atomic adds per call that succeeds: calls are the buckets' sum */
	atomic_ullong error, sum_ns, bucket[STORE_CALL_BUCKETS];
} counts[STORE_OP_COUNT];

static _Thread_local struct store_fault *armed;
static atomic_ullong auth_gen; /* store_auth_generation */
static atomic_ullong data_gen; /* store_data_generation */

/* Writes that cannot change what token_lookup answers (a token, its principal's roles, state,
 * name or must-change): every other write marks its transaction, and its commit moves
 * store_auth_generation on.  A new write operation is not here, so it invalidates. */
static bool auth_neutral(enum store_op op)
{
	static const enum store_op list[] = {
		STORE_OP_savepoint, STORE_OP_release, STORE_OP_rollback_to, STORE_OP_partner_insert,
		STORE_OP_user_insert, STORE_OP_app_insert, STORE_OP_audit_insert, STORE_OP_order_insert,
		STORE_OP_sub_insert, STORE_OP_sub_save, STORE_OP_cuser_insert, STORE_OP_cuser_save,
		STORE_OP_cuser_delete, STORE_OP_customer_link, STORE_OP_customer_set_relationship,
		STORE_OP_invitation_insert, STORE_OP_invitation_revoke, STORE_OP_token_insert,
		STORE_OP_customer_insert, STORE_OP_billing_update, STORE_OP_customer_delete, STORE_OP_idem_put,
		STORE_OP_reseller_insert, STORE_OP_reseller_end, STORE_OP_event_insert, STORE_OP_event_prune,
		STORE_OP_webhook_insert, STORE_OP_webhook_save, STORE_OP_webhook_delete, STORE_OP_webhook_lease,
		STORE_OP_webhook_advance, STORE_OP_wdelivery_insert, STORE_OP_wdelivery_record,
		STORE_OP_wdelivery_redeliver, STORE_OP_wtest_insert};
	for (size_t i = 0; i < sizeof list / sizeof *list; i++)
		if (list[i] == op)
			return true;
	return false;
}

/* Writes that cannot change what a customer's GET answers (its row: company, billing profile,
 * relationship, associated reseller): they touch no customers row.  Every other write marks
 * its transaction, and its commit moves store_data_generation on; a new write operation is
 * not here, so it invalidates.  Creates and links stay out although a new row cannot be one
 * a GET kept (only 200s are kept): conservatively, as customer_insert may grow. */
static bool data_neutral(enum store_op op)
{
	static const enum store_op list[] = {
		STORE_OP_savepoint, STORE_OP_release, STORE_OP_rollback_to, STORE_OP_partner_insert,
		STORE_OP_user_insert, STORE_OP_user_save, STORE_OP_user_delete, STORE_OP_app_insert,
		STORE_OP_app_save, STORE_OP_tokens_revoke, STORE_OP_token_delete, STORE_OP_token_insert,
		STORE_OP_audit_insert, STORE_OP_event_insert, STORE_OP_event_prune, STORE_OP_webhook_insert,
		STORE_OP_webhook_save, STORE_OP_webhook_delete, STORE_OP_webhook_lease, STORE_OP_webhook_advance,
		STORE_OP_wdelivery_insert, STORE_OP_wdelivery_record, STORE_OP_wdelivery_redeliver,
		STORE_OP_wtest_insert, STORE_OP_idem_put, STORE_OP_invitation_insert, STORE_OP_invitation_revoke};
	for (size_t i = 0; i < sizeof list / sizeof *list; i++)
		if (list[i] == op)
			return true;
	return false;
}

static unsigned long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

/* Rollbacks undo a failure: never failed themselves, so what they undo is always undone. */
static bool faultable(enum store_op op) { return op != STORE_OP_rollback && op != STORE_OP_rollback_to; }

/* The answer a call gets before the backend sees it (PD_OK: none): the armed fault's, or
 * PD_EINTERNAL for a write outside a transaction. */
static enum pd_err refused(const struct store *st, enum store_op op)
{
	struct store_fault *f = armed;
	if (f && faultable(op)) {
		int n = ++f->calls;
		if (f->op != STORE_OP_COUNT)
			n = f->op == op ? ++f->op_calls : -1;
		if (f->err != PD_OK && n > 0 && (f->at == 0 || f->at == n))
			return f->failed = op, f->err;
	}
	if (kinds[op] == W && !st->in_tx) {
		fprintf(stderr, "partnerd: store: %s outside a transaction refused (writes belong in store_begin ... "
				"store_commit)\n", names[op]);
		return PD_EINTERNAL;
	}
	return PD_OK;
}

static enum pd_err done(struct store *st, enum store_op op, unsigned long long t0, enum pd_err e)
{
	unsigned long long ns = now_ns() - t0;
	int b = 0;
	while (b < STORE_CALL_BUCKETS - 1 && ns > store_call_le_ns[b])
		b++;
	if (e != PD_OK)
		atomic_fetch_add_explicit(&counts[op].error, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&counts[op].sum_ns, ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&counts[op].bucket[b], 1, memory_order_relaxed);
	if (kinds[op] == W && !auth_neutral(op))
		st->auth_dirty = true;
	if (kinds[op] == W && !data_neutral(op))
		st->data_dirty = true;
	if (op == STORE_OP_commit && e == PD_OK && st->auth_dirty)
		atomic_fetch_add(&auth_gen, 1); /* after the commit: a lookup from before it is stale */
	if (op == STORE_OP_commit && e == PD_OK && st->data_dirty)
		atomic_fetch_add(&data_gen, 1); /* ... and so is a kept GET answer */
	if ((op == STORE_OP_begin && e == PD_OK) || (op == STORE_OP_commit && e == PD_OK) || op == STORE_OP_rollback)
		st->in_tx = op == STORE_OP_begin, st->auth_dirty = false, st->data_dirty = false;
	return e;
}

/* Before the backend sees the call: a snapshot's generation is read before it begins. */
static void pre_call(struct store *st, enum store_op op)
{
	if (op == STORE_OP_read_begin)
		st->read_gen = atomic_load(&data_gen);
}

/* A read snapshot (SQLite's deferred BEGIN) is opened by the first call made inside it, not by
 * store_read_begin, which only marks it and reads its generation: a request answered from
 * memory (a cached token lookup, a kept customer GET) costs no BEGIN and COMMIT.  The view is
 * the same, since a deferred BEGIN's snapshot is its first read's anyway.  Eager as before
 * with a fault armed (its calls are counted in order) or inside a transaction. */
static bool defer_read(struct store *st)
{
	if (armed || st->in_tx || !st->ops->read_begin || st->read == READ_PENDING || st->read == READ_OPEN)
		return false;
	st->read_gen = atomic_load(&data_gen);
	st->read = READ_PENDING;
	return true;
}

static void open_read(struct store *st)
{
	unsigned long long t0 = now_ns();
	st->read = READ_NONE;
	enum pd_err e = refused(st, STORE_OP_read_begin);
	if (e == PD_OK)
		e = st->ops->read_begin(st);
	st->read = done(st, STORE_OP_read_begin, t0, e) == PD_OK ? READ_OPEN : READ_FAILED;
}

#define OP_ENTRY(op, kind, dflt, params, args)                                       \
	enum pd_err store_##op params                                                \
	{                                                                            \
		if (STORE_OP_##op == STORE_OP_read_begin && defer_read(st))          \
			return PD_OK;                                                \
		if (st->read == READ_PENDING)                                        \
			open_read(st);                                               \
		unsigned long long t0 = now_ns();                                    \
		pre_call(st, STORE_OP_##op);                                         \
		enum pd_err e = refused(st, STORE_OP_##op);                          \
		if (e == PD_OK)                                                      \
			e = st->ops->op ? st->ops->op args : (dflt);                 \
		e = done(st, STORE_OP_##op, t0, e);                                  \
		if (STORE_OP_##op == STORE_OP_read_begin && st->read != READ_OPEN)   \
			st->read = e == PD_OK ? READ_OPEN : READ_FAILED;             \
		return e;                                                            \
	}
STORE_OPS(OP_ENTRY)

const char *store_name(const struct store *st) { return st->ops->name; }
bool store_has_shared_counters(const struct store *st) { return st->ops->rate_take != NULL; }
bool store_in_transaction(const struct store *st) { return st->in_tx; }
unsigned long long store_auth_generation(void) { return atomic_load(&auth_gen); }
unsigned long long store_data_generation(void) { return atomic_load(&data_gen); }
unsigned long long store_read_generation(const struct store *st) { return st->read_gen; }
void store_close(struct store *st) { if (st) st->ops->close(st); }
void store_read_end(struct store *st)
{
	bool open = st->read == READ_OPEN;
	st->read = READ_NONE;
	if (open && st->ops->read_end)
		st->ops->read_end(st);
}

const char *store_op_name(enum store_op op) { return op < STORE_OP_COUNT ? names[op] : "none"; }
enum store_op store_op_find(const char *name)
{
	int op = 0;
	for (; op < STORE_OP_COUNT && strcmp(names[op], name) != 0; op++) {}
	return (enum store_op)op;
}

void store_call_stats(enum store_op op, struct store_call_stats *out)
{
	unsigned long long n = 0;
	for (int b = 0; b < STORE_CALL_BUCKETS; b++)
		n += out->bucket[b] = atomic_load_explicit(&counts[op].bucket[b], memory_order_relaxed);
	out->error = atomic_load_explicit(&counts[op].error, memory_order_relaxed);
	out->error = out->error > n ? n : out->error; /* read a moment apart */
	out->ok = n - out->error;
	out->sum_ns = atomic_load_explicit(&counts[op].sum_ns, memory_order_relaxed);
}

void store_fault_none(struct store_fault *f) { *f = (struct store_fault){.op = STORE_OP_COUNT, .failed = STORE_OP_COUNT}; }
void store_fault_arm(struct store_fault *f) { armed = f; }

/* One "key=value" of a fault's spec into f; false if it is not one. */
static bool fault_part(char *part, struct store_fault *f)
{
	char *v = strchr(part, '='), *end;
	if (!v)
		return false;
	*v++ = 0;
	if (!strcmp(part, "call"))
		return (f->at = (int)strtol(v, &end, 10)) > 0 && *v != '+' && !*end && end - v < 7;
	if (!strcmp(part, "op"))
		return (f->op = store_op_find(v)) != STORE_OP_COUNT && faultable(f->op);
	if (strcmp(part, "error") != 0)
		return false;
	f->err = !strcmp(v, "EIO") ? PD_EIO : !strcmp(v, "EBUSY") ? PD_EBUSY : !strcmp(v, "ECONFLICT") ? PD_ECONFLICT : PD_OK;
	return f->err != PD_OK;
}

enum pd_err store_fault_parse(const char *spec, struct store_fault *f)
{
	char buf[160], *save = NULL;
	store_fault_none(f);
	if (strlen(spec) >= sizeof buf)
		return PD_EINVAL;
	strcpy(buf, spec);
	for (char *p = strtok_r(buf, "; ", &save); p; p = strtok_r(NULL, "; ", &save))
		if (!fault_part(p, f))
			return store_fault_none(f), PD_EINVAL;
	if (f->err == PD_OK || (f->at == 0 && f->op == STORE_OP_COUNT))
		return store_fault_none(f), PD_EINVAL;
	return PD_OK;
}
