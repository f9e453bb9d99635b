-- R16: special rectification campaigns, and the tested samples that R16's failure rate divides by.
-- R14's e-CQS record for risk signals needs no table: it goes through ecqs_outbox like every record.

-- Tested samples (spot checks, R15) per product and province: the DENOMINATOR of R16's failure
-- rate. The spot-check work writes one row per sample whose final result is known (a re-test's
-- result replaces the first: one row per sample key). Failures are counted from risk_signals
-- (kind 'failed-test'); a failing sample names its signal here so it is not counted twice, and a
-- failed-test signal with no sample row here (received from SAMR or another province) counts as
-- one tested sample of its own. db/campaigns.ts spotCheckStats() is the one place that counts.
CREATE TABLE tested_samples (
  sample_key  text PRIMARY KEY,
  province    text NOT NULL,
  product     text NOT NULL,
  uscc        text,
  tested_on   date NOT NULL,
  failed      boolean NOT NULL,
  signal_key  text,
  source      text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tested_samples_product ON tested_samples (province, product, tested_on);
CREATE INDEX tested_samples_signal ON tested_samples (signal_key) WHERE signal_key IS NOT NULL;

-- One campaign per product and province at a time (a partial unique index): a second trigger while
-- one is proposed or running is added to its triggers instead.
CREATE TABLE campaigns (
  id            text PRIMARY KEY,
  province      text NOT NULL,
  product       text NOT NULL,
  status        text NOT NULL CHECK (status IN ('proposed', 'running', 'declined', 'ended')),
  policy_id     text NOT NULL,
  -- what started it: {kind: 'threshold', failures, samples, from, to} or {kind: 'accident', signalKey}
  triggers      jsonb NOT NULL,
  auto_start    boolean NOT NULL,
  proposed_on   date NOT NULL,
  confirmed_by  text,
  declined      jsonb,
  starts_on     date,
  ends_on       date,
  batch_id      text,
  report        jsonb,
  ended_at      timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX campaigns_one_open ON campaigns (province, product) WHERE status IN ('proposed', 'running');
CREATE INDEX campaigns_province ON campaigns (province, created_at);

-- A campaign inspects through an R11 batch of its own (rate 1 over the product's licensees): such
-- a batch belongs to no yearly plan and does not take part in the plans' no-overlap rule.
ALTER TABLE inspection_batches ALTER COLUMN plan_id DROP NOT NULL;
ALTER TABLE inspection_batches ADD COLUMN campaign_id text REFERENCES campaigns (id);
ALTER TABLE inspection_batches ADD CONSTRAINT inspection_batches_plan_or_campaign CHECK ((plan_id IS NULL) <> (campaign_id IS NULL));
