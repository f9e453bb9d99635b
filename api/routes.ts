/**
 * Every route of the API. Case routes carry people's decisions to the case's workflow as
 * Updates (answered at once: taken, or refused by the workflow's validator with its reason)
 * and read its state with the status Query; nothing about a case is kept in the API.
 *
 * The role lists mirror the workflows' validators (which stay the authority: they check role,
 * province and stage again before anything is recorded).
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { type ApplicationInput, ApplicationId, validateApplication } from '../domain/application';
import { CalendarDataError, CalendarInputError, calendarDirFingerprint, loadCalendar, type Calendar } from '../domain/calendar';
import { CERTIFICATE_NUMBER } from '../domain/certificate';
import {
  acceptUpdate,
  approveUpdate,
  confirmPredecessorCancelledUpdate,
  pauseClockUpdate,
  recordVerificationUpdate,
  refuseUpdate,
  rejectAtIntakeUpdate,
  requestSupplementUpdate,
  resumeClockUpdate,
  statusQuery,
  supplementSignal,
} from '../domain/messages';
import { rolesFor } from '../domain/permissions';
import { PRODUCTS, type ProductId } from '../domain/policy';
import { ROLES, type Actor, type Role } from '../domain/roles';
import { SA } from '../domain/search-attributes';
import {
  assignTeamUpdate,
  cancelLicenceUpdate,
  changeLicenceUpdate,
  describeBan,
  type LicenceState,
  lifecycleQuery,
  lifecycleWorkflowId,
  revokeLicenceUpdate,
} from '../domain/supervision';
import { shanghaiDate } from '../domain/time';
import { findActiveBan, recordConflict, upsertVerifier } from '../activities/supervision';
import { followUpStatusQuery, recordInspectionUpdate } from '../workflows/follow-up';
import type { LicenceApplicationInput } from '../workflows/licence-application';
import { actorOf, isStaff } from './auth';
import { renderDocs, DOCS_CSP } from './docs';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics';
import { buildOpenApi } from './openapi';
import { HttpProblem } from './problem';
import { findVerifier } from './registry';
import { type AnyRoute, type Ctx, defineRoute, type Reply, type ResponseDoc, type RouteDeps } from './route';
import * as S from './schemas';
import { CASE_WORKFLOW_TYPE, findCase, followUpWorkflowId, type SubmissionMemo, withTemporal } from './temporal';

const ALL_ROLES: Role[] = [...ROLES];
const CASE_SCOPE = 'Applicants see only their own enterprise (USCC); authority staff only their province (R01); samr and ops see all.';

const E = {
  400: { description: 'body is not valid JSON' },
  401: { description: 'no token, or not a valid one' },
  403: { description: 'role, province (R01) or enterprise not allowed; or refused by the workflow validator' },
  404: { description: 'no such case' },
  409: { description: 'the case is closed, or the workflow refused the message at its current stage' },
  413: { description: 'body larger than the limit' },
  415: { description: 'body is not application/json' },
  422: { description: 'invalid input; `errors` names each field path' },
  503: { description: 'Temporal or the database is unreachable' },
} satisfies Record<number, ResponseDoc>;

const caseLink = (id: string) => `/applications/${encodeURIComponent(id)}`;

/** Key-sorted JSON, so the same application always hashes the same. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

// ---- submission ---------------------------------------------------------------------------------
const submit = defineRoute({
  method: 'post',
  path: '/applications',
  operationId: 'submitApplication',
  tag: 'applicant',
  summary: 'Submit an application',
  description:
    'Starts the case workflow (workflow id = application id). Idempotent: repeating a submission with the same application id ' +
    '(or the same Idempotency-Key header, which becomes the application id when the body has none) returns the same case with 200 ' +
    'and never starts a second workflow. The same id with a different application is a 409. The receipt time is the server clock. ' +
    'An enterprise under a re-application ban for the product (L04, L08) is refused with 403 naming the ban and its last day, and no case is started.',
  rules: ['R01', 'R05', 'R09', 'L01', 'L04', 'L08'],
  roles: rolesFor('submit'),
  scope: "The application's enterprise.uscc must be the token's uscc.",
  headers: { 'Idempotency-Key': S.IdempotencyKey },
  body: S.SubmitApplicationBody,
  responses: {
    201: { description: 'case started', schema: S.SubmitResponse },
    200: { description: 'repeat of an earlier submission: the same case', schema: S.SubmitResponse },
    400: E[400],
    401: E[401],
    403: { description: 'the application is for another enterprise than the token\'s; or the enterprise is banned from applying for this product (L04, L08): the detail names the ban and its last day' },
    409: { description: 'the application id is already used by a different application' },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ req, deps, principal }) {
    const raw = req.body as Record<string, unknown>;
    const key = req.header('idempotency-key');
    if (key !== undefined && !ApplicationId.safeParse(key).success) {
      throw new HttpProblem('validation', 'the Idempotency-Key header is not usable as an application id', [
        { path: 'header.Idempotency-Key', message: '6-64 characters: letters, digits, - and _' },
      ]);
    }
    if (key !== undefined && raw.applicationId !== undefined && raw.applicationId !== key) {
      throw new HttpProblem('validation', 'applicationId and Idempotency-Key name different cases', [
        { path: 'applicationId', message: `differs from the Idempotency-Key header '${key}'` },
      ]);
    }
    const applicationId = (raw.applicationId as string | undefined) ?? key ?? `A-${randomUUID()}`;
    const receivedAt = new Date().toISOString();
    const checked = validateApplication({ ...raw, applicationId }, shanghaiDate(receivedAt));
    if (!checked.ok) {
      throw new HttpProblem(
        'validation',
        'the application is not valid',
        checked.problems.map((p) => ({ path: p.path.join('.'), message: p.message })),
      );
    }
    const app: ApplicationInput = checked.value;
    if (app.enterprise.uscc !== principal.uscc) {
      throw new HttpProblem('forbidden', `an applicant files for its own enterprise only: the token is for ${principal.uscc}, the application for ${app.enterprise.uscc}`);
    }
    const sha256 = createHash('sha256').update(canonicalJson(app)).digest('hex');
    const links = { self: caseLink(applicationId) };
    // L04, L08: a banned enterprise is refused for that product before any case is started
    // (the workflow checks again at receipt). A repeat of a submission made before the ban
    // still returns its case.
    let ban;
    try {
      ban = await findActiveBan(deps.pool, app.enterprise.uscc, app.product, shanghaiDate(receivedAt));
    } catch (err) {
      throw new HttpProblem('unavailable', `the ban register is not reachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (ban) {
      const earlier = await findCase(deps.client, applicationId).catch((err: unknown) => {
        if (err instanceof HttpProblem && err.kind === 'not-found') return undefined;
        throw err;
      });
      if (earlier?.submission?.sha256 === sha256 && earlier.uscc === principal.uscc) {
        return { status: 200, body: { applicationId, created: false, receivedAt: earlier.submission.receivedAt, links }, headers: { Location: links.self } };
      }
      throw new HttpProblem('forbidden', `L04: ${describeBan(ban)}`);
    }
    const memo: SubmissionMemo = { nonce: randomUUID(), sha256, receivedAt, province: app.province, uscc: app.enterprise.uscc };
    const input: LicenceApplicationInput = { application: app, receivedAt };
    try {
      await withTemporal(`case ${applicationId}`, () =>
        deps.client.workflow.start(CASE_WORKFLOW_TYPE, {
          taskQueue: deps.taskQueue,
          workflowId: applicationId,
          args: [input],
          // A running case with this id is returned, a closed one is never started again.
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          memo: { submission: memo },
          // Visible to list and to scoping at once, before the first workflow task.
          typedSearchAttributes: [
            { key: SA.stage, value: 'received' },
            { key: SA.province, value: app.province },
            { key: SA.product, value: app.product },
            { key: SA.uscc, value: app.enterprise.uscc },
            { key: SA.waitingOn, value: 'acceptance-officer' },
            { key: SA.overdue, value: false },
          ],
        }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const existing = await findCase(deps.client, applicationId);
    if (existing.submission?.nonce === memo.nonce) {
      return { status: 201, body: { applicationId, created: true, receivedAt, links }, headers: { Location: links.self } };
    }
    if (existing.submission?.sha256 === sha256 && existing.uscc === principal.uscc) {
      return { status: 200, body: { applicationId, created: false, receivedAt: existing.submission.receivedAt, links }, headers: { Location: links.self } };
    }
    throw new HttpProblem('conflict', `application id ${applicationId} is already used by a different application: choose another id (or Idempotency-Key)`);
  },
});

// ---- reading ------------------------------------------------------------------------------------
const getCase = defineRoute({
  method: 'get',
  path: '/applications/:id',
  operationId: 'getApplication',
  tag: 'cases',
  summary: 'Read a case',
  description: "The case's live state from its workflow (status Query): stage, path, deadline, timeline, decision, certificate.",
  rules: ['R01', 'R07', 'L02'],
  roles: ALL_ROLES,
  scope: CASE_SCOPE,
  params: S.CaseParams,
  caseScope: 'read',
  responses: { 200: { description: 'the case', schema: S.CaseStatusResponse }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, params }) {
    const status = await withTemporal(`case ${params.id}`, () => deps.client.workflow.getHandle(params.id).query(statusQuery));
    return { status: 200, body: status };
  },
});

const getFollowUp = defineRoute({
  method: 'get',
  path: '/applications/:id/follow-up',
  operationId: 'getFollowUp',
  tag: 'cases',
  summary: 'Read the after-issuance follow-up of a case',
  description: 'The child workflow `<id>/follow-up`: on-site verification after issuance, commitment check or supervision inspection, with its window.',
  rules: ['R08', 'R10', 'L06'],
  roles: ALL_ROLES,
  scope: CASE_SCOPE,
  params: S.CaseParams,
  caseScope: 'read',
  responses: { 200: { description: 'the follow-up', schema: S.FollowUpStatusResponse }, 401: E[401], 403: E[403], 404: { description: 'no such case, or no follow-up (yet)' }, 422: E[422], 503: E[503] },
  async handler({ deps, params }) {
    const status = await withTemporal(`follow-up of case ${params.id}`, () => deps.client.workflow.getHandle(followUpWorkflowId(params.id)).query(followUpStatusQuery));
    return { status: 200, body: status };
  },
});

const listCases = defineRoute({
  method: 'get',
  path: '/applications',
  operationId: 'listApplications',
  tag: 'cases',
  summary: 'List cases',
  description: 'Served from Temporal visibility (search attributes LpStage, LpProvince, LpProduct, LpPath, LpOverdue, LpWaitingOn). Eventually consistent: a change shows within about a second.',
  rules: ['R01', 'R07'],
  roles: ALL_ROLES,
  scope: 'Authority staff see their own province only (asking for another is a 403); applicants their own enterprise; samr and ops all.',
  query: S.ListQuery,
  responses: { 200: { description: 'matching cases', schema: S.CaseList }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    let province = query.province;
    if (isStaff(principal.role)) {
      if (province && province !== principal.province) {
        throw new HttpProblem('forbidden', `a ${principal.role} of ${principal.province} may not list cases of ${province} (R01)`);
      }
      province = principal.province;
    }
    // Every value below passed a zod enum (or is a checked token claim): nothing free-form reaches the query.
    const clauses = [`WorkflowType = '${CASE_WORKFLOW_TYPE}'`];
    if (principal.role === 'applicant') clauses.push(`${SA.uscc.name} = '${principal.uscc!}'`);
    if (province) clauses.push(`${SA.province.name} = '${province}'`);
    if (query.stage) clauses.push(`${SA.stage.name} = '${query.stage}'`);
    if (query.product) clauses.push(`${SA.product.name} = '${query.product}'`);
    if (query.path) clauses.push(`${SA.path.name} = '${query.path}'`);
    if (query.waitingOn) clauses.push(`${SA.waitingOn.name} = '${query.waitingOn}'`);
    if (query.overdue) clauses.push(`${SA.overdue.name} = ${query.overdue}`);
    // Keyset paging on the start time: stable while new cases arrive, unlike an offset.
    if (query.before) clauses.push(`StartTime < '${new Date(query.before).toISOString()}'`);
    const visibility = clauses.join(' AND ');
    const limit = query.limit ? Number(query.limit) : 50;
    const items: z.infer<typeof S.CaseSummary>[] = [];
    await withTemporal('case list', async () => {
      for await (const wf of deps.client.workflow.list({ query: visibility, pageSize: Math.min(limit, 100) })) {
        const sa = wf.typedSearchAttributes;
        items.push({
          applicationId: wf.workflowId,
          status: wf.status.name,
          startedAt: wf.startTime.toISOString(),
          closedAt: wf.closeTime?.toISOString() ?? null,
          stage: sa.get(SA.stage) ?? null,
          province: sa.get(SA.province) ?? null,
          product: sa.get(SA.product) ?? null,
          path: sa.get(SA.path) ?? null,
          uscc: sa.get(SA.uscc) ?? null,
          waitingOn: sa.get(SA.waitingOn) ?? null,
          policyVersion: sa.get(SA.policyVersion) ?? null,
          deadline: sa.get(SA.deadline)?.toISOString() ?? null,
          overdue: sa.get(SA.overdue) ?? false,
        });
        if (items.length >= limit) break;
      }
    });
    const nextBefore = items.length === limit ? items[items.length - 1]!.startedAt : null;
    return { status: 200, body: { query: visibility, count: items.length, items, nextBefore } };
  },
});

// ---- applicant's supplement (Signal) ---------------------------------------------------------------
const supplement = defineRoute({
  method: 'post',
  path: '/applications/:id/supplement',
  operationId: 'submitSupplement',
  tag: 'applicant',
  summary: 'Submit the supplement the authority asked for',
  description: 'A Signal to the case (L01: one supplement notice, one answer). Accepted only while the case awaits a supplement.',
  rules: ['L01'],
  roles: rolesFor('supplement'),
  scope: 'Own enterprise only.',
  params: S.CaseParams,
  body: S.SupplementBody,
  caseScope: 'message',
  responses: { 202: { description: 'delivered to the case', schema: S.SupplementAccepted }, 400: E[400], 401: E[401], 403: E[403], 404: E[404], 409: E[409], 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ deps, params, principal, body }) {
    const handle = deps.client.workflow.getHandle(params.id);
    // A Signal cannot be refused by the workflow, so the stage is checked here first.
    const status = await withTemporal(`case ${params.id}`, () => handle.query(statusQuery));
    if (status.stage !== 'awaiting-supplement') {
      throw new HttpProblem('conflict', `case ${params.id} is at stage '${status.stage}': a supplement is only taken while one was asked for (L01)`);
    }
    await withTemporal(`case ${params.id}`, () => handle.signal(supplementSignal, { actor: actorOf(principal), ...body }));
    return { status: 202, body: { applicationId: params.id, accepted: true, detail: 'supplement delivered; the acceptance clock restarts (L01)' } };
  },
});

// ---- decisions (Updates) ---------------------------------------------------------------------------
interface UpdateRouteSpec {
  segment: string;
  operationId: string;
  summary: string;
  description: string;
  rules: string[];
  roles: Role[];
  body: z.ZodObject;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  update: UpdateDefinition<any, [any]>;
}

function updateRoute(spec: UpdateRouteSpec): AnyRoute {
  return defineRoute({
    method: 'post',
    path: `/applications/:id/${spec.segment}`,
    operationId: spec.operationId,
    tag: 'authority',
    summary: spec.summary,
    description: `${spec.description} Sent as a Temporal Update: the answer says at once whether it was taken; a refusal records nothing.`,
    rules: spec.rules,
    roles: spec.roles,
    scope: 'Own province only (R01).',
    params: S.CaseParams,
    body: spec.body,
    caseScope: 'message',
    responses: {
      200: { description: 'taken; the new stage', schema: S.MessageResponse },
      400: E[400],
      401: E[401],
      403: E[403],
      404: E[404],
      409: E[409],
      413: E[413],
      415: E[415],
      422: E[422],
      503: E[503],
    },
    async handler({ deps, params, principal, body }: Ctx<typeof S.CaseParams, undefined, z.ZodObject>): Promise<Reply> {
      const actor: Actor = actorOf(principal);
      const result = await withTemporal(`case ${params.id}`, () =>
        deps.client.workflow.getHandle(params.id).executeUpdate(spec.update, { args: [{ ...(body as object), actor }] }),
      );
      return { status: 200, body: { applicationId: params.id, ...(result as object) } };
    },
  });
}

const updates: AnyRoute[] = [
  updateRoute({
    segment: 'accept',
    operationId: 'acceptApplication',
    summary: 'Accept the application',
    description: 'The acceptance officer accepts (受理); the decision clock (R07) starts.',
    rules: ['L01', 'R07'],
    roles: rolesFor('accept'),
    body: S.AcceptBody,
    update: acceptUpdate,
  }),
  updateRoute({
    segment: 'supplement-request',
    operationId: 'requestSupplement',
    summary: 'Request a supplement',
    description: 'ONE notice listing everything missing (一次告知); a second is refused.',
    rules: ['L01'],
    roles: rolesFor('requestSupplement'),
    body: S.SupplementRequestBody,
    update: requestSupplementUpdate,
  }),
  updateRoute({
    segment: 'reject',
    operationId: 'rejectAtIntake',
    summary: 'Refuse to accept the application',
    description: 'Not accepted (不予受理), with reasons.',
    rules: ['L01', 'R03', 'R04'],
    roles: rolesFor('rejectAtIntake'),
    body: S.RejectAtIntakeBody,
    update: rejectAtIntakeUpdate,
  }),
  updateRoute({
    segment: 'predecessor-confirmation',
    operationId: 'confirmPredecessorCancelled',
    summary: 'Confirm the predecessor licence is cancelled',
    description:
      'R04: a take-over (acquisition, merger, restructuring, capacity replacement) waits until the licence it replaces is no longer in force. ' +
      'The acceptance officer confirms it, with evidence, when the case cannot see it (e.g. a licence issued outside this system); the intake clock (L01) then starts.',
    rules: ['R04', 'L01'],
    roles: rolesFor('confirmPredecessorCancelled'),
    body: S.PredecessorConfirmationBody,
    update: confirmPredecessorCancelledUpdate,
  }),
  updateRoute({
    segment: 'verification',
    operationId: 'recordVerification',
    summary: 'Record the on-site verification',
    description: 'Result of the verification team (2-4 certified verifiers) on the verify-then-issue path.',
    rules: ['R10', 'L06'],
    roles: rolesFor('recordVerification'),
    body: S.VerificationBody,
    update: recordVerificationUpdate,
  }),
  updateRoute({
    segment: 'pause',
    operationId: 'pauseClock',
    summary: 'Pause the decision clock',
    description: 'Testing, expert review or hearing: excluded from the time limit; the applicant is told in writing.',
    rules: ['L02'],
    roles: rolesFor('pauseClock'),
    body: S.PauseBody,
    update: pauseClockUpdate,
  }),
  updateRoute({
    segment: 'resume',
    operationId: 'resumeClock',
    summary: 'Resume the decision clock',
    description: 'Ends the open pause; the deadline is recomputed.',
    rules: ['L02'],
    roles: rolesFor('resumeClock'),
    body: S.ResumeBody,
    update: resumeClockUpdate,
  }),
  updateRoute({
    segment: 'approve',
    operationId: 'approveApplication',
    summary: 'Approve the application',
    description: 'The decision (审批); the electronic certificate is issued next (L07, R05).',
    rules: ['R07', 'L07'],
    roles: rolesFor('approve'),
    body: S.ApproveBody,
    update: approveUpdate,
  }),
  updateRoute({
    segment: 'refuse',
    operationId: 'refuseApplication',
    summary: 'Refuse the application',
    description: 'The decision, negative, with reasons.',
    rules: ['R07', 'L04'],
    roles: rolesFor('refuse'),
    body: S.RefuseBody,
    update: refuseUpdate,
  }),
];

/** The follow-up child of a case, running: else 404 (none yet) or 409 (closed, with its result). */
async function runningFollowUp(deps: RouteDeps, applicationId: string) {
  const handle = deps.client.workflow.getHandle(followUpWorkflowId(applicationId));
  const what = `follow-up of case ${applicationId}`;
  const desc = await withTemporal(what, () => handle.describe());
  if (desc.status.name !== 'RUNNING') {
    const s = await withTemporal(what, () => handle.query(followUpStatusQuery)).catch(() => undefined);
    throw new HttpProblem('conflict', `the ${what} is closed${s?.result ? `: inspection already recorded at ${s.result.at} (${s.result.outcome})` : ` (${desc.status.name})`}`);
  }
  return { handle, what };
}

