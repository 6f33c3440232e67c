-- 0014_events (issue 22): the change feed.  Every change that writes an activity record also
-- writes its events here, in the same transaction.  seq is the feed's cursor: taken from the
-- counter 'event_seq' inside the writing transaction, so it grows in commit order (one writer
-- on SQLite; on PostgreSQL the counter's row lock is held until commit).  Rows are only ever
-- added, and removed by the retention setting (oldest first).  partner_id leads the key.
CREATE TABLE events (
  partner_id    TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  event_name    TEXT NOT NULL,
  resource_uri  TEXT NOT NULL,
  resource_name TEXT NOT NULL,
  audit_id      TEXT,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (partner_id, seq)
) WITHOUT ROWID;
CREATE INDEX events_created ON events (created_at);
INSERT INTO counters (name, value) VALUES ('event_seq', 0);
