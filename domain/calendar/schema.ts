/**
 * One year file, `<dir>/YYYY.json`, taken from the State Council General Office's yearly holiday
 * notice (国务院办公厅关于YYYY年部分节假日安排的通知):
 *
 * ```json
 * { "year": 2026,
 *   "source": "国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号)",
 *   "sourceUrl": "https://www.gov.cn/…",              // optional
 *   "generatedFrom": "chinese-days@1.5.7",            // optional: how the file was made
 *   "notes": "…",                                     // optional
 *   "daysOff": ["2026-01-01", …],
 *   "workingWeekends": ["2026-01-04", …] }
 * ```
 *
 * `daysOff`: every date the notice gives off that lies in this year — statutory holidays, bridge
 * days (调休) and the weekend days inside a holiday block. Listing a weekend day is optional (a
 * weekend is off anyway) so a file typed from the notice by hand may leave them out.
 * `workingWeekends`: the Saturdays and Sundays the notice makes working days (调休上班).
 * A date of a notice that falls in another year (the 2023 notice gives 2022-12-31 off) belongs in
 * that other year's file.
 *
 * Effective rule: a date is a working day iff it is in `workingWeekends`, or it is Monday–Friday
 * and not in `daysOff`.
 */
import { z } from 'zod';
import { isWeekend, parseCivilDate, yearOf } from './civil';
import { CalendarDataError, CalendarInputError } from './errors';
import { STATUTORY_FIRST_YEAR, statutoryHolidays } from './statutory';

const dateString = z.string();

export const yearFileSchema = z.strictObject({
  year: z.number().int().min(1000).max(9999),
  source: z.string().trim().min(1, 'source must name the notice the data comes from'),
  sourceUrl: z.string().optional(),
  generatedFrom: z.string().optional(),
  notes: z.string().optional(),
  daysOff: z.array(dateString).min(1, 'daysOff is empty: a year without days off is certainly a mistake'),
  workingWeekends: z.array(dateString),
});

export type YearFile = z.infer<typeof yearFileSchema>;

/** A validated year: epoch days, ready for lookup. */
export interface YearData {
  year: number;
  source: string;
  file: string;
  daysOff: number[];
  workingWeekends: number[];
  /** The canonical content (for the version hash). */
  canonical: YearFile;
}

export const YEAR_FILE_NAME = /^(\d{4})\.json$/;

/** Validates the parsed JSON of `file` (its base name must be `YYYY.json`); throws CalendarDataError naming the file and every problem found. */
export function validateYearFile(raw: unknown, file: string): YearData {
  const base = file.split(/[\\/]/).pop() ?? file;
  const nameMatch = YEAR_FILE_NAME.exec(base);
  if (!nameMatch) throw new CalendarDataError(`${file}: a calendar file must be named YYYY.json`, file);
  const parsed = yearFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CalendarDataError(`${file}: invalid calendar file: ${problems.join('; ')}`, file);
  }
  const data = parsed.data;
  const problems: string[] = [];
  if (data.year !== Number(nameMatch[1])) problems.push(`"year" is ${data.year} but the file is named ${base}`);

  const check = (list: string[], field: 'daysOff' | 'workingWeekends'): Map<number, string> => {
    const seen = new Map<number, string>();
    list.forEach((s, i) => {
      let day: number;
      try {
        day = parseCivilDate(s, `${field}[${i}]`);
      } catch (e) {
        problems.push(e instanceof CalendarInputError ? e.message : String(e));
        return;
      }
      if (yearOf(day) !== data.year) problems.push(`${field}[${i}] ${s} is outside ${data.year}`);
      if (seen.has(day)) problems.push(`${field} lists ${s} twice`);
      if (field === 'workingWeekends' && !isWeekend(day)) problems.push(`workingWeekends[${i}] ${s} is not a Saturday or Sunday`);
      seen.set(day, s);
    });
    return seen;
  };
  const off = check(data.daysOff, 'daysOff');
  const working = check(data.workingWeekends, 'workingWeekends');
  for (const [day, s] of working) if (off.has(day)) problems.push(`${s} is both in daysOff and in workingWeekends`);

  // Every statutory holiday is a day off in any notice: catches a typo or a shifted lunar date.
  if (problems.length === 0 && data.year >= STATUTORY_FIRST_YEAR) {
    for (const h of statutoryHolidays(data.year)) {
      const day = parseCivilDate(h.date);
      if (working.has(day)) problems.push(`statutory holiday ${h.name} ${h.date} is listed in workingWeekends`);
      else if (!off.has(day) && !isWeekend(day)) problems.push(`statutory holiday ${h.name} ${h.date} is missing from daysOff`);
    }
  }
  if (problems.length > 0) throw new CalendarDataError(`${file}: invalid calendar file: ${problems.join('; ')}`, file);

  const sortedDates = (m: Map<number, string>) => [...m.keys()].sort((a, b) => a - b);
  const daysOff = sortedDates(off);
  const workingWeekends = sortedDates(working);
  return {
    year: data.year,
    source: data.source,
    file,
    daysOff,
    workingWeekends,
    canonical: { ...data, daysOff: [...data.daysOff].sort(), workingWeekends: [...data.workingWeekends].sort() },
  };
}
