/**
 * Validation of every row of an import file (issue 19): USCC check character, certificate
 * number format and province prefix (L07), product code matching the product, dates real and
 * ordered (L05: at most 5 years), status consistent with the dates, one row per certificate and
 * one active licence per enterprise and product (L07). A row with any problem is refused whole;
 * each problem names its line, field and reason.
 */
import { parseCivilDate } from '../calendar/civil';
import { PRODUCTS, PRODUCT_IDS, type ProductId } from '../policy';
import { PROVINCE_CODES, PROVINCES, type ProvinceCode } from '../provinces';
import { usccProblem } from '../uscc';
import { CERTIFICATE_NUMBER, validUntil as validityEnd } from './certificate';
import { type RawRecord, splitList } from './import-format';
import { RevocationGround } from './revocation';

export const IMPORTED_STATUSES = ['valid', 'suspended', 'expired', 'cancelled', 'revoked'] as const;
export type ImportedStatus = (typeof IMPORTED_STATUSES)[number];
export const FACT_KINDS = ['ban', 'rectification-order', 'revocation'] as const;
export type FactKind = (typeof FACT_KINDS)[number];

export interface ImportedLicence {
  kind: 'licence';
  certificateNumber: string;
  province: ProvinceCode;
  uscc: string;
  enterpriseName: string;
  registeredAddress: string;
  productionAddresses: string[];
  product: ProductId;
  productNames: string[];
  issuedOn: string;
  validUntil: string;
  status: ImportedStatus;
  statusDate?: string;
  statusGround?: RevocationGround;
  statusReason?: string;
  issuingAuthority: string;
}

/** A ban (L04, L08) or a fact a risk grade needs (R17: past revocations, rectification orders). */
export interface ImportedFact {
  kind: FactKind;
  uscc: string;
  product: ProductId;
  certificateNumber?: string;
  startsOn: string;
  endsOn?: string;
  ground?: RevocationGround;
  reason?: string;
}

export type ImportRecord = ImportedLicence | ImportedFact;

export interface RowProblem {
  line: number;
  field: string;
  reason: string;
}

export interface ValidatedRow {
  line: number;
  /** Present when the row is valid. */
  record?: ImportRecord;
  /** Identity in the register: the certificate number, or the fact's natural key. */
  key?: string;
  problems: RowProblem[];
}

/** Licences are imported as these certificate statuses (a suspension of production keeps the licence valid; it is kept as a fact). */
export function certificateStatusOf(s: ImportedStatus): 'valid' | 'expired' | 'cancelled' | 'revoked' {
  return s === 'suspended' ? 'valid' : s;
}

export function recordKey(r: ImportRecord): string {
  return r.kind === 'licence' ? r.certificateNumber : `${r.kind}:${r.uscc}:${r.product}:${r.startsOn}:${r.certificateNumber ?? ''}`;
}

/** A stable text of a record (keys sorted): equal records give equal text, so equal hashes. */
export function canonicalRecord(r: ImportRecord): string {
  const sorted = Object.keys(r).sort().reduce<Record<string, unknown>>((o, k) => {
    const v = (r as unknown as Record<string, unknown>)[k];
    if (v !== undefined && v !== '') o[k] = v;
    return o;
  }, {});
  return JSON.stringify(sorted);
}

