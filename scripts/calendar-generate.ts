/**
 * Generates domain/calendar/data/YYYY.json (2020..2026) from the npm package `chinese-days`
 * (its dist/chinese-days.json: `holidays` = every date off in an arrangement, `workdays` = the
 * adjusted working weekends). Nothing here types dates by hand: only each year's notice title,
 * number and address.
 *
 *   npx tsx scripts/calendar-generate.ts           # (re)write the files
 *   npx tsx scripts/calendar-generate.ts --check   # exit 1 if a file differs from the package
 *
 * The files are cross-checked against a second source (holiday-cn) in test/unit/calendar-crosscheck.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type YearFile, validateYearFile } from '../domain/calendar/schema';

export const GENERATED_YEARS = [2020, 2021, 2022, 2023, 2024, 2025, 2026] as const;

/** Each year's notice (国务院办公厅关于YYYY年部分节假日安排的通知). */
export const NOTICES: Record<number, { source: string; sourceUrl: string; notes?: string }> = {
  2020: {
    source: '国务院办公厅关于2020年部分节假日安排的通知 (国办发明电〔2019〕16号); 国务院办公厅关于延长2020年春节假期的通知 (国办发明电〔2020〕1号)',
    sourceUrl: 'http://www.gov.cn/zhengce/content/2019-11/21/content_5454164.htm http://www.gov.cn/zhengce/content/2020-01/27/content_5472352.htm',
    notes: 'The second notice extended the Spring Festival holiday to 2020-02-02 and cancelled the 2020-02-01 working Saturday.',
  },
  2021: {
    source: '国务院办公厅关于2021年部分节假日安排的通知 (国办发明电〔2020〕27号)',
    sourceUrl: 'http://www.gov.cn/zhengce/content/2020-11/25/content_5564127.htm',
  },
  2022: {
    source: '国务院办公厅关于2022年部分节假日安排的通知 (国办发明电〔2021〕11号)',
    sourceUrl: 'http://www.gov.cn/zhengce/content/2021-10/25/content_5644835.htm',
    notes: '2022-12-31 (a Saturday) is off under the 2023 notice (国办发明电〔2022〕16号, New Year 2022-12-31..2023-01-02).',
  },
  2023: {
    source: '国务院办公厅关于2023年部分节假日安排的通知 (国办发明电〔2022〕16号)',
    sourceUrl: 'http://www.gov.cn/zhengce/content/2022-12/08/content_5730844.htm',
  },
  2024: {
    source: '国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号)',
    sourceUrl: 'https://www.gov.cn/zhengce/content/202310/content_6911527.htm',
  },
  2025: {
    source: '国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)',
    sourceUrl: 'https://www.gov.cn/zhengce/zhengceku/202411/content_6986383.htm',
  },
  2026: {
    source: '国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号)',
    sourceUrl: 'https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm',
  },
};

export const DATA_DIR = path.resolve(__dirname, '../domain/calendar/data');

interface ChineseDaysJson {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

export function chineseDaysVersion(): string {
  const pkg = JSON.parse(readFileSync(require.resolve('chinese-days/package.json'), 'utf8')) as { version: string };
  return `chinese-days@${pkg.version}`;
}

function chineseDaysData(): ChineseDaysJson {
  const file = path.join(path.dirname(require.resolve('chinese-days/package.json')), 'dist', 'chinese-days.json');
  return JSON.parse(readFileSync(file, 'utf8')) as ChineseDaysJson;
}

/** The year file for `year`, derived from chinese-days. */
export function generateYear(year: number): YearFile {
  const notice = NOTICES[year];
  if (!notice) throw new Error(`no notice recorded for ${year}`);
  const data = chineseDaysData();
  const inYear = (r: Record<string, string>) => Object.keys(r).filter((d) => d.startsWith(`${year}-`)).sort();
  const file: YearFile = {
    year,
    source: notice.source,
    sourceUrl: notice.sourceUrl,
    generatedFrom: `${chineseDaysVersion()} (dist/chinese-days.json: holidays → daysOff, workdays → workingWeekends)`,
    ...(notice.notes ? { notes: notice.notes } : {}),
    daysOff: inYear(data.holidays),
    workingWeekends: inYear(data.workdays),
  };
  validateYearFile(file, `${year}.json`); // throws on anything odd (a weekday "working weekend", a missing statutory holiday …)
  return file;
}

export function render(file: YearFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

function main(): void {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const year of GENERATED_YEARS) {
    const target = path.join(DATA_DIR, `${year}.json`);
    const text = render(generateYear(year));
    if (check) {
      let current = '';
      try {
        current = readFileSync(target, 'utf8');
      } catch {
        /* missing */
      }
      if (current !== text) {
        stale++;
        console.error(`${target} differs from ${chineseDaysVersion()}`);
      }
    } else {
      writeFileSync(target, text);
      console.log(`wrote ${target}`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (require.main === module) main();
