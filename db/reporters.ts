/**
 * R18: the register of reporters (industry associations, testing institutes) a province keeps.
 * Every change is audited (`register_changes`, register `reporters`) in the same transaction.
 */
import type { Pool, PoolClient } from 'pg';
import type { Actor } from '../domain/roles';
import { auditRegisterChange } from './register-audit';
import { inTransaction } from './tx';

type Db = Pool | PoolClient;
type ActorRef = Pick<Actor, 'id' | 'role'>;

export interface ReporterRecord {
  id: string;
  name: string;
  kind: 'industry-association' | 'testing-institute' | 'other';
  province: string;
  suspended: boolean;
}

const SELECT = 'SELECT id, name, kind, province, suspended FROM reporters';

export async function findReporter(c: Db, id: string): Promise<ReporterRecord | undefined> {
  return (await c.query<ReporterRecord>(`${SELECT} WHERE id = $1`, [id])).rows[0];
}

export async function listReporters(c: Db, province: string | undefined): Promise<ReporterRecord[]> {
  return (await c.query<ReporterRecord>(`${SELECT} WHERE ($1::text IS NULL OR province = $1) ORDER BY province, id`, [province ?? null])).rows;
}

/** Adds a reporter or renames one; true when it was added. */
export async function upsertReporter(pool: Pool, v: Omit<ReporterRecord, 'suspended'>, actor: ActorRef, requestId?: string): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const before = (await c.query<ReporterRecord>(`${SELECT} WHERE id = $1 FOR UPDATE`, [v.id])).rows[0];
    const r = await c.query<{ created: boolean }>(
      `INSERT INTO reporters (id, name, kind, province) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, updated_at = now() RETURNING (xmax = 0) AS created`,
      [v.id, v.name, v.kind, v.province],
    );
    const created = r.rows[0]!.created;
    await auditRegisterChange(c, { register: 'reporters', subjectId: v.id, action: created ? 'reporter-added' : 'reporter-updated', actor, before, after: await findReporter(c, v.id), requestId });
    return created;
  });
}

export async function setReporterSuspended(pool: Pool, id: string, suspended: boolean, reason: string, actor: ActorRef, requestId?: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    const before = (await c.query<ReporterRecord>(`${SELECT} WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    await c.query('UPDATE reporters SET suspended = $2, updated_at = now() WHERE id = $1', [id, suspended]);
    const after = await findReporter(c, id);
    await auditRegisterChange(c, { register: 'reporters', subjectId: id, action: suspended ? 'reporter-suspended' : 'reporter-reinstated', actor, before, after: after && { ...after, reason }, requestId });
  });
}
