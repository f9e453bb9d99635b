/**
 * R06: a SAMR finding (a non-conforming random check) on the real time-skipping test server with
 * real activities against a real PostgreSQL database: the province's supervisor answers within 20
 * working days (the calendar's, across weekends and New Year's Day), is reminded before the end,
 * and an unanswered finding is escalated to SAMR and shown as overdue. One server per test.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createCalendarActivities } from '../../activities/calendar';
import { statutoryHolidays } from '../../domain/calendar';
import { DEFAULT_CALENDAR_DIR, loadCalendar } from '../../infra/calendar';
import { insertCheck, findFinding, samrHistory } from '../../db/samr-checks';
import { inTransaction } from '../../db/tx';
import { SAMR_CHECKS } from '../../domain/policy';
import { answerSamrFindingUpdate, type SamrFindingInput, samrFindingQuery } from '../../domain/samr/findings';
import { SA } from '../../domain/search-attributes';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { samrFindingWorkflowId } from '../../domain/workflow-ids';
import { samrFinding } from '../../workflows/samr/samr-finding';
import { newApplicationId, staff } from '../helpers/fixtures';
import { poller, refusal, type TimeSkippingCtx } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-samr-finding';
const HOUR = 3_600_000;

const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const eventually = poller({ retryErrors: true });

/** What the API does for a non-conforming result: the check row, then the finding's workflow. */
async function openFinding(ctx: TimeSkippingCtx, province = 'BJ') {
  const applicationId = newApplicationId('R06');
  const openedAt = new Date(await ctx.now()).toISOString();
  const input: SamrFindingInput = {
    applicationId,
    province,
    drawKey: 'samr-random-checks-test',
    findings: '抽查发现：出厂检验记录缺失',
    openedAt,
    openedBy: 'samr-inspector',
    limit: { ...SAMR_CHECKS.answerLimit },
    reminderLead: SAMR_CHECKS.reminderLead,
  };
  await inTransaction(suite.db.pool, (c) =>
    insertCheck(
      c,
      { applicationId, province, drawKey: input.drawKey, result: 'non-conforming', findings: input.findings, recordedBy: input.openedBy, recordedAt: openedAt, idempotencyKey: null, requestSha256: 'x' },
      { workflowId: samrFindingWorkflowId(applicationId), limit: input.limit },
    ),
  );
  const h = await ctx.env.client.workflow.start(samrFinding, { taskQueue: TASK_QUEUE, workflowId: samrFindingWorkflowId(applicationId), args: [input] });
  const opened = await eventually(() => h.query(samrFindingQuery), (v) => v?.dueAt !== null);
  return { h, input, opened };
}

/** Mid-December of this year (or next, if it has passed), 09:00 in Shanghai: the server clock moves there. */
async function toMidDecember(ctx: TimeSkippingCtx): Promise<number> {
  const now = await ctx.now();
  let year = Number(shanghaiDate(now).slice(0, 4));
  if (Date.parse(`${year}-12-15T09:00:00+08:00`) <= now) year++;
  await ctx.sleepUntil(Date.parse(`${year}-12-15T09:00:00+08:00`));
  return year;
}

async function notices(applicationId: string) {
  const r = await suite.db.pool.query<{ kind: string; recipient_role: string }>(`SELECT kind, recipient_role FROM notifications WHERE application_id = $1 ORDER BY id`, [applicationId]);
  return r.rows.map((x) => `${x.kind}→${x.recipient_role}`);
}

