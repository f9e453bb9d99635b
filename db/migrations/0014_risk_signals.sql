-- R14: quality-risk signals per product and region, with their source and evidence. A signal is
-- recorded once per key (a retried activity or a repeated message adds nothing). Signals about a
-- licensee of the province raise its grade (R17, through a `risk-information` fact) and every
-- signal about a product counts towards R16's campaign thresholds. `origin = 'received'` marks a
-- signal from SAMR or another province about one of this province's licensees.
CREATE TABLE risk_signals (
  id           bigserial PRIMARY KEY,
  signal_key   text NOT NULL UNIQUE,
  province     text NOT NULL,
  product      text NOT NULL,
  region       text NOT NULL,
  uscc         text,
  kind         text NOT NULL CHECK (kind IN ('failed-test', 'accident', 'substantiated-report', 'inspection-finding', 'other')),
  serious      boolean NOT NULL DEFAULT false,
  origin       text NOT NULL CHECK (origin IN ('local', 'received')),
  source       text NOT NULL,
  summary      text NOT NULL,
  evidence     jsonb NOT NULL DEFAULT '[]'::jsonb,
  occurred_on  date NOT NULL,
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_signals_product ON risk_signals (province, product, occurred_on);
CREATE INDEX risk_signals_enterprise ON risk_signals (province, uscc, occurred_on) WHERE uscc IS NOT NULL;
