/**
 * Sending an Update from a route (decisions, follow-up, licences): idempotent, and never left
 * hanging on a step that waits for ops.
 *
 *  - `Idempotency-Key` header → the Update id (`<update name>:<key>`). Temporal answers a repeated
 *    id with the first Update's outcome, so the same key repeated gets the original answer (200,
 *    same body), even after the workflow closed (the outcome is read back from its history). A
 *    different key for a decision already taken is refused by the validator (409).
 *  - A handler whose step failed for good holds for ops (README "Failure policy"); the caller gets
 *    a 503 naming the failure at once, and the same request with the same key returns the
 *    original answer once ops have retried the step.
 */
import { type WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { Request } from 'express';
import { ApplicationId } from '../domain/approval/application';
import { opsHoldsQuery } from '../domain/ops';
import { HttpProblem } from './problem';
import { temporalProblem } from './temporal';

/** How often a pending Update is checked for a step held for ops. */
const HOLD_CHECK_MS = 500;
/** An Update not answered by then is a 503: the request may still take effect; repeat it with the same key. */
const ANSWER_WITHIN_MS = 30_000;

/** The request's Idempotency-Key, checked (6-64 letters, digits, - and _), or undefined. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!ApplicationId.safeParse(key).success) {
    throw new HttpProblem('validation', 'the Idempotency-Key header is not valid', [{ path: 'header.Idempotency-Key', message: '6-64 characters: letters, digits, - and _' }]);
  }
  return key;
}

export interface SendOptions {
  /** How problems name the target: "case A-1", "follow-up of case A-1". */
  what: string;
  /** Set when the workflow is closed: the answer unless the key names an Update it already answered. */
  closed?: HttpProblem;
  idempotencyKey?: string;
}

const sleep = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms));

/** How long a refusal 'not-yet' (the case is finishing a step of its own) is retried before the caller gets a 409 with Retry-After. */
const NOT_YET_WAIT_MS = 10_000;

const isNotYet = (err: unknown) => err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'not-yet';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function sendUpdate<R>(handle: WorkflowHandle, update: UpdateDefinition<R, [any]>, arg: object, o: SendOptions): Promise<R> {
  const updateId = o.idempotencyKey ? `${update.name}:${o.idempotencyKey}` : undefined;
  if (o.closed) {
    if (!updateId) throw o.closed;
    // A repeat after the workflow closed: the original answer, if this key was answered.
    try {
      return await handle.getUpdateHandle<R>(updateId).result();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw temporalProblem(err, o.what) ?? err;
      throw o.closed;
    }
  }
  // A case refuses staff 'not-yet' for the moment a step of its own runs (its intake checks, its
  // acceptance deadline), which a person clicking "accept" should never see: sent again until
  // NOT_YET_WAIT_MS. A refused Update leaves nothing in history, so its id may be sent again.
  const until = Date.now() + NOT_YET_WAIT_MS;
  for (let wait = 100; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      return await sendOnce(handle, update, arg, updateId, o.what);
    } catch (err) {
      if (!isNotYet(err) || Date.now() + wait > until) throw temporalProblem(err, o.what) ?? err;
      await sleep(wait);
    }
  }
}

/** One Update, polled for its answer; Temporal's errors are thrown as they are. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function sendOnce<R>(handle: WorkflowHandle, update: UpdateDefinition<R, [any]>, arg: object, updateId: string | undefined, what: string): Promise<R> {
  const pending = await handle.startUpdate(update, { args: [arg], updateId, waitForStage: WorkflowUpdateStage.ACCEPTED });
  // Polled for the answer until it comes, a hold is seen, or ANSWER_WITHIN_MS passes; then the poll is stopped.
  const stop = new AbortController();
  const result = handle.client.withAbortSignal(stop.signal, () => pending.result());
  result.catch(() => undefined); // observed below; never an unhandled rejection
  try {
    const until = Date.now() + ANSWER_WITHIN_MS;
    for (;;) {
      const done = await Promise.race([result.then((v) => ({ v })), sleep(HOLD_CHECK_MS)]);
      if (done) return done.v;
      if (Date.now() > until) {
        throw new HttpProblem('unavailable', `${what} took this but has not answered yet (is a worker running?); repeat the request with the same Idempotency-Key to get the answer`, undefined, { 'Retry-After': '10' });
      }
      const holds = await handle.query(opsHoldsQuery).catch(() => []);
      const held = holds.find((h) => h.updateId === pending.updateId);
      if (held) {
        throw new HttpProblem(
          'unavailable',
          `${what} took this, but its step ${held.activity} failed and waits for ops: ${held.error} (${held.type}). ` +
            'Ops have been alerted; repeat the request with the same Idempotency-Key to get the answer once they have retried it.',
          undefined,
          { 'Retry-After': '60' },
        );
      }
    }
  } finally {
    stop.abort();
  }
}
