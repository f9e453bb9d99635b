/**
 * The licence lifecycle on the real time-skipping test server with real activities against a
 * real PostgreSQL database: renewal reminder, expiry and deemed renewal (L05), continue-as-new
 * over five simulated years, cancellation (R04), change (变更), revocation (L04) and the renewal
 * hand-over from the application workflow.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { findActiveBan } from '../../db/bans';
import { findCertificateDocument } from '../../db/certificates';
import type { ApplicationInput } from '../../domain/approval/application';
import { validUntil } from '../../domain/licence/certificate';
import { acceptUpdate, approveUpdate, statusQuery } from '../../domain/approval/messages';
import { policyInForce } from '../../domain/policy';
import { SA } from '../../domain/search-attributes';
import { cancelLicenceUpdate, changeLicenceUpdate, lifecycleQuery, revokeLicenceUpdate, licenceParticularsOf } from '../../domain/licence/messages';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { renewalDueBy } from '../../domain/licence/certificate';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { licenceLifecycle } from '../../workflows/licence/licence-lifecycle';
import { applicant, freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { workflowSuite } from '../helpers/workflow-suite';
import { poller, refusalOrClosed as refusal, type TimeSkippingCtx } from '../helpers/time-skipping';

const TASK_QUEUE = 'test-lifecycle';

const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const eventually = poller({ ms: 15_000, retryErrors: true });

const at = (date: string, time: string) => Date.parse(`${date}T${time}+08:00`);

/** A certificate issued now by the real case activities, and its lifecycle started directly. */
async function issuedWithLifecycle(ctx: TimeSkippingCtx, checkpointDays?: number) {
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
    args: [{ ...licenceParticularsOf(app, cert, policy.id), checkpointDays }],
  });
  // The latest run, whichever it is after continue-as-new.
  const h = ctx.env.client.workflow.getHandle<typeof licenceLifecycle>(id);
  return { app, cert, policy, h, acts };
}

/** A renewal application for a certificate, received at `receivedAt` (only its record matters to the lifecycle). */
async function fileRenewal(acts: ReturnType<typeof createActivities>, holder: ApplicationInput, certificateNumber: string, receivedAt: string): Promise<string> {
  const renewal = makeApplication({ ...holder, applicationId: `REN-${randomBytes(6).toString('hex')}`, type: 'renewal', currentCertificateNumber: certificateNumber, conditionsUnchanged: true });
  await acts.recordReceipt({ application: renewal, receivedAt, eventKey: `${renewal.applicationId}:received:1` });
  return renewal.applicationId;
}

async function status(number: string): Promise<{ status: string; deemed_renewed_until: string | null; enterprise_name: string }> {
  const r = await suite.db.pool.query(
    "SELECT status, to_char(deemed_renewed_until, 'YYYY-MM-DD') AS deemed_renewed_until, enterprise_name FROM certificates WHERE number = $1",
    [number],
  );
  return r.rows[0];
}

async function notes(applicationId: string, kind: string): Promise<number> {
  return (await suite.db.pool.query('SELECT count(*)::int AS n FROM notifications WHERE application_id = $1 AND kind = $2', [applicationId, kind])).rows[0].n;
}

async function audit(number: string): Promise<string[]> {
  return (await suite.db.pool.query('SELECT action FROM audit_events WHERE certificate_no = $1 ORDER BY id', [number])).rows.map((r) => r.action as string);
}

