/**
 * The verifier register (R10, L06): certifications, suspensions and conflicts of interest. The
 * API writes and reads it; activities check teams against it on the day of an inspection.
 */
import type { Pool, PoolClient } from 'pg';
import { verifierProblem, type VerifierRecord } from '../domain/supervision/verifiers';

/** R10: adds or updates a verifier's certification (the province's training and assessment record). */
export async function upsertVerifier(pool: Pool | PoolClient, v: VerifierRecord): Promise<void> {
  await pool.query(
    `INSERT INTO verifiers (id, name, certified_by, certified_on, certified_until, suspended) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, certified_by = EXCLUDED.certified_by, certified_on = EXCLUDED.certified_on,
       certified_until = EXCLUDED.certified_until, suspended = EXCLUDED.suspended, updated_at = now()`,
    [v.id, v.name, v.certifiedBy, v.certifiedOn, v.certifiedUntil, v.suspended ?? false],
  );
}

/** Records that a verifier may not inspect an enterprise. */
export async function recordConflict(pool: Pool | PoolClient, verifierId: string, uscc: string, reason: string): Promise<void> {
  await pool.query(
    `INSERT INTO verifier_conflicts (verifier_id, uscc, reason) VALUES ($1, $2, $3) ON CONFLICT (verifier_id, uscc) DO UPDATE SET reason = EXCLUDED.reason`,
    [verifierId, uscc, reason],
  );
}

/** R10, L06: why each verifier may not inspect this enterprise on `on`; empty when the team is fine. */
export async function teamProblems(c: Pool | PoolClient, verifierIds: string[], uscc: string, on: string): Promise<string[]> {
  const rows = await c.query<{ id: string; name: string; certified_by: string; certified_on: string; certified_until: string; suspended: boolean; conflicted: boolean }>(
    `SELECT v.id, v.name, v.certified_by, to_char(v.certified_on, 'YYYY-MM-DD') AS certified_on,
            to_char(v.certified_until, 'YYYY-MM-DD') AS certified_until, v.suspended,
            EXISTS (SELECT 1 FROM verifier_conflicts k WHERE k.verifier_id = v.id AND k.uscc = $2) AS conflicted
       FROM verifiers v WHERE v.id = ANY($1::text[])`,
    [verifierIds, uscc],
  );
  const byId = new Map(rows.rows.map((r) => [r.id, r]));
  const problems: string[] = [];
  for (const id of verifierIds) {
    const r = byId.get(id);
    const rec: VerifierRecord | undefined = r && {
      id: r.id,
      name: r.name,
      certifiedBy: r.certified_by,
      certifiedOn: r.certified_on,
      certifiedUntil: r.certified_until,
      suspended: r.suspended,
    };
    const p = verifierProblem(rec, id, on, r?.conflicted ?? false);
    if (p) problems.push(p);
  }
  return problems;
}

/** R10: a verifier's record, or undefined. */
export async function findVerifier(pool: Pool | PoolClient, id: string): Promise<VerifierRecord | undefined> {
  const { rows } = await pool.query<{ id: string; name: string; certified_by: string; certified_on: string; certified_until: string; suspended: boolean }>(
    `SELECT id, name, certified_by, to_char(certified_on, 'YYYY-MM-DD') AS certified_on,
            to_char(certified_until, 'YYYY-MM-DD') AS certified_until, suspended
       FROM verifiers WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  return r && { id: r.id, name: r.name, certifiedBy: r.certified_by, certifiedOn: r.certified_on, certifiedUntil: r.certified_until, suspended: r.suspended };
}
