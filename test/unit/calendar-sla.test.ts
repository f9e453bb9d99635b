import { describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR_DIR, loadCalendar } from '../../infra/calendar';
import { POLICY_VERSIONS } from '../../domain/policy';
import { limitInput } from '../../workflows/approval/decision-clock';

const calendar = loadCalendar(DEFAULT_CALENDAR_DIR);
const sla = calendar.computeSlaDeadline.bind(calendar);
const at = (d: string, t = '10:00') => `${d}T${t}:00+08:00`;

describe('SLA clock', () => {
  it('R07: decision deadline is 5 working days after acceptance, end of day Shanghai', () => {
    const r = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [] });
    expect(r).toEqual({
      deadlineAt: '2026-03-09T15:59:59.999Z',
      deadlineDate: '2026-03-09',
      provisional: false,
      calendarVersion: calendar.version,
      countedDays: ['2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-09'],
      pausedWorkingDays: 0,
      graceDays: 0,
      paused: false,
      startDate: '2026-03-02',
      workingDays: 5,
      unit: 'working-days',
      asOfDate: null,
      usedWorkingDays: null,
      remainingWorkingDays: null,
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // plain JSON, safe for Temporal history
  });

  it('R07: used and left as of a given instant', () => {
    const r = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [], asOf: at('2026-03-05', '08:00') });
    expect(r.asOfDate).toBe('2026-03-05');
    expect(r.usedWorkingDays).toBe(3); // 03, 04 and today (05) count as used
    expect(r.remainingWorkingDays).toBe(2);
    const late = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [], asOf: at('2026-03-20') });
    expect(late.remainingWorkingDays).toBe(0);
  });

  it('R07: workingDays = 0 → the deadline is the end of the start day', () => {
    const r = sla({ startedAt: at('2026-10-03'), workingDays: 0, pauses: [] });
    expect(r.deadlineDate).toBe('2026-10-03');
    expect(r.countedDays).toEqual([]);
  });

  it('L02: a pause spanning Mid-Autumn and National Day: the start day of the pause counts, the clock restarts the day after resumption', () => {
    const r = sla({ startedAt: at('2026-09-21', '09:00'), workingDays: 5, pauses: [{ from: at('2026-09-23'), to: at('2026-10-09') }] });
    // 09-22, 09-23 counted; 09-24..10-09 paused; 10-10 is a working Saturday.
    expect(r.countedDays).toEqual(['2026-09-22', '2026-09-23', '2026-10-10', '2026-10-12', '2026-10-13']);
    expect(r.deadlineDate).toBe('2026-10-13');
    expect(r.pausedWorkingDays).toBe(6); // 09-24, 09-28, 09-29, 09-30, 10-08, 10-09
    const unpaused = sla({ startedAt: at('2026-09-21', '09:00'), workingDays: 5, pauses: [] });
    expect(unpaused.deadlineDate).toBe('2026-09-29'); // 22, 23, 24, (25–27 Mid-Autumn), 28, 29
  });

  it('L02: a pause over Spring Festival 2026 that ends on a holiday excludes only the working days in it', () => {
    const r = sla({ startedAt: at('2026-02-11'), workingDays: 5, pauses: [{ from: at('2026-02-12'), to: at('2026-02-20') }] });
    // 02-12 counted (pause starts that day); 02-13 and the working Saturday 02-14 paused; 02-15..02-20 off anyway.
    expect(r.pausedWorkingDays).toBe(2);
    expect(r.countedDays).toEqual(['2026-02-12', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27']);
  });

  it('L02: a pause within one day excludes nothing', () => {
    const r = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-03', '09:00'), to: at('2026-03-03', '17:00') }] });
    expect(r.deadlineDate).toBe('2026-03-09');
    expect(r.pausedWorkingDays).toBe(0);
  });

  it('L02: pause days are judged in Shanghai time (a resumption at 23:30 Shanghai is that day, 00:30 is the next)', () => {
    const a = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-03'), to: '2026-03-04T15:30:00Z' }] });
    const b = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-03'), to: '2026-03-04T16:30:00Z' }] });
    expect(a.countedDays).toEqual(['2026-03-03', '2026-03-05', '2026-03-06', '2026-03-09', '2026-03-10']);
    expect(b.countedDays).toEqual(['2026-03-03', '2026-03-06', '2026-03-09', '2026-03-10', '2026-03-11']);
  });

  it('L02: overlapping and adjacent pauses are merged, in any order', () => {
    const single = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-03'), to: at('2026-03-12') }] });
    const split = sla({
      startedAt: at('2026-03-02'),
      workingDays: 5,
      pauses: [
        { from: at('2026-03-06'), to: at('2026-03-12') },
        { from: at('2026-03-03'), to: at('2026-03-09') },
        { from: at('2026-03-04'), to: at('2026-03-05') },
      ],
    });
    expect(split.countedDays).toEqual(single.countedDays);
    expect(split.pausedWorkingDays).toBe(single.pausedWorkingDays);
    expect(single.countedDays).toEqual(['2026-03-03', '2026-03-13', '2026-03-16', '2026-03-17', '2026-03-18']);
    expect(single.pausedWorkingDays).toBe(7);
  });

  it('L02: an open pause stops the clock: no deadline, the days counted so far', () => {
    const r = sla({ startedAt: at('2026-09-21'), workingDays: 5, pauses: [{ from: at('2026-09-23'), to: null }], asOf: at('2026-10-09') });
    expect(r.deadlineAt).toBeNull();
    expect(r.deadlineDate).toBeNull();
    expect(r.paused).toBe(true);
    expect(r.countedDays).toEqual(['2026-09-22', '2026-09-23']);
    expect(r.pausedWorkingDays).toBe(6);
    expect(r.usedWorkingDays).toBe(2);
    expect(r.remainingWorkingDays).toBe(3);
    const noAsOf = sla({ startedAt: at('2026-09-21'), workingDays: 5, pauses: [{ from: at('2026-09-23'), to: null }] });
    expect(noAsOf.pausedWorkingDays).toBe(0);
    expect(noAsOf.deadlineAt).toBeNull();
  });

  it('L02: a pause opened after the deadline day changes nothing', () => {
    // Deadline 03-09 (Monday); a pause opened the next morning comes too late.
    const r = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-10', '09:00'), to: null }] });
    expect(r.deadlineDate).toBe('2026-03-09');
    expect(r.paused).toBe(false);
    expect(r.graceDays).toBe(0);
    // A pause opened at 23:59 on the deadline day is still in time (the deadline is the end of the day).
    const lastMinute = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-09', '23:59'), to: null }] });
    expect(lastMinute.paused).toBe(true);
    expect(lastMinute.deadlineAt).toBeNull();
  });

  // The partial-day rule (README "Working days", domain/calendar/README.md): the day a pause begins
  // counts as used; the clock restarts the day after the resumption with what was left, never
  // fewer than one day. 2026-03-02 is a Monday; unpaused, the deadline is Monday 03-09.
  it('L02: a pause begun on day 1 — day 1 is used, four days remain after the resumption', () => {
    const r = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-03', '09:00'), to: at('2026-03-05', '16:00') }] });
    expect(r.countedDays).toEqual(['2026-03-03', '2026-03-06', '2026-03-09', '2026-03-10', '2026-03-11']);
    expect(r.deadlineDate).toBe('2026-03-11');
    expect(r.pausedWorkingDays).toBe(2);
    expect(r.graceDays).toBe(0);
    // Begun on the acceptance day itself (day 0): nothing used yet, all five remain.
    const day0 = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-02', '15:00'), to: at('2026-03-04') }] });
    expect(day0.countedDays).toEqual(['2026-03-05', '2026-03-06', '2026-03-09', '2026-03-10', '2026-03-11']);
  });

  it('L02: a pause begun on the last day stops the clock; after it, one working day remains (never fewer than one)', () => {
    const open = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-09', '16:00'), to: null }], asOf: at('2026-03-11') });
    expect(open).toMatchObject({ deadlineAt: null, deadlineDate: null, paused: true, usedWorkingDays: 5, remainingWorkingDays: 1, graceDays: 1, pausedWorkingDays: 2 });
    const closed = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-09', '16:00'), to: at('2026-03-12', '10:00') }] });
    expect(closed.countedDays).toEqual(['2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-09', '2026-03-13']);
    expect(closed.deadlineDate).toBe('2026-03-13');
    expect(closed.graceDays).toBe(1);
    // Even a pause opened and closed within the last day leaves that one day.
    const sameDay = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-09', '09:00'), to: at('2026-03-09', '11:00') }] });
    expect(sameDay.deadlineDate).toBe('2026-03-10');
    expect(sameDay.pausedWorkingDays).toBe(0);
  });

  it('L02/L03: a pause begun on the last day and spanning National Day: the remaining day is the first working day after the resumption', () => {
    // Accepted Mon 2026-09-21: 22, 23, 24, (25-27 Mid-Autumn), 28, 29 → deadline 09-29.
    const r = sla({ startedAt: at('2026-09-21'), workingDays: 5, pauses: [{ from: at('2026-09-29', '17:00'), to: at('2026-10-08', '09:00') }] });
    // 09-30 and 10-08 are excluded (10-01..07 are off anyway); day 6 is Friday 10-09.
    expect(r.countedDays).toEqual(['2026-09-22', '2026-09-23', '2026-09-24', '2026-09-28', '2026-09-29', '2026-10-09']);
    expect(r.pausedWorkingDays).toBe(2);
    expect(r.deadlineDate).toBe('2026-10-09');
    // Resumed during the holiday (10-05): the next working day after it, 10-08.
    const midHoliday = sla({ startedAt: at('2026-09-21'), workingDays: 5, pauses: [{ from: at('2026-09-29', '17:00'), to: at('2026-10-05', '09:00') }] });
    expect(midHoliday.deadlineDate).toBe('2026-10-08');
  });

  it('L02: two overlapping pauses — the clock stays stopped while either is open, the days left when the first began remain', () => {
    const p1 = { from: at('2026-03-03'), to: at('2026-03-06') };
    const whileOpen = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [p1, { from: at('2026-03-05'), to: null }], asOf: at('2026-03-09') });
    expect(whileOpen).toMatchObject({ paused: true, deadlineAt: null, usedWorkingDays: 1, remainingWorkingDays: 4 });
    const both = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [p1, { from: at('2026-03-05'), to: at('2026-03-10') }] });
    expect(both.countedDays).toEqual(['2026-03-03', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-16']);
    // Overlapping pauses that begin on the last day grant the one remaining day once, not twice.
    const onLast = sla({
      startedAt: at('2026-03-02'),
      workingDays: 5,
      pauses: [
        { from: at('2026-03-09', '09:00'), to: at('2026-03-11') },
        { from: at('2026-03-10'), to: at('2026-03-12') },
      ],
    });
    expect(onLast.graceDays).toBe(1);
    expect(onLast.deadlineDate).toBe('2026-03-13');
  });

  it('L02: resumed on a non-working day — the clock restarts on the next working day', () => {
    // Paused Wed 03-04 (used: 03, 04), resumed Saturday 03-07: 3 left → Mon 09, Tue 10, Wed 11.
    const r = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-04'), to: at('2026-03-07', '11:00') }] });
    expect(r.countedDays).toEqual(['2026-03-03', '2026-03-04', '2026-03-09', '2026-03-10', '2026-03-11']);
    // Begun on the last day (Mon 03-09), resumed Saturday 03-14: the one day left is Monday 03-16.
    const last = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-09'), to: at('2026-03-14', '11:00') }] });
    expect(last.deadlineDate).toBe('2026-03-16');
    // A pause begun on a rest day before the deadline: only the working days before it are used.
    const weekend = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-07'), to: at('2026-03-10') }] });
    expect(weekend.countedDays).toEqual(['2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-11']);
  });

  it("L02/L03: unit 'days' counts calendar days; a period ending on a rest day or holiday ends on the next working day", () => {
    const r = sla({ startedAt: at('2026-03-02'), workingDays: 30, unit: 'days' });
    expect(r).toMatchObject({ deadlineDate: '2026-04-01', unit: 'days', graceDays: 0 });
    expect(r.countedDays).toHaveLength(30);
    // 5 days from Monday 03-02 end on Saturday 03-07 → Monday 03-09.
    expect(sla({ startedAt: at('2026-03-02'), workingDays: 5, unit: 'days' }).deadlineDate).toBe('2026-03-09');
    // 10 days from 09-21 end on 10-01 (National Day) → 10-08.
    expect(sla({ startedAt: at('2026-09-21'), workingDays: 10, unit: 'days' }).deadlineDate).toBe('2026-10-08');
    // Pauses exclude calendar days: 03-03 used, 04-05 excluded, then 06, 07, 08, 09.
    const paused = sla({ startedAt: at('2026-03-02'), workingDays: 5, unit: 'days', pauses: [{ from: at('2026-03-03'), to: at('2026-03-05') }] });
    expect(paused.countedDays).toEqual(['2026-03-03', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09']);
    expect(paused.pausedWorkingDays).toBe(2);
    // A pause begun on Sunday 03-08, after the last counted day (Sat 03-07) but before the period
    // ended (Mon 03-09), still stops it: one day remains after it.
    const rest = sla({ startedAt: at('2026-03-02'), workingDays: 5, unit: 'days', pauses: [{ from: at('2026-03-08'), to: at('2026-03-10') }] });
    expect(rest).toMatchObject({ deadlineDate: '2026-03-11', graceDays: 1 });
    expect(() => sla({ startedAt: at('2026-03-02'), workingDays: 5, unit: 'weeks' as 'days' })).toThrow(/unit/);
  });

  it("L01/R07: both clocks pass the policy table's unit to the calendar: 'days' counts calendar days, 'working-days' stays as it was", () => {
    expect(limitInput({ n: 30, unit: 'days' })).toEqual({ workingDays: 30, unit: 'days' });
    // Working days: the input is exactly what cases in flight sent before units were honoured.
    expect(limitInput({ n: 5, unit: 'working-days' })).toEqual({ workingDays: 5 });
    const days = sla({ startedAt: at('2026-03-02'), ...limitInput({ n: 5, unit: 'days' }) });
    const working = sla({ startedAt: at('2026-03-02'), ...limitInput({ n: 5, unit: 'working-days' }) });
    expect([days.deadlineDate, working.deadlineDate]).toEqual(['2026-03-09', '2026-03-09']);
    expect(sla({ startedAt: at('2026-03-02'), ...limitInput({ n: 6, unit: 'days' }) }).deadlineDate).toBe('2026-03-09'); // Sunday 03-08 → Monday
    expect(sla({ startedAt: at('2026-03-02'), ...limitInput({ n: 6, unit: 'working-days' }) }).deadlineDate).toBe('2026-03-10');
    // Every acceptance and decision limit in the table has a unit the calendar understands.
    for (const v of POLICY_VERSIONS) {
      for (const l of [v.limits.acceptance, v.limits.simplifiedDecision, v.limits.standardDecision]) expect(['working-days', 'days']).toContain(l.unit);
    }
  });

  it('L02: pauses may not lie after asOf', () => {
    expect(() => sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-09'), to: null }], asOf: at('2026-03-05') })).toThrow(/after asOf/);
    expect(() => sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-03'), to: at('2026-03-09') }], asOf: at('2026-03-05') })).toThrow(
      /after asOf/,
    );
  });

  it('L02/L03: a pause into a provisional year makes the deadline provisional', () => {
    const r = sla({ startedAt: at('2026-12-21'), workingDays: 5, pauses: [{ from: at('2026-12-22'), to: at('2026-12-31') }] });
    expect(r.countedDays).toEqual(['2026-12-22', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07']);
    expect(r.provisional).toBe(true);
  });
});
