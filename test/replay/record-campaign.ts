/**
 * Recorder scenarios for R14 and R16: a signal's intake (`campaign/signal/<key>`) that proposes a
 * campaign, the campaign (`campaign/<id>`: proposed → confirmed → inspecting → every task has its
 * result → report) and the nightly detection. Run by record.ts like record-supervision.ts.
 */
import { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { recordSignal } from '../../activities/supervision/risk-signals';
import { listTasks } from '../../db/inspection-batches';
import { upsertInspector } from '../../db/inspectors';
import { recordTestedSample } from '../../db/campaigns';
import { campaignWorkflowId, decideCampaignUpdate, riskSignalIntakeWorkflowId } from '../../domain/supervision/campaign';
import { inspectionTaskStatusQuery, inspectionTaskWorkflowId, recordTaskResultUpdate } from '../../domain/supervision/inspection-task';
import type { NewRiskSignal } from '../../domain/supervision/risk-signal';
import { shanghaiDate } from '../../domain/time';
import { campaign } from '../../workflows/supervision/campaign';
import { campaignDetectionNightly, riskSignalIntake } from '../../workflows/supervision/risk-signal-intake';
import { freshUscc, staff } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';
import { poller } from '../helpers/time-skipping';
import type { Scenario } from './record-supervision';

const OPS = { id: 'ops-1', role: 'ops' as const };
const eventually = poller({ retryErrors: true, ms: 30_000 });

export function campaignScenarios(opts: { id: (scenario: string) => string; taskQueue: string; pool: () => Pool }): Record<string, Scenario> {
  const { id, taskQueue } = opts;
  return {
    async campaign(_start, _sleep, ctx) {
      const pool = opts.pool();
      const province = 'HB';
      const today = shanghaiDate(await ctx.now());
      const usccs = [freshUscc(), freshUscc()];
      await seedLicences(pool, usccs.map((uscc, i) => ({ number: `HB-HIST-${i}`, uscc, province, product: 'cement' })));
      for (const i of [1, 2, 3]) await upsertInspector(pool, { id: `I-HB-HIST-${i}`, name: `执法人员 ${i}`, province }, OPS, new Date().toISOString());
      for (let i = 0; i < 17; i++) await recordTestedSample(pool, { sampleKey: `HIST-S-${i}`, province, product: 'cement', testedOn: today, failed: false, source: 'round' });
      const signal = (n: number): NewRiskSignal => ({
        signalKey: `${id('campaign-signal')}-${n}`,
        province,
        product: 'cement',
        region: '武汉市',
        kind: 'failed-test',
        origin: 'local',
        source: `spot check HIST-${n}`,
        summary: '抽检不合格',
        evidence: [{ sha256: 'b'.repeat(64) }],
        occurredOn: today,
        recordedBy: 'sup-hb',
      });
      for (const n of [1, 2]) await recordSignal(pool, signal(n));
      // The third failed test passes the threshold (3 of 20): its intake proposes the campaign.
      // A client that does not unlock time skipping: the intake is short and must not move the clock.
      const steady = new Client({ connection: ctx.env.connection, namespace: ctx.env.namespace ?? 'default' });
      const third = signal(3);
      const intake = await steady.workflow.start(riskSignalIntake, { taskQueue, workflowId: riskSignalIntakeWorkflowId(third.signalKey), args: [third] });
      const r = await intake.result();
      const campaignId = r.campaigns[0]?.campaignId;
      if (!campaignId) throw new Error('the third failed test proposed no campaign');
      const nightly = await steady.workflow.start(campaignDetectionNightly, { taskQueue, workflowId: `campaign/${id('detection-nightly')}`, args: [{ provinces: [province] }] });
      await nightly.result();
      const h = ctx.env.client.workflow.getHandle<typeof campaign>(campaignWorkflowId(campaignId));
      await h.executeUpdate(decideCampaignUpdate, { args: [{ actor: staff('supervisor', province, 'sup-hb'), decision: 'confirm' }] });
      const batchId = `campaign-${campaignId}`;
      const tasks = await eventually(() => listTasks(pool, { batchId }), (t) => t.length === 2 && t.every((x) => x.startedAt));
      for (const [i, t] of tasks.entries()) {
        const task = ctx.env.client.workflow.getHandle(inspectionTaskWorkflowId(t.id));
        await eventually(() => task.query(inspectionTaskStatusQuery), (s) => s.stage === 'inspecting');
        await task.executeUpdate(recordTaskResultUpdate, { args: [{ actor: { id: t.team![0]!, role: 'inspector', province }, outcome: i === 0 ? 'pass' : 'refused' }] });
      }
      const done = await h.result();
      if (done.stage !== 'ended' || done.report?.inspected !== 2) throw new Error(`${h.workflowId}: ${JSON.stringify(done)}`);
      return [intake, nightly, h];
    },
  };
}
