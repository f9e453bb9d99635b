/**
 * R15: a certificate's rectification, reached by certificate number whatever workflow runs it: an
 * imported licence's (`inspection/<task>/rectification/<certificate>`, opened by a failing routine
 * inspection, R11) as well as one from an application (`<application>/follow-up`). The same
 * follow-up workflow and Updates as /applications/{id}/follow-up, with the same permissions.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { assignTeamUpdate, followUpDetailQuery, recordInspectionUpdate } from '../../domain/supervision/follow-up';
import { rolesFor } from '../../domain/permissions';
import { rectificationWorkflowIds } from '../../db/rectifications';
import { actorOf } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute, type ResponseDoc, type RouteDeps } from '../route';
import * as S from '../schemas';
import { withTemporal } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { ALL_ROLES, CERTIFICATE_SCOPE, E } from './common';

const FOLLOW_UP_TYPE = 'followUpInspection';

/**
 * The open rectification of a certificate (a running follow-up among its candidates, newest first);
 * when none is open, the newest closed one, so a repeated Update (same Idempotency-Key) still gets
 * its first answer and a read shows how it ended. 404 when the certificate never had one.
 */
async function rectificationOf(deps: RouteDeps, number: string): Promise<{ handle: WorkflowHandle; what: string; closed?: HttpProblem }> {
  const ids = await fromDb('the rectification records', () => rectificationWorkflowIds(deps.pool, number));
  let newestClosed: { handle: WorkflowHandle; status: string } | undefined;
  for (const id of ids) {
    const handle = deps.client.workflow.getHandle(id);
    const desc = await handle.describe().catch(() => undefined);
    if (!desc || desc.type !== FOLLOW_UP_TYPE) continue;
    if (desc.status.name === 'RUNNING') return { handle, what: `rectification of certificate ${number} (${id})` };
    newestClosed ??= { handle, status: desc.status.name };
  }
  if (!newestClosed) throw new HttpProblem('not-found', `certificate ${number} has no rectification`);
  const what = `rectification of certificate ${number} (${newestClosed.handle.workflowId})`;
  return { handle: newestClosed.handle, what, closed: new HttpProblem('conflict', `the ${what} is closed (${newestClosed.status})`) };
}

const errors = {
  400: E[400],
  401: E[401],
  403: E[403],
  404: { description: 'no such certificate, or it never had a rectification' },
  413: E[413],
  415: E[415],
  422: { description: 'invalid input; or a verifier refused by the registry (R10: unknown, not certified on the day, suspended, conflicted)' },
  503: E[503],
} satisfies Record<number, ResponseDoc>;

const getRectification = defineRoute({
  method: 'get',
  path: '/certificates/:number/rectification',
  operationId: 'getCertificateRectification',
  tag: 'cases',
  summary: "Read a certificate's rectification",
  description:
    'R15: the follow-up that supervises the rectification of this certificate, found by number whatever its workflow id: `inspection/<batch>/<uscc>/rectification/<certificate>` ' +
    'for an imported licence a routine inspection found failing (R11), `<application>/follow-up` otherwise. The open one; when none is open, the latest. ' +
    'Its order, limit, team, re-check and outcome (rectified, or revoked with its ban, L08).',
  rules: ['R15', 'R11', 'L08'],
  roles: ALL_ROLES,
  scope: CERTIFICATE_SCOPE,
  params: S.CertificateNumberParams,
  certificateScope: 'read',
  responses: { 200: { description: 'the rectification (the follow-up in full)', schema: S.FollowUpDetailResponse }, 401: E[401], 403: E[403], 404: errors[404], 422: E[422], 503: E[503] },
  async handler({ deps, params }) {
    const { handle, what } = await rectificationOf(deps, params.number);
    return { status: 200, body: await withTemporal(what, () => handle.query(followUpDetailQuery)) };
  },
});

const assignTeam = defineRoute({
  method: 'post',
  path: '/certificates/:number/rectification/team',
  operationId: 'assignRectificationTeam',
  tag: 'authority',
  summary: "Assign the team for a certificate's rectification re-check",
  description:
    'L06, R10, R15: 2-4 certified verifiers for the re-check of the open rectification of this certificate (found as in GET /certificates/{number}/rectification); ' +
    'the same Update as POST /applications/{id}/follow-up/team.',
  rules: ['L06', 'R10', 'R15'],
  roles: rolesFor('assignTeam'),
  scope: "Own province's certificates only (R01).",
  params: S.CertificateNumberParams,
  headers: { 'Idempotency-Key': S.UpdateIdempotencyKey },
  body: S.AssignTeamBody,
  certificateScope: 'read',
  responses: {
    200: { description: 'assigned; the follow-up in full', schema: S.FollowUpDetailResponse },
    ...errors,
    409: { description: 'the rectification is closed, or another message to it is in progress' },
  },
  async handler({ req, deps, params, principal, body }) {
    const { handle, what, closed } = await rectificationOf(deps, params.number);
    return { status: 200, body: await sendUpdate(handle, assignTeamUpdate, { ...body, actor: actorOf(principal) }, { what, closed, idempotencyKey: idempotencyKeyOf(req) }) };
  },
});

const recordReCheck = defineRoute({
  method: 'post',
  path: '/certificates/:number/rectification/inspection',
  operationId: 'recordRectificationInspection',
  tag: 'authority',
  summary: "Record the re-check of a certificate's rectification",
  description:
    'R15, L08: the re-check after the rectification order of this certificate: pass closes the order (rectified); failed revokes the licence with its 3-year ban (L04, L08, R12). ' +
    'The same Update as POST /applications/{id}/follow-up/inspection, on the open rectification found as in GET /certificates/{number}/rectification.',
  rules: ['R15', 'L08', 'L04', 'R12', 'R10', 'L06'],
  roles: rolesFor('recordInspection'),
  scope: "Own province's certificates only (R01).",
  params: S.CertificateNumberParams,
  headers: { 'Idempotency-Key': S.UpdateIdempotencyKey },
  body: S.InspectionBody,
  certificateScope: 'read',
  responses: {
    200: { description: 'recorded; the follow-up', schema: S.FollowUpStatusResponse },
    ...errors,
    409: { description: 'already recorded (closed), another team was assigned, or not possible in this round' },
  },
  async handler({ req, deps, params, principal, body }) {
    const { handle, what, closed } = await rectificationOf(deps, params.number);
    return { status: 200, body: await sendUpdate(handle, recordInspectionUpdate, { ...body, actor: actorOf(principal) }, { what, closed, idempotencyKey: idempotencyKeyOf(req) }) };
  },
});

export const rectificationRoutes: AnyRoute[] = [getRectification, assignTeam, recordReCheck];
