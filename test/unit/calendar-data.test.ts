import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CalendarDataError } from '../../domain/calendar';
import { DEFAULT_CALENDAR_DIR, getDefaultCalendar, loadCalendar, resetDefaultCalendar } from '../../infra/calendar';
import { GENERATED_YEARS, render, generateYear } from '../../scripts/calendar-generate';

const tmpRoot = mkdtempSync(path.join(tmpdir(), 'calendar-data-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let dirs = 0;

const good2026 = JSON.parse(readFileSync(path.join(DEFAULT_CALENDAR_DIR, '2026.json'), 'utf8')) as Record<string, unknown> & { daysOff: string[]; workingWeekends: string[] };

/** A temp data dir with the given files (name → JSON value or raw text). */
function dirWith(files: Record<string, unknown>): string {
  const dir = path.join(tmpRoot, `d${++dirs}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return dir;
}

function loadError(dir: string): CalendarDataError {
  try {
    loadCalendar(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(CalendarDataError);
    return e as CalendarDataError;
  }
  throw new Error('expected loadCalendar to fail');
}

describe('calendar data directory', () => {
  it('L03: the bundled files are exactly what scripts/calendar-generate.ts derives from chinese-days', () => {
    for (const year of GENERATED_YEARS) {
      expect(readFileSync(path.join(DEFAULT_CALENDAR_DIR, `${year}.json`), 'utf8'), `${year}.json`).toBe(render(generateYear(year)));
    }
  });

  it('L03: calendarVersion names the years and a content hash; it changes with the content, not with formatting', () => {
    const cal = loadCalendar(DEFAULT_CALENDAR_DIR);
    expect(cal.version).toMatch(/^2020-2026@[0-9a-f]{12}$/);
    expect(cal.calendarVersion).toBe(cal.version);
    const same = dirWith({ '2026.json': JSON.stringify(good2026) }); // no indentation
    const changed = dirWith({ '2026.json': { ...good2026, workingWeekends: good2026.workingWeekends.slice(1) } });
    expect(loadCalendar(same).version).toMatch(/^2026@/);
    expect(loadCalendar(same).version).toBe(loadCalendar(dirWith({ '2026.json': good2026 })).version);
    expect(loadCalendar(changed).version).not.toBe(loadCalendar(same).version);
  });

  it('L03: the directory comes from CALENDAR_DIR when no dir is given; other files in it are ignored', () => {
    const dir = dirWith({ '2026.json': good2026, 'README.md': '# notes', 'notes.txt': 'x' });
    const saved = process.env.CALENDAR_DIR;
    process.env.CALENDAR_DIR = dir;
    try {
      resetDefaultCalendar();
      expect(getDefaultCalendar().years).toEqual([2026]);
      expect(loadCalendar().years).toEqual([2026]);
    } finally {
      if (saved === undefined) delete process.env.CALENDAR_DIR;
      else process.env.CALENDAR_DIR = saved;
      resetDefaultCalendar();
    }
  });

  const broken: [string, Record<string, unknown>, RegExp][] = [
    ['a wrong year inside', { '2026.json': { ...good2026, year: 2025 } }, /"year" is 2025 but the file is named 2026\.json/],
    ['a malformed date', { '2026.json': { ...good2026, daysOff: [...good2026.daysOff, '2026-2-30'] } }, /daysOff\[33\] "2026-2-30" is not of the form YYYY-MM-DD/],
    ['an impossible date', { '2026.json': { ...good2026, daysOff: [...good2026.daysOff, '2026-02-30'] } }, /daysOff\[33\] "2026-02-30" is not a real calendar date/],
    ['a date outside its year', { '2026.json': { ...good2026, daysOff: [...good2026.daysOff, '2027-01-01'] } }, /daysOff\[33\] 2027-01-01 is outside 2026/],
    ['a duplicate', { '2026.json': { ...good2026, daysOff: [...good2026.daysOff, '2026-10-01'] } }, /daysOff lists 2026-10-01 twice/],
    ['a day both off and working', { '2026.json': { ...good2026, daysOff: [...good2026.daysOff, '2026-02-14'] } }, /2026-02-14 is both in daysOff and in workingWeekends/],
    ['a weekday as working weekend', { '2026.json': { ...good2026, workingWeekends: [...good2026.workingWeekends, '2026-03-04'] } }, /workingWeekends\[6\] 2026-03-04 is not a Saturday or Sunday/],
    ['a statutory holiday missing', { '2026.json': { ...good2026, daysOff: good2026.daysOff.filter((d) => d !== '2026-10-01') } }, /statutory holiday 国庆节 2026-10-01 is missing from daysOff/],
    ['an empty daysOff', { '2026.json': { ...good2026, daysOff: [] } }, /daysOff is empty/],
    ['a misspelt key', { '2026.json': { ...good2026, workingWeekend: [] } }, /workingWeekend/],
    ['a missing source', { '2026.json': { ...good2026, source: '' } }, /source/],
    ['invalid JSON', { '2026.json': '{ "year": 2026, ' }, /cannot read or parse as JSON/],
    ['a misnamed JSON file', { '2026.json': good2026, '2027-draft.json': good2026 }, /2027-draft\.json: a calendar file must be named YYYY\.json/],
  ];
  for (const [title, files, message] of broken) {
    it(`L03: ${title} → CalendarDataError naming the file`, () => {
      const dir = dirWith(files);
      const e = loadError(dir);
      expect(e.message).toMatch(message);
      const culprit = Object.keys(files).find((n) => n !== '2026.json') ?? '2026.json';
      expect(e.message).toContain(path.join(dir, culprit));
    });
  }

  it('L03: an empty or missing directory is an error, not an all-provisional calendar', () => {
    expect(loadError(dirWith({ 'README.md': 'x' })).message).toMatch(/has no YYYY\.json files/);
    expect(loadError(path.join(tmpRoot, 'nope')).message).toMatch(/cannot be read/);
  });

  it('L03: a new year file dropped into the directory is used by the next load', () => {
    const dir = dirWith({});
    copyFileSync(path.join(DEFAULT_CALENDAR_DIR, '2026.json'), path.join(dir, '2026.json'));
    expect(loadCalendar(dir).dayInfo('2027-01-04')).toMatchObject({ provisional: true });
    const y2027 = { year: 2027, source: 'test arrangement', daysOff: ['2027-01-01', '2027-01-04', '2027-02-05', '2027-02-08', '2027-04-05', '2027-06-09', '2027-09-15', '2027-10-01'], workingWeekends: [] };
    writeFileSync(path.join(dir, '2027.json'), JSON.stringify(y2027));
    expect(loadCalendar(dir).dayInfo('2027-01-04')).toEqual({ date: '2027-01-04', working: false, provisional: false, kind: 'day-off' });
  });
});
