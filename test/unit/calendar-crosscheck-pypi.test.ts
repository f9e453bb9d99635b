/**
 * Cross-check of the year files (generated from the npm package chinese-days) against a second,
 * independently maintained data set that CI can install: the PyPI package `chinesecalendar`
 * (LKI/chinese-calendar), pinned. Lists every date on which the two disagree; a disagreement
 * fails the test until it is explained in EXPLAINED with the notice that settles it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR_DIR, loadCalendar } from '../../infra/calendar';
import { TOOLS_DIR } from '../../scripts/temporal-binaries';

const PACKAGE = 'chinesecalendar==1.11.0';
const TARGET = path.join(TOOLS_DIR, 'pip', 'chinesecalendar');
const FIRST = '2020-01-01';
const LAST = '2026-12-31';

/** Investigated disagreements, by date, with the reason. None so far. */
const EXPLAINED: Record<string, string> = {};

function pypiWorkingDays(): Record<string, boolean> {
  if (!existsSync(path.join(TARGET, 'chinese_calendar'))) {
    execFileSync('python3', ['-m', 'pip', 'install', '--no-deps', '--quiet', '--target', TARGET, PACKAGE], { stdio: 'pipe' });
  }
  const script = [
    'import datetime, json, sys',
    'from chinese_calendar import is_workday',
    `d = datetime.date.fromisoformat('${FIRST}')`,
    `end = datetime.date.fromisoformat('${LAST}')`,
    'out = {}',
    'while d <= end:',
    '    out[d.isoformat()] = is_workday(d)',
    '    d += datetime.timedelta(days=1)',
    'json.dump(out, sys.stdout)',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { env: { ...process.env, PYTHONPATH: TARGET }, encoding: 'utf8' })) as Record<string, boolean>;
}

describe(`cross-check against PyPI ${PACKAGE}`, () => {
  let theirs: Record<string, boolean>;
  beforeAll(() => {
    theirs = pypiWorkingDays();
  }, 120_000);

  it('L03: every date 2020–2026 has the same working status in both sources (lists every disagreement)', () => {
    const ours = loadCalendar(DEFAULT_CALENDAR_DIR);
    const dates = Object.keys(theirs);
    expect(dates.length).toBe(2557); // 2020-01-01 .. 2026-12-31, every day
    const disagreements = dates
      .filter((d) => ours.isWorkingDay(d) !== theirs[d])
      .map((d) => `${d}: ours ${ours.isWorkingDay(d) ? 'working' : 'off'}, chinesecalendar ${theirs[d] ? 'working' : 'off'}`);
    if (disagreements.length) console.log(`chinesecalendar disagreements:\n${disagreements.join('\n')}`);
    expect(disagreements.filter((d) => !(d.slice(0, 10) in EXPLAINED))).toEqual([]);
  });
});
