/**
 * L02: the written notices sent to an applicant when the decision clock stops and runs again
 * (domain/approval/notices.ts). Written with the pause's audit row, in its transaction; read by
 * the API for the applicant and the province's staff.
 */
import type { Pool, PoolClient } from 'pg';
import type { WrittenNotice } from '../domain/approval/notices';
import type { Limit } from '../domain/policy';

export interface StoredNotice extends WrittenNotice {
  id: string;
  applicationId: string;
  issuedAt: string;
}

/** Writes a notice once per key; a retry adds nothing. */
export async function insertNotice(c: PoolClient, key: string, applicationId: string, issuedAt: string, n: WrittenNotice): Promise<void> {
  await c.query(
    `INSERT INTO written_notices (notice_key, application_id, kind, pause_kind, rule, what, why, expected_length, body, issued_at, issued_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (notice_key) DO NOTHING`,
    [key, applicationId, n.kind, n.pauseKind, n.rule, n.what, n.why, n.expectedLength ? JSON.stringify(n.expectedLength) : null, n.body, issuedAt, n.issuedBy],
  );
}

/** A case's notices, oldest first. */
export async function listNotices(pool: Pool, applicationId: string): Promise<StoredNotice[]> {
  const r = await pool.query<{
    notice_key: string; application_id: string; kind: WrittenNotice['kind']; pause_kind: string; rule: string; what: string; why: string;
    expected_length: Limit | null; body: string; issued_at: Date; issued_by: string;
  }>(
    `SELECT notice_key, application_id, kind, pause_kind, rule, what, why, expected_length, body, issued_at, issued_by
       FROM written_notices WHERE application_id = $1 ORDER BY issued_at, created_at`,
    [applicationId],
  );
  return r.rows.map((x) => ({
    id: x.notice_key,
    applicationId: x.application_id,
    kind: x.kind,
    pauseKind: x.pause_kind,
    rule: x.rule,
    what: x.what,
    why: x.why,
    ...(x.expected_length ? { expectedLength: x.expected_length } : {}),
    body: x.body,
    issuedAt: x.issued_at.toISOString(),
    issuedBy: x.issued_by,
  }));
}
