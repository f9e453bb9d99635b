/**
 * The licence lifecycle under concurrent messages (issue 11, items 4 and 14): a cancellation
 * while the expiry step is still running, and continue-as-new at the history cap with messages
 * arriving around it. Time-skipping server, real activities (one slowed by a gate), real PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { WorkflowUpdateStage } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { renewalDueBy } from '../../domain/licence/certificate';
import { cancelLicenceUpdate, changeLicenceUpdate, lifecycleQuery, licenceParticularsOf } from '../../domain/licence/messages';
import { policyInForce } from '../../domain/policy';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { licenceLifecycle } from '../../workflows/licence/licence-lifecycle';
import { applicant, freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { Gate, gateActivity } from '../helpers/gate';
import { poller, type TimeSkippingCtx } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-lifecycle-races';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const eventually = poller({ ms: 15_000, retryErrors: true });
const at = (date: string, time: string) => Date.parse(`${date}T${time}+08:00`);

async function issued(ctx: TimeSkippingCtx, opts: { historyCap?: number } = {}) {
  const acts = createActivities({ pool: suite.db.pool });
  const app = makeApplication({
    enterprise: { uscc: freshUscc(), name: '北京示范广电设备有限公司', registeredAddress: '北京市海淀区示范路3号' },
    product: 'broadcast-equipment',
    productNames: ['数字电视发射机'],
  });
  const issuedAt = new Date(await ctx.now()).toISOString();
  const policy = policyInForce(shanghaiDate(issuedAt));
  await acts.recordReceipt({ application: app, receivedAt: issuedAt, eventKey: `${app.applicationId}:received:1` });
  const cert = await acts.issueCertificate({ applicationId: app.applicationId, eventKey: `${app.applicationId}:certificate:1`, issuedAt, issuedOn: shanghaiDate(issuedAt), policyVersion: policy.id });
  const id = lifecycleWorkflowId(cert.number);
  await ctx.env.client.workflow.start(licenceLifecycle, {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: [{ ...licenceParticularsOf(app, cert, policy.id), historyCap: opts.historyCap }],
  });
  return { app, cert, policy, acts, h: ctx.env.client.workflow.getHandle<typeof licenceLifecycle>(id) };
}

async function certificateStatus(number: string): Promise<string> {
  return (await suite.db.pool.query('SELECT status FROM certificates WHERE number = $1', [number])).rows[0].status;
}

describe('licence lifecycle races', () => {
  it('L05, R04: a cancellation sent while the expiry step records a deemed renewal is applied after it, not overwritten by it', async () => {
    const gate = new Gate();
    // The deemed renewal is written, then its activity waits before answering the workflow.
    const base = createActivities({ pool: suite.db.pool });
    const { activities } = gateActivity(base, 'setCertificateStatus', gate, { when: ([i]) => i.status === 'deemed-renewed', at: 'after' });
    await withServer(async (ctx) => {
      const { app, cert, policy, h } = await issued(ctx);
      const dueBy = renewalDueBy(cert.validUntil, policy.renewalNoticeMonths);
      await ctx.sleepUntil(at(addCalendarDays(dueBy, -10), '10:00:00'));
      // A renewal filed in time, still undecided at expiry (only its record matters here).
      const renewal = makeApplication({ ...app, applicationId: `REN-${randomBytes(6).toString('hex')}`, type: 'renewal', currentCertificateNumber: cert.number, conditionsUnchanged: true });
      await base.recordReceipt({ application: renewal, receivedAt: new Date(await ctx.now()).toISOString(), eventKey: `${renewal.applicationId}:received:1` });

      await ctx.sleepUntil(at(addCalendarDays(cert.validUntil, 1), '00:00:05'));
      await gate.entered; // the certificate is deemed renewed in the register; the workflow has not heard yet
      const cancel = await h.startUpdate(cancelLicenceUpdate, {
        args: [{ actor: applicant(app.enterprise.uscc), reason: 'production-ceased', note: '停产注销' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      // Give the cancellation every chance to run to its end while the expiry step is held: unserialised
      // it does (and is then overwritten); serialised it waits for the lock, and this times out.
      const early = cancel.result().then(() => 'answered');
      await Promise.race([early, new Promise((r) => setTimeout(r, 2_000))]);
      gate.release();
      expect((await cancel.result()).status).toBe('cancelled');
      const closed = await eventually(() => h.describe(), (d) => d.status.name !== 'RUNNING', 5_000);
      expect(closed.status.name).toBe('COMPLETED');
      const end = await h.query(lifecycleQuery);
      expect(end.status).toBe('cancelled');
      expect(end.history.map((e) => e.event)).toEqual(expect.arrayContaining(['deemed-renewed', 'cancelled:production-ceased']));
      expect(await certificateStatus(cert.number)).toBe('cancelled');
    }, activities);
  });

  it('L05: a lifecycle continues as new at its history cap, and no change sent around it is lost', async () => {
    await withServer(async (ctx) => {
      const { cert, h } = await issued(ctx, { historyCap: 40 });
      const first = await h.describe();
      const names: string[] = [];
      for (let round = 0; round < 4; round++) {
        // Several at once: some land while another is still writing, or while the run is closing.
        const batch = [0, 1, 2].map((i) => `北京第${round * 3 + i + 1}次更名广电设备有限公司`);
        names.push(...batch);
        const changed = await Promise.all(batch.map((enterpriseName, i) => h.executeUpdate(changeLicenceUpdate, { args: [{ actor: staff('approver'), enterpriseAddress: `北京市海淀区示范路${round * 3 + i + 10}号`, note: enterpriseName }] })));
        expect(changed).toHaveLength(3);
      }
      const s = await eventually(() => h.query(lifecycleQuery), (x) => x.run > 1);
      expect(s.run).toBeGreaterThan(1);
      expect((await h.describe()).runId).not.toBe(first.runId);
      const firstRun = (await ctx.env.client.workflow.getHandle(h.workflowId, first.runId).fetchHistory()).events ?? [];
      expect(firstRun.length).toBeLessThan(80);
      const rows = await suite.db.pool.query("SELECT count(*)::int AS n FROM audit_events WHERE certificate_no = $1 AND action = 'licence-changed'", [cert.number]);
      expect(rows.rows[0].n).toBe(names.length);
      expect(s.status).toBe('valid');
    });
  });
});

