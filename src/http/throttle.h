/* throttle.h - sign-in protection and per-partner request rates, kept in memory and shared
 * by every loop of one process (a mutex; the work per call is a hash lookup).
 *
 * Sign-in: attempts are counted per account, per source address and per (account, address).
 *  - an account is slowed: after 5 failures each further attempt waits 2^(n-5) s, at most
 *    60 s; it is never locked longer, so an attacker cannot lock its owner out;
 *  - an (account, address) pair is locked for 15 minutes after 5 failures;
 *  - an address is slowed after 10 failures and locked for 15 minutes after 20.
 * An address where the account signed in successfully in the last 30 days is exempt from
 * the account's slow-down, so failures from elsewhere never keep the owner out.  Accounts are
 * compared case-folded, as sign-in does.  Counts fade 15 minutes after the last failure; a
 * successful sign-in clears the account's and the pair's.
 *
 * An attempt is reserved before its secret is checked (pd_signin_begin) and counts against
 * the limits while it is in flight, as if it had failed: however many guesses arrive at once,
 * no more are checked than the limits allow (5 for one account from one address).  The
 * reservation becomes a failure, a success, or is released (an attempt answered without a
 * verdict: a store error, a full queue, shutdown).  A reservation left behind (a crashed
 * instance) stops counting a minute after the last one taken on that counter.
 *
 * Memory is bounded (100,000 counters): when the table is full, counters that hold nothing
 * (no failures, nothing in flight) make room first, oldest first; then the oldest failures
 * of addresses, pairs and unknown accounts, and trusted addresses.  Past half full, new
 * address counters are kept per /24 (IPv4) or /64 (IPv6) prefix.  Known accounts with
 * failures, active rate buckets and counters with attempts in flight are never evicted: when
 * only they are left, an attempt that needs a new counter is refused (PD_EBUSY: 503) rather
 * than let through uncounted.
 *
 * Rates: a token bucket per partner (rate per second, burst twice that).
 * With a PostgreSQL store the counters live in the store (pd_throttle_share), so the limits
 * hold across every instance behind a load balancer; reservations there are one atomic
 * statement each. */
#ifndef PD_THROTTLE_H
#define PD_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

struct pd_throttle;
struct pd_arena;
struct store;

#define PD_THROTTLE_ENTRIES 100000 /* the table's default size (--throttle-entries lowers it) */
#define PD_THROTTLE_MIN_ENTRIES 16

/* A table of the default size, or of `entries` counters (at least PD_THROTTLE_MIN_ENTRIES). */
struct pd_throttle *pd_throttle_new(void);
struct pd_throttle *pd_throttle_new_sized(size_t entries);
/* Keeps the counters in `st` (opened for this, owned by t from now on) when its backend
 * shares them between processes (PostgreSQL: several instances, one limit); otherwise closes
 * st and stays in memory.  true when shared. */
bool pd_throttle_share(struct pd_throttle *t, struct store *st);
void pd_throttle_free(struct pd_throttle *t);

/* One reserved sign-in attempt (arena memory). */
struct pd_signin;

/* Reserves an attempt of `account` from `addr`.  PD_OK: go ahead and check the secret, then
 * end the attempt with one of the calls below (if none is made, the attempt is released when
 * `ar` is freed).  PD_ELIMIT: too many attempts, *wait seconds to wait (429).  PD_EBUSY: the
 * attempt cannot be counted now (the table is full of counters it keeps, or the shared store
 * failed), *wait seconds (503).  Nothing is reserved unless PD_OK. */
enum pd_err pd_signin_begin(struct pd_throttle *t, const char *account, const char *addr,
			    long long now, struct pd_arena *ar, struct pd_signin **out, int *wait);
/* The secret was wrong; `known` if the account exists (its counter is then kept under
 * pressure, an unknown name's may be evicted). */
void pd_signin_failed(struct pd_signin *s, bool known, long long now);
void pd_signin_succeeded(struct pd_signin *s, long long now);
/* The attempt ended without a verdict.  Each of these three acts once; later calls, and
 * calls with s NULL, do nothing. */
void pd_signin_release(struct pd_signin *s, long long now);

/* What the table holds, for tests and diagnostics: the counters in memory; the live failures
 * counted on `key` ("a|account", "i|address", "i|1.2.3.0/24", "p|account|address", ...),
 * -1 when there is no such counter. */
size_t pd_throttle_count(struct pd_throttle *t);
long long pd_throttle_peek(struct pd_throttle *t, const char *key, long long now);

/* Takes one request from the partner's bucket; 0 if allowed, else seconds to wait.
 * rate <= 0 disables the limit. */
int pd_rate_take(struct pd_throttle *t, const char *partner, double now, int rate);

#endif
