/* test_throttle.c - sign-in protection (limits, attempts in flight, the bounded table: what is
 * evicted first, what never is, prefixes under pressure) and rate limits. */
#include <criterion/criterion.h>
#include <stdio.h>
#include "arena.h"
#include "throttle.h"

static struct pd_throttle *t;
static struct pd_arena *ar;
static void setup(void)
{
	t = pd_throttle_new_sized(PD_THROTTLE_ENTRIES);
	ar = pd_arena_new();
}
static void teardown(void)
{
	pd_arena_free(ar); /* first: it releases what is still reserved */
	pd_throttle_free(t);
}

TestSuite(throttle, .init = setup, .fini = teardown);

/* An attempt that fails (known account unless `unknown`); the wait when it was refused. */
static int fail_as(const char *acc, const char *addr, long long now, bool known)
{
	struct pd_signin *s;
	int wait;
	enum pd_err e = pd_signin_begin(t, acc, addr, now, ar, &s, &wait);
	if (e != PD_OK)
		return e == PD_EBUSY ? -1 : wait;
	pd_signin_failed(s, known, now);
	return 0;
}

static int fail(const char *acc, const char *addr, long long now)
{
	return fail_as(acc, addr, now, true);
}

/* Seconds an attempt must wait now (0: it may go ahead; nothing is counted); -1: refused as
 * not countable. */
static int wait_of(const char *acc, const char *addr, long long now)
{
	struct pd_signin *s;
	int wait;
	enum pd_err e = pd_signin_begin(t, acc, addr, now, ar, &s, &wait);
	if (e == PD_OK)
		pd_signin_release(s, now);
	return e == PD_OK ? 0 : e == PD_EBUSY ? -1 : wait;
}

static void succeed(const char *acc, const char *addr, long long now)
{
	struct pd_signin *s;
	int wait;
	cr_assert_eq(pd_signin_begin(t, acc, addr, now, ar, &s, &wait), PD_OK);
	pd_signin_succeeded(s, now);
}

/* ---- the limits ---- */

Test(throttle, account_slowed_after_five_failures_never_locked_long)
{
	long long now = 1000000;
	for (int i = 0; i < 4; i++)
		cr_assert_eq(fail("a@x.cn", "10.0.0.1", now), 0);
	cr_assert_eq(wait_of("a@x.cn", "10.0.0.2", now), 0, "4 failures: not yet");
	cr_assert_eq(fail("a@x.cn", "10.0.0.1", now), 0);
	/* a different address: only the account's bounded back-off applies */
	int w = wait_of("a@x.cn", "10.0.0.2", now);
	cr_assert(w >= 1 && w <= 60, "w=%d", w);
	/* each further failure doubles the wait, up to 60 s (from new addresses, each waited for) */
	long long at = now;
	char addr[32];
	for (int i = 0; i < 10; i++) {
		at += 61;
		snprintf(addr, sizeof addr, "10.0.%d.3", i);
		cr_assert_eq(fail("a@x.cn", addr, at), 0, "after its wait, attempt %d goes ahead", i);
	}
	w = wait_of("a@x.cn", "10.0.0.2", at);
	cr_assert(w >= 1 && w <= 60, "capped at 60 s: w=%d", w);
	cr_assert_eq(wait_of("a@x.cn", "10.0.0.2", at + 60), 0);
}

Test(throttle, pair_locked_for_fifteen_minutes)
{
	long long now = 2000000;
	for (int i = 0; i < 5; i++)
		cr_assert_eq(fail("b@x.cn", "10.1.1.1", now), 0);
	int w = wait_of("b@x.cn", "10.1.1.1", now);
	cr_assert(w > 800 && w <= 900, "w=%d", w);
	cr_assert_eq(wait_of("b@x.cn", "10.1.1.1", now + 901), 0, "the lock ends");
}

/* An attempt judged with the time it arrived, after others that came later have failed (it
 * waited for a reader; another instance's clock is ahead): never told to wait longer than the
 * lock or the back-off lasts. */
Test(throttle, a_wait_never_exceeds_the_rule_for_a_late_judged_attempt)
{
	long long now = 2500000;
	for (int i = 0; i < 5; i++)
		cr_assert_eq(fail("late@x.cn", "10.1.2.1", now + 3), 0);
	int w = wait_of("late@x.cn", "10.1.2.1", now);
	cr_assert(w > 0 && w <= 900, "locked, for at most 15 minutes: w=%d", w);
	w = wait_of("late@x.cn", "10.1.2.9", now);
	cr_assert(w > 0 && w <= 60, "the account's back-off, at most 60 s: w=%d", w);
}

