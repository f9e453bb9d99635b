/**
 * The laboratory register (R15): the province's testing laboratories, suspensions, and the
 * enterprises that own a laboratory or that it is conflicted with. Every change is audited
 * (`register_changes`: who, before, after, request id) in the same transaction as the change.
 */
import type { Pool, PoolClient } from 'pg';
import type { Actor } from '../domain/roles';
import type { LaboratoryRecord, LabRelation } from '../domain/supervision/laboratories';
import { auditRegisterChange } from './register-audit';
import { inTransaction } from './tx';

type Db = Pool | PoolClient;
type ActorRef = Pick<Actor, 'id' | 'role'>;

interface Row {
  id: string;
  name: string;
  province: string;
  suspended: boolean;
  links: LaboratoryRecord['links'] | null;
}

const SELECT = `SELECT l.id, l.name, l.province, l.suspended,
       (SELECT jsonb_agg(jsonb_build_object('uscc', k.uscc, 'relation', k.relation, 'reason', k.reason) ORDER BY k.uscc) FROM laboratory_links k WHERE k.laboratory_id = l.id) AS links
  FROM laboratories l`;
const toRecord = (r: Row): LaboratoryRecord => ({ id: r.id, name: r.name, province: r.province, suspended: r.suspended, links: r.links ?? [] });

export async function findLaboratory(c: Db, id: string): Promise<LaboratoryRecord | undefined> {
  const { rows } = await c.query<Row>(`${SELECT} WHERE l.id = $1`, [id]);
  return rows[0] && toRecord(rows[0]);
}

export async function listLaboratories(c: Db, province: string | undefined): Promise<LaboratoryRecord[]> {
  const { rows } = await c.query<Row>(`${SELECT} WHERE ($1::text IS NULL OR l.province = $1) ORDER BY l.province, l.id`, [province ?? null]);
  return rows.map(toRecord);
}

async function lockedLaboratory(c: PoolClient, id: string): Promise<LaboratoryRecord | undefined> {
  await c.query('SELECT 1 FROM laboratories WHERE id = $1 FOR UPDATE', [id]);
  return findLaboratory(c, id);
}

/** Adds a laboratory or renames one; false when it updated an existing record. */
export async function upsertLaboratory(pool: Pool, v: { id: string; name: string; province: string }, actor: ActorRef, requestId?: string): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const before = await lockedLaboratory(c, v.id);
    const r = await c.query<{ created: boolean }>(
      `INSERT INTO laboratories (id, name, province) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = now() RETURNING (xmax = 0) AS created`,
      [v.id, v.name, v.province],
    );
    const created = r.rows[0]!.created;
    await auditRegisterChange(c, { register: 'laboratories', subjectId: v.id, action: created ? 'laboratory-added' : 'laboratory-updated', actor, before, after: await findLaboratory(c, v.id), requestId });
    return created;
  });
}

export async function setLaboratorySuspended(pool: Pool, id: string, suspended: boolean, reason: string, actor: ActorRef, requestId?: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    const before = await lockedLaboratory(c, id);
    await c.query('UPDATE laboratories SET suspended = $2, updated_at = now() WHERE id = $1', [id, suspended]);
    const after = await findLaboratory(c, id);
    await auditRegisterChange(c, { register: 'laboratories', subjectId: id, action: suspended ? 'laboratory-suspended' : 'laboratory-reinstated', actor, before, after: after && { ...after, reason }, requestId });
  });
}

/** Records (or replaces) that an enterprise owns the laboratory or that the laboratory is conflicted with it. */
export async function recordLaboratoryLink(pool: Pool, id: string, link: { uscc: string; relation: LabRelation; reason: string }, actor: ActorRef, requestId?: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    const before = await lockedLaboratory(c, id);
    await c.query(
      `INSERT INTO laboratory_links (laboratory_id, uscc, relation, reason, recorded_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (laboratory_id, uscc) DO UPDATE SET relation = EXCLUDED.relation, reason = EXCLUDED.reason, recorded_by = EXCLUDED.recorded_by, recorded_at = now()`,
      [id, link.uscc, link.relation, link.reason, actor.id],
    );
    await auditRegisterChange(c, { register: 'laboratories', subjectId: id, action: `laboratory-${link.relation}-recorded`, actor, before, after: await findLaboratory(c, id), requestId });
  });
}
