/* test_last_writes.c - the table of callers' last writes behind read-your-writes on read
 * replicas (src/store/last_writes.h): a caller needs its own last write, an unknown caller the
 * floor, a set that overflows pushes out its oldest write and raises the floor to it (so the
 * caller pushed out never reads a replica that lacks its write), and a write whose position
 * was not known is needed for ever until a position asked after it takes its place. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include "last_writes.h"

static struct last_writes *t;

static void setup(void)
{
	t = malloc(sizeof *t);
	lw_init(t);
}

static void teardown(void)
{
	free(t);
}

TestSuite(last_writes, .init = setup, .fini = teardown);

/* The k-th key of set `set` (keys of one set differ by multiples of LW_SETS). */
static unsigned long long key_in(int set, int k)
{
	return (unsigned long long)set + 1 + (unsigned long long)k * LW_SETS * 2;
}

Test(last_writes, a_caller_needs_its_last_write_others_the_floor)
{
	unsigned long long a = lw_key("p1", "alice"), b = lw_key("p1", "bob");
	cr_assert_neq(a, b);
	cr_assert_neq(lw_key("p1", "x"), lw_key("p1x", ""), "partner and principal are kept apart");
	cr_assert_eq(lw_needed(t, a), 0);
	lw_record(t, &a, 1, 100);
	lw_record(t, &a, 1, 90); /* an older position never lowers it */
	cr_assert_eq(lw_needed(t, a), 100);
	cr_assert_eq(lw_needed(t, b), 0);
	lw_record(t, &b, 1, 250);
	cr_assert_eq(lw_needed(t, b), 250);
	cr_assert_eq(lw_needed(t, a), 100);
}

Test(last_writes, an_overflowing_set_fails_safe)
{
	unsigned long long k[LW_WAYS + 1];
	for (int i = 0; i <= LW_WAYS; i++)
		k[i] = key_in(7, i);
	for (int i = 0; i < LW_WAYS; i++)
		lw_record(t, &k[i], 1, 1000 + (unsigned long long)i * 10);
	for (int i = 0; i < LW_WAYS; i++)
		cr_assert_eq(lw_needed(t, k[i]), 1000 + (unsigned long long)i * 10);
	cr_assert_eq(lw_needed(t, lw_key("p", "stranger")), 0);
	lw_record(t, &k[LW_WAYS], 1, 5000); /* the set is full: k[0], the oldest, goes */
	cr_assert_eq(lw_needed(t, k[LW_WAYS]), 5000);
	cr_assert_geq(lw_needed(t, k[0]), 1000, "pushed out, it still needs its write");
	cr_assert_geq(lw_needed(t, lw_key("p", "stranger")), 1000, "unknown callers need the floor");
	for (int i = 1; i < LW_WAYS; i++)
		cr_assert_eq(lw_needed(t, k[i]), 1000 + (unsigned long long)i * 10, "the others are kept");
	/* a full table: every caller ever pushed out needs at least its own write */
	for (int i = 0; i < 40 * LW_WAYS; i++) {
		unsigned long long x = key_in(7, LW_WAYS + 1 + i);
		lw_record(t, &x, 1, 6000 + (unsigned long long)i);
		cr_assert_geq(lw_needed(t, k[i % LW_WAYS]), 1000 + (unsigned long long)(i % LW_WAYS) * 10);
		cr_assert_geq(lw_needed(t, x), 6000 + (unsigned long long)i);
	}
	for (int i = 0; i < 40 * LW_WAYS; i++)
		cr_assert_geq(lw_needed(t, key_in(7, LW_WAYS + 1 + i)), 6000 + (unsigned long long)i);
}

Test(last_writes, an_unknown_position_is_needed_until_one_asked_after_it)
{
	unsigned long long a = lw_key("p1", "alice"), b = lw_key("p1", "bob");
	unsigned before = lw_generation(t);
	lw_record(t, &a, 1, LW_UNKNOWN);
	cr_assert_eq(lw_needed(t, a), LW_UNKNOWN, "no replica has it");
	lw_resolve(t, before, 700); /* asked before the unknown one was recorded: not enough */
	cr_assert_eq(lw_needed(t, a), LW_UNKNOWN);
	unsigned after = lw_generation(t);
	lw_record(t, &b, 1, LW_UNKNOWN);
	lw_resolve(t, after, 800); /* another unknown one came meanwhile */
	cr_assert_eq(lw_needed(t, a), LW_UNKNOWN);
	cr_assert_eq(lw_needed(t, b), LW_UNKNOWN);
	lw_resolve(t, lw_generation(t), 900);
	cr_assert_eq(lw_needed(t, a), 900);
	cr_assert_eq(lw_needed(t, b), 900);
}

Test(last_writes, an_unknown_position_pushed_out_keeps_everyone_unknown_on_the_primary)
{
	unsigned long long k[LW_WAYS + 1];
	for (int i = 0; i <= LW_WAYS; i++)
		k[i] = key_in(3, i);
	for (int i = 0; i < LW_WAYS; i++)
		lw_record(t, &k[i], 1, LW_UNKNOWN);
	unsigned g = lw_generation(t);
	lw_record(t, &k[LW_WAYS], 1, 50); /* pushes out an unknown one */
	cr_assert_eq(lw_needed(t, lw_key("p", "stranger")), LW_UNKNOWN);
	lw_resolve(t, g, 60);
	cr_assert_eq(lw_needed(t, lw_key("p", "stranger")), 60);
	cr_assert_eq(lw_needed(t, k[1]), 60);
}