const followUpErrors = {
  400: E[400],
  401: E[401],
  403: E[403],
  404: { description: 'no such case, or it has no follow-up (yet)' },
  413: E[413],
  415: E[415],
  422: { description: 'invalid input; or a verifier refused by the registry (R10: unknown, not certified on the day, suspended, conflicted)' },
  503: E[503],
} satisfies Record<number, ResponseDoc>;

const assignTeam = defineRoute({
  method: 'post',
  path: '/applications/:id/follow-up/team',
  operationId: 'assignInspectionTeam',
  tag: 'authority',
  summary: 'Assign the follow-up inspection team',
  description:
    'L06: 2-4 verifiers for the current round (the first inspection, or the re-inspection after rectification), each in the verifier registry, ' +
    'certified on the day by any province (R10) and not conflicted with the enterprise. An Update on the child workflow `<id>/follow-up`; ' +
    'the inspection is then recorded by this team.',
  rules: ['L06', 'R10', 'R08'],
  roles: rolesFor('assignTeam'),
  scope: 'Own province only (R01).',
  params: S.CaseParams,
  body: S.AssignTeamBody,
  caseScope: 'read',
  responses: {
    200: { description: 'assigned; the follow-up in full', schema: S.FollowUpDetailResponse },
    ...followUpErrors,
    409: { description: 'the follow-up is closed, or another message to it is in progress' },
  },
  async handler({ deps, params, principal, body }) {
    const { handle, what } = await runningFollowUp(deps, params.id);
    const detail = await withTemporal(what, () => handle.executeUpdate(assignTeamUpdate, { args: [{ ...body, actor: actorOf(principal) }] }));
    return { status: 200, body: detail };
  },
});

