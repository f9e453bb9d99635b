/**
 * One zod schema per request and per response. Request bodies are the domain's message schemas
 * without `actor` (the API fills it from the token); the OpenAPI document is generated from
 * these same objects (openapi.ts), so the documentation cannot drift from what is enforced.
 */
import { z } from 'zod';
import { ApplicationId, ApplicationInput, DocumentRef, IsoDate, IsoInstant, ProductIdSchema, ProvinceCode } from '../domain/approval/application';
import { MAX_WORKING_DAYS } from '../domain/calendar';
import { EXAMPLE_APPLICATION } from './examples';
import { CERTIFICATE_NUMBER } from '../domain/licence/certificate';
import { AcceptInput, ApproveInput, type CaseStatus, PauseInput, PredecessorCancelledInput, RefuseInput, RejectAtIntakeInput, ResumeInput, Stage, SupplementInput, SupplementRequestInput, VerificationInput } from '../domain/approval/messages';
import { OpsHoldSchema, RetryAfterOpsInput } from '../domain/ops';
import { ROLES } from '../domain/roles';
import { AssignTeamInput, RecordInspectionInput } from '../domain/supervision/follow-up';
import { RefusalGround } from '../domain/approval/refusal-grounds';
import { CancelLicenceInput, ChangeLicenceInput, type LicenceState, LicenceStatus, RevokeLicenceInput } from '../domain/licence/messages';
export * from './register-schemas';
export * from './follow-up-schemas';

const ApprovalPath = z.enum(['post-verification', 'commitment', 'renewal-exempt', 'verify-then-issue']);
const Limit = z.object({ n: z.number().int(), unit: z.enum(['working-days', 'days']) }).strict();

// ---- path, query and header parameters ---------------------------------------------------------
// Path parameters carry an example (OpenAPI `example`): what the docs show, and what
// scripts/fuzz.ts seeds so that a fuzzer's first request finds a real case, licence or verifier.
export const CaseParams = z.object({ id: ApplicationId.meta({ examples: ['BJ-2026-000001'] }) }).strict();
/** Every certificate route: the number must be well-formed (L07) before anything is looked up. */
export const CertificateNumberParams = z
  .object({
    number: z
      .string()
      .regex(CERTIFICATE_NUMBER, 'expected (省简称)XK××-×××-××××× (L07)')
      .meta({ examples: ['(京)XK08-001-00001'] })
      .describe('certificate number, e.g. (京)XK08-001-00001 (URL-encoded)'),
  })
  .strict();
export const CertificateParams = CertificateNumberParams;

export const ListQuery = z
  .object({
    province: ProvinceCode.optional().describe('staff may only give their own province (R01); it is applied for them when omitted'),
    stage: Stage.optional(),
    product: ProductIdSchema.optional(),
    path: ApprovalPath.optional(),
    overdue: z.enum(['true', 'false']).optional().describe('true: a deadline still running was breached: the decision (R07), or on verify-then-issue the verification (Art. 18) or certificate (Art. 24)'),
    waitingOn: z.enum(['acceptance-officer', 'applicant', 'predecessor-cancellation', 'verification', 'decision', 'issuance', 'ops', 'nobody']).optional(),
    before: IsoInstant.optional().describe("the next page: cases started before this instant (the previous page's nextBefore); cases started in the same millisecond as a page's last one may be skipped"),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, 'expected an integer 1-200')
      .refine((v) => Number(v) >= 1 && Number(v) <= 200, 'expected an integer 1-200')
      // A query value is text; the document says which text: a decimal integer 1-200.
      .meta({ type: 'integer', minimum: 1, maximum: 200, pattern: undefined })
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
      .meta({ type: 'integer', minimum: 0, maximum: MAX_WORKING_DAYS, pattern: undefined })
      .describe('number of working days'),
  })
  .strict();

export const IdempotencyKey = ApplicationId.meta({ examples: ['BJ-2026-000001'] }).describe(
  'Idempotency-Key header: becomes the application id (workflow id) when the body has none; a repeat returns the same case',
);

export const MetricsAuthorization = z.string().describe('`Bearer <METRICS_TOKEN>`, when the deployment sets METRICS_TOKEN');

export const UpdateIdempotencyKey = ApplicationId.describe(
  'Idempotency-Key header (optional): the Update id. The same key repeated returns the original answer (200, same body), also after the case closed; ' +
    'a different key for a decision already taken is a 409',
);

