/** R18 and R13: request and response schemas of the risk-report and flight-inspection routes. */
import { z } from 'zod';
import { IsoDate, ProvinceCode, Uscc } from '../domain/approval/application';
import { FLIGHT_OUTCOMES, FLIGHT_REVOCATION_GROUNDS, LEAD_KINDS } from '../domain/supervision/flight';
import { REPORT_STATUSES, TRIAGE_DECISIONS } from '../domain/supervision/risk-report';
import { Evidence } from '../domain/supervision/risk-signal';
import { CertificateNumberParams } from './schemas';

export const REPORT_REF = /^RR-\d{8}-[A-Z2-7]{10}$/;
export const ReportRef = z.string().regex(REPORT_REF, 'a report reference, e.g. RR-20261202-ABCDEFGHJK').meta({ examples: ['RR-20261202-ABCDEFGHJK'] });
export const ReportParams = z.object({ ref: ReportRef }).strict();

export const ReportBody = z
  .object({
    certificateNumber: CertificateNumberParams.shape.number.describe('the licence the information is about (public: the certificate check finds it)'),
    what: z.string().trim().min(10).max(5000).describe('what was observed, where and when'),
    evidence: z.array(Evidence).max(20).optional().describe('evidence by SHA-256; the files stay with the submitter until asked for (none when left out)'),
    contact: z.string().trim().min(3).max(200).describe('how the province reaches the submitter (phone or e-mail); never shown to the enterprise'),
  })
  .strict();

/** What a submitter reads: its own submission; a decision to act is shown as `taken-up` (an unannounced inspection stays unannounced, R13). */
export const SUBMITTER_STATUSES = ['triage', 'dismissed', 'taken-up'] as const;
export const SubmitterView = z
  .object({
    ref: z.string(),
    certificateNumber: z.string(),
    what: z.string(),
    evidence: z.array(Evidence),
    contact: z.string(),
    submittedAt: z.string(),
    status: z.enum(SUBMITTER_STATUSES),
    triageDueAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
  })
  .strict();
export const StaffView = SubmitterView.extend({
  province: z.string(),
  uscc: z.string(),
  product: z.string(),
  submitterKind: z.enum(['reporter', 'public']),
  reporterId: z.string().nullable(),
  decision: z.enum(REPORT_STATUSES),
  decisionReason: z.string().nullable(),
  decidedBy: z.string().nullable(),
  flightId: z.string().nullable(),
}).strict();

export const Acknowledgement = z
  .object({
    ref: z.string(),
    status: z.literal('triage'),
    statusUrl: z.string(),
    /** Public submitters only: shown once, never stored (only its hash); send it as `X-Report-Token` to read the status. */
    accessToken: z.string().optional(),
  })
  .strict();

export const ReportListQuery = z
  .object({
    status: z.enum(REPORT_STATUSES).optional(),
    province: ProvinceCode.optional().describe('supervisors: their own (the default); samr, ops: any'),
    limit: z.string().regex(/^\d{1,3}$/).optional(),
  })
  .strict();

export const TriageBody = z
  .object({
    decision: z.enum(TRIAGE_DECISIONS).describe('dismiss (with a reason), record-signal (R14, raises the grade, R17), flight-inspection (R13)'),
    reason: z.string().trim().min(3).max(2000),
  })
  .strict();

export const ReportTokenHeader = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'the access token given with the reference');

// ---- flight inspections (R13) ----

export const FlightId = z.string().regex(/^FI-[A-Za-z0-9-]{6,60}$/, 'a flight inspection id, e.g. FI-20261202-ABCDEFGHJK').meta({ examples: ['FI-20261202-ABCDEFGHJK'] });
export const FlightParams = z.object({ id: FlightId }).strict();
export const OrderFlightBody = z
  .object({
    uscc: Uscc,
    province: ProvinceCode.describe("the province whose licensee it is; a supervisor orders in his own province only"),
    lead: z.object({ kind: z.enum(LEAD_KINDS), ref: z.string().trim().min(1).max(100) }).strict(),
    summary: z.string().trim().min(3).max(2000),
    dueOn: IsoDate.optional().describe('last day for the result (default 30 days from the order)'),
  })
  .strict();
export const FlightResultBody = z
  .object({
    outcome: z.enum(FLIGHT_OUTCOMES),
    findings: z.string().trim().min(1).max(5000).optional(),
    ground: z.enum(FLIGHT_REVOCATION_GROUNDS).optional().describe('revocation: the L04 ground found'),
    inspectedOn: IsoDate.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.outcome !== 'pass' && !b.findings) ctx.addIssue({ code: 'custom', path: ['findings'], message: 'a failing result describes what was found' });
    if (b.outcome === 'revocation' && !b.ground) ctx.addIssue({ code: 'custom', path: ['ground'], message: 'a revocation names its ground (L04)' });
  });
export const FlightView = z
  .object({
    id: z.string(),
    province: z.string(),
    uscc: z.string(),
    leadKind: z.string(),
    leadRef: z.string(),
    summary: z.string(),
    orderedBy: z.string(),
    orderedRole: z.string(),
    orderedAt: z.string(),
    dueOn: z.string(),
    team: z.array(z.string()).nullable(),
    staffingProblem: z.string().nullable(),
    outcome: z.string().nullable(),
    findings: z.string().nullable(),
    ground: z.string().nullable(),
    resultBy: z.string().nullable(),
    resultAt: z.string().nullable(),
    inspectedOn: z.string().nullable(),
  })
  .strict();
