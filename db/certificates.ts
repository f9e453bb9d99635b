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
