/**
 * The after-issuance follow-up of a case (child workflow `<id>/follow-up`): read it, assign the
 * inspection team (L06, R10), record the inspection (R08, R15, L08).
 */
import { followUpStatusQuery, recordInspectionUpdate, assignTeamUpdate } from '../../domain/supervision/follow-up';
import { rolesFor } from '../../domain/permissions';
import { followUpWorkflowId } from '../../domain/workflow-ids';
import { actorOf } from '../auth';
import { HttpProblem } from '../problem';
import { type AnyRoute, defineRoute, type ResponseDoc, type RouteDeps } from '../route';
import * as S from '../schemas';
import { withTemporal } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { ALL_ROLES, CASE_SCOPE, E } from './common';

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

/** The follow-up child; `closed` is the answer for a closed one (unless an Idempotency-Key names an Update it already answered). */
async function followUpTarget(deps: RouteDeps, applicationId: string) {
  const handle = deps.client.workflow.getHandle(followUpWorkflowId(applicationId));
  const what = `follow-up of case ${applicationId}`;
  const desc = await withTemporal(what, () => handle.describe());
  if (desc.status.name !== 'RUNNING') {
    const s = await withTemporal(what, () => handle.query(followUpStatusQuery)).catch(() => undefined);
    const closed = new HttpProblem('conflict', `the ${what} is closed${s?.result ? `: inspection already recorded at ${s.result.at} (${s.result.outcome})` : ` (${desc.status.name})`}`);
    return { handle, what, closed };
  }
  return { handle, what, closed: undefined };
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
  headers: { 'Idempotency-Key': S.UpdateIdempotencyKey },
  body: S.AssignTeamBody,
  caseScope: 'read',
  responses: {
    200: { description: 'assigned; the follow-up in full', schema: S.FollowUpDetailResponse },
    ...followUpErrors,
    409: { description: 'the follow-up is closed, or another message to it is in progress' },
  },
  async handler({ req, deps, params, principal, body }) {
    const { handle, what, closed } = await followUpTarget(deps, params.id);
    const detail = await sendUpdate(handle, assignTeamUpdate, { ...body, actor: actorOf(principal) }, { what, closed, idempotencyKey: idempotencyKeyOf(req) });
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
  headers: { 'Idempotency-Key': S.UpdateIdempotencyKey },
  body: S.InspectionBody,
  caseScope: 'read',
  responses: {
    200: { description: 'recorded; the follow-up', schema: S.FollowUpStatusResponse },
    ...followUpErrors,
    409: { description: 'already recorded (closed), another team was assigned, or not possible in this round' },
  },
  async handler({ req, deps, params, principal, body }) {
    const { handle, what, closed } = await followUpTarget(deps, params.id);
    const result = await sendUpdate(handle, recordInspectionUpdate, { ...body, actor: actorOf(principal) }, { what, closed, idempotencyKey: idempotencyKeyOf(req) });
    return { status: 200, body: result };
  },
});

export const followUpRoutes: AnyRoute[] = [getFollowUp, assignTeam, inspection];
