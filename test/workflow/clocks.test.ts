/**
 * The case's clocks on the real time-skipping test server, with real activities against a real
 * PostgreSQL database: L02 pauses that begin on the deadline day (no breach, no escalation while
 * open; one working day left after), the L01 reminder to the acceptance officer before a deemed
 * acceptance, and message validators that refuse impossible dates instead of wedging a workflow.
 */
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { acceptUpdate, pauseClockUpdate, resumeClockUpdate, statusQuery } from '../../domain/approval/messages';
import { policyInForce, STAFF_REMINDERS } from '../../domain/policy';
import { SA } from '../../domain/search-attributes';
import { followUpDetailQuery, recordInspectionUpdate } from '../../domain/supervision/follow-up';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { addWorkingDays, isWorkingDay } from '../../infra/calendar';
import { upsertVerifier } from '../../db/registers';
import { followUpInspection } from '../../workflows/supervision/follow-up';
import { freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { workflowSuite } from '../helpers/workflow-suite';
import { eventually, refusal } from '../helpers/time-skipping';

const TASK_QUEUE = 'test-clocks';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;

const at = (date: string, time: string) => Date.parse(`${date}T${time}+08:00`);

async function notifications(applicationId: string, kind: string): Promise<{ recipient_role: string; message: string }[]> {
  const r = await suite.db.pool.query('SELECT recipient_role, message FROM notifications WHERE application_id = $1 AND kind = $2', [applicationId, kind]);
  return r.rows;
}

/** Staff may act once the intake gates are done (the case shows `received`). */
async function received(h: { query: (q: typeof statusQuery) => Promise<{ stage: string }> }): Promise<void> {
  await eventually(() => h.query(statusQuery), (s) => s.stage === 'received');
}

/** The first working day after today on the server's clock. */
async function nextWorkingDay(now: number): Promise<string> {
  let day = addCalendarDays(shanghaiDate(now), 1);
  while (!isWorkingDay(day)) day = addCalendarDays(day, 1);
  return day;
}

describe('the decision clock (L02)', () => {
  it('L02: a pause opened on the deadline day stops the clock — no breach or escalation while open; on resumption one working day remains', async () => {
    await withServer(async ({ env, start, sleepUntil }) => {
      const day = await nextWorkingDay(await env.currentTimeMs());
      await sleepUntil(at(day, '10:00:00'));
      const app = makeApplication();
      const h = await start(app);
      await received(h);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      const deadline = addWorkingDays(day, 5).date;
      expect((await h.query(statusQuery)).deadline?.deadlineDate).toBe(deadline);

      // The last afternoon of the limit: the reviewer sends the product for testing.
      await sleepUntil(at(deadline, '16:00:00'));
      const paused = await h.executeUpdate(pauseClockUpdate, {
        args: [{ actor: staff('reviewer'), kind: 'testing', reason: '产品送检', applicantNotifiedAt: new Date(await env.currentTimeMs()).toISOString() }],
      });
      expect(paused.deadline).toMatchObject({ deadlineAt: null, workingDaysLeft: null, overdue: false });

      // Two working days after the old deadline, the pause still open: no breach, no escalation.
      const resumeDay = addWorkingDays(deadline, 2).date;
      await sleepUntil(at(resumeDay, '10:00:00'));
      const during = await h.query(statusQuery);
      expect(during.breach).toBeUndefined();
      expect(during.deadline?.overdue).toBe(false);
      expect(await notifications(app.applicationId, 'decision-overdue')).toEqual([]);
      const sa = (await h.describe()).typedSearchAttributes;
      expect(sa.get(SA.overdue)).toBe(false);
      expect(sa.get(SA.deadline)).toBeUndefined();

      // Resumed: the deadline day was used, one working day remains, after the resumption day.
      const resumed = await h.executeUpdate(resumeClockUpdate, { args: [{ actor: staff('reviewer') }] });
      const expected = addWorkingDays(resumeDay, 1).date;
      expect(resumed.deadline).toMatchObject({ deadlineDate: expected, workingDaysLeft: 1, overdue: false });
      // The search attribute follows once the clock has recorded the new deadline.
      await eventually(() => h.describe(), (d) => d.typedSearchAttributes.get(SA.deadline)?.toISOString() === resumed.deadline?.deadlineAt);

      // That day passes without a decision: now it is a breach, escalated once.
      await sleepUntil(at(addCalendarDays(expected, 1), '10:00:00'));
      const late = await eventually(() => h.query(statusQuery), (x) => x.breach !== undefined);
      expect(late.breach?.escalatedTo).toBe('supervisor:BJ');
      expect(await eventually(() => notifications(app.applicationId, 'decision-overdue'), (r) => r.length > 0)).toHaveLength(1);
    });
  });
});

describe('the acceptance clock (L01)', () => {
  it('L01: the acceptance officer is reminded at the end of day 3 of 5; a case accepted before then is not reminded', async () => {
    await withServer(async ({ env, start, sleepUntil }) => {
      const day = await nextWorkingDay(await env.currentTimeMs());
      await sleepUntil(at(day, '10:00:00'));
      const silent = makeApplication();
      const acted = makeApplication();
      const h = await start(silent);
      const h2 = await start(acted);
      await received(h);
      await received(h2);
      const limit = policyInForce(day).limits.acceptance;
      const reminderDay = addWorkingDays(day, limit.n - STAFF_REMINDERS.acceptanceLead).date;
      const due = addWorkingDays(day, limit.n).date;
      expect(reminderDay).toBe(addWorkingDays(day, 3).date);

      await h2.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      // Late on day 3: not yet.
      await sleepUntil(at(reminderDay, '23:00:00'));
      expect(await notifications(silent.applicationId, 'acceptance-due')).toEqual([]);
      // The next morning the officer has a reminder naming the L01 deadline and what silence means.
      await sleepUntil(at(addCalendarDays(reminderDay, 1), '00:30:00'));
      const sent = await eventually(() => notifications(silent.applicationId, 'acceptance-due'), (r) => r.length > 0);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.recipient_role).toBe('acceptance-officer');
      expect(sent[0]!.message).toContain(due);
      expect(sent[0]!.message).toContain('L01');
      expect((await h.query(statusQuery)).stage).toBe('received');
      expect(await notifications(acted.applicationId, 'acceptance-due')).toEqual([]);

      // Silence still means acceptance as of the day of receipt, once the limit has passed.
      await sleepUntil(at(addCalendarDays(due, 1), '00:30:00'));
      const deemed = await eventually(() => h.query(statusQuery), (x) => x.acceptance !== undefined);
      expect(deemed.acceptance).toBe('deemed');
      expect(await notifications(silent.applicationId, 'acceptance-due')).toHaveLength(1);
    });
  });
});

