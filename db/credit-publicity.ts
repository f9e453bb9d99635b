/**
 * R12: the credit-publicity outbox. Rows of `credit_publicity` are written by whoever decides
 * (revocations in activities/licence/licence.ts, and any other kind) in the transaction of the
 * decision; 0009_publicity_outbox.sql gives each its place in its enterprise's stream. The sender
 * (workers/publicity-sender.ts) delivers them and sets `published_at`.
 */
import type { Pool } from 'pg';
import { nameBasedUuid, type OutboxBacklog, outboxBacklog } from './ecqs-outbox';

/** The record id (and Idempotency-Key) of a row: stable across retries, derived from its record_key. */
export function publicityRecordId(recordKey: string): string {
  return nameBasedUuid('credit-publicity', recordKey);
}

/** Ops: what is waiting, what is parked, how old the oldest unpublished record is. */
export async function publicityBacklog(pool: Pool): Promise<OutboxBacklog> {
  return outboxBacklog(pool, 'credit_publicity', 'published_at');
}

/** Ops: after fixing the cause of a refusal, put a parked record back in line (its enterprise's stream resumes). */
export async function requeueParkedPublicity(pool: Pool, recordKey: string): Promise<boolean> {
  const r = await pool.query(
    'UPDATE credit_publicity SET parked_at = NULL, next_attempt_at = now(), attempts = 0 WHERE record_key = $1 AND parked_at IS NOT NULL AND published_at IS NULL',
    [recordKey],
  );
  return r.rowCount === 1;
}
