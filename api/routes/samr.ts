/**
 * R06: SAMR's side of the random check. SAMR lists its draws (seed, population, sample), reads a
 * drawn case (only what it drew) and records one result per drawn case. A non-conforming result
 * opens a finding (workflow `samr-finding/<id>`) that the province's supervisor answers.
 * Results and findings live in PostgreSQL (db/samr-checks.ts), so lists are consistent at once.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { rolesFor } from '../../domain/permissions';
import { SAMR_CHECKS } from '../../domain/policy';
import { answerSamrFindingUpdate, type SamrFindingInput } from '../../domain/samr/findings';
import { SA } from '../../domain/search-attributes';
import { SAMR_FINDING_WORKFLOW_TYPE, samrFindingWorkflowId } from '../../domain/workflow-ids';
import { type CheckRecord, findCheck, findDrawnCase, findFinding, insertCheck, listDraws, listFindings, samrHistory } from '../../db/samr-checks';
import { inTransaction } from '../../db/tx';
import { actorOf } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute, type RouteDeps } from '../route';
import { withTemporal, assertAccess } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { E } from './common';
import * as S from './samr-schemas';
import { UpdateIdempotencyKey } from '../schemas';

const findingLink = (id: string) => `/samr/findings/${encodeURIComponent(id)}`;
const DB = 'the SAMR check register';

/** The answer to a recorded result: built from the stored row only, so a repeat gets the same body. */
const checkBody = (r: CheckRecord) => ({
  applicationId: r.applicationId,
  province: r.province,
  drawKey: r.drawKey,
  result: r.result,
  findings: r.findings,
  recordedBy: r.recordedBy,
  recordedAt: r.recordedAt,
  finding: r.result === 'non-conforming' ? { findingId: r.applicationId, workflowId: samrFindingWorkflowId(r.applicationId), link: findingLink(r.applicationId) } : null,
});

const drawnOr404 = async (deps: RouteDeps, id: string) => {
  const c = await fromDb(DB, () => findDrawnCase(deps.pool, id));
  if (!c) throw new HttpProblem('not-found', `case ${id} is not in any of SAMR's draws`);
  return c;
};

const findingOr404 = async (deps: RouteDeps, principal: Parameters<typeof assertAccess>[0], id: string) => {
  const f = await fromDb(DB, () => findFinding(deps.pool, id));
  if (!f) throw new HttpProblem('not-found', `SAMR finding ${id} not found`);
  // R01: another province's finding is answered like one that does not exist.
  assertAccess(principal, `SAMR finding ${id}`, { province: f.province, uscc: undefined });
  return f;
};

const listDrawsRoute = defineRoute({
  method: 'get',
  path: '/samr/draws',
  operationId: 'listSamrDraws',
  tag: 'samr',
  summary: "List SAMR's random draws",
  description:
    "Each draw of the Schedule (R06), per province: the seed, the algorithm, the look-back window, the population it was drawn from and the drawn cases with their check result so far. " +
    'Anyone holding a row can re-run the draw (domain/samr/sampling.ts) and must get the same sample.',
  rules: ['R06'],
  roles: rolesFor('recordSamrCheck'),
  scope: 'SAMR sees every province.',
  query: S.DrawsQuery,
  responses: { 200: { description: 'the draws, newest first', schema: S.DrawList }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, query }) {
    const items = await fromDb(DB, () => listDraws(deps.pool, { province: query.province, limit: query.limit ? Number(query.limit) : 100 }));
    return { status: 200, body: { count: items.length, items } };
  },
});

const getDrawnCase = defineRoute({
  method: 'get',
  path: '/samr/cases/:id',
  operationId: 'getSamrDrawnCase',
  tag: 'samr',
  summary: 'Read a drawn case',
  description: 'A case SAMR drew (R06): its particulars, decision and certificate, the draws that picked it, its check result, its finding and their audit trail. A case in no draw is a 404.',
  rules: ['R06'],
  roles: rolesFor('recordSamrCheck'),
  scope: 'Only cases in one of SAMR\'s draws.',
  params: S.SamrCaseParams,
  responses: { 200: { description: 'the drawn case', schema: S.DrawnCaseResponse }, 401: E[401], 403: E[403], 404: { description: 'no such case in any draw' }, 422: E[422], 503: E[503] },
  async handler({ deps, params }) {
    const c = await drawnOr404(deps, params.id);
    const [check, finding, history] = await fromDb(DB, () => Promise.all([findCheck(deps.pool, params.id), findFinding(deps.pool, params.id), samrHistory(deps.pool, params.id)]));
    return { status: 200, body: { case: c, check: check ? checkBody(check) : null, finding: finding ?? null, history } };
  },
});

