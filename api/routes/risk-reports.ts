/**
 * R18: third-party risk information. Registered reporters (token role `reporter`) and members of
 * the public (no account; a contact; a far stricter rate limit) submit information about a licence,
 * named by its certificate number (public: the certificate check already answers for it). Each
 * submission gets its reference at once and starts its triage workflow (`risk-report/<ref>`).
 * Submitters read only their own submissions (a public one with the secret given at submission);
 * the enterprise has no route to any of it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { rolesFor } from '../../domain/permissions';
import { type RiskReportInput, RISK_REPORT_WORKFLOW_TYPE, riskReportWorkflowId, triageReportUpdate } from '../../domain/supervision/risk-report';
import { SA } from '../../domain/search-attributes';
import { findNamedCertificate } from '../../db/certificates';
import { findReporter } from '../../db/reporters';
import { deleteRiskReport, findPublicReport, findRiskReport, insertRiskReport, listRiskReports, type RiskReportRow } from '../../db/risk-reports';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { Acknowledgement, ReportBody, ReportListQuery, ReportParams, ReportTokenHeader, StaffView, SubmitterView, TriageBody } from '../risk-report-schemas';
import { type AnyRoute, defineRoute, type RouteDeps } from '../route';
import { withTemporal } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { E } from './common';

const DB = 'the risk reports';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const newRef = (): string => `RR-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${[...randomBytes(10)].map((b) => BASE32[b & 31]).join('')}`;
const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Unknown, never valid, and no longer valid are one answer: nothing beyond what GET /certificates/{number} tells anyone. */
const NO_LICENCE = (n: string) =>
  new HttpProblem('validation', 'the report names no licence in force', [{ path: 'certificateNumber', message: `no licence in force with number ${n}: check it with GET /certificates/{number}` }]);

const submitterView = (r: RiskReportRow): z.infer<typeof SubmitterView> => ({
  ref: r.ref,
  certificateNumber: r.certificateNumber,
  what: r.what,
  evidence: r.evidence,
  contact: r.contact,
  submittedAt: r.submittedAt,
  status: r.status === 'triage' ? 'triage' : r.status === 'dismissed' ? 'dismissed' : 'taken-up',
  triageDueAt: r.triageDue,
  decidedAt: r.decidedAt,
});
const staffView = (r: RiskReportRow): z.infer<typeof StaffView> => ({
  ...submitterView(r),
  province: r.province,
  uscc: r.uscc,
  product: r.product,
  submitterKind: r.submitterKind,
  reporterId: r.reporterId,
  decision: r.status,
  decisionReason: r.decisionReason,
  decidedBy: r.decidedBy,
  flightId: r.flightId,
});
const viewFor = (p: Principal, r: RiskReportRow) => (p.role === 'reporter' ? submitterView(r) : staffView(r));

/** Stores the submission and starts its triage; a start that fails leaves no record behind. */
async function submit(deps: RouteDeps, body: z.infer<typeof ReportBody>, who: { kind: 'reporter'; id: string } | { kind: 'public'; accessHash: string }): Promise<string> {
  const cert = await fromDb('the certificate register', () => findNamedCertificate(deps.pool, body.certificateNumber));
  if (!cert || (cert.status !== 'valid' && cert.status !== 'deemed-renewed')) throw NO_LICENCE(body.certificateNumber);
  const ref = newRef();
  const submittedAt = new Date().toISOString();
  await fromDb(DB, () =>
    insertRiskReport(deps.pool, {
      ref,
      province: cert.province,
      submitterKind: who.kind,
      reporterId: who.kind === 'reporter' ? who.id : null,
      accessHash: who.kind === 'public' ? who.accessHash : null,
      certificateNumber: cert.number,
      uscc: cert.uscc,
      product: cert.product,
      what: body.what,
      evidence: body.evidence ?? [],
      contact: body.contact,
      submittedAt,
    }),
  );
  const input: RiskReportInput = { ref, province: cert.province, certificateNumber: cert.number, uscc: cert.uscc, product: cert.product, what: body.what, evidence: body.evidence ?? [], submittedAt };
  try {
    await withTemporal(`risk report ${ref}`, () =>
      deps.client.workflow.start(RISK_REPORT_WORKFLOW_TYPE, {
        taskQueue: deps.taskQueue,
        workflowId: riskReportWorkflowId(ref),
        args: [input],
        typedSearchAttributes: [
          { key: SA.stage, value: 'risk-report:triage' },
          { key: SA.province, value: cert.province },
          { key: SA.waitingOn, value: 'triage' },
        ],
      }),
    );
  } catch (e) {
    // The start may have happened although its answer was lost (a timeout): then the report and
    // its triage stand. Only a report whose triage surely never started is taken back.
    const started = await deps.client.workflow
      .getHandle(riskReportWorkflowId(ref))
      .describe()
      .then(
        () => true as const,
        (err: unknown) => (err instanceof WorkflowNotFoundError ? (false as const) : ('unknown' as const)),
      );
    if (started === true) return ref;
    if (started === false) await deleteRiskReport(deps.pool, ref).catch(() => undefined);
    throw e;
  }
  return ref;
}

