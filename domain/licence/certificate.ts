/** L07: certificate numbers `(省简称)XK××-×××-×××××`. */
import { PRODUCTS, type ProductId } from '../policy';
import { PROVINCES, type ProvinceCode } from '../provinces';

export function certificateNumber(province: ProvinceCode, product: ProductId, serial: number): string {
  if (!Number.isInteger(serial) || serial < 1 || serial > 99_999) throw new RangeError(`serial out of range: ${serial}`);
  const p = PRODUCTS[product];
  return `(${PROVINCES[province].abbr})XK${p.industryCode}-${p.productCode}-${String(serial).padStart(5, '0')}`;
}

/**
 * The 32 abbreviations spelled out rather than a Unicode script class: the OpenAPI document
 * carries this pattern, and its readers (other languages, fuzzers) need plain ECMA-262.
 */
export const CERTIFICATE_NUMBER = new RegExp(`^\\((${Object.values(PROVINCES).map((p) => p.abbr).join('|')})\\)XK(\\d{2})-(\\d{3})-(\\d{5})$`);

/** Validity end: the day before the same date `years` later (a licence issued 2026-03-02 is valid through 2031-03-01). */
export function validUntil(issuedOn: string, years: number): string {
  const [y, m, d] = issuedOn.split('-').map(Number) as [number, number, number];
  const end = new Date(Date.UTC(y + years, m - 1, d));
  end.setUTCDate(end.getUTCDate() - 1);
  return end.toISOString().slice(0, 10);
}

/** `date` moved by `months` calendar months, the day clamped to the target month (08-31 − 6 months = 02-28/29). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const ty = Math.floor(total / 12);
  const tm = total - ty * 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return `${String(ty).padStart(4, '0')}-${String(tm + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** L05: a renewal filed on or before this date is in time (at least `noticeMonths` before the last valid day). */
export function renewalDueBy(validUntil: string, noticeMonths: number): string {
  return addMonths(validUntil, -noticeMonths);
}
