/**
 * Generated import files (issue 19) for the import tests and bench/import.ts: valid licences of
 * Beijing (cement and steel bars; valid, expired, cancelled, revoked, suspended), a few bans and
 * rectification orders, one licence expiring in 3 months, and `badPerKind` bad rows of every kind.
 */
import { IMPORT_COLUMNS } from '../../domain/licence/import-format';
import { addMonths, certificateNumber, validUntil } from '../../domain/licence/certificate';
import { addCalendarDays } from '../../domain/time';
import { withUsccCheck } from '../../domain/uscc';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const BAD_KINDS = ['uscc', 'number-format', 'province-prefix', 'product-code', 'unreal-date', 'date-order', 'status', 'duplicate', 'missing-field'] as const;
export type BadKind = (typeof BAD_KINDS)[number];

export function usccFor(i: number, prefix = '91110000'): string {
  let tail = '';
  let n = i;
  for (let k = 0; k < 9; k++) {
    tail = ALPHABET[n % 31]! + tail;
    n = Math.floor(n / 31);
  }
  return withUsccCheck(`${prefix}${tail}`);
}

export type Row = Record<(typeof IMPORT_COLUMNS)[number] | 'record_type' | 'ends_on', string>;

export interface GeneratedFile {
  rows: Row[];
  /** Data line (1-based, header is line 1) → the kind of problem put in it. */
  bad: Map<number, BadKind>;
  /** Certificate numbers of valid rows whose licence is valid (or suspended): each gets a lifecycle. */
  active: string[];
  /** Valid licence rows (any status), valid fact rows. */
  validLicences: number;
  validFacts: number;
  /** The licence that expires in 3 months. */
  expiringSoon: string;
  /** Highest cement serial imported. */
  maxCementSerial: number;
}

export function generateImportFile(opts: { rows: number; badPerKind: number; today: string; usccBase?: number; activeEvery?: number }): GeneratedFile {
  const { today } = opts;
  const activeEvery = opts.activeEvery ?? 10;
  const base = opts.usccBase ?? 0;
  const rows: Row[] = [];
  const bad = new Map<number, BadKind>();
  const active: string[] = [];
  let validLicences = 0;
  let validFacts = 0;
  let maxCementSerial = 0;
  const serial = { cement: 0, 'steel-bar': 0 };
  const licence = (i: number): Row => {
    const product = i % 4 < 2 ? 'cement' : 'steel-bar';
    const s = ++serial[product];
    const issued = addCalendarDays(addMonths(today, -12 - (i % 36)), -(i % 27));
    const until = validUntil(issued, 5);
    return {
      certificate_number: certificateNumber('BJ', product, s),
      uscc: usccFor(base + i),
      enterprise_name: `北京第${i}建材有限公司`,
      registered_address: `北京市房山区示范路${i}号`,
      production_addresses: `北京市房山区示范路${i}号厂区;北京市大兴区工业路${i}号`,
      product: i % 8 === 3 ? '建筑用钢筋' : product,
      product_names: product === 'cement' ? '通用硅酸盐水泥;P·O 42.5' : '热轧带肋钢筋',
      issued_on: issued,
      valid_until: until,
      status: 'valid',
      status_date: '',
      status_ground: '',
      status_reason: '',
      issuing_authority: i % 3 === 0 ? '国家市场监督管理总局' : '北京市市场监督管理局',
      record_type: '',
      ends_on: '',
    };
  };
  const kinds = BAD_KINDS.flatMap((k) => Array.from({ length: opts.badPerKind }, () => k));
  // Bad rows spread evenly through the file.
  const badAt = new Map<number, BadKind>();
  kinds.forEach((k, j) => badAt.set(Math.floor(((j + 0.5) * opts.rows) / kinds.length), k));
  let expiringSoon = '';
  const earlier: Row[] = [];
  for (let i = 0; i < opts.rows; i++) {
    const line = i + 2;
    const kind = badAt.get(i);
    const r = licence(i);
    if (kind) {
      bad.set(line, kind);
      switch (kind) {
        case 'uscc': r.uscc = r.uscc.slice(0, 17) + (r.uscc[17] === '0' ? '1' : '0'); break;
        case 'number-format': r.certificate_number = r.certificate_number.replace('XK', 'XQ'); break;
        case 'province-prefix': r.certificate_number = r.certificate_number.replace('(京)', '(沪)'); break;
        case 'product-code': r.product = r.product === 'cement' ? 'steel-bar' : 'cement'; break;
        case 'unreal-date': r.issued_on = '2023-02-30'; break;
        case 'date-order': [r.issued_on, r.valid_until] = [r.valid_until, r.issued_on]; break;
        case 'status': r.valid_until = addCalendarDays(today, -10); r.issued_on = addCalendarDays(r.valid_until, -400); break;
        case 'missing-field': r.enterprise_name = ''; break;
      }
      // A duplicate is the same row again (as exports that join tables produce).
      rows.push(kind === 'duplicate' ? { ...earlier[(i * 7) % earlier.length]! } : r);
      continue;
    }
    if (i % 97 === 5) {
      // A ban or a rectification order from the old system (R17, L04).
      const fact: Row = { ...r, certificate_number: '', record_type: i % 2 ? 'ban' : 'rectification-order', status_date: addCalendarDays(today, -100 - i), ends_on: addCalendarDays(today, 200 + i), status_ground: i % 2 ? 'false-materials' : '', status_reason: '出厂检验不合格', status: '', product: 'cement' };
      rows.push(fact);
      validFacts++;
      continue;
    }
    // A register holds mostly ended licences: one in `activeEvery` is still valid (or suspended).
    const slot = i % activeEvery;
    if (slot === 0) {
      if (i % 61 === 20) {
        r.status = 'suspended';
        r.status_date = addCalendarDays(today, -20);
        r.status_reason = '责令停产整改';
      }
    } else if (slot % 3 === 0) {
      r.status = 'cancelled';
      r.status_date = addCalendarDays(today, -30);
      r.status_reason = '企业申请注销';
    } else if (i % 53 === 11) {
      r.status = 'revoked';
      r.status_date = addCalendarDays(today, -60);
      r.status_ground = 'failed-rectification';
      r.status_reason = '复查不合格';
    } else {
      // Expired: validity ended before today.
      r.issued_on = addCalendarDays(today, -(5 * 365 + 30 + (i % 200)));
      r.valid_until = validUntil(r.issued_on, 5);
      r.status = 'expired';
    }
    if (!expiringSoon && r.status === 'valid' && i > 10) {
      r.issued_on = addCalendarDays(addMonths(today, -57), 1);
      r.valid_until = validUntil(r.issued_on, 5);
      expiringSoon = r.certificate_number;
    }
    if (r.status === 'valid' || r.status === 'suspended') active.push(r.certificate_number);
    earlier.push(r);
    if (r.certificate_number.includes('XK08-001-')) maxCementSerial = Math.max(maxCementSerial, Number(r.certificate_number.slice(-5)));
    validLicences++;
    rows.push(r);
  }
  return { rows, bad, active, validLicences, validFacts, expiringSoon, maxCementSerial };
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function toCsv(rows: Row[]): string {
  const cols = [...IMPORT_COLUMNS, 'record_type', 'ends_on'] as const;
  return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
}

export function toJsonLines(rows: Row[]): string {
  return rows.map((r) => JSON.stringify({ ...r, production_addresses: r.production_addresses.split(';'), product_names: r.product_names.split(';') })).join('\n') + '\n';
}