// ---- request bodies ----------------------------------------------------------------------------
/**
 * The application; `applicationId` may be left out when an Idempotency-Key header names it.
 * The route then runs the domain's `validateApplication` (cross-field and policy checks) on it.
 */
export const SubmitApplicationBody = z
  .object({ ...ApplicationInput.shape, applicationId: ApplicationId.optional() })
  .strict()
  .meta({
    // A complete, valid application (the case CaseParams' example names; scripts/fuzz.ts submits it).
    examples: [EXAMPLE_APPLICATION],
  });
export const SupplementBody = SupplementInput.omit({ actor: true }).safeExtend({ documents: z.array(DocumentRef).min(1).max(100) });
export const AcceptBody = AcceptInput.omit({ actor: true });
export const RetryAfterOpsBody = RetryAfterOpsInput.omit({ actor: true });
export const RetryAfterOpsResponse = z
  .object({ applicationId: z.string(), retried: z.array(z.string()), stillHeld: z.array(OpsHoldSchema) })
  .strict();
export const SupplementRequestBody = SupplementRequestInput.omit({ actor: true });
export const RejectAtIntakeBody = RejectAtIntakeInput.omit({ actor: true });
export const ApproveBody = ApproveInput.omit({ actor: true });
export const RefuseBody = RefuseInput.omit({ actor: true });
export const PauseBody = PauseInput.omit({ actor: true });
export const ResumeBody = ResumeInput.omit({ actor: true });
// The examples name registered verifiers (the docs' V-001 and V-002; scripts/fuzz.ts registers them).
export const VerificationBody = VerificationInput.omit({ actor: true }).meta({ examples: [{ result: 'pass', verifierIds: ['V-001', 'V-002'] }] });
/** Follow-up inspection (R08, R10, L06, R15): the follow-up's own message without `actor`. */
export const InspectionBody = RecordInspectionInput.omit({ actor: true }).meta({ examples: [{ outcome: 'pass', verifierIds: ['V-001', 'V-002'] }] });
/** L06, R10: the team of 2-4 registered verifiers for the current round. */
export const AssignTeamBody = AssignTeamInput.omit({ actor: true }).meta({ examples: [{ verifierIds: ['V-001', 'V-002'] }] });
/** R04: the officer's confirmation that the predecessor licence is cancelled (e.g. one outside this system). */
export const PredecessorConfirmationBody = PredecessorCancelledInput.omit({ actor: true });
/** 注销 (R04, on request or for M&A). */
export const CancelLicenceBody = CancelLicenceInput.omit({ actor: true });
/** 变更 of the enterprise name or address: at least one of them. */
export const ChangeLicenceBody = ChangeLicenceInput.omit({ actor: true })
  .superRefine((b, ctx) => {
    if (b.enterpriseName === undefined && b.enterpriseAddress === undefined) {
      ctx.addIssue({ code: 'custom', path: ['enterpriseName'], message: 'a change names a new enterpriseName or enterpriseAddress (or both)' });
    }
  })
  .meta({ anyOf: [{ required: ['enterpriseName'] }, { required: ['enterpriseAddress'] }] });
/** 撤销 (L04, R12): the ground decides the re-application ban. */
export const RevokeLicenceBody = RevokeLicenceInput.omit({ actor: true });


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

const TimeLimitSchema = z
  .object({ rule: z.string(), deadline: DeadlineSchema.optional(), breach: z.object({ at: z.string(), escalatedTo: z.string() }).strict().optional(), metAt: z.string().optional() })
  .strict()
  .describe('breach: passed without the step, the supervisor was told; metAt: the step happened (or the case ended), the clock stopped');

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
        ground: RefusalGround.optional().describe('L04: the ground staff gave for a refusal, from a closed list'),
        rule: z.string().optional().describe('the rule the ground rests on'),
        ban: z.object({ endsOn: z.string(), rule: z.string() }).strict().optional().describe('L04: false materials or concealment: warning and no new application for this product until endsOn'),
      })
      .strict()
      .optional(),
    breach: z.object({ at: z.string(), escalatedTo: z.string() }).strict().optional(),
    timeLimits: z
      .object({ verification: TimeLimitSchema.optional(), certificate: TimeLimitSchema.optional() })
      .strict()
      .optional()
      .describe('verify-then-issue only: the on-site verification result (Regulation Art. 18) and the certificate (Art. 24) limits, beside the decision deadline'),
    certificate: z.object({ number: z.string(), issuedOn: z.string(), validUntil: z.string(), version: z.number().int().optional().describe('L07: electronic version; a change (增项) keeps the number and adds one') }).strict().optional(),
    followUpWorkflowId: z.string().optional(),
    opsHold: OpsHoldSchema.optional().describe("a step that failed for good (bad data, a constraint, not found) waits for ops to retry it; the case's waitingOn is 'ops'"),
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
    deadline: DeadlineSchema.optional(),
  })
  .strict();