const ackResponses = {
  201: { description: 'received: the reference at once (triage within 5 working days, R18)', schema: Acknowledgement },
  400: E[400],
  413: E[413],
  415: E[415],
  422: { description: 'invalid input; or no licence in force with this certificate number (the same answer whether it never existed or is no longer in force)' },
  503: E[503],
};

const submitAsReporter = defineRoute({
  method: 'post',
  path: '/risk-reports',
  operationId: 'submitRiskReport',
  tag: 'supervision',
  summary: 'Submit risk information as a registered reporter',
  description: 'R18: a registered, unsuspended reporter submits information about a licence (by certificate number): what, evidence by SHA-256, contact. The reference comes back at once.',
  rules: ['R18'],
  roles: rolesFor('submitRiskReport'),
  scope: "The token's subject must be a reporter registered (and not suspended) by the token's province; otherwise 403.",
  // Before the body is read: an unregistered or suspended reporter is refused whatever it sends.
  scopeCheck: async ({ deps, principal }) => {
    const reg = await fromDb('the reporter register', () => findReporter(deps.pool, principal.sub));
    if (!reg || reg.province !== principal.province || reg.suspended) {
      throw new HttpProblem('forbidden', `${principal.sub} is not a reporter registered by ${principal.province} in good standing (R18)`);
    }
  },
  body: ReportBody,
  responses: {
    ...ackResponses,
    201: { ...ackResponses[201], links: { to: '/risk-reports/:ref', parameters: { ref: '$response.body#/ref' } } },
    401: E[401],
    403: { description: 'not a registered reporter of this province, or suspended' },
  },
  async handler({ deps, principal, body }) {
    const ref = await submit(deps, body, { kind: 'reporter', id: principal.sub });
    return { status: 201, body: { ref, status: 'triage', statusUrl: `/risk-reports/${ref}` }, headers: { Location: `/risk-reports/${ref}` } };
  },
});

const submitAsPublic = defineRoute({
  method: 'post',
  path: '/risk-reports/public',
  operationId: 'submitPublicRiskReport',
  tag: 'public',
  summary: 'Submit risk information as a member of the public',
  description:
    'R18: no account needed; a contact is. Limited per address like every public route and, once well-formed, far more strictly (RATE_LIMIT_PUBLIC_REPORTS_PER_HOUR, 429 with Retry-After). ' +
    'The answer carries the reference and an access token, shown once: send it as `X-Report-Token` to GET /risk-reports/public/{ref} to follow the status.',
  rules: ['R18'],
  roles: 'public',
  body: ReportBody,
  responses: { ...ackResponses, 429: { description: 'too many reports from this address: Retry-After says when to try again' } },
  async handler({ req, deps, body }) {
    const limiter = deps.rateLimits?.report;
    const wait = limiter?.take(`ip:${req.ip ?? 'unknown'}`) ?? 0;
    if (wait > 0) {
      throw new HttpProblem('too-many-requests', `too many reports from your address: at most ${limiter!.rate.limit} an hour; try again in ${wait} s`, undefined, { 'Retry-After': String(wait) });
    }
    const accessToken = randomBytes(32).toString('base64url');
    const ref = await submit(deps, body, { kind: 'public', accessHash: hashOf(accessToken) });
    return { status: 201, body: { ref, status: 'triage', statusUrl: `/risk-reports/public/${ref}`, accessToken }, headers: { Location: `/risk-reports/public/${ref}` } };
  },
});

const readPublic = defineRoute({
  method: 'get',
  path: '/risk-reports/public/:ref',
  operationId: 'readPublicRiskReport',
  tag: 'public',
  summary: 'Read the status of a public submission',
  description: 'R18: with the `X-Report-Token` given at submission. A wrong token and an unknown reference get the same 404.',
  rules: ['R18'],
  roles: 'public',
  params: ReportParams,
  headers: { 'X-Report-Token': ReportTokenHeader },
  responses: { 200: { description: 'the submission and its status', schema: SubmitterView }, 404: { description: 'no such reference, or not this token' }, 422: E[422], 503: E[503] },
  async handler({ req, deps, params }) {
    const token = req.header('x-report-token');
    const none = new HttpProblem('not-found', `risk report ${params.ref} not found`);
    if (!token || !ReportTokenHeader.safeParse(token).success) throw none;
    const r = await fromDb(DB, () => findPublicReport(deps.pool, params.ref, hashOf(token)));
    if (!r) throw none;
    return { status: 200, body: submitterView(r) };
  },
});

