-- Issue 12, L02: when the clock stops (testing, expert review, hearing) and when it runs again,
-- the applicant is told in writing: what, why, for how long it is expected to last, under which
-- rule. The workflow generates the notice and writes it in the same transaction as the pause's
-- (or resumption's) audit row, so a pause is never on record without its notice. Keyed by that
-- audit row's event key: a retried write adds nothing.
CREATE TABLE written_notices (
  notice_key      text PRIMARY KEY,
  application_id  text NOT NULL REFERENCES applications (id),
  kind            text NOT NULL CHECK (kind IN ('clock-paused', 'clock-resumed')),
  pause_kind      text NOT NULL,
  rule            text NOT NULL,
  what            text NOT NULL,
  why             text NOT NULL,
  -- {"n": 20, "unit": "working-days"}; the resumption notice has none.
  expected_length jsonb,
  body            text NOT NULL,
  issued_at       timestamptz NOT NULL,
  issued_by       text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX written_notices_application ON written_notices (application_id, issued_at);
