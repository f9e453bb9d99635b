/**
 * The working-day calendar (L03) and the SLA clock (L02, R07). Pure: no I/O; built from validated
 * year data by `loadCalendar` (load.ts) or directly in tests.
 *
 * Conventions (all dates are civil dates in Asia/Shanghai, `YYYY-MM-DD`):
 *  - A date is a working day iff the year's notice makes it a working weekend, or it is Monday–Friday
 *    and not a day off. Years without a file are *provisional*: weekends plus the statutory holidays
 *    of 《全国年节及纪念日放假办法》 (2024 revision), from 2025 on; earlier years without a file, and
 *    years past 2099, throw CalendarInputError. Never a silent Monday–Friday fallback.
 *  - `addWorkingDays(from, n)`: the nth working day AFTER `from`; `from` itself is never counted (a
 *    period starts the day after the event). n = 0 returns `from` unchanged (even on a holiday) with
 *    `provisional: false`, since no day was looked up.
 *  - `workingDaysBetween(a, b)`: the number of working days d with a < d <= b (after a, up to and
 *    including b). b < a throws. Hence addWorkingDays(a, workingDaysBetween(a, b)).date <= b, with
 *    equality when b is a working day.
 *  - A deadline is the END of its day in Shanghai: 23:59:59.999+08:00 (see endOfDayShanghai).
 */
import {
  type CivilDate,
  type IsoInstant,
  endOfEpochDayShanghai,
  firstDayOfYear,
  formatEpochDay,
  isLeapYear,
  isWeekend,
  parseCivilDate,
  parseInstant,
  shanghaiEpochDay,
  yearOf,
} from './civil';
import { CalendarInputError } from './errors';
import type { YearData } from './schema';
import { PROVISIONAL_FIRST_YEAR, PROVISIONAL_LAST_YEAR, statutoryHolidays } from './statutory';

/** The largest n accepted by addWorkingDays / workingDays of the SLA clock (about 20 years). */
export const MAX_WORKING_DAYS = 5000;

export type DayKind = 'weekday' | 'weekend' | 'day-off' | 'working-weekend' | 'statutory-holiday';

export interface DayInfo {
  date: CivilDate;
  working: boolean;
  /** true when the year has no loaded file and the answer comes from the statutory rule. */
  provisional: boolean;
  kind: DayKind;
}

export interface WorkingDayResult {
  date: CivilDate;
  provisional: boolean;
}

export interface SlaPause {
  /** When the L02 period (testing, expert review, hearing) started. */
  from: IsoInstant;
  /** When it ended; null while it is still running (the clock is stopped). */
  to: IsoInstant | null;
}

export interface SlaInput {
  /** The instant the clock starts (e.g. acceptance, L01). */
  startedAt: IsoInstant;
  /** The limit (e.g. 5 for R07), in `unit`. */
  workingDays: number;
  /** What the limit counts (the policy table's `Limit.unit`); default working days (L03). */
  unit?: 'working-days' | 'days';
  /** L02 pauses; may overlap (they are merged). Default none. */
  pauses?: SlaPause[];
  /** Optional "now": fills usedWorkingDays / remainingWorkingDays, and pauses may not lie after it. */
  asOf?: IsoInstant;
}

export interface SlaResult {
  /** End of the deadline day in Shanghai as a UTC ISO string; null while a pause is open. */
  deadlineAt: IsoInstant | null;
  deadlineDate: CivilDate | null;
  /** true if any date looked at came from a provisional (no-file) year. */
  provisional: boolean;
  calendarVersion: string;
  /** The dates counted toward the limit, in order (length = workingDays + graceDays unless paused). */
  countedDays: CivilDate[];
  /** Days (in `unit`) skipped because of pauses (for an open pause: up to asOf's date, if given). */
  pausedWorkingDays: number;
  /** L02: days added because a pause began on the deadline day (never fewer than one day left). */
  graceDays: number;
  /** true while a pause is open (deadlineAt is then null). */
  paused: boolean;
  /** Shanghai date of startedAt; day 1 of the period is the first working day after it. */
  startDate: CivilDate;
  workingDays: number;
  unit: 'working-days' | 'days';
  asOfDate: CivilDate | null;
  /** countedDays on or before asOf's date (null without asOf). */
  usedWorkingDays: number | null;
  /** workingDays + graceDays - usedWorkingDays, at least 0 (null without asOf). */
  remainingWorkingDays: number | null;
}

