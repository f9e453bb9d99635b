/**
 * R11: inspection plans, batches, their stored draws and the inspection tasks. The draw and the
 * team draw are pure (domain/supervision/draw.ts); this is where their inputs come from and their
 * results are kept.
 */
import type { Pool, PoolClient } from 'pg';
import type { DrawableInspector, InspecteeDraw, GradedInspectee } from '../domain/supervision/draw';
import type { RiskGrade } from '../domain/supervision/risk-policy';
import type { Actor } from '../domain/roles';
import { appendSupervisionAudit } from './supervision-audit';
import { inTransaction } from './tx';

type Db = Pool | PoolClient;

export interface BatchRecord {
  id: string;
  /** null for a campaign's batch (R16), which belongs to no yearly plan. */
  planId: string | null;
  province: string;
  seq: number;
  startsOn: string;
  endsOn: string;
  products: string[];
  scope: string;
  rates: Record<RiskGrade, number>;
  seed: string;
  scheduleId: string;
  /** The plan's last batch of its year: D enterprises not yet inspected that year are included (R11). */
  lastOfYear: boolean;
}

export interface PlanRecord {
  id: string;
  province: string;
  year: number;
  recordedBy: string;
  recordedAt: string;
  batches: BatchRecord[];
}

const BATCH_SELECT = `SELECT b.id, b.plan_id, b.province, b.seq, to_char(b.starts_on, 'YYYY-MM-DD') AS starts_on, to_char(b.ends_on, 'YYYY-MM-DD') AS ends_on,
       b.products, b.scope, b.rates, b.seed, b.schedule_id,
       NOT EXISTS (SELECT 1 FROM inspection_batches o WHERE o.plan_id = b.plan_id AND o.seq > b.seq) AS last_of_year
  FROM inspection_batches b`;
interface BatchRow {
  id: string;
  plan_id: string | null;
  province: string;
  seq: number;
  starts_on: string;
  ends_on: string;
  products: string[];
  scope: string;
  rates: Record<RiskGrade, number>;
  seed: string;
  schedule_id: string;
  last_of_year: boolean;
}
const toBatch = (r: BatchRow): BatchRecord => ({
  id: r.id,
  planId: r.plan_id,
  province: r.province,
  seq: r.seq,
  startsOn: r.starts_on,
  endsOn: r.ends_on,
  products: r.products,
  scope: r.scope,
  rates: r.rates,
  seed: r.seed,
  scheduleId: r.schedule_id,
  lastOfYear: r.last_of_year,
});

/** Records a plan and its batches, audited; false when the plan id is already taken. */
export async function insertPlan(pool: Pool, plan: Omit<PlanRecord, 'batches' | 'recordedAt'> & { batches: Omit<BatchRecord, 'lastOfYear' | 'planId'>[] }, actor: Pick<Actor, 'id' | 'role'>, at: string): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const r = await c.query(`INSERT INTO inspection_plans (id, province, year, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, [
      plan.id,
      plan.province,
      plan.year,
      plan.recordedBy,
      at,
    ]);
    if (r.rowCount !== 1) return false;
    for (const b of plan.batches) {
      await c.query(
        `INSERT INTO inspection_batches (id, plan_id, province, seq, starts_on, ends_on, products, scope, rates, seed, schedule_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [b.id, plan.id, plan.province, b.seq, b.startsOn, b.endsOn, JSON.stringify(b.products), b.scope, JSON.stringify(b.rates), b.seed, b.scheduleId],
      );
    }
    await appendSupervisionAudit(c, { eventKey: `plan|${plan.id}|recorded`, action: 'inspection-plan-recorded', actor, details: { ...plan }, occurredAt: at });
    return true;
  });
}

export async function findPlan(c: Db, id: string): Promise<PlanRecord | undefined> {
  const { rows } = await c.query<{ id: string; province: string; year: number; recorded_by: string; recorded_at: Date }>(
    'SELECT id, province, year, recorded_by, recorded_at FROM inspection_plans WHERE id = $1',
    [id],
  );
  const p = rows[0];
  if (!p) return undefined;
  const batches = await c.query<BatchRow>(`${BATCH_SELECT} WHERE b.plan_id = $1 ORDER BY b.seq`, [id]);
  return { id: p.id, province: p.province, year: p.year, recordedBy: p.recorded_by, recordedAt: p.recorded_at.toISOString(), batches: batches.rows.map(toBatch) };
}

export async function findBatch(c: Db, id: string): Promise<BatchRecord | undefined> {
  const { rows } = await c.query<BatchRow>(`${BATCH_SELECT} WHERE b.id = $1`, [id]);
  return rows[0] && toBatch(rows[0]);
}

/** Planned batches of a province that overlap [startsOn, endsOn] (R11: a province's batches do not overlap; a campaign's batch, R16, is not planned). */
export async function overlappingBatches(c: Db, province: string, startsOn: string, endsOn: string): Promise<string[]> {
  const { rows } = await c.query<{ id: string }>(`SELECT id FROM inspection_batches WHERE province = $1 AND plan_id IS NOT NULL AND starts_on <= $3 AND ends_on >= $2 ORDER BY id`, [province, startsOn, endsOn]);
  return rows.map((r) => r.id);
}

