/** Certificates on record (L07, R05): who holds one, its status, what the public check shows, who waits for it. */
import type { Pool, PoolClient } from 'pg';
import type { NamedCertificate } from '../domain/approval/named-certificate';
import { certificateCanonicalContent, type CertificateContent, certificateContentSha256 } from '../domain/licence/certificate';
import type { LicenceStatus } from '../domain/licence/messages';
import type { ProductId } from '../domain/policy';

type Db = Pool | PoolClient;

/** A certificate as far as scoping needs it: whose it is and where. */
export interface CertificateRef {
  number: string;
  province: string;
  uscc: string;
  /** Null for a licence imported from the province's previous register (0005_import.sql). */
  applicationId: string | null;
  status: string;
}

export async function findCertificate(db: Db, number: string): Promise<CertificateRef | undefined> {
  const { rows } = await db.query<{ number: string; province: string; uscc: string; application_id: string | null; status: string }>(
    'SELECT number, province, uscc, application_id, status FROM certificates WHERE number = $1',
    [number],
  );
  const r = rows[0];
  return r && { number: r.number, province: r.province, uscc: r.uscc, applicationId: r.application_id, status: r.status };
}

/** R08, L05, L07: the certificate a renewal or change names, with what intake checks (holder, province, product, status, term). */
export async function findNamedCertificate(db: Db, number: string): Promise<NamedCertificate | undefined> {
  const { rows } = await db.query<{ number: string; province: string; uscc: string; product: ProductId; status: LicenceStatus; valid_until: string; deemed_renewed_until: string | null }>(
    `SELECT number, province, uscc, product, status, to_char(valid_until, 'YYYY-MM-DD') AS valid_until,
            to_char(deemed_renewed_until, 'YYYY-MM-DD') AS deemed_renewed_until
       FROM certificates WHERE number = $1`,
    [number],
  );
  const r = rows[0];
  return (
    r && { number: r.number, province: r.province, uscc: r.uscc, product: r.product, status: r.status, validUntil: r.valid_until, deemedRenewedUntil: r.deemed_renewed_until }
  );
}

/** L07: the certificate in force (valid or deemed-renewed) an enterprise holds for a product in a province, if any. */
export async function findHeldCertificate(db: Db, uscc: string, province: string, product: ProductId): Promise<NamedCertificate | undefined> {
  const { rows } = await db.query<{ number: string }>(
    `SELECT number FROM certificates WHERE uscc = $1 AND province = $2 AND product = $3 AND status IN ('valid', 'deemed-renewed')
      ORDER BY issued_on DESC, number DESC LIMIT 1`,
    [uscc, province, product],
  );
  return rows[0] ? findNamedCertificate(db, rows[0].number) : undefined;
}

/** What the public check reads: no enterprise identity, no personal data. */
export interface CertificatePublicRow {
  number: string;
  status: LicenceStatus;
  product: ProductId;
  province: string;
  productNames: string[];
  issuedOn: string;
  validUntil: string;
  supersededBy: string | null;
  /** R05: the canonical content (holder as a digest) and its SHA-256 as stored at issuance; null for a licence imported without one. */
  canonicalContent: string;
  contentSha256: string | null;
  /** R15: the open rectification order on this enterprise's product, if any. */
  rectification: { orderedOn: string; rectifyBy: string; spotCheck?: string } | null;
}

export async function findCertificateForCheck(db: Db, number: string): Promise<CertificatePublicRow | undefined> {
  const { rows } = await db.query<{
    number: string;
    status: LicenceStatus;
    product: ProductId;
    province: string;
    product_names: string[];
    issued_on: string;
    valid_until: string;
    superseded_by: string | null;
    enterprise_name: string;
    enterprise_address: string;
    production_addresses: CertificateContent['productionAddresses'];
    content_sha256: string | null;
    ordered_on: string | null;
    rectify_by: string | null;
    spot_check: string | null;
  }>(
    `SELECT c.number, c.status, c.product, c.province, c.product_names, to_char(c.issued_on, 'YYYY-MM-DD') AS issued_on,
            to_char(c.valid_until, 'YYYY-MM-DD') AS valid_until, c.superseded_by, c.enterprise_name, c.enterprise_address,
            c.production_addresses, c.content_sha256, to_char(o.occurred_at AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM-DD') AS ordered_on,
            to_char(o.rectify_by, 'YYYY-MM-DD') AS rectify_by, o.spot_check
       FROM certificates c
       LEFT JOIN LATERAL (${OPEN_RECTIFICATION_ORDER}) o ON true
      WHERE c.number = $1`,
    [number],
  );
  const r = rows[0];
  return (
    r && {
      number: r.number,
      status: r.status,
      product: r.product,
      province: r.province,
      productNames: r.product_names,
      issuedOn: r.issued_on,
      validUntil: r.valid_until,
      supersededBy: r.superseded_by,
      canonicalContent: certificateCanonicalContent(contentOf(r)),
      contentSha256: r.content_sha256,
      rectification: r.rectify_by && r.ordered_on ? { orderedOn: r.ordered_on, rectifyBy: r.rectify_by, ...(r.spot_check ? { spotCheck: r.spot_check } : {}) } : null,
    }
  );
}

