/**
 * Renewals (延续) and changes (变更) at receipt and on their paths, on the real time-skipping
 * server with real activities and a real PostgreSQL: the certificate a renewal or change names
 * (R08, L07), the renewal filing window (L05), the R08 branches and R09's commitment.
 *
 * Every certificate here is issued by a whole case first; the clock then moves (years pass in
 * seconds) to the renewal filing window.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { sendUpdate } from '../../api/updates';
import { validateApplication, type ApplicationInput } from '../../domain/approval/application';
import { acceptUpdate, approveUpdate, statusQuery } from '../../domain/approval/messages';
import { renewalDueBy } from '../../domain/licence/certificate';
import { cancelLicenceUpdate, lifecycleQuery } from '../../domain/licence/messages';
import { followUpStatusQuery } from '../../domain/supervision/follow-up';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import type { licenceApplication } from '../../workflows/approval/licence-application';
import type { licenceLifecycle } from '../../workflows/licence/licence-lifecycle';
import { applicant, commitment, freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { eventually, refusal, type TimeSkippingCtx } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-renewal';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;

type Case = WorkflowHandle<typeof licenceApplication>;
type Enterprise = ApplicationInput['enterprise'];

const at = (date: string, time: string) => Date.parse(`${date}T${time}+08:00`);
/** An enterprise of its own per test, so no test meets another's certificates. */
const enterprise = (name = '北京示范水泥有限公司'): Enterprise => ({ uscc: freshUscc(), name, registeredAddress: '北京市房山区示范路1号' });

/** A certificate issued by a whole case (accepted, approved), with the case that issued it. */
async function issued(start: TimeSkippingCtx['start'], overrides: Partial<ApplicationInput>, receivedAt?: string): Promise<{ number: string; applicationId: string; validUntil: string; dueBy: string }> {
  const app = makeApplication(overrides);
  const h = await start(app, receivedAt);
  if (!receivedAt) {
    await pastIntake(h);
    await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
  } else {
    // Received long ago: silence has accepted it as of that day (L01).
    await eventually(() => h.query(statusQuery), (s) => s.path !== undefined);
  }
  // As the API sends it: answered 'not-yet' while the path is still being recorded (R02), sent again.
  await sendUpdate(h, approveUpdate, { actor: staff('approver') }, { what: `case ${app.applicationId}` });
  const number = (await eventually(() => h.query(statusQuery), (s) => s.certificate !== undefined)).certificate!.number;
  const row = await suite.db.pool.query<{ v: string }>("SELECT to_char(valid_until, 'YYYY-MM-DD') AS v FROM certificates WHERE number = $1", [number]);
  const validUntil = row.rows[0]!.v;
  return { number, applicationId: app.applicationId, validUntil, dueBy: renewalDueBy(validUntil, 6) };
}

function renewalOf(number: string, holder: Enterprise, overrides: Partial<ApplicationInput> = {}): ApplicationInput {
  return makeApplication({ enterprise: holder, type: 'renewal', currentCertificateNumber: number, conditionsUnchanged: true, ...overrides });
}

/*
 * Cases are awaited by polling their status, never with `result()`: waiting on a result lets the
 * time-skipping server jump to the next timer, and these tests need the clock where they put it.
 */

/** The receipt gates are done (the case has left `intake`), and its status. */
async function pastIntake(h: Case) {
  return eventually(() => h.query(statusQuery), (s) => s.stage !== 'intake');
}

/** The reasons a case was refused at receipt (不予受理). */
async function refusedWith(h: Case): Promise<string[]> {
  const s = await eventually(() => h.query(statusQuery), (x) => x.decision !== undefined);
  expect(s.decision?.outcome).toBe('rejected-at-intake');
  return s.decision?.reasons ?? [];
}

async function certificate(number: string) {
  const r = await suite.db.pool.query<{ status: string; uscc: string; superseded_by: string | null; deemed_renewed_until: string | null }>(
    "SELECT status, uscc, superseded_by, to_char(deemed_renewed_until, 'YYYY-MM-DD') AS deemed_renewed_until FROM certificates WHERE number = $1",
    [number],
  );
  return r.rows[0]!;
}