interface YearTable {
  year: number;
  start: number;
  /** 1 = working day, indexed by day of year. */
  working: Uint8Array;
  kinds: DayKind[];
  provisional: boolean;
}

function checkCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new CalendarInputError(`${what} must be an integer, got ${typeof n === 'number' ? String(n) : typeof n}`);
  if (n < 0) throw new CalendarInputError(`${what} must be >= 0, got ${n}`);
  if (n > MAX_WORKING_DAYS) throw new CalendarInputError(`${what} must be <= ${MAX_WORKING_DAYS}, got ${n}`);
  return n;
}

export class Calendar {
  private readonly files = new Map<number, YearData>();
  private readonly tables = new Map<number, YearTable>();

  /**
   * @param years validated year data (see validateYearFile)
   * @param version identifies the data (loadCalendar: year ranges + content hash)
   */
  constructor(
    years: readonly YearData[],
    readonly version: string,
  ) {
    for (const y of years) {
      if (this.files.has(y.year)) throw new CalendarInputError(`two calendar files for ${y.year}`);
      this.files.set(y.year, y);
    }
  }

  /** Same as `version`: which data a deadline used (`2020-2026@<hash>`). */
  get calendarVersion(): string {
    return this.version;
  }

  /** Years that have a file (not provisional), ascending. */
  get years(): number[] {
    return [...this.files.keys()].sort((a, b) => a - b);
  }

  /** Where a year's data come from: its file's `source`, or the statutory rule when provisional. */
  sourceOf(year: number): { provisional: boolean; source: string } {
    const f = this.files.get(year);
    return f ? { provisional: false, source: f.source } : { provisional: true, source: 'provisional: weekends + 全国年节及纪念日放假办法 (2024 revision)' };
  }

  private table(year: number): YearTable {
    const cached = this.tables.get(year);
    if (cached) return cached;
    const start = firstDayOfYear(year);
    const length = isLeapYear(year) ? 366 : 365;
    const kinds: DayKind[] = [];
    for (let i = 0; i < length; i++) kinds.push(isWeekend(start + i) ? 'weekend' : 'weekday');
    const file = this.files.get(year);
    let provisional = false;
    if (file) {
      for (const d of file.daysOff) kinds[d - start] = 'day-off';
      for (const d of file.workingWeekends) kinds[d - start] = 'working-weekend';
    } else {
      if (year < PROVISIONAL_FIRST_YEAR || year > PROVISIONAL_LAST_YEAR) {
        const have = this.years;
        throw new CalendarInputError(
          `no working-day calendar for ${year}: no file for it (loaded: ${have.length ? have.join(', ') : 'none'}) and provisional answers are given only for ${PROVISIONAL_FIRST_YEAR}..${PROVISIONAL_LAST_YEAR}`,
        );
      }
      provisional = true;
      for (const h of statutoryHolidays(year)) kinds[parseCivilDate(h.date) - start] = 'statutory-holiday';
    }
    const working = new Uint8Array(length);
    kinds.forEach((k, i) => {
      working[i] = k === 'weekday' || k === 'working-weekend' ? 1 : 0;
    });
    const t: YearTable = { year, start, working, kinds, provisional };
    this.tables.set(year, t);
    return t;
  }

  private tableOf(epochDay: number): YearTable {
    return this.table(yearOf(epochDay));
  }

  dayInfo(date: CivilDate): DayInfo {
    const e = parseCivilDate(date);
    const t = this.tableOf(e);
    const i = e - t.start;
    return { date: formatEpochDay(e), working: t.working[i] === 1, provisional: t.provisional, kind: t.kinds[i] ?? 'weekday' };
  }

  isWorkingDay(date: CivilDate): boolean {
    return this.dayInfo(date).working;
  }

