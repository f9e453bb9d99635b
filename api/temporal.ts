/**
 * The API's side of Temporal: finding a case, checking who may see it, and turning Temporal's
 * errors into problems. A validator's refusal (domain/messages.ts `messageRefused`) carries its
 * kind in the failure type: forbidden → 403, conflict → 409, invalid → 422, with its message.
 */
import { type Client, isGrpcServiceError, QueryNotRegisteredError, ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { RefusalKind } from '../domain/refusal';
import { SA } from '../domain/search-attributes';
import { CASE_WORKFLOW_TYPE } from '../domain/workflow-ids';
import { isStaff, type Principal } from './auth';
import { HttpProblem } from './problem';


/** What the API writes into a case's memo at submission (idempotency, ownership before the first workflow task). */
export interface SubmissionMemo {
  nonce: string;
  sha256: string;
  receivedAt: string;
  province: string;
  uscc: string;
}

export interface CaseRef {
  id: string;
  province: string | undefined;
  uscc: string | undefined;
  running: boolean;
  status: string;
  submission?: SubmissionMemo;
}

const GRPC_NOT_FOUND = 5;
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_FAILED_PRECONDITION = 9;

const REFUSAL_STATUS: Record<RefusalKind, 'forbidden' | 'conflict' | 'validation'> = {
  forbidden: 'forbidden',
  conflict: 'conflict',
  invalid: 'validation',
  'not-yet': 'conflict',
};
/** A case still running its receipt checks answers in well under a second. */
const NOT_YET_RETRY_AFTER_S = '1';

/** Temporal client errors → problems; unknown errors are rethrown (→ 500, logged). */
export function temporalProblem(err: unknown, what: string): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (err instanceof WorkflowUpdateFailedError) return updateFailedProblem(err, what);
  if (err instanceof WorkflowNotFoundError) return new HttpProblem('not-found', `${what} not found`);
  // The API sends only Queries its workflows define, so this is a worker that could not answer:
  // e.g. one that fails to replay the case (a nondeterminism error, for ops in the Temporal UI).
  if (err instanceof QueryNotRegisteredError) {
    return new HttpProblem('unavailable', `${what} cannot answer right now (its workflow task is failing: ops see why in the Temporal UI); retry later`, undefined, undefined, err);
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new HttpProblem('unavailable', `the case did not answer in time (is a worker running?); the request may still take effect: read the case before retrying`);
  }
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  if (grpc?.code === GRPC_NOT_FOUND) return new HttpProblem('not-found', `${what} not found`);
  if (grpc?.code === GRPC_UNAVAILABLE || grpc?.code === GRPC_DEADLINE_EXCEEDED) {
    return new HttpProblem('unavailable', 'Temporal is not reachable; retry shortly', undefined, undefined, err);
  }
  if (grpc?.code === GRPC_RESOURCE_EXHAUSTED) return new HttpProblem('unavailable', 'Temporal is overloaded; retry shortly', undefined, undefined, err);
  // E.g. "Workflow Task in failed state": the case's own code failed its last step; Temporal
  // retries it, and ops see it in the UI. Nothing the caller did wrong, so not a 4xx; not ours to hide, so not a 500.
  if (grpc?.code === GRPC_FAILED_PRECONDITION) {
    return new HttpProblem('unavailable', `${what} cannot take messages right now; retry shortly, with the same Idempotency-Key`, undefined, undefined, err);
  }
  return undefined;
}

/**
 * An Update that was taken but whose handler failed: never a 500. A validator's refusal keeps its
 * kind; a failure a retry cannot fix (a non-retryable ApplicationFailure, from the handler or from
 * an activity it ran) is a 409 naming it; anything else (an activity that timed out, a cancelled
 * handler) a 503, to be repeated with the same Idempotency-Key.
 */
function updateFailedProblem(err: WorkflowUpdateFailedError, what: string): HttpProblem {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type && cause.type in REFUSAL_STATUS) {
    return new HttpProblem(REFUSAL_STATUS[cause.type as RefusalKind], cause.message, undefined, cause.type === 'not-yet' ? { 'Retry-After': NOT_YET_RETRY_AFTER_S } : undefined);
  }
  const inner = cause instanceof ActivityFailure ? cause.cause : cause;
  const step = cause instanceof ActivityFailure ? `its step ${cause.activityType ?? 'activity'} failed: ` : '';
  if (inner instanceof ApplicationFailure && (inner.nonRetryable || !(cause instanceof ActivityFailure))) {
    return new HttpProblem('conflict', `${what} could not take this: ${step}${inner.message}${inner.type ? ` (${inner.type})` : ''}`);
  }
  // The underlying message (a driver's, a timeout's) goes to the log with the request id, not to the caller.
  return new HttpProblem('unavailable', `${what} could not complete this now${step ? `: ${step.replace(/: $/, '')}` : ''}; repeat the request with the same Idempotency-Key`, undefined, undefined, err);
}

export async function withTemporal<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw temporalProblem(err, what) ?? err;
  }
}

/** Describe a case: 404 when there is none (or the id names another kind of workflow). */
export async function findCase(client: Client, id: string): Promise<CaseRef> {
  const desc = await withTemporal(`case ${id}`, () => client.workflow.getHandle(id).describe());
  if (desc.type !== CASE_WORKFLOW_TYPE) throw new HttpProblem('not-found', `case ${id} not found`);
  const submission = (desc.memo?.submission ?? undefined) as SubmissionMemo | undefined;
  return {
    id,
    province: desc.typedSearchAttributes.get(SA.province) ?? submission?.province,
    uscc: desc.typedSearchAttributes.get(SA.uscc) ?? submission?.uscc,
    running: desc.status.name === 'RUNNING',
    status: desc.status.name,
    submission,
  };
}

/**
 * R01 and applicant scoping: an applicant sees only its own enterprise's cases (and
 * certificates), authority staff only their province's; SAMR and ops see all. Outside its scope
 * a case or certificate is answered exactly like one that does not exist (404, the same detail),
 * so the answer never tells whether another province's or enterprise's case exists. A wrong ROLE
 * is still a 403 (checked before, in api/route.ts). `what` names the thing ("case A-1", …).
 */
export function assertAccess(p: Principal, what: string, owner: { province: string | undefined; uscc: string | undefined }): void {
  if (p.role === 'applicant') {
    if (!owner.uscc || owner.uscc !== p.uscc) throw new HttpProblem('not-found', `${what} not found`);
    return;
  }
  if (isStaff(p.role)) {
    if (!owner.province || owner.province !== p.province) throw new HttpProblem('not-found', `${what} not found`);
  }
}

export function assertCaseAccess(p: Principal, c: CaseRef): void {
  assertAccess(p, `case ${c.id}`, c);
}

/** The answer to a message for a closed case. */
export function closedCaseProblem(c: CaseRef): HttpProblem {
  return new HttpProblem('conflict', `case ${c.id} is closed (${c.status}): nothing more can be sent to it`);
}

export function assertRunning(c: CaseRef): void {
  if (!c.running) throw closedCaseProblem(c);
}
