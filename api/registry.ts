/**
 * The API's reads of PostgreSQL for the after-issuance routes: who holds a certificate (to scope
 * the licence routes before Temporal is asked) and a verifier's record (R10). Writes go through
 * activities/supervision.ts.
 */
import type { Pool } from 'pg';
import type { VerifierRecord } from '../domain/supervision';
import { HttpProblem } from './problem';

/** A certificate as far as scoping needs it: whose it is and where. */
export interface CertificateRef {
  number: string;
  province: string;
  uscc: string;
  applicationId: string;
  status: string;
}

function unreachable(err: unknown): HttpProblem {
  return new HttpProblem('unavailable', `the database is not reachable: ${err instanceof Error ? err.message : String(err)}`);
}

async function query<R extends object>(pool: Pool, sql: string, params: unknown[]): Promise<R[]> {
  try {
    return (await pool.query<R>(sql, params)).rows;
  } catch (err) {
    throw unreachable(err);
  }
}

/** 404 when no certificate has this number. */
export async function findCertificate(pool: Pool, number: string): Promise<CertificateRef> {
  const rows = await query<{ number: string; province: string; uscc: string; application_id: string; status: string }>(
    pool,
    'SELECT number, province, uscc, application_id, status FROM certificates WHERE number = $1',
    [number],
  );
  const r = rows[0];
  if (!r) throw new HttpProblem('not-found', `no certificate ${number}`);
  return { number: r.number, province: r.province, uscc: r.uscc, applicationId: r.application_id, status: r.status };
}

/**
 * R10: a verifier's record, or undefined. (activities/supervision.ts has no reader for one
 * verifier; this is the same row `teamProblems` reads.)
 */
export async function findVerifier(pool: Pool, id: string): Promise<VerifierRecord | undefined> {
  const rows = await query<{ id: string; name: string; certified_by: string; certified_on: string; certified_until: string; suspended: boolean }>(
    pool,
    `SELECT id, name, certified_by, to_char(certified_on, 'YYYY-MM-DD') AS certified_on,
            to_char(certified_until, 'YYYY-MM-DD') AS certified_until, suspended
       FROM verifiers WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  return r && { id: r.id, name: r.name, certifiedBy: r.certified_by, certifiedOn: r.certified_on, certifiedUntil: r.certified_until, suspended: r.suspended };
}
