import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CalendarInputError, endOfDayShanghai, shanghaiDate, statutoryHolidays } from '../../domain/calendar';
import { DEFAULT_CALENDAR_DIR, loadCalendar } from '../../infra/calendar';
import * as cal from '../../infra/calendar';
import { HAND_NOTICES, datesFrom, handIsWorkingDay, isWeekendDate } from '../fixtures/calendar/notices';

const calendar = loadCalendar(DEFAULT_CALENDAR_DIR);
const COVERED = [2020, 2021, 2022, 2023, 2024, 2025, 2026];

describe('year files against the notices', () => {
  it('L03: every date 2020-01-01..2026-12-31 has the working status the hand-typed notices give', () => {
    const wrong = datesFrom('2020-01-01', '2026-12-31')
      .filter((d) => calendar.isWorkingDay(d) !== handIsWorkingDay(d))
      .map((d) => `${d}: calendar says ${calendar.isWorkingDay(d) ? 'working' : 'off'}`);
    expect(wrong).toEqual([]);
  });

  it('L03: 2026 is exactly the arrangement in DOMAIN.md (国办发明电〔2025〕7号)', () => {
    const file = JSON.parse(readFileSync(path.join(DEFAULT_CALENDAR_DIR, '2026.json'), 'utf8')) as { year: number; source: string; daysOff: string[]; workingWeekends: string[] };
    const blocks: [string, string][] = [['01-01', '01-03'], ['02-15', '02-23'], ['04-04', '04-06'], ['05-01', '05-05'], ['06-19', '06-21'], ['09-25', '09-27'], ['10-01', '10-07']];
    const expectedOff = blocks.flatMap(([a, b]) => datesFrom(`2026-${a}`, `2026-${b}`));
    expect(file.year).toBe(2026);
    expect(file.source).toContain('国办发明电〔2025〕7号');
    expect([...file.daysOff].sort()).toEqual(expectedOff);
    expect([...file.workingWeekends].sort()).toEqual(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
    for (const d of expectedOff) expect(cal.isWorkingDay(d), d).toBe(false);
    for (const d of file.workingWeekends) expect(cal.isWorkingDay(d), d).toBe(true);
  });

  it('L03: every covered year has a file naming its notice, and no answer for it is provisional', () => {
    expect(calendar.years).toEqual(COVERED);
    for (const n of HAND_NOTICES) {
      const src = calendar.sourceOf(n.year);
      expect(src.provisional).toBe(false);
      expect(src.source).toMatch(/^国务院办公厅关于\d{4}年部分节假日安排的通知 \(国办发明电〔\d{4}〕\d+号\)/);
      for (const d of datesFrom(`${n.year}-01-01`, `${n.year}-12-31`)) if (d.endsWith('-01')) expect(calendar.dayInfo(d).provisional).toBe(false);
    }
  });

  it('L03: the generated files agree with the statutory holidays computed from the lunar calendar (every one is off)', () => {
    for (const year of COVERED) {
      for (const h of statutoryHolidays(year)) expect(calendar.isWorkingDay(h.date), `${year} ${h.name} ${h.date}`).toBe(false);
    }
  });
});

/**
 * Both sides of Spring Festival and National Day, per year, stated by hand from the notices:
 * the last working day before the block, the block, the first working day after it.
 */
const BOUNDARIES: { year: number; festival: string; lastBefore: string; block: [string, string]; firstAfter: string; note?: string }[] = [
  { year: 2020, festival: 'Spring Festival', lastBefore: '2020-01-23', block: ['2020-01-24', '2020-02-02'], firstAfter: '2020-02-03', note: 'extended by 国办发明电〔2020〕1号' },
  { year: 2020, festival: 'National Day', lastBefore: '2020-09-30', block: ['2020-10-01', '2020-10-08'], firstAfter: '2020-10-09' },
  { year: 2021, festival: 'Spring Festival', lastBefore: '2021-02-10', block: ['2021-02-11', '2021-02-17'], firstAfter: '2021-02-18' },
  { year: 2021, festival: 'National Day', lastBefore: '2021-09-30', block: ['2021-10-01', '2021-10-07'], firstAfter: '2021-10-08' },
  { year: 2022, festival: 'Spring Festival', lastBefore: '2022-01-30', block: ['2022-01-31', '2022-02-06'], firstAfter: '2022-02-07', note: 'the day before is a working Sunday' },
  { year: 2022, festival: 'National Day', lastBefore: '2022-09-30', block: ['2022-10-01', '2022-10-07'], firstAfter: '2022-10-08', note: 'the day after is a working Saturday' },
  { year: 2023, festival: 'Spring Festival', lastBefore: '2023-01-20', block: ['2023-01-21', '2023-01-27'], firstAfter: '2023-01-28', note: 'the day after is a working Saturday' },
  { year: 2023, festival: 'National Day', lastBefore: '2023-09-28', block: ['2023-09-29', '2023-10-06'], firstAfter: '2023-10-07', note: 'merged with Mid-Autumn' },
  { year: 2024, festival: 'Spring Festival', lastBefore: '2024-02-09', block: ['2024-02-10', '2024-02-17'], firstAfter: '2024-02-18', note: '除夕 02-09 is a working day (only "encouraged" off); the day after is a working Sunday' },
  { year: 2024, festival: 'National Day', lastBefore: '2024-09-30', block: ['2024-10-01', '2024-10-07'], firstAfter: '2024-10-08' },
  { year: 2025, festival: 'Spring Festival', lastBefore: '2025-01-27', block: ['2025-01-28', '2025-02-04'], firstAfter: '2025-02-05' },
  { year: 2025, festival: 'National Day', lastBefore: '2025-09-30', block: ['2025-10-01', '2025-10-08'], firstAfter: '2025-10-09', note: 'merged with Mid-Autumn' },
  { year: 2026, festival: 'Spring Festival', lastBefore: '2026-02-14', block: ['2026-02-15', '2026-02-23'], firstAfter: '2026-02-24', note: 'the day before is a working Saturday' },
  { year: 2026, festival: 'National Day', lastBefore: '2026-09-30', block: ['2026-10-01', '2026-10-07'], firstAfter: '2026-10-08' },
];

describe('both sides of Spring Festival and National Day, 2020–2026', () => {
  it('L03: the boundary table covers each festival in each covered year', () => {
    for (const year of COVERED) {
      expect(BOUNDARIES.filter((b) => b.year === year).map((b) => b.festival)).toEqual(['Spring Festival', 'National Day']);
    }
  });

  for (const b of BOUNDARIES) {
    it(`L03: ${b.year} ${b.festival} — ${b.lastBefore} works, ${b.block[0]}..${b.block[1]} off, ${b.firstAfter} works${b.note ? ` (${b.note})` : ''}`, () => {
      expect(cal.isWorkingDay(b.lastBefore)).toBe(true);
      for (const d of datesFrom(b.block[0], b.block[1])) expect(cal.isWorkingDay(d), d).toBe(false);
      expect(cal.isWorkingDay(b.firstAfter)).toBe(true);
      expect(cal.addWorkingDays(b.lastBefore, 1)).toEqual({ date: b.firstAfter, provisional: false });
      // From any day inside the block, the first working day is the one after it.
      for (const d of datesFrom(b.block[0], b.block[1])) expect(cal.addWorkingDays(d, 1).date, d).toBe(b.firstAfter);
      expect(cal.workingDaysBetween(b.lastBefore, b.firstAfter)).toBe(1);
      // R07: 5 working days from the last day before the block.
      const five = cal.addWorkingDays(b.lastBefore, 5).date;
      expect(cal.workingDaysBetween(b.lastBefore, five)).toBe(5);
      expect(five > b.block[1]).toBe(true);
    });
  }

  it('L03: programmatically, for every off block in the covered years, addWorkingDays(day before, 1) is the first working day after (vs the hand-typed notices)', () => {
    for (const n of HAND_NOTICES) {
      for (const [a, b] of n.off) {
        // naive: walk the hand table
        let before = datesFrom('2019-12-01', a).reverse().find((d) => d < a && handIsWorkingDay(d));
        let after = datesFrom(b, '2027-01-31').find((d) => d > b && handIsWorkingDay(d));
        if (!before || !after) throw new Error(`no neighbour for ${a}..${b}`);
        if (before < '2020-01-01') before = undefined;
        if (after > '2026-12-31') after = undefined;
        if (before && after) expect(cal.addWorkingDays(before, 1).date, `${a}..${b}`).toBe(after);
      }
    }
  });
});

describe('working weekends, holidays, weekday edges', () => {
  it('L03: a working Saturday counts (2026-02-14, 调休上班)', () => {
    expect(isWeekendDate('2026-02-14')).toBe(true);
    expect(cal.isWorkingDay('2026-02-14')).toBe(true);
    expect(cal.dayInfo('2026-02-14')).toEqual({ date: '2026-02-14', working: true, provisional: false, kind: 'working-weekend' });
    expect(cal.addWorkingDays('2026-02-13', 1).date).toBe('2026-02-14');
    expect(cal.addWorkingDays('2026-10-09', 1).date).toBe('2026-10-10');
    expect(cal.isWorkingDay('2026-10-11')).toBe(false); // the Sunday after stays off
  });

  it('L03: an ordinary weekend is off, an ordinary weekday works', () => {
    expect(cal.dayInfo('2026-03-07')).toMatchObject({ working: false, kind: 'weekend' });
    expect(cal.dayInfo('2026-03-09')).toMatchObject({ working: true, kind: 'weekday' });
    expect(cal.dayInfo('2026-05-04')).toMatchObject({ working: false, kind: 'day-off' });
  });

  it('R07: a start on a holiday counts from the first working day after the holiday (2026-10-03 + 5 → 2026-10-13)', () => {
    expect(cal.addWorkingDays('2026-10-03', 5)).toEqual({ date: '2026-10-13', provisional: false });
    const r = cal.computeSlaDeadline({ startedAt: '2026-10-03T10:00:00+08:00', workingDays: 5, pauses: [] });
    expect(r.countedDays).toEqual(['2026-10-08', '2026-10-09', '2026-10-10', '2026-10-12', '2026-10-13']);
    expect(r.deadlineAt).toBe('2026-10-13T15:59:59.999Z');
  });

  it('L03: n = 0 returns the start date itself, even on a holiday', () => {
    expect(cal.addWorkingDays('2026-10-03', 0)).toEqual({ date: '2026-10-03', provisional: false });
    expect(cal.workingDaysBetween('2026-10-03', '2026-10-03')).toBe(0);
  });

  it('L03: workingDaysBetween counts working days after a up to and including b', () => {
    expect(cal.workingDaysBetween('2026-03-09', '2026-03-13')).toBe(4); // Mon (excluded) .. Fri (included)
    expect(cal.workingDaysBetween('2026-03-06', '2026-03-09')).toBe(1); // Fri → Mon
    expect(cal.workingDaysBetween('2026-02-13', '2026-02-24')).toBe(2); // 02-14 (working Sat), 02-24
    expect(cal.workingDaysBetween('2025-12-31', '2026-12-31')).toBe(datesFrom('2026-01-01', '2026-12-31').filter(handIsWorkingDay).length);
    for (const [a, n] of [['2024-02-08', 7], ['2023-09-27', 3], ['2022-12-30', 10]] as const) {
      expect(cal.workingDaysBetween(a, cal.addWorkingDays(a, n).date)).toBe(n);
    }
  });

  it('L03: a leap day is handled (2024-02-29 works, 2024-02-28 + 1 = 2024-02-29)', () => {
    expect(cal.isWorkingDay('2024-02-29')).toBe(true);
    expect(cal.addWorkingDays('2024-02-28', 1).date).toBe('2024-02-29');
  });
});

describe('Asia/Shanghai day boundaries', () => {
  it('L03: shanghaiDate and endOfDayShanghai use UTC+08:00', () => {
    expect(shanghaiDate('2026-03-06T15:30:00Z')).toBe('2026-03-06');
    expect(shanghaiDate('2026-03-06T15:59:59.999Z')).toBe('2026-03-06');
    expect(shanghaiDate('2026-03-06T16:00:00Z')).toBe('2026-03-07');
    expect(shanghaiDate('2026-03-07T00:30:00+08:00')).toBe('2026-03-07');
    expect(shanghaiDate('2026-03-06T11:30:00-05:00')).toBe('2026-03-07'); // 16:30Z
    expect(endOfDayShanghai('2026-02-24')).toBe('2026-02-24T15:59:59.999Z');
    expect(Date.parse(endOfDayShanghai('2026-02-24'))).toBe(Date.parse('2026-02-24T23:59:59.999+08:00'));
    expect(endOfDayShanghai('2026-12-31')).toBe('2026-12-31T15:59:59.999Z');
  });

  it('R07: Friday 23:30 Shanghai (15:30Z) and Saturday 00:30 (16:30Z) both give Friday of the next week; Thursday 23:30 gives Thursday', () => {
    const fri = cal.computeSlaDeadline({ startedAt: '2026-03-06T15:30:00Z', workingDays: 5, pauses: [] });
    const sat = cal.computeSlaDeadline({ startedAt: '2026-03-06T16:30:00Z', workingDays: 5, pauses: [] });
    expect(fri.startDate).toBe('2026-03-06');
    expect(sat.startDate).toBe('2026-03-07');
    expect(fri.deadlineDate).toBe('2026-03-13');
    expect(sat.deadlineDate).toBe('2026-03-13');
    expect(fri.countedDays).toEqual(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13']);
    const thuLate = cal.computeSlaDeadline({ startedAt: '2026-03-05T15:30:00Z', workingDays: 5, pauses: [] });
    const friEarly = cal.computeSlaDeadline({ startedAt: '2026-03-05T16:30:00Z', workingDays: 5, pauses: [] });
    expect(thuLate.deadlineDate).toBe('2026-03-12');
    expect(friEarly.deadlineDate).toBe('2026-03-13');
  });

  it('R07: the deadline instant is the end of the deadline day in Shanghai', () => {
    const r = cal.computeSlaDeadline({ startedAt: '2026-02-13T09:00:00+08:00', workingDays: 5, pauses: [] });
    expect(r.countedDays).toEqual(['2026-02-14', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27']);
    expect(r.deadlineAt).toBe('2026-02-27T15:59:59.999Z');
    expect(r.provisional).toBe(false);
  });
});

describe('provisional years', () => {
  it('L03: 2027 has no notice: weekends + the statutory holidays of the 2024 revision, marked provisional', () => {
    expect(statutoryHolidays(2027).map((h) => h.date)).toEqual([
      '2027-01-01',
      '2027-02-05', // 除夕 (lunar 12/30 of 丙午, the day before lunar 1/1 = 02-06)
      '2027-02-06',
      '2027-02-07',
      '2027-02-08',
      '2027-04-05', // 清明
      '2027-05-01',
      '2027-05-02',
      '2027-06-09', // 端午
      '2027-09-15', // 中秋
      '2027-10-01',
      '2027-10-02',
      '2027-10-03',
    ]);
    for (const d of ['2027-01-01', '2027-02-05', '2027-02-08', '2027-04-05', '2027-06-09', '2027-09-15', '2027-10-01']) {
      expect(cal.dayInfo(d), d).toMatchObject({ working: false, provisional: true, kind: 'statutory-holiday' });
    }
    // No bridge days or make-up days are invented, and no working weekends.
    for (const d of ['2027-02-09', '2027-05-03', '2027-10-04', '2027-01-04']) expect(cal.dayInfo(d), d).toMatchObject({ working: true, provisional: true });
    expect(cal.dayInfo('2027-02-13')).toMatchObject({ working: false, provisional: true, kind: 'weekend' });
  });

  it('L03: 除夕 when lunar month 12 has 29 days (2025: 除夕 is 01-28, lunar 12/29) and Mid-Autumn on National Day (2028-10-03)', () => {
    expect(statutoryHolidays(2025).find((h) => h.name.includes('除夕'))?.date).toBe('2025-01-28');
    expect(statutoryHolidays(2028).filter((h) => h.date >= '2028-10-01').map((h) => `${h.date} ${h.name}`)).toEqual([
      '2028-10-01 国庆节',
      '2028-10-02 国庆节',
      '2028-10-03 中秋节/国庆节',
    ]);
    // Before the 2024 revision, 除夕 and May 2 were not statutory.
    expect(statutoryHolidays(2024).map((h) => h.date)).not.toContain('2024-02-09');
    expect(statutoryHolidays(2024).map((h) => h.date)).not.toContain('2024-05-02');
  });

  it('L03: a year-end crossing 2026→2027 is provisional (2026-12-28 + 5 → 2027-01-05, skipping New Year)', () => {
    expect(cal.addWorkingDays('2026-12-28', 5)).toEqual({ date: '2027-01-05', provisional: true });
    expect(cal.addWorkingDays('2026-12-21', 5)).toEqual({ date: '2026-12-28', provisional: false });
    const r = cal.computeSlaDeadline({ startedAt: '2026-12-28T10:00:00+08:00', workingDays: 5, pauses: [] });
    expect(r.countedDays).toEqual(['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-04', '2027-01-05']);
    expect(r.provisional).toBe(true);
    expect(r.calendarVersion).toBe(calendar.version);
  });

  it('L03: no silent Monday–Friday fallback: a year before 2025 without a file is an error', () => {
    expect(() => cal.isWorkingDay('2019-10-08')).toThrow(CalendarInputError);
    expect(() => cal.isWorkingDay('2019-10-08')).toThrow(/no working-day calendar for 2019/);
    expect(() => cal.addWorkingDays('2019-12-30', 5)).toThrow(CalendarInputError);
    expect(() => cal.isWorkingDay('2100-01-04')).toThrow(CalendarInputError);
  });
});

describe('bad input', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['2026-02-30 is not a date', () => cal.addWorkingDays('2026-02-30', 1), /not a real calendar date/],
    ['2025-02-29 is not a date', () => cal.isWorkingDay('2025-02-29'), /not a real calendar date/],
    ['2026-2-3 is malformed', () => cal.isWorkingDay('2026-2-3'), /YYYY-MM-DD/],
    ['a timestamp is not a date', () => cal.isWorkingDay('2026-02-03T00:00:00Z'), /YYYY-MM-DD/],
    ['a number is not a date', () => cal.isWorkingDay(20260203 as unknown as string), /YYYY-MM-DD/],
    ['n < 0', () => cal.addWorkingDays('2026-02-03', -1), /n must be >= 0/],
    ['non-integer n', () => cal.addWorkingDays('2026-02-03', 1.5), /n must be an integer/],
    ['NaN', () => cal.addWorkingDays('2026-02-03', Number.NaN), /n must be an integer/],
    ['n as a string', () => cal.addWorkingDays('2026-02-03', '5' as unknown as number), /n must be an integer/],
    ['huge n', () => cal.addWorkingDays('2026-02-03', 1e9), /n must be <=/],
    ['b before a', () => cal.workingDaysBetween('2026-02-03', '2026-02-02'), /before/],
    ['endOfDayShanghai of a bad date', () => endOfDayShanghai('2026-13-01'), /not a real calendar date/],
    ['shanghaiDate without offset', () => shanghaiDate('2026-03-06T15:30:00'), /explicit offset/],
    ['a zone name', () => shanghaiDate('2026-03-06T15:30:00 Asia/Shanghai'), /time-zone names/],
    ['a bracketed zone', () => shanghaiDate('2026-03-06T15:30:00+08:00[Asia/Shanghai]'), /explicit offset/],
    ['a zone abbreviation', () => shanghaiDate('2026-03-06T15:30:00 CST'), /explicit offset/],
    ['an impossible offset', () => shanghaiDate('2026-03-06T15:30:00+25:00'), /offset/],
    ['an impossible time', () => shanghaiDate('2026-03-06T24:00:00Z'), /not a real date and time/],
    ['an impossible instant date', () => shanghaiDate('2026-02-30T10:00:00Z'), /not a real date and time/],
    ['SLA: workingDays < 0', () => cal.computeSlaDeadline({ startedAt: '2026-03-06T10:00:00+08:00', workingDays: -5, pauses: [] }), /workingDays must be >= 0/],
    ['SLA: workingDays non-integer', () => cal.computeSlaDeadline({ startedAt: '2026-03-06T10:00:00+08:00', workingDays: 2.5, pauses: [] }), /workingDays must be an integer/],
    ['SLA: startedAt is a date', () => cal.computeSlaDeadline({ startedAt: '2026-03-06', workingDays: 5, pauses: [] }), /startedAt/],
    [
      'SLA: pause ending before it starts',
      () => cal.computeSlaDeadline({ startedAt: '2026-03-06T10:00:00+08:00', workingDays: 5, pauses: [{ from: '2026-03-10T10:00:00+08:00', to: '2026-03-09T10:00:00+08:00' }] }),
      /pauses\[0\] ends .* before it starts/,
    ],
    [
      'SLA: pause before the clock started',
      () => cal.computeSlaDeadline({ startedAt: '2026-03-06T10:00:00+08:00', workingDays: 5, pauses: [{ from: '2026-03-05T10:00:00+08:00', to: null }] }),
      /before the clock started/,
    ],
    [
      'SLA: pause with a bad instant',
      () => cal.computeSlaDeadline({ startedAt: '2026-03-06T10:00:00+08:00', workingDays: 5, pauses: [{ from: '2026-03-07 10:00', to: null }] }),
      /pauses\[0\]\.from/,
    ],
  ];
  for (const [title, fn, message] of bad) {
    it(`L03: ${title} → CalendarInputError`, () => {
      let caught: unknown;
      try {
        fn();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CalendarInputError);
      expect((caught as Error).message).toMatch(message);
    });
  }
});
