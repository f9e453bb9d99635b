/**
 * Civil dates in Asia/Shanghai (UTC+8 all year: China has no daylight saving since 1991).
 * Pure arithmetic, so workflows may use it.
 */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The Shanghai civil date `YYYY-MM-DD` of an instant. */
export function shanghaiDate(instant: string | number): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The last millisecond of a Shanghai civil date, as an ISO instant (a deadline is the end of its day). */
export function endOfShanghaiDay(date: string): string {
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${date}`);
  return new Date(ms - SHANGHAI_OFFSET_MS + DAY_MS - 1).toISOString();
}

/** `date` plus `days` calendar days. */
export function addCalendarDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${date}`);
  return new Date(ms + days * DAY_MS).toISOString().slice(0, 10);
}

/** End of the Shanghai day `days` calendar days after the day of `instant` (the day itself not counted). */
export function calendarDeadline(instant: string, days: number): string {
  return endOfShanghaiDay(addCalendarDays(shanghaiDate(instant), days));
}