/**
 * R15: the newest rectification order (follow-up inspection `rectification-required`) on the
 * enterprise and product of certificate `c`, while no re-inspection of that follow-up has a
 * result yet, or (R15 spot checks) an order to stop production and sale that its spot check has
 * not closed. An order on a licence that has ended (its follow-up closes with it) no longer
 * counts. A lateral subquery over alias `c`.
 */
const OPEN_RECTIFICATION_ORDER = `
  SELECT * FROM (
    SELECT f.occurred_at, f.rectify_by, NULL::text AS spot_check FROM follow_up_inspections f JOIN certificates fc ON fc.number = f.certificate_no
     WHERE fc.uscc = c.uscc AND fc.product = c.product AND f.outcome = 'rectification-required' AND fc.status IN ('valid', 'deemed-renewed')
       AND NOT EXISTS (SELECT 1 FROM follow_up_inspections r WHERE r.workflow_id = f.workflow_id AND r.round > f.round)
    UNION ALL
    -- The round, not the spot check: a spot check's id carries the holder's USCC, which the public check never shows.
    SELECT s.order_at, s.rectify_by, s.round_id FROM spot_checks s
     WHERE s.uscc = c.uscc AND s.product = c.product AND s.province = c.province AND s.order_at IS NOT NULL AND s.order_closed_at IS NULL
  ) o ORDER BY o.occurred_at DESC LIMIT 1`;

function contentOf(r: {
  number: string;
  enterprise_name: string;
  enterprise_address: string;
  production_addresses: CertificateContent['productionAddresses'];
  product: string;
  product_names: string[];
  issued_on: string;
  valid_until: string;
}): CertificateContent {
  return {
    number: r.number,
    enterpriseName: r.enterprise_name,
    enterpriseAddress: r.enterprise_address,
    productionAddresses: r.production_addresses,
    product: r.product,
    productNames: r.product_names,
    issuedOn: r.issued_on,
    validUntil: r.valid_until,
  };
}

/**
 * R05: computes the SHA-256 of certificate `number`'s canonical content from the row as written
 * and stores it with the certificate. Call it in the transaction that writes or changes what the
 * certificate says (issuance, 变更, a new version); returns the hash.
 */
export async function stampCertificateContent(db: Db, number: string): Promise<string> {
  const { rows } = await db.query<Parameters<typeof contentOf>[0]>(
    `SELECT number, enterprise_name, enterprise_address, production_addresses, product, product_names,
            to_char(issued_on, 'YYYY-MM-DD') AS issued_on, to_char(valid_until, 'YYYY-MM-DD') AS valid_until
       FROM certificates WHERE number = $1`,
    [number],
  );
  if (!rows[0]) throw new Error(`no certificate ${number}`);
  const sha = certificateContentSha256(contentOf(rows[0]));
  await db.query('UPDATE certificates SET content_sha256 = $2 WHERE number = $1', [number, sha]);
  return sha;
}

/** L07: everything the electronic certificate shows, in its current version. */
export interface CertificateDocumentRow {
  number: string;
  status: LicenceStatus;
  province: string;
  product: ProductId;
  enterpriseName: string;
  enterpriseAddress: string;
  productionAddresses: { province: string; address: string }[];
  productNames: string[];
  issuedOn: string;
  validUntil: string;
  version: number;
  versionIssuedOn: string;
}

export async function findCertificateDocument(db: Db, number: string): Promise<CertificateDocumentRow | undefined> {
  const { rows } = await db.query<{
    number: string;
    status: LicenceStatus;
    province: string;
    product: ProductId;
    enterprise_name: string;
    enterprise_address: string;
    production_addresses: { province: string; address: string }[];
    product_names: string[];
    issued_on: string;
    valid_until: string;
    version: number;
    version_issued_on: string;
  }>(
    `SELECT number, status, province, product, enterprise_name, enterprise_address, production_addresses, product_names,
            to_char(issued_on, 'YYYY-MM-DD') AS issued_on, to_char(valid_until, 'YYYY-MM-DD') AS valid_until, version,
            to_char(COALESCE(version_issued_on, issued_on), 'YYYY-MM-DD') AS version_issued_on
       FROM certificates WHERE number = $1`,
    [number],
  );
  const r = rows[0];
  return (
    r && {
      number: r.number,
      status: r.status,
      province: r.province,
      product: r.product,
      enterpriseName: r.enterprise_name,
      enterpriseAddress: r.enterprise_address,
      productionAddresses: r.production_addresses,
      productNames: r.product_names,
      issuedOn: r.issued_on,
      validUntil: r.valid_until,
      version: r.version,
      versionIssuedOn: r.version_issued_on,
    }
  );
}

/** R04: the current status of a certificate issued in this system, or null when unknown. */
export async function certificateStatus(db: Db, number: string): Promise<string | null> {
  const r = await db.query<{ status: string }>('SELECT status FROM certificates WHERE number = $1', [number]);
  return r.rows[0]?.status ?? null;
}

/** R04: undecided take-over cases (acquisition, merger, …) that name this certificate as their predecessor. */
export async function findWaitingTakeOvers(db: Db, certificateNumber: string): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `SELECT id FROM applications WHERE payload->'predecessor'->>'certificateNumber' = $1 AND decision IS NULL ORDER BY received_at`,
    [certificateNumber],
  );
  return r.rows.map((x) => x.id);
}
