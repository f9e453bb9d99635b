/**
 * Chinese working-day calendar and SLA clock (rules L02, L03, R07). See README.md in this folder.
 *
 * Two ways in:
 *  - `loadCalendar(dir?)` → a Calendar with methods of the same names (what the deadline activity uses;
 *    it reloads when the directory changes);
 *  - the free functions below, which use a process-wide calendar loaded once, lazily, from
 *    CALENDAR_DIR or the bundled data/ folder. A long-running process that must see new year files
 *    uses the activity (activities/calendar.ts) or calls resetDefaultCalendar().
 */
import type { Calendar, DayInfo, SlaInput, SlaResult, WorkingDayResult } from './calendar';
import type { CivilDate } from './civil';
import { loadCalendar } from './load';

export { Calendar, MAX_WORKING_DAYS } from './calendar';
export type { DayInfo, DayKind, SlaInput, SlaPause, SlaResult, WorkingDayResult } from './calendar';
export { endOfDayShanghai, shanghaiDate } from './civil';
export type { CivilDate, IsoInstant } from './civil';
export { CalendarDataError, CalendarInputError } from './errors';
export { DEFAULT_CALENDAR_DIR, calendarDirFingerprint, calendarVersionOf, loadCalendar, resolveCalendarDir } from './load';
export { validateYearFile, yearFileSchema } from './schema';
export type { YearData, YearFile } from './schema';
export { PROVISIONAL_FIRST_YEAR, PROVISIONAL_LAST_YEAR, PROVISIONAL_RULE, statutoryHolidays } from './statutory';
export type { StatutoryHoliday } from './statutory';

let defaultCalendar: Calendar | undefined;

/** The process-wide calendar (loaded on first use from CALENDAR_DIR or the bundled data/). */
export function getDefaultCalendar(): Calendar {
  defaultCalendar ??= loadCalendar();
  return defaultCalendar;
}

/** Forget the process-wide calendar; the next call reloads it. */
export function resetDefaultCalendar(): void {
  defaultCalendar = undefined;
}

export function isWorkingDay(date: CivilDate): boolean {
  return getDefaultCalendar().isWorkingDay(date);
}

export function dayInfo(date: CivilDate): DayInfo {
  return getDefaultCalendar().dayInfo(date);
}

/** The nth working day after `from` (`from` not counted; n = 0 → `from`). */
export function addWorkingDays(from: CivilDate, n: number): WorkingDayResult {
  return getDefaultCalendar().addWorkingDays(from, n);
}

/** Working days d with a < d <= b. */
export function workingDaysBetween(a: CivilDate, b: CivilDate): number {
  return getDefaultCalendar().workingDaysBetween(a, b);
}

export function computeSlaDeadline(input: SlaInput): SlaResult {
  return getDefaultCalendar().computeSlaDeadline(input);
}

export function calendarVersion(): string {
  return getDefaultCalendar().version;
}