describe('renewals and changes at receipt (R08, L07, L05)', () => {
  it("R08: a renewal or change naming another enterprise's certificate, or one that does not exist, is refused at receipt with one and the same answer; the holder's licence, lifecycle and timely renewal are untouched (L05, L07)", async () => {
    await withServer(async (ctx) => {
      const { env, start } = ctx;
      const holder = enterprise();
      const a = await issued(start, { enterprise: holder });
      const lifecycle = env.client.workflow.getHandle(lifecycleWorkflowId(a.number));
      await ctx.sleepUntil(at(a.dueBy, '10:00:00'));
      const own = renewalOf(a.number, holder);
      const ownCase = await start(own);
      expect((await pastIntake(ownCase)).decision).toBeUndefined();
      await env.sleep('1 hour');

      // Enterprise B names A's certificate (renewal and change) and a number that does not exist.
      const intruder = enterprise('北京另一水泥有限公司');
      const missing = '(京)XK08-001-99999';
      const theirs = await start(renewalOf(a.number, intruder));
      const none = await start(renewalOf(missing, intruder));
      const change = await start(makeApplication({ enterprise: intruder, type: 'change', currentCertificateNumber: a.number }));
      const notHeld = `certificate ${a.number} is not held by enterprise ${intruder.uscc}`;
      expect(await refusedWith(theirs)).toEqual([`R08: ${notHeld}: a renewal (延续) names a certificate the applicant holds`]);
      expect(await refusedWith(change)).toEqual([`L07: ${notHeld}: a change (变更) names a certificate the applicant holds`]);
      // Nothing tells B whether A's certificate exists: the answer for a missing one is the same.
      expect(await refusedWith(none)).toEqual((await refusedWith(theirs)).map((r) => r.replace(a.number, missing)));
      const audit = await suite.db.pool.query("SELECT reason FROM audit_events WHERE application_id = $1 AND action = 'rejected-at-intake'", [theirs.workflowId]);
      expect(audit.rows[0].reason).toContain(notHeld);

      // A's licence is untouched: status, holder, lifecycle, its audit trail.
      expect(await certificate(a.number)).toMatchObject({ status: 'valid', uscc: holder.uscc, superseded_by: null });
      expect(await lifecycle.query(lifecycleQuery)).toMatchObject({ status: 'valid', uscc: holder.uscc });
      const touched = await suite.db.pool.query('SELECT count(*)::int AS n FROM audit_events WHERE certificate_no = $1 AND application_id = ANY($2)', [
        a.number,
        [theirs.workflowId, change.workflowId],
      ]);
      expect(touched.rows[0].n).toBe(0);

      // At expiry A's own renewal, filed in time and undecided, keeps the licence: B's refused
      // filing, newer than A's, does not count as A's renewal (L05).
      await ctx.sleepUntil(at(addCalendarDays(a.validUntil, 1), '09:00:00'));
      const after = await eventually(() => lifecycle.query(lifecycleQuery), (s) => s.status !== 'valid', 15_000);
      expect(after).toMatchObject({ status: 'deemed-renewed', renewal: { applicationId: own.applicationId, inTime: true } });
      expect(await certificate(a.number)).toMatchObject({ status: 'deemed-renewed' });

      // A deemed-renewed licence can still be changed by its holder (L07).
      const ownChange = await start(makeApplication({ enterprise: holder, type: 'change', currentCertificateNumber: a.number }));
      expect((await pastIntake(ownChange)).decision).toBeUndefined();
      await ownChange.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      expect(await ownChange.query(statusQuery)).toMatchObject({ path: 'verify-then-issue', stage: 'awaiting-verification' });
    });
  });

  it("R08: a renewal of the enterprise's own certificate is refused at receipt when it names another product, is filed with another province, or the licence is no longer valid", async () => {
    await withServer(async (ctx) => {
      const { env, start } = ctx;
      const holder = enterprise();
      const a = await issued(start, { enterprise: holder });
      await ctx.sleepUntil(at(a.dueBy, '10:00:00'));

      const product = await start(renewalOf(a.number, holder, { product: 'steel-bar', productNames: ['热轧带肋钢筋'] }));
      expect(await refusedWith(product)).toEqual([`R08: certificate ${a.number} covers cement, not construction steel bars`]);
      const province = await start(renewalOf(a.number, holder, { province: 'SH', productionAddresses: [{ province: 'SH', address: '上海市浦东新区示范路2号' }] }));
      expect(await refusedWith(province)).toEqual([`R08: certificate ${a.number} was issued by BJ: file the renewal with BJ (R01)`]);

      const lifecycle = env.client.workflow.getHandle(lifecycleWorkflowId(a.number));
      await lifecycle.executeUpdate(cancelLicenceUpdate, { args: [{ actor: applicant(holder.uscc), reason: 'production-ceased' }] });
      const cancelled = await start(renewalOf(a.number, holder));
      expect(await refusedWith(cancelled)).toEqual([`R08: certificate ${a.number} is cancelled: only a valid or deemed-renewed licence can be renewed`]);
      const change = await start(makeApplication({ enterprise: holder, type: 'change', currentCertificateNumber: a.number }));
      expect(await refusedWith(change)).toEqual([`L07: certificate ${a.number} is cancelled: only a valid or deemed-renewed licence can be changed`]);
    });
  });

  it('L05: a renewal filed before the holder is reminded (30 days before the in-time deadline, 6 months ahead of expiry) is refused naming the first day it is taken; from that day it is taken and saves the licence; one filed after the deadline is handled but no longer saves it', async () => {
    await withServer(async (ctx) => {
      const { start } = ctx;
      const holder = enterprise();
      const late = enterprise('北京迟到水泥有限公司');
      const a = await issued(start, { enterprise: holder });
      // B's licence ends a day after A's: the time-skipping server stops skipping once a child of a
      // closed case completes (sdk-typescript#1101), so B's expiry comes last.
      await ctx.env.sleep('1 day');
      const b = await issued(start, { enterprise: late });

      const today = shanghaiDate(await ctx.now());
      // Taken from the day the holder is reminded, 30 days before the last day to file in time.
      const opens = addCalendarDays(a.dueBy, -30);
      const early = await start(renewalOf(a.number, holder));
      expect(await refusedWith(early)).toEqual([
        `L05: certificate ${a.number} is valid through ${a.validUntil}: a renewal is taken from ${opens} (30 days before ${a.dueBy}, the last day to file in time, 6 months before expiry), not on ${today}`,
      ]);
      await ctx.sleepUntil(at(addCalendarDays(opens, -1), '10:00:00'));
      const dayBefore = await start(renewalOf(a.number, holder));
      expect((await refusedWith(dayBefore))[0]).toContain(`a renewal is taken from ${opens} (30 days before ${a.dueBy}`);
      expect((await refusedWith(dayBefore))[0]).toContain(`not on ${addCalendarDays(opens, -1)}`);

      // The refused filings are no renewal on file: the holder is reminded to file, and from that day the renewal is taken.
      await ctx.sleepUntil(at(opens, '10:00:00'));
      const reminders = await suite.db.pool.query("SELECT count(*)::int AS n FROM notifications WHERE application_id = $1 AND kind = 'renewal-due'", [a.applicationId]);
      expect(reminders.rows[0].n).toBe(1);
      const onTime = renewalOf(a.number, holder);
      expect((await pastIntake(await start(onTime))).decision).toBeUndefined();
      await ctx.sleepUntil(at(addCalendarDays(b.dueBy, 5), '10:00:00'));
      const lateCase = await start(renewalOf(b.number, late));
      expect((await pastIntake(lateCase)).decision).toBeUndefined();

      await ctx.sleepUntil(at(addCalendarDays(a.validUntil, 1), '00:30:00'));
      const la = await eventually(() => ctx.env.client.workflow.getHandle(lifecycleWorkflowId(a.number)).query(lifecycleQuery), (s) => s.status !== 'valid', 15_000);
      expect(la).toMatchObject({ status: 'deemed-renewed', renewal: { applicationId: onTime.applicationId } });
      // B's renewal, filed after its deadline, is handled but does not keep B's licence (L05).
      const lb = await ctx.env.client.workflow.getHandle<typeof licenceLifecycle>(lifecycleWorkflowId(b.number)).result();
      expect(lb.status).toBe('expired');
      expect(lb.history.find((e) => e.event === 'expired')?.note).toContain(`renewal ${lateCase.workflowId} filed on ${addCalendarDays(b.dueBy, 5)}, after the deadline`);
    });
  });
});

