/* test_arena.c - unit tests of src/core/arena.c's reset: an arena used again runs the last
 * user's deferred calls, hands out zeroed memory as a new one does, and keeps only its first
 * chunk (the rest are freed: the sanitizer build finds a leak otherwise). */
#include <criterion/criterion.h>
#include <string.h>
#include "arena.h"

static int ran;
static void count(void *arg) { ran += *(int *)arg; }

Test(arena, reset_runs_defers_and_hands_out_zeroed_memory)
{
	struct pd_arena *a = pd_arena_new();
	static int one = 1, ten = 10;
	ran = 0;
	unsigned char *p = pd_alloc(a, 1000);
	memset(p, 0xAB, 1000);
	pd_arena_defer(a, count, &one);
	pd_arena_defer(a, count, &ten);
	for (int i = 0; i < 20; i++) /* several chunks, one of its own */
		memset(pd_alloc(a, i == 5 ? 100000 : 3000), 0xCD, i == 5 ? 100000 : 3000);
	pd_arena_reset(a);
	cr_assert_eq(ran, 11, "both deferred calls ran at the reset");
	unsigned char *q = pd_alloc(a, 1000);
	cr_assert_eq(q, p, "the first chunk is used again");
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(q[i], 0, "byte %d is not zeroed", i);
	for (int i = 0; i < 20; i++) {
		unsigned char *r = pd_alloc(a, 3000);
		for (int k = 0; k < 3000; k += 97)
			cr_assert_eq(r[k], 0);
	}
	pd_arena_reset(a);
	cr_assert_eq(ran, 11, "a defer runs once");
	pd_arena_free(a);
	cr_assert_eq(ran, 11);
}

Test(arena, reset_of_an_arena_whose_first_chunk_was_large)
{
	struct pd_arena *a = pd_arena_new();
	memset(pd_alloc(a, 50000), 1, 50000);
	pd_arena_reset(a);
	char *s = pd_strdup(a, "again");
	cr_assert_str_eq(s, "again");
	pd_arena_free(a);
}