const inspection = defineRoute({
  method: 'post',
  path: '/applications/:id/follow-up/inspection',
  operationId: 'recordInspection',
  tag: 'authority',
  summary: 'Record the after-issuance inspection',
  description:
    'The result of the follow-up (post-issuance verification, commitment check, 60-day supervision inspection) as an Update on the child workflow `<id>/follow-up`: ' +
    'pass closes it; rectification-required orders a rectification by a deadline and a re-inspection (R15); failed (or failing the re-inspection, L08) revokes the licence ' +
    'with the ban its ground carries (L04, R12). With a team assigned, the inspectors must be that team; without one, the inspectors become the team (R10 checks apply).',
  rules: ['R08', 'R10', 'R12', 'R15', 'L04', 'L06', 'L08'],
  roles: rolesFor('recordInspection'),
  scope: 'Own province only (R01).',
  params: S.CaseParams,
  body: S.InspectionBody,
  caseScope: 'read',
  responses: {
    200: { description: 'recorded; the follow-up', schema: S.FollowUpStatusResponse },
    ...followUpErrors,
    409: { description: 'already recorded (closed), another team was assigned, or not possible in this round' },
  },
  async handler({ deps, params, principal, body }) {
    const { handle, what } = await runningFollowUp(deps, params.id);
    const result = await withTemporal(what, () => handle.executeUpdate(recordInspectionUpdate, { args: [{ ...body, actor: actorOf(principal) }] }));
    return { status: 200, body: result };
  },
});

