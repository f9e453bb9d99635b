/**
 * The calendar's file side: loads the year files from a data directory, fingerprints the
 * directory, and keeps one cached calendar per directory that reloads when a file changes (so a
 * new year file needs no restart). The calendar's rules (domain/calendar/) stay free of I/O.
 *
 * Loading: every `YYYY.json` in it (other files, e.g. README.md,
 * are ignored; a `*.json` not named `YYYY.json` is an error, so a misnamed new year is not silently
 * skipped). Each file is validated (schema.ts); any problem throws CalendarDataError naming the file.
 *
 * Directory: the `dir` argument, else env CALENDAR_DIR, else this module's `data/` folder. Ops add
 * next year's file there the day the notice is published; no code release needed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Calendar } from '../domain/calendar/calendar';
import type { CivilDate } from '../domain/calendar/civil';
import { CalendarDataError } from '../domain/calendar/errors';
import { type YearData, validateYearFile } from '../domain/calendar/schema';
import type { DayInfo, SlaInput, SlaResult, WorkingDayResult } from '../domain/calendar/calendar';

/** The bundled year files: the arrangement is domain data, kept beside the calendar's rules. */
export const DEFAULT_CALENDAR_DIR = path.join(__dirname, '..', 'domain', 'calendar', 'data');

export function resolveCalendarDir(dir?: string): string {
  return path.resolve(dir ?? process.env.CALENDAR_DIR ?? DEFAULT_CALENDAR_DIR);
}

/** The `*.json` files of a calendar directory, sorted. Throws CalendarDataError when it cannot be read. */
export function listCalendarFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new CalendarDataError(`calendar directory ${dir} cannot be read: ${(e as Error).message}`);
  }
  return names.filter((n) => n.toLowerCase().endsWith('.json')).sort();
}

/** Year ranges for humans: [2020, 2021, 2022, 2024] → "2020-2022,2024". */
export function yearRanges(years: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < years.length) {
    const first = years[i] as number;
    let last = first;
    while (years[i + 1] === last + 1) last = years[++i] as number;
    parts.push(first === last ? String(first) : `${first}-${last}`);
    i++;
  }
  return parts.join(',');
}

/** `2020-2026@1a2b3c4d5e6f`: the years with a file, and a hash of their (canonicalised) content. */
export function calendarVersionOf(years: readonly YearData[]): string {
  const sorted = [...years].sort((a, b) => a.year - b.year);
  const hash = createHash('sha256')
    .update(JSON.stringify(sorted.map((y) => y.canonical)))
    .digest('hex')
    .slice(0, 12);
  return `${yearRanges(sorted.map((y) => y.year))}@${hash}`;
}

export function loadCalendar(dir?: string): Calendar {
  const root = resolveCalendarDir(dir);
  const names = listCalendarFiles(root);
  if (names.length === 0) throw new CalendarDataError(`calendar directory ${root} has no YYYY.json files (wrong CALENDAR_DIR?)`);
  const years: YearData[] = [];
  for (const name of names) {
    const file = path.join(root, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new CalendarDataError(`${file}: cannot read or parse as JSON: ${(e as Error).message}`, file);
    }
    years.push(validateYearFile(raw, file));
  }
  return new Calendar(years, calendarVersionOf(years));
}

/**
 * A fingerprint of a calendar directory: a hash of the names and bytes of its `*.json` files (a few
 * small files: well under a millisecond). When it changes, the directory must be reloaded. Content,
 * not mtimes, so an edit within the same clock tick or a copied-in file with an old mtime is seen.
 */
export function calendarDirFingerprint(dir?: string): string {
  const root = resolveCalendarDir(dir);
  const hash = createHash('sha256');
  for (const name of listCalendarFiles(root)) {
    hash.update(`${name}\0`);
    try {
      hash.update(readFileSync(path.join(root, name)));
    } catch {
      hash.update('(unreadable)');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

const cache = new Map<string, { fingerprint: string; calendar: Calendar }>();

/**
 * The calendar of `dir` as it is now: reloaded (and re-validated) when a file was added, removed
 * or changed since the last call. Throws CalendarDataError while a file is invalid: a deadline
 * from silently stale data would be worse than a visible error.
 */
export function currentCalendar(dir?: string): Calendar {
  const root = resolveCalendarDir(dir);
  const fingerprint = calendarDirFingerprint(root);
  const hit = cache.get(root);
  if (hit && hit.fingerprint === fingerprint) return hit.calendar;
  cache.delete(root);
  const calendar = loadCalendar(root);
  cache.set(root, { fingerprint, calendar });
  return calendar;
}

// ---- the process-wide calendar (scripts, tests, benchmarks) -------------------------------------
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
