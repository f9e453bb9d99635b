import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { createCalendarActivities } from '../../activities/calendar';
import { DEFAULT_CALENDAR_DIR } from '../../infra/calendar';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp CALENDAR_DIR holding the bundled 2020–2026 files. */
function tempCalendarDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'calendar-activity-'));
  dirs.push(dir);
  cpSync(DEFAULT_CALENDAR_DIR, dir, { recursive: true });
  return dir;
}

// A made-up 2027 arrangement (the real notice is not out): New Year 01-01..03, 01-04 given off too,
// and a working Saturday 01-09.
const FAKE_2027 = {
  year: 2027,
  source: 'test: a 2027 arrangement',
  daysOff: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04', '2027-02-05', '2027-02-08', '2027-04-05', '2027-06-09', '2027-09-15', '2027-10-01'],
  workingWeekends: ['2027-01-09'],
};

const INPUT = { startedAt: '2026-12-28T10:00:00+08:00', workingDays: 5, pauses: [] };

describe('deadline activity', () => {
  it('L03: a provisional deadline changes, and stops being provisional, once the 2027 file is added (no restart)', async () => {
    const dir = tempCalendarDir();
    const { computeDeadline } = createCalendarActivities({ dir });

    const before = await computeDeadline(INPUT);
    expect(before).toMatchObject({ deadlineDate: '2027-01-05', deadlineAt: '2027-01-05T15:59:59.999Z', provisional: true });
    expect(before.calendarVersion).toMatch(/^2020-2026@/);
    expect(await computeDeadline(INPUT)).toEqual(before); // same data, same answer

    writeFileSync(path.join(dir, '2027.json'), JSON.stringify(FAKE_2027, null, 2));
    const after = await computeDeadline(INPUT);
    expect(after.provisional).toBe(false);
    expect(after.calendarVersion).toMatch(/^2020-2027@/);
    expect(after.countedDays).toEqual(['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-05', '2027-01-06']);
    expect(after.deadlineDate).toBe('2027-01-06');
    expect(Date.parse(after.deadlineAt ?? '')).toBeGreaterThan(Date.parse(before.deadlineAt ?? ''));
  });

  it('L03: an edited year file is picked up too, and a broken one fails loudly (retryable) until fixed', async () => {
    const dir = tempCalendarDir();
    const { computeDeadline } = createCalendarActivities({ dir });
    writeFileSync(path.join(dir, '2027.json'), JSON.stringify(FAKE_2027));
    expect((await computeDeadline(INPUT)).deadlineDate).toBe('2027-01-06');

    writeFileSync(path.join(dir, '2027.json'), JSON.stringify({ ...FAKE_2027, year: 2028 }));
    const err = await computeDeadline(INPUT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('CalendarDataError');
    expect((err as ApplicationFailure).nonRetryable).toBe(false);
    expect((err as ApplicationFailure).message).toContain('2027.json');

    // Fixed, and 01-04 no longer off: 12-29, 12-30, 12-31, 01-04, 01-05.
    writeFileSync(path.join(dir, '2027.json'), JSON.stringify({ ...FAKE_2027, daysOff: FAKE_2027.daysOff.filter((d) => d !== '2027-01-04') }));
    expect((await computeDeadline(INPUT)).deadlineDate).toBe('2027-01-05');
  });

  it('L02: bad input is a non-retryable CalendarInputError failure', async () => {
    const { computeDeadline } = createCalendarActivities({ dir: tempCalendarDir() });
    const err = await computeDeadline({ startedAt: '2026-03-06T10:00:00+08:00', workingDays: 5, pauses: [{ from: '2026-03-09T10:00:00+08:00', to: '2026-03-08T10:00:00+08:00' }] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('CalendarInputError');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toMatch(/ends .* before it starts/);
  });
});
