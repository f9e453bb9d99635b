/**
 * The application workflow on the real time-skipping test server, with real activities against
 * a real PostgreSQL database. Each test gets its own server (time only moves forward), its own
 * worker and its own case.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { sendUpdate } from '../../api/updates';
import { createActivities } from '../../activities';
import { addWorkingDays, computeSlaDeadline, isWorkingDay } from '../../infra/calendar';
import { CERTIFICATE_NUMBER } from '../../domain/licence/certificate';
import { acceptUpdate, approveUpdate, pauseClockUpdate, refuseUpdate, requestSupplementUpdate, resumeClockUpdate, statusQuery, supplementSignal } from '../../domain/approval/messages';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { followUpStatusQuery } from '../../domain/supervision/follow-up';
import { licenceApplication } from '../../workflows/approval/licence-application';
import { createWorker } from '../../workers/worker';
import { applicant, commitment, makeApplication, staff } from '../helpers/fixtures';
import { createDevServerEnv } from '../helpers/temporal';
import { workflowSuite } from '../helpers/workflow-suite';
import { pastIntake, eventually, refusal } from '../helpers/time-skipping';

const TASK_QUEUE = 'test-applications';
const DAY = 86_400_000;

const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;

async function updateEventsInHistory(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)
    .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.name!);
}

/** 10:00 in Shanghai on a civil date. */
const shanghaiMorning = (date: string) => Date.parse(`${date}T10:00:00+08:00`);

async function auditActions(applicationId: string): Promise<string[]> {
  const r = await suite.db.pool.query<{ action: string }>('SELECT action FROM audit_events WHERE application_id = $1 ORDER BY id', [applicationId]);
  return r.rows.map((x) => x.action);
}

