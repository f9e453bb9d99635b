-- Every change to a register (verifiers, inspectors, laboratories, conflicts of interest): who,
-- when, what it was before and after, and the request that made it (docs/security.md).
CREATE TABLE register_changes (
  id          bigserial PRIMARY KEY,
  register    text NOT NULL,
  subject_id  text NOT NULL,
  action      text NOT NULL,
  actor_id    text NOT NULL,
  actor_role  text NOT NULL,
  before      jsonb,
  after       jsonb,
  request_id  text,
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX register_changes_subject ON register_changes (register, subject_id, occurred_at);
