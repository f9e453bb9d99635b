-- R15: spot checks (监督抽查) and the laboratory register they test with.

-- The province's testing laboratories. A laboratory never tests a sample of an enterprise that
-- owns it or that it is conflicted with (laboratory_links).
CREATE TABLE laboratories (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  province   text NOT NULL,
  suspended  boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX laboratories_province ON laboratories (province, id);

CREATE TABLE laboratory_links (
  laboratory_id text NOT NULL REFERENCES laboratories (id),
  uscc          text NOT NULL,
  relation      text NOT NULL CHECK (relation IN ('owned-by', 'conflicted')),
  reason        text NOT NULL,
  recorded_by   text NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (laboratory_id, uscc)
);

-- A round: product, how its enterprises were chosen, and (drawn) the draw's seed, population,
-- rates and result, kept so it can be re-run to the same answer; (named) the enterprises named.
-- `selected` and `drawn_at` are set once, by the round's workflow, with its spot checks.
CREATE TABLE spot_check_rounds (
  id          text PRIMARY KEY,
  province    text NOT NULL,
  product     text NOT NULL,
  mode        text NOT NULL CHECK (mode IN ('drawn', 'named')),
  seed        text,
  rates       jsonb,
  population  jsonb,
  named       jsonb,
  by_grade    jsonb,
  selected    jsonb,
  drawn_at    timestamptz,
  algorithm   text,
  policy_id   text,
  planned_by  text NOT NULL,
  planned_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spot_check_rounds_province ON spot_check_rounds (province, planned_at);

-- One spot check per enterprise of a round (workflow `spot-check/<id>`). The workflow holds the
-- process; these columns are what lists, the enterprise's view and the public check read.
CREATE TABLE spot_checks (
  id                 text PRIMARY KEY,
  round_id           text NOT NULL REFERENCES spot_check_rounds (id),
  province           text NOT NULL,
  product            text NOT NULL,
  uscc               text NOT NULL,
  grade              text,
  stage              text NOT NULL DEFAULT 'sampling',
  sample             jsonb,
  laboratory_id      text,
  result             text CHECK (result IN ('pass', 'fail')),
  result_on          date,
  notified_on        date,
  objection_deadline date,
  objected_at        timestamptz,
  retest_laboratory_id text,
  retest_result      text CHECK (retest_result IN ('pass', 'fail')),
  final_result       text CHECK (final_result IN ('pass', 'fail')),
  order_at           timestamptz,
  rectify_by         date,
  order_closed_at    timestamptz,
  order_outcome      text,
  UNIQUE (round_id, uscc)
);
CREATE INDEX spot_checks_province ON spot_checks (province, round_id);
CREATE INDEX spot_checks_enterprise ON spot_checks (uscc, product);
