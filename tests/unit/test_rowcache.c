/* test_rowcache.c - unit tests of src/http/rowcache.c: an entry answers only its own partner
 * and customer under its own generation, bodies over the bound are not kept, a put replaces
 * its slot, and a thread's cache is its own. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include "rowcache.h"

#define P1 "01a23c8b-64f1-7049-85e8-f5f801827772"
#define P2 "01a23c8b-64f1-704b-80d3-7b6f841d7b20"
#define C1 "3f2504e0-4f89-41d3-9a0c-0305e82c3301"

static void fini(void)
{
	pd_rowcache_clear();
}

TestSuite(rowcache, .fini = fini);

Test(rowcache, answers_its_key_under_its_generation_only)
{
	size_t n = 0;
	cr_assert_null(pd_rowcache_get(P1, C1, 7, &n));
	pd_rowcache_put(P1, C1, 7, "{\"a\":1}", 7);
	const char *b = pd_rowcache_get(P1, C1, 7, &n);
	cr_assert(b && n == 7 && !memcmp(b, "{\"a\":1}", 7));
	cr_assert_null(pd_rowcache_get(P1, C1, 8, &n), "a moved generation is a miss");
	cr_assert_null(pd_rowcache_get(P2, C1, 7, &n), "another partner never gets the entry");
	cr_assert_null(pd_rowcache_get(P1, P2, 7, &n));
}

Test(rowcache, a_put_replaces_and_long_bodies_are_not_kept)
{
	static char big[PD_ROWCACHE_BODY_MAX + 1];
	size_t n = 0;
	memset(big, 'x', sizeof big);
	pd_rowcache_put(P1, C1, 1, "old", 3);
	pd_rowcache_put(P1, C1, 2, "newer body", 10);
	const char *b = pd_rowcache_get(P1, C1, 2, &n);
	cr_assert(b && n == 10 && !memcmp(b, "newer body", 10));
	cr_assert_null(pd_rowcache_get(P1, C1, 1, &n));
	pd_rowcache_put(P2, C1, 3, big, sizeof big);
	cr_assert_null(pd_rowcache_get(P2, C1, 3, &n), "over PD_ROWCACHE_BODY_MAX");
	pd_rowcache_put(P2, C1, 3, big, PD_ROWCACHE_BODY_MAX);
	cr_assert(pd_rowcache_get(P2, C1, 3, &n) && n == PD_ROWCACHE_BODY_MAX);
	pd_rowcache_put("short", C1, 3, "x", 1);
	cr_assert_null(pd_rowcache_get("short", C1, 3, &n), "ids are UUIDs' text");
}

static void *other_thread(void *arg)
{
	size_t n = 0;
	*(bool *)arg = pd_rowcache_get(P1, C1, 5, &n) != NULL;
	pd_rowcache_put(P1, C1, 5, "theirs", 6); /* freed at the thread's exit */
	return NULL;
}

Test(rowcache, each_thread_has_its_own)
{
	pthread_t t;
	bool seen = true;
	size_t n = 0;
	pd_rowcache_put(P1, C1, 5, "mine", 4);
	pthread_create(&t, NULL, other_thread, &seen);
	pthread_join(t, NULL);
	cr_assert_not(seen);
	const char *b = pd_rowcache_get(P1, C1, 5, &n);
	cr_assert(b && n == 4 && !memcmp(b, "mine", 4));
	pd_rowcache_clear();
	cr_assert_null(pd_rowcache_get(P1, C1, 5, &n));
}

/* A held body stays as it was while later puts replace its slot, and outlives the thread's
 * cache (a reply still in a connection's buffer when its loop ends); without a hold a put
 * reuses the slot's memory. */
Test(rowcache, a_held_body_outlives_puts_and_the_cache)
{
	size_t n = 0;
	void *hold = NULL;
	pd_rowcache_put(P1, C1, 1, "first body", 10);
	const char *b = pd_rowcache_hold(P1, C1, 1, &n, &hold);
	cr_assert(b && hold && n == 10);
	cr_assert_null(pd_rowcache_hold(P1, C1, 2, &n, &hold), "a moved generation is a miss");
	pd_rowcache_put(P1, C1, 2, "SECOND....", 10);
	cr_assert(!memcmp(b, "first body", 10), "the held bytes did not change");
	const char *c = pd_rowcache_get(P1, C1, 2, &n);
	cr_assert(c && c != b && !memcmp(c, "SECOND....", 10));
	void *hold2 = NULL;
	const char *d = pd_rowcache_hold(P1, C1, 2, &n, &hold2);
	cr_assert_eq(d, c);
	pd_rowcache_clear();
	cr_assert(!memcmp(b, "first body", 10) && !memcmp(d, "SECOND....", 10), "held past the cache");
	pd_rowcache_release(hold);
	pd_rowcache_release(hold2);
	pd_rowcache_put(P1, C1, 3, "third body", 10);
	const char *e = pd_rowcache_get(P1, C1, 3, &n);
	pd_rowcache_put(P1, C1, 4, "fourth bod", 10);
	cr_assert_eq(pd_rowcache_get(P1, C1, 4, &n), e, "no hold: the same memory");
}
