/**
 * The verify-then-issue path on the real time-skipping test server, with real activities against
 * a real PostgreSQL database: the on-site verification team checked against the verifier
 * register before anything is recorded (R10, L06), and the path's own time limits besides the
 * decision's: the verification result (Regulation Art. 18) and the certificate (Art. 24).
 * Update instants are kept off the clocks' timer instants (end of day, and the daily re-check at
 * the acceptance's time of day): the test server fails an Update and a timer in one task.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recordConflict, upsertVerifier } from '../../db/registers';
import { acceptUpdate, approveUpdate, pauseClockUpdate, recordVerificationUpdate, refuseUpdate, resumeClockUpdate, statusQuery } from '../../domain/approval/messages';
import { retryAfterOpsUpdate } from '../../domain/ops';
import { SA } from '../../domain/search-attributes';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { addWorkingDays, isWorkingDay } from '../../infra/calendar';
import { freshUscc, makeApplication, newApplicationId, staff } from '../helpers/fixtures';
import { eventually, refusal, type TimeSkippingCtx } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const suite = workflowSuite('test-verify-then-issue');
const { withServer } = suite;
const OPS = { id: 'ops-1', role: 'ops' as const };

const at = (date: string, time: string) => Date.parse(`${date}T${time}+08:00`);

/** Registers a verifier (R10); certified from 400 days before `today` unless told otherwise. */
async function verifier(today: string, opts: { suspended?: boolean; from?: string; until?: string } = {}): Promise<string> {
  const id = `V-${randomBytes(4).toString('hex')}`;
  await upsertVerifier(suite.db.pool, {
    id,
    name: `核查员 ${id}`,
    certifiedBy: 'BJ',
    certifiedOn: opts.from ?? addCalendarDays(today, -400),
    certifiedUntil: opts.until ?? addCalendarDays(today, 1000),
    suspended: opts.suspended ?? false,
  });
  return id;
}

async function audit(applicationId: string, action: string): Promise<number> {
  const r = await suite.db.pool.query('SELECT count(*)::int AS n FROM audit_events WHERE application_id = $1 AND action = $2', [applicationId, action]);
  return r.rows[0].n;
}

async function notifications(applicationId: string, kind: string): Promise<{ recipient_role: string; message: string }[]> {
  const r = await suite.db.pool.query('SELECT recipient_role, message FROM notifications WHERE application_id = $1 AND kind = $2', [applicationId, kind]);
  return r.rows;
}

/** The first working day after today on the server's clock. */
async function nextWorkingDay(now: number): Promise<string> {
  let day = addCalendarDays(shanghaiDate(now), 1);
  while (!isWorkingDay(day)) day = addCalendarDays(day, 1);
  return day;
}

/** A new fertiliser application (verify-then-issue under 2024-09-25), accepted at 09:30 of `day`. */
async function acceptedVerifyThenIssue(ctx: TimeSkippingCtx, day: string, applicationId = newApplicationId('VTI')) {
  await ctx.sleepUntil(at(day, '09:30:00'));
  const app = makeApplication({
    applicationId,
    product: 'fertiliser',
    productNames: ['复合肥料'],
    enterprise: { uscc: freshUscc(), name: '北京示范化肥有限公司', registeredAddress: '北京市房山区示范路1号' },
  });
  const h = await ctx.start(app);
  await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
  await eventually(() => h.query(statusQuery), (s) => s.stage === 'awaiting-verification' && s.timeLimits?.verification?.deadline !== undefined);
  return { app, h };
}

