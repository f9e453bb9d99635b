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
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/types';
import { withOpsHold } from './ops-hold';

const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;

const legacy = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: RETRY });
const heartbeating = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', heartbeatTimeout: '10 seconds', retry: RETRY });

type AnyActivity = (...args: unknown[]) => Promise<unknown>;

export const acts: Activities = new Proxy({} as Activities, {
  get(_target, name) {
    if (typeof name !== 'string') return undefined;
    return (...args: unknown[]) =>
      withOpsHold(name, () => {
        const proxy = (patched('activity-heartbeat') ? heartbeating : legacy) as unknown as Record<string, AnyActivity>;
        return proxy[name]!(...args);
      });
  },
});
