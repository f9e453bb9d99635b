/**
 * Recorder scenarios for R18 (risk-report triage) and R13 (flight inspections): a report past its
 * triage limit (reminder, escalation) then dismissed; one recorded as a risk signal; one turned
 * into a flight inspection whose team finds problems (R15 rectification started). Run by record.ts.
 */
import type { Pool } from 'pg';
import { upsertInspector } from '../../db/inspectors';
import { insertRiskReport } from '../../db/risk-reports';
import { flightStateQuery, flightWorkflowId, recordFlightResultUpdate } from '../../domain/supervision/flight';
import { flightIdOfReport, type RiskReportInput, riskReportStateQuery, riskReportWorkflowId, type TriageDecision, triageReportUpdate } from '../../domain/supervision/risk-report';
import { riskReportTriage } from '../../workflows/supervision/risk-report';
import { freshUscc, staff } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';
import { poller, type TimeSkippingCtx } from '../helpers/time-skipping';
import type { Scenario } from './record-supervision';

const HOUR = 3_600_000;
const OPS = { id: 'ops-1', role: 'ops' as const };
const eventually = poller({ retryErrors: true });

export function reportScenarios(opts: { id: (scenario: string) => string; taskQueue: string; pool: () => Pool }): Record<string, Scenario> {
  const { id, taskQueue } = opts;
  /** A licensee of `province` and a public report about it, its triage workflow started and its clock computed. */
  const started = async (ctx: TimeSkippingCtx, scenario: string, province: 'HE' | 'SX') => {
    const uscc = freshUscc();
    const number = `${province}-${id(scenario)}`;
    await seedLicences(opts.pool(), [{ number, uscc, province }]);
    const ref = id(scenario);
    const input: RiskReportInput = { ref, province, certificateNumber: number, uscc, product: 'broadcast-equipment', what: '录制用风险信息：产品标识不符', evidence: [{ sha256: 'a'.repeat(64) }], submittedAt: new Date(await ctx.now()).toISOString() };
    await insertRiskReport(opts.pool(), { ...input, submitterKind: 'public', reporterId: null, accessHash: 'b'.repeat(64), contact: '010-0000' });
    const h = await ctx.env.client.workflow.start(riskReportTriage, { taskQueue, workflowId: riskReportWorkflowId(ref), args: [input] });
    const st = await eventually(() => h.query(riskReportStateQuery), (s) => !!s?.triageDueAt);
    return { h, st, ref };
  };
  const decide = (province: 'HE' | 'SX', decision: TriageDecision, reason: string) => ({ args: [{ actor: staff('supervisor', province, `sup-${province}`), decision, reason }] as [never] });
  return {
    async 'risk-report-overdue'(_start, _sleep, ctx) {
      const { h, st } = await started(ctx, 'risk-report-overdue', 'HE');
      await ctx.sleepUntil(Date.parse(st.triageDueAt!) + HOUR);
      await eventually(() => h.query(riskReportStateQuery), (s) => s.overdue);
      await ctx.env.sleep(HOUR / 2);
      await h.executeUpdate(triageReportUpdate, decide('HE', 'dismiss', '经核查不属实'));
      await h.result();
      return [h];
    },
    async 'risk-report-signal'(_start, _sleep, ctx) {
      const { h } = await started(ctx, 'risk-report-signal', 'HE');
      await h.executeUpdate(triageReportUpdate, decide('HE', 'record-signal', '检测报告证实'));
      await h.result();
      return [h];
    },
    async 'risk-report-flight'(_start, _sleep, ctx) {
      for (const i of [1, 2]) await upsertInspector(opts.pool(), { id: `I-SX-RR-${i}`, name: `执法人员 ${i}`, province: 'SX' }, OPS, new Date().toISOString());
      const { h, ref } = await started(ctx, 'risk-report-flight', 'SX');
      await h.executeUpdate(triageReportUpdate, decide('SX', 'flight-inspection', '线索具体，飞行检查'));
      await h.result();
      const f = ctx.env.client.workflow.getHandle(flightWorkflowId(flightIdOfReport(ref)));
      const st = await eventually(() => f.query(flightStateQuery), (s) => s?.stage === 'inspecting');
      await f.executeUpdate(recordFlightResultUpdate, { args: [{ actor: { id: st.team![0]!, role: 'inspector', province: 'SX' }, outcome: 'problems-found', findings: '生产条件不符' }] });
      await f.result();
      return [h, f];
    },
  };
}