/** A reporter reaches its own submissions only, a supervisor his province's; anything else is a 404 (R01, R18). */
async function visibleReport(p: Principal, pool: RouteDeps['pool'], ref: string): Promise<RiskReportRow> {
  const r = await fromDb(DB, () => findRiskReport(pool, ref));
  const ok = r && (p.role === 'reporter' ? r.reporterId === p.sub : p.role === 'supervisor' ? r.province === p.province : true);
  if (!r || !ok) throw new HttpProblem('not-found', `risk report ${ref} not found`);
  return r;
}

const listReports = defineRoute({
  method: 'get',
  path: '/risk-reports',
  operationId: 'listRiskReports',
  tag: 'supervision',
  summary: 'List risk reports',
  rules: ['R18'],
  roles: rolesFor('readRiskReports'),
  scope: "A reporter, its own submissions; a supervisor, his province's (asking for another province is a 403 for either, R01); samr and ops any.",
  query: ReportListQuery,
  responses: { 200: { description: 'reports, newest first', schema: z.object({ items: z.array(StaffView.or(SubmitterView)) }).strict() }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    let province = query.province;
    if (principal.role === 'supervisor' || principal.role === 'reporter') {
      if (province && province !== principal.province) throw new HttpProblem('forbidden', `a ${principal.role} of ${principal.province} may not list reports of ${province} (R01)`);
      province = principal.province;
    }
    const reporterId = principal.role === 'reporter' ? principal.sub : undefined;
    const rows = await fromDb(DB, () => listRiskReports(deps.pool, { province: reporterId ? undefined : province, reporterId, status: query.status }, query.limit ? Number(query.limit) : 100));
    return { status: 200, body: { items: rows.map((r) => viewFor(principal, r)) } };
  },
});

const getReport = defineRoute({
  method: 'get',
  path: '/risk-reports/:ref',
  operationId: 'getRiskReport',
  tag: 'supervision',
  summary: 'Read a risk report',
  rules: ['R18'],
  roles: rolesFor('readRiskReports'),
  scope: "A reporter, its own; a supervisor, his province's; samr and ops any. Anything else is a 404.",
  params: ReportParams,
  responses: { 200: { description: 'the report (staff see the submitter and the decision)', schema: StaffView.or(SubmitterView) }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    return { status: 200, body: viewFor(principal, await visibleReport(principal, deps.pool, params.ref)) };
  },
});

const triage = defineRoute({
  method: 'post',
  path: '/risk-reports/:ref/triage',
  operationId: 'triageRiskReport',
  tag: 'supervision',
  summary: 'Triage a risk report',
  description:
    'R18: the supervisor decides within 5 working days: `dismiss` with a reason, `record-signal` (an R14 substantiated-report signal that raises the grade, R17), or `flight-inspection` (R13, unannounced). Once (409 after); Idempotency-Key repeats the first answer.',
  rules: ['R18', 'R14', 'R13'],
  roles: rolesFor('triageRiskReport'),
  scope: "A supervisor of the report's province; another province's report is a 404 (R01).",
  params: ReportParams,
  scopeCheck: async ({ deps, principal, params }) => {
    await visibleReport(principal, deps.pool, params.ref);
  },
  body: TriageBody,
  responses: { 200: { description: 'decided', schema: StaffView }, 400: E[400], 401: E[401], 403: E[403], 404: E[404], 409: { description: 'already decided' }, 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ req, deps, principal, params, body }) {
    const h = deps.client.workflow.getHandle(riskReportWorkflowId(params.ref));
    const desc = await withTemporal(`risk report ${params.ref}`, () => h.describe());
    const closed = desc.status.name === 'RUNNING' ? undefined : new HttpProblem('conflict', `risk report ${params.ref} is already decided`);
    await sendUpdate(h, triageReportUpdate, { ...body, actor: actorOf(principal) }, { what: `risk report ${params.ref}`, closed, idempotencyKey: idempotencyKeyOf(req) });
    return { status: 200, body: staffView((await fromDb(DB, () => findRiskReport(deps.pool, params.ref)))!) };
  },
});

export const riskReportRoutes: AnyRoute[] = [submitAsReporter, submitAsPublic, readPublic, listReports, getReport, triage];
