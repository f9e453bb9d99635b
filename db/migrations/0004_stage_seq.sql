-- Activities of one case can finish out of order (an Update's audit write beside the main
-- flow's). The workflow numbers its stage changes; a write carrying an older number never
-- overwrites a newer stage.
ALTER TABLE applications ADD COLUMN stage_seq integer NOT NULL DEFAULT 0;
