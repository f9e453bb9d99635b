/**
 * Recorder scenarios for the supervision shapes (R06, R11, R17): a SAMR finding, an inspection
 * task, a batch (two runs: continue-as-new after its page of tasks) and the nightly grades.
 * Run by record.ts with its server, worker and database; kept apart so record.ts stays small.
 * Their ids all hold a `/`: replay.test.ts counts ids without one as application cases.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { Pool } from 'pg';
import { insertPlan } from '../../db/inspection-batches';
import { upsertInspector } from '../../db/inspectors';
import { insertCheck } from '../../db/samr-checks';
import { inTransaction } from '../../db/tx';
import { SAMR_CHECKS } from '../../domain/policy';
import { answerSamrFindingUpdate, type SamrFindingInput, samrFindingQuery } from '../../domain/samr/findings';
import { batchWorkflowId, inspectionTaskStatusQuery, inspectionTaskWorkflowId, recordTaskResultUpdate, taskIdOf } from '../../domain/supervision/inspection-task';
import type { RiskGrade } from '../../domain/supervision/risk-policy';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { samrFindingWorkflowId } from '../../domain/workflow-ids';
import { samrFinding } from '../../workflows/samr/samr-finding';
import { inspectionBatch } from '../../workflows/supervision/inspection-batch';
import { inspectionTask } from '../../workflows/supervision/inspection-task';
import { riskGradesNightly } from '../../workflows/supervision/risk-grades-nightly';
import { freshUscc, staff } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';
import { poller, type TimeSkippingCtx } from '../helpers/time-skipping';

/** A run to record: a handle (its latest run), or an earlier run of a chain under a label (`<id>#<label>.json`). */
export type Recorded = WorkflowHandle | { handle: WorkflowHandle; label: string };
export type Scenario = (start: TimeSkippingCtx['start'], sleep: (ms: number) => Promise<void>, ctx: TimeSkippingCtx) => Promise<Recorded[]>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OPS = { id: 'ops-1', role: 'ops' as const };
const eventually = poller({ retryErrors: true });

/** A plan holding one batch of `province` from today for 30 days, every grade drawn. */
async function plannedBatch(pool: Pool, batchId: string, province: string, today: string): Promise<void> {
  const all: Record<RiskGrade, number> = { A: 1, B: 1, C: 1, D: 1 };
  const batch = { id: batchId, province, seq: 1, startsOn: today, endsOn: addCalendarDays(today, 30), products: [], scope: 'all licensees', rates: all, seed: `seed-${batchId}`, scheduleId: `s-${batchId}` };
  await insertPlan(pool, { id: `P-${batchId}`, province, year: Number(today.slice(0, 4)), recordedBy: 'sup-1', batches: [batch] }, OPS, new Date().toISOString());
}

