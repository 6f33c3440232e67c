/* test_throttle.c - sign-in protection and rate limits. */
#include <criterion/criterion.h>
#include <stdio.h>
#include "throttle.h"

static struct pd_throttle *t;
static void setup(void) { t = pd_throttle_new(); }
static void teardown(void) { pd_throttle_free(t); }

TestSuite(throttle, .init = setup, .fini = teardown);

Test(throttle, account_slowed_after_five_failures_never_locked_long)
{
	long long now = 1000000;
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pd_signin_wait(t, "a@x.cn", "10.0.0.1", now), 0);
		pd_signin_failed(t, "a@x.cn", "10.0.0.1", now);
	}
	cr_assert_eq(pd_signin_wait(t, "a@x.cn", "10.0.0.2", now), 0, "4 failures: not yet");
	pd_signin_failed(t, "a@x.cn", "10.0.0.1", now);
	/* a different address: only the account's bounded back-off applies */
	int w = pd_signin_wait(t, "a@x.cn", "10.0.0.2", now);
	cr_assert(w >= 1 && w <= 60, "w=%d", w);
	for (int i = 0; i < 30; i++)
		pd_signin_failed(t, "a@x.cn", "10.0.0.3", now + i);
	w = pd_signin_wait(t, "a@x.cn", "10.0.0.2", now + 30);
	cr_assert(w >= 1 && w <= 60, "capped at 60 s: w=%d", w);
}

Test(throttle, pair_locked_for_fifteen_minutes)
{
	long long now = 2000000;
	for (int i = 0; i < 5; i++)
		pd_signin_failed(t, "b@x.cn", "10.1.1.1", now);
	int w = pd_signin_wait(t, "b@x.cn", "10.1.1.1", now);
	cr_assert(w > 800 && w <= 900, "w=%d", w);
	cr_assert_eq(pd_signin_wait(t, "b@x.cn", "10.1.1.1", now + 901), 0, "the lock ends");
}

Test(throttle, address_slowed_then_locked)
{
	long long now = 3000000;
	char acc[32];
	for (int i = 0; i < 10; i++) {
		snprintf(acc, sizeof acc, "u%d@x.cn", i);
		pd_signin_failed(t, acc, "10.2.2.2", now);
	}
	int w = pd_signin_wait(t, "fresh@x.cn", "10.2.2.2", now);
	cr_assert(w >= 1 && w <= 60, "slowed: %d", w);
	cr_assert_eq(pd_signin_wait(t, "fresh@x.cn", "10.2.2.3", now), 0, "other addresses go ahead");
	for (int i = 10; i < 20; i++) {
		snprintf(acc, sizeof acc, "u%d@x.cn", i);
		pd_signin_failed(t, acc, "10.2.2.2", now);
	}
	w = pd_signin_wait(t, "fresh@x.cn", "10.2.2.2", now);
	cr_assert(w > 800, "locked: %d", w);
}

Test(throttle, success_clears_account_and_pair)
{
	long long now = 4000000;
	for (int i = 0; i < 6; i++)
		pd_signin_failed(t, "c@x.cn", "10.3.3.3", now);
	cr_assert_gt(pd_signin_wait(t, "c@x.cn", "10.3.3.3", now), 0);
	pd_signin_succeeded(t, "c@x.cn", "10.3.3.3", now);
	cr_assert_eq(pd_signin_wait(t, "c@x.cn", "10.3.3.3", now), 0);
}

Test(throttle, failures_fade)
{
	long long now = 5000000;
	for (int i = 0; i < 6; i++)
		pd_signin_failed(t, "d@x.cn", "10.4.4.4", now);
	cr_assert_eq(pd_signin_wait(t, "d@x.cn", "10.9.9.9", now + 901), 0);
}

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

Test(throttle, accounts_fold_case)
{
	long long now = 6000000;
	for (int i = 0; i < 5; i++)
		pd_signin_failed(t, "Admin@X.cn", "10.5.5.5", now);
	cr_assert_gt(pd_signin_wait(t, "admin@x.CN", "10.5.5.5", now), 800, "one account, any case");
}

Test(throttle, a_trusted_address_is_not_kept_out_by_failures_elsewhere)
{
	long long now = 7000000;
	pd_signin_succeeded(t, "owner@x.cn", "10.6.6.6", now);
	for (int i = 0; i < 30; i++)
		pd_signin_failed(t, "owner@x.cn", "10.7.7.7", now + 100 + i);
	cr_assert_eq(pd_signin_wait(t, "owner@x.cn", "10.6.6.6", now + 130), 0, "the owner's address");
	cr_assert_gt(pd_signin_wait(t, "owner@x.cn", "10.8.8.8", now + 130), 0, "a new address is slowed");
}
