/**
 * Records one history per path into test/histories/ (`npm run histories:record`).
 * Run it after a deliberate, patched() change to a workflow, and commit the new files next to
 * the old ones: old histories must keep replaying, or in-flight cases would break on deploy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { acceptUpdate, approveUpdate, confirmPredecessorCancelledUpdate, pauseClockUpdate, recordVerificationUpdate, refuseUpdate, rejectAtIntakeUpdate, requestSupplementUpdate, resumeClockUpdate, supplementSignal } from '../../domain/approval/messages';
import { upsertVerifier } from '../../db/registers';
import { assignTeamUpdate } from '../../domain/supervision/follow-up';
import { opsHoldsQuery, retryAfterOpsUpdate } from '../../domain/ops';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { recordInspectionUpdate } from '../../domain/supervision/follow-up';
import { licenceApplication } from '../../workflows/approval/licence-application';
import { licenceImport } from '../../workflows/import/licence-import';
import { importWorkflowId } from '../../domain/workflow-ids';
import { stageImport } from '../../db/imports';
import { prepareImport } from '../../infra/import-file';
import { generateImportFile, toCsv } from '../helpers/import-file';
import { licenceLifecycle } from '../../workflows/licence/licence-lifecycle';
import { samrSampling } from '../../workflows/samr/samr-sampling';
import { createActivities } from '../../activities';
import { renewalDueBy } from '../../domain/licence/certificate';
import { cancelLicenceUpdate, lifecycleQuery, licenceParticularsOf } from '../../domain/licence/messages';
import { policyInForce } from '../../domain/policy';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { createTestDatabase } from '../helpers/db';
import type { ApplicationInput } from '../../domain/approval/application';
import { applicant, commitment, freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { workflowBundle } from '../helpers/temporal';
import { withServer, type TimeSkippingCtx } from '../helpers/time-skipping';
import { type Scenario, supervisionScenarios } from './record-supervision';
import { campaignScenarios } from './record-campaign';
import { spotCheckScenarios } from './record-spot-checks';
import { reportScenarios } from './record-reports';

const OUT = path.join(__dirname, '..', 'histories');
/**
 * Histories of each code version are kept side by side: HIST_TAG names this recording
 * (e.g. the date), so older recordings keep proving that patched() protects old cases.
 */
const TAG = process.env.HIST_TAG ?? new Date().toISOString().slice(0, 10).replace(/-/g, '');
const id = (scenario: string) => `HIST-${TAG}-${scenario}`;
const TQ = 'record-histories';
const DAY = 86_400_000;


const officer = { actor: staff('acceptance-officer') };
const approver = { actor: staff('approver') };

