-- R11: the province's yearly inspection plans, their batches, each batch's stored draw, and one
-- inspection task per drawn enterprise with its team, result and publication.

CREATE TABLE inspection_plans (
  id          text PRIMARY KEY,
  province    text NOT NULL,
  year        integer NOT NULL,
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inspection_batches (
  id          text PRIMARY KEY,
  plan_id     text NOT NULL REFERENCES inspection_plans (id),
  province    text NOT NULL,
  seq         integer NOT NULL,
  starts_on   date NOT NULL,
  ends_on     date NOT NULL CHECK (ends_on >= starts_on),
  products    jsonb NOT NULL,
  scope       text NOT NULL,
  rates       jsonb NOT NULL,
  seed        text NOT NULL,
  schedule_id text NOT NULL,
  UNIQUE (plan_id, seq)
);
CREATE INDEX inspection_batches_province ON inspection_batches (province, starts_on);

-- 全程留痕: what was drawn from, with which seed and rates, and what came out. Written once.
CREATE TABLE inspection_batch_draws (
  batch_id    text PRIMARY KEY REFERENCES inspection_batches (id),
  algorithm   text NOT NULL,
  seed        text NOT NULL,
  policy_id   text NOT NULL,
  rates       jsonb NOT NULL,
  population  jsonb NOT NULL,
  by_grade    jsonb NOT NULL,
  selected    jsonb NOT NULL,
  forced      jsonb NOT NULL,
  drawn_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inspection_tasks (
  id              text PRIMARY KEY,
  batch_id        text NOT NULL REFERENCES inspection_batches (id),
  province        text NOT NULL,
  uscc            text NOT NULL,
  grade           text NOT NULL,
  team            jsonb,
  staffing_problem text,
  due_on          date NOT NULL,
  started_at      timestamptz,
  outcome         text CHECK (outcome IN ('pass', 'problems-found', 'not-found', 'refused')),
  findings        text,
  result_by       text,
  result_at       timestamptz,
  inspected_on    date,
  publication_due timestamptz,
  UNIQUE (batch_id, uscc)
);
CREATE INDEX inspection_tasks_batch ON inspection_tasks (batch_id, id);
CREATE INDEX inspection_tasks_enterprise ON inspection_tasks (province, uscc, result_at);