/** The grades a draw uses: the stored grade, or an override in force on `on`. Ungraded enterprises are left out (grade them first). */
export async function gradedPopulation(c: Db, province: string, usccs: readonly string[], on: string): Promise<{ graded: GradedInspectee[]; ungraded: string[] }> {
  const { rows } = await c.query<{ uscc: string; grade: RiskGrade | null }>(
    `SELECT u.uscc,
            COALESCE(
              (SELECT o.grade FROM risk_grade_overrides o WHERE o.province = $1 AND o.uscc = u.uscc AND o.until >= $3
                 AND o.id = (SELECT max(id) FROM risk_grade_overrides x WHERE x.province = $1 AND x.uscc = u.uscc)),
              g.grade) AS grade
       FROM unnest($2::text[]) AS u(uscc) LEFT JOIN risk_grades g ON g.province = $1 AND g.uscc = u.uscc`,
    [province, [...usccs], on],
  );
  const graded: GradedInspectee[] = [];
  const ungraded: string[] = [];
  for (const r of rows) {
    if (r.grade) graded.push({ uscc: r.uscc, grade: r.grade });
    else ungraded.push(r.uscc);
  }
  return { graded, ungraded };
}

/** D enterprises of the province with no inspection result this calendar year (R11: every D at least once a year). */
export async function dueYearlyInspection(c: Db, province: string, usccs: readonly string[], year: number): Promise<string[]> {
  const { rows } = await c.query<{ uscc: string }>(
    `SELECT u.uscc FROM unnest($2::text[]) AS u(uscc)
      WHERE NOT EXISTS (SELECT 1 FROM inspection_tasks t WHERE t.province = $1 AND t.uscc = u.uscc
                          AND (t.result_at IS NULL OR extract(year FROM t.result_at AT TIME ZONE INTERVAL '+08:00') = $3)
                          AND t.batch_id IN (SELECT id FROM inspection_batches WHERE extract(year FROM starts_on) = $3))`,
    [province, [...usccs], year],
  );
  return rows.map((r) => r.uscc);
}

export interface StoredDraw extends InspecteeDraw {
  batchId: string;
  seed: string;
  policyId: string;
  rates: Record<RiskGrade, number>;
  population: GradedInspectee[];
  drawnAt: string;
}

/** Stores the draw and one task per selected enterprise, once; false when the batch was drawn already. */
export async function storeDraw(pool: Pool, batch: BatchRecord, d: Omit<StoredDraw, 'drawnAt'>): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const r = await c.query(
      `INSERT INTO inspection_batch_draws (batch_id, algorithm, seed, policy_id, rates, population, by_grade, selected, forced)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (batch_id) DO NOTHING`,
      [batch.id, d.algorithm, d.seed, d.policyId, JSON.stringify(d.rates), JSON.stringify(d.population), JSON.stringify(d.byGrade), JSON.stringify(d.selected), JSON.stringify(d.forced)],
    );
    if (r.rowCount !== 1) return false;
    await c.query(
      `INSERT INTO inspection_tasks (id, batch_id, province, uscc, grade, due_on)
       SELECT $1 || '/' || x.uscc, $1, $2, x.uscc, x.grade, $3::date FROM jsonb_to_recordset($4::jsonb) AS x(uscc text, grade text)`,
      [batch.id, batch.province, batch.endsOn, JSON.stringify(d.selected)],
    );
    return true;
  });
}

export async function findDraw(c: Db, batchId: string): Promise<StoredDraw | undefined> {
  const { rows } = await c.query<{ algorithm: string; seed: string; policy_id: string; rates: Record<RiskGrade, number>; population: GradedInspectee[]; by_grade: InspecteeDraw['byGrade']; selected: GradedInspectee[]; forced: string[]; drawn_at: Date }>(
    'SELECT algorithm, seed, policy_id, rates, population, by_grade, selected, forced, drawn_at FROM inspection_batch_draws WHERE batch_id = $1',
    [batchId],
  );
  const r = rows[0];
  return r && { batchId, algorithm: r.algorithm, seed: r.seed, policyId: r.policy_id, rates: r.rates, population: r.population, byGrade: r.by_grade, selected: r.selected, forced: r.forced, drawnAt: r.drawn_at.toISOString() };
}

/**
 * R11: the pool a team is drawn from: the province's inspectors and (R10, DOMAIN "Two registers")
 * the verifiers certified by the province, not suspended and certified over the whole batch
 * (`from`..`to`), with their conflicts of interest. An id in both registers is one person: drawn
 * once, suspended if either record is, conflicted with either record's enterprises. Ordered by id.
 */
