/**
 * R18 and R13 on the real time-skipping server with real activities and PostgreSQL: a risk report's
 * triage clock (5 working days, L03, reminder and escalation), the three decisions (dismissed with a
 * reason, recorded as a signal that raises the grade, turned into a flight inspection), and flight
 * inspections: the team drawn as in R11, waiting for staff, a failing result's R15 rectification,
 * R17 fact and R14 signal. Races: a second decision or result sent while the first one's activity runs.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { recomputeGrade } from '../../activities/supervision/risk-grades';
import { recordInspectorConflict, setInspectorSuspended, upsertInspector } from '../../db/inspectors';
import { findRiskGrade } from '../../db/risk-grades';
import { findFlight, findRiskReport, insertRiskReport } from '../../db/risk-reports';
import type { Actor } from '../../domain/roles';
import { SA } from '../../domain/search-attributes';
import { flightStateQuery, flightWorkflowId, recordFlightResultUpdate, restaffFlightSignal } from '../../domain/supervision/flight';
import { flightIdOfReport, type RiskReportInput, riskReportStateQuery, riskReportWorkflowId, triageReportUpdate } from '../../domain/supervision/risk-report';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { currentCalendar } from '../../infra/calendar';
import { flightInspection } from '../../workflows/supervision/flight-inspection';
import { riskReportTriage } from '../../workflows/supervision/risk-report';
import { freshUscc } from '../helpers/fixtures';
import { Gate, gateActivity } from '../helpers/gate';
import { seedLicences } from '../helpers/licensees';
import { poller, refusal, type TimeSkippingCtx } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-risk-report';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const eventually = poller({ retryErrors: true });
const OPS = { id: 'ops-1', role: 'ops' as const };
const hex = () => randomBytes(4).toString('hex');
const SUP = (province: string): Actor => ({ id: `sup-${province}`, role: 'supervisor', province: province as Actor['province'] });
const HOUR = 3_600_000;

/** A licensee with one licence, and a report about it received at `at`, its workflow started. */
async function reportAbout(ctx: TimeSkippingCtx, province: string, at?: number) {
  const uscc = freshUscc();
  const number = `${province}-${hex()}`;
  await seedLicences(suite.db.pool, [{ number, uscc, province }]);
  const ref = `RR-20261202-${hex().toUpperCase()}`;
  const submittedAt = new Date(at ?? (await ctx.now())).toISOString();
  const input: RiskReportInput = { ref, province, certificateNumber: number, uscc, product: 'broadcast-equipment', what: '产品抽样发现标识不符', evidence: [{ sha256: 'a'.repeat(64) }], submittedAt };
  await insertRiskReport(suite.db.pool, { ...input, submitterKind: 'public', reporterId: null, accessHash: 'b'.repeat(64), contact: '13800000000' });
  const h = await ctx.env.client.workflow.start(riskReportTriage, { taskQueue: TASK_QUEUE, workflowId: riskReportWorkflowId(ref), args: [input] });
  const st = await eventually(() => h.query(riskReportStateQuery), (s) => !!s?.triageDueAt);
  return { uscc, number, ref, h, st };
}

async function inspectors(province: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => `I-${province}-${hex()}`);
  for (const id of ids) await upsertInspector(suite.db.pool, { id, name: `执法人员 ${id}`, province }, OPS, new Date().toISOString());
  return ids;
}

const notificationsOf = async (wid: string) =>
  (await suite.db.pool.query<{ kind: string; recipient_role: string }>('SELECT kind, recipient_role FROM notifications WHERE application_id = $1 ORDER BY id', [wid])).rows;

