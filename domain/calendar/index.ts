/**
 * Chinese working-day calendar and SLA clock (rules L02, L03, R07). See README.md in this folder.
 *
 * Pure rules: a Calendar is built from validated year data. Loading the year files, the
 * reloading cache and a process-wide default calendar live in infra/calendar.ts.
 */
export { Calendar, MAX_WORKING_DAYS } from './calendar';
export type { DayInfo, DayKind, SlaInput, SlaPause, SlaResult, WorkingDayResult } from './calendar';
export { endOfDayShanghai, shanghaiDate } from './civil';
export type { CivilDate, IsoInstant } from './civil';
export { CalendarDataError, CalendarInputError } from './errors';
export { validateYearFile, yearFileSchema } from './schema';
export type { YearData, YearFile } from './schema';
export { PROVISIONAL_FIRST_YEAR, PROVISIONAL_LAST_YEAR, PROVISIONAL_RULE, statutoryHolidays } from './statutory';
export type { StatutoryHoliday } from './statutory';
