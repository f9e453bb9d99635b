/**
 * R11: the side of a batch that needs the database: grading the population, the stored draw, team
 * draws against the inspector register, and paging through the tasks to start. Every step is
 * keyed by the batch and idempotent, so a retried activity or a re-run workflow draws nothing twice.
 */
import type { Pool } from 'pg';
import { drawInspectees, drawTeam } from '../../domain/supervision/draw';
import { riskPolicyInForce } from '../../domain/supervision/risk-policy';
import type { InspectionTaskInput } from '../../domain/supervision/inspection-task';
import {
  drawableInspectors,
  dueYearlyInspection,
  findBatch,
  findDraw,
  gradedPopulation,
  lastTeams,
  markStarted,
  setTeams,
  storeDraw,
  tasksToStart,
  unstaffedTasks,
} from '../../db/inspection-batches';
import { inspecteesOf } from '../../db/risk-grades';
import { recomputeGrade } from './risk-grades';

async function batchOrFail(pool: Pool, batchId: string) {
  const b = await findBatch(pool, batchId);
  if (!b) throw new Error(`batch ${batchId} is not on record`);
  return b;
}

export function createBatchActivities(pool: Pool) {
  return {
    /** R17 before R11: grades up to `limit` ungraded enterprises of the batch's population; how many remain. */
    async gradeBatchPopulation(input: { batchId: string; asOf: string; limit: number }): Promise<{ graded: number; remaining: number }> {
      const b = await batchOrFail(pool, input.batchId);
      const population = await inspecteesOf(pool, b.province, input.asOf, b.products);
      const { ungraded } = await gradedPopulation(pool, b.province, population, input.asOf);
      const now = ungraded.slice(0, input.limit);
      for (const uscc of now) await recomputeGrade(pool, uscc, b.province, input.asOf, `batch ${b.id}: first grading`);
      return { graded: now.length, remaining: ungraded.length - now.length };
    },

    /** R11: draws the batch's inspectees and stores seed, population, rates and result with one task each. Once. */
    async drawBatch(input: { batchId: string; asOf: string }): Promise<{ selected: number; forced: number; population: number }> {
      const existing = await findDraw(pool, input.batchId);
      if (existing) return { selected: existing.selected.length, forced: existing.forced.length, population: existing.population.length };
      const b = await batchOrFail(pool, input.batchId);
      const policy = riskPolicyInForce(input.asOf);
      const { graded } = await gradedPopulation(pool, b.province, await inspecteesOf(pool, b.province, input.asOf, b.products), input.asOf);
      const dGrades = graded.filter((g) => g.grade === 'D').map((g) => g.uscc);
      const mustInclude = policy.dAtLeastOncePerYear && b.lastOfYear ? await dueYearlyInspection(pool, b.province, dGrades, Number(b.startsOn.slice(0, 4))) : [];
      const draw = drawInspectees({ seed: b.seed, province: b.province, population: graded, rates: b.rates, mustInclude });
      await storeDraw(pool, b, { ...draw, batchId: b.id, seed: b.seed, policyId: policy.id, rates: b.rates, population: [...graded].sort((x, y) => (x.uscc < y.uscc ? -1 : 1)) });
      const stored = (await findDraw(pool, b.id))!;
      return { selected: stored.selected.length, forced: stored.forced.length, population: stored.population.length };
    },

    /** R11: draws a team for every task still without one, from the inspectors and the certified verifiers of the province; a task that cannot be staffed keeps the reason and no team. */
    async staffBatch(input: { batchId: string }): Promise<{ staffed: number; unstaffed: number; problems: string[] }> {
      const b = await batchOrFail(pool, input.batchId);
      const open = await unstaffedTasks(pool, b.id);
      const inspectors = await drawableInspectors(pool, b.province, { from: b.startsOn, to: b.endsOn });
      const last = await lastTeams(pool, b.province, b.id, open.map((t) => t.uscc));
      const size = riskPolicyInForce(b.startsOn).teamSize;
      const updates: { id: string; team: string[] | null; problem: string | null }[] = [];
      const problems: string[] = [];
      const unstaffed: { id: string; p: string }[] = [];
      for (const t of open) {
        const d = drawTeam({ seed: b.seed, province: b.province, uscc: t.uscc, inspectors, lastTeam: last.get(t.uscc) ?? [], size });
        if (d.ok) updates.push({ id: t.id, team: d.team, problem: null });
        else {
          problems.push(d.reason);
          unstaffed.push({ id: t.id, p: d.reason });
        }
      }
      await setTeams(pool, updates);
      if (unstaffed.length) {
        await pool.query(`UPDATE inspection_tasks SET staffing_problem = x.p FROM jsonb_to_recordset($1::jsonb) AS x(id text, p text) WHERE inspection_tasks.id = x.id`, [
          JSON.stringify(unstaffed),
        ]);
      }
      return { staffed: updates.length, unstaffed: problems.length, problems: problems.slice(0, 20) };
    },

    /** R11: the next page of staffed tasks not yet started, as inspection-task inputs. */
    async nextTaskPage(input: { batchId: string; limit: number }): Promise<InspectionTaskInput[]> {
      const rows = await tasksToStart(pool, input.batchId, input.limit);
      return rows.map((t) => ({ taskId: t.id, batchId: t.batchId, province: t.province, uscc: t.uscc, grade: t.grade, team: t.team!, dueOn: t.dueOn }));
    },

    async markTasksStarted(input: { taskIds: string[] }): Promise<void> {
      await markStarted(pool, input.taskIds);
    },
  };
}

export type BatchActivities = ReturnType<typeof createBatchActivities>;
