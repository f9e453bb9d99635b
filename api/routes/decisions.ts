/**
 * Staff decisions on a case, each a Temporal Update to the case workflow: the workflow's
 * validator answers at once (taken, or refused with its reason), and a refusal records nothing.
 */
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
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
} from '../../domain/approval/messages';
import { retryAfterOpsUpdate } from '../../domain/ops';
import { rolesFor } from '../../domain/permissions';
import type { Actor, Role } from '../../domain/roles';
import { actorOf } from '../auth';
import { type AnyRoute, type Ctx, defineRoute, type Reply } from '../route';
import * as S from '../schemas';
import { closedCaseProblem } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { E } from './common';

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
  /** The answer's schema (default: the new stage). */
  response?: z.ZodType;
  scope?: string;
}

function updateRoute(spec: UpdateRouteSpec): AnyRoute {
  return defineRoute({
    method: 'post',
    path: `/applications/:id/${spec.segment}`,
    operationId: spec.operationId,
    tag: 'authority',
    summary: spec.summary,
    description:
      `${spec.description} Sent as a Temporal Update: the answer says at once whether it was taken; a refusal records nothing. ` +
      'With an Idempotency-Key header a repeat returns the original answer (200, same body). A step that fails for good while the Update runs ' +
      'holds for ops: 503 naming the failure (README "Failure policy").',
    rules: spec.rules,
    roles: spec.roles,
    scope: spec.scope ?? 'Own province only (R01).',
    params: S.CaseParams,
    headers: { 'Idempotency-Key': S.UpdateIdempotencyKey },
    body: spec.body,
    // Closed cases are checked in the handler: a repeated Idempotency-Key still gets its original answer.
    caseScope: 'read',
    responses: {
      200: { description: 'taken; the new stage', schema: spec.response ?? S.MessageResponse },
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
    async handler({ req, deps, params, principal, body, case: c }: Ctx<typeof S.CaseParams, undefined, z.ZodObject>): Promise<Reply> {
      const actor: Actor = actorOf(principal);
      const result = await sendUpdate(deps.client.workflow.getHandle(params.id), spec.update, { ...(body as object), actor }, {
        what: `case ${params.id}`,
        idempotencyKey: idempotencyKeyOf(req),
        closed: c.running ? undefined : closedCaseProblem(c),
      });
      return { status: 200, body: { applicationId: params.id, ...(result as object) } };
    },
  });
}

export const decisionRoutes: AnyRoute[] = [
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
    description:
      'Not accepted (不予受理), with reasons and optionally a `ground` from a closed list (false-materials, concealment, conditions-not-met, verification-failed, ' +
      'industrial-policy, predecessor-in-force, materials-incomplete); the decision names the ground and its rule. L04: false materials or concealment (隐瞒有关情况或者提供虚假材料) ' +
      'also record a warning, a credit-publicity record and a 1-year ban on applying for the product (submissions for it are refused until the ban ends).',
    rules: ['L01', 'R03', 'R04', 'L04'],
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
    description:
      'The decision, negative, with reasons and optionally a `ground` from a closed list (as for /reject); the decision names the ground and its rule. ' +
      'L04: false materials or concealment also record a warning, a credit-publicity record and a 1-year ban on applying for the product.',
    rules: ['R07', 'L04'],
    roles: rolesFor('refuse'),
    body: S.RefuseBody,
    update: refuseUpdate,
  }),
  updateRoute({
    segment: 'retry',
    operationId: 'retryAfterOps',
    summary: 'Retry the steps held for ops',
    description:
      'README "Failure policy": a step that failed for good (bad data, a constraint violation, a missing row) holds the case, which shows ' +
      "waitingOn 'ops' and the error (status `opsHold`). Once the cause is fixed, ops run the held steps again with this; the answer lists " +
      'what was retried and what still fails. 409 when nothing is held.',
    rules: [],
    roles: rolesFor('retryAfterOps'),
    scope: 'Every case (ops are not bound to a province).',
    body: S.RetryAfterOpsBody,
    update: retryAfterOpsUpdate,
    response: S.RetryAfterOpsResponse,
  }),
];

/** The follow-up child of a case, running: else 404 (none yet) or 409 (closed, with its result). */
