-- After issuance: verifier registry (R10, L06), follow-up inspections, rectification (R15, L08),
-- revocation bans (L04, R12), credit-publicity records, and deemed renewal (L05).

-- R10: trained and assessed by a province, valid in every province until certified_until.
CREATE TABLE verifiers (
  id              text PRIMARY KEY,
  name            text NOT NULL,
  certified_by    text NOT NULL,
  certified_on    date NOT NULL,
  certified_until date NOT NULL CHECK (certified_until >= certified_on),
  suspended       boolean NOT NULL DEFAULT false,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A verifier never inspects an enterprise he is recorded as conflicted with.
CREATE TABLE verifier_conflicts (
  verifier_id text NOT NULL REFERENCES verifiers (id),
  uscc        text NOT NULL,
  reason      text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (verifier_id, uscc)
);

-- L06: the team a supervisor assigned to a follow-up round.
CREATE TABLE inspection_teams (
  id             bigserial PRIMARY KEY,
  event_key      text NOT NULL UNIQUE,
  workflow_id    text NOT NULL,
  application_id text NOT NULL,
  certificate_no text NOT NULL REFERENCES certificates (number),
  round          integer NOT NULL,
  verifier_ids   jsonb NOT NULL,
  assigned_by    text NOT NULL,
  assigned_at    timestamptz NOT NULL
);
CREATE INDEX inspection_teams_workflow ON inspection_teams (workflow_id, id);

-- Results of follow-up inspections (first round and re-inspection after rectification).
CREATE TABLE follow_up_inspections (
  id             bigserial PRIMARY KEY,
  event_key      text NOT NULL UNIQUE,
  workflow_id    text NOT NULL,
  application_id text NOT NULL,
  certificate_no text NOT NULL REFERENCES certificates (number),
  kind           text NOT NULL,
  round          integer NOT NULL,
  outcome        text NOT NULL CHECK (outcome IN ('pass', 'rectification-required', 'failed')),
  verifier_ids   jsonb NOT NULL,
  findings       text,
  rectify_by     date,
  in_time        boolean NOT NULL,
  recorded_by    text NOT NULL,
  occurred_at    timestamptz NOT NULL
);
CREATE INDEX follow_up_inspections_certificate ON follow_up_inspections (certificate_no, round);

-- L04, L08: no new application for this product until ends_on (inclusive). One per revoked certificate.
CREATE TABLE bans (
  id             bigserial PRIMARY KEY,
  uscc           text NOT NULL,
  product        text NOT NULL,
  ground         text NOT NULL,
  rule           text NOT NULL,
  reason         text NOT NULL,
  starts_on      date NOT NULL,
  ends_on        date NOT NULL CHECK (ends_on >= starts_on),
  certificate_no text UNIQUE REFERENCES certificates (number),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bans_lookup ON bans (uscc, product, ends_on);

-- R12: what goes to the national enterprise credit publicity system (a sender reads from here).
CREATE TABLE credit_publicity (
  id             bigserial PRIMARY KEY,
  record_key     text NOT NULL UNIQUE,
  uscc           text NOT NULL,
  enterprise_name text NOT NULL,
  certificate_no text REFERENCES certificates (number),
  product        text NOT NULL,
  kind           text NOT NULL,
  ground         text NOT NULL,
  rule           text NOT NULL,
  summary        text NOT NULL,
  decided_on     date NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  published_at   timestamptz
);
CREATE INDEX credit_publicity_uscc ON credit_publicity (uscc);

-- L05: a licence that counts as renewed (no decision at expiry) is valid through this date.
ALTER TABLE certificates ADD COLUMN deemed_renewed_until date;
