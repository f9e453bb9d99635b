/**
 * L03: a deadline that falls in a year without a published holiday notice is provisional. When
 * ops load that year's file, open cases recompute their deadline when the timer fires: a case
 * is never declared overdue on a provisional date that the real notice moved.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { DEFAULT_CALENDAR_DIR, loadCalendar } from '../../infra/calendar';
import { statutoryHolidays } from '../../domain/calendar';
import { acceptUpdate, statusQuery } from '../../domain/approval/messages';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { makeApplication, staff } from '../helpers/fixtures';
import { workflowSuite } from '../helpers/workflow-suite';
import { eventually } from '../helpers/time-skipping';
import { SA } from '../../domain/search-attributes';

const suite = workflowSuite('test-recompute');
let calendarDir: string;

beforeAll(() => {
  calendarDir = mkdtempSync(path.join(tmpdir(), 'lp-calendar-'));
});
afterAll(() => {
  if (calendarDir) rmSync(calendarDir, { recursive: true, force: true });
});

const at = (date: string, time: string) => Date.parse(`${date}T${time}+08:00`);

describe('provisional deadlines', () => {
  it('L03: a provisional deadline moved later by a newly loaded year file is recomputed when its timer fires; no false breach', async () => {
    await suite.withServer(async (ctx) => {
      // Accept a few working days before the end of the year, so the 5-working-day window
      // reaches into next year, for which this calendar directory has no file yet.
      const today = shanghaiDate(await ctx.now());
      const year = Number(today.slice(0, 4)) + (today.slice(5) > '12-20' ? 1 : 0);
      const next = year + 1;
      for (const f of readdirSync(DEFAULT_CALENDAR_DIR).filter((n) => /^\d{4}\.json$/.test(n) && Number(n.slice(0, 4)) <= year)) {
        copyFileSync(path.join(DEFAULT_CALENDAR_DIR, f), path.join(calendarDir, f));
      }
      const before = loadCalendar(calendarDir);
      let acceptDay = `${year}-12-28`;
      while (!before.isWorkingDay(acceptDay)) acceptDay = addCalendarDays(acceptDay, -1);
      await ctx.sleepUntil(at(acceptDay, '10:00:00'));

      const h = await ctx.start(makeApplication());
      await eventually(() => h.query(statusQuery), (s) => s.stage === 'received'); // intake gates done
      const accepted = await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      const provisional = before.computeSlaDeadline({ startedAt: accepted.acceptedAt, workingDays: 5 });
      expect(provisional.provisional).toBe(true);
      expect(accepted.deadline).toMatchObject({ deadlineDate: provisional.deadlineDate, provisional: true });

      // Next year's notice is published: it gives one more day off inside the window.
      const extraDayOff = provisional.countedDays.find((d) => d.startsWith(`${next}-`))!;
      const daysOff = [...new Set([...statutoryHolidays(next).map((x) => x.date), extraDayOff])].sort();
      writeFileSync(
        path.join(calendarDir, `${next}.json`),
        JSON.stringify({ year: next, source: `test notice for ${next}`, daysOff, workingWeekends: [] }),
      );
      const published = loadCalendar(calendarDir).computeSlaDeadline({ startedAt: accepted.acceptedAt, workingDays: 5 });
      expect(published.provisional).toBe(false);
      expect(published.deadlineDate! > provisional.deadlineDate!).toBe(true);

      // The provisional deadline passes: the timer fires, the clock recomputes, no breach.
      await ctx.sleepUntil(at(addCalendarDays(provisional.deadlineDate!, 1), '00:30:00'));
      const moved = await eventually(() => h.query(statusQuery), (s) => s.deadline?.deadlineDate === published.deadlineDate);
      expect(moved.deadline).toMatchObject({ deadlineDate: published.deadlineDate, provisional: false, overdue: false });
      expect(moved.breach).toBeUndefined();

      // The real deadline passes: now it is a breach.
      await ctx.sleepUntil(at(addCalendarDays(published.deadlineDate!, 1), '10:00:00'));
      const late = await eventually(() => h.query(statusQuery), (s) => s.breach !== undefined);
      expect(late.breach?.escalatedTo).toBe('supervisor:BJ');
    }, createActivities({ pool: suite.db.pool, calendarDir }));
  });
  it('L03: a deadline that a newly loaded year file moves EARLIER is adopted by the daily re-check, long before the old timer fires', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lp-calendar-earlier-'));
    try {
      await suite.withServer(async (ctx) => {
        const today = shanghaiDate(await ctx.now());
        const year = Number(today.slice(0, 4)) + (today.slice(5) > '12-20' ? 1 : 0);
        const next = year + 1;
        for (const f of readdirSync(DEFAULT_CALENDAR_DIR).filter((n) => /^\d{4}\.json$/.test(n) && Number(n.slice(0, 4)) <= year)) {
          copyFileSync(path.join(DEFAULT_CALENDAR_DIR, f), path.join(dir, f));
        }
        const before = loadCalendar(dir);
        let acceptDay = `${year}-12-28`;
        while (!before.isWorkingDay(acceptDay)) acceptDay = addCalendarDays(acceptDay, -1);
        await ctx.sleepUntil(at(acceptDay, '10:00:00'));

        const h = await ctx.start(makeApplication());
        await eventually(() => h.query(statusQuery), (s) => s.stage === 'received');
        const accepted = await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
        const provisional = before.computeSlaDeadline({ startedAt: accepted.acceptedAt, workingDays: 5 });
        expect(accepted.deadline).toMatchObject({ deadlineDate: provisional.deadlineDate, provisional: true });

        // Next year's notice makes a weekend day inside the window a working day (调休上班).
        const holidays = statutoryHolidays(next).map((x) => x.date);
        let workingWeekend = `${next}-01-01`;
        while (workingWeekend < provisional.deadlineDate! && (before.isWorkingDay(workingWeekend) || holidays.includes(workingWeekend))) {
          workingWeekend = addCalendarDays(workingWeekend, 1);
        }
        expect(workingWeekend < provisional.deadlineDate!, 'a weekend day inside the window').toBe(true);
        writeFileSync(path.join(dir, `${next}.json`), JSON.stringify({ year: next, source: `test notice for ${next}`, daysOff: holidays, workingWeekends: [workingWeekend] }));
        const published = loadCalendar(dir).computeSlaDeadline({ startedAt: accepted.acceptedAt, workingDays: 5 });
        expect(published.deadlineDate! < provisional.deadlineDate!).toBe(true);

        // A day later (the old deadline still days away) the case already shows the new deadline.
        await ctx.sleepUntil(at(addCalendarDays(acceptDay, 1), '12:00:00'));
        const moved = await eventually(() => h.query(statusQuery), (s) => s.deadline?.deadlineDate === published.deadlineDate);
        expect(moved.deadline).toMatchObject({ deadlineDate: published.deadlineDate, provisional: false, calendarVersion: published.calendarVersion });
        const sa = (await h.describe()).typedSearchAttributes;
        expect(sa.get(SA.deadline)?.toISOString()).toBe(published.deadlineAt);
        const row = await suite.db.pool.query('SELECT deadline_at FROM applications WHERE id = $1', [moved.applicationId]);
        expect(new Date(row.rows[0].deadline_at).toISOString()).toBe(published.deadlineAt);

        // The new deadline passes: overdue at once, before the old deadline's day has ended.
        await ctx.sleepUntil(at(addCalendarDays(published.deadlineDate!, 1), '00:30:00'));
        const late = await eventually(() => h.query(statusQuery), (s) => s.breach !== undefined);
        expect(late.deadline?.overdue).toBe(true);
        expect((await h.describe()).typedSearchAttributes.get(SA.overdue)).toBe(true);
      }, createActivities({ pool: suite.db.pool, calendarDir: dir }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
