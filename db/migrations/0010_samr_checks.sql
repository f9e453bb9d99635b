-- R06: SAMR's side of the random check. One result per drawn case; a non-conforming one opens a
-- finding the province's supervisor answers (workflow `samr-finding/<application id>`).

CREATE TABLE samr_check_results (
  application_id   text PRIMARY KEY,               -- a case is checked once, whichever draws picked it
  province         text NOT NULL,
  draw_key         text NOT NULL,                  -- the (latest) draw that picked it
  result           text NOT NULL CHECK (result IN ('conforming', 'non-conforming')),
  findings         text,
  recorded_by      text NOT NULL,
  recorded_at      timestamptz NOT NULL,
  idempotency_key  text,                           -- a repeat with this key gets the first answer
  request_sha256   text NOT NULL,                  -- … when it is the same request
  CHECK (result = 'conforming' OR findings IS NOT NULL)
);
CREATE INDEX samr_check_results_province ON samr_check_results (province, recorded_at);

CREATE TABLE samr_findings (
  application_id   text PRIMARY KEY,                -- no foreign key: the workflow may write before the API commits
  workflow_id      text NOT NULL UNIQUE,
  province         text NOT NULL,
  draw_key         text NOT NULL,
  findings         text NOT NULL,
  opened_at        timestamptz NOT NULL,
  opened_by        text NOT NULL,
  limit_n          integer NOT NULL,
  limit_unit       text NOT NULL,
  due_at           timestamptz,                    -- set by the workflow from the calendar (L03)
  due_date         date,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
  overdue          boolean NOT NULL DEFAULT false,
  reminded_at      timestamptz,
  escalated_at     timestamptz,
  response         text,
  measures         text,
  answered_by      text,
  answered_at      timestamptz,
  answered_in_time boolean
);
CREATE INDEX samr_findings_province ON samr_findings (province, status, opened_at);
