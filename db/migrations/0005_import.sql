-- Issue 19: licences a province already held when it adopted this system, imported from a file.
--
-- An imported certificate has no application in this system: application_id is null and
-- `source` says where it came from. Everything that joined a certificate to its application
-- (e-CQS certificate events, revocation's audit row) falls back to the licence's own stream
-- `licence/<number>` when application_id is null.
ALTER TABLE certificates ALTER COLUMN application_id DROP NOT NULL;
ALTER TABLE certificates ADD COLUMN source text NOT NULL DEFAULT 'issued' CHECK (source IN ('issued', 'import'));
ALTER TABLE certificates ADD CONSTRAINT certificates_source_application CHECK ((source = 'issued') = (application_id IS NOT NULL));
ALTER TABLE certificates ADD COLUMN import_id text;
ALTER TABLE certificates ADD COLUMN import_line integer;
-- sha-256 of the row as imported: the same row again is `unchanged`, another is `changed` (reported, not written).
ALTER TABLE certificates ADD COLUMN import_hash text;
ALTER TABLE certificates ADD COLUMN issuing_authority text;
-- Set once the licence's lifecycle workflow is known to run (imports start it in pages).
ALTER TABLE certificates ADD COLUMN lifecycle_started_at timestamptz;

-- One row per import run, with the file it read and the summary at the end.
CREATE TABLE import_runs (
  id            text PRIMARY KEY,
  file_name     text NOT NULL,
  file_sha256   text NOT NULL,
  encoding      text NOT NULL,
  format        text NOT NULL,
  province      text NOT NULL,
  total_rows    integer NOT NULL,
  refused_rows  integer NOT NULL,
  started_by    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  summary       jsonb
);

-- Every row of the file: the validated record, or its problems (line, field, reason), and what
-- the import did with it. `outcome` is written once, so a retried page changes nothing.
CREATE TABLE import_rows (
  import_id    text NOT NULL REFERENCES import_runs (id),
  line         integer NOT NULL,
  kind         text,
  record_key   text,
  record       jsonb,
  record_hash  text,
  problems     jsonb,
  outcome      text CHECK (outcome IN ('imported', 'unchanged', 'changed', 'refused')),
  detail       jsonb,
  PRIMARY KEY (import_id, line)
);
CREATE INDEX import_rows_pending ON import_rows (import_id, line) WHERE outcome IS NULL;

-- Facts a risk grade needs (R17): past revocations, rectification orders, suspensions, from the
-- old system; `record_key` makes a re-import add nothing.
CREATE TABLE supervision_history (
  id             bigserial PRIMARY KEY,
  record_key     text NOT NULL UNIQUE,
  record_hash    text NOT NULL,
  uscc           text NOT NULL,
  product        text NOT NULL,
  certificate_no text,
  kind           text NOT NULL CHECK (kind IN ('revocation', 'rectification-order', 'suspension')),
  occurred_on    date NOT NULL,
  ends_on        date,
  ground         text,
  reason         text,
  source         text NOT NULL DEFAULT 'import',
  import_id      text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supervision_history_uscc ON supervision_history (uscc, product);

-- Bans from the old system (L04, L08): keyed so a re-import adds nothing.
ALTER TABLE bans ADD COLUMN source text NOT NULL DEFAULT 'revocation';
ALTER TABLE bans ADD COLUMN record_key text UNIQUE;
ALTER TABLE bans ADD COLUMN record_hash text;
