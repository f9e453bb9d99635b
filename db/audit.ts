/** The append-only audit trail (`audit_events`): one row per event key, so a retry writes nothing twice. */
import type { PoolClient } from 'pg';
import type { Actor } from '../domain/roles';

export interface AuditEntry {
  eventKey: string;
  applicationId: string;
  action: string;
  actor?: Pick<Actor, 'id' | 'role'>;
  reason?: string;
  details?: Record<string, unknown>;
  occurredAt: string;
}

/** Inserts the audit row; false when this event was already recorded (a retry). */
export async function appendAudit(c: PoolClient, e: AuditEntry, certificateNo?: string): Promise<boolean> {
  const r = await c.query(
    `INSERT INTO audit_events (event_key, application_id, certificate_no, action, actor_id, actor_role, reason, details, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_key) DO NOTHING`,
    [e.eventKey, e.applicationId, certificateNo ?? null, e.action, e.actor?.id ?? null, e.actor?.role ?? null, e.reason ?? null, e.details ?? {}, e.occurredAt],
  );
  return r.rowCount === 1;
}
