/**
 * Statutory holidays of 《全国年节及纪念日放假办法》 for all citizens (全体公民放假的节日), by year.
 * These are the days the law itself fixes; the State Council's yearly notice then adds bridge days
 * (调休) and working weekends. Used for two things:
 *  - provisional years (no notice loaded yet): weekends + these days, marked `provisional`;
 *  - a sanity check on every loaded year file: each statutory holiday must be a day off.
 *
 * Not modelled, on purpose: the make-up day (补假) the law grants when a holiday falls on a weekend,
 * and bridge days. Where they land is fixed only by the notice; leaving them out makes a provisional
 * year have fewer days off, so a provisional deadline tends to come early rather than late. It is
 * recomputed once the year's file is loaded.
 *
 * Lunar dates come from lunar-javascript. 除夕 is the day before lunar 1/1 (lunar month 12 has 29 or
 * 30 days, so "12/30" is not always a date).
 */
import { Lunar, Solar } from 'lunar-javascript';
import { CalendarInputError } from './errors';

export interface StatutoryHoliday {
  date: string;
  name: string;
}

/** The rule used for provisional years, as recorded in results and docs. */
export const PROVISIONAL_RULE = '全国年节及纪念日放假办法 (2024 revision, in force 2025-01-01)';
/** Provisional answers are given from this year (the 2024 revision's first year) ... */
export const PROVISIONAL_FIRST_YEAR = 2025;
/** ... up to this one (well past any deadline this system will compute). */
export const PROVISIONAL_LAST_YEAR = 2099;
/** statutoryHolidays() knows the rules from this year (2013 revision, in force 2014-01-01). */
export const STATUTORY_FIRST_YEAR = 2014;

function ymd(s: Solar): string {
  return s.toYmd();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function fixed(year: number, month: number, day: number, name: string): StatutoryHoliday {
  return { date: `${year}-${pad(month)}-${pad(day)}`, name };
}

function lunar(year: number, month: number, day: number, name: string): StatutoryHoliday {
  const solar = Lunar.fromYmd(year, month, day).getSolar();
  if (solar.getYear() !== year) throw new Error(`lunar ${year}-${month}-${day} fell in ${solar.getYear()}`);
  return { date: ymd(solar), name };
}

function qingming(year: number): StatutoryHoliday {
  const term = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()['清明'];
  if (!term || term.getYear() !== year || term.getMonth() !== 4) throw new Error(`could not find 清明 in ${year}`);
  return { date: ymd(term), name: '清明节' };
}

/**
 * The statutory holidays of `year`, sorted by date, de-duplicated (Mid-Autumn can fall on National Day).
 *  - 2014–2024 (2013 revision): 元旦 1/1; 春节 lunar 1/1–1/3; 清明; 劳动节 5/1; 端午 lunar 5/5; 中秋 lunar 8/15; 国庆 10/1–3.
 *  - 2025 on (2024 revision): adds 除夕 (the day before lunar 1/1) and 5/2.
 */
export function statutoryHolidays(year: number): StatutoryHoliday[] {
  if (!Number.isInteger(year) || year < STATUTORY_FIRST_YEAR || year > PROVISIONAL_LAST_YEAR) {
    throw new CalendarInputError(`statutory holidays are known for ${STATUTORY_FIRST_YEAR}..${PROVISIONAL_LAST_YEAR}, not ${year}`);
  }
  const revision2024 = year >= 2025;
  const days: StatutoryHoliday[] = [fixed(year, 1, 1, '元旦')];
  const springFestival = Lunar.fromYmd(year, 1, 1).getSolar();
  if (revision2024) days.push({ date: ymd(springFestival.next(-1)), name: '春节(除夕)' });
  for (let i = 0; i < 3; i++) days.push({ date: ymd(springFestival.next(i)), name: '春节' });
  days.push(qingming(year));
  days.push(fixed(year, 5, 1, '劳动节'));
  if (revision2024) days.push(fixed(year, 5, 2, '劳动节'));
  days.push(lunar(year, 5, 5, '端午节'));
  days.push(lunar(year, 8, 15, '中秋节'));
  for (let d = 1; d <= 3; d++) days.push(fixed(year, 10, d, '国庆节'));
  const byDate = new Map<string, StatutoryHoliday>();
  for (const h of days) {
    const seen = byDate.get(h.date);
    byDate.set(h.date, seen ? { date: h.date, name: `${seen.name}/${h.name}` } : h);
  }
  return [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date));
}
