/**
 * R12: the record sent to the national enterprise credit publicity system (国家企业信用信息公示系统),
 * schema version 1.0. `docs/credit-publicity.md` describes it. Every row of `credit_publicity` is
 * sent, whatever its `kind` (licence revocations and the bans they carry, warnings, inspection
 * results…): the kind is open so a new kind needs no change here.
 */
import { z } from 'zod';

export const PUBLICITY_SCHEMA_VERSION = '1.0' as const;

const CivilDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const CreditPublicityRecord = z
  .object({
    schemaVersion: z.literal(PUBLICITY_SCHEMA_VERSION),
    recordId: z.uuid().describe('stable id of this record; also sent as the Idempotency-Key header. A retry re-sends the same id.'),
    recordKey: z.string().min(1).describe('the authority\'s own key of the decision published (e.g. revocation:<certificate number>)'),
    sequence: z.number().int().min(1).describe('1, 2, 3… per enterprise (enterprise.uscc) without gaps; records of one enterprise are delivered in this order'),
    kind: z.string().min(1).describe('what is published: licence-revoked, warning, inspection-result…'),
    enterprise: z.object({ uscc: z.string().length(18), name: z.string().min(1) }).strict(),
    province: z.string().optional().describe('the deciding province, when the record concerns a certificate'),
    certificateNumber: z.string().optional(),
    product: z.string().min(1),
    ground: z.string().min(1).describe('the legal ground (e.g. fraud, failed-rectification)'),
    rule: z.string().min(1).describe('the rule applied (L04, L08, R12…)'),
    summary: z.string().min(1),
    decidedOn: CivilDate.describe('civil date of the decision, Asia/Shanghai'),
    recordedAt: z.iso.datetime({ offset: true }).describe('when the authority recorded it'),
  })
  .strict();
export type CreditPublicityRecord = z.infer<typeof CreditPublicityRecord>;

/** A `credit_publicity` row as `to_jsonb` gives it (plus the certificate's province). */
export interface CreditPublicityRow {
  record_key: string;
  seq: number;
  uscc: string;
  enterprise_name: string;
  certificate_no: string | null;
  product: string;
  kind: string;
  ground: string;
  rule: string;
  summary: string;
  decided_on: string;
  created_at: string;
  province?: string | null;
}

export function creditPublicityRecord(row: CreditPublicityRow, recordId: string): CreditPublicityRecord {
  return CreditPublicityRecord.parse({
    schemaVersion: PUBLICITY_SCHEMA_VERSION,
    recordId,
    recordKey: row.record_key,
    sequence: row.seq,
    kind: row.kind,
    enterprise: { uscc: row.uscc, name: row.enterprise_name },
    ...(row.province ? { province: row.province } : {}),
    ...(row.certificate_no ? { certificateNumber: row.certificate_no } : {}),
    product: row.product,
    ground: row.ground,
    rule: row.rule,
    summary: row.summary,
    decidedOn: row.decided_on,
    recordedAt: new Date(row.created_at).toISOString(),
  });
}

export function creditPublicityJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(CreditPublicityRecord, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