describe('licenceLifecycle', () => {
  it('L05: the renewal filing deadline is 6 months before the last valid day, clamped to the month', () => {
    expect(renewalDueBy('2031-03-01', 6)).toBe('2030-09-01');
    expect(renewalDueBy('2031-08-31', 6)).toBe('2031-02-28');
    expect(renewalDueBy('2032-08-31', 6)).toBe('2032-02-29');
  });

  it('L05: without a renewal the licence expires after its last valid day; the holder was reminded before the filing deadline', async () => {
    await withServer(async (ctx) => {
      const { app, cert, policy, h } = await issuedWithLifecycle(ctx);
      const dueBy = renewalDueBy(cert.validUntil, policy.renewalNoticeMonths);
      expect(await h.query(lifecycleQuery)).toMatchObject({ status: 'valid', validUntil: cert.validUntil, renewalDueBy: dueBy, run: 1 });

      const reminderDay = addCalendarDays(dueBy, -policy.renewalReminderLeadDays);
      await ctx.sleepUntil(at(addCalendarDays(reminderDay, -1), '10:00:00'));
      expect(await notes(app.applicationId, 'renewal-due')).toBe(0);
      await ctx.sleepUntil(at(reminderDay, '10:00:00'));
      expect(await eventually(() => notes(app.applicationId, 'renewal-due'), (n) => n === 1)).toBe(1);

      await ctx.sleepUntil(at(cert.validUntil, '23:00:00'));
      expect((await h.query(lifecycleQuery)).status).toBe('valid');
      expect((await status(cert.number)).status).toBe('valid');

      await ctx.sleepUntil(at(addCalendarDays(cert.validUntil, 1), '00:30:00'));
      const end = await eventually(() => h.query(lifecycleQuery), (s) => s.status === 'expired');
      expect(end.status).toBe('expired');
      expect(end.run).toBeGreaterThan(1);
      expect((await status(cert.number)).status).toBe('expired');
      expect((await h.result()).status).toBe('expired');
      expect(await audit(cert.number)).toEqual(expect.arrayContaining(['lifecycle-started', 'renewal-reminder-sent', 'licence-expired']));
      const sa = (await h.describe()).typedSearchAttributes;
      expect(sa.get(SA.stage)).toBe('licence:expired');
    });
  });

  it('L05: continue-as-new keeps the lifecycle history bounded over 5 simulated years', async () => {
    await withServer(async (ctx) => {
      const { cert, h } = await issuedWithLifecycle(ctx, 90);
      const first = await h.describe();
      await ctx.sleepUntil(at(addCalendarDays(cert.validUntil, 2), '10:00:00'));
      const end = await eventually(() => h.query(lifecycleQuery), (s) => s.status === 'expired');
      expect(end.status).toBe('expired');
      // ~5 years / 90 days: about 20 runs, each with a short history of its own.
      expect(end.run).toBeGreaterThan(15);
      const latest = await h.describe();
      expect(latest.runId).not.toBe(first.runId);
      const events = (await h.fetchHistory()).events ?? [];
      expect(events.length).toBeLessThan(60);
      const firstRun = (await ctx.env.client.workflow.getHandle(h.workflowId, first.runId).fetchHistory()).events ?? [];
      expect(firstRun.length).toBeLessThan(60);
      expect(end.history.some((e) => e.event === 'checkpoint')).toBe(true);
    });
  });

  it('L05: a renewal filed in time and undecided at expiry counts as renewed; one filed after the deadline does not save the licence', async () => {
    await withServer(async (ctx) => {
      const a = await issuedWithLifecycle(ctx);
      const b = await issuedWithLifecycle(ctx);
      const dueBy = renewalDueBy(a.cert.validUntil, a.policy.renewalNoticeMonths);
      await ctx.sleepUntil(at(addCalendarDays(dueBy, -10), '10:00:00'));
      const renewalA = await fileRenewal(a.acts, a.app, a.cert.number, new Date(await ctx.now()).toISOString());
      await ctx.sleepUntil(at(addCalendarDays(dueBy, 5), '10:00:00'));
      await fileRenewal(b.acts, b.app, b.cert.number, new Date(await ctx.now()).toISOString());

      await ctx.sleepUntil(at(addCalendarDays(a.cert.validUntil, 1), '09:00:00'));
      const deemedUntil = validUntil(addCalendarDays(a.cert.validUntil, 1), a.policy.validityYears);
      const sa = await eventually(() => a.h.query(lifecycleQuery), (s) => s.status === 'deemed-renewed');
      expect(sa).toMatchObject({ status: 'deemed-renewed', deemedRenewedUntil: deemedUntil, renewal: { applicationId: renewalA, inTime: true } });
      expect(sa.history.find((e) => e.event === 'deemed-renewed')?.note).toContain('L05');
      expect(await status(a.cert.number)).toMatchObject({ status: 'deemed-renewed', deemed_renewed_until: deemedUntil });
      expect(await notes(a.app.applicationId, 'licence-deemed-renewed')).toBe(1);
      expect((await a.h.describe()).status.name).toBe('RUNNING');

      const sb = await eventually(() => b.h.query(lifecycleQuery), (s) => s.status === 'expired');
      expect(sb.status).toBe('expired');
      expect(sb.history.find((e) => e.event === 'expired')?.note).toContain('after the deadline');
      expect((await status(b.cert.number)).status).toBe('expired');
    });
  });

  it('R04, L04, L07, 变更: change of name (a new certificate version, same number), cancellation for a merger and revocation for fraud, each in the audit trail; wrong actors and ended licences refused', async () => {
    await withServer(async (ctx) => {
      const one = await issuedWithLifecycle(ctx);
      const changed = await one.h.executeUpdate(changeLicenceUpdate, { args: [{ actor: staff('approver'), enterpriseName: '北京新名称广电设备有限公司', note: '名称变更' }] });
      expect(changed.enterpriseName).toBe('北京新名称广电设备有限公司');
      expect((await status(one.cert.number)).enterprise_name).toBe('北京新名称广电设备有限公司');
      // L07: the certificate shows the new name in a new electronic version, same number.
      expect((await findCertificateDocument(suite.db.pool, one.cert.number))).toMatchObject({ number: one.cert.number, enterpriseName: '北京新名称广电设备有限公司', version: 2 });
      const changeRow = await suite.db.pool.query("SELECT details FROM audit_events WHERE certificate_no = $1 AND action = 'licence-changed'", [one.cert.number]);
      expect(changeRow.rows[0].details).toMatchObject({ before: { enterpriseName: '北京示范广电设备有限公司' }, after: { enterpriseName: '北京新名称广电设备有限公司' } });
      expect((await refusal(one.h.executeUpdate(changeLicenceUpdate, { args: [{ actor: staff('approver', 'SH'), enterpriseAddress: '上海市某路1号' }] }))).type).toBe('forbidden');
      expect((await refusal(one.h.executeUpdate(changeLicenceUpdate, { args: [{ actor: staff('approver') }] }))).type).toBe('invalid');
      expect((await refusal(one.h.executeUpdate(cancelLicenceUpdate, { args: [{ actor: applicant(), reason: 'holder-request' }] }))).type).toBe('forbidden');

      const cancelled = await one.h.executeUpdate(cancelLicenceUpdate, { args: [{ actor: applicant(one.app.enterprise.uscc), reason: 'merger', note: '被吸收合并' }] });
      expect(cancelled.status).toBe('cancelled');
      expect((await status(one.cert.number)).status).toBe('cancelled');
      expect((await one.h.result()).status).toBe('cancelled');
      expect(await audit(one.cert.number)).toEqual(expect.arrayContaining(['licence-changed', 'licence-cancelled']));
      expect(['conflict', 'closed']).toContain((await refusal(one.h.executeUpdate(revokeLicenceUpdate, { args: [{ actor: staff('supervisor'), ground: 'fraud', reason: 'too late' }] }))).type);

      const two = await issuedWithLifecycle(ctx);
      expect((await refusal(two.h.executeUpdate(revokeLicenceUpdate, { args: [{ actor: staff('reviewer'), ground: 'fraud', reason: '贿赂取得许可' }] }))).type).toBe('forbidden');
      const revoked = await two.h.executeUpdate(revokeLicenceUpdate, { args: [{ actor: staff('supervisor'), ground: 'fraud', reason: '以贿赂手段取得许可' }] });
      expect(revoked.status).toBe('revoked');
      const today = shanghaiDate(await ctx.now());
      expect(await findActiveBan(suite.db.pool, two.app.enterprise.uscc, 'broadcast-equipment', today)).toMatchObject({ rule: 'L04', ground: 'fraud', endsOn: validUntil(today, 3) });
      expect((await status(two.cert.number)).status).toBe('revoked');
      expect(await audit(two.cert.number)).toContain('licence-revoked');
    });
  });

  it('L05: a renewal certificate issued by the application workflow hands over; the old lifecycle ends superseded and the new one starts', async () => {
    await withServer(async (ctx) => {
      const enterprise = { uscc: freshUscc(), name: '北京续期广电设备有限公司', registeredAddress: '北京市海淀区续期路5号' };
      const base = { enterprise, product: 'broadcast-equipment' as const, productNames: ['数字电视发射机'] };
      const issue = async (app: ApplicationInput) => {
        const h = await ctx.start(app);
        await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
        await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
        return (await eventually(() => h.query(statusQuery), (s) => s.timeline.some((t) => t.event === 'lifecycle-started'))).certificate!.number;
      };
      const oldNumber = await issue(makeApplication(base));
      const oldLife = ctx.env.client.workflow.getHandle<typeof licenceLifecycle>(lifecycleWorkflowId(oldNumber));
      const life = await eventually(() => oldLife.query(lifecycleQuery), (s) => s.status === 'valid');
      expect(life.status).toBe('valid');
      // L05: a renewal is taken from 6 months before expiry.
      await ctx.sleepUntil(at(life.renewalDueBy, '10:00:00'));

      const newNumber = await issue(makeApplication({ ...base, type: 'renewal', currentCertificateNumber: oldNumber, conditionsUnchanged: true }));
      const ended = await eventually(() => oldLife.query(lifecycleQuery), (s) => s.status === 'superseded');
      expect(ended).toMatchObject({ status: 'superseded', supersededBy: newNumber });
      expect((await oldLife.result()).status).toBe('superseded');
      expect((await status(oldNumber)).status).toBe('superseded');
      const newLife = ctx.env.client.workflow.getHandle<typeof licenceLifecycle>(lifecycleWorkflowId(newNumber));
      expect((await eventually(() => newLife.query(lifecycleQuery), (s) => s.status === 'valid')).status).toBe('valid');
      expect(await audit(oldNumber)).toContain('licence-superseded');
    });
  });
});
