/**
 * A message refused by a validator. The failure `type` is the contract with the API, which
 * maps it to 403 / 409 / 422 and passes the message on to the caller.
 */
import { ApplicationFailure } from '@temporalio/common';

/** `not-yet`: the case will take this shortly (its receipt checks are still running): 409 with Retry-After. */
export type RefusalKind = 'forbidden' | 'conflict' | 'invalid' | 'not-yet';
export function messageRefused(kind: RefusalKind, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: kind, message, nonRetryable: true });
}