describe('R08 branches and R09 at receipt', () => {
  it('R08: a renewal with unchanged conditions and the quality-safety commitment skips on-site verification; the renewed certificate supersedes the old one and gets a supervision inspection within 60 days', async () => {
    await withServer(async (ctx) => {
      const { env, start } = ctx;
      const holder = enterprise();
      const a = await issued(start, { enterprise: holder });
      await ctx.sleepUntil(at(a.dueBy, '10:00:00'));
      const renewal = renewalOf(a.number, holder);
      const h = await start(renewal);
      await pastIntake(h);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      expect(await h.query(statusQuery)).toMatchObject({ path: 'renewal-exempt', stage: 'under-review' });
      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      const r = await h.result();
      expect(r.outcome).toBe('issued');

      const follow = await env.client.workflow.getHandle(`${renewal.applicationId}/follow-up`).query(followUpStatusQuery);
      expect(follow.kind).toBe('supervision-inspection');
      const issuedOn = (await suite.db.pool.query("SELECT to_char(issued_on, 'YYYY-MM-DD') AS d FROM certificates WHERE number = $1", [r.certificateNumber])).rows[0].d;
      expect(shanghaiDate(follow.dueAt)).toBe(addCalendarDays(issuedOn, 60));
      expect(await certificate(a.number)).toMatchObject({ status: 'superseded', superseded_by: r.certificateNumber });
      const old = await eventually(() => env.client.workflow.getHandle(lifecycleWorkflowId(a.number)).query(lifecycleQuery), (s) => s.status === 'superseded');
      expect(old.supersededBy).toBe(r.certificateNumber);
    });
  });

  it('R08: a renewal with changed production conditions goes to on-site verification first', async () => {
    await withServer(async (ctx) => {
      const holder = enterprise();
      const a = await issued(ctx.start, { enterprise: holder });
      await ctx.sleepUntil(at(a.dueBy, '10:00:00'));
      const h = await ctx.start(renewalOf(a.number, holder, { conditionsUnchanged: false }));
      await pastIntake(h);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      expect(await h.query(statusQuery)).toMatchObject({ path: 'verify-then-issue', stage: 'awaiting-verification', pathReason: 'renewal with changed production conditions (R08)' });
      expect((await refusal(h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] }))).type).toBe('conflict');
    });
  });

  it('R08: a renewal with unchanged conditions but without the quality-safety commitment goes to on-site verification first', async () => {
    await withServer(async (ctx) => {
      const holder = enterprise();
      const a = await issued(ctx.start, { enterprise: holder });
      await ctx.sleepUntil(at(a.dueBy, '10:00:00'));
      const h = await ctx.start(renewalOf(a.number, holder, { qualitySafetyCommitment: undefined }));
      await pastIntake(h);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      expect(await h.query(statusQuery)).toMatchObject({ path: 'verify-then-issue', stage: 'awaiting-verification', pathReason: 'renewal without a quality-safety commitment (R08)' });
      expect((await refusal(h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] }))).type).toBe('conflict');
    });
  });

  it('R08: a fertiliser renewal under policy 2024-09-25, which allows no exemption, goes to on-site verification first even with unchanged conditions and the commitment', async () => {
    await withServer(async (ctx) => {
      const holder = enterprise('北京示范化肥有限公司');
      const fertiliser = { enterprise: holder, product: 'fertiliser' as const, productNames: ['复合肥料'], notificationCommitment: commitment };
      // Licensed under 2020-09-29 by notification and commitment (received, and so accepted, in 2021).
      const a = await issued(ctx.start, fertiliser, '2021-03-01T02:00:00.000Z');
      await ctx.sleepUntil(at(a.dueBy, '10:00:00'));
      const h = await ctx.start(renewalOf(a.number, holder, fertiliser));
      await pastIntake(h);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      expect(await h.query(statusQuery)).toMatchObject({
        policyVersion: '2024-09-25',
        path: 'verify-then-issue',
        stage: 'awaiting-verification',
        pathReason: 'policy 2024-09-25 allows no renewal exemption for fertiliser',
      });
    });
  });

  it('R09: a fertiliser application received under 2020-09-29 without its notification commitment is refused at receipt, and by the submission check before a case starts', async () => {
    const bare = makeApplication({ enterprise: enterprise('北京示范化肥有限公司'), product: 'fertiliser', productNames: ['复合肥料'] });
    const checked = validateApplication(bare, '2021-03-01');
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problems.map((p) => p.path.join('.'))).toEqual(['notificationCommitment']);
    await withServer(async ({ start }) => {
      const h = await start(bare, '2021-03-01T02:00:00.000Z');
      expect(await refusedWith(h)).toEqual(['R09: fertiliser (compound and phosphate) under policy 2020-09-29 is approved by notification and commitment (告知承诺): the signed commitment is missing']);
      // Under 2024-09-25 the same application is taken (verify-then-issue needs no commitment).
      const now = await start({ ...bare, applicationId: `${bare.applicationId}-2` });
      expect((await pastIntake(now)).decision).toBeUndefined();
    });
  });
});
