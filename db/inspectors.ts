/**
 * The inspector register (R11): the province's enforcement officers, suspensions and conflicts of
 * interest. Every change is audited (`register_changes`: who, before, after, request id) in the
 * same transaction as the change.
 */
import type { Pool, PoolClient } from 'pg';
import type { Actor } from '../domain/roles';
import type { InspectorRecord } from '../domain/supervision/inspectors';
import { auditRegisterChange } from './register-audit';
import { inTransaction } from './tx';

type Db = Pool | PoolClient;
type ActorRef = Pick<Actor, 'id' | 'role'>;

interface Row {
  id: string;
  name: string;
  province: string;
  suspended: boolean;
  conflicts: { uscc: string; reason: string }[] | null;
}

const SELECT = `SELECT i.id, i.name, i.province, i.suspended,
       (SELECT jsonb_agg(jsonb_build_object('uscc', k.uscc, 'reason', k.reason) ORDER BY k.uscc) FROM inspector_conflicts k WHERE k.inspector_id = i.id) AS conflicts
  FROM inspectors i`;
const toRecord = (r: Row): InspectorRecord => ({ id: r.id, name: r.name, province: r.province, suspended: r.suspended, conflicts: r.conflicts ?? [] });

export async function findInspector(c: Db, id: string): Promise<InspectorRecord | undefined> {
  const { rows } = await c.query<Row>(`${SELECT} WHERE i.id = $1`, [id]);
  return rows[0] && toRecord(rows[0]);
}

export async function listInspectors(c: Db, province: string | undefined): Promise<InspectorRecord[]> {
  const { rows } = await c.query<Row>(`${SELECT} WHERE ($1::text IS NULL OR i.province = $1) ORDER BY i.province, i.id`, [province ?? null]);
  return rows.map(toRecord);
}

/** Adds an inspector or renames one; false when it updated an existing record. */
export async function upsertInspector(pool: Pool, v: { id: string; name: string; province: string }, actor: ActorRef, _at: string, requestId?: string): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const before = await findInspectorForUpdate(c, v.id);
    const r = await c.query<{ created: boolean }>(
      `INSERT INTO inspectors (id, name, province) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = now() RETURNING (xmax = 0) AS created`,
      [v.id, v.name, v.province],
    );
    const created = r.rows[0]!.created;
    await auditRegisterChange(c, { register: 'inspectors', subjectId: v.id, action: created ? 'inspector-added' : 'inspector-updated', actor, before, after: await findInspector(c, v.id), requestId });
    return created;
  });
}

export async function setInspectorSuspended(pool: Pool, id: string, suspended: boolean, reason: string, actor: ActorRef, _at: string, requestId?: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    const before = await findInspectorForUpdate(c, id);
    await c.query('UPDATE inspectors SET suspended = $2, updated_at = now() WHERE id = $1', [id, suspended]);
    const after = await findInspector(c, id);
    await auditRegisterChange(c, { register: 'inspectors', subjectId: id, action: suspended ? 'inspector-suspended' : 'inspector-reinstated', actor, before, after: after && { ...after, reason }, requestId });
  });
}

export async function recordInspectorConflict(pool: Pool, id: string, uscc: string, reason: string, actor: ActorRef, _at: string, requestId?: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    const before = await c.query<{ reason: string }>('SELECT reason FROM inspector_conflicts WHERE inspector_id = $1 AND uscc = $2 FOR UPDATE', [id, uscc]);
    await c.query(
      `INSERT INTO inspector_conflicts (inspector_id, uscc, reason, recorded_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (inspector_id, uscc) DO UPDATE SET reason = EXCLUDED.reason, recorded_by = EXCLUDED.recorded_by, recorded_at = now()`,
      [id, uscc, reason, actor.id],
    );
    await auditRegisterChange(c, {
      register: 'inspector-conflicts',
      subjectId: id,
      action: before.rows[0] ? 'inspector-conflict-updated' : 'inspector-conflict-recorded',
      actor,
      before: before.rows[0] ? { uscc, reason: before.rows[0].reason } : undefined,
      after: { uscc, reason },
      requestId,
    });
  });
}

/** The record as it was, with its row locked, so `before` is the state this change replaced. */
async function findInspectorForUpdate(c: PoolClient, id: string): Promise<InspectorRecord | undefined> {
  await c.query('SELECT 1 FROM inspectors WHERE id = $1 FOR UPDATE', [id]);
  return findInspector(c, id);
}
