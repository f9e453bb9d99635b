/**
 * The API's side of Temporal: finding a case, checking who may see it, and turning Temporal's
 * errors into problems. A validator's refusal (domain/messages.ts `messageRefused`) carries its
 * kind in the failure type: forbidden → 403, conflict → 409, invalid → 422, with its message.
 */
import { type Client, isGrpcServiceError, ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
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

const REFUSAL_STATUS: Record<RefusalKind, 'forbidden' | 'conflict' | 'validation'> = {
  forbidden: 'forbidden',
  conflict: 'conflict',
  invalid: 'validation',
};

/** Temporal client errors → problems; unknown errors are rethrown (→ 500, logged). */
export function temporalProblem(err: unknown, what: string): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type && cause.type in REFUSAL_STATUS) {
      return new HttpProblem(REFUSAL_STATUS[cause.type as RefusalKind], cause.message);
    }
    return undefined;
  }
  if (err instanceof WorkflowNotFoundError) return new HttpProblem('not-found', `${what} not found`);
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new HttpProblem('unavailable', `the case did not answer in time (is a worker running?); the request may still take effect: read the case before retrying`);
  }
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  if (grpc?.code === GRPC_NOT_FOUND) return new HttpProblem('not-found', `${what} not found`);
  if (grpc?.code === GRPC_UNAVAILABLE || grpc?.code === GRPC_DEADLINE_EXCEEDED) {
    return new HttpProblem('unavailable', `Temporal is not reachable: ${grpc.details || grpc.message}`);
  }
  return undefined;
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
 * certificates), authority staff only their province's; SAMR and ops see all. `what` names the
 * thing in the refusal ("case A-1", "certificate (京)XK…").
 */
export function assertAccess(p: Principal, what: string, owner: { province: string | undefined; uscc: string | undefined }): void {
  if (p.role === 'applicant') {
    if (!owner.uscc || owner.uscc !== p.uscc) throw new HttpProblem('forbidden', `${what} belongs to another enterprise`);
    return;
  }
  if (isStaff(p.role)) {
    if (!owner.province || owner.province !== p.province) {
      throw new HttpProblem('forbidden', `${what} belongs to province ${owner.province ?? 'unknown'}, not ${p.province ?? 'none'} (R01)`);
    }
  }
}

export function assertCaseAccess(p: Principal, c: CaseRef): void {
  assertAccess(p, `case ${c.id}`, c);
}

export function assertRunning(c: CaseRef): void {
  if (!c.running) throw new HttpProblem('conflict', `case ${c.id} is closed (${c.status}): nothing more can be sent to it`);
}