/** The province most certificate numbers of the file carry (the import's province when none is named). */
export function inferProvince(records: RawRecord[]): ProvinceCode | undefined {
  const counts = new Map<ProvinceCode, number>();
  const byAbbr = new Map<string, ProvinceCode>(PROVINCE_CODES.map((c) => [PROVINCES[c].abbr, c]));
  for (const r of records) {
    const m = CERTIFICATE_NUMBER.exec(r.cells.certificate_number ?? '');
    const p = m && byAbbr.get(m[1]!);
    if (p) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  return ranked[0]?.[0];
}

function productOf(cell: string): ProductId | undefined {
  if ((PRODUCT_IDS as string[]).includes(cell)) return cell as ProductId;
  return PRODUCT_IDS.find((id) => PRODUCTS[id].nameZh === cell);
}

export function validateRows(records: RawRecord[], ctx: { province: ProvinceCode; today: string }): ValidatedRow[] {
  const seen = new Map<string, number>();
  const activeHolder = new Map<string, number>();
  return records.map((raw) => {
    const v = validateRow(raw, ctx);
    if (v.record && v.key) {
      const first = seen.get(v.key);
      if (first !== undefined) {
        v.problems.push({ line: raw.line, field: v.record.kind === 'licence' ? 'certificate_number' : 'record_type', reason: `duplicate of line ${first}: ${v.key} appears twice in the file` });
      } else seen.set(v.key, raw.line);
      if (v.record.kind === 'licence' && (v.record.status === 'valid' || v.record.status === 'suspended')) {
        const holder = `${v.record.uscc}:${v.record.product}`;
        const other = activeHolder.get(holder);
        if (other !== undefined && first === undefined) {
          v.problems.push({ line: raw.line, field: 'product', reason: `enterprise ${v.record.uscc} already holds an active ${v.record.product} licence on line ${other}: one certificate per enterprise per product (L07)` });
        } else if (other === undefined) activeHolder.set(holder, raw.line);
      }
    }
    if (v.problems.length) return { line: raw.line, problems: v.problems };
    return v;
  });
}

function validateRow(raw: RawRecord, ctx: { province: ProvinceCode; today: string }): ValidatedRow {
  const { line, cells } = raw;
  const problems: RowProblem[] = [];
  const bad = (field: string, reason: string) => problems.push({ line, field, reason });
  const text = (field: keyof RawRecord['cells'], min = 1, max = 300): string => {
    const v = cells[field] ?? '';
    if (v.length < min) bad(field, min === 1 ? 'is empty' : `must be at least ${min} characters`);
    else if (v.length > max) bad(field, `is longer than ${max} characters`);
    return v;
  };
  const date = (field: keyof RawRecord['cells'], required: boolean): string | undefined => {
    const v = cells[field] ?? '';
    if (!v) {
      if (required) bad(field, 'is empty: expected a date YYYY-MM-DD');
      return undefined;
    }
    try {
      parseCivilDate(v, field);
      return v;
    } catch (e) {
      bad(field, e instanceof Error ? e.message : String(e));
      return undefined;
    }
  };

  const kind = (cells.record_type || 'licence') as ImportRecord['kind'];
  if (kind !== 'licence' && !(FACT_KINDS as readonly string[]).includes(kind)) {
    bad('record_type', `unknown record type '${kind}' (expected licence, ${FACT_KINDS.join(', ')})`);
    return { line, problems };
  }
  const uscc = cells.uscc ?? '';
  const usccWhy = usccProblem(uscc);
  if (usccWhy) bad('uscc', `not a valid unified social credit code: ${usccWhy}`);
  const product = productOf(cells.product ?? '');
  if (!product) bad('product', `unknown product '${cells.product ?? ''}' (expected one of ${PRODUCT_IDS.join(', ')}, or its Chinese name)`);
  const number = cells.certificate_number ?? '';
  const m = number ? CERTIFICATE_NUMBER.exec(number) : null;
  if (number && !m) bad('certificate_number', `'${number}' is not of the form (省简称)XK××-×××-××××× (L07)`);
  else if (m) {
    const abbr = PROVINCES[ctx.province].abbr;
    if (m[1] !== abbr) bad('certificate_number', `province prefix (${m[1]}) is not this import's province ${ctx.province} (${abbr})`);
    if (Number(m[4]) === 0) bad('certificate_number', 'serial 00000 is not a certificate serial');
    if (product && (m[2] !== PRODUCTS[product].industryCode || m[3] !== PRODUCTS[product].productCode)) {
      const holder = PRODUCT_IDS.find((id) => PRODUCTS[id].industryCode === m[2] && PRODUCTS[id].productCode === m[3]);
      bad('product', `the number carries XK${m[2]}-${m[3]}${holder ? ` (${holder})` : ''}, but ${product} is XK${PRODUCTS[product].industryCode}-${PRODUCTS[product].productCode} (L07)`);
    }
  }

  if (kind !== 'licence') {
    const startsOn = date('status_date', true);
    const endsOn = date('ends_on', kind === 'ban');
    const ground = cells.status_ground ? RevocationGround.safeParse(cells.status_ground) : undefined;
    if (ground && !ground.success) bad('status_ground', `unknown ground '${cells.status_ground}' (expected ${RevocationGround.options.join(', ')})`);
    if ((kind === 'ban' || kind === 'revocation') && !cells.status_ground) bad('status_ground', `a ${kind} names its ground (${RevocationGround.options.join(', ')})`);
    if (startsOn && endsOn && endsOn < startsOn) bad('ends_on', `ends on ${endsOn}, before it starts on ${startsOn}`);
    if (startsOn && startsOn > ctx.today) bad('status_date', `${startsOn} is in the future`);
    if (problems.length || !product) return { line, problems };
    const fact: ImportedFact = {
      kind,
      uscc,
      product,
      ...(number ? { certificateNumber: number } : {}),
      startsOn: startsOn!,
      ...(endsOn ? { endsOn } : {}),
      ...(ground?.success ? { ground: ground.data } : {}),
      ...(cells.status_reason ? { reason: cells.status_reason } : {}),
    };
    return { line, record: fact, key: recordKey(fact), problems };
  }

  if (!number) bad('certificate_number', 'is empty');
  const enterpriseName = text('enterprise_name', 2, 200);
  const registeredAddress = text('registered_address', 2, 300);
  const productionAddresses = splitList(cells.production_addresses);
  if (!productionAddresses.length) bad('production_addresses', 'is empty: at least one production address (separate several with ;)');
  const productNames = splitList(cells.product_names);
  if (!productNames.length) bad('product_names', 'is empty: at least one product name (separate several with ;)');
  const issuingAuthority = text('issuing_authority', 2, 200);
  const issuedOn = date('issued_on', true);
  const until = date('valid_until', true);
  const status = cells.status as ImportedStatus;
  if (!(IMPORTED_STATUSES as readonly string[]).includes(status)) bad('status', `unknown status '${cells.status ?? ''}' (expected ${IMPORTED_STATUSES.join(', ')})`);
  const statusDate = date('status_date', status === 'cancelled' || status === 'revoked' || status === 'suspended');
  if (issuedOn && issuedOn > ctx.today) bad('issued_on', `${issuedOn} is in the future`);
  if (issuedOn && until) {
    if (until <= issuedOn) bad('valid_until', `${until} is not after the issue date ${issuedOn}`);
    else if (until > validityEnd(issuedOn, 5)) bad('valid_until', `${until} is more than 5 years after the issue date ${issuedOn} (L05: validity is 5 years, through ${validityEnd(issuedOn, 5)})`);
  }
  if (statusDate && issuedOn && statusDate < issuedOn) bad('status_date', `${statusDate} is before the issue date ${issuedOn}`);
  if (statusDate && statusDate > ctx.today) bad('status_date', `${statusDate} is in the future`);
  if (until && (status === 'valid' || status === 'suspended') && until < ctx.today) {
    bad('status', `status ${status}, but the validity ended on ${until}: the licence is expired`);
  }
  if (until && status === 'expired' && until >= ctx.today) bad('status', `status expired, but the licence is valid through ${until}`);
  if ((status === 'cancelled' || status === 'revoked') && statusDate && until && statusDate > until) {
    bad('status_date', `${status} on ${statusDate}, after the validity ended on ${until}`);
  }
  let statusGround: RevocationGround | undefined;
  if (status === 'revoked') {
    const g = RevocationGround.safeParse(cells.status_ground);
    if (!g.success) bad('status_ground', `a revoked licence names its ground (${RevocationGround.options.join(', ')}), got '${cells.status_ground ?? ''}'`);
    else statusGround = g.data;
  } else if (status === 'valid' && (cells.status_ground || statusDate)) {
    bad('status', `status valid, but a status ${cells.status_ground ? 'ground' : 'date'} is given: is it cancelled, revoked or suspended?`);
  }
  if (problems.length || !product) return { line, problems };
  const licence: ImportedLicence = {
    kind: 'licence',
    certificateNumber: number,
    province: ctx.province,
    uscc,
    enterpriseName,
    registeredAddress,
    productionAddresses,
    product,
    productNames,
    issuedOn: issuedOn!,
    validUntil: until!,
    status,
    ...(statusDate ? { statusDate } : {}),
    ...(statusGround ? { statusGround } : {}),
    ...(cells.status_reason ? { statusReason: cells.status_reason } : {}),
    issuingAuthority,
  };
  return { line, record: licence, key: recordKey(licence), problems };
}