describe('risk information triage (R18)', () => {
  it('R18: triage breached: reminded the working day before, escalated to the supervisor after 5 working days (holidays counted out), visible as overdue; still decidable after', async () => {
    await withServer(async (ctx) => {
      const { ref, h, st } = await reportAbout(ctx, 'TJ');
      // The limit is the calendar's 5th working day after receipt, end of day (L03).
      const from = shanghaiDate(Date.parse(st.triageDueAt!) - 1);
      const expected = currentCalendar().addWorkingDays(shanghaiDate(await ctx.now()), 5).date;
      expect(from).toBe(expected);
      expect((await h.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('triage');
      expect((await findRiskReport(suite.db.pool, ref))!.triageDue).toBe(st.triageDueAt);
      await ctx.sleepUntil(Date.parse(st.reminderAt!) + HOUR);
      await eventually(() => notificationsOf(riskReportWorkflowId(ref)), (n) => n.length === 1);
      expect((await h.query(riskReportStateQuery)).overdue).toBe(false);
      await ctx.sleepUntil(Date.parse(st.triageDueAt!) + HOUR);
      const late = await eventually(() => h.query(riskReportStateQuery), (s) => s.overdue);
      expect(late.overdue).toBe(true);
      expect(await eventually(() => notificationsOf(riskReportWorkflowId(ref)), (n) => n.length === 2)).toEqual([
        { kind: 'triage-reminder', recipient_role: 'supervisor' },
        { kind: 'triage-overdue', recipient_role: 'supervisor' },
      ]);
      const sa = (await h.describe()).typedSearchAttributes;
      expect([sa.get(SA.overdue), sa.get(SA.waitingOn), sa.get(SA.deadline)?.toISOString()]).toEqual([true, 'triage', st.triageDueAt]);
      await ctx.env.sleep(HOUR / 2);
      await h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP('TJ'), decision: 'dismiss', reason: '经核查，反映问题与该企业无关' }] });
      expect((await h.result()).decision?.decision).toBe('dismiss');
      expect((await h.describe()).typedSearchAttributes.get(SA.overdue)).toBe(false);
    });
  });

  it('R18: dismissed with a reason, kept on the report\'s record; another province\'s supervisor and an empty reason are refused', async () => {
    await withServer(async (ctx) => {
      const { ref, h } = await reportAbout(ctx, 'TJ');
      expect((await refusal(h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP('HE'), decision: 'dismiss', reason: 'not ours' }] }))).type).toBe('forbidden');
      expect((await refusal(h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP('TJ'), decision: 'dismiss', reason: ' ' }] }))).message).toMatch(/^reason/);
      await h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP('TJ'), decision: 'dismiss', reason: '证据不足，无法核实' }] });
      await h.result();
      expect(await findRiskReport(suite.db.pool, ref)).toMatchObject({ status: 'dismissed', decisionReason: '证据不足，无法核实', decidedBy: 'sup-TJ' });
      expect((await suite.db.pool.query('SELECT 1 FROM risk_signals WHERE source = $1', [`risk report ${ref}`])).rowCount).toBe(0);
    });
  });

  it('R18: a triage decision is in the audit trail once, with who decided and why, even when its activity runs again (soak finding: it was on the report only)', async () => {
    await withServer(async (ctx) => {
      const { ref, h } = await reportAbout(ctx, 'TJ');
      await h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP('TJ'), decision: 'dismiss', reason: '反映内容与许可产品无关' }] });
      const decided = (await h.result()).decision!;
      const audit = async () =>
        (await suite.db.pool.query('SELECT action, actor_id, actor_role, reason, details FROM audit_events WHERE event_key = $1', [`risk-report|${ref}|triage`])).rows;
      expect(await audit()).toEqual([{ action: 'risk-report-triaged', actor_id: 'sup-TJ', actor_role: 'supervisor', reason: '反映内容与许可产品无关', details: { ref, status: 'dismissed' } }]);
      // The activity again (a worker killed after its commit, before reporting it): nothing recorded twice.
      await createActivities({ pool: suite.db.pool }).recordTriageDecision({ ref, status: 'dismissed', reason: decided.reason, by: decided.by, at: decided.at });
      expect(await audit()).toHaveLength(1);
    });
  });

  it('R18: recorded as a risk signal (substantiated-report) raises the enterprise\'s grade (R14, R17); a second decision sent while the first runs is refused', async () => {
    const gate = new Gate();
    const { activities } = gateActivity(createActivities({ pool: suite.db.pool }), 'recordRiskSignal', gate);
    await withServer(async (ctx) => {
      const { ref, h, uscc } = await reportAbout(ctx, 'TJ');
      const before = await recomputeGrade(suite.db.pool, uscc, 'TJ', shanghaiDate(await ctx.now()), 'test baseline');
      expect(before.grade.grade).toBe('A');
      const first = h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP('TJ'), decision: 'record-signal', reason: '行业协会检测报告证实' }] });
      await gate.entered;
      expect((await refusal(h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP('TJ'), decision: 'dismiss', reason: 'changed my mind' }] }))).type).toBe('conflict');
      gate.release();
      const decided = await first;
      expect(decided.decision).toMatchObject({ decision: 'record-signal', signalId: expect.any(String) });
      const sig = await suite.db.pool.query('SELECT kind, source, uscc, evidence FROM risk_signals WHERE signal_key = $1', [`risk-report|${ref}`]);
      expect(sig.rows).toEqual([{ kind: 'substantiated-report', source: `risk report ${ref}`, uscc, evidence: [{ sha256: 'a'.repeat(64) }] }]);
      const after = (await findRiskGrade(suite.db.pool, uscc, 'TJ'))!;
      expect(after.grade).toBe('B');
      expect(JSON.stringify(after.reasons)).toMatch(/risk/);
      expect((await findRiskReport(suite.db.pool, ref))!.status).toBe('recorded-as-signal');
    }, activities);
  });
});

