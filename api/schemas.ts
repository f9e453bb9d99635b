/**
 * One zod schema per request and per response. Request bodies are the domain's message schemas
 * without `actor` (the API fills it from the token); the OpenAPI document is generated from
 * these same objects (openapi.ts), so the documentation cannot drift from what is enforced.
 */
import { z } from 'zod';
import { ApplicationId, ApplicationInput, DocumentRef, IsoDate, IsoInstant, ProductIdSchema, ProvinceCode } from '../domain/application';
import { MAX_WORKING_DAYS } from '../domain/calendar';
import {
  AcceptInput,
  ApproveInput,
  type CaseStatus,
  PauseInput,
  RefuseInput,
  RejectAtIntakeInput,
  ResumeInput,
  Stage,
  SupplementInput,
  SupplementRequestInput,
  VerificationInput,
} from '../domain/messages';
import { ROLES } from '../domain/roles';
import type { FollowUpStatus } from '../workflows/follow-up';

const ApprovalPath = z.enum(['post-verification', 'commitment', 'renewal-exempt', 'verify-then-issue']);
const FollowUpKind = z.enum(['post-issuance-verification', 'commitment-check', 'supervision-inspection']);
const Limit = z.object({ n: z.number().int(), unit: z.enum(['working-days', 'days']) }).strict();

// ---- path, query and header parameters ---------------------------------------------------------
export const CaseParams = z.object({ id: ApplicationId }).strict();
export const CertificateParams = z.object({ number: z.string().min(5).max(40).describe('certificate number, e.g. (京)XK08-001-00001 (URL-encoded)') }).strict();

export const ListQuery = z
  .object({
    province: ProvinceCode.optional().describe('staff may only give their own province (R01); it is applied for them when omitted'),
    stage: Stage.optional(),
    product: ProductIdSchema.optional(),
    path: ApprovalPath.optional(),
    overdue: z.enum(['true', 'false']).optional().describe('true: decision deadline breached and no decision yet'),
    waitingOn: z.enum(['acceptance-officer', 'applicant', 'verification', 'decision', 'nobody']).optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, 'expected an integer 1-200')
      .refine((v) => Number(v) >= 1 && Number(v) <= 200, 'expected an integer 1-200')
      .optional()
      .describe('at most this many cases, newest first (default 50, max 200)'),
  })
  .strict();

export const DeadlineQuery = z
  .object({
    from: IsoDate.describe('the day of the event; it is not counted (a period starts the next day)'),
    n: z
      .string()
      .regex(/^\d{1,4}$/, `expected an integer 0-${MAX_WORKING_DAYS}`)
      .refine((v) => Number(v) <= MAX_WORKING_DAYS, `expected an integer 0-${MAX_WORKING_DAYS}`)
      .describe('number of working days'),
  })
  .strict();

export const IdempotencyKey = ApplicationId.describe(
  'Idempotency-Key header: becomes the application id (workflow id) when the body has none; a repeat returns the same case',
);

// ---- request bodies ----------------------------------------------------------------------------
/**
 * The application; `applicationId` may be left out when an Idempotency-Key header names it.
 * The route then runs the domain's `validateApplication` (cross-field and policy checks) on it.
 */
export const SubmitApplicationBody = z.object({ ...ApplicationInput.shape, applicationId: ApplicationId.optional() }).strict();
export const SupplementBody = SupplementInput.omit({ actor: true }).safeExtend({ documents: z.array(DocumentRef).min(1).max(100) });
export const AcceptBody = AcceptInput.omit({ actor: true });
export const SupplementRequestBody = SupplementRequestInput.omit({ actor: true });
export const RejectAtIntakeBody = RejectAtIntakeInput.omit({ actor: true });
export const ApproveBody = ApproveInput.omit({ actor: true });
export const RefuseBody = RefuseInput.omit({ actor: true });
export const PauseBody = PauseInput.omit({ actor: true });
export const ResumeBody = ResumeInput.omit({ actor: true });
export const VerificationBody = VerificationInput.omit({ actor: true });
/** Follow-up inspection (R08, R10, L06); the message type lives in workflows/follow-up.ts. */
export const InspectionBody = z
  .object({
    outcome: z.enum(['pass', 'rectification-required', 'failed']),
    verifierIds: z.array(z.string().min(1).max(64)).min(2).max(4).describe('L06: 2-4 certified verifiers'),
    findings: z.string().max(5000).optional(),
  })
  .strict();

// ---- responses ---------------------------------------------------------------------------------
export const SubmitResponse = z
  .object({
    applicationId: ApplicationId,
    created: z.boolean().describe('false when this repeats an earlier submission of the same case'),
    receivedAt: IsoInstant.optional(),
    links: z.object({ self: z.string() }).strict(),
  })
  .strict();

