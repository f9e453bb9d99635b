/** Certificates on record (L07, R05): who holds one, its status, what the public check shows, who waits for it. */
import type { Pool, PoolClient } from 'pg';
import type { NamedCertificate } from '../domain/approval/named-certificate';
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
  }>(
    `SELECT number, status, product, province, product_names, to_char(issued_on, 'YYYY-MM-DD') AS issued_on,
            to_char(valid_until, 'YYYY-MM-DD') AS valid_until, superseded_by
       FROM certificates WHERE number = $1`,
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
