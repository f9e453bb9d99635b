/**
 * Records one history per path into test/histories/ (`npm run histories:record`).
 * Run it after a deliberate, patched() change to a workflow, and commit the new files next to
 * the old ones: old histories must keep replaying, or in-flight cases would break on deploy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { acceptUpdate, approveUpdate, pauseClockUpdate, recordVerificationUpdate, refuseUpdate, requestSupplementUpdate, resumeClockUpdate, supplementSignal } from '../../domain/approval/messages';
import { upsertVerifier } from '../../db/registers';
import { assignTeamUpdate } from '../../domain/supervision/follow-up';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { recordInspectionUpdate } from '../../domain/supervision/follow-up';
import { licenceApplication } from '../../workflows/approval/licence-application';
import { createTestDatabase } from '../helpers/db';
import { applicant, commitment, makeApplication, staff } from '../helpers/fixtures';
import { workflowBundle } from '../helpers/temporal';
import { withServer, type TimeSkippingCtx } from '../helpers/time-skipping';

const OUT = path.join(__dirname, '..', 'histories');
/**
 * Histories of each code version are kept side by side: HIST_TAG names this recording
 * (e.g. the date), so older recordings keep proving that patched() protects old cases.
 */
const TAG = process.env.HIST_TAG ?? new Date().toISOString().slice(0, 10).replace(/-/g, '');
const id = (scenario: string) => `HIST-${TAG}-${scenario}`;
const TQ = 'record-histories';
const DAY = 86_400_000;

type Scenario = (start: TimeSkippingCtx['start'], sleep: (ms: number) => Promise<void>) => Promise<WorkflowHandle[]>;

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
  async 'renewal-exempt'(start) {
    const h = await start(makeApplication({ applicationId: id('renewal-exempt'), type: 'renewal', currentCertificateNumber: '(京)XK08-001-00001', conditionsUnchanged: true }));
    await h.executeUpdate(acceptUpdate, { args: [officer] });
    await h.executeUpdate(approveUpdate, { args: [approver] });
    await h.result();
    return [h];
  },
  async 'verify-then-issue'(start) {
    const h = await start(makeApplication({ applicationId: id('verify-then-issue'), type: 'renewal', currentCertificateNumber: '(京)XK08-001-00002', conditionsUnchanged: false }));
    await h.executeUpdate(acceptUpdate, { args: [officer] });
    await h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result: 'pass', verifierIds: ['V-1', 'V-2'] }] });
    await h.executeUpdate(approveUpdate, { args: [approver] });
    await h.result();
    return [h];
  },
  async 'supplement-deemed-refused'(start, sleep) {
    const h = await start(makeApplication({ applicationId: id('supplement-deemed-refused') }));
    await h.executeUpdate(requestSupplementUpdate, { args: [{ ...officer, items: ['检验报告缺页'] }] });
    await h.signal(supplementSignal, { actor: applicant(), documents: [{ name: '检验报告', type: 'inspection-report', sha256: 'b'.repeat(64) }] });
    await sleep(10 * DAY);
    await waitFor(h, (s) => s.acceptance === 'deemed');
    await h.executeUpdate(refuseUpdate, { args: [{ ...approver, reasons: ['生产条件不符合要求'] }] });
    await h.result();
    return [h];
  },
  async 'pause-breach'(start, sleep) {
    const h = await start(makeApplication({ applicationId: id('pause-breach') }));
    await h.executeUpdate(acceptUpdate, { args: [officer] });
    await sleep(DAY);
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
  async 'intake-rejected'(start) {
    const h = await start(makeApplication({ applicationId: id('intake-rejected'), capacity: { declared: { value: 2_000_000, unit: 't/year' }, addsCapacity: false } }));
    await h.result();
    return [h];
  },
};

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
        ({ env, start }) => run(start, (ms) => env.sleep(ms)),
        async (handles) => {
          for (const h of handles) {
            const history = await h.fetchHistory();
            // `<tag>__<workflow id>.json`: replay needs the original id (child ids derive from it),
            // and the tag keeps recordings of different code versions apart.
            const file = path.join(OUT, `${TAG}__${h.workflowId.replace(/\//g, '~')}.json`);
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
