-- 0011_events (issue 22): the change feed.  Every change that writes an activity record also
-- writes its events here, in the same transaction.  seq is the feed's cursor: taken from the
-- counter 'event_seq' inside the writing transaction, whose row lock is held until commit, so
-- seq grows in commit order across every instance on this database.  Rows are only ever added,
-- and removed by the retention setting (oldest first).  partner_id leads the key.
CREATE TABLE events (
  partner_id    TEXT COLLATE "C" NOT NULL,
  seq           BIGINT NOT NULL,
  event_name    TEXT COLLATE "C" NOT NULL,
  resource_uri  TEXT NOT NULL,
  resource_name TEXT NOT NULL,
  audit_id      TEXT COLLATE "C",
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (partner_id, seq)
);
CREATE INDEX events_created ON events (created_at);
INSERT INTO counters (name, value) VALUES ('event_seq', 0);