Test(throttle, address_slowed_then_locked)
{
	long long now = 3000000;
	char acc[32];
	for (int i = 0; i < 10; i++) {
		snprintf(acc, sizeof acc, "u%d@x.cn", i);
		cr_assert_eq(fail(acc, "10.2.2.2", now), 0);
	}
	int w = wait_of("fresh@x.cn", "10.2.2.2", now);
	cr_assert(w >= 1 && w <= 60, "slowed: %d", w);
	cr_assert_eq(wait_of("fresh@x.cn", "10.2.2.3", now), 0, "other addresses go ahead");
	for (int i = 10; i < 20; i++) {
		snprintf(acc, sizeof acc, "u%d@x.cn", i);
		now += 61;
		cr_assert_eq(fail(acc, "10.2.2.2", now), 0);
	}
	w = wait_of("fresh@x.cn", "10.2.2.2", now);
	cr_assert(w > 800, "locked: %d", w);
}

Test(throttle, success_clears_account_and_pair)
{
	long long now = 4000000;
	for (int i = 0; i < 4; i++)
		fail("c@x.cn", "10.3.3.3", now);
	succeed("c@x.cn", "10.3.3.3", now);
	cr_assert_eq(pd_throttle_peek(t, "a|c@x.cn", now), 0);
	cr_assert_eq(pd_throttle_peek(t, "p|c@x.cn|10.3.3.3", now), 0);
	cr_assert_eq(pd_throttle_peek(t, "i|10.3.3.3", now), 4, "the address keeps its count");
	for (int i = 0; i < 4; i++)
		cr_assert_eq(fail("c@x.cn", "10.3.3.3", now), 0, "four more in a row");
}

Test(throttle, failures_fade)
{
	long long now = 5000000;
	for (int i = 0; i < 5; i++)
		fail("d@x.cn", "10.4.4.4", now);
	cr_assert_gt(wait_of("d@x.cn", "10.9.9.9", now), 0);
	cr_assert_eq(wait_of("d@x.cn", "10.9.9.9", now + 901), 0);
}

Test(throttle, accounts_fold_case)
{
	long long now = 6000000;
	for (int i = 0; i < 5; i++)
		fail("Admin@X.cn", "10.5.5.5", now);
	cr_assert_gt(wait_of("admin@x.CN", "10.5.5.5", now), 800, "one account, any case");
}

Test(throttle, a_trusted_address_is_not_kept_out_by_failures_elsewhere)
{
	long long now = 7000000;
	char addr[32];
	succeed("owner@x.cn", "10.6.6.6", now);
	for (int i = 0; i < 8; i++) {
		snprintf(addr, sizeof addr, "10.7.%d.7", i);
		fail("owner@x.cn", addr, now + 100 + 61 * i);
	}
	long long at = now + 100 + 61 * 7;
	cr_assert_eq(wait_of("owner@x.cn", "10.6.6.6", at), 0, "the owner's address");
	cr_assert_gt(wait_of("owner@x.cn", "10.8.8.8", at), 0, "a new address is slowed");
}

/* ---- attempts in flight ---- */

Test(throttle, attempts_in_flight_count_against_the_limit)
{
	long long now = 8000000;
	struct pd_signin *s[5], *x;
	int wait;
	for (int i = 0; i < 5; i++)
		cr_assert_eq(pd_signin_begin(t, "e@x.cn", "10.10.0.1", now, ar, &s[i], &wait), PD_OK, "attempt %d", i);
	cr_assert_eq(pd_signin_begin(t, "e@x.cn", "10.10.0.1", now, ar, &x, &wait), PD_ELIMIT, "a sixth waits");
	cr_assert_eq(wait, 1, "for the verdicts of those in flight");
	cr_assert_null(x);
	/* from another address the account's five in flight hold it too */
	cr_assert_eq(wait_of("e@x.cn", "10.10.0.2", now), 1);
	pd_signin_release(s[0], now);
	cr_assert_eq(wait_of("e@x.cn", "10.10.0.1", now), 0, "a release frees the place");
	for (int i = 1; i < 5; i++)
		pd_signin_failed(s[i], true, now);
	cr_assert_eq(pd_throttle_peek(t, "p|e@x.cn|10.10.0.1", now), 4, "a failure replaces the reservation");
	cr_assert_eq(fail("e@x.cn", "10.10.0.1", now), 0);
	cr_assert_gt(wait_of("e@x.cn", "10.10.0.1", now), 800, "five failures: locked");
}