// ---- the licence after issuance (lifecycle workflow `licence/<number>`) ------------------------
const CERTIFICATE_SCOPE = "Applicants see only their own enterprise's certificates; authority staff only their province's (R01); samr and ops all.";

const licence = defineRoute({
  method: 'get',
  path: '/certificates/:number/licence',
  operationId: 'getLicence',
  tag: 'cases',
  summary: "Read a licence's lifecycle",
  description:
    "The licence's own record from its lifecycle workflow `licence/<number>` (Query `licence`): status, validity, renewal due date and deemed renewal (L05), " +
    'holder particulars after changes (变更), and recent history (cancellation, revocation, reminders). The public check is GET /certificates/{number}.',
  rules: ['L05', 'R04', 'L04', 'R12'],
  roles: ALL_ROLES,
  scope: CERTIFICATE_SCOPE,
  params: S.CertificateNumberParams,
  certificateScope: 'read',
  responses: {
    200: { description: 'the licence', schema: S.LicenceStateResponse },
    401: E[401],
    403: E[403],
    404: { description: 'no such certificate, or it has no lifecycle (issued before lifecycles existed)' },
    422: E[422],
    503: E[503],
  },
  async handler({ deps, params }) {
    const state = await withTemporal(`licence lifecycle of certificate ${params.number}`, () =>
      deps.client.workflow.getHandle(lifecycleWorkflowId(params.number)).query(lifecycleQuery),
    );
    return { status: 200, body: state };
  },
});

