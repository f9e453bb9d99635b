-- Issue 12, L04 at application: a refusal for false materials or concealment warns the applicant
-- and bans it from applying for the product for a year. Such a ban comes from an application,
-- not a revoked certificate; one per application (a retried activity adds nothing).
ALTER TABLE bans ADD COLUMN application_id text UNIQUE REFERENCES applications (id);
ALTER TABLE credit_publicity ADD COLUMN application_id text REFERENCES applications (id);

-- Issue 12, L07: one certificate per enterprise per product per province. A change (增项) keeps
-- the number, extends the product units and production addresses, and issues a new electronic
-- version: `version` counts them, `version_issued_on` is the day the current one was issued.
ALTER TABLE certificates ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE certificates ADD COLUMN version_issued_on date;
-- Intake looks up the certificate an enterprise holds for a product here.
CREATE INDEX certificates_holder_product ON certificates (uscc, province, product) WHERE status IN ('valid', 'deemed-renewed');
