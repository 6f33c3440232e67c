-- 0016_event_seq_per_partner: each partner's feed takes its cursors from its own counter
-- ('event_seq:' || partner_id), so a partner's cursors run 1, 2, 3 ... and say nothing of how
-- much other partners change.  Every partner (and any partner_id the feed holds) starts from the
-- one counter's value so far: above every cursor it was given, so no cursor goes back.
INSERT INTO counters (name, value)
  SELECT 'event_seq:' || p, (SELECT value FROM counters WHERE name = 'event_seq')
  FROM (SELECT partner_id AS p FROM partners UNION SELECT partner_id FROM events) AS ids;
DELETE FROM counters WHERE name = 'event_seq';