describe('SAMR findings (R06)', () => {
  it('R06: unanswered for 20 working days (across weekends and New Year\'s Day) the finding is reminded, then escalated to SAMR and marked overdue; a late answer is recorded as late', async () => {
    await withServer(async (ctx) => {
      // Mid-December, Shanghai: 20 working days run over four weekends and New Year's Day.
      const year = await toMidDecember(ctx);
      const { h, input, opened } = await openFinding(ctx);

      const sla = await createCalendarActivities().computeDeadline({ startedAt: input.openedAt, workingDays: 20, pauses: [] });
      expect(opened.dueAt).toBe(sla.deadlineAt);
      expect(sla.countedDays).toHaveLength(20);
      expect(sla.countedDays).not.toContain(`${year + 1}-01-01`);
      for (const d of sla.countedDays) expect([0, 6]).not.toContain(new Date(`${d}T12:00:00Z`).getUTCDay());
      // Four weekends and a holiday: well beyond 20 calendar days.
      expect(opened.dueDate! > addCalendarDays(shanghaiDate(input.openedAt), 27)).toBe(true);
      const row = await findFinding(suite.db.pool, input.applicationId);
      expect(row).toMatchObject({ status: 'open', dueAt: opened.dueAt, dueDate: opened.dueDate, overdue: false, province: 'BJ' });

      // An hour before the end: reminded, not yet overdue.
      const dueMs = Date.parse(opened.dueAt!);
      await ctx.sleepUntil(dueMs - HOUR);
      const before = await eventually(() => h.query(samrFindingQuery), (v) => v.remindedAt !== null);
      expect(before).toMatchObject({ status: 'open', overdue: false, escalatedAt: null });
      expect(await notices(input.applicationId)).toEqual(['samr-finding→supervisor', 'samr-finding-due→supervisor']);

      // Past the end: escalated once, overdue in the workflow, the database and the Temporal UI.
      await ctx.sleepUntil(dueMs + 60_000);
      const after = await eventually(() => h.query(samrFindingQuery), (v) => v.overdue);
      expect(after.escalatedAt).not.toBeNull();
      const sa = await eventually(async () => (await h.describe()).typedSearchAttributes, (x) => x.get(SA.overdue) === true);
      expect([sa.get(SA.stage), sa.get(SA.waitingOn), sa.get(SA.province), sa.get(SA.overdue), sa.get(SA.deadline)?.toISOString()]).toEqual([
        'samr-finding', 'supervisor', 'BJ', true, opened.dueAt,
      ]);
      const overdueRow = await eventually(() => findFinding(suite.db.pool, input.applicationId), (v) => v?.overdue === true);
      expect(overdueRow?.escalatedAt).not.toBeNull();
      expect(await eventually(() => notices(input.applicationId), (n) => n.length === 4)).toEqual([
        'samr-finding→supervisor', 'samr-finding-due→supervisor', 'samr-finding-overdue→samr', 'samr-finding-overdue→supervisor',
      ]);

      // The province still owes the answer; given now, it closes the finding as late.
      const answered = await h.executeUpdate(answerSamrFindingUpdate, { args: [{ actor: staff('supervisor', 'BJ', 'sup-bj'), response: '已责令企业补全检验记录', measures: '约谈企业负责人并复查' }] });
      expect(answered).toMatchObject({ status: 'answered', overdue: true, answer: { by: 'sup-bj', inTime: false } });
      expect((await h.result()).status).toBe('answered');
      expect((await samrHistory(suite.db.pool, input.applicationId)).map((a) => a.action)).toEqual([
        'samr-check-non-conforming', 'samr-finding-opened', 'samr-finding-overdue', 'samr-finding-answered',
      ]);
      expect(await findFinding(suite.db.pool, input.applicationId)).toMatchObject({ status: 'answered', overdue: true, answer: { inTime: false, by: 'sup-bj' } });
    });
  });

  it('R06: answered in time by the province\'s supervisor, the finding closes without escalation; another province, SAMR and a second answer are refused', async () => {
    await withServer(async (ctx) => {
      const { h, input, opened } = await openFinding(ctx);
      const answer = { response: '已核实并整改', measures: '暂停该企业生产并复查' };

      expect(await refusal(h.executeUpdate(answerSamrFindingUpdate, { args: [{ actor: staff('supervisor', 'SH', 'sup-sh'), ...answer }] }))).toEqual({
        type: 'forbidden', message: expect.stringMatching(/belongs to province BJ, not SH \(R01\)/),
      });
      expect((await refusal(h.executeUpdate(answerSamrFindingUpdate, { args: [{ actor: { id: 'samr-1', role: 'samr' }, ...answer }] }))).type).toBe('forbidden');

      const done = await h.executeUpdate(answerSamrFindingUpdate, { args: [{ actor: staff('supervisor', 'BJ', 'sup-bj'), ...answer }] });
      expect(done).toMatchObject({ status: 'answered', overdue: false, escalatedAt: null, answer: { ...answer, by: 'sup-bj', inTime: true } });
      const result = await h.result();
      expect(result.status).toBe('answered');
      expect((await h.describe()).typedSearchAttributes.get(SA.waitingOn)).toBe('nobody');
      // Closed: a second answer reaches no running finding.
      await expect(h.executeUpdate(answerSamrFindingUpdate, { args: [{ actor: staff('supervisor', 'BJ', 'sup-bj'), ...answer }] })).rejects.toThrow();

      // Long after the due date, nothing was escalated.
      await ctx.sleepUntil(Date.parse(opened.dueAt!) + 24 * HOUR);
      expect(await notices(input.applicationId)).toEqual(['samr-finding→supervisor', 'samr-finding-answered→samr']);
      const history = await samrHistory(suite.db.pool, input.applicationId);
      expect(history.map((a) => a.action)).toEqual(['samr-check-non-conforming', 'samr-finding-opened', 'samr-finding-answered']);
      expect(history[2]).toMatchObject({ by: 'sup-bj', role: 'supervisor', reason: answer.response, details: expect.objectContaining({ measures: answer.measures, inTime: true }) });
    });
  });

  it("R06, L03: next year's holiday notice loaded while a finding is open moves its due date within a day (daily re-check); it is escalated at the new end, not the old", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lp-calendar-samr-'));
    try {
      await withServer(async (ctx) => {
        const year = await toMidDecember(ctx);
        const next = year + 1;
        // This calendar directory knows no year after `year`: the end of the limit is provisional.
        for (const f of readdirSync(DEFAULT_CALENDAR_DIR).filter((n) => /^\d{4}\.json$/.test(n) && Number(n.slice(0, 4)) <= year)) {
          copyFileSync(path.join(DEFAULT_CALENDAR_DIR, f), path.join(dir, f));
        }
        const { h, input, opened } = await openFinding(ctx);
        const provisional = loadCalendar(dir).computeSlaDeadline({ startedAt: input.openedAt, workingDays: 20 });
        expect(provisional.provisional).toBe(true);
        expect(opened.dueDate).toBe(provisional.deadlineDate);

        // Two days later ops load next year's notice, with one more day off inside the limit.
        await ctx.sleepUntil(Date.parse(opened.openedAt) + 2 * 24 * HOUR);
        const extraDayOff = provisional.countedDays.find((d) => d.startsWith(`${next}-`))!;
        const daysOff = [...new Set([...statutoryHolidays(next).map((x) => x.date), extraDayOff])].sort();
        writeFileSync(path.join(dir, `${next}.json`), JSON.stringify({ year: next, source: `test notice for ${next}`, daysOff, workingWeekends: [] }));
        const published = loadCalendar(dir).computeSlaDeadline({ startedAt: input.openedAt, workingDays: 20 });
        expect(published.deadlineDate! > provisional.deadlineDate!).toBe(true);

        await ctx.sleepUntil(Date.parse(opened.openedAt) + 3 * 24 * HOUR + HOUR);
        const moved = await eventually(() => h.query(samrFindingQuery), (v) => v.dueDate === published.deadlineDate);
        expect(moved).toMatchObject({ dueAt: published.deadlineAt, overdue: false });
        expect(await eventually(() => findFinding(suite.db.pool, input.applicationId), (v) => v?.dueDate === published.deadlineDate)).toMatchObject({ dueAt: published.deadlineAt });
        expect((await eventually(async () => (await h.describe()).typedSearchAttributes, (x) => x.get(SA.deadline)?.toISOString() === published.deadlineAt)).get(SA.deadline)?.toISOString()).toBe(published.deadlineAt);

        // The old end passes: nothing. The new end passes: escalated.
        await ctx.sleepUntil(Date.parse(provisional.deadlineAt!) + HOUR);
        expect(await h.query(samrFindingQuery)).toMatchObject({ overdue: false, escalatedAt: null });
        await ctx.sleepUntil(Date.parse(published.deadlineAt!) + HOUR);
        expect((await eventually(() => h.query(samrFindingQuery), (v) => v.overdue)).overdue).toBe(true);
      }, createActivities({ pool: suite.db.pool, calendarDir: dir }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