interface LicenceUpdateSpec {
  segment: string;
  operationId: string;
  summary: string;
  description: string;
  rules: string[];
  roles: Role[];
  scope: string;
  body: z.ZodType;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  update: UpdateDefinition<LicenceState, [any]>;
  /** R04: a licence that ends lets the take-overs waiting for it go on. */
}

function licenceUpdateRoute(spec: LicenceUpdateSpec): AnyRoute {
  return defineRoute({
    method: 'post',
    path: `/certificates/:number/${spec.segment}`,
    operationId: spec.operationId,
    tag: 'authority',
    summary: spec.summary,
    description: `${spec.description} Sent as a Temporal Update to the lifecycle workflow \`licence/<number>\`: refused at once by its validator (403 role or province, 409 licence no longer active, 422 invalid), or taken and written to the audit trail.`,
    rules: spec.rules,
    roles: spec.roles,
    scope: spec.scope,
    params: S.CertificateNumberParams,
    body: spec.body,
    certificateScope: 'read',
    responses: {
      200: { description: 'taken; the licence afterwards', schema: S.LicenceStateResponse },
      400: E[400],
      401: E[401],
      403: E[403],
      404: { description: 'no such certificate, or it has no lifecycle (issued before lifecycles existed)' },
      409: { description: 'the licence is no longer active (cancelled, revoked, expired, superseded)' },
      413: E[413],
      415: E[415],
      422: E[422],
      503: E[503],
    },
    async handler({ deps, params, principal, body }: Ctx<typeof S.CertificateNumberParams, undefined, z.ZodType>): Promise<Reply> {
      const handle = deps.client.workflow.getHandle(lifecycleWorkflowId(params.number));
      const what = `licence lifecycle of certificate ${params.number}`;
      const desc = await withTemporal(what, () => handle.describe());
      if (desc.status.name !== 'RUNNING') {
        const st = await withTemporal(what, () => handle.query(lifecycleQuery)).catch(() => undefined);
        throw new HttpProblem('conflict', `certificate ${params.number} is ${st?.status ?? 'no longer active'}${st?.endedAt ? ` since ${st.endedAt}` : ''}: nothing more can be sent to its licence`);
      }
      // Take-overs waiting for this licence (R04) are told by its lifecycle workflow when it ends.
      const state = await withTemporal(what, () => handle.executeUpdate(spec.update, { args: [{ ...(body as object), actor: actorOf(principal) }] }));
      return { status: 200, body: state };
    },
  });
}