/** Starts the finding's workflow; one already started (a repeated request) is fine. */
async function startFinding(deps: RouteDeps, input: SamrFindingInput): Promise<void> {
  const workflowId = samrFindingWorkflowId(input.applicationId);
  try {
    await withTemporal(`SAMR finding ${input.applicationId}`, () =>
      deps.client.workflow.start(SAMR_FINDING_WORKFLOW_TYPE, {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // Visible in the Temporal UI at once, before the first workflow task.
        typedSearchAttributes: [
          { key: SA.stage, value: 'samr-finding' },
          { key: SA.province, value: input.province },
          { key: SA.waitingOn, value: 'supervisor' },
          { key: SA.overdue, value: false },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

const recordCheck = defineRoute({
  method: 'post',
  path: '/samr/cases/:id/check',
  operationId: 'recordSamrCheck',
  tag: 'samr',
  summary: 'Record the check result of a drawn case',
  description:
    'R06: conforming, or non-conforming with its findings. A non-conforming result opens a task for the province\'s supervisors (workflow `samr-finding/<id>`, ' +
    `LpStage 'samr-finding', LpWaitingOn 'supervisor') to be answered within ${SAMR_CHECKS.answerLimit.n} ${SAMR_CHECKS.answerLimit.unit} (domain/policy.ts SAMR_CHECKS). ` +
    'One result per case: a second one is a 409, except the same request repeated with the same Idempotency-Key, which gets the first answer (200, same body).',
  rules: ['R06'],
  roles: rolesFor('recordSamrCheck'),
  scope: 'Only cases in one of SAMR\'s draws.',
  params: S.SamrCaseParams,
  headers: { 'Idempotency-Key': UpdateIdempotencyKey },
  body: S.CheckResultBody,
  scopeCheck: async ({ deps, params }) => {
    await drawnOr404(deps, params.id);
  },
  responses: {
    201: { description: 'recorded (and, non-conforming, the finding opened)', schema: S.CheckResponse },
    200: { description: 'the same request repeated with its Idempotency-Key: the first answer', schema: S.CheckResponse },
    400: E[400],
    401: E[401],
    403: E[403],
    404: { description: 'no such case in any draw' },
    409: { description: 'the case already has a result' },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ req, deps, params, principal, body }) {
    const drawn = await drawnOr404(deps, params.id);
    const key = idempotencyKeyOf(req) ?? null;
    const findings = body.findings ?? null;
    const requestSha256 = createHash('sha256').update(JSON.stringify([body.result, findings])).digest('hex');
    const rec: CheckRecord = {
      applicationId: drawn.applicationId,
      province: drawn.province,
      drawKey: drawn.draws[0]!.drawKey,
      result: body.result,
      findings,
      recordedBy: principal.sub,
      recordedAt: new Date().toISOString(),
      idempotencyKey: key,
      requestSha256,
    };
    const findingInput = (r: CheckRecord): SamrFindingInput => ({
      applicationId: r.applicationId,
      province: r.province,
      uscc: drawn.uscc,
      product: drawn.product,
      drawKey: r.drawKey,
      findings: r.findings!,
      openedAt: r.recordedAt,
      openedBy: r.recordedBy,
      limit: { ...SAMR_CHECKS.answerLimit },
      reminderLead: SAMR_CHECKS.reminderLead,
    });
    const nonConforming = body.result === 'non-conforming';
    // The workflow starts inside the transaction: a result is never recorded without its task.
    const outcome = await fromDb(DB, () =>
      inTransaction(deps.pool, async (c) => {
        const r = await insertCheck(c, rec, nonConforming ? { workflowId: samrFindingWorkflowId(rec.applicationId), limit: SAMR_CHECKS.answerLimit } : undefined);
        if (r.inserted && nonConforming) await startFinding(deps, findingInput(r.record));
        return r;
      }),
    );
    const headers = { Location: `/samr/cases/${encodeURIComponent(rec.applicationId)}` };
    if (outcome.inserted) return { status: 201, body: checkBody(outcome.record), headers };
    const first = outcome.record;
    if (key !== null && first.idempotencyKey === key && first.requestSha256 === requestSha256) {
      // A repeat after a commit whose answer was lost: make sure the task exists, then the first answer.
      if (first.result === 'non-conforming') await startFinding(deps, findingInput(first));
      return { status: 200, body: checkBody(first), headers };
    }
    throw new HttpProblem('conflict', `case ${rec.applicationId} already has SAMR's check result (${first.result}, recorded at ${first.recordedAt} by ${first.recordedBy})${key !== null && first.idempotencyKey === key ? '; this Idempotency-Key was used for a different request' : ''}`);
  },
});

const listFindingsRoute = defineRoute({
  method: 'get',
  path: '/samr/findings',
  operationId: 'listSamrFindings',
  tag: 'samr',
  summary: "List SAMR's findings",
  description: 'Non-conforming results of the random check (R06) and the province\'s answers: status, due date (working days), overdue. Soonest due first.',
  rules: ['R06', 'R01'],
  roles: rolesFor('readSamrFindings'),
  scope: 'A supervisor sees the own province only (asking for another is a 403); SAMR all.',
  query: S.FindingsQuery,
  responses: { 200: { description: 'the findings', schema: S.FindingList }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    let province = query.province;
    if (principal.role === 'supervisor') {
      if (province && province !== principal.province) throw new HttpProblem('forbidden', `a supervisor of ${principal.province} may not list SAMR findings of ${province} (R01)`);
      province = principal.province;
    }
    const items = await fromDb(DB, () =>
      listFindings(deps.pool, { province, status: query.status, overdue: query.overdue === undefined ? undefined : query.overdue === 'true', limit: query.limit ? Number(query.limit) : 100 }),
    );
    return { status: 200, body: { count: items.length, items } };
  },
});

const getFinding = defineRoute({
  method: 'get',
  path: '/samr/findings/:id',
  operationId: 'getSamrFinding',
  tag: 'samr',
  summary: 'Read a SAMR finding',
  description: 'One finding (its id is the checked case\'s application id) with its audit trail: the check, the opening, the escalation, the answer.',
  rules: ['R06', 'R01'],
  roles: rolesFor('readSamrFindings'),
  scope: "A supervisor the own province's only (another province's is a 404, R01); SAMR all.",
  params: S.SamrCaseParams,
  responses: { 200: { description: 'the finding', schema: S.FindingDetail }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const f = await findingOr404(deps, principal, params.id);
    const history = await fromDb(DB, () => samrHistory(deps.pool, params.id));
    return { status: 200, body: { ...f, history } };
  },
});

const answerFinding = defineRoute({
  method: 'post',
  path: '/samr/findings/:id/answer',
  operationId: 'answerSamrFinding',
  tag: 'authority',
  summary: 'Answer a SAMR finding',
  description:
    "R06: the province's response and the measures taken, an Update on the finding's workflow, which closes it; answered after the due date it is recorded as late. " +
    'Idempotent with an Idempotency-Key like every Update; a second answer is a 409.',
  rules: ['R06', 'R01'],
  roles: rolesFor('answerSamrFinding'),
  scope: 'Own province only (R01: another province\'s finding is a 404).',
  params: S.SamrCaseParams,
  headers: { 'Idempotency-Key': UpdateIdempotencyKey },
  body: S.AnswerFindingBody,
  scopeCheck: async ({ deps, principal, params }) => {
    await findingOr404(deps, principal, params.id);
  },
  responses: {
    200: { description: 'answered: the finding, closed', schema: S.Finding },
    400: E[400],
    401: E[401],
    403: E[403],
    404: E[404],
    409: { description: 'already answered' },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ req, deps, params, principal, body }) {
    const what = `SAMR finding ${params.id}`;
    const handle = deps.client.workflow.getHandle(samrFindingWorkflowId(params.id));
    const desc = await withTemporal(what, () => handle.describe());
    let closed: HttpProblem | undefined;
    if (desc.status.name !== 'RUNNING') {
      const f = await fromDb(DB, () => findFinding(deps.pool, params.id));
      closed = new HttpProblem('conflict', `${what} is closed${f?.answer ? `: answered at ${f.answer.at} by ${f.answer.by}` : ` (${desc.status.name})`}`);
    }
    const view = await sendUpdate(handle, answerSamrFindingUpdate, { ...body, actor: actorOf(principal) }, { what, closed, idempotencyKey: idempotencyKeyOf(req) });
    return { status: 200, body: view };
  },
});

export const samrRoutes: AnyRoute[] = [listDrawsRoute, getDrawnCase, recordCheck, listFindingsRoute, getFinding, answerFinding];
