/** Audit rows for supervision records that belong to no application (registers, grades, plans). */
import type { Pool, PoolClient } from 'pg';
import type { Actor } from '../domain/roles';

export interface SupervisionAuditEntry {
  eventKey: string;
  action: string;
  actor?: Pick<Actor, 'id' | 'role'>;
  reason?: string;
  details?: Record<string, unknown>;
  occurredAt: string;
}

/** Appends to the same append-only `audit_events` as the cases, with no application id; false on a repeat. */
export async function appendSupervisionAudit(c: Pool | PoolClient, e: SupervisionAuditEntry): Promise<boolean> {
  const r = await c.query(
    `INSERT INTO audit_events (event_key, action, actor_id, actor_role, reason, details, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_key) DO NOTHING`,
    [e.eventKey, e.action, e.actor?.id ?? null, e.actor?.role ?? null, e.reason ?? null, e.details ?? {}, e.occurredAt],
  );
  return r.rowCount === 1;
}
