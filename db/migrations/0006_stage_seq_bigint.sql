-- The workflow's stage numbers are anchored to workflow time (see workflows/approval/case-state.ts),
-- so the changes a reset run makes outrank everything the old run wrote: they need 64 bits.
ALTER TABLE applications ALTER COLUMN stage_seq TYPE bigint;