Test(throttle, once_slowed_one_attempt_at_a_time)
{
	long long now = 8100000;
	char addr[32];
	struct pd_signin *s, *x;
	int wait;
	for (int i = 0; i < 5; i++) {
		snprintf(addr, sizeof addr, "10.11.%d.1", i);
		fail("f@x.cn", addr, now);
	}
	now += 2; /* the first wait (1 s) has passed */
	cr_assert_eq(pd_signin_begin(t, "f@x.cn", "10.11.9.1", now, ar, &s, &wait), PD_OK);
	cr_assert_eq(pd_signin_begin(t, "f@x.cn", "10.11.9.2", now, ar, &x, &wait), PD_ELIMIT);
	pd_signin_failed(s, true, now);
	cr_assert_eq(wait_of("f@x.cn", "10.11.9.2", now), 2, "the next wait doubles");
}

Test(throttle, a_success_releases_and_clears)
{
	long long now = 8200000;
	struct pd_signin *s[5];
	int wait;
	for (int i = 0; i < 5; i++)
		cr_assert_eq(pd_signin_begin(t, "g@x.cn", "10.12.0.1", now, ar, &s[i], &wait), PD_OK);
	pd_signin_succeeded(s[0], now);
	for (int i = 1; i < 5; i++)
		pd_signin_release(s[i], now);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(fail("g@x.cn", "10.12.0.1", now), 0, "nothing left in flight");
}

Test(throttle, reservations_left_behind_expire_after_a_minute)
{
	long long now = 8300000;
	struct pd_signin *s;
	int wait;
	for (int i = 0; i < 5; i++)
		cr_assert_eq(pd_signin_begin(t, "h@x.cn", "10.13.0.1", now, ar, &s, &wait), PD_OK);
	cr_assert_eq(wait_of("h@x.cn", "10.13.0.1", now + 59), 1);
	cr_assert_eq(wait_of("h@x.cn", "10.13.0.1", now + 61), 0, "never ended (a crash): not counted for ever");
	/* an end that comes after its reservation expired takes nothing from newer ones */
	struct pd_signin *n[5];
	for (int i = 0; i < 5; i++)
		cr_assert_eq(pd_signin_begin(t, "h@x.cn", "10.13.0.1", now + 62, ar, &n[i], &wait), PD_OK);
	pd_signin_release(s, now + 63);
	cr_assert_eq(wait_of("h@x.cn", "10.13.0.1", now + 63), 1, "the five new ones still count");
}

Test(throttle, freeing_the_request_arena_releases_its_attempt)
{
	long long now = 8400000;
	struct pd_signin *s;
	int wait;
	for (int i = 0; i < 5; i++) {
		struct pd_arena *req = pd_arena_new();
		cr_assert_eq(pd_signin_begin(t, "i@x.cn", "10.14.0.1", now, req, &s, &wait), PD_OK);
		pd_arena_free(req); /* answered without a verdict (a store error, a full queue) */
	}
	cr_assert_eq(wait_of("i@x.cn", "10.14.0.1", now), 0);
	cr_assert_eq(pd_throttle_peek(t, "p|i@x.cn|10.14.0.1", now), 0, "and counted nothing");
}

Test(throttle, an_attempt_ends_once)
{
	long long now = 8500000;
	struct pd_signin *s;
	int wait;
	cr_assert_eq(pd_signin_begin(t, "j@x.cn", "10.15.0.1", now, ar, &s, &wait), PD_OK);
	pd_signin_failed(s, true, now);
	pd_signin_failed(s, true, now);
	pd_signin_succeeded(s, now);
	pd_signin_release(NULL, now);
	cr_assert_eq(pd_throttle_peek(t, "a|j@x.cn", now), 1);
}

/* ---- the bounded table ---- */

static void quiet_attempts(int n, int from, long long now)
{
	char acc[48], addr[32];
	for (int i = from; i < from + n; i++) {
		snprintf(acc, sizeof acc, "q%d@x.cn", i);
		snprintf(addr, sizeof addr, "172.%d.%d.1", 16 + i / 256 % 16, i % 256);
		cr_assert_eq(wait_of(acc, addr, now), 0, "quiet attempt %d", i);
	}
}

