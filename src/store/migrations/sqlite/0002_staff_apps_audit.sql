-- 0002_staff_apps_audit: partner apps (client credentials) and the append-only activity log.

CREATE TABLE apps (
  partner_id        TEXT NOT NULL,
  app_id            TEXT NOT NULL,           -- the client id
  display_name      TEXT NOT NULL,
  roles             TEXT NOT NULL,
  secret_digest     BLOB NOT NULL,           -- keyed BLAKE2b of the generated secret
  state             TEXT NOT NULL DEFAULT 'active',
  created_at        INTEGER NOT NULL,
  secret_updated_at INTEGER NOT NULL,
  PRIMARY KEY (partner_id, app_id)
) WITHOUT ROWID;
-- client_credentials sign-in looks an app up by its client id across the deployment
CREATE UNIQUE INDEX apps_client ON apps (app_id);

CREATE TABLE audit_records (
  partner_id     TEXT NOT NULL,
  seq            INTEGER NOT NULL,
  record_id      TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  operation_type TEXT NOT NULL,
  resource_type  TEXT NOT NULL,
  resource_id    TEXT,
  customer_id    TEXT,
  customer_name  TEXT,
  principal_kind TEXT,
  principal_id   TEXT,
  principal_name TEXT,
  outcome        TEXT NOT NULL,
  request_id     TEXT,
  correlation_id TEXT,
  old_value      TEXT,
  new_value      TEXT,
  source_address TEXT,
  PRIMARY KEY (partner_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX audit_records_id ON audit_records (partner_id, record_id);
CREATE INDEX audit_records_time ON audit_records (partner_id, created_at, seq);
INSERT INTO counters (name, value) VALUES ('audit_seq', 0);

-- Append-only: no statement of partnerd's changes or deletes a record; these make sure.
CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
