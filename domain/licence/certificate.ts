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

// ---- R05: the electronic certificate's verifiable content ----------------------------------------

/** What an electronic certificate says (L07): holder, addresses, product, number, dates. */
export interface CertificateContent {
  number: string;
  enterpriseName: string;
  enterpriseAddress: string;
  productionAddresses: { province: string; address: string }[];
  product: string;
  productNames: string[];
  issuedOn: string;
  validUntil: string;
}

/** JSON with object keys sorted at every level and no whitespace: one text per value, so one hash. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The certificate's canonical content, version 1: the L07 fields, with the holder (enterprise
 * name and address, production addresses) as the SHA-256 of its own canonical JSON. The public
 * check shows this text, so anyone can recompute the certificate's hash without the check
 * revealing who holds it; whoever holds the certificate can recompute `holderSha256` from what is
 * printed on it (`certificateHolderText`).
 */
export function certificateCanonicalContent(c: CertificateContent): string {
  return canonicalJson({
    v: 1,
    number: c.number,
    product: c.product,
    productNames: c.productNames,
    issuedOn: c.issuedOn,
    validUntil: c.validUntil,
    holderSha256: sha256Hex(certificateHolderText(c)),
  });
}

/** The holder part of the content, as hashed into `holderSha256`. */
export function certificateHolderText(c: Pick<CertificateContent, 'enterpriseName' | 'enterpriseAddress' | 'productionAddresses'>): string {
  return canonicalJson({
    enterpriseName: c.enterpriseName,
    enterpriseAddress: c.enterpriseAddress,
    productionAddresses: c.productionAddresses.map((a) => ({ province: a.province, address: a.address })),
  });
}

/** R05: the SHA-256 (lowercase hex) of the certificate's canonical content, stored with it at issuance. */
export function certificateContentSha256(c: CertificateContent): string {
  return sha256Hex(certificateCanonicalContent(c));
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/**
 * SHA-256 (FIPS 180-4) of the UTF-8 bytes of `text`, in plain TypeScript: domain/ is pure and
 * workflow code imports this module, so node:crypto is out of reach (test/unit checks it against it).
 */
export function sha256Hex(text: string): string {
  const msg = new TextEncoder().encode(text);
  const padded = new Uint8Array((((msg.length + 8) >> 6) + 1) << 6);
  padded.set(msg);
  padded[msg.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(msg.length / 0x20000000));
  view.setUint32(padded.length - 4, (msg.length << 3) >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15]!, 7) ^ rotr(w[i - 15]!, 18) ^ (w[i - 15]! >>> 3);
      const s1 = rotr(w[i - 2]!, 17) ^ rotr(w[i - 2]!, 19) ^ (w[i - 2]! >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as [number, number, number, number, number, number, number, number];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = h[0]! + a;
    h[1] = h[1]! + b;
    h[2] = h[2]! + c;
    h[3] = h[3]! + d;
    h[4] = h[4]! + e;
    h[5] = h[5]! + f;
    h[6] = h[6]! + g;
    h[7] = h[7]! + hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}

const ACTIVE = new Set(['valid', 'deemed-renewed']);
export const isActive = (status: string): boolean => ACTIVE.has(status);

/** What the public check says (R15): an open rectification order shows beside a status that still lets the holder produce. */
export function certificateStatusText(status: string, order: { rectifyBy: string; spotCheck?: string } | null | undefined): string {
  if (!order || !isActive(status)) return status;
  // R15: a failed spot check orders production and sale of the product stopped until the re-check.
  return order.spotCheck
    ? `${status} — stop production and sale (failed spot check, round ${order.spotCheck}); under rectification order until ${order.rectifyBy}`
    : `${status} — under rectification order until ${order.rectifyBy}`;
}
