-- Routine supervision (R11, R17): risk facts and grades, grade overrides, the inspector register.

-- R17: facts that raise a grade and are not already on record elsewhere (routine inspections that
-- failed, spot checks, substantiated risk information). Revocations, bans, follow-up failures and
-- rectification orders are read from their own tables.
CREATE TABLE supervision_facts (
  id          bigserial PRIMARY KEY,
  fact_key    text NOT NULL UNIQUE,
  uscc        text NOT NULL,
  province    text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('failed-inspection', 'failed-spot-check', 'rectification-order', 'risk-information')),
  occurred_on date NOT NULL,
  ref         text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supervision_facts_enterprise ON supervision_facts (province, uscc, occurred_on);

-- R17: the latest computed grade per enterprise and province, with its reasons and the facts used.
CREATE TABLE risk_grades (
  uscc        text NOT NULL,
  province    text NOT NULL,
  grade       text NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
  score       integer NOT NULL,
  policy_id   text NOT NULL,
  as_of       date NOT NULL,
  reasons     jsonb NOT NULL,
  facts       jsonb NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (province, uscc)
);

-- R17: a supervisor's override, kept for good (the newest in force applies).
CREATE TABLE risk_grade_overrides (
  id            bigserial PRIMARY KEY,
  uscc          text NOT NULL,
  province      text NOT NULL,
  grade         text NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
  reason        text NOT NULL CHECK (length(btrim(reason)) > 0),
  overridden_by text NOT NULL,
  overridden_at timestamptz NOT NULL,
  until         date NOT NULL
);
CREATE INDEX risk_grade_overrides_enterprise ON risk_grade_overrides (province, uscc, id);

-- R11: the province's enforcement officers, drawn into inspection teams.
CREATE TABLE inspectors (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  province   text NOT NULL,
  suspended  boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inspectors_province ON inspectors (province, id);

-- 回避: an inspector is never drawn for an enterprise he is conflicted with.
CREATE TABLE inspector_conflicts (
  inspector_id text NOT NULL REFERENCES inspectors (id),
  uscc         text NOT NULL,
  reason       text NOT NULL,
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (inspector_id, uscc)
);
