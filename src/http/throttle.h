/* throttle.h - sign-in protection and per-partner request rates, kept in memory and shared
 * by every loop of one process (a mutex; the work per call is a hash lookup).
 *
 * Sign-in: failures are counted per account, per source address and per (account, address).
 *  - an account is slowed: after 5 failures each further attempt waits 2^(n-5) s, at most
 *    60 s; it is never locked longer, so an attacker cannot lock its owner out;
 *  - an (account, address) pair is locked for 15 minutes after 5 failures;
 *  - an address is slowed after 10 failures and locked for 15 minutes after 20.
 * An address where the account signed in successfully in the last 30 days is exempt from
 * the account's slow-down, so failures from elsewhere never keep the owner out.  Accounts are
 * compared case-folded, as sign-in does.  Counts fade 15 minutes after the last failure; a
 * successful sign-in clears the account's and the pair's.  Rates: a token bucket per partner (rate per second, burst twice that).
 * With a PostgreSQL store the counters live in the store (pd_throttle_share), so the limits
 * hold across every instance behind a load balancer. */
#ifndef PD_THROTTLE_H
#define PD_THROTTLE_H

#include <stdbool.h>

struct pd_throttle;
struct store;

struct pd_throttle *pd_throttle_new(void);
/* Keeps the counters in `st` (opened for this, owned by t from now on) when its backend
 * shares them between processes (PostgreSQL: several instances, one limit); otherwise closes
 * st and stays in memory.  true when shared. */
bool pd_throttle_share(struct pd_throttle *t, struct store *st);
void pd_throttle_free(struct pd_throttle *t);

/* Seconds to wait before this sign-in may be tried; 0 = go ahead. */
int pd_signin_wait(struct pd_throttle *t, const char *account, const char *addr, long long now);
void pd_signin_failed(struct pd_throttle *t, const char *account, const char *addr, long long now);
void pd_signin_succeeded(struct pd_throttle *t, const char *account, const char *addr,
			 long long now);

/* Takes one request from the partner's bucket; 0 if allowed, else seconds to wait.
 * rate <= 0 disables the limit. */
int pd_rate_take(struct pd_throttle *t, const char *partner, double now, int rate);

#endif