const DeadlineSchema = z
  .object({
    deadlineAt: z.string().nullable(),
    deadlineDate: z.string().nullable(),
    provisional: z.boolean(),
    calendarVersion: z.string(),
    limit: Limit,
    workingDaysUsed: z.number().int(),
    workingDaysLeft: z.number().int().nullable(),
    overdue: z.boolean(),
  })
  .strict();

export const CaseStatusResponse = z
  .object({
    applicationId: z.string(),
    stage: Stage,
    province: z.string(),
    product: z.string(),
    type: z.enum(['new', 'renewal', 'change']),
    receivedAt: z.string(),
    acceptedAt: z.string().optional(),
    acceptance: z.enum(['officer', 'deemed']).optional(),
    path: ApprovalPath.optional(),
    pathReason: z.string().optional(),
    policyVersion: z.string().optional(),
    deadline: DeadlineSchema.optional(),
    paused: z.boolean(),
    pauses: z.array(z.object({ kind: z.string(), from: z.string(), to: z.string().nullable(), reason: z.string() }).strict()),
    supplement: z.object({ requestedAt: z.string(), items: z.array(z.string()), suppliedAt: z.string().optional() }).strict().optional(),
    verification: z.object({ result: z.enum(['pass', 'fail']), verifierIds: z.array(z.string()), at: z.string() }).strict().optional(),
    decision: z
      .object({
        outcome: z.enum(['approved', 'refused', 'rejected-at-intake']),
        at: z.string(),
        by: z.string(),
        reasons: z.array(z.string()).optional(),
        withinDeadline: z.boolean().optional(),
      })
      .strict()
      .optional(),
    breach: z.object({ at: z.string(), escalatedTo: z.string() }).strict().optional(),
    certificate: z.object({ number: z.string(), issuedOn: z.string(), validUntil: z.string() }).strict().optional(),
    followUpWorkflowId: z.string().optional(),
    timeline: z.array(
      z.object({ at: z.string(), stage: Stage, event: z.string(), by: z.string().optional(), note: z.string().optional() }).strict(),
    ),
  })
  .strict();
// Compile-time check that the schema describes what the workflow's query returns.
const _caseStatusMatches: z.ZodType<CaseStatus> = CaseStatusResponse;

export const MessageResponse = z
  .object({
    applicationId: z.string(),
    stage: Stage.optional(),
    acceptedAt: z.string().optional(),
    paused: z.boolean().optional(),
  })
  .strict();

export const SupplementAccepted = z
  .object({ applicationId: z.string(), accepted: z.literal(true), detail: z.string() })
  .strict();

export const FollowUpStatusResponse = z
  .object({
    kind: FollowUpKind,
    certificateNumber: z.string(),
    stage: z.enum(['awaiting-inspection', 'closed']),
    dueAt: z.string(),
    overdue: z.boolean(),
    team: z.array(z.string()).optional(),
    result: z
      .object({ outcome: z.enum(['pass', 'rectification-required', 'failed']), at: z.string(), by: z.string(), findings: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();
const _followUpMatches: z.ZodType<FollowUpStatus> = FollowUpStatusResponse;

export const CaseSummary = z
  .object({
    applicationId: z.string(),
    status: z.string().describe('Temporal execution status: RUNNING, COMPLETED, …'),
    startedAt: z.string(),
    closedAt: z.string().nullable(),
    stage: z.string().nullable(),
    province: z.string().nullable(),
    product: z.string().nullable(),
    path: z.string().nullable(),
    uscc: z.string().nullable(),
    waitingOn: z.string().nullable(),
    policyVersion: z.string().nullable(),
    deadline: z.string().nullable(),
    overdue: z.boolean(),
  })
  .strict();
export const CaseList = z
  .object({ query: z.string().describe('the Temporal visibility query that was run'), count: z.number().int(), items: z.array(CaseSummary) })
  .strict();

export const CertificateStatus = z.enum(['valid', 'expired', 'cancelled', 'revoked', 'deemed-renewed', 'superseded']);
/** Public: what a buyer or inspector may check. No enterprise identity, no personal data. */
export const CertificateCheck = z
  .object({
    number: z.string(),
    status: CertificateStatus,
    product: ProductIdSchema,
    productName: z.string(),
    productNames: z.array(z.string()).describe('units / specifications printed on the certificate'),
    province: ProvinceCode,
    issuedOn: IsoDate,
    validUntil: IsoDate,
    supersededBy: z.string().optional(),
    checkedOn: IsoDate,
  })
  .strict();

export const DeadlineResponse = z
  .object({
    from: IsoDate,
    n: z.number().int(),
    date: IsoDate,
    provisional: z.boolean().describe('true when a year without a published State Council notice was used (L03)'),
    calendarVersion: z.string(),
  })
  .strict();

const Check = z.object({ ok: z.boolean(), error: z.string().optional() }).strict();
export const HealthResponse = z.object({ status: z.enum(['ok', 'degraded']), temporal: Check, database: Check }).strict();

export const OpenApiDocument = z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }) }).loose();
export const DocsPage = z.string().describe('HTML');

export const RoleSchema = z.enum(ROLES);