const licenceUpdates: AnyRoute[] = [
  licenceUpdateRoute({
    segment: 'cancel',
    operationId: 'cancelLicence',
    summary: 'Cancel a licence (注销)',
    description:
      'On the holder\'s request, or because of an acquisition, merger, restructuring or capacity replacement (R04). The certificate becomes cancelled; ' +
      'take-over applications waiting for it (R04) are told at once.',
    rules: ['R04'],
    roles: rolesFor('cancelLicence'),
    scope: "The holder (applicant of the certificate's enterprise), or a supervisor or approver of the certificate's province (R01).",
    body: S.CancelLicenceBody,
    update: cancelLicenceUpdate,
  }),
  licenceUpdateRoute({
    segment: 'change',
    operationId: 'changeLicence',
    summary: 'Change the enterprise name or address on a licence (变更)',
    description: 'Records a new enterprise name and/or registered address on the certificate; old and new values go to the audit trail.',
    rules: ['R05'],
    roles: rolesFor('changeLicence'),
    scope: "A supervisor or approver of the certificate's province (R01).",
    body: S.ChangeLicenceBody,
    update: changeLicenceUpdate,
  }),
  licenceUpdateRoute({
    segment: 'revoke',
    operationId: 'revokeLicence',
    summary: 'Revoke a licence (撤销)',
    description:
      'Revocation for fraud, a false commitment, false materials, a failed rectification or conditions not met: the certificate is revoked, the ban its ground carries ' +
      '(L04: 3 years for fraud or a false commitment, 1 year for false materials on a safety-related product; L08: 3 years after a failed rectification) is recorded, ' +
      'and a credit-publicity record is queued (R12). Submissions by the enterprise for the product are refused until the ban ends.',
    rules: ['L04', 'L08', 'R12'],
    roles: rolesFor('revokeLicence'),
    scope: "A supervisor or approver of the certificate's province (R01).",
    body: S.RevokeLicenceBody,
    update: revokeLicenceUpdate,
  }),
];

