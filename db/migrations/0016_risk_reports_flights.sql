-- R18: the register of reporters (industry associations, testing institutes) kept by each province,
-- and the risk information submitted by them or by members of the public, with its triage.
-- R13: flight inspections (飞行检查), unannounced, from a lead. Register changes are audited in
-- register_changes (register 'reporters').
CREATE TABLE reporters (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('industry-association', 'testing-institute', 'other')),
  province   text NOT NULL,
  suspended  boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reporters_province ON reporters (province, id);

CREATE TABLE risk_reports (
  ref              text PRIMARY KEY,
  province         text NOT NULL,
  submitter_kind   text NOT NULL CHECK (submitter_kind IN ('reporter', 'public')),
  reporter_id      text REFERENCES reporters (id),
  -- A member of the public reads its submission with a secret given once; only its SHA-256 is kept.
  access_hash      text,
  certificate_no   text NOT NULL,
  uscc             text NOT NULL,
  product          text NOT NULL,
  what             text NOT NULL,
  evidence         jsonb NOT NULL DEFAULT '[]'::jsonb,
  contact          text NOT NULL,
  submitted_at     timestamptz NOT NULL DEFAULT now(),
  status           text NOT NULL DEFAULT 'triage' CHECK (status IN ('triage', 'dismissed', 'recorded-as-signal', 'flight-inspection')),
  triage_due       timestamptz,
  decision_reason  text,
  decided_by       text,
  decided_at       timestamptz,
  signal_key       text,
  flight_id        text,
  CHECK ((submitter_kind = 'reporter') = (reporter_id IS NOT NULL)),
  CHECK ((submitter_kind = 'public') = (access_hash IS NOT NULL))
);
CREATE INDEX risk_reports_province ON risk_reports (province, submitted_at);
CREATE INDEX risk_reports_reporter ON risk_reports (reporter_id, submitted_at) WHERE reporter_id IS NOT NULL;

CREATE TABLE flight_inspections (
  id               text PRIMARY KEY,
  province         text NOT NULL,
  uscc             text NOT NULL,
  lead_kind        text NOT NULL CHECK (lead_kind IN ('risk-report', 'complaint', 'samr-finding')),
  lead_ref         text NOT NULL,
  summary          text NOT NULL,
  ordered_by       text NOT NULL,
  ordered_role     text NOT NULL,
  ordered_at       timestamptz NOT NULL,
  due_on           date NOT NULL,
  seed             text NOT NULL,
  team             jsonb,
  staffing_problem text,
  outcome          text CHECK (outcome IN ('pass', 'problems-found', 'revocation')),
  findings         text,
  ground           text,
  result_by        text,
  result_at        timestamptz,
  inspected_on     date
);
CREATE INDEX flight_inspections_province ON flight_inspections (province, ordered_at);
CREATE INDEX flight_inspections_enterprise ON flight_inspections (province, uscc, result_at);