  addWorkingDays(from: CivilDate, n: number): WorkingDayResult {
    const start = parseCivilDate(from, 'from');
    checkCount(n, 'n');
    const r = this.addEpoch(start, n);
    return { date: formatEpochDay(r.day), provisional: r.provisional };
  }

  workingDaysBetween(a: CivilDate, b: CivilDate): number {
    const ea = parseCivilDate(a, 'a');
    const eb = parseCivilDate(b, 'b');
    if (eb < ea) throw new CalendarInputError(`workingDaysBetween: b (${b}) is before a (${a})`);
    let count = 0;
    let t = eb > ea ? this.tableOf(ea + 1) : undefined;
    for (let e = ea + 1; e <= eb; e++) {
      if (!t || e >= t.start + t.working.length) t = this.tableOf(e);
      count += t.working[e - t.start] ?? 0;
    }
    return count;
  }

  private addEpoch(start: number, n: number): { day: number; provisional: boolean } {
    if (n === 0) return { day: start, provisional: false };
    let provisional = false;
    let e = start;
    let t = this.tableOf(start + 1);
    provisional ||= t.provisional;
    let left = n;
    while (left > 0) {
      e++;
      let i = e - t.start;
      if (i >= t.working.length) {
        t = this.tableOf(e);
        provisional ||= t.provisional;
        i = e - t.start;
      }
      if (t.working[i] === 1) left--;
    }
    return { day: e, provisional };
  }

