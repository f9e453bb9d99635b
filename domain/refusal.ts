/**
 * A message refused by a validator. The failure `type` is the contract with the API, which
 * maps it to 403 / 409 / 422 and passes the message on to the caller.
 */
import { ApplicationFailure } from '@temporalio/common';

export type RefusalKind = 'forbidden' | 'conflict' | 'invalid';
export function messageRefused(kind: RefusalKind, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: kind, message, nonRetryable: true });
}
