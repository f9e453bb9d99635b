/**
 * R11, R17 on the real time-skipping server with real activities and PostgreSQL: a batch draws,
 * staffs and starts its inspection tasks; a batch that cannot be staffed waits for a supervisor;
 * a task's result is recorded by its team only, raises the grade when it fails, and its
 * publication is due 20 working days after the inspection, holidays counted out, escalated when late.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { insertPlan, findDraw, listTasks } from '../../db/inspection-batches';
import { recordInspectorConflict, setInspectorSuspended, upsertInspector } from '../../db/inspectors';
import { recordConflict, upsertVerifier } from '../../db/registers';
import { findRiskGrade } from '../../db/risk-grades';
import { assignTeamUpdate, followUpDetailQuery, recordInspectionUpdate } from '../../domain/supervision/follow-up';
import { SA } from '../../domain/search-attributes';
import { drawInspectees } from '../../domain/supervision/draw';
import {
  batchStatusQuery,
  batchWorkflowId,
  inspectionTaskStatusQuery,
  inspectionTaskWorkflowId,
  recordTaskResultUpdate,
  restaffSignal,
  taskIdOf,
} from '../../domain/supervision/inspection-task';
import type { RiskGrade } from '../../domain/supervision/risk-policy';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { currentCalendar } from '../../infra/calendar';
import { inspectionBatch } from '../../workflows/supervision/inspection-batch';
import { inspectionTask } from '../../workflows/supervision/inspection-task';
import { riskGradesNightly } from '../../workflows/supervision/risk-grades-nightly';
import type { followUpInspection } from '../../workflows/supervision/follow-up';
import { freshUscc } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';
import { poller, refusal } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-inspection-batch';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const eventually = poller({ retryErrors: true });
const OPS = { id: 'ops-1', role: 'ops' as const };
const hex = () => randomBytes(3).toString('hex');

/** A plan with one batch of `province` running from `startsOn` to `endsOn` at `rates`. */
async function batch(opts: { province: string; startsOn: string; endsOn: string; rates: Record<RiskGrade, number>; seed?: string }): Promise<string> {
  const id = `B-${hex()}`;
  await insertPlan(
    suite.db.pool,
    {
      id: `P-${hex()}`,
      province: opts.province,
      year: Number(opts.startsOn.slice(0, 4)),
      recordedBy: 'sup-1',
      batches: [{ id, province: opts.province, seq: 1, startsOn: opts.startsOn, endsOn: opts.endsOn, products: [], scope: 'all licensees', rates: opts.rates, seed: opts.seed ?? `seed-${id}`, scheduleId: `s-${id}` }],
    },
    OPS,
    new Date().toISOString(),
  );
  return id;
}

async function inspectors(province: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => `I-${province}-${hex()}`);
  for (const id of ids) await upsertInspector(suite.db.pool, { id, name: `执法人员 ${id}`, province }, OPS, new Date().toISOString());
  return ids;
}

