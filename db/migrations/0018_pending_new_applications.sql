-- L07: one certificate per enterprise, product and province, also while applications are open.
-- Two `new` applications for the same product filed together both passed intake, each before the
-- other had a certificate. The receipt now takes a lock on (uscc, province, product) and, for a
-- `new` application, records here the open `new` application of the same enterprise and product
-- that was received before it (or NULL): the workflow refuses it at intake naming that one. Kept
-- on the row so a retried receipt gives the same answer; rows from before this stay NULL.
ALTER TABLE applications ADD COLUMN pending_duplicate_of text;

-- The look-up at receipt and at submission: open `new` applications of an enterprise and product.
CREATE INDEX applications_open_new ON applications (uscc, province, product) WHERE application_type = 'new' AND decision IS NULL;
