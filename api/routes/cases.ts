/**
 * Cases: submission (idempotent, starts the case workflow), reading and listing cases, and the
 * applicant's supplement. Nothing about a case is kept in the API: reads are the workflow's
 * status Query and Temporal visibility.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { z } from 'zod';
import { type ApplicationInput, ApplicationId, validateApplication } from '../../domain/approval/application';
import { type LicenceApplicationInput, statusQuery, supplementUpdate } from '../../domain/approval/messages';
import { namedCertificateRefusals, oneCertificatePerProductRefusals, pendingNewApplicationRefusals } from '../../domain/approval/named-certificate';
import { describeBan } from '../../domain/licence/revocation';
import { rolesFor } from '../../domain/permissions';
import { policyInForce } from '../../domain/policy';
import { atIntakeSearchAttributes, SA } from '../../domain/search-attributes';
import { shanghaiDate } from '../../domain/time';
import { CASE_WORKFLOW_TYPE } from '../../domain/workflow-ids';
import { findActiveBan } from '../../db/bans';
import { findHeldCertificate, findNamedCertificate } from '../../db/certificates';
import { listNotices as listNoticesOf } from '../../db/notices';
import { actorOf, isStaff } from '../auth';
import { findOpenNewApplication } from '../../db/pending-applications';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import { NoticeList } from '../notice-schemas';
import * as S from '../schemas';
import { findCase, type SubmissionMemo, withTemporal } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { ALL_ROLES, CASE_SCOPE, E, caseLink } from './common';

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
/** The answer names the case: every case route follows from it, except the follow-up's, which exists only after issuance. */
const CASE_LINKS = { to: '/applications/:id', parameters: { id: '$response.body#/applicationId' }, except: ['/applications/:id/follow-up'] };

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
    'Without an application id and without an Idempotency-Key it is a 422: a retry could not find its case again. ' +
    'An enterprise under a re-application ban for the product (L04, L08) is refused with 403 naming the ban and its last day, and no case is started. ' +
    'A renewal or change must name a certificate the enterprise holds in that province for that product, valid or deemed renewed, and a renewal ' +
    'is taken from 6 months before expiry (R08, L05, L07): otherwise 422 on currentCertificateNumber, and no case is started. ' +
    'An enterprise holds one certificate per product per province (L07): a `new` application for a product it already holds there (valid or deemed renewed) ' +
    'is a 422 on `type` naming that certificate and the change route (a `change` naming it adds product units or specifications), and no case is started; ' +
    'so is one while another `new` application of the enterprise for that product is still open there (undecided, or approved and not yet issued), naming it. ' +
    "Two filed at the same moment may both be taken (201): the workflow's receipt then refuses the later one at intake (rejected-at-intake, L07).",
  rules: ['R01', 'R05', 'R08', 'R09', 'L01', 'L04', 'L05', 'L07', 'L08'],
  roles: rolesFor('submit'),
  rateLimit: 'submission',
  scope: "The application's enterprise.uscc must be the token's uscc.",
  headers: { 'Idempotency-Key': S.IdempotencyKey },
  body: S.SubmitApplicationBody,
  responses: {
    201: { description: 'case started', schema: S.SubmitResponse, links: CASE_LINKS },
    200: { description: 'repeat of an earlier submission: the same case', schema: S.SubmitResponse, links: CASE_LINKS },
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
    // A retried submission must find its first case again: without an id or a key it could not (a second case would start).
    if (raw.applicationId === undefined && key === undefined) {
      throw new HttpProblem('validation', 'a submission needs an applicationId or an Idempotency-Key header, so that a retried request cannot start a second case', [
        { path: 'applicationId', message: 'required when there is no Idempotency-Key header' },
        { path: 'header.Idempotency-Key', message: 'required when the body has no applicationId' },
      ]);
    }
    const applicationId = (raw.applicationId as string | undefined) ?? key!;
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
    // The registers are read at once, not one after another: a submission's latency is its slowest read.
    const on = shanghaiDate(receivedAt);
    const number = app.type === 'new' ? undefined : app.currentCertificateNumber;
    const owner = { uscc: app.enterprise.uscc, province: app.province, product: app.product };
    const [ban, named, held, open] = await Promise.all([
      fromDb('the ban register', () => findActiveBan(deps.pool, app.enterprise.uscc, app.product, on)),
      number === undefined ? undefined : fromDb('the certificate register', () => findNamedCertificate(deps.pool, number)),
      app.type === 'new' ? fromDb('the certificate register', () => findHeldCertificate(deps.pool, owner.uscc, owner.province, owner.product)) : undefined,
      app.type === 'new' ? fromDb('the case register', () => findOpenNewApplication(deps.pool, owner, applicationId)) : undefined,
    ]);
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
    // R08, L05, L07: what the workflow refuses at receipt about the certificate a renewal or change
    // names, refused here before any case starts (the workflow checks again). "No such certificate"
    // and "another enterprise's" get the same answer. A repeat of an earlier submission still returns its case.
    const refused = namedCertificateRefusals(app, named, on, policyInForce(on)).map((r) => ({ ...r, path: 'currentCertificateNumber' }));
    // L07: a `new` application for a product the enterprise already holds here is refused, naming
    // the certificate and the change route; so is one while another `new` one for this product is
    // still undecided here (the workflow's receipt decides a race).
    if (app.type === 'new') {
      refused.push(...oneCertificatePerProductRefusals(app, held).map((r) => ({ ...r, path: 'type' })));
      refused.push(...pendingNewApplicationRefusals(app, open).map((r) => ({ ...r, path: 'type' })));
    }
    if (refused.length) {
      const earlier = await findCase(deps.client, applicationId).catch((err: unknown) => {
        if (err instanceof HttpProblem && err.kind === 'not-found') return undefined;
        throw err;
      });
      if (earlier?.submission?.sha256 === sha256 && earlier.uscc === principal.uscc) {
        return { status: 200, body: { applicationId, created: false, receivedAt: earlier.submission.receivedAt, links }, headers: { Location: links.self } };
      }
      throw new HttpProblem(
        'validation',
        `the application is refused (不予受理): ${refused.map((r) => `${r.rule}: ${r.reason}`).join('; ')}`,
        refused.map((r) => ({ path: r.path, message: `${r.rule}: ${r.reason}` })),
      );
    }
    const memo: SubmissionMemo = { nonce: randomUUID(), sha256, receivedAt, province: app.province, uscc: app.enterprise.uscc };
    const input: LicenceApplicationInput = { application: app, receivedAt };
    try {
      await withTemporal(`case ${applicationId}`, () =>
        deps.client.workflow.start(CASE_WORKFLOW_TYPE, {
          taskQueue: deps.taskQueue,
          workflowId: applicationId,
          args: [input],
          // An id already used, running or closed, is never started again: the case is read
          // below. A start that succeeds is this request's, so the common path needs no read.
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          memo: { submission: memo },
          // Visible to list and to scoping at once, before the first workflow task.
          typedSearchAttributes: atIntakeSearchAttributes(app),
        }),
      );
      // Answered at once: the receipt checks run in the case (stage `intake`, usually well under a
      // second); a staff action that comes before they finish is held by the API (api/updates.ts).
      return { status: 201, body: { applicationId, created: true, receivedAt, links }, headers: { Location: links.self } };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const existing = await findCase(deps.client, applicationId);
    // The client's own start retried after its answer was lost: this request's case.
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

const listNotices = defineRoute({
  method: 'get',
  path: '/applications/:id/notices',
  operationId: 'listWrittenNotices',
  tag: 'cases',
  summary: "Read a case's written notices",
  description:
    "L02: the written notices (书面告知) the case sent its applicant: one when the time limit stopped for testing, expert review or a hearing " +
    '(what, why, expected length, rule, when issued), one when it ran again. Generated and stored by the case with the pause itself; oldest first.',
  rules: ['L02', 'R01'],
  roles: ALL_ROLES,
  scope: CASE_SCOPE,
  params: S.CaseParams,
  caseScope: 'read',
  responses: { 200: { description: "the case's notices", schema: NoticeList }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, params }) {
    const items = await fromDb('the notices', () => listNoticesOf(deps.pool, params.id));
    return { status: 200, body: { applicationId: params.id, items } };
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

// ---- applicant's supplement (Update) ---------------------------------------------------------------
const supplement = defineRoute({
  method: 'post',
  path: '/applications/:id/supplement',
  operationId: 'submitSupplement',
  tag: 'applicant',
  summary: 'Submit the supplement the authority asked for',
  description:
    'An Update to the case (L01: one supplement notice, one answer): the case itself refuses it (409) unless it awaits a supplement, ' +
    'or (403) when it comes from another enterprise; 202 means the case has taken and recorded it and the acceptance clock restarts.',
  rules: ['L01'],
  roles: rolesFor('supplement'),
  scope: 'Own enterprise only.',
  params: S.CaseParams,
  body: S.SupplementBody,
  caseScope: 'message',
  responses: { 202: { description: 'taken and recorded by the case', schema: S.SupplementAccepted }, 400: E[400], 401: E[401], 403: E[403], 404: E[404], 409: E[409], 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ req, deps, params, principal, body }) {
    const handle = deps.client.workflow.getHandle(params.id);
    // The case's validator decides (stage, enterprise): no stale read of the stage here first.
    // Idempotent like the decisions: the same Idempotency-Key repeated gets the first answer.
    await sendUpdate(handle, supplementUpdate, { actor: actorOf(principal), ...body }, { what: `case ${params.id}`, idempotencyKey: idempotencyKeyOf(req) });
    return { status: 202, body: { applicationId: params.id, accepted: true, detail: 'supplement delivered; the acceptance clock restarts (L01)' } };
  },
});

export const caseRoutes: AnyRoute[] = [submit, listCases, getCase, listNotices, supplement];
