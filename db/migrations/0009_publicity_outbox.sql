-- R12: credit_publicity becomes its own outbox for the national enterprise credit publicity
-- system (国家企业信用信息公示系统), with e-CQS's guarantees (0002_ecqs.sql): a row is written in
-- the transaction of the decision it publishes, delivered in order per enterprise, once, with
-- `published_at` set when the system acknowledged it. Every kind of row goes (revocations, bans,
-- warnings, inspection results…): whoever inserts a row needs to do nothing else.
-- R05: the SHA-256 of each certificate's canonical content (domain/licence/certificate.ts).

ALTER TABLE certificates ADD COLUMN content_sha256 text CHECK (content_sha256 ~ '^[0-9a-f]{64}$');

-- One row per enterprise (the ordering stream); its row lock makes the sequence gap-free in commit order.
CREATE TABLE credit_publicity_streams (
  uscc     text PRIMARY KEY,
  last_seq integer NOT NULL
);

ALTER TABLE credit_publicity
  ADD COLUMN seq             integer,
  ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN leased_by       text,
  ADD COLUMN leased_until    timestamptz,
  ADD COLUMN last_error      text,
  ADD COLUMN last_status     integer,
  ADD COLUMN ack_count       integer NOT NULL DEFAULT 0,   -- acknowledgements recorded (must end at 1)
  ADD COLUMN parked_at       timestamptz;                  -- refused as invalid (4xx): needs a person

-- Rows written before this migration were never sent: they go first, in the order they were written.
WITH n AS (SELECT id, row_number() OVER (PARTITION BY uscc ORDER BY id) AS seq FROM credit_publicity)
UPDATE credit_publicity p SET seq = n.seq FROM n WHERE p.id = n.id;
INSERT INTO credit_publicity_streams (uscc, last_seq) SELECT uscc, max(seq) FROM credit_publicity GROUP BY uscc;

-- The sequence is assigned here rather than by each writer, so a plain INSERT from any module is
-- enough. The stream row is locked before the duplicate check (as in db/ecqs-outbox.ts): a
-- concurrent duplicate waits, then sees the first row, and an `ON CONFLICT (record_key) DO
-- NOTHING` retry leaves no gap in the sequence.
CREATE FUNCTION credit_publicity_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last integer;
BEGIN
  INSERT INTO credit_publicity_streams (uscc, last_seq) VALUES (NEW.uscc, 0)
    ON CONFLICT (uscc) DO UPDATE SET last_seq = credit_publicity_streams.last_seq
    RETURNING last_seq INTO last;
  IF EXISTS (SELECT 1 FROM credit_publicity WHERE record_key = NEW.record_key) THEN
    NEW.seq := 0; -- a duplicate: the insert is about to be skipped (or refused) on record_key
    RETURN NEW;
  END IF;
  UPDATE credit_publicity_streams SET last_seq = last + 1 WHERE uscc = NEW.uscc;
  NEW.seq := last + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER credit_publicity_sequence BEFORE INSERT ON credit_publicity
  FOR EACH ROW EXECUTE FUNCTION credit_publicity_sequence();

ALTER TABLE credit_publicity ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX credit_publicity_stream_seq ON credit_publicity (uscc, seq);
CREATE INDEX credit_publicity_pending ON credit_publicity (next_attempt_at, id) WHERE published_at IS NULL;
CREATE INDEX credit_publicity_stream_pending ON credit_publicity (uscc, seq) WHERE published_at IS NULL;