  /**
   * The SLA clock. Rule (L02, R07), in Shanghai civil dates (see README.md, "The partial-day rule"):
   *  - The period starts the day after startedAt's date: day 1 is the first working day after it
   *    (unit `days`: the first calendar day after it).
   *  - A pause that begins on or before the deadline day stops the clock. The day it begins counts
   *    as used; the days after it up to and including the day it ends are excluded; the clock
   *    restarts the day after the resumption with the days that were left when it began, never
   *    fewer than one (a pause begun on the last day leaves one day: `graceDays`).
   *  - A pause that starts and ends on the same date excludes nothing (but on the last day it still
   *    leaves the one day). Overlapping or adjacent pauses are merged (a day is excluded once).
   *  - An open pause (to = null) stops the clock: deadlineAt/deadlineDate are null, countedDays holds
   *    the days counted before it. A pause that begins after the deadline day changes nothing.
   *  - The deadline is the end (23:59:59.999+08:00) of the date of the last counted day; with
   *    workingDays = 0 it is the end of startedAt's own date. Unit `days` (Civil Code Art. 203): when
   *    that day is not a working day the period ends on the first working day after it.
   *  - Pauses may not start before startedAt, nor end before they start; with asOf, neither end
   *    may lie after asOf.
   */
  computeSlaDeadline(input: SlaInput): SlaResult {
    if (typeof input !== 'object' || input === null) throw new CalendarInputError('SLA input must be an object');
    const startMs = parseInstant(input.startedAt, 'startedAt');
    const n = checkCount(input.workingDays, 'workingDays');
    const unit = input.unit ?? 'working-days';
    if (unit !== 'working-days' && unit !== 'days') throw new CalendarInputError(`unit must be 'working-days' or 'days', got ${String(unit)}`);
    const asOfMs = input.asOf === undefined ? undefined : parseInstant(input.asOf, 'asOf');
    if (asOfMs !== undefined && asOfMs < startMs) throw new CalendarInputError(`asOf (${input.asOf}) is before startedAt (${input.startedAt})`);
    const pauses = input.pauses ?? [];
    if (!Array.isArray(pauses)) throw new CalendarInputError('pauses must be an array');

    // Pauses as date intervals [lo, hi]: lo = the date it began (counts as used), (lo, hi] excluded;
    // hi = Infinity while open.
    const intervals: { lo: number; hi: number }[] = [];
    pauses.forEach((p, i) => {
      if (typeof p !== 'object' || p === null) throw new CalendarInputError(`pauses[${i}] must be an object { from, to }`);
      const fromMs = parseInstant(p.from, `pauses[${i}].from`);
      const toMs = p.to === null ? null : parseInstant(p.to, `pauses[${i}].to`);
      if (fromMs < startMs) throw new CalendarInputError(`pauses[${i}] starts (${p.from}) before the clock started (${input.startedAt})`);
      if (toMs !== null && toMs < fromMs) throw new CalendarInputError(`pauses[${i}] ends (${p.to}) before it starts (${p.from})`);
      if (asOfMs !== undefined && fromMs > asOfMs) throw new CalendarInputError(`pauses[${i}] starts (${p.from}) after asOf (${input.asOf})`);
      if (asOfMs !== undefined && toMs !== null && toMs > asOfMs) throw new CalendarInputError(`pauses[${i}] ends (${p.to}) after asOf (${input.asOf})`);
      intervals.push({ lo: shanghaiEpochDay(fromMs), hi: toMs === null ? Number.POSITIVE_INFINITY : shanghaiEpochDay(toMs) });
    });
    intervals.sort((x, y) => x.lo - y.lo);
    const merged: { lo: number; hi: number }[] = [];
    for (const iv of intervals) {
      const last = merged[merged.length - 1];
      if (last && iv.lo <= last.hi) last.hi = Math.max(last.hi, iv.hi);
      else merged.push({ ...iv });
    }

    const startDay = shanghaiEpochDay(startMs);
    const asOfDay = asOfMs === undefined ? undefined : shanghaiEpochDay(asOfMs);
    let provisional = false;
    let t: YearTable | undefined;
    const isWorking = (e: number): boolean => {
      if (!t || e < t.start || e >= t.start + t.working.length) t = this.tableOf(e);
      provisional ||= t.provisional;
      return t.working[e - t.start] === 1;
    };
    const counts = unit === 'days' ? () => true : isWorking;
    /** The day the period really ends: unit `days` moves a rest day to the next working day. */
    const endOf = (e: number): number => {
      if (unit === 'working-days') return e;
      let d = e;
      while (!isWorking(d)) d++;
      return d;
    };

    const counted: number[] = [];
    let left = n;
    let last: number | null = n === 0 ? startDay : null; // the last counted day once left = 0
    let cursor = startDay; // days up to here are done
    const countThrough = (to: number) => {
      for (let e = cursor + 1; e <= to && left > 0; e++) {
        if (!counts(e)) continue;
        counted.push(e);
        if (--left === 0) last = e;
      }
      cursor = to;
    };
    let pausedWorkingDays = 0;
    let graceDays = 0;
    let paused = false;
    for (const iv of merged) {
      countThrough(iv.lo);
      if (last !== null && endOf(last) < iv.lo) break; // began after the deadline day: changes nothing
      if (left === 0) {
        // Begun on the deadline day: the day is used, and one day remains after the pause.
        left = 1;
        graceDays++;
        last = null;
      }
      if (iv.hi === Number.POSITIVE_INFINITY) {
        paused = true;
        if (asOfDay !== undefined) for (let d = iv.lo + 1; d <= asOfDay; d++) if (counts(d)) pausedWorkingDays++;
        break;
      }
      for (let d = iv.lo + 1; d <= iv.hi; d++) if (counts(d)) pausedWorkingDays++;
      cursor = iv.hi;
    }
    if (!paused) {
      while (left > 0) countThrough(cursor + 1);
    }
    const deadline = paused || last === null ? null : endOf(last);

    const used = asOfDay === undefined ? null : counted.filter((d) => d <= asOfDay).length;
    return {
      deadlineAt: deadline === null ? null : endOfEpochDayShanghai(deadline),
      deadlineDate: deadline === null ? null : formatEpochDay(deadline),
      provisional,
      calendarVersion: this.version,
      countedDays: counted.map(formatEpochDay),
      pausedWorkingDays,
      graceDays,
      paused,
      startDate: formatEpochDay(startDay),
      workingDays: n,
      unit,
      asOfDate: asOfDay === undefined ? null : formatEpochDay(asOfDay),
      usedWorkingDays: used,
      remainingWorkingDays: used === null ? null : Math.max(0, n + graceDays - used),
    };
  }
}
