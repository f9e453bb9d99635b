import { describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR_DIR, loadCalendar } from '../../infra/calendar';

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
      paused: false,
      startDate: '2026-03-02',
      workingDays: 5,
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

  it('L02: a pause opened after the limit was reached changes nothing', () => {
    const r = sla({ startedAt: at('2026-03-02'), workingDays: 5, pauses: [{ from: at('2026-03-09', '18:00'), to: null }] });
    expect(r.deadlineDate).toBe('2026-03-09');
    expect(r.paused).toBe(false);
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