/* One failure each of n made-up names from n addresses (distinct /24s). */
static void unknown_failures(int n, int from, long long now)
{
	char acc[48], addr[32];
	for (int i = from; i < from + n; i++) {
		snprintf(acc, sizeof acc, "made-up-%d", i);
		snprintf(addr, sizeof addr, "10.%d.%d.9", 100 + i / 256 % 100, i % 256);
		cr_assert_eq(fail_as(acc, addr, now, false), 0, "made-up name %d", i);
	}
}

Test(throttle, the_table_never_grows_past_its_size)
{
	pd_throttle_free(t);
	t = pd_throttle_new_sized(64);
	long long now = 9000000;
	unknown_failures(1000, 0, now);
	quiet_attempts(1000, 0, now);
	cr_assert_leq(pd_throttle_count(t), 64);
}

Test(throttle, counters_holding_nothing_make_room_first)
{
	pd_throttle_free(t);
	t = pd_throttle_new_sized(64);
	long long now = 9100000;
	char acc[32];
	for (int i = 0; i < 4; i++) {
		snprintf(acc, sizeof acc, "s%d@x.cn", i);
		fail_as(acc, "10.16.0.1", now, false);
	}
	quiet_attempts(640, 0, now + 1); /* ten tables' worth */
	cr_assert_leq(pd_throttle_count(t), 64);
	cr_assert_eq(pd_throttle_peek(t, "i|10.16.0.1", now + 1), 4, "the address's failures stay");
	for (int i = 0; i < 4; i++) {
		char key[64];
		snprintf(key, sizeof key, "a|s%d@x.cn", i);
		cr_assert_eq(pd_throttle_peek(t, key, now + 1), 1, "%s stays", key);
	}
	cr_assert_eq(pd_throttle_peek(t, "a|q0@x.cn", now + 1), -1, "the oldest quiet one went");
	cr_assert_eq(pd_throttle_peek(t, "a|q639@x.cn", now + 1), 0, "the newest is there");
}

Test(throttle, then_the_oldest_failures_of_addresses_pairs_and_unknown_names)
{
	pd_throttle_free(t);
	t = pd_throttle_new_sized(64);
	long long now = 9200000;
	for (int i = 0; i < 4; i++)
		fail_as("old@x.cn", "10.17.0.1", now, false);
	for (int i = 0; i < 4; i++)
		fail_as("new@x.cn", "10.18.0.1", now + 1, false);
	int flood = 0;
	while (pd_throttle_peek(t, "p|old@x.cn|10.17.0.1", now + 2) >= 0 && flood < 1000)
		unknown_failures(1, flood++, now + 2);
	cr_assert_lt(flood, 1000, "the oldest pair was evicted");
	cr_assert_eq(pd_throttle_peek(t, "p|new@x.cn|10.18.0.1", now + 2), 4, "while the newer one stays");
	cr_assert_leq(pd_throttle_count(t), 64);
}

Test(throttle, a_known_account_with_failures_is_never_evicted)
{
	pd_throttle_free(t);
	t = pd_throttle_new_sized(64);
	long long now = 9300000;
	char addr[32];
	for (int i = 0; i < 5; i++) {
		snprintf(addr, sizeof addr, "10.19.%d.1", i);
		fail_as("admin@x.cn", addr, now, true);
		fail_as("nobody@x.cn", addr, now, false);
	}
	unknown_failures(2000, 0, now);
	cr_assert_eq(pd_throttle_peek(t, "a|admin@x.cn", now), 5, "the account's five failures stay");
	cr_assert_eq(pd_throttle_peek(t, "a|nobody@x.cn", now), -1, "an unknown name's may go");
	cr_assert_gt(wait_of("admin@x.cn", "10.20.0.1", now), 0, "it is still slowed down");
}

Test(throttle, full_of_kept_counters_it_refuses_rather_than_not_count)
{
	pd_throttle_free(t);
	t = pd_throttle_new_sized(16);
	long long now = 9400000;
	char acc[32], addr[32];
	int n, r = 0;
	for (n = 0; n < 64; n++) {
		snprintf(acc, sizeof acc, "staff%d@x.cn", n);
		snprintf(addr, sizeof addr, "10.21.%d.1", n);
		if ((r = fail(acc, addr, now)) != 0)
			break;
	}
	cr_assert_eq(r, -1, "refused (503) once only kept counters are left: %d accounts", n);
	cr_assert_leq(pd_throttle_count(t), 16);
	for (int i = 0; i < n; i++) {
		char key[64];
		snprintf(key, sizeof key, "a|staff%d@x.cn", i);
		cr_assert_eq(pd_throttle_peek(t, key, now), 1, "%s keeps its failure", key);
	}
	/* when their failures fade there is room again */
	cr_assert_eq(fail("later@x.cn", "10.22.0.1", now + 901), 0);
}

