-- 0012_webhooks (issue 22; SQLite's 0015): Partner Center-style webhooks, delivered from the
-- change feed (events, 0011).  One registration per partner (Partner Center has one per
-- tenant); its cursor (feed_cursor) is the last feed seq taken into its deliveries (a new registration starts
-- at the partner's last seq: only later events).  Taking an event writes its delivery row
-- ('pending'); each attempt's answer is recorded with the delivery's new state in one
-- transaction ('delivered', 'pending' with the next attempt's time, or 'parked' after 10 failed
-- attempts in a round; a redelivery starts a new round at `round_start`).  The lease (owner,
-- until in ms) lets one instance of many deliver a registration at a time.  Times in *_ms
-- columns are milliseconds, the others seconds.  partner_id leads every key.
CREATE TABLE webhook_registrations (
  partner_id     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  subscriber_id  TEXT COLLATE "C" NOT NULL,
  url            TEXT NOT NULL,
  events         TEXT NOT NULL,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  version        BIGINT NOT NULL DEFAULT 1,
  feed_cursor    BIGINT NOT NULL,
  lease_owner    TEXT COLLATE "C",
  lease_until_ms BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE webhook_deliveries (
  partner_id    TEXT COLLATE "C" NOT NULL,
  seq           BIGINT NOT NULL,
  subscriber_id TEXT COLLATE "C" NOT NULL,
  event_name    TEXT COLLATE "C" NOT NULL,
  state         TEXT COLLATE "C" NOT NULL,
  attempts      BIGINT NOT NULL DEFAULT 0,
  round_start   BIGINT NOT NULL DEFAULT 0,
  next_at_ms    BIGINT NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  PRIMARY KEY (partner_id, seq)
);
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (partner_id, state, seq);
CREATE TABLE webhook_attempts (
  partner_id   TEXT COLLATE "C" NOT NULL,
  seq          BIGINT NOT NULL,
  n            BIGINT NOT NULL,
  at_ms        BIGINT NOT NULL,
  url          TEXT NOT NULL,
  status       BIGINT NOT NULL,
  message      TEXT NOT NULL,
  system_error BIGINT NOT NULL,
  PRIMARY KEY (partner_id, seq, n)
);
CREATE TABLE webhook_tests (
  partner_id     TEXT COLLATE "C" NOT NULL,
  correlation_id TEXT COLLATE "C" NOT NULL,
  seq            BIGINT NOT NULL,
  created_at     BIGINT NOT NULL,
  PRIMARY KEY (partner_id, correlation_id)
);
CREATE INDEX webhook_tests_created ON webhook_tests (partner_id, created_at);