export const SupplementAccepted = z
  .object({ applicationId: z.string(), accepted: z.literal(true), detail: z.string() })
  .strict();


/** The licence's own record (lifecycle Query `licence`): holder, validity, renewal, recent history. */
export const LicenceStateResponse = z
  .object({
    certificateNumber: z.string(),
    applicationId: z.string(),
    province: z.string(),
    product: ProductIdSchema,
    uscc: z.string(),
    enterpriseName: z.string(),
    enterpriseAddress: z.string(),
    policyVersion: z.string(),
    status: LicenceStatus,
    issuedOn: z.string(),
    validUntil: z.string(),
    renewalDueBy: z.string().describe('L05: a renewal filed by this date is in time'),
    deemedRenewedUntil: z.string().optional(),
    reminderSentAt: z.string().optional(),
    renewal: z
      .object({
        applicationId: z.string(),
        filedAt: z.string(),
        inTime: z.boolean(),
        decision: z.string().optional(),
        newCertificateNumber: z.string().optional(),
      })
      .strict()
      .optional(),
    supersededBy: z.string().optional(),
    endedAt: z.string().optional(),
    run: z.number().int(),
    history: z.array(z.object({ at: z.string(), event: z.string(), by: z.string().optional(), note: z.string().optional() }).strict()),
  })
  .strict();
const _licenceStateMatches: z.ZodType<LicenceState> = LicenceStateResponse;


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
  .object({
    query: z.string().describe('the Temporal visibility query that was run'),
    count: z.number().int(),
    items: z.array(CaseSummary),
    nextBefore: IsoInstant.nullable().describe('pass as `before` for the next page; null on the last page'),
  })
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
    statusText: z.string().describe('what the check says, e.g. `valid — under rectification order until 2026-05-01` (R15)'),
    rectificationOrder: z
      .object({ orderedOn: IsoDate, rectifyBy: IsoDate, spotCheck: z.string().optional().describe('R15: the spot-check round whose failed spot check ordered it (the round, never the enterprise)') })
      .strict()
      .optional()
      .describe('R15: the enterprise is ordered to stop producing and selling this product and rectify by `rectifyBy`; open until a re-inspection has a result'),
    content: z
      .string()
      .describe('R05: the certificate\'s canonical content (JSON, keys sorted, no whitespace; the holder as `holderSha256`), exactly the text `contentSha256` is the SHA-256 of'),
    contentSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe('R05: SHA-256 of `content` as stored at issuance (or the last change); absent for a licence imported without one. Differs from a recomputed hash only if the record was altered'),
    checkedOn: IsoDate,
  })
  .strict();

/** L07: the electronic certificate as its holder and the authorities read it. */
export const CertificateDocument = z
  .object({
    number: z.string().describe('(省简称)XK××-×××-××××× (L07)'),
    status: CertificateStatus,
    province: ProvinceCode,
    product: ProductIdSchema,
    productName: z.string(),
    enterpriseName: z.string(),
    enterpriseAddress: z.string(),
    productionAddresses: z.array(z.object({ province: z.string(), address: z.string() }).strict()),
    productNames: z.array(z.string()).describe('product units / specifications; a change (增项) extends them'),
    issuedOn: IsoDate,
    validUntil: IsoDate,
    version: z.number().int().min(1).describe('electronic version: 1 at issuance, one more per change (same number)'),
    versionIssuedOn: IsoDate.describe('the day this version was issued'),
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

export const OpenApiDocument = z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }).loose() }).loose();
export const DocsPage = z.string().describe('HTML');

export const RoleSchema = z.enum(ROLES);