Test(throttle, successes_from_many_addresses_cannot_fill_the_table)
{
	/* trust is made by signing in: one account's owner (or thief) can make it from anywhere */
	pd_throttle_free(t);
	t = pd_throttle_new_sized(16);
	long long now = 9450000;
	char addr[32];
	for (int i = 0; i < 200; i++) {
		snprintf(addr, sizeof addr, "10.23.%d.1", i);
		succeed("roamer@x.cn", addr, now);
	}
	cr_assert_leq(pd_throttle_count(t), 16);
	cr_assert_eq(fail("other@x.cn", "10.24.0.1", now), 0, "room is made: trust is evicted");
}

Test(throttle, under_pressure_addresses_count_by_prefix)
{
	pd_throttle_free(t);
	t = pd_throttle_new_sized(64);
	long long now = 9500000;
	char acc[32], addr[32];
	fail_as("early@x.cn", "10.30.0.1", now, false);
	quiet_attempts(40, 0, now); /* half full */
	for (int i = 0; i < 10; i++) {
		snprintf(acc, sizeof acc, "p%d@x.cn", i);
		snprintf(addr, sizeof addr, "10.40.50.%d", i + 1);
		cr_assert_eq(fail_as(acc, addr, now, false), 0, "failure %d", i);
	}
	cr_assert_eq(pd_throttle_peek(t, "i|10.40.50.0/24", now), 10);
	cr_assert_eq(pd_throttle_peek(t, "i|10.40.50.1", now), -1, "no counter per address");
	cr_assert_gt(wait_of("p99@x.cn", "10.40.50.200", now), 0, "the /24 is slowed down");
	cr_assert_eq(wait_of("p99@x.cn", "10.40.51.1", now), 0, "the next /24 is not");
	fail_as("early@x.cn", "10.30.0.1", now, false);
	cr_assert_eq(pd_throttle_peek(t, "i|10.30.0.1", now), 2, "an address counted before keeps its own");
	fail_as("v6@x.cn", "2001:db8:1:2::5", now, false);
	cr_assert_eq(pd_throttle_peek(t, "i|2001:db8:1:2::/64", now), 1, "IPv6 by /64");
	fail_as("mapped@x.cn", "::ffff:10.60.70.80", now, false);
	cr_assert_eq(pd_throttle_peek(t, "i|10.60.70.0/24", now), 1, "an IPv4-mapped address as IPv4");
}

Test(throttle, a_full_size_flood_of_made_up_names_does_not_switch_protection_off)
{
	/* 4,900 addresses x 25 made-up client ids (the finding: 49,000 requests from 4,900
	 * addresses filled the table, then 25 wrong admin passwords were all checked) */
	long long now = 9550000;
	char acc[48], addr[32];
	int refused = 0;
	for (int a = 0; a < 4900; a++) {
		snprintf(addr, sizeof addr, "127.%d.%d.%d", 1 + a / 2500, a / 10 % 250, 2 + a % 10);
		for (int k = 0; k < 25; k++) {
			snprintf(acc, sizeof acc, "%08x-made-up-%d", a, k);
			refused += fail_as(acc, addr, now, false) != 0;
		}
	}
	cr_assert_leq(pd_throttle_count(t), PD_THROTTLE_ENTRIES);
	cr_assert_gt(refused, 0, "the flood itself was throttled");
	int checked = 0;
	for (int i = 0; i < 25; i++)
		checked += fail("admin@x.cn", "127.200.0.1", now) == 0;
	cr_assert_eq(checked, 5, "five wrong admin passwords, then locked");
}

/* ---- rates ---- */

Test(throttle, rate_bucket)
{
	double now = 100.0;
	int allowed = 0;
	for (int i = 0; i < 10; i++)
		allowed += pd_rate_take(t, "p1", now, 2) == 0;
	cr_assert_eq(allowed, 4, "burst of twice the rate");
	cr_assert_gt(pd_rate_take(t, "p1", now, 2), 0);
	cr_assert_eq(pd_rate_take(t, "p2", now, 2), 0, "partners are separate");
	cr_assert_eq(pd_rate_take(t, "p1", now + 1.0, 2), 0, "refilled");
	cr_assert_eq(pd_rate_take(t, "p1", now, 0), 0, "0 disables");
}