describe('flight inspections (R13)', () => {
  it('R13: a report turned into a flight inspection: a team of 2 drawn as in R11 (no suspended or conflicted inspector), only it records; problems found open R15 rectification, an R17 fact and an R14 signal', async () => {
    await withServer(async (ctx) => {
      const province = 'SX';
      const [a, b, c, d] = await inspectors(province, 4);
      const { ref, h, uscc, number } = await reportAbout(ctx, province);
      await setInspectorSuspended(suite.db.pool, d!, true, 'on leave', OPS, new Date().toISOString());
      await recordInspectorConflict(suite.db.pool, a!, uscc, 'former employee', OPS, new Date().toISOString());
      await h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP(province), decision: 'flight-inspection', reason: '线索具体，需飞行检查' }] });
      const flightId = flightIdOfReport(ref);
      expect((await findRiskReport(suite.db.pool, ref))!).toMatchObject({ status: 'flight-inspection', flightId });
      const f = ctx.env.client.workflow.getHandle(flightWorkflowId(flightId));
      const st = await eventually(() => f.query(flightStateQuery), (s) => s?.stage === 'inspecting');
      expect([...st.team!].sort()).toEqual([b, c].sort());
      expect((await findFlight(suite.db.pool, flightId))!.team).toEqual(st.team);
      // Nothing to the enterprise: only staff were notified.
      const roles = await eventually(() => notificationsOf(flightWorkflowId(flightId)), (n) => n.length > 0);
      expect(roles).toEqual([{ kind: 'flight-assigned', recipient_role: 'inspector' }]);
      expect((await refusal(f.executeUpdate(recordFlightResultUpdate, { args: [{ actor: { id: a!, role: 'inspector', province }, outcome: 'pass' }] }))).type).toBe('forbidden');
      // A day before the flight was ordered is refused at once (found by fuzzing: a day before any risk policy hung the Update).
      const ancient = await refusal(f.executeUpdate(recordFlightResultUpdate, { args: [{ actor: { id: b!, role: 'inspector', province }, outcome: 'problems-found', findings: '示范', inspectedOn: '1020-02-29' }] }));
      expect([ancient.type, ancient.message]).toEqual(['invalid', expect.stringMatching(/^inspectedOn: the inspection cannot end before the flight was ordered/)]);
      await f.executeUpdate(recordFlightResultUpdate, { args: [{ actor: { id: b!, role: 'inspector', province }, outcome: 'problems-found', findings: '生产设备不符合许可条件' }] });
      const done = await f.result();
      expect(done.rectifications).toEqual([{ certificateNumber: number, workflowId: `${flightWorkflowId(flightId)}/rectification/${number}`, rectifyBy: expect.any(String) }]);
      await eventually(() => ctx.env.client.workflow.getHandle(done.rectifications![0]!.workflowId).describe(), (x) => x?.status.name === 'RUNNING');
      const facts = await suite.db.pool.query('SELECT kind FROM supervision_facts WHERE uscc = $1 ORDER BY kind', [uscc]);
      // R17: one finding, one fact: the R14 signal adds no risk-information fact of its own.
      expect(facts.rows.map((r) => r.kind)).toEqual(['failed-inspection']);
      const sig = await suite.db.pool.query('SELECT kind, source FROM risk_signals WHERE uscc = $1', [uscc]);
      expect(sig.rows).toEqual([{ kind: 'inspection-finding', source: `flight inspection ${flightId}` }]);
      expect((await findRiskGrade(suite.db.pool, uscc, province))!.grade).not.toBe('A');
    });
  });

  it('R13: a flight that cannot be staffed waits for a supervisor (LpWaitingOn staffing) and never invents a team', async () => {
    await withServer(async (ctx) => {
      const province = 'NM';
      const { h, ref } = await reportAbout(ctx, province);
      await inspectors(province, 1);
      await h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP(province), decision: 'flight-inspection', reason: '需飞行检查' }] });
      const f = ctx.env.client.workflow.getHandle(flightWorkflowId(flightIdOfReport(ref)));
      const waiting = await eventually(() => f.query(flightStateQuery), (s) => s?.stage === 'waiting-for-staff');
      expect(waiting.staffingProblem).toMatch(/1 eligible inspector\(s\) for .* 2 needed/);
      expect(waiting.team).toBeUndefined();
      expect((await f.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('staffing');
      await inspectors(province, 2);
      await f.signal(restaffFlightSignal, { actor: SUP(province) });
      const st = await eventually(() => f.query(flightStateQuery), (s) => s.stage === 'inspecting');
      expect(st.team).toHaveLength(2);
    });
  });
  it('R13: a flight without a result by its due date is escalated to the supervisor and shows overdue; the team can still record it', async () => {
    await withServer(async (ctx) => {
      const province = 'HL';
      await inspectors(province, 2);
      const uscc = freshUscc();
      await seedLicences(suite.db.pool, [{ number: `HL-${hex()}`, uscc, province }]);
      const today = shanghaiDate(await ctx.now());
      const flightId = `FI-TEST-${hex()}`;
      const f = await ctx.env.client.workflow.start(flightInspection, {
        taskQueue: TASK_QUEUE,
        workflowId: flightWorkflowId(flightId),
        args: [{ flightId, province, uscc, lead: { kind: 'complaint', ref: 'C-1' }, summary: '投诉线索', orderedBy: { id: 'samr-1', role: 'samr' }, orderedAt: new Date(await ctx.now()).toISOString(), dueOn: addCalendarDays(today, 2) }],
      });
      const st = await eventually(() => f.query(flightStateQuery), (s) => s?.stage === 'inspecting');
      expect((await f.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('flight-inspection');
      await ctx.sleepUntil(Date.parse(st.dueAt) + HOUR);
      const late = await eventually(() => f.query(flightStateQuery), (s) => s.overdue);
      expect(late.overdue).toBe(true);
      expect(await eventually(() => notificationsOf(flightWorkflowId(flightId)), (n) => n.length === 2)).toEqual([
        { kind: 'flight-assigned', recipient_role: 'inspector' },
        { kind: 'flight-overdue', recipient_role: 'supervisor' },
      ]);
      expect((await f.describe()).typedSearchAttributes.get(SA.overdue)).toBe(true);
      await ctx.env.sleep(HOUR / 2);
      await f.executeUpdate(recordFlightResultUpdate, { args: [{ actor: { id: st.team![1]!, role: 'inspector', province }, outcome: 'pass' }] });
      expect((await f.result()).result?.outcome).toBe('pass');
    });
  });

  it('R13: a second result sent while the first one is being recorded is refused (409), the first stands', async () => {
    const gate = new Gate();
    const { activities } = gateActivity(createActivities({ pool: suite.db.pool }), 'recordFlightResult', gate);
    await withServer(async (ctx) => {
      const province = 'LN';
      await inspectors(province, 2);
      const { h, ref } = await reportAbout(ctx, province);
      await h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP(province), decision: 'flight-inspection', reason: '需飞行检查' }] });
      const f = ctx.env.client.workflow.getHandle(flightWorkflowId(flightIdOfReport(ref)));
      const st = await eventually(() => f.query(flightStateQuery), (s) => s?.stage === 'inspecting');
      const [x, y] = st.team!;
      const first = f.executeUpdate(recordFlightResultUpdate, { args: [{ actor: { id: x!, role: 'inspector', province }, outcome: 'pass' }] });
      await gate.entered;
      const second = await refusal(f.executeUpdate(recordFlightResultUpdate, { args: [{ actor: { id: y!, role: 'inspector', province }, outcome: 'problems-found', findings: 'late' }] }));
      expect(second.type).toBe('conflict');
      gate.release();
      expect((await first).result).toMatchObject({ outcome: 'pass', by: x });
      expect((await f.result()).stage).toBe('closed');
      expect((await findFlight(suite.db.pool, flightIdOfReport(ref)))!).toMatchObject({ outcome: 'pass', resultBy: x });
    }, activities);
  });

  it('R13: grounds for revocation: the flight waits for the supervisor (LpWaitingOn revocation) until the licences are revoked, then closes', async () => {
    await withServer(async (ctx) => {
      const province = 'JL';
      await inspectors(province, 2);
      const { h, ref, number } = await reportAbout(ctx, province);
      await h.executeUpdate(triageReportUpdate, { args: [{ actor: SUP(province), decision: 'flight-inspection', reason: '举报以欺骗手段取得许可' }] });
      const f = ctx.env.client.workflow.getHandle(flightWorkflowId(flightIdOfReport(ref)));
      const st = await eventually(() => f.query(flightStateQuery), (s) => s?.stage === 'inspecting');
      await f.executeUpdate(recordFlightResultUpdate, { args: [{ actor: { id: st.team![0]!, role: 'inspector', province }, outcome: 'revocation', ground: 'fraud', findings: '提交虚假材料取得许可' }] });
      await eventually(() => f.query(flightStateQuery), (s) => s.stage === 'revocation');
      expect((await f.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('revocation');
      const told = await eventually(() => notificationsOf(flightWorkflowId(flightIdOfReport(ref))), (n) => n.some((x) => x.kind === 'flight-revocation'));
      expect(told).toContainEqual({ kind: 'flight-revocation', recipient_role: 'supervisor' });
      // The supervisor revokes through the licence (its lifecycle's revoke Update); here the register records it.
      await suite.db.pool.query(`UPDATE certificates SET status = 'revoked' WHERE number = $1`, [number]);
      // Checked daily: the result waits (time skips to the next look) and the flight closes.
      expect((await f.result()).stage).toBe('closed');
      expect((await findFlight(suite.db.pool, flightIdOfReport(ref)))!).toMatchObject({ outcome: 'revocation', ground: 'fraud' });
    });
  });

});