const scenarios: Record<string, Scenario> = {
  async 'post-verification'(start) {
    const h = await start(makeApplication({ applicationId: id('post-verification') }));
    await h.executeUpdate(acceptUpdate, { args: [officer] });
    await h.executeUpdate(approveUpdate, { args: [approver] });
    const { certificateNumber } = await h.result();
    // The children it started: the follow-up (waiting for a team) and the licence's lifecycle.
    const children = [`${h.workflowId}/follow-up`, lifecycleWorkflowId(certificateNumber!)].map((c) => h.client.getHandle(c));
    return [h, ...children];
  },
  async commitment(start) {
    const h = await start(
      makeApplication({ applicationId: id('commitment'), product: 'fertiliser', productNames: ['复合肥料'], notificationCommitment: commitment }),
      '2021-03-01T02:00:00.000Z',
    );
    await waitFor(h, (s) => s.path !== undefined);
    await h.executeUpdate(approveUpdate, { args: [approver] });
    await h.result();
    return [h];
  },
  async 'renewal-exempt'(start, _sleep, ctx) {
    const held = await heldCertificate(ctx, 'renewal-exempt');
    const h = await start(makeApplication({ applicationId: id('renewal-exempt'), enterprise: held.enterprise, type: 'renewal', currentCertificateNumber: held.number, conditionsUnchanged: true }));
    await waitFor(h, (s) => s.stage !== 'intake');
    await h.executeUpdate(acceptUpdate, { args: [officer] });
    await h.executeUpdate(approveUpdate, { args: [approver] });
    await h.result();
    return [h];
  },
  async 'verify-then-issue'(start, _sleep, ctx) {
    const held = await heldCertificate(ctx, 'verify-then-issue');
    const h = await start(makeApplication({ applicationId: id('verify-then-issue'), enterprise: held.enterprise, type: 'renewal', currentCertificateNumber: held.number, conditionsUnchanged: false }));
    await waitFor(h, (s) => s.stage !== 'intake');
    await h.executeUpdate(acceptUpdate, { args: [officer] });
    // R10: the verification is checked against the register, so the team must be in it.
    const team = ['HIST-VTI-1', 'HIST-VTI-2'];
    for (const v of team) await upsertVerifier(pool(), { id: v, name: v, certifiedBy: 'SH', certifiedOn: '2020-01-01', certifiedUntil: '2099-12-31' });
    await h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result: 'pass', verifierIds: team }] });
    await h.executeUpdate(approveUpdate, { args: [approver] });
    await h.result();
    return [h];
  },
  async 'supplement-deemed-refused'(start, sleep) {
    const app = makeApplication({ applicationId: id('supplement-deemed-refused') });
    const h = await start(app);
    await h.executeUpdate(requestSupplementUpdate, { args: [{ ...officer, items: ['检验报告缺页'] }] });
    await h.signal(supplementSignal, { actor: applicant(app.enterprise.uscc), documents: [{ name: '检验报告', type: 'inspection-report', sha256: 'b'.repeat(64) }] });
    await sleep(10 * DAY);
    await waitFor(h, (s) => s.acceptance === 'deemed');
    await h.executeUpdate(refuseUpdate, { args: [{ ...approver, reasons: ['生产条件不符合要求'] }] });
    await h.result();
    return [h];
  },
  async 'pause-breach'(start, sleep) {
    const h = await start(makeApplication({ applicationId: id('pause-breach') }));
    await h.executeUpdate(acceptUpdate, { args: [officer] });
    // Not exactly a day: the time-skipping server refuses a workflow task that carries an Update
    // and the clock's daily re-check timer firing at the same instant ("invalid history builder
    // state for action"); the dev server takes it.
    await sleep(DAY + 3_600_000);
    await h.executeUpdate(pauseClockUpdate, { args: [{ actor: staff('reviewer'), kind: 'testing', reason: '产品送检', applicantNotifiedAt: '2026-01-01T00:00:00Z' }] });
    await sleep(5 * DAY);
    await h.executeUpdate(resumeClockUpdate, { args: [{ actor: staff('reviewer') }] });
    await sleep(20 * DAY);
    await waitFor(h, (s) => s.breach !== undefined);
    await h.executeUpdate(approveUpdate, { args: [approver] });
    await h.result();
    return [h];
  },
  async 'follow-up-revoked'(start, sleep) {
    // Issue, then the follow-up: team assigned, rectification ordered, re-inspection fails,
    // the licence is revoked and its lifecycle ends.
    const h = await start(makeApplication({ applicationId: id('follow-up-revoked') }));
    await h.executeUpdate(acceptUpdate, { args: [officer] });
    await h.executeUpdate(approveUpdate, { args: [approver] });
    const { certificateNumber } = await h.result();
    const team = ['HIST-V1', 'HIST-V2'];
    for (const v of team) {
      await upsertVerifier(pool(), { id: v, name: v, certifiedBy: 'SH', certifiedOn: '2020-01-01', certifiedUntil: '2099-12-31' });
    }
    const followUp = h.client.getHandle(`${h.workflowId}/follow-up`);
    const supervisor = staff('supervisor');
    await followUp.executeUpdate(assignTeamUpdate, { args: [{ actor: supervisor, verifierIds: team }] });
    await followUp.executeUpdate(recordInspectionUpdate, { args: [{ actor: supervisor, outcome: 'rectification-required', verifierIds: team, findings: '出厂检验记录不全' }] });
    await sleep(10 * DAY);
    await followUp.executeUpdate(recordInspectionUpdate, { args: [{ actor: supervisor, outcome: 'failed', verifierIds: team, findings: '复查仍不合格' }] });
    await followUp.result();
    const lifecycle = h.client.getHandle(lifecycleWorkflowId(certificateNumber!));
    await lifecycle.result();
    return [h, followUp, lifecycle];
  },
  async 'r04-continue-as-new'(_start, sleep, { env }) {
    // A take-over of a licence this system never issued, with a small history cap: the wait
    // continues as new a few times, then an officer confirms and the case goes on.
    const app = makeApplication({ applicationId: id('r04-continue-as-new'), predecessor: { certificateNumber: '(京)XK08-001-09990', reason: 'acquisition' } });
    const h = await env.client.workflow.start(licenceApplication, {
      taskQueue: TQ,
      workflowId: app.applicationId,
      args: [{ application: app, receivedAt: new Date(await env.currentTimeMs()).toISOString(), historyCap: 120 }],
    });
    await waitFor(h, (s) => s.stage === 'awaiting-predecessor-cancellation');
    const firstRun = (await h.describe()).runId;
    await sleep(30 * DAY);
    await h.executeUpdate(confirmPredecessorCancelledUpdate, { args: [{ ...officer, evidence: '总局注销公告2019第12号' }] });
    await h.executeUpdate(acceptUpdate, { args: [officer] });
    await waitFor(h, (s) => s.path !== undefined);
    await h.executeUpdate(refuseUpdate, { args: [{ ...approver, reasons: ['生产条件不符合要求'] }] });
    await h.result();
    return [{ handle: h.client.getHandle(h.workflowId, firstRun), label: 'run1' }, h];
  },
  async 'lifecycle-deemed-renewal'(_start, _sleep, ctx) {
    // One run (checkpoint beyond the term) through the renewal reminder, expiry with a renewal
    // filed in time and undecided (deemed renewal, L05), then a cancellation that ends it.
    const acts = createActivities({ pool: pool() });
    const app = makeApplication({ applicationId: id('lifecycle-deemed-renewal'), product: 'broadcast-equipment', productNames: ['数字电视发射机'] });
    const { h, cert, policy } = await issuedLifecycle(ctx, app, 3000);
    const dueBy = renewalDueBy(cert.validUntil, policy.renewalNoticeMonths);
    await ctx.sleepUntil(Date.parse(`${addCalendarDays(dueBy, -5)}T10:00:00+08:00`));
    const renewal = makeApplication({ ...app, applicationId: id('lifecycle-deemed-renewal-ren'), type: 'renewal', currentCertificateNumber: cert.number, conditionsUnchanged: true });
    await acts.recordReceipt({ application: renewal, receivedAt: new Date(await ctx.now()).toISOString(), eventKey: `${renewal.applicationId}:received:1` });
    await ctx.sleepUntil(Date.parse(`${addCalendarDays(cert.validUntil, 1)}T09:00:00+08:00`));
    for (let i = 0; i < 200 && (await h.query(lifecycleQuery)).status !== 'deemed-renewed'; i++) await new Promise((r) => setTimeout(r, 50));
    await h.executeUpdate(cancelLicenceUpdate, { args: [{ actor: applicant(app.enterprise.uscc), reason: 'production-ceased' }] });
    await h.result();
    return [h];
  },
  async 'lifecycle-continue-as-new'(_start, sleep, ctx) {
    // A lifecycle that continues as new every 30 days: each new run starts with the attributes the
    // last one had (the server carries them) and must replay the writes it skipped for that.
    const app = makeApplication({ applicationId: id('lifecycle-continue-as-new') });
    const { h } = await issuedLifecycle(ctx, app, 30);
    const firstRun = (await h.describe()).runId;
    await sleep(65 * DAY);
    await h.executeUpdate(cancelLicenceUpdate, { args: [{ actor: applicant(app.enterprise.uscc), reason: 'production-ceased' }] });
    await h.result();
    // Labelled: the certificate number alone may be another scenario's, recorded on another day's database.
    return [
      { handle: h.client.getHandle(h.workflowId, firstRun), label: 'continue-as-new-run1' },
      { handle: h, label: 'continue-as-new-last' },
    ];
  },
  async 'ops-hold-in-update'(start) {
    // An accept whose audit row fails for good (a constraint): the Update's step holds for ops,
    // ops fix the cause and retry, the Update answers, and the case is issued.
    const h = await start(makeApplication({ applicationId: id('ops-hold-in-update') }));
    await waitFor(h, (s) => s.stage === 'received');
    const constraint = `hist_block_${TAG.toLowerCase()}`;
    await pool().query(`ALTER TABLE audit_events ADD CONSTRAINT ${constraint} CHECK (application_id <> '${h.workflowId}') NOT VALID`);
    const pending = await h.startUpdate(acceptUpdate, { args: [officer], waitForStage: 'ACCEPTED' });
    for (let i = 0; i < 200 && !(await h.query(opsHoldsQuery)).some((hold) => hold.updateId !== undefined); i++) await new Promise((r) => setTimeout(r, 50));
    await pool().query(`ALTER TABLE audit_events DROP CONSTRAINT ${constraint}`);
    await h.executeUpdate(retryAfterOpsUpdate, { args: [{ actor: { id: 'ops-1', role: 'ops' } }] });
    await pending.result();
    await waitFor(h, (s) => s.path !== undefined && s.opsHold === undefined);
    await h.executeUpdate(approveUpdate, { args: [approver] });
    await h.result();
    return [h];
  },
  async 'samr-sampling'(_start, _sleep, { env }) {
    const h = await env.client.workflow.start(samrSampling, {
      taskQueue: TQ,
      // Under `samr/`: replay.test.ts counts ids without a slash as application cases.
      workflowId: `samr/${id('samr-sampling')}`,
      args: [{ windowDays: 7, rate: 0.25, minPerProvince: 1, seed: `hist-${TAG}`, windowEnd: new Date(await env.currentTimeMs()).toISOString() }],
    });
    await h.result();
    return [h];
  },
  async 'licence-import'(_start, _sleep, { env }) {
    // Issue 19: a small register (two pages with continue-as-new, lifecycles started, bad rows refused) imported by the import workflow.
    const today = new Date(await env.currentTimeMs()).toISOString().slice(0, 10);
    const prepared = prepareImport(Buffer.from(toCsv(generateImportFile({ rows: 16, badPerKind: 1, today, activeEvery: 3 }).rows)), 'register.csv', { today });
    const importId = id('licence-import');
    await stageImport(pool(), { importId, fileName: 'register.csv', fileSha256: prepared.sha256, encoding: prepared.encoding, format: prepared.format, province: prepared.province, rows: prepared.rows });
    const h = await env.client.workflow.start(licenceImport, { taskQueue: TQ, workflowId: importWorkflowId(importId), args: [{ importId, pageSize: 8, concurrency: 2 }] });
    await h.result();
    return [h];
  },
  async 'intake-rejected'(start) {
    const h = await start(makeApplication({ applicationId: id('intake-rejected'), capacity: { declared: { value: 2_000_000, unit: 't/year' }, addsCapacity: false } }));
    await h.result();
    return [h];
  },
  // L07: two new applications of one enterprise for one product at once; the later receipt is refused at intake.
  async 'open-new-duplicate'(start) {
    const enterprise = { ...makeApplication().enterprise, uscc: freshUscc() };
    const first = await start(makeApplication({ applicationId: id('open-new-first'), enterprise }));
    const second = await start(makeApplication({ applicationId: id('open-new-duplicate'), enterprise }));
    await second.result();
    await first.executeUpdate(rejectAtIntakeUpdate, { args: [{ ...officer, reasons: ['recording done'] }] });
    await first.result();
    return [first, second];
  },
  ...supervisionScenarios({ id, taskQueue: TQ, pool: () => pool() }),
  ...campaignScenarios({ id, taskQueue: TQ, pool: () => pool() }),
  ...spotCheckScenarios({ id, taskQueue: TQ, pool: () => pool() }),
  ...reportScenarios({ id, taskQueue: TQ, pool: () => pool() }),
};