export function supervisionScenarios(opts: { id: (scenario: string) => string; taskQueue: string; pool: () => Pool }): Record<string, Scenario> {
  const { id, taskQueue } = opts;
  return {
    async 'samr-finding'(_start, _sleep, ctx) {
      // R06: opened as the API does (check row, then workflow); reminded, then answered in time by BJ's supervisor.
      const applicationId = id('samr-finding');
      const openedAt = new Date(await ctx.now()).toISOString();
      const input: SamrFindingInput = {
        applicationId,
        province: 'BJ',
        drawKey: 'samr-random-checks-hist',
        findings: '抽查发现：出厂检验记录缺失',
        openedAt,
        openedBy: 'samr-inspector',
        limit: { ...SAMR_CHECKS.answerLimit },
        reminderLead: SAMR_CHECKS.reminderLead,
      };
      const workflowId = samrFindingWorkflowId(applicationId);
      await inTransaction(opts.pool(), (c) =>
        insertCheck(
          c,
          { applicationId, province: 'BJ', drawKey: input.drawKey, result: 'non-conforming', findings: input.findings, recordedBy: input.openedBy, recordedAt: openedAt, idempotencyKey: null, requestSha256: 'x' },
          { workflowId, limit: input.limit },
        ),
      );
      const h = await ctx.env.client.workflow.start(samrFinding, { taskQueue, workflowId, args: [input] });
      const opened = await eventually(() => h.query(samrFindingQuery), (v) => v?.dueAt !== null);
      if (!opened?.dueAt) throw new Error(`${workflowId}: no due date`);
      // An hour before the end: past the reminder, clear of the daily re-check timers.
      await ctx.sleepUntil(Date.parse(opened.dueAt) - HOUR);
      await eventually(() => h.query(samrFindingQuery), (v) => v.remindedAt !== null);
      await h.executeUpdate(answerSamrFindingUpdate, { args: [{ actor: staff('supervisor', 'BJ', 'sup-bj'), response: '已责令企业补全检验记录', measures: '约谈企业负责人并复查' }] });
      await h.result();
      return [h];
    },
    async 'inspection-task'(_start, _sleep, ctx) {
      // R11: a routine inspection passed, recorded by one of its team; the publication is late
      // (reminder, overdue), then the sender publishes it and the task closes.
      const province = 'SX';
      const uscc = freshUscc();
      const today = shanghaiDate(await ctx.now());
      const batchId = id('inspection-task');
      await plannedBatch(opts.pool(), batchId, province, today);
      const taskId = taskIdOf(batchId, uscc);
      const team = ['I-HIST-1', 'I-HIST-2'];
      const dueOn = addCalendarDays(today, 5);
      await opts.pool().query(`INSERT INTO inspection_tasks (id, batch_id, province, uscc, grade, team, due_on) VALUES ($1, $2, $3, $4, 'A', $5, $6)`, [taskId, batchId, province, uscc, JSON.stringify(team), dueOn]);
      const h = await ctx.env.client.workflow.start(inspectionTask, {
        taskQueue,
        workflowId: inspectionTaskWorkflowId(taskId),
        args: [{ taskId, batchId, province, uscc, grade: 'A', team, dueOn }],
      });
      await eventually(() => h.query(inspectionTaskStatusQuery), (s) => s.stage === 'inspecting');
      await ctx.sleepUntil(Date.parse(`${addCalendarDays(today, 1)}T10:00:00+08:00`));
      const st = await h.executeUpdate(recordTaskResultUpdate, { args: [{ actor: { id: 'I-HIST-2', role: 'inspector', province }, outcome: 'pass' }] });
      await ctx.sleepUntil(Date.parse(st.publication!.dueAt) + 2 * DAY + HOUR);
      await eventually(() => h.query(inspectionTaskStatusQuery), (s) => s.publication?.overdue === true);
      await opts.pool().query(`UPDATE credit_publicity SET published_at = now() WHERE record_key = $1`, [st.publication!.recordKey]);
      await ctx.sleepUntil((await ctx.now()) + DAY + HOUR);
      await h.result();
      return [h];
    },
    async 'inspection-task-rectification'(_start, _sleep, ctx) {
      // R11, R15: problems found put the enterprise's licence under rectification (a follow-up child); then published and closed.
      const province = 'SX';
      const uscc = freshUscc();
      await seedLicences(opts.pool(), [{ number: `SX-${id('inspection-task-rectification')}`, uscc, province }]);
      const today = shanghaiDate(await ctx.now());
      const batchId = id('inspection-task-rectification');
      await plannedBatch(opts.pool(), batchId, province, today);
      const taskId = taskIdOf(batchId, uscc);
      const team = ['I-HIST-1', 'I-HIST-2'];
      const dueOn = addCalendarDays(today, 5);
      await opts.pool().query(`INSERT INTO inspection_tasks (id, batch_id, province, uscc, grade, team, due_on) VALUES ($1, $2, $3, $4, 'A', $5, $6)`, [taskId, batchId, province, uscc, JSON.stringify(team), dueOn]);
      const h = await ctx.env.client.workflow.start(inspectionTask, { taskQueue, workflowId: inspectionTaskWorkflowId(taskId), args: [{ taskId, batchId, province, uscc, grade: 'A', team, dueOn }] });
      await eventually(() => h.query(inspectionTaskStatusQuery), (s) => s.stage === 'inspecting');
      const st = await h.executeUpdate(recordTaskResultUpdate, { args: [{ actor: { id: 'I-HIST-1', role: 'inspector', province }, outcome: 'problems-found', findings: '进货查验记录缺失' }] });
      await eventually(() => h.query(inspectionTaskStatusQuery), (s) => (s.rectifications?.length ?? 0) > 0);
      await opts.pool().query(`UPDATE credit_publicity SET published_at = now() WHERE record_key = $1`, [st.publication!.recordKey]);
      await h.result();
      return [h];
    },
    async 'inspection-batch'(_start, _sleep, ctx) {
      // R11, R17: grade, draw, staff and start three tasks (run 1), continue as new, find nothing left (run 2).
      const province = 'TJ';
      const today = shanghaiDate(await ctx.now());
      await seedLicences(opts.pool(), [0, 1, 2].map((i) => ({ number: `TJ-HIST-${i}`, uscc: freshUscc(), province })));
      for (const i of [1, 2, 3]) await upsertInspector(opts.pool(), { id: `I-TJ-HIST-${i}`, name: `执法人员 ${i}`, province }, OPS, new Date().toISOString());
      const batchId = id('inspection-batch');
      await plannedBatch(opts.pool(), batchId, province, today);
      const h = await ctx.env.client.workflow.start(inspectionBatch, { taskQueue, workflowId: batchWorkflowId(batchId), args: [{ batchId, province }] });
      const done = await h.result();
      if (done.started !== 3) throw new Error(`${h.workflowId}: started ${done.started} tasks, expected 3`);
      const first = h.client.getHandle(h.workflowId, h.firstExecutionRunId);
      if ((await first.describe()).runId === (await h.describe()).runId) throw new Error(`${h.workflowId}: did not continue as new`);
      return [{ handle: first, label: 'run1' }, h];
    },
    async 'risk-grades-nightly'(_start, _sleep, ctx) {
      // R17: as its Schedule starts it (no arguments): every province, graded in pages.
      await seedLicences(opts.pool(), [{ number: 'JL-HIST-1', uscc: freshUscc(), province: 'JL' }]);
      const h = await ctx.env.client.workflow.start(riskGradesNightly, { taskQueue, workflowId: `risk-grades/${id('risk-grades-nightly')}`, args: [{}] });
      await h.result();
      return [h];
    },
  };
}