describe('licenceApplication', () => {
  it('R07: post-verification path — accept, approve, one electronic certificate, follow-up verification started', async () => {
    await withServer(async ({ env, start }) => {
      const app = makeApplication();
      const h = await start(app);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      const afterAccept = await h.query(statusQuery);
      expect(afterAccept.path).toBe('post-verification');
      expect(afterAccept.policyVersion).toBe('2024-09-25');
      expect(afterAccept.deadline?.limit).toEqual({ n: 5, unit: 'working-days' });
      expect(afterAccept.deadline?.deadlineDate).toBe(addWorkingDays(shanghaiDate(afterAccept.acceptedAt!), 5).date);

      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      const result = await h.result();
      expect(result.outcome).toBe('issued');
      expect(result.decidedWithinDeadline).toBe(true);
      expect(result.certificateNumber).toMatch(CERTIFICATE_NUMBER);
      expect(result.certificateNumber!.startsWith('(京)XK08-001-')).toBe(true);

      const certs = await suite.db.pool.query('SELECT number, status, valid_until - issued_on AS days FROM certificates WHERE application_id = $1', [app.applicationId]);
      expect(certs.rows).toHaveLength(1);
      expect(certs.rows[0]).toMatchObject({ number: result.certificateNumber, status: 'valid' });
      expect(await auditActions(app.applicationId)).toEqual(
        expect.arrayContaining(['received', 'accepted', 'routed', 'deadline-computed', 'approved', 'certificate-issued']),
      );

      const child = env.client.workflow.getHandle(`${app.applicationId}/follow-up`);
      const follow = await child.query(followUpStatusQuery);
      expect(follow.kind).toBe('post-issuance-verification');
      expect(follow.certificateNumber).toBe(result.certificateNumber);
    });
  });

  it('L01: with no acceptance decision within 5 working days the case is accepted as of the day of receipt', async () => {
    await withServer(async ({ env, start }) => {
      const app = makeApplication();
      const receivedAt = new Date((await env.currentTimeMs())).toISOString();
      const h = await start(app, receivedAt);
      const due = addWorkingDays(shanghaiDate(receivedAt), 5).date;
      // One day before the limit ends, nothing has happened yet.
      await env.sleep(Date.parse(`${due}T00:00:00+08:00`) - (await env.currentTimeMs()));
      expect((await h.query(statusQuery)).stage).toBe('received');
      await env.sleep(DAY);
      const s = await eventually(() => h.query(statusQuery), (x) => x.acceptance !== undefined);
      expect(s.acceptance).toBe('deemed');
      expect(s.acceptedAt).toBe(receivedAt);
      expect(s.stage).toBe('under-review');
      expect(s.timeline.find((t) => t.event === 'deemed-accepted')?.note).toContain('L01');
      // The record is written by an activity just after the state change.
      const row = await eventually(
        () => suite.db.pool.query('SELECT acceptance, accepted_at FROM applications WHERE id = $1', [app.applicationId]),
        (r) => r.rows[0]?.acceptance !== null,
      );
      expect(row.rows[0].acceptance).toBe('deemed');
      expect(new Date(row.rows[0].accepted_at).toISOString()).toBe(receivedAt);
    });
  });

  it('L01: one supplement notice only; the supplement re-opens acceptance', async () => {
    await withServer(async ({ start }) => {
      const app = makeApplication();
      const h = await start(app);
      await h.executeUpdate(requestSupplementUpdate, { args: [{ actor: staff('acceptance-officer'), items: ['产品检验报告缺少抽样单', '质量手册未盖章'] }] });
      const second = await refusal(h.executeUpdate(requestSupplementUpdate, { args: [{ actor: staff('acceptance-officer'), items: ['另一项'] }] }));
      expect(second.type).toBe('conflict');
      expect(second.message).toMatch(/one/);

      await h.signal(supplementSignal, { actor: applicant(app.enterprise.uscc), documents: [{ name: '抽样单', type: 'other', sha256: 'a'.repeat(64) }] });
      // Still only one notice possible after the supplement.
      const third = await refusal(h.executeUpdate(requestSupplementUpdate, { args: [{ actor: staff('acceptance-officer'), items: ['再一项'] }] }));
      expect(third.type).toBe('conflict');
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      const s = await h.query(statusQuery);
      expect(s.acceptance).toBe('officer');
      expect(s.supplement?.suppliedAt).toBeDefined();
      expect(await updateEventsInHistory(h)).toEqual(['requestSupplement', 'accept']);
      const notes = await suite.db.pool.query("SELECT kind FROM notifications WHERE application_id = $1 AND kind = 'supplement-requested'", [app.applicationId]);
      expect(notes.rowCount).toBe(1);
    });
  });

  it('L03/R07: a decision on working day 5 across a holiday is in time; one after the deadline is recorded as breached and escalated', async () => {
    await withServer(async ({ env, start, sleepUntil }) => {
      // The next acceptance day whose 5-working-day window contains a holiday on a weekday.
      let day = addCalendarDays(shanghaiDate((await env.currentTimeMs())), 1);
      const holidayWithin = (d: string) =>
        [1, 2, 3, 4, 5].some((k) => {
          const x = addCalendarDays(d, k);
          const dow = new Date(`${x}T00:00:00Z`).getUTCDay();
          return dow >= 1 && dow <= 5 && !isWorkingDay(x);
        });
      while (!holidayWithin(day) || !isWorkingDay(day)) day = addCalendarDays(day, 1);
      await sleepUntil(shanghaiMorning(day));

      const inTime = makeApplication();
      const late = makeApplication();
      const h1 = await start(inTime);
      const h2 = await start(late);
      await h1.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await h2.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      const expected = addWorkingDays(day, 5).date;
      const s1 = await h1.query(statusQuery);
      expect(s1.deadline?.deadlineDate).toBe(expected);
      // A holiday in the window pushes the deadline past the usual 7 calendar days.
      expect(Date.parse(expected) - Date.parse(day)).toBeGreaterThan(7 * DAY);

      // Late in the evening of working day 5: still in time.
      await sleepUntil(Date.parse(`${expected}T23:00:00+08:00`));
      expect((await h1.query(statusQuery)).breach).toBeUndefined();
      await h1.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      expect((await h1.result()).decidedWithinDeadline).toBe(true);

      // The next morning the other case is overdue: recorded, escalated, still open.
      await sleepUntil(shanghaiMorning(addCalendarDays(expected, 1)));
      const s2 = await eventually(() => h2.query(statusQuery), (x) => x.breach !== undefined);
      expect(s2.breach?.escalatedTo).toBe('supervisor:BJ');
      expect(s2.deadline?.overdue).toBe(true);
      expect(s2.stage).toBe('under-review');
      const esc = await suite.db.pool.query("SELECT recipient_role FROM notifications WHERE application_id = $1 AND kind = 'decision-overdue'", [late.applicationId]);
      expect(esc.rows).toEqual([{ recipient_role: 'supervisor' }]);
      const reminder = await suite.db.pool.query("SELECT count(*)::int AS n FROM notifications WHERE application_id = $1 AND kind = 'decision-due'", [late.applicationId]);
      expect(reminder.rows[0].n).toBe(1);
      await h2.executeUpdate(refuseUpdate, { args: [{ actor: staff('approver'), reasons: ['生产条件不符合实施细则要求'] }] });
      const r2 = await h2.result();
      expect(r2.outcome).toBe('refused');
      expect(r2.decidedWithinDeadline).toBe(false);
      const breached = await suite.db.pool.query('SELECT breached_at FROM applications WHERE id = $1', [late.applicationId]);
      expect(breached.rows[0].breached_at).not.toBeNull();
    });
  });

  it('L02: a pause for expert review stops the clock and moves the deadline by the paused working days', async () => {
    await withServer(async ({ env, start, sleepUntil }) => {
      let day = addCalendarDays(shanghaiDate((await env.currentTimeMs())), 1);
      while (!isWorkingDay(day)) day = addCalendarDays(day, 1);
      await sleepUntil(shanghaiMorning(day));
      const h = await start(makeApplication());
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      const before = await h.query(statusQuery);
      const acceptedAt = before.acceptedAt!;

      const pauseDay = addWorkingDays(day, 1).date;
      await sleepUntil(shanghaiMorning(pauseDay));
      await h.executeUpdate(pauseClockUpdate, {
        args: [{ actor: staff('reviewer'), kind: 'expert-review', reason: '组织专家评审', applicantNotifiedAt: new Date((await env.currentTimeMs())).toISOString() }],
      });
      const paused = await h.query(statusQuery);
      expect(paused.paused).toBe(true);
      expect(paused.deadline?.deadlineAt).toBeNull();

      const resumeDay = addWorkingDays(pauseDay, 3).date;
      await sleepUntil(shanghaiMorning(resumeDay));
      // While paused the original deadline may pass without a breach.
      expect((await h.query(statusQuery)).breach).toBeUndefined();
      await h.executeUpdate(resumeClockUpdate, { args: [{ actor: staff('reviewer') }] });
      const after = await h.query(statusQuery);
      const pauses = after.pauses.map((p) => ({ from: p.from, to: p.to }));
      const expected = computeSlaDeadline({ startedAt: acceptedAt, workingDays: 5, pauses });
      expect(after.deadline?.deadlineDate).toBe(expected.deadlineDate);
      expect(expected.pausedWorkingDays).toBe(3);
      expect(after.deadline!.deadlineDate! > before.deadline!.deadlineDate!).toBe(true);
      expect(after.deadline!.deadlineDate).toBe(addWorkingDays(before.deadline!.deadlineDate!, 3).date);
    });
  });

  it('R02/R09: fertiliser accepted under 2020-09-29 takes notification-and-commitment; under 2024-09-25 verify-then-issue', async () => {
    await withServer(async ({ start }) => {
      const old = makeApplication({ product: 'fertiliser', productNames: ['复合肥料'], notificationCommitment: commitment });
      // Received (and, silently, accepted) in 2021: a case migrated from the paper era.
      const h1 = await start(old, '2021-03-01T02:00:00.000Z');
      const fresh = makeApplication({ product: 'fertiliser', productNames: ['复合肥料'] });
      const h2 = await start(fresh);
      await h2.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });

      const s1 = await eventually(() => h1.query(statusQuery), (x) => x.path !== undefined);
      const s2 = await h2.query(statusQuery);
      expect(s1).toMatchObject({ policyVersion: '2020-09-29', path: 'commitment', acceptance: 'deemed' });
      expect(s2).toMatchObject({ policyVersion: '2024-09-25', path: 'verify-then-issue', stage: 'awaiting-verification' });

      // The commitment path issues first and verifies the commitment afterwards. Sent as the API
      // sends it: answered 'not-yet' while the deemed case still records its path (R02), sent again.
      await sendUpdate(h1, approveUpdate, { actor: staff('approver') }, { what: `case ${old.applicationId}` });
      expect((await h1.result()).outcome).toBe('issued');
    });
  });

  it('R01: an Update from another province, or the wrong role, is refused and leaves no trace in history', async () => {
    await withServer(async ({ start }) => {
      const app = makeApplication();
      const h = await start(app);
      const otherProvince = await refusal(h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer', 'SH') }] }));
      expect(otherProvince.type).toBe('forbidden');
      expect(otherProvince.message).toContain('R01');
      const wrongRole = await refusal(h.executeUpdate(acceptUpdate, { args: [{ actor: staff('reviewer') }] }));
      expect(wrongRole.type).toBe('forbidden');
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      const wrongStage = await refusal(h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] }));
      expect(wrongStage.type).toBe('conflict');
      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      await h.result();
      const twice = await refusal(h.executeUpdate(refuseUpdate, { args: [{ actor: staff('approver'), reasons: ['second decision'] }] })).catch(
        (e: Error) => ({ type: 'closed', message: e.message }),
      );
      expect(['conflict', 'closed']).toContain(twice.type);
      expect(await updateEventsInHistory(h)).toEqual(['accept', 'approve']);
      expect(await auditActions(app.applicationId)).not.toContain('refused');
    });
  });

  it('R07: a worker that dies after the certificate is written and restarts finishes the case with one certificate', async () => {
    const real = createActivities({ pool: suite.db.pool });
    let crashes = 0;
    const crashing = {
      ...real,
      // The database commit happens, then the process "dies" before Temporal hears of it.
      async issueCertificate(input: Parameters<typeof real.issueCertificate>[0]) {
        const r = await real.issueCertificate(input);
        if (crashes++ === 0) throw new Error('worker process died after commit');
        return r;
      },
    };
    await withServer(async ({ env, start }) => {
      const app = makeApplication();
      const h = await start(app);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      const result = await h.result();
      expect(crashes).toBeGreaterThanOrEqual(2);
      const certs = await suite.db.pool.query('SELECT number FROM certificates WHERE application_id = $1', [app.applicationId]);
      expect(certs.rows).toEqual([{ number: result.certificateNumber }]);
      const issued = await suite.db.pool.query("SELECT count(*)::int AS n FROM audit_events WHERE application_id = $1 AND action = 'certificate-issued'", [app.applicationId]);
      expect(issued.rows[0].n).toBe(1);
      expect(env).toBeDefined();
    }, crashing);
  });

  // On the dev server: the time-skipping server does not hand a shut-down worker's sticky
  // workflow tasks back to the shared queue for Updates, which a real cluster does.
  it('R07: a worker shut down mid-case and a new one started finish the case with one certificate', async () => {
    const env = await createDevServerEnv();
    try {
      const app = makeApplication();
      // A short sticky timeout: the dead worker's cached copy of the case is given up quickly.
      const mkWorker = () =>
        createWorker({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, pool: suite.db.pool, workflowBundle: suite.bundle, extra: { stickyQueueScheduleToStartTimeout: '1 second' } });
      const first = await mkWorker();
      const h = await first.runUntil(async () => {
        const handle = await env.client.workflow.start(licenceApplication, {
          taskQueue: TASK_QUEUE,
          workflowId: app.applicationId,
          args: [{ application: app, receivedAt: new Date((await env.currentTimeMs())).toISOString() }],
        });
        await pastIntake(handle);
        await handle.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
        return handle;
      });
      // No worker is running: the case waits in Temporal, nothing is lost.
      const second = await mkWorker();
      const result = await second.runUntil(async () => {
        await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
        return h.result();
      });
      expect(result.outcome).toBe('issued');
      const certs = await suite.db.pool.query('SELECT count(*)::int AS n FROM certificates WHERE application_id = $1', [app.applicationId]);
      expect(certs.rows[0].n).toBe(1);
    } finally {
      await env.teardown();
    }
  });
});
