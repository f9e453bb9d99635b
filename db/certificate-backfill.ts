/**
 * R05: certificates written before migration 0009 (and imported ones) have no stored content hash.
 * This stamps each of them once with the hash of its canonical content, computed in TypeScript by
 * the same code as at issuance (stampCertificateContent, domain/licence/certificate.ts). Idempotent:
 * only rows whose hash is missing are touched, each under its row lock and re-checked there, so a
 * change stamping the same certificate meanwhile is never overwritten, and a second run does nothing.
 */
import type { Pool } from 'pg';
import { stampCertificateContent } from './certificates';
import { inTransaction } from './tx';

export interface BackfillReport {
  /** Certificates without a hash when the run started (or, dry run, now). */
  missing: number;
  stamped: number;
  /** Stamped by something else between the look-up and the row lock. */
  skipped: number;
}

/** Stamps every certificate without a content hash, `batchSize` at a time; `dryRun` only counts them. */
export async function backfillCertificateHashes(pool: Pool, o: { batchSize?: number; dryRun?: boolean; onBatch?: (r: BackfillReport) => void } = {}): Promise<BackfillReport> {
  const batchSize = o.batchSize ?? 500;
  const missing = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM certificates WHERE content_sha256 IS NULL')).rows[0]!.n;
  const report: BackfillReport = { missing, stamped: 0, skipped: 0 };
  if (o.dryRun) return report;
  let after = '';
  for (;;) {
    const { rows } = await pool.query<{ number: string }>('SELECT number FROM certificates WHERE content_sha256 IS NULL AND number > $1 ORDER BY number LIMIT $2', [after, batchSize]);
    if (!rows.length) break;
    await inTransaction(pool, async (c) => {
      for (const { number } of rows) {
        const locked = await c.query<{ content_sha256: string | null }>('SELECT content_sha256 FROM certificates WHERE number = $1 FOR UPDATE', [number]);
        if (locked.rows[0]?.content_sha256 !== null) {
          report.skipped++;
          continue;
        }
        await stampCertificateContent(c, number);
        report.stamped++;
      }
    });
    after = rows.at(-1)!.number;
    o.onBatch?.({ ...report });
  }
  return report;
}