export async function drawableInspectors(c: Db, province: string, window?: { from: string; to: string }): Promise<DrawableInspector[]> {
  const { rows } = await c.query<{ id: string; suspended: boolean; conflicts: string[]; registers: ('inspector' | 'verifier')[] }>(
    `WITH pool AS (
       SELECT i.id, i.suspended, 'inspector' AS register, COALESCE((SELECT array_agg(k.uscc) FROM inspector_conflicts k WHERE k.inspector_id = i.id), '{}') AS conflicts
         FROM inspectors i WHERE i.province = $1
       UNION ALL
       SELECT v.id, v.suspended, 'verifier', COALESCE((SELECT array_agg(k.uscc) FROM verifier_conflicts k WHERE k.verifier_id = v.id), '{}')
         FROM verifiers v WHERE $2::date IS NOT NULL AND v.certified_by = $1 AND v.certified_on <= $2::date AND v.certified_until >= $3::date)
     SELECT id, bool_or(suspended) AS suspended, array_agg(DISTINCT register ORDER BY register) AS registers,
            COALESCE((SELECT array_agg(DISTINCT u ORDER BY u) FROM pool q, unnest(q.conflicts) AS u WHERE q.id = p.id), '{}') AS conflicts
       FROM pool p GROUP BY id ORDER BY id`,
    [province, window?.from ?? null, window?.to ?? null],
  );
  return rows.map((r) => ({ id: r.id, suspended: r.suspended, conflicts: r.conflicts, register: r.registers.length === 1 ? r.registers[0]! : 'both' }));
}

/** The team of each enterprise's last routine inspection before this batch (R11: not the same inspectors again). */
export async function lastTeams(c: Db, province: string, batchId: string, usccs: readonly string[]): Promise<Map<string, string[]>> {
  const { rows } = await c.query<{ uscc: string; team: string[] }>(
    `SELECT DISTINCT ON (t.uscc) t.uscc, t.team FROM inspection_tasks t
      WHERE t.province = $1 AND t.batch_id <> $2 AND t.uscc = ANY($3::text[]) AND t.team IS NOT NULL AND t.started_at IS NOT NULL
      ORDER BY t.uscc, t.started_at DESC`,
    [province, batchId, [...usccs]],
  );
  return new Map(rows.map((r) => [r.uscc, r.team]));
}

export interface TaskRow {
  id: string;
  batchId: string;
  province: string;
  uscc: string;
  grade: string;
  team: string[] | null;
  staffingProblem: string | null;
  dueOn: string;
  startedAt: string | null;
}

const TASK_SELECT = `SELECT id, batch_id, province, uscc, grade, team, staffing_problem, to_char(due_on, 'YYYY-MM-DD') AS due_on, started_at FROM inspection_tasks`;
const toTask = (r: { id: string; batch_id: string; province: string; uscc: string; grade: string; team: string[] | null; staffing_problem: string | null; due_on: string; started_at: Date | null }): TaskRow => ({
  id: r.id,
  batchId: r.batch_id,
  province: r.province,
  uscc: r.uscc,
  grade: r.grade,
  team: r.team,
  staffingProblem: r.staffing_problem,
  dueOn: r.due_on,
  startedAt: r.started_at?.toISOString() ?? null,
});

export async function unstaffedTasks(c: Db, batchId: string): Promise<TaskRow[]> {
  const { rows } = await c.query(`${TASK_SELECT} WHERE batch_id = $1 AND team IS NULL ORDER BY id`, [batchId]);
  return rows.map(toTask);
}

export async function setTeams(c: Db, updates: { id: string; team: string[] | null; problem: string | null }[]): Promise<void> {
  if (!updates.length) return;
  await c.query(
    `UPDATE inspection_tasks t SET team = x.team, staffing_problem = x.problem
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, team jsonb, problem text) WHERE t.id = x.id AND t.team IS NULL`,
    [JSON.stringify(updates)],
  );
}

export async function tasksToStart(c: Db, batchId: string, limit: number): Promise<TaskRow[]> {
  const { rows } = await c.query(`${TASK_SELECT} WHERE batch_id = $1 AND team IS NOT NULL AND started_at IS NULL ORDER BY id LIMIT $2`, [batchId, limit]);
  return rows.map(toTask);
}

export async function markStarted(c: Db, ids: readonly string[]): Promise<void> {
  await c.query('UPDATE inspection_tasks SET started_at = now() WHERE id = ANY($1::text[]) AND started_at IS NULL', [[...ids]]);
}

export async function findTask(c: Db, id: string): Promise<TaskRow | undefined> {
  const { rows } = await c.query(`${TASK_SELECT} WHERE id = $1`, [id]);
  return rows[0] && toTask(rows[0]);
}

export async function listTasks(c: Db, filter: { batchId?: string; province?: string; inspectorId?: string }, limit = 200): Promise<TaskRow[]> {
  const { rows } = await c.query(
    `${TASK_SELECT} WHERE ($1::text IS NULL OR batch_id = $1) AND ($2::text IS NULL OR province = $2) AND ($3::text IS NULL OR team ? $3) ORDER BY id LIMIT $4`,
    [filter.batchId ?? null, filter.province ?? null, filter.inspectorId ?? null, limit],
  );
  return rows.map(toTask);
}
