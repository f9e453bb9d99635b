/** The audit of register changes (`register_changes`): written in the same transaction as the change, so neither exists without the other. */
import type { PoolClient } from 'pg';

export interface RegisterChange {
  register: 'verifiers' | 'verifier-conflicts' | 'inspectors' | 'inspector-conflicts' | 'laboratories' | 'reporters';
  subjectId: string;
  action: string;
  actor: { id: string; role: string };
  before?: unknown;
  after?: unknown;
  requestId?: string;
}

export async function auditRegisterChange(c: PoolClient, e: RegisterChange): Promise<void> {
  await c.query(
    `INSERT INTO register_changes (register, subject_id, action, actor_id, actor_role, before, after, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.register, e.subjectId, e.action, e.actor.id, e.actor.role, e.before === undefined ? null : JSON.stringify(e.before), e.after === undefined ? null : JSON.stringify(e.after), e.requestId ?? null],
  );
}

export interface RegisterChangeRow {
  register: string;
  subjectId: string;
  action: string;
  actorId: string;
  actorRole: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
  occurredAt: string;
}

export async function registerChanges(c: { query: PoolClient['query'] }, register: string, subjectId: string): Promise<RegisterChangeRow[]> {
  const { rows } = await c.query<{ register: string; subject_id: string; action: string; actor_id: string; actor_role: string; before: unknown; after: unknown; request_id: string | null; occurred_at: Date }>(
    'SELECT register, subject_id, action, actor_id, actor_role, before, after, request_id, occurred_at FROM register_changes WHERE register = $1 AND subject_id = $2 ORDER BY id',
    [register, subjectId],
  );
  return rows.map((r) => ({
    register: r.register,
    subjectId: r.subject_id,
    action: r.action,
    actorId: r.actor_id,
    actorRole: r.actor_role,
    before: r.before,
    after: r.after,
    requestId: r.request_id,
    occurredAt: r.occurred_at.toISOString(),
  }));
}
