/**
 * The one activity proxy of the workflows, with one retry policy: transient failures (database
 * or calendar outages) are waited out with capped backoff and no attempt limit, never turned into
 * lost cases. What a retry cannot fix (a non-retryable ApplicationFailure from activities/failures.ts)
 * is not retried: the step holds for ops (./ops-hold.ts, README "Failure policy").
 *
 * Attempts heartbeat (activities/failures.ts), so with a heartbeat timeout the server notices a
 * dead worker within seconds and a timed-out attempt learns it is cancelled. Patched
 * (`activity-heartbeat`, asked at a workflow's first activity): workflows started before keep the
 * options they were scheduled with.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { hasPatch } from './patch-baseline';
import type { Activities } from '../../activities/types';
import { messageRefused } from '../../domain/refusal';
import { withOpsHold } from './ops-hold';

const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;

const legacy = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: RETRY });
const heartbeating = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', heartbeatTimeout: '10 seconds', retry: RETRY });

type AnyActivity = (...args: unknown[]) => Promise<unknown>;

/**
 * The workflow task (by history length, the same for every activation of one task) in which
 * this workflow last took an activity's result. State per workflow execution (the SDK isolates
 * each workflow's module state).
 */
let settledInTask = -1;
const markSettled = () => {
  settledInTask = workflowInfo().historyLength;
};

/**
 * Refuses a message 'not-yet' when this workflow task already handed an activity's result to the
 * workflow (on the third patch baseline also a failure for good, which starts a hold: see withOpsHold). A worker without the workflow cached has taken an Update after the result and the
 * commands it caused, in one task; every replay runs the Update first, the commands come out in
 * another order, and the workflow fails each task for good (a nondeterminism error; twice in the
 * soak's histories, test/fixtures/nondeterministic-accept-*.json, docs/reliability.md). Refused,
 * the Update leaves nothing in history; sent again (the API does), it arrives in a task of its
 * own. In the usual delivery the Update comes first in the task, before any result, and passes.
 */
export function requireNoResultInThisTask(subject: string): void {
  if (workflowInfo().historyLength === settledInTask) {
    throw messageRefused('not-yet', `${subject} is taking the result of a step of its own; send this again in a moment`);
  }
}

export const acts: Activities = new Proxy({} as Activities, {
  get(_target, name) {
    if (typeof name !== 'string') return undefined;
    return (...args: unknown[]) =>
      withOpsHold(
        name,
        () => {
          const proxy = (hasPatch('activity-heartbeat') ? heartbeating : legacy) as unknown as Record<string, AnyActivity>;
          return proxy[name]!(...args);
        },
        markSettled,
      );
  },
});
