/** L07: certificate numbers `(省简称)XK××-×××-×××××`. */
import { PRODUCTS, type ProductId } from './policy';
import { PROVINCES, type ProvinceCode } from './provinces';

export function certificateNumber(province: ProvinceCode, product: ProductId, serial: number): string {
  if (!Number.isInteger(serial) || serial < 1 || serial > 99_999) throw new RangeError(`serial out of range: ${serial}`);
  const p = PRODUCTS[product];
  return `(${PROVINCES[province].abbr})XK${p.industryCode}-${p.productCode}-${String(serial).padStart(5, '0')}`;
}

export const CERTIFICATE_NUMBER = /^\((\p{Script=Han}{1,2})\)XK(\d{2})-(\d{3})-(\d{5})$/u;

/** Validity end: the day before the same date `years` later (a licence issued 2026-03-02 is valid through 2031-03-01). */
export function validUntil(issuedOn: string, years: number): string {
  const [y, m, d] = issuedOn.split('-').map(Number) as [number, number, number];
  const end = new Date(Date.UTC(y + years, m - 1, d));
  end.setUTCDate(end.getUTCDate() - 1);
  return end.toISOString().slice(0, 10);
}
