/**
 * The one activity proxy of the case workflows, with one retry policy: database or calendar
 * outages are waited out (capped backoff, no attempt limit), never turned into lost cases.
 * Non-retryable failures (ApplicationFailure.nonRetryable) still surface at once.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/types';

export const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