describe('the on-site verification before issuance (R10, L06)', () => {
  it('R10: a verification by a suspended, expired, not-yet-certified, unregistered or conflicted verifier is refused naming him and why; nothing is recorded', async () => {
    await withServer(async (ctx) => {
      const { app, h } = await acceptedVerifyThenIssue(ctx, await nextWorkingDay(await ctx.now()));
      const today = shanghaiDate(await ctx.now());
      const good = await verifier(today);
      const suspended = await verifier(today, { suspended: true });
      const expired = await verifier(today, { until: addCalendarDays(today, -1) });
      const future = await verifier(today, { from: addCalendarDays(today, 5) });
      const conflicted = await verifier(today);
      await recordConflict(suite.db.pool, conflicted, app.enterprise.uscc, '曾为该企业提供咨询');
      const verify = (ids: string[]) =>
        h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result: 'pass', verifierIds: ids as [string, string], findings: '生产条件符合' }] });

      const cases: [string, RegExp][] = [
        [suspended, new RegExp(`verifier ${suspended} is suspended`)],
        [expired, new RegExp(`verifier ${expired}'s certification expired on ${addCalendarDays(today, -1)}`)],
        [future, new RegExp(`verifier ${future} is certified only from ${addCalendarDays(today, 5)}`)],
        [conflicted, new RegExp(`verifier ${conflicted} has a recorded conflict of interest`)],
        ['V-nobody', /verifier V-nobody is not in the verifier registry/],
      ];
      for (const [bad, why] of cases) {
        const r = await refusal(verify([good, bad]));
        expect(r.type).toBe('invalid');
        expect(r.message).toMatch(why);
        // The good one is not blamed.
        expect(r.message).not.toContain(`verifier ${good} `);
      }
      // Nothing written, nothing changed: the case still waits for its verification.
      expect(await audit(app.applicationId, 'on-site-verification')).toBe(0);
      const still = await h.query(statusQuery);
      expect(still.stage).toBe('awaiting-verification');
      expect(still.verification).toBeUndefined();

      // A registered, current team without conflicts is recorded.
      const other = await verifier(today);
      expect((await verify([good, other])).stage).toBe('under-review');
      expect(await audit(app.applicationId, 'on-site-verification')).toBe(1);
      expect((await h.query(statusQuery)).verification).toMatchObject({ result: 'pass', verifierIds: [good, other] });
    });
  });

  it('L06: a team listing a verifier twice or of more than four is refused by the validator and leaves nothing in history', async () => {
    await withServer(async (ctx) => {
      const { h } = await acceptedVerifyThenIssue(ctx, await nextWorkingDay(await ctx.now()));
      const today = shanghaiDate(await ctx.now());
      const a = await verifier(today);
      const twice = await refusal(h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result: 'pass', verifierIds: [a, a] }] }));
      expect(twice).toMatchObject({ type: 'invalid' });
      expect(twice.message).toMatch(/listed twice/);
      const ids = await Promise.all(Array.from({ length: 5 }, () => verifier(today)));
      const five = await refusal(h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result: 'pass', verifierIds: ids as [string, string] }] }));
      expect(five).toMatchObject({ type: 'invalid' });
      expect(five.message).toMatch(/2-4 verifiers/);
      const events = (await h.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'recordVerification')).toEqual([]);
    });
  });

  it('R10: two verification results sent at once: exactly one is recorded, the other refused', async () => {
    await withServer(async (ctx) => {
      const { app, h } = await acceptedVerifyThenIssue(ctx, await nextWorkingDay(await ctx.now()));
      const today = shanghaiDate(await ctx.now());
      const team = [await verifier(today), await verifier(today)];
      const send = (result: 'pass' | 'fail') => h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result, verifierIds: team as [string, string] }] });
      const outcomes = await Promise.allSettled([send('pass'), send('fail')]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(await refusal(Promise.reject(refused.reason))).toMatchObject({ type: 'conflict' });
      expect(await audit(app.applicationId, 'on-site-verification')).toBe(1);
    });
  });
  it('R10: while the register is being read, a second result is refused and a refusal of the application wins; nothing of the verification is recorded', async () => {
    await withServer(async (ctx) => {
      const { app, h } = await acceptedVerifyThenIssue(ctx, await nextWorkingDay(await ctx.now()));
      const today = shanghaiDate(await ctx.now());
      const team = [await verifier(today), await verifier(today)] as [string, string];
      // Hold the register: the first result's check waits inside its handler.
      const lock = await suite.db.pool.connect();
      try {
        await lock.query('BEGIN');
        await lock.query('LOCK TABLE verifiers IN ACCESS EXCLUSIVE MODE');
        const first = h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result: 'pass', verifierIds: team }] });
        first.catch(() => undefined); // read below, once the register is free
        await eventually(
          () => h.fetchHistory(),
          (hist) => (hist.events ?? []).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'verificationTeamProblems'),
        );
        const second = await refusal(h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('supervisor'), result: 'fail', verifierIds: team }] }));
        expect(second).toMatchObject({ type: 'conflict', message: expect.stringMatching(/being checked against the verifier register/) });
        expect((await h.executeUpdate(refuseUpdate, { args: [{ actor: staff('approver'), reasons: ['生产条件不符合要求'] }] })).stage).toBe('refused');
        await lock.query('COMMIT');
        expect(await refusal(first)).toMatchObject({
          type: 'conflict',
          message: expect.stringMatching(/already refused/),
        });
      } finally {
        await lock.query('ROLLBACK').catch(() => undefined);
        lock.release();
      }
      expect((await h.result()).outcome).toBe('refused');
      expect(await audit(app.applicationId, 'on-site-verification')).toBe(0);
      expect((await h.query(statusQuery)).verification).toBeUndefined();
    });
  });
});

