-- 0015_webhooks (issue 22; PostgreSQL's 0012): Partner Center-style webhooks, delivered from the
-- change feed (events, 0014).  One registration per partner (Partner Center has one per
-- tenant); its cursor (feed_cursor) is the last feed seq taken into its deliveries (a new registration starts
-- at the partner's last seq: only later events).  Taking an event writes its delivery row
-- ('pending'); each attempt's answer is recorded with the delivery's new state in one
-- transaction ('delivered', 'pending' with the next attempt's time, or 'parked' after 10 failed
-- attempts in a round; a redelivery starts a new round at `round_start`).  The lease (owner,
-- until in ms) lets one instance of many deliver a registration at a time.  Times in *_ms
-- columns are milliseconds, the others seconds.  partner_id leads every key.
CREATE TABLE webhook_registrations (
  partner_id     TEXT NOT NULL PRIMARY KEY,
  subscriber_id  TEXT NOT NULL,
  url            TEXT NOT NULL,
  events         TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  version        INTEGER NOT NULL DEFAULT 1,
  feed_cursor    INTEGER NOT NULL,
  lease_owner    TEXT,
  lease_until_ms INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE webhook_deliveries (
  partner_id    TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  subscriber_id TEXT NOT NULL,
  event_name    TEXT NOT NULL,
  state         TEXT NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  round_start   INTEGER NOT NULL DEFAULT 0,
  next_at_ms    INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (partner_id, seq)
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (partner_id, state, seq);
CREATE TABLE webhook_attempts (
  partner_id   TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  n            INTEGER NOT NULL,
  at_ms        INTEGER NOT NULL,
  url          TEXT NOT NULL,
  status       INTEGER NOT NULL,
  message      TEXT NOT NULL,
  system_error INTEGER NOT NULL,
  PRIMARY KEY (partner_id, seq, n)
) WITHOUT ROWID;
CREATE TABLE webhook_tests (
  partner_id     TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  seq            INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (partner_id, correlation_id)
) WITHOUT ROWID;
CREATE INDEX webhook_tests_created ON webhook_tests (partner_id, created_at);
