/**
 * Civil dates (`YYYY-MM-DD`) and instants (ISO 8601 with an explicit offset), strictly parsed.
 *
 * Internally a civil date is an "epoch day": whole days since 1970-01-01. Asia/Shanghai has been
 * UTC+08:00 all year since 1991 (no DST), so the Shanghai date of an instant is
 * floor((ms + 8h) / 1 day). No dependence on the host's time zone or ICU data.
 */
import { CalendarInputError } from './errors';

export type CivilDate = string;
export type IsoInstant = string;

export const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** `2026-03-06T23:30:00+08:00`, `2026-03-06T15:30:00.000Z`; seconds and fraction optional; the offset is required. */
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return typeof v;
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

/** Parses `YYYY-MM-DD` (a real calendar date, year 1000..9999) to an epoch day; anything else throws CalendarInputError. */
export function parseCivilDate(value: unknown, what = 'date'): number {
  if (typeof value !== 'string') throw new CalendarInputError(`${what} must be a civil date string YYYY-MM-DD, got ${describe(value)}`);
  const m = DATE_RE.exec(value);
  if (!m) throw new CalendarInputError(`${what} ${describe(value)} is not of the form YYYY-MM-DD`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    throw new CalendarInputError(`${what} ${describe(value)} is not a real calendar date`);
  }
  return Date.UTC(y, mo - 1, d) / DAY_MS;
}

export function formatEpochDay(epochDay: number): CivilDate {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(epochDay: number): number {
  return (((epochDay + 4) % 7) + 7) % 7;
}

export function isWeekend(epochDay: number): boolean {
  const w = weekdayOf(epochDay);
  return w === 0 || w === 6;
}

export function yearOf(epochDay: number): number {
  return new Date(epochDay * DAY_MS).getUTCFullYear();
}

export function firstDayOfYear(year: number): number {
  return Date.UTC(year, 0, 1) / DAY_MS;
}

/**
 * Parses an ISO 8601 instant with an explicit offset (`Z` or `±HH:MM`) to epoch milliseconds.
 * No offset, a zone name (`Asia/Shanghai`, `[Asia/Shanghai]`, `CST`) or an impossible field throws
 * CalendarInputError: a local time without an offset is ambiguous, and guessing is how deadlines go wrong.
 */
export function parseInstant(value: unknown, what = 'instant'): number {
  if (typeof value !== 'string') throw new CalendarInputError(`${what} must be an ISO 8601 instant string, got ${describe(value)}`);
  const m = INSTANT_RE.exec(value);
  if (!m) {
    throw new CalendarInputError(
      `${what} ${describe(value)} is not an ISO 8601 instant with an explicit offset (e.g. 2026-03-06T23:30:00+08:00 or 2026-03-06T15:30:00Z); time-zone names and local times without an offset are not accepted`,
    );
  }
  const [, ys, mos, ds, hs, mis, ss, frac, off] = m;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs);
  const mi = Number(mis);
  const s = ss === undefined ? 0 : Number(ss);
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    throw new CalendarInputError(`${what} ${describe(value)} is not a real date and time`);
  }
  let offsetMin = 0;
  if (off !== undefined && off !== 'Z') {
    const oh = Number(off.slice(1, 3));
    const om = Number(off.slice(4, 6));
    if (oh > 14 || om > 59) throw new CalendarInputError(`${what} ${describe(value)} has an impossible UTC offset ${off}`);
    offsetMin = (off.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
}

/** Epoch day of the Asia/Shanghai civil date of an epoch-millisecond instant. */
export function shanghaiEpochDay(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** The Asia/Shanghai civil date (`YYYY-MM-DD`) of an ISO instant: `2026-03-06T15:30:00Z` → `2026-03-06`, `2026-03-06T16:30:00Z` → `2026-03-07`. */
export function shanghaiDate(instant: IsoInstant): CivilDate {
  return formatEpochDay(shanghaiEpochDay(parseInstant(instant)));
}

/**
 * The last millisecond of a civil date in Asia/Shanghai (23:59:59.999+08:00), as a canonical
 * UTC ISO string (what `Date#toISOString` gives): `2026-02-24` → `2026-02-24T15:59:59.999Z`.
 */
export function endOfDayShanghai(date: CivilDate): IsoInstant {
  return endOfEpochDayShanghai(parseCivilDate(date));
}

export function endOfEpochDayShanghai(epochDay: number): IsoInstant {
  return new Date((epochDay + 1) * DAY_MS - SHANGHAI_OFFSET_MS - 1).toISOString();
}