describe('the verify-then-issue time limits (Regulation Art. 18, 24)', () => {
  it('R07/Art.18: no verification result within 30 working days of acceptance: the reviewer is reminded, the supervisor told once, the case shows overdue; the result stops the clock', async () => {
    await withServer(async (ctx) => {
      const day = await nextWorkingDay(await ctx.now());
      const { app, h } = await acceptedVerifyThenIssue(ctx, day);
      const due = addWorkingDays(day, 30).date;
      const s0 = await h.query(statusQuery);
      expect(s0.timeLimits?.verification).toMatchObject({ rule: expect.stringMatching(/^Art\.18: .*30 working days of acceptance/), deadline: { deadlineDate: due, overdue: false } });
      // The nearest deadline is the verification's (the decision has 60 working days).
      const nearest = s0.timeLimits!.verification!.deadline!.deadlineAt;
      const d0 = await eventually(() => h.describe(), (d) => d.typedSearchAttributes.get(SA.deadline)?.toISOString() === nearest);
      expect(d0.typedSearchAttributes.get(SA.deadline)?.toISOString()).toBe(nearest);

      // The last day: the reviewer has been reminded; nobody escalated yet.
      await ctx.sleepUntil(at(due, '11:05:00'));
      const reminders = await eventually(() => notifications(app.applicationId, 'verification-due'), (n) => n.length === 1);
      expect(reminders).toEqual([expect.objectContaining({ recipient_role: 'reviewer', message: expect.stringContaining(due) })]);
      expect(await notifications(app.applicationId, 'verification-overdue')).toEqual([]);

      // The day after: escalated once, overdue in status and search attributes.
      const after = addWorkingDays(due, 1).date;
      await ctx.sleepUntil(at(after, '11:05:00'));
      const late = await eventually(() => h.query(statusQuery), (s) => s.timeLimits?.verification?.breach !== undefined);
      expect(late.timeLimits?.verification).toMatchObject({ breach: { escalatedTo: 'supervisor:BJ' }, deadline: { overdue: true } });
      expect(late.breach).toBeUndefined(); // the decision itself is not late
      expect(await notifications(app.applicationId, 'verification-overdue')).toEqual([expect.objectContaining({ recipient_role: 'supervisor' })]);
      await eventually(() => h.describe(), (d) => d.typedSearchAttributes.get(SA.overdue) === true);
      expect(await audit(app.applicationId, 'verification-deadline-breached')).toBe(1);

      // The result arrives late: the clock stops, the case is no longer overdue, the breach stays on record.
      const today = shanghaiDate(await ctx.now());
      const team = [await verifier(today), await verifier(today)];
      await h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result: 'pass', verifierIds: team as [string, string] }] });
      const met = await eventually(() => h.query(statusQuery), (s) => s.timeLimits?.verification?.metAt !== undefined);
      expect(met.timeLimits?.verification?.breach).toBeDefined();
      const sa = (await eventually(() => h.describe(), (d) => d.typedSearchAttributes.get(SA.overdue) === false)).typedSearchAttributes;
      expect(sa.get(SA.overdue)).toBe(false);
      expect(sa.get(SA.deadline)?.toISOString()).toBe(met.deadline?.deadlineAt);
      expect(await notifications(app.applicationId, 'verification-overdue')).toHaveLength(1);
    });
  });

  it('L02/Art.18: a pause for testing stops the verification clock too; resumed, its deadline moves by the paused working days', async () => {
    await withServer(async (ctx) => {
      const day = await nextWorkingDay(await ctx.now());
      const { h } = await acceptedVerifyThenIssue(ctx, day);
      const due = addWorkingDays(day, 30).date;
      const from = addWorkingDays(day, 2).date;
      const to = addWorkingDays(day, 5).date;
      await ctx.sleepUntil(at(from, '11:05:00'));
      await h.executeUpdate(pauseClockUpdate, { args: [{ actor: staff('reviewer'), kind: 'testing', reason: '产品送检', expectedLength: { n: 3, unit: 'working-days' } }] });
      const paused = await eventually(() => h.query(statusQuery), (s) => s.timeLimits?.verification?.deadline?.deadlineAt === null);
      expect(paused.timeLimits?.verification?.deadline).toMatchObject({ deadlineAt: null, workingDaysLeft: null, overdue: false });
      await ctx.sleepUntil(at(to, '11:05:00'));
      await h.executeUpdate(resumeClockUpdate, { args: [{ actor: staff('reviewer'), note: '报告已到' }] });
      // The day the pause began counts; the three working days after it, to the resumption, do not.
      const resumed = await eventually(() => h.query(statusQuery), (s) => !!s.timeLimits?.verification?.deadline?.deadlineDate);
      expect(resumed.timeLimits?.verification?.deadline?.deadlineDate).toBe(addWorkingDays(due, 3).date);
    });
  });

  it('R07/Art.24: a certificate held up more than 10 working days after the decision is escalated and shows overdue; issuing it stops the clock', async () => {
    await withServer(async (ctx) => {
      const day = await nextWorkingDay(await ctx.now());
      const { app, h } = await acceptedVerifyThenIssue(ctx, day, newApplicationId('CERTLATE'));
      const today = shanghaiDate(await ctx.now());
      const team = [await verifier(today), await verifier(today)];
      await h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result: 'pass', verifierIds: team as [string, string] }] });
      // A real constraint refuses this case's certificate: issuance holds for ops.
      const name = `cert_block_${randomBytes(3).toString('hex')}`;
      await suite.db.pool.query(`ALTER TABLE certificates ADD CONSTRAINT ${name} CHECK (application_id <> '${app.applicationId}') NOT VALID`);
      await ctx.sleepUntil(at(day, '10:40:00'));
      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      const held = await eventually(() => h.query(statusQuery), (s) => s.opsHold !== undefined && s.timeLimits?.certificate?.deadline !== undefined);
      expect(held.opsHold).toMatchObject({ activity: 'issueCertificate' });
      const due = addWorkingDays(day, 10).date;
      expect(held.timeLimits?.certificate).toMatchObject({ rule: expect.stringMatching(/^Art\.24: certificate within 10 working days of the decision/), deadline: { deadlineDate: due } });

      await ctx.sleepUntil(at(due, '11:05:00'));
      const reminded = await eventually(() => notifications(app.applicationId, 'certificate-due'), (n) => n.length === 1);
      expect(reminded).toEqual([expect.objectContaining({ recipient_role: 'approver' })]);
      await ctx.sleepUntil(at(addWorkingDays(due, 1).date, '11:05:00'));
      const late = await eventually(() => h.query(statusQuery), (s) => s.timeLimits?.certificate?.breach !== undefined);
      expect(late.timeLimits?.certificate?.deadline?.overdue).toBe(true);
      expect(await notifications(app.applicationId, 'certificate-overdue')).toEqual([expect.objectContaining({ recipient_role: 'supervisor' })]);
      await eventually(() => h.describe(), (d) => d.typedSearchAttributes.get(SA.overdue) === true);

      // Ops fix the cause: the certificate is issued, the clock stops, nothing is overdue any more.
      await suite.db.pool.query(`ALTER TABLE certificates DROP CONSTRAINT ${name}`);
      await h.executeUpdate(retryAfterOpsUpdate, { args: [{ actor: OPS, note: 'constraint dropped' }] });
      expect((await h.result()).outcome).toBe('issued');
      const done = await h.query(statusQuery);
      expect(done.timeLimits?.certificate?.metAt).toBeDefined();
      const sa = (await h.describe()).typedSearchAttributes;
      expect(sa.get(SA.overdue)).toBe(false);
      expect(sa.get(SA.deadline)).toBeUndefined();
    });
  });
});