// ---- verifier registry (R10) --------------------------------------------------------------------
const certifyVerifier = defineRoute({
  method: 'post',
  path: '/verifiers',
  operationId: 'certifyVerifier',
  tag: 'authority',
  summary: 'Certify a verifier',
  description:
    'R10: records (or updates) a verifier\'s certification by the province that trained and assessed him; a certified verifier may inspect in every province ' +
    'until the certification ends. Unknown, expired, not-yet-valid or suspended verifiers are refused when a team is assigned.',
  rules: ['R10', 'L06'],
  roles: rolesFor('certifyVerifier'),
  scope: "A supervisor certifies for their own province only, and may not change another province's verifier; ops any.",
  body: S.CertifyVerifierBody,
  responses: {
    201: { description: 'certified: a new verifier in the registry', schema: S.VerifierResponse },
    200: { description: 'an existing verifier\'s record updated', schema: S.VerifierResponse },
    400: E[400],
    401: E[401],
    403: { description: "a supervisor certifying for another province, or changing another province's verifier (R01)" },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ deps, principal, body }) {
    if (principal.role === 'supervisor' && body.certifiedBy !== principal.province) {
      throw new HttpProblem('forbidden', `a supervisor of ${principal.province} certifies verifiers for ${principal.province} only, not ${body.certifiedBy} (R01, R10)`);
    }
    const existing = await findVerifier(deps.pool, body.id);
    if (existing && principal.role === 'supervisor' && existing.certifiedBy !== principal.province) {
      throw new HttpProblem('forbidden', `verifier ${body.id} is certified by ${existing.certifiedBy}: only that province (or ops) may change the record (R01, R10)`);
    }
    const certifiedOn = body.certifiedOn ?? shanghaiDate(Date.now());
    if (body.certifiedUntil < certifiedOn) {
      throw new HttpProblem('validation', 'the certification ends before it starts', [{ path: 'certifiedUntil', message: `ends before certifiedOn (${certifiedOn})` }]);
    }
    const record = { id: body.id, name: body.name, certifiedBy: body.certifiedBy, certifiedOn, certifiedUntil: body.certifiedUntil, suspended: body.suspended ?? false };
    try {
      await upsertVerifier(deps.pool, record);
    } catch (err) {
      throw new HttpProblem('unavailable', `the verifier registry is not reachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { status: existing ? 200 : 201, body: { ...record, created: !existing }, headers: { Location: `/verifiers/${encodeURIComponent(body.id)}` } };
  },
});

const verifierConflict = defineRoute({
  method: 'post',
  path: '/verifiers/:id/conflicts',
  operationId: 'recordVerifierConflict',
  tag: 'authority',
  summary: 'Record a conflict of interest',
  description:
    'A verifier never inspects an enterprise he is recorded as conflicted with (R10): teams naming him for that enterprise are refused. ' +
    'Recording the same pair again replaces the reason.',
  rules: ['R10', 'L06'],
  roles: rolesFor('recordConflict'),
  scope: "Any province's supervisor: verifiers inspect in every province (R10), and a conflict only narrows who may inspect.",
  params: S.VerifierParams,
  body: S.ConflictBody,
  responses: {
    200: { description: 'recorded', schema: S.ConflictResponse },
    400: E[400],
    401: E[401],
    403: E[403],
    404: { description: 'no such verifier in the registry' },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ deps, params, body }) {
    if (!(await findVerifier(deps.pool, params.id))) throw new HttpProblem('not-found', `verifier ${params.id} is not in the registry (R10)`);
    try {
      await recordConflict(deps.pool, params.id, body.uscc, body.reason);
    } catch (err) {
      throw new HttpProblem('unavailable', `the verifier registry is not reachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { status: 200, body: { verifierId: params.id, uscc: body.uscc, reason: body.reason } };
  },
});

// ---- public -------------------------------------------------------------------------------------
const certificate = defineRoute({
  method: 'get',
  path: '/certificates/:number',
  operationId: 'checkCertificate',
  tag: 'public',
  summary: 'Check a certificate',
  description: 'Anyone may check a certificate number: its status, product and validity. No enterprise identity and no personal data.',
  rules: ['R05', 'L05', 'L07'],
  roles: 'public',
  params: S.CertificateParams,
  responses: { 200: { description: 'the certificate', schema: S.CertificateCheck }, 404: { description: 'no certificate with this number' }, 422: E[422], 503: E[503] },
  async handler({ deps, params }) {
    if (!CERTIFICATE_NUMBER.test(params.number)) {
      throw new HttpProblem('validation', 'not a certificate number', [{ path: 'params.number', message: 'expected (省简称)XK××-×××-××××× (L07)' }]);
    }
    let rows;
    try {
      ({ rows } = await deps.pool.query<{
        number: string;
        status: z.infer<typeof S.CertificateStatus>;
        product: ProductId;
        province: string;
        product_names: string[];
        issued_on: string;
        valid_until: string;
        superseded_by: string | null;
      }>(
        `SELECT number, status, product, province, product_names, to_char(issued_on, 'YYYY-MM-DD') AS issued_on,
                to_char(valid_until, 'YYYY-MM-DD') AS valid_until, superseded_by
           FROM certificates WHERE number = $1`,
        [params.number],
      ));
    } catch (err) {
      throw new HttpProblem('unavailable', `the certificate register is not reachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const row = rows[0];
    if (!row) throw new HttpProblem('not-found', `no certificate ${params.number}`);
    const today = shanghaiDate(Date.now());
    // L05: past its validity a valid certificate is expired; deemed-renewed is stored by the renewal process.
    const status = row.status === 'valid' && row.valid_until < today ? 'expired' : row.status;
    const body: z.infer<typeof S.CertificateCheck> = {
      number: row.number,
      status,
      product: row.product,
      productName: `${PRODUCTS[row.product]?.nameZh ?? row.product} (${PRODUCTS[row.product]?.nameEn ?? row.product})`,
      productNames: row.product_names,
      province: row.province as z.infer<typeof S.CertificateCheck>['province'],
      issuedOn: row.issued_on,
      validUntil: row.valid_until,
      ...(row.superseded_by ? { supersededBy: row.superseded_by } : {}),
      checkedOn: today,
    };
    return { status: 200, body };
  },
});

let calendarCache: { dir: string | undefined; fingerprint: string; calendar: Calendar } | undefined;
/** The calendar, reloaded when its directory changes (a new year file needs no restart). */
function currentCalendar(dir: string | undefined): Calendar {
  const fingerprint = calendarDirFingerprint(dir);
  if (!calendarCache || calendarCache.dir !== dir || calendarCache.fingerprint !== fingerprint) {
    calendarCache = { dir, fingerprint, calendar: loadCalendar(dir) };
  }
  return calendarCache.calendar;
}

const deadline = defineRoute({
  method: 'get',
  path: '/calendar/deadline',
  operationId: 'workingDayDeadline',
  tag: 'public',
  summary: 'Compute a working-day deadline',
  description: 'The nth working day after `from` (`from` not counted), per the State Council holiday notices; years without a published notice are provisional.',
  rules: ['L03', 'R07'],
  roles: 'public',
  query: S.DeadlineQuery,
  responses: { 200: { description: 'the deadline date', schema: S.DeadlineResponse }, 422: E[422], 503: { description: 'the calendar data cannot be loaded' } },
  async handler({ deps, query }) {
    const n = Number(query.n);
    let calendar: Calendar;
    try {
      calendar = currentCalendar(deps.calendarDir);
    } catch (err) {
      if (err instanceof CalendarDataError) throw new HttpProblem('unavailable', err.message);
      throw err;
    }
    try {
      const r = calendar.addWorkingDays(query.from, n);
      return { status: 200, body: { from: query.from, n, date: r.date, provisional: r.provisional, calendarVersion: calendar.version } };
    } catch (err) {
      if (err instanceof CalendarInputError) throw new HttpProblem('validation', err.message, [{ path: 'query.from', message: err.message }]);
      throw err;
    }
  },
});

const health = defineRoute({
  method: 'get',
  path: '/health',
  operationId: 'health',
  tag: 'operations',
  summary: 'Health',
  description: 'Reachability of Temporal and PostgreSQL.',
  roles: 'public',
  responses: { 200: { description: 'all reachable', schema: S.HealthResponse }, 503: { description: 'something is not reachable', contentType: 'application/json', schema: S.HealthResponse } },
  async handler({ deps }) {
    const check = (p: Promise<unknown>) =>
      p.then(() => ({ ok: true as const })).catch((e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) }));
    const [temporal, database] = await Promise.all([check(deps.temporalHealth()), check(deps.pool.query('SELECT 1'))]);
    const ok = temporal.ok && database.ok;
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', temporal, database } };
  },
});

const metrics = defineRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'metrics',
  tag: 'operations',
  summary: 'Prometheus metrics',
  description: 'Cases by stage, decisions in and out of deadline, working days to decision, overdue decisions and follow-ups, e-CQS outbox depth. Computed at scrape time; restrict it at the network edge.',
  rules: ['R07', 'R08', 'R06'],
  roles: 'public',
  responses: { 200: { description: 'Prometheus text format', contentType: METRICS_CONTENT_TYPE, schema: S.DocsPage } },
  async handler({ deps }) {
    const body = await renderMetrics({ pool: deps.pool, client: deps.client, calendar: currentCalendar(deps.calendarDir) });
    return { status: 200, body, contentType: METRICS_CONTENT_TYPE };
  },
});

let openApiCache: Record<string, unknown> | undefined;
const openapi = defineRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'openApiDocument',
  tag: 'operations',
  summary: 'This OpenAPI 3.1 document',
  roles: 'public',
  responses: { 200: { description: 'the document', schema: S.OpenApiDocument } },
  async handler() {
    openApiCache ??= buildOpenApi(ROUTES);
    return { status: 200, body: openApiCache };
  },
});

const docs = defineRoute({
  method: 'get',
  path: '/docs',
  operationId: 'docs',
  tag: 'operations',
  summary: 'Interactive documentation',
  roles: 'public',
  responses: { 200: { description: 'HTML page, self-contained', contentType: 'text/html', schema: S.DocsPage } },
  async handler() {
    openApiCache ??= buildOpenApi(ROUTES);
    return { status: 200, body: renderDocs(openApiCache), contentType: 'text/html', headers: { 'Content-Security-Policy': DOCS_CSP } };
  },
});

export const ROUTES: readonly AnyRoute[] = [
  submit,
  listCases,
  getCase,
  supplement,
  ...updates,
  getFollowUp,
  assignTeam,
  inspection,
  certificate,
  licence,
  ...licenceUpdates,
  certifyVerifier,
  verifierConflict,
  deadline,
  health,
  metrics,
  openapi,
  docs,
];

