-- Core records of a licence case. Workflows own the process; these tables are the durable,
-- queryable record of what happened, written only by idempotent activities.

CREATE TABLE applications (
  id               text PRIMARY KEY,
  province         text NOT NULL,
  uscc             text NOT NULL,
  enterprise_name  text NOT NULL,
  product          text NOT NULL,
  application_type text NOT NULL CHECK (application_type IN ('new', 'renewal', 'change')),
  payload          jsonb NOT NULL,
  received_at      timestamptz NOT NULL,
  accepted_at      timestamptz,
  acceptance       text CHECK (acceptance IN ('officer', 'deemed')),
  policy_version   text,
  path             text,
  stage            text NOT NULL,
  decision         text,
  decided_at       timestamptz,
  deadline_at      timestamptz,
  breached_at      timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applications_province_stage ON applications (province, stage);
CREATE INDEX applications_uscc ON applications (uscc);

-- Append-only: who did what, when, with which reason. `event_key` makes every write idempotent
-- (a retried activity inserts nothing the second time).
CREATE TABLE audit_events (
  id             bigserial PRIMARY KEY,
  event_key      text NOT NULL UNIQUE,
  application_id text,
  certificate_no text,
  action         text NOT NULL,
  actor_id       text,
  actor_role     text,
  reason         text,
  details        jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at    timestamptz NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_application ON audit_events (application_id, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- L07: serial per province and product code; a row lock makes numbers sequential without gaps.
CREATE TABLE certificate_serials (
  province      text NOT NULL,
  industry_code text NOT NULL,
  product_code  text NOT NULL,
  last_serial   integer NOT NULL,
  PRIMARY KEY (province, industry_code, product_code)
);

CREATE TABLE certificates (
  number              text PRIMARY KEY,
  application_id      text NOT NULL UNIQUE REFERENCES applications (id),
  province            text NOT NULL,
  uscc                text NOT NULL,
  enterprise_name     text NOT NULL,
  enterprise_address  text NOT NULL,
  production_addresses jsonb NOT NULL,
  product             text NOT NULL,
  product_names       jsonb NOT NULL,
  issued_on           date NOT NULL,
  valid_until         date NOT NULL,
  status              text NOT NULL DEFAULT 'valid'
                      CHECK (status IN ('valid', 'expired', 'cancelled', 'revoked', 'deemed-renewed', 'superseded')),
  supersedes          text REFERENCES certificates (number),
  superseded_by       text REFERENCES certificates (number),
  status_changed_at   timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificates_uscc ON certificates (uscc);

-- Reminders and escalations to people; a delivery channel (SMS, e-mail, the province's
-- portal) reads from here. `notification_key` keeps retries from sending twice.
CREATE TABLE notifications (
  id               bigserial PRIMARY KEY,
  notification_key text NOT NULL UNIQUE,
  application_id   text,
  province         text,
  recipient_role   text NOT NULL,
  recipient_id     text,
  kind             text NOT NULL,
  message          text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz
);
