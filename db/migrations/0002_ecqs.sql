-- R06: the e-CQS outbox and SAMR's random-check draws.
--
-- Records are written in the same transaction as the state change they report (transactional
-- outbox) and deleted never: `acked_at` marks delivery, so the table is also the audit of what
-- SAMR was told and when it acknowledged it.

-- One row per ordering stream (a case); the row lock serialises sequence numbers per case, so
-- the records of a case form a gap-free 1, 2, 3… in commit order.
CREATE TABLE ecqs_streams (
  case_id  text PRIMARY KEY,
  last_seq integer NOT NULL
);

CREATE TABLE ecqs_outbox (
  id              bigserial PRIMARY KEY,
  record_id       uuid NOT NULL UNIQUE,          -- Idempotency-Key; derived from the event key
  event_key       text NOT NULL UNIQUE,          -- the audit event that produced it
  case_id         text NOT NULL,
  seq             integer NOT NULL,
  event           text NOT NULL,
  province        text NOT NULL,
  schema_version  text NOT NULL,
  payload         jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  leased_by       text,
  leased_until    timestamptz,
  last_error      text,
  last_status     integer,
  acked_at        timestamptz,
  ack_count       integer NOT NULL DEFAULT 0,    -- times we recorded an acknowledgement (must end at 1)
  parked_at       timestamptz,                   -- refused by e-CQS as invalid (4xx): needs a person
  UNIQUE (case_id, seq)
);
-- The sender's scan: unacknowledged records only.
CREATE INDEX ecqs_outbox_pending ON ecqs_outbox (next_attempt_at, id) WHERE acked_at IS NULL;
CREATE INDEX ecqs_outbox_case_pending ON ecqs_outbox (case_id, seq) WHERE acked_at IS NULL;

-- SAMR random checks: every draw, with its seed and the population it was drawn from, so
-- anyone can re-run the draw and get the same sample.
CREATE TABLE samr_sample_draws (
  id               bigserial PRIMARY KEY,
  draw_key         text NOT NULL,                -- one draw per (run, province); retries add nothing
  province         text NOT NULL,
  window_from      timestamptz NOT NULL,
  window_to        timestamptz NOT NULL,
  seed             text NOT NULL,
  algorithm        text NOT NULL,
  rate             numeric NOT NULL,
  min_per_province integer NOT NULL,
  population       jsonb NOT NULL,               -- application ids, sorted: the input of the draw
  population_size  integer NOT NULL,
  sample           jsonb NOT NULL,               -- application ids drawn, in draw order
  drawn_at         timestamptz NOT NULL,
  workflow_id      text,
  run_id           text,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (draw_key, province)
);
CREATE INDEX samr_sample_draws_province ON samr_sample_draws (province, drawn_at);
