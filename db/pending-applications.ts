/**
 * L07: the open `new` applications of an enterprise for a product in a province. An application
 * is open until it is decided, and an approved one until its certificate is on record (from then
 * on the held certificate answers, db/certificates.ts findHeldCertificate). An application refused
 * at intake as a duplicate does not count.
 */
import type { Pool, PoolClient } from 'pg';

/** The oldest open `new` application of (uscc, province, product) other than `exceptId`, or undefined. */
export async function findOpenNewApplication(c: Pool | PoolClient, key: { uscc: string; province: string; product: string }, exceptId: string): Promise<string | undefined> {
  const { rows } = await c.query<{ id: string }>(
    `SELECT a.id FROM applications a
      WHERE a.uscc = $1 AND a.province = $2 AND a.product = $3 AND a.application_type = 'new' AND a.id <> $4 AND a.pending_duplicate_of IS NULL
        AND (a.decision IS NULL OR (a.decision = 'approved' AND NOT EXISTS (SELECT 1 FROM certificates k WHERE k.application_id = a.id)))
      ORDER BY a.received_at, a.id LIMIT 1`,
    [key.uscc, key.province, key.product, exceptId],
  );
  return rows[0]?.id;
}