describe('impossible dates are refused by the validators', () => {
  it('L02: a pause whose applicantNotifiedAt is not a real date (02-30) is refused; nothing is recorded', async () => {
    await withServer(async ({ start }) => {
      const h = await start(makeApplication());
      await received(h);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      const r = await refusal(
        h.executeUpdate(pauseClockUpdate, { args: [{ actor: staff('reviewer'), kind: 'testing', reason: '产品送检', applicantNotifiedAt: '2026-02-30T10:00:00+08:00' }] }),
      );
      expect(r.type).toBe('invalid');
      expect(r.message).toMatch(/applicantNotifiedAt.*not a real date/);
      expect((await h.query(statusQuery)).paused).toBe(false);
    });
  });

  it('R15: a rectification order with rectifyBy 2026-02-30 is refused by the validator; the follow-up stays open and takes a real date', async () => {
    await withServer(async ({ env }) => {
      const acts = createActivities({ pool: suite.db.pool });
      const app = makeApplication({ enterprise: { uscc: freshUscc(), name: '北京示范有限公司', registeredAddress: '北京市房山区示范路1号' } });
      const issuedAt = new Date(await env.currentTimeMs()).toISOString();
      const today = shanghaiDate(issuedAt);
      const policy = policyInForce(today);
      await acts.recordReceipt({ application: app, receivedAt: issuedAt, eventKey: `${app.applicationId}:received:1` });
      const cert = await acts.issueCertificate({ applicationId: app.applicationId, eventKey: `${app.applicationId}:certificate:1`, issuedAt, issuedOn: today, policyVersion: policy.id });
      const h = await env.client.workflow.start(followUpInspection, {
        taskQueue: TASK_QUEUE,
        workflowId: `${app.applicationId}/follow-up`,
        args: [{ applicationId: app.applicationId, certificateNumber: cert.number, province: app.province, product: app.product, uscc: app.enterprise.uscc, kind: 'post-issuance-verification', window: policy.followUp.postVerification, issuedAt, policyVersion: policy.id }],
      });
      const team = [`V-D-${app.applicationId}-1`, `V-D-${app.applicationId}-2`];
      for (const id of team) await upsertVerifier(suite.db.pool, { id, name: `核查员 ${id}`, certifiedBy: 'BJ', certifiedOn: addCalendarDays(today, -10), certifiedUntil: addCalendarDays(today, 1000) });

      const inspect = (rectifyBy: string) =>
        h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'rectification-required', verifierIds: team, rectifyBy }] });
      const r = await refusal(inspect('2026-02-30'));
      expect(r.type).toBe('invalid');
      expect(r.message).toMatch(/rectifyBy.*2026-02-30.*not a real calendar date/);
      expect((await h.query(followUpDetailQuery)).inspections).toEqual([]);

      const rectifyBy = addCalendarDays(today, 20);
      await inspect(rectifyBy);
      expect(await h.query(followUpDetailQuery)).toMatchObject({ stage: 'rectifying', rectification: { rectifyBy } });
    });
  });
});