/** A certificate issued straight through the activities (no case recorded) and its lifecycle, continuing as new every `checkpointDays`. */
async function issuedLifecycle(ctx: TimeSkippingCtx, app: ApplicationInput, checkpointDays: number) {
  const acts = createActivities({ pool: pool() });
  const issuedAt = new Date(await ctx.now()).toISOString();
  const policy = policyInForce(shanghaiDate(issuedAt));
  await acts.recordReceipt({ application: app, receivedAt: issuedAt, eventKey: `${app.applicationId}:received:1` });
  const cert = await acts.issueCertificate({ applicationId: app.applicationId, eventKey: `${app.applicationId}:certificate:1`, issuedAt, issuedOn: shanghaiDate(issuedAt), policyVersion: policy.id });
  const h = await ctx.env.client.workflow.start(licenceLifecycle, {
    taskQueue: TQ,
    workflowId: lifecycleWorkflowId(cert.number),
    args: [{ ...licenceParticularsOf(app, cert, policy.id), checkpointDays }],
  });
  return { h, cert, policy };
}

/**
 * R08, L05: a renewal names a certificate its enterprise holds and is taken from 6 months before
 * expiry. This issues one by a case of its own (not recorded) and moves the clock to that day.
 */
async function heldCertificate(ctx: TimeSkippingCtx, scenario: string): Promise<{ number: string; enterprise: ApplicationInput['enterprise'] }> {
  const enterprise = { ...makeApplication().enterprise, uscc: freshUscc() };
  const h = await ctx.start(makeApplication({ applicationId: id(`${scenario}-held`), enterprise }));
  await waitFor(h, (s) => s.stage !== 'intake');
  await h.executeUpdate(acceptUpdate, { args: [officer] });
  await h.executeUpdate(approveUpdate, { args: [approver] });
  const number = (await h.result()).certificateNumber!;
  const life = await h.client.getHandle(lifecycleWorkflowId(number)).query(lifecycleQuery);
  await ctx.sleepUntil(Date.parse(`${life.renewalDueBy}T10:00:00+08:00`));
  return { number, enterprise };
}

