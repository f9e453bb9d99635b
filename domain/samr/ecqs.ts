/**
 * R06: the record every province sends to SAMR's e-CQS system, schema version 1.0.
 *
 * This module IS the contract: `docs/ecqs-contract.md` describes it and embeds the JSON
 * Schema generated from it (`ecqsJsonSchema()`), and the outbox validates every record against
 * it before it is written. Changing a field is a new `schemaVersion`; adding an optional field
 * is a minor version (1.1) that a 1.0 reader ignores.
 */
import { z } from 'zod';
import { PRODUCT_IDS } from '../policy';
import { PROVINCE_CODES } from '../provinces';
import { Evidence, RiskSignalKind } from '../supervision/risk-signal';

export const ECQS_SCHEMA_VERSION = '1.0' as const;
/**
 * R14: the `risk-signal` record type, added in 1.1. The 1.0 record types are unchanged and still
 * sent as 1.0; a risk signal is sent as 1.1 (its `schemaVersion` and `X-Ecqs-Schema-Version`).
 */
export const ECQS_RISK_SIGNAL_SCHEMA_VERSION = '1.1' as const;

/** Every e-CQS event type, in the order a case normally produces them. */
export const ECQS_EVENTS = [
  'accepted',
  'deemed-accepted',
  'rejected-at-intake',
  'approved',
  'refused',
  'certificate-issued',
  'certificate-changed',
  'certificate-cancelled',
  'certificate-revoked',
] as const;
export type EcqsEvent = (typeof ECQS_EVENTS)[number];

/** Audit actions of the application workflow that are e-CQS events (R06). */
export const ECQS_TRANSITION_ACTIONS: ReadonlySet<string> = new Set(['accepted', 'deemed-accepted', 'rejected-at-intake', 'approved', 'refused']);

const Instant = z.iso.datetime({ offset: true });
const CivilDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const Province = z.enum(PROVINCE_CODES);

const Enterprise = z
  .object({
    uscc: z.string().length(18).describe('unified social credit code (GB 32100-2015)'),
    name: z.string().min(1),
  })
  .strict();

const Certificate = z
  .object({
    number: z.string().min(1).describe('(省简称)XK××-×××-××××× (L07)'),
    issuedOn: CivilDate.optional(),
    validUntil: CivilDate.optional(),
    supersedes: z.string().optional().describe('certificate number this one replaces (renewal, change)'),
  })
  .strict();

const Actor = z.object({ id: z.string(), role: z.string() }).strict();

/** Fields every record carries. */
const Envelope = {
  schemaVersion: z.literal(ECQS_SCHEMA_VERSION),
  recordId: z.uuid().describe('stable id of this record; also sent as the Idempotency-Key header. A retry re-sends the same id.'),
  caseId: z.string().min(1).describe('ordering key: the application id (for certificate events, the application that issued the certificate)'),
  sequence: z.number().int().min(1).describe('1, 2, 3… per caseId without gaps; records of one case are delivered in this order'),
  occurredAt: Instant.describe('when the state change happened (the authority\'s clock)'),
  province: Province.describe('the issuing provincial authority (R01)'),
  enterprise: Enterprise,
  product: z.enum(PRODUCT_IDS),
  applicationType: z.enum(['new', 'renewal', 'change']).optional(),
  policyVersion: z.string().optional().describe('policy table version governing the case (R02)'),
  path: z.string().optional().describe('approval path, e.g. post-verification, commitment, renewal-exempt, verify-then-issue'),
  actor: Actor.optional().describe('the official who acted; absent for deemed or automatic events'),
};

const Acceptance = z.object({ ...Envelope, event: z.enum(['accepted', 'deemed-accepted']), acceptedAt: Instant }).strict();
const Decision = z
  .object({
    ...Envelope,
    event: z.enum(['approved', 'refused', 'rejected-at-intake']),
    decidedAt: Instant,
    reasons: z.array(z.string()).optional(),
    withinDeadline: z.boolean().optional(),
    deadlineAt: Instant.nullable().optional(),
  })
  .strict();
const CertificateIssued = z.object({ ...Envelope, event: z.literal('certificate-issued'), certificate: Certificate }).strict();
const LicenceLifecycle = z
  .object({
    ...Envelope,
    event: z.enum(['certificate-changed', 'certificate-cancelled', 'certificate-revoked']),
    certificate: Certificate,
    reasons: z.array(z.string()).optional(),
    changes: z.record(z.string(), z.unknown()).optional().describe('certificate-changed: the fields that changed, new values'),
  })
  .strict();

/** R14 (1.1): a quality-risk signal of the province, about a product and a region, optionally one enterprise. */
const RiskSignalRecord = z
  .object({
    schemaVersion: z.literal(ECQS_RISK_SIGNAL_SCHEMA_VERSION),
    recordId: Envelope.recordId,
    caseId: z.string().regex(/^risk-signals\/[A-Z]{2}$/).describe('ordering key: `risk-signals/<province>`, one stream per province'),
    sequence: Envelope.sequence,
    occurredAt: Envelope.occurredAt.describe('when the signal was recorded'),
    province: Envelope.province.describe('the province that recorded the signal'),
    event: z.literal('risk-signal'),
    product: Envelope.product,
    enterprise: Enterprise.optional().describe('the licensee the signal is about, when it names one'),
    signal: z
      .object({
        id: z.string().min(1).describe("the signal's id in the sending province"),
        kind: RiskSignalKind,
        serious: z.boolean().describe('a serious quality-safety accident (R16)'),
        region: z.string().min(1),
        source: z.string().min(1),
        summary: z.string().min(1),
        occurredOn: CivilDate,
        evidence: z.array(Evidence).describe('evidence by SHA-256'),
      })
      .strict(),
    actor: Envelope.actor,
  })
  .strict();

export const EcqsRecord = z.union([Acceptance, Decision, CertificateIssued, LicenceLifecycle, RiskSignalRecord]).meta({
  $id: 'https://licence-pipeline.example/ecqs/record-1.1.json',
  title: 'e-CQS record 1.1',
  description: 'One acceptance, decision or certificate event of a provincial production-licence case (R06, schemaVersion 1.0), or a quality-risk signal (R14, schemaVersion 1.1).',
});
export type EcqsRecord = z.infer<typeof EcqsRecord>;

/** A record before the outbox gives it an id and a place in its case's sequence. */
export type EcqsRecordInput = EcqsRecord extends infer R ? (R extends EcqsRecord ? Omit<R, 'schemaVersion' | 'recordId' | 'sequence'> : never) : never;

/** The schema version a record of this event is sent as. */
export const schemaVersionOf = (event: string): '1.0' | '1.1' => (event === 'risk-signal' ? ECQS_RISK_SIGNAL_SCHEMA_VERSION : ECQS_SCHEMA_VERSION);

/** The published JSON Schema (draft 2020-12) of a record. */
export function ecqsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(EcqsRecord, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
