-- 0002_shared_throttle (PostgreSQL only): the counters behind sign-in protection and the
-- per-partner rate limit, shared by every partnerd instance on this database (SQLite keeps
-- them in each process's memory: one machine, one process).  UNLOGGED: they are
-- short-lived throttling state, not data; no WAL, no fsync per request, and a crash forgets
-- them, as a restart of a SQLite deployment does.

-- one row per counter key: "a|account", "i|address", "p|account|address" (throttle.c)
CREATE UNLOGGED TABLE throttle (
  key          TEXT COLLATE "C" PRIMARY KEY,
  failures     BIGINT NOT NULL,
  last_failure BIGINT NOT NULL,
  last_success BIGINT NOT NULL
);

-- one token bucket per partner ("r|partner_id")
CREATE UNLOGGED TABLE rate_buckets (
  key     TEXT COLLATE "C" PRIMARY KEY,
  tokens  DOUBLE PRECISION NOT NULL,
  stamp   DOUBLE PRECISION NOT NULL,
  allowed BOOLEAN NOT NULL
);