async function waitFor(h: WorkflowHandle<typeof licenceApplication>, ok: (s: Awaited<ReturnType<typeof statusOf>>) => boolean) {
  for (let i = 0; i < 200; i++) {
    if (ok(await statusOf(h))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting on ${h.workflowId}`);
}
async function statusOf(h: WorkflowHandle<typeof licenceApplication>) {
  const { statusQuery } = await import('../../domain/approval/messages');
  return h.query(statusQuery);
}

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
const pool = () => db!.pool;

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  db = await createTestDatabase();
  const bundle = await workflowBundle();
  mkdirSync(OUT, { recursive: true });
  try {
    for (const [name, run] of Object.entries(scenarios)) {
      if (only.length && !only.includes(name)) continue;
      await withServer(
        { taskQueue: TQ, db, bundle },
        (ctx) => run(ctx.start, (ms) => ctx.env.sleep(ms), ctx),
        async (recorded) => {
          for (const r of recorded) {
            const [h, label] = 'label' in r ? [r.handle, r.label] : [r, undefined];
            const history = await h.fetchHistory();
            // `<tag>__<workflow id>.json`: replay needs the original id (child ids derive from it),
            // and the tag keeps recordings of different code versions apart. Earlier runs of a
            // chain (continue-as-new) add `#<label>`, which replay.test.ts drops from the id.
            const file = path.join(OUT, `${TAG}__${h.workflowId.replace(/\//g, '~')}${label ? `#${label}` : ''}.json`);
            writeFileSync(file, historyToJSON(history));
            console.log(`recorded ${file} (${history.events?.length ?? 0} events)`);
          }
        },
      );
    }
  } finally {
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
