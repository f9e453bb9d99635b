/**
 * Cross-check of the year files (generated from chinese-days) against a second, independent data
 * set: holiday-cn (github.com/NateScarlet/holiday-cn), which scrapes the State Council notices.
 * Its files are not committed (see test/fixtures/calendar/README.md): this test looks for them in
 * env HOLIDAY_CN_DIR, then ../shared/calendar/holiday-cn beside the repository, and is skipped
 * (with a message) when they are absent.
 *
 * holiday-cn files are per notice (the 2023 file carries 2022-12-31), list only the days the notice
 * names, and leave out weekend days that merely adjoin a holiday (see its README). So the comparison
 * is on the effective working status of every date, plus the raw lists, with the known difference
 * (weekend days) explained.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR_DIR, loadCalendar } from '../../infra/calendar';
import { datesFrom, isWeekendDate } from '../fixtures/calendar/notices';

const YEARS = [2020, 2021, 2022, 2023, 2024, 2025, 2026];
const candidates = [process.env.HOLIDAY_CN_DIR, path.resolve(__dirname, '../../../shared/calendar/holiday-cn')].filter((d): d is string => !!d);
const HOLIDAY_CN_DIR = candidates.find((d) => YEARS.every((y) => existsSync(path.join(d, `${y}.json`))));
if (!HOLIDAY_CN_DIR) console.warn(`holiday-cn cross-check skipped: no ${YEARS.join(',')} .json files in ${candidates.join(' or ')}`);

interface HolidayCnFile {
  year: number;
  papers: string[];
  days: { name: string; date: string; isOffDay: boolean }[];
}

/** Unexplained disagreements that were investigated and accepted go here, with the reason. None so far. */
const EXPLAINED: Record<string, string> = {};

describe.skipIf(!HOLIDAY_CN_DIR)('cross-check against holiday-cn', () => {
  const dir = HOLIDAY_CN_DIR ?? '';
  const calendar = loadCalendar(DEFAULT_CALENDAR_DIR);
  const files = [...YEARS, 2027].filter((y) => existsSync(path.join(dir, `${y}.json`))).map((y) => JSON.parse(readFileSync(path.join(dir, `${y}.json`), 'utf8')) as HolidayCnFile);
  const status = new Map<string, { off: boolean; name: string; notice: number }>();
  for (const f of files) for (const d of f.days) status.set(d.date, { off: d.isOffDay, name: d.name, notice: f.year });
  const hcnWorking = (d: string) => {
    const s = status.get(d);
    return s ? !s.off : !isWeekendDate(d);
  };

  it('L03: every date 2020–2026 has the same working status in both sources (lists every disagreement)', () => {
    const disagreements = datesFrom('2020-01-01', '2026-12-31')
      .filter((d) => calendar.isWorkingDay(d) !== hcnWorking(d))
      .map((d) => `${d}: ours ${calendar.isWorkingDay(d) ? 'working' : 'off'}, holiday-cn ${hcnWorking(d) ? 'working' : 'off'} (${status.get(d)?.name ?? 'not listed'})`);
    const unexplained = disagreements.filter((d) => !(d.slice(0, 10) in EXPLAINED));
    if (disagreements.length) console.log(`holiday-cn disagreements:\n${disagreements.join('\n')}`);
    expect(unexplained).toEqual([]);
  });

  it('L03: raw lists agree: same working weekends; our extra days off are only weekend days holiday-cn leaves out', () => {
    for (const year of YEARS) {
      const file = JSON.parse(readFileSync(path.join(DEFAULT_CALENDAR_DIR, `${year}.json`), 'utf8')) as { daysOff: string[]; workingWeekends: string[] };
      const inYear = [...status].filter(([d]) => d.startsWith(`${year}-`));
      const hcnOff = inYear.filter(([, s]) => s.off).map(([d]) => d).sort();
      const hcnWorkingWeekends = inYear.filter(([d, s]) => !s.off && isWeekendDate(d)).map(([d]) => d).sort();
      const hcnWorkingWeekdays = inYear.filter(([d, s]) => !s.off && !isWeekendDate(d)).map(([d]) => d);
      expect(file.workingWeekends, `${year} working weekends`).toEqual(hcnWorkingWeekends);
      expect(hcnOff.filter((d) => !file.daysOff.includes(d)), `${year} off in holiday-cn only`).toEqual([]);
      const oursOnly = file.daysOff.filter((d) => !hcnOff.includes(d));
      expect(oursOnly.filter((d) => !isWeekendDate(d)), `${year} weekdays off in ours only`).toEqual([]);
      // holiday-cn lists some ordinary weekdays as working (2020-02-03, the first day back after the extension): harmless.
      for (const d of hcnWorkingWeekdays) expect(calendar.isWorkingDay(d), d).toBe(true);
    }
  });

  it('L03: holiday-cn has no notice for 2027 yet, and we answer 2027 provisionally', () => {
    const f2027 = files.find((f) => f.year === 2027);
    if (f2027) {
      expect(f2027.days, 'holiday-cn now has 2027: add domain/calendar/data/2027.json').toEqual([]);
    }
    expect(calendar.years).not.toContain(2027);
    expect(calendar.dayInfo('2027-03-01').provisional).toBe(true);
  });
});