describe('double-random batches (R11)', () => {
  it('R11: a batch draws its inspectees reproducibly, a team of 2 skipping suspended and conflicted inspectors for each, and starts one task per inspectee', async () => {
    await withServer(async ({ env, now }) => {
      const today = shanghaiDate(await now());
      const province = 'TJ';
      const usccs = Array.from({ length: 12 }, (_, i) => `U-TJ-${String(i).padStart(2, '0')}-${hex()}`);
      await seedLicences(suite.db.pool, usccs.map((uscc, i) => ({ number: `TJ-${hex()}-${i}`, uscc, province })));
      const [a, b, c, d] = await inspectors(province, 4);
      await setInspectorSuspended(suite.db.pool, d!, true, 'on leave', OPS, new Date().toISOString());
      await recordInspectorConflict(suite.db.pool, a!, usccs[0]!, 'former employee', OPS, new Date().toISOString());
      const id = await batch({ province, startsOn: today, endsOn: addCalendarDays(today, 30), rates: { A: 0.5, B: 0.5, C: 1, D: 1 } });
      const h = await env.client.workflow.start(inspectionBatch, { taskQueue: TASK_QUEUE, workflowId: batchWorkflowId(id), args: [{ batchId: id, province }] });
      await h.result();
      const draw = (await findDraw(suite.db.pool, id))!;
      expect(draw.population).toHaveLength(12);
      // Old licensees with nothing on record are A: half of them drawn, and the same draw again from the stored inputs.
      expect(draw.byGrade.A).toEqual({ population: 12, drawn: 6, rate: 0.5 });
      const again = drawInspectees({ seed: draw.seed, province, population: draw.population, rates: draw.rates });
      expect(again.selected).toEqual(draw.selected);
      const tasks = await listTasks(suite.db.pool, { batchId: id });
      expect(tasks).toHaveLength(6);
      for (const t of tasks) {
        expect(t.team).toHaveLength(2);
        expect(t.team).not.toContain(d);
        if (t.uscc === usccs[0]) expect(t.team).not.toContain(a);
        expect(t.startedAt).not.toBeNull();
        const task = env.client.workflow.getHandle(inspectionTaskWorkflowId(t.id));
        const st = await eventually(() => task.query(inspectionTaskStatusQuery), (s) => s.stage === 'inspecting');
        expect(st.team).toEqual(t.team);
      }
      expect([a, b, c].filter((x) => tasks.some((t) => t.team!.includes(x!))).length).toBeGreaterThanOrEqual(2);
    });
  });

  it('R11: a batch that cannot be staffed waits for a supervisor, visible as staffing, and never invents a team; the last team is not drawn again', async () => {
    await withServer(async ({ env, now }) => {
      const today = shanghaiDate(await now());
      const province = 'HE';
      const uscc = `U-HE-${hex()}`;
      await seedLicences(suite.db.pool, [{ number: `HE-${hex()}`, uscc, province }]);
      const [only] = await inspectors(province, 1);
      const id = await batch({ province, startsOn: today, endsOn: addCalendarDays(today, 30), rates: { A: 1, B: 1, C: 1, D: 1 } });
      const h = await env.client.workflow.start(inspectionBatch, { taskQueue: TASK_QUEUE, workflowId: batchWorkflowId(id), args: [{ batchId: id, province }] });
      const waiting = await eventually(() => h.query(batchStatusQuery), (s) => s.stage === 'waiting-for-staff');
      expect(waiting.stage).toBe('waiting-for-staff');
      expect(waiting.problems[0]).toMatch(/1 eligible inspector\(s\) for .* 2 needed/);
      expect((await h.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('staffing');
      expect((await listTasks(suite.db.pool, { batchId: id }))[0]).toMatchObject({ team: null, staffingProblem: expect.stringMatching(/2 needed/) });
      const more = await inspectors(province, 2);
      await h.signal(restaffSignal, { actor: { id: 'sup-he', role: 'supervisor', province } });
      const done = await h.result();
      expect(done.stage).toBe('done');
      const [task] = await listTasks(suite.db.pool, { batchId: id });
      expect(task!.team).toHaveLength(2);
      expect([only, ...more]).toEqual(expect.arrayContaining(task!.team!));
      // Next batch: that team inspected the enterprise last time, so only the third inspector is eligible → waits.
      const next = await batch({ province, startsOn: today, endsOn: addCalendarDays(today, 30), rates: { A: 1, B: 1, C: 1, D: 1 } });
      const h2 = await env.client.workflow.start(inspectionBatch, { taskQueue: TASK_QUEUE, workflowId: batchWorkflowId(next), args: [{ batchId: next, province }] });
      const w2 = await eventually(() => h2.query(batchStatusQuery), (s) => s.stage === 'waiting-for-staff');
      expect(w2.problems[0]).toMatch(/2 on the last inspection's team/);
      await h2.terminate('test done');
    });
  });
});

describe('certified verifiers in the pool (R11, R10)', () => {
  it("R11: the province's certified verifiers are drawn beside its inspectors, skipping suspended, conflicted, expiring and other provinces' verifiers and last time's team; a drawn verifier records the result with the inspector role and his register id", async () => {
    await withServer(async ({ env, now }) => {
      const today = shanghaiDate(await now());
      const province = 'GS';
      const uscc = freshUscc();
      await seedLicences(suite.db.pool, [{ number: `GS-${hex()}`, uscc, province }]);
      const [officer] = await inspectors(province, 1);
      const v = (tag: string) => `V-GS-${tag}-${hex()}`;
      const [ok, suspended, conflicted, expiring, elsewhere] = [v('ok'), v('susp'), v('conf'), v('exp'), v('sc')];
      const endsOn = addCalendarDays(today, 30);
      const cert = (id: string, o: Partial<{ certifiedBy: string; certifiedUntil: string; suspended: boolean }> = {}) =>
        upsertVerifier(suite.db.pool, { id, name: id, certifiedBy: o.certifiedBy ?? province, certifiedOn: '2020-01-01', certifiedUntil: o.certifiedUntil ?? '2099-12-31', suspended: o.suspended });
      await cert(ok);
      await cert(suspended, { suspended: true });
      await cert(conflicted);
      await recordConflict(suite.db.pool, conflicted, uscc, 'audited the enterprise last year');
      await cert(expiring, { certifiedUntil: addCalendarDays(endsOn, -1) });
      await cert(elsewhere, { certifiedBy: 'SC' });
      const id = await batch({ province, startsOn: today, endsOn, rates: { A: 1, B: 1, C: 1, D: 1 } });
      await env.client.workflow.execute(inspectionBatch, { taskQueue: TASK_QUEUE, workflowId: batchWorkflowId(id), args: [{ batchId: id, province }] });
      const [task] = await listTasks(suite.db.pool, { batchId: id });
      // One officer and one eligible verifier: without the verifiers the batch could not be staffed.
      expect([...task!.team!].sort()).toEqual([officer, ok].sort());
      const h = env.client.workflow.getHandle(inspectionTaskWorkflowId(task!.id));
      await eventually(() => h.query(inspectionTaskStatusQuery), (s) => s.stage === 'inspecting');
      const wrong = await refusal(h.executeUpdate(recordTaskResultUpdate, { args: [{ actor: { id: elsewhere, role: 'inspector', province }, outcome: 'pass' }] }));
      expect(wrong.type).toBe('forbidden');
      const st = await h.executeUpdate(recordTaskResultUpdate, { args: [{ actor: { id: ok, role: 'inspector', province }, outcome: 'pass' }] });
      expect(st.result).toMatchObject({ outcome: 'pass', by: ok });
      // Next batch: last time's team (the officer and the verifier) is skipped, verifiers included.
      const [officer2] = await inspectors(province, 1);
      const ok2 = v('ok2');
      await cert(ok2);
      const next = await batch({ province, startsOn: today, endsOn, rates: { A: 1, B: 1, C: 1, D: 1 } });
      await env.client.workflow.execute(inspectionBatch, { taskQueue: TASK_QUEUE, workflowId: batchWorkflowId(next), args: [{ batchId: next, province }] });
      const [again] = await listTasks(suite.db.pool, { batchId: next });
      expect([...again!.team!].sort()).toEqual([officer2, ok2].sort());
    });
  });
});

describe('inspection tasks (R11, R17)', () => {
  it("R11: only the drawn team records the result, once; publication is due 20 working days after the inspection across a public holiday, and a late publication is escalated; R17: the failing result raises the grade and opens R15 rectification in the follow-up workflow", async () => {
    await withServer(async ({ env, now, sleepUntil }) => {
      const province = 'SX';
      const uscc = freshUscc();
      const certificate = `SX-${hex()}`;
      await seedLicences(suite.db.pool, [{ number: certificate, uscc, province }]);
      const today = shanghaiDate(await now());
      // The inspection day: a working day still ahead (the server starts at today) whose 20
      // working days to publication cross a public holiday, so they span more than 4 weeks.
      const cal = currentCalendar();
      const publicationDue = (d: string) => cal.computeSlaDeadline({ startedAt: `${d}T15:59:59.999Z`, workingDays: 20, pauses: [] });
      let inspectedOn = addCalendarDays(today, 1);
      while (!cal.isWorkingDay(inspectedOn) || !(publicationDue(inspectedOn).deadlineDate! > addCalendarDays(inspectedOn, 28))) inspectedOn = addCalendarDays(inspectedOn, 1);
      const dueOn = addCalendarDays(inspectedOn, 7);
      // R15: 30 days to rectify; a period in days ending on a rest day ends on the next working day.
      let rectifyBy = addCalendarDays(inspectedOn, 30);
      while (!cal.isWorkingDay(rectifyBy)) rectifyBy = addCalendarDays(rectifyBy, 1);
      const id = await batch({ province, startsOn: today, endsOn: dueOn, rates: { A: 1, B: 1, C: 1, D: 1 } });
      await suite.db.pool.query(`INSERT INTO inspection_tasks (id, batch_id, province, uscc, grade, team, due_on) VALUES ($1, $2, $3, $4, 'A', '["I-1","I-2"]', $5)`, [
        taskIdOf(id, uscc),
        id,
        province,
        uscc,
        dueOn,
      ]);
      const taskId = taskIdOf(id, uscc);
      const h = await env.client.workflow.start(inspectionTask, {
        taskQueue: TASK_QUEUE,
        workflowId: inspectionTaskWorkflowId(taskId),
        args: [{ taskId, batchId: id, province, uscc, grade: 'A', team: ['I-1', 'I-2'], dueOn }],
      });
      await eventually(() => h.query(inspectionTaskStatusQuery), (s) => s.stage === 'inspecting');
      const outsider = await refusal(h.executeUpdate(recordTaskResultUpdate, { args: [{ actor: { id: 'I-9', role: 'inspector', province }, outcome: 'pass' }] }));
      expect(outsider.type).toBe('forbidden');
      expect(outsider.message).toMatch(/I-9 is not on it/);
      // R11: a day before the task was opened is refused at once (found by fuzzing: 1020-02-29 hung the Update).
      const ancient = await refusal(h.executeUpdate(recordTaskResultUpdate, { args: [{ actor: { id: 'I-2', role: 'inspector', province }, outcome: 'pass', inspectedOn: '1020-02-29' }] }));
      expect([ancient.type, ancient.message]).toEqual(['invalid', expect.stringMatching(/^inspectedOn: the inspection cannot end before its task was opened/)]);
      await sleepUntil(Date.parse(`${inspectedOn}T10:00:00+08:00`));
      const st = await h.executeUpdate(recordTaskResultUpdate, {
        args: [{ actor: { id: 'I-2', role: 'inspector', province }, outcome: 'problems-found', findings: 'no incoming-inspection records', inspectedOn }],
      });
      const expected = publicationDue(inspectedOn);
      expect(expected.countedDays.every((d) => cal.isWorkingDay(d))).toBe(true); // the holiday is not counted
      expect(st.publication!.dueAt).toBe(expected.deadlineAt);
      const second = await refusal(h.executeUpdate(recordTaskResultUpdate, { args: [{ actor: { id: 'I-1', role: 'inspector', province }, outcome: 'pass' }] }));
      expect(second.type).toBe('conflict');
      const sa = (await h.describe()).typedSearchAttributes;
      expect(sa.get(SA.waitingOn)).toBe('publication');
      expect(sa.get(SA.deadline)?.toISOString()).toBe(expected.deadlineAt);
      // R17: the failing result is a fact, and the grade is recomputed at once.
      const grade = (await findRiskGrade(suite.db.pool, uscc, province))!;
      expect(grade.grade).toBe('C');
      expect(grade.reasons.join('\n')).toMatch(new RegExp(`failed inspection on ${inspectedOn} \\(inspection ${taskId}`));
      // R15: the licence is under rectification, run by the follow-up workflow, its re-check next.
      const opened = await eventually(() => h.query(inspectionTaskStatusQuery), (x) => (x.rectifications?.length ?? 0) > 0);
      const fu = env.client.workflow.getHandle<typeof followUpInspection>(opened.rectifications![0]!.workflowId);
      const detail = await eventually(() => fu.query(followUpDetailQuery), (x) => x.stage === 'rectifying');
      expect(detail).toMatchObject({ certificateNumber: certificate, stage: 'rectifying', round: 2, rectification: { rectifyBy } });
      const ordered = await eventually(
        () => suite.db.pool.query(`SELECT recipient_role, message FROM notifications WHERE kind = 'rectification-ordered' AND application_id = $1`, [inspectionTaskWorkflowId(taskId)]),
        (r) => r.rows.length === 1,
      );
      expect(ordered.rows[0].message).toMatch(new RegExp(`no incoming-inspection records.*rectify by ${rectifyBy}`));
      // R15, L08: the re-check fails: the follow-up revokes the licence, as after issuance.
      const team = [`V-${hex()}`, `V-${hex()}`];
      for (const v of team) await upsertVerifier(suite.db.pool, { id: v, name: v, certifiedBy: province, certifiedOn: '2020-01-01', certifiedUntil: '2099-12-31' });
      const sup = { id: 'sup-sx', role: 'supervisor' as const, province: 'SX' as const };
      await fu.executeUpdate(assignTeamUpdate, { args: [{ actor: sup, verifierIds: team }] });
      await fu.executeUpdate(recordInspectionUpdate, { args: [{ actor: sup, outcome: 'failed', verifierIds: team, findings: 'still no records' }] });
      expect((await fu.query(followUpDetailQuery)).outcome).toBe('revoked');
      expect((await suite.db.pool.query('SELECT status FROM certificates WHERE number = $1', [certificate])).rows[0].status).toBe('revoked');
      const row = await suite.db.pool.query(`SELECT kind, rule, ground, published_at FROM credit_publicity WHERE record_key = $1`, [`inspection-result|${taskId}`]);
      expect(row.rows).toEqual([{ kind: 'inspection-result', rule: 'R11', ground: 'problems-found', published_at: null }]);
      // Nobody publishes it: past the deadline the supervisor is told and the task shows overdue.
      await sleepUntil(Date.parse(expected.deadlineAt!) + 2 * 86_400_000);
      const late = await eventually(() => h.query(inspectionTaskStatusQuery), (s) => s.publication?.overdue === true);
      expect(late.escalations.map((e) => e.kind)).toEqual(['publication-reminder', 'publication-overdue']);
      expect((await h.describe()).typedSearchAttributes.get(SA.overdue)).toBe(true);
      const notes = await suite.db.pool.query(`SELECT kind, recipient_role FROM notifications WHERE application_id = $1 AND kind LIKE 'publication-%' ORDER BY id`, [inspectionTaskWorkflowId(taskId)]);
      expect(notes.rows).toEqual([
        { kind: 'publication-reminder', recipient_role: 'supervisor' },
        { kind: 'publication-overdue', recipient_role: 'supervisor' },
      ]);
      // The sender publishes it: the clock ends and the task closes.
      await suite.db.pool.query(`UPDATE credit_publicity SET published_at = now() WHERE record_key = $1`, [`inspection-result|${taskId}`]);
      await sleepUntil((await now()) + 86_400_000 + 1000);
      const closed = await h.result();
      expect(closed.stage).toBe('closed');
      expect(closed.publication!.publishedAt).toBeDefined();
    });
  });

  it('R11: a task without a result by the batch end reminds the team and then escalates to the supervisor', async () => {
    await withServer(async ({ env, now, sleepUntil }) => {
      const province = 'NM';
      const uscc = `U-NM-${hex()}`;
      const today = shanghaiDate(await now());
      const dueOn = addCalendarDays(today, 5);
      const taskId = `T-${hex()}/${uscc}`;
      const h = await env.client.workflow.start(inspectionTask, {
        taskQueue: TASK_QUEUE,
        workflowId: inspectionTaskWorkflowId(taskId),
        args: [{ taskId, batchId: 'none', province, uscc, grade: 'A', team: ['I-1', 'I-2'], dueOn }],
      });
      await sleepUntil(Date.parse(`${dueOn}T23:00:00+08:00`) + 3_600_000 * 2);
      const st = await eventually(() => h.query(inspectionTaskStatusQuery), (s) => s.overdue);
      expect(st.escalations.map((e) => e.kind)).toEqual(['inspection-reminder', 'inspection-overdue']);
      const sa = (await h.describe()).typedSearchAttributes;
      expect([sa.get(SA.waitingOn), sa.get(SA.overdue)]).toEqual(['inspection', true]);
      await h.terminate('test done');
    });
  });
});

describe('nightly grades (R17)', () => {
  it('R17: the nightly workflow grades every licensee of the province from the facts on record', async () => {
    await withServer(async ({ env }) => {
      const province = 'JL';
      const [clean, failed] = [freshUscc(), freshUscc()];
      await seedLicences(suite.db.pool, [{ number: `JL-${hex()}`, uscc: clean, province }, { number: `JL-${hex()}`, uscc: failed, province }]);
      await suite.db.pool.query(
        `INSERT INTO supervision_facts (fact_key, uscc, province, kind, occurred_on, ref) VALUES ($1, $2, $3, 'failed-spot-check', '2026-06-01', 'spot check 12')`,
        [`f-${hex()}`, failed, province],
      );
      const r = await env.client.workflow.execute(riskGradesNightly, { taskQueue: TASK_QUEUE, workflowId: `nightly-${hex()}`, args: [{ asOf: '2026-12-01', provinces: [province] }] });
      expect(r).toMatchObject({ asOf: '2026-12-01', graded: 2 });
      expect((await findRiskGrade(suite.db.pool, clean, province))!.grade).toBe('A');
      const g = (await findRiskGrade(suite.db.pool, failed, province))!;
      expect(g.grade).toBe('C');
      expect(g.reasons[0]).toMatch(/failed spot check on 2026-06-01 \(spot check 12\)/);
    });
  });
});
