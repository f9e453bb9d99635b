/**
 * R15: spot-check rounds and their spot checks. The round keeps how its enterprises were chosen
 * (a seeded draw by grade with its population and result, or a list of names); each spot check's
 * row is the summary its workflow keeps current for lists, the enterprise's view and the public
 * certificate check (an open order to stop production and sale).
 */
import type { Pool, PoolClient } from 'pg';
import type { GradedInspectee, InspecteeDraw } from '../domain/supervision/draw';
import type { RiskGrade } from '../domain/supervision/risk-policy';
import type { SpotCheckInput, SpotCheckPatch } from '../domain/supervision/spot-check';

export type { SpotCheckPatch };
import type { ProductId } from '../domain/policy';
import { inTransaction } from './tx';

type Db = Pool | PoolClient;

export interface RoundRecord {
  id: string;
  province: string;
  product: ProductId;
  mode: 'drawn' | 'named';
  seed: string | null;
  rates: Record<RiskGrade, number> | null;
  named: string[] | null;
  plannedBy: string;
  plannedAt: string;
  draw: { algorithm: string; policyId: string; population: GradedInspectee[]; byGrade: InspecteeDraw['byGrade'] | null; selected: GradedInspectee[]; drawnAt: string } | null;
}

export async function insertRound(
  pool: Pool,
  r: { id: string; province: string; product: ProductId; mode: 'drawn' | 'named'; seed?: string; rates?: Record<RiskGrade, number>; named?: string[]; plannedBy: string },
): Promise<boolean> {
  const q = await pool.query(
    `INSERT INTO spot_check_rounds (id, province, product, mode, seed, rates, named, planned_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
    [r.id, r.province, r.product, r.mode, r.seed ?? null, r.rates ? JSON.stringify(r.rates) : null, r.named ? JSON.stringify(r.named) : null, r.plannedBy],
  );
  return q.rowCount === 1;
}

export async function findRound(c: Db, id: string): Promise<RoundRecord | undefined> {
  const { rows } = await c.query(
    `SELECT id, province, product, mode, seed, rates, named, planned_by, planned_at, algorithm, policy_id, population, by_grade, selected, drawn_at FROM spot_check_rounds WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  return (
    r && {
      id: r.id,
      province: r.province,
      product: r.product,
      mode: r.mode,
      seed: r.seed,
      rates: r.rates,
      named: r.named,
      plannedBy: r.planned_by,
      plannedAt: r.planned_at.toISOString(),
      draw: r.drawn_at ? { algorithm: r.algorithm, policyId: r.policy_id, population: r.population ?? [], byGrade: r.by_grade, selected: r.selected, drawnAt: r.drawn_at.toISOString() } : null,
    }
  );
}

/** Stores the round's result and one spot check per selected enterprise, once (a repeat changes nothing). */
export async function storeRoundDraw(
  pool: Pool,
  round: RoundRecord,
  d: { algorithm: string; policyId: string; population: GradedInspectee[]; byGrade: InspecteeDraw['byGrade'] | null; selected: GradedInspectee[] },
  idOf: (uscc: string) => string,
): Promise<void> {
  await inTransaction(pool, async (c) => {
    const u = await c.query(
      `UPDATE spot_check_rounds SET algorithm = $2, policy_id = $3, population = $4, by_grade = $5, selected = $6, drawn_at = now() WHERE id = $1 AND drawn_at IS NULL`,
      [round.id, d.algorithm, d.policyId, JSON.stringify(d.population), d.byGrade ? JSON.stringify(d.byGrade) : null, JSON.stringify(d.selected)],
    );
    if (u.rowCount !== 1) return;
    await c.query(
      `INSERT INTO spot_checks (id, round_id, province, product, uscc, grade)
       SELECT x.id, $1, $2, $3, x.uscc, x.grade FROM jsonb_to_recordset($4::jsonb) AS x(id text, uscc text, grade text) ON CONFLICT DO NOTHING`,
      [round.id, round.province, round.product, JSON.stringify(d.selected.map((s) => ({ id: idOf(s.uscc), uscc: s.uscc, grade: s.grade })))],
    );
  });
}

export interface SpotCheckRow {
  id: string;
  roundId: string;
  province: string;
  product: ProductId;
  uscc: string;
  grade: string | null;
  stage: string;
  laboratoryId: string | null;
  result: string | null;
  notifiedOn: string | null;
  objectionDeadline: string | null;
  objectedAt: string | null;
  retestLaboratoryId: string | null;
  finalResult: string | null;
  rectifyBy: string | null;
  orderOutcome: string | null;
}

const ROW = `SELECT id, round_id, province, product, uscc, grade, stage, laboratory_id, result, to_char(notified_on, 'YYYY-MM-DD') AS notified_on,
       to_char(objection_deadline, 'YYYY-MM-DD') AS objection_deadline, objected_at, retest_laboratory_id, final_result,
       to_char(rectify_by, 'YYYY-MM-DD') AS rectify_by, order_outcome FROM spot_checks`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const toRow = (r: any): SpotCheckRow => ({
  id: r.id,
  roundId: r.round_id,
  province: r.province,
  product: r.product,
  uscc: r.uscc,
  grade: r.grade,
  stage: r.stage,
  laboratoryId: r.laboratory_id,
  result: r.result,
  notifiedOn: r.notified_on,
  objectionDeadline: r.objection_deadline,
  objectedAt: r.objected_at ? r.objected_at.toISOString() : null,
  retestLaboratoryId: r.retest_laboratory_id,
  finalResult: r.final_result,
  rectifyBy: r.rectify_by,
  orderOutcome: r.order_outcome,
});

export async function findSpotCheck(c: Db, id: string): Promise<SpotCheckRow | undefined> {
  const { rows } = await c.query(`${ROW} WHERE id = $1`, [id]);
  return rows[0] && toRow(rows[0]);
}

export async function listSpotChecks(c: Db, f: { roundId?: string; province?: string; uscc?: string }, limit = 200): Promise<SpotCheckRow[]> {
  const { rows } = await c.query(
    `${ROW} WHERE ($1::text IS NULL OR round_id = $1) AND ($2::text IS NULL OR province = $2) AND ($3::text IS NULL OR uscc = $3) ORDER BY round_id, uscc LIMIT $4`,
    [f.roundId ?? null, f.province ?? null, f.uscc ?? null, limit],
  );
  return rows.map(toRow);
}

/** The spot checks of a drawn round, as workflow inputs. */
export async function spotChecksOfRound(c: Db, roundId: string): Promise<SpotCheckInput[]> {
  const rows = await listSpotChecks(c, { roundId }, 100_000);
  return rows.map((r) => ({ spotCheckId: r.id, roundId: r.roundId, province: r.province, product: r.product, uscc: r.uscc, ...(r.grade ? { grade: r.grade } : {}) }));
}

const PATCHABLE = new Set<string>(['stage', 'sample', 'laboratory_id', 'result', 'result_on', 'notified_on', 'objection_deadline', 'objected_at', 'retest_laboratory_id', 'retest_result', 'final_result', 'order_at', 'rectify_by', 'order_closed_at', 'order_outcome']);

export async function patchSpotCheck(c: Db, id: string, patch: SpotCheckPatch): Promise<void> {
  const keys = Object.keys(patch).filter((k) => patch[k as keyof SpotCheckPatch] !== undefined) as (keyof SpotCheckPatch)[];
  for (const k of keys) if (!PATCHABLE.has(k)) throw new Error(`spot_checks.${k} is not a column a workflow sets`);
  if (!keys.length) return;
  const sets = keys.map((k, i) => `${k} = $${i + 2}`);
  await c.query(`UPDATE spot_checks SET ${sets.join(', ')} WHERE id = $1`, [id, ...keys.map((k) => (k === 'sample' ? JSON.stringify(patch[k]) : patch[k]))]);
}
