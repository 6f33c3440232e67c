-- 0004_throttle_inflight (PostgreSQL only): sign-in attempts in flight.  An attempt is
-- reserved before its secret is checked and counts against the limits until it ends
-- (throttle.c), so parallel guesses sent to any instance cannot outrun the count.  `held`
-- is the time of the last reservation on the counter: reservations stop counting a minute
-- after it, so an instance that crashed holding some cannot lock an account for longer.
ALTER TABLE throttle
  ADD COLUMN inflight INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN held     BIGINT  NOT NULL DEFAULT 0;
