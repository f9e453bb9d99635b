/**
 * R16 (and R14) on the real time-skipping server with real activities and PostgreSQL: a
 * product's failure rate starts a campaign at exactly its threshold, a serious accident starts
 * one by itself, the campaign inspects every licensee of the product through an R11 batch and
 * ends with its report; R14: local signals go to SAMR in the e-CQS outbox, received ones raise
 * the grade and are not sent back.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { recordSignal } from '../../activities/supervision/risk-signals';
import { findCampaign, recordTestedSample, spotCheckStats } from '../../db/campaigns';
import { listTasks } from '../../db/inspection-batches';
import { upsertInspector } from '../../db/inspectors';
import { findRiskGrade } from '../../db/risk-grades';
import { ecqsJsonSchema } from '../../domain/samr/ecqs';
import { SA } from '../../domain/search-attributes';
import { campaignStatusQuery, campaignWorkflowId, decideCampaignUpdate } from '../../domain/supervision/campaign';
import { inspectionTaskStatusQuery, inspectionTaskWorkflowId, recordTaskResultUpdate } from '../../domain/supervision/inspection-task';
import type { NewRiskSignal } from '../../domain/supervision/risk-signal';
import type { ProductId } from '../../domain/policy';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { currentCalendar } from '../../infra/calendar';
import { campaign } from '../../workflows/supervision/campaign';
import { campaignDetectionNightly, riskSignalIntake } from '../../workflows/supervision/risk-signal-intake';
import { freshUscc, staff } from '../helpers/fixtures';
import { Gate, gateActivity } from '../helpers/gate';
import { seedLicences } from '../helpers/licensees';
import { poller, refusal } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

/** R16: the window's last day, 90 days on, moved to the next working day if it is a rest day (as `openCampaignBatch` does). */
function windowEnd(startsOn: string): string {
  let d = addCalendarDays(startsOn, 90);
  while (!currentCalendar().isWorkingDay(d)) d = addCalendarDays(d, 1);
  return d;
}

const TASK_QUEUE = 'test-campaign';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const eventually = poller({ retryErrors: true, ms: 30_000 });
const OPS = { id: 'ops-1', role: 'ops' as const };
const hex = () => randomBytes(4).toString('hex');
const SHA = 'a'.repeat(64);

const signal = (province: string, product: ProductId, over: Partial<NewRiskSignal> = {}): NewRiskSignal => ({
  signalKey: `sig-${hex()}`,
  province,
  product,
  region: `${province} 市`,
  kind: 'failed-test',
  origin: 'local',
  source: `spot check SC-${hex()}`,
  summary: '抽检不合格',
  evidence: [{ sha256: SHA, description: '检验报告' }],
  occurredOn: '2026-11-20',
  recordedBy: 'sup-1',
  ...over,
});

async function passingSamples(province: string, product: ProductId, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await recordTestedSample(suite.db.pool, { sampleKey: `S-${province}-${hex()}`, province, product, testedOn: '2026-11-15', failed: false, source: 'spot check round' });
  }
}

async function inspectors(province: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await upsertInspector(suite.db.pool, { id: `I-${province}-${hex()}`, name: `执法人员 ${i}`, province }, OPS, new Date().toISOString());
}

/** A client that does not unlock time skipping: waiting for a short workflow's result must not move the clock years ahead. */
const steady = (env: TestWorkflowEnvironment) => new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });

describe('special rectification campaigns (R16)', () => {
  it('R16: 3 failures of 20 samples start a campaign (2 of 20 and 3 of 19 do not); once confirmed it inspects every licensee of the product and reports inspected, failed, orders, revocations, still open', async () => {
    await withServer(async ({ env, now }) => {
      const today = shanghaiDate(await now());
      const intake = (s: NewRiskSignal) => steady(env).workflow.execute(riskSignalIntake, { taskQueue: TASK_QUEUE, workflowId: `campaign/signal/${s.signalKey}`, args: [s] });
      // HB: 17 passing samples and 3 failed tests = 3 of 20 (15 % > 10 %).
      const cement = Array.from({ length: 4 }, () => freshUscc());
      await seedLicences(suite.db.pool, [
        ...cement.map((uscc, i) => ({ number: `HB-C-${hex()}-${i}`, uscc, province: 'HB', product: 'cement' })),
        { number: `HB-R-${hex()}`, uscc: freshUscc(), province: 'HB', product: 'cement', status: 'revoked' as const },
        { number: `HB-F-${hex()}`, uscc: freshUscc(), province: 'HB', product: 'fertiliser' },
      ]);
      await inspectors('HB', 3);
      await passingSamples('HB', 'cement', 17);
      expect((await intake(signal('HB', 'cement', { uscc: cement[0] }))).campaigns).toEqual([]);
      expect((await intake(signal('HB', 'cement'))).campaigns).toEqual([]);
      const third = await intake(signal('HB', 'cement'));
      expect(third.campaigns).toEqual([{ campaignId: 'HB-cement-1', product: 'cement', created: true, autoStart: false, status: 'proposed' }]);
      // SD: 18 passing + 2 failed = 2 of 20 (exactly 10 %, not more); HA: 16 + 3 = 3 of 19 (too few samples).
      await passingSamples('SD', 'cement', 18);
      for (let i = 0; i < 2; i++) expect((await intake(signal('SD', 'cement'))).campaigns).toEqual([]);
      await passingSamples('HA', 'cement', 16);
      for (let i = 0; i < 3; i++) expect((await intake(signal('HA', 'cement'))).campaigns).toEqual([]);
      const win = { from: addCalendarDays(today, -400), to: today };
      expect(await spotCheckStats(suite.db.pool, 'HB', 'cement', win.from, win.to)).toEqual({ samples: 20, failures: 3 });
      expect(await spotCheckStats(suite.db.pool, 'SD', 'cement', win.from, win.to)).toEqual({ samples: 20, failures: 2 });
      expect(await spotCheckStats(suite.db.pool, 'HA', 'cement', win.from, win.to)).toEqual({ samples: 19, failures: 3 });
      // The nightly pass finds the same, and adds no second campaign.
      const nightly = await steady(env).workflow.execute(campaignDetectionNightly, { taskQueue: TASK_QUEUE, workflowId: `campaign/nightly-${hex()}`, args: [{ provinces: ['HB', 'SD', 'HA'] }] });
      expect(nightly.detected).toEqual([{ campaignId: 'HB-cement-1', product: 'cement', created: false, autoStart: false, status: 'proposed' }]);
      const stored = (await findCampaign(suite.db.pool, 'HB-cement-1'))!;
      expect(stored.triggers).toEqual([{ kind: 'threshold', samples: 20, failures: 3, from: expect.any(String), to: today, on: today }]);

      // A supervisor of HB confirms it (another province's may not; declining needs a reason).
      const h = env.client.workflow.getHandle<typeof campaign>(campaignWorkflowId('HB-cement-1'));
      expect((await eventually(() => h.query(campaignStatusQuery), (s) => s.stage === 'proposed')).stage).toBe('proposed');
      expect((await h.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('confirmation');
      expect((await refusal(h.executeUpdate(decideCampaignUpdate, { args: [{ actor: staff('supervisor', 'SD'), decision: 'confirm' }] }))).type).toBe('forbidden');
      expect((await refusal(h.executeUpdate(decideCampaignUpdate, { args: [{ actor: staff('supervisor', 'HB'), decision: 'decline' }] }))).type).toBe('invalid');
      const started = await h.executeUpdate(decideCampaignUpdate, { args: [{ actor: staff('supervisor', 'HB', 'sup-hb'), decision: 'confirm' }] });
      expect(started).toMatchObject({ stage: 'inspecting', startsOn: today, endsOn: windowEnd(today), batchId: 'campaign-HB-cement-1' });

      // Every valid cement licensee of HB, and nobody else, gets an inspection task due at the window's end.
      const tasks = await eventually(() => listTasks(suite.db.pool, { batchId: 'campaign-HB-cement-1' }), (t) => t.length === 4 && t.every((x) => x.startedAt));
      expect(tasks.map((t) => t.uscc).sort()).toEqual([...cement].sort());
      expect(tasks.every((t) => t.dueOn === windowEnd(today) && t.team?.length === 2)).toBe(true);
      const outcomes = ['pass', 'pass', 'problems-found', 'refused'] as const;
      for (const [i, t] of tasks.entries()) {
        const task = env.client.workflow.getHandle(inspectionTaskWorkflowId(t.id));
        await eventually(() => task.query(inspectionTaskStatusQuery), (s) => s.stage === 'inspecting');
        await task.executeUpdate(recordTaskResultUpdate, {
          args: [{ actor: { id: t.team![0]!, role: 'inspector', province: 'HB' }, outcome: outcomes[i]!, ...(outcomes[i] === 'problems-found' ? { findings: '原料进厂检验缺失' } : {}) }],
        });
      }
      const done = await h.result();
      const report = { drawn: true, licensees: 4, started: 4, inspected: 4, failed: 2, orders: 1, revocations: 0, stillOpen: 1 };
      expect(done).toMatchObject({ stage: 'ended', endedBecause: 'all-inspected', report });
      expect((await findCampaign(suite.db.pool, 'HB-cement-1'))!).toMatchObject({ status: 'ended', report: { ...report, endedBecause: 'all-inspected' } });
      const sa = (await h.describe()).typedSearchAttributes;
      expect([sa.get(SA.stage), sa.get(SA.progress), sa.get(SA.waitingOn)]).toEqual(['campaign:ended', 100, 'nobody']);
    });
  });

  it('R16: a serious accident starts a campaign by itself (policy flag); a window that ends with inspections open reports them still open', async () => {
    await withServer(async ({ env, now }) => {
      const today = shanghaiDate(await now());
      const [a, b] = [freshUscc(), freshUscc()];
      await seedLicences(suite.db.pool, [a, b].map((uscc, i) => ({ number: `JS-S-${hex()}-${i}`, uscc, province: 'JS', product: 'steel-bar' })));
      await inspectors('JS', 2);
      const s = signal('JS', 'steel-bar', { kind: 'accident', serious: true, uscc: a, summary: '钢筋断裂致楼板坍塌', occurredOn: today });
      const r = await steady(env).workflow.execute(riskSignalIntake, { taskQueue: TASK_QUEUE, workflowId: `campaign/signal/${s.signalKey}`, args: [s] });
      expect(r.campaigns).toEqual([{ campaignId: 'JS-steel-bar-1', product: 'steel-bar', created: true, autoStart: true, status: 'proposed' }]);
      // R14 → R17: the enterprise named is no longer graded A.
      expect(r.grade?.grade.grade).not.toBe('A');
      expect((await findRiskGrade(suite.db.pool, a, 'JS'))!.reasons.join('\n')).toMatch(/substantiated risk information/);
      const h = env.client.workflow.getHandle<typeof campaign>(campaignWorkflowId('JS-steel-bar-1'));
      const running = await eventually(() => h.query(campaignStatusQuery), (x) => x.stage === 'inspecting' && x.batchId !== undefined);
      expect(running).toMatchObject({ stage: 'inspecting', autoStart: true, endsOn: windowEnd(today), batchId: 'campaign-JS-steel-bar-1' });
      const tasks = await eventually(() => listTasks(suite.db.pool, { batchId: 'campaign-JS-steel-bar-1' }), (t) => t.length === 2 && t.every((x) => x.startedAt));
      expect(tasks.map((t) => t.uscc).sort()).toEqual([a, b].sort());
      expect((await h.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('inspection');
      expect((await findCampaign(suite.db.pool, 'JS-steel-bar-1'))!.triggers).toEqual([{ kind: 'accident', signalKey: s.signalKey, summary: '钢筋断裂致楼板坍塌', on: today }]);
      const done = await h.result();
      expect(done).toMatchObject({ stage: 'ended', endedBecause: 'window-ended', report: { licensees: 2, inspected: 0, failed: 0, orders: 0, revocations: 0, stillOpen: 2 } });
    });
  });

  it('R16: a second confirmation while the first is still opening the campaign (a gated activity) is refused as a conflict; the campaign starts once', async () => {
    const gate = new Gate();
    const { activities } = gateActivity(createActivities({ pool: suite.db.pool }), 'openCampaignBatch', gate);
    await withServer(async ({ env }) => {
      await seedLicences(suite.db.pool, [{ number: `AH-${hex()}`, uscc: freshUscc(), province: 'AH', product: 'fertiliser' }]);
      await passingSamples('AH', 'fertiliser', 17);
      for (let i = 0; i < 3; i++) await recordSignal(suite.db.pool, signal('AH', 'fertiliser'));
      const n = await steady(env).workflow.execute(campaignDetectionNightly, { taskQueue: TASK_QUEUE, workflowId: `campaign/nightly-${hex()}`, args: [{ provinces: ['AH'] }] });
      expect(n.detected.map((d) => d.campaignId)).toEqual(['AH-fertiliser-1']);
      const h = env.client.workflow.getHandle<typeof campaign>(campaignWorkflowId('AH-fertiliser-1'));
      await eventually(() => h.query(campaignStatusQuery), (s) => s.stage === 'proposed');
      const first = h.executeUpdate(decideCampaignUpdate, { args: [{ actor: staff('supervisor', 'AH', 'sup-a'), decision: 'confirm' }] });
      await gate.entered;
      const second = await refusal(h.executeUpdate(decideCampaignUpdate, { args: [{ actor: staff('supervisor', 'AH', 'sup-b'), decision: 'confirm' }] }));
      expect(second.type).toBe('conflict');
      expect(second.message).toMatch(/being decided/);
      gate.release();
      expect((await first).stage).toBe('inspecting');
      expect((await findCampaign(suite.db.pool, 'AH-fertiliser-1'))!).toMatchObject({ status: 'running', confirmedBy: 'sup-a' });
      await h.terminate('test done');
    }, activities);
  });
});

describe('campaign windows (R16)', () => {
  it('R16: the 90-day window counts from the day after the start; a last day on a rest day moves to the next working day', async () => {
    const acts = createActivities({ pool: suite.db.pool });
    for (const [id, startsOn, endsOn] of [
      ['XZ-cement-1', '2026-12-02', '2027-03-02'], // a Tuesday: as counted
      ['XZ-steel-bar-1', '2026-12-06', '2027-03-08'], // 2027-03-06 is a Saturday: Monday
    ] as const) {
      await suite.db.pool.query(`INSERT INTO campaigns (id, province, product, status, policy_id, triggers, auto_start, proposed_on) VALUES ($1, 'XZ', $2, 'proposed', 'campaign-2026-12-01', '[]', true, $3)`, [
        id,
        id.slice(3, -2),
        startsOn,
      ]);
      expect(await acts.openCampaignBatch({ campaignId: id, startsOn, seed: 's' })).toEqual({ batchId: `campaign-${id}`, startsOn, endsOn });
      // Once: a retried activity keeps the first window.
      expect((await acts.openCampaignBatch({ campaignId: id, startsOn: '2026-12-20', seed: 'other' })).endsOn).toBe(endsOn);
    }
  });
});

describe('quality-risk monitoring (R14)', () => {
  const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(ecqsJsonSchema());

  it('R14: a local signal is sent to SAMR in the e-CQS outbox as a risk-signal record (schema 1.1) valid against the contract, on the province stream, once however often it is retried', async () => {
    const uscc = freshUscc();
    await seedLicences(suite.db.pool, [{ number: `GX-${hex()}`, uscc, province: 'GX', product: 'cement' }]);
    const s = signal('GX', 'cement', { uscc, kind: 'substantiated-report', source: 'risk report RR-1' });
    await recordSignal(suite.db.pool, s);
    await recordSignal(suite.db.pool, s); // a retried activity
    await recordSignal(suite.db.pool, signal('GX', 'steel-bar'));
    const rows = (await suite.db.pool.query(`SELECT case_id, seq, event, schema_version, payload FROM ecqs_outbox WHERE case_id = 'risk-signals/GX' ORDER BY seq`)).rows;
    expect(rows.map((r) => [r.seq, r.event, r.schema_version])).toEqual([
      [1, 'risk-signal', '1.1'],
      [2, 'risk-signal', '1.1'],
    ]);
    for (const r of rows) expect(validate(r.payload), JSON.stringify(validate.errors)).toBe(true);
    expect(rows[0].payload).toMatchObject({
      schemaVersion: '1.1',
      event: 'risk-signal',
      caseId: 'risk-signals/GX',
      province: 'GX',
      product: 'cement',
      enterprise: { uscc, name: `企业 ${uscc}` },
      signal: { kind: 'substantiated-report', serious: false, source: 'risk report RR-1', occurredOn: '2026-11-20', evidence: [{ sha256: SHA, description: '检验报告' }] },
    });
    expect(rows[1].payload.enterprise).toBeUndefined();
    // A record that breaks the contract is refused at write time (the signal rolls back with it).
    expect(validate({ ...rows[0].payload, schemaVersion: '1.0' })).toBe(false);
  });

  it('R14: a signal received from another province about a licensee raises its grade (R17) and is not sent back to SAMR', async () => {
    const uscc = freshUscc();
    await seedLicences(suite.db.pool, [{ number: `YN-${hex()}`, uscc, province: 'YN', product: 'fertiliser' }]);
    const r = await recordSignal(suite.db.pool, signal('YN', 'fertiliser', { uscc, origin: 'received', source: 'province GD', kind: 'failed-test' }));
    expect(r.inserted).toBe(true);
    expect(r.grade?.grade.grade).toBe('B');
    expect((await findRiskGrade(suite.db.pool, uscc, 'YN'))!.reasons.join('\n')).toMatch(/substantiated risk information/);
    expect((await suite.db.pool.query(`SELECT count(*)::int AS n FROM ecqs_outbox WHERE case_id = 'risk-signals/YN'`)).rows[0].n).toBe(0);
    // It counts towards R16's rate as one failed sample.
    expect(await spotCheckStats(suite.db.pool, 'YN', 'fertiliser', '2026-01-01', '2026-12-31')).toEqual({ samples: 1, failures: 1 });
  });
});
