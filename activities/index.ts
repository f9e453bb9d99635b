/** Every activity the worker registers, by capability; the names are the workflows' contract. */
import type { Pool } from 'pg';
import { createCaseActivities } from './approval/cases';
import { createWarningActivities } from './approval/warning';
import { createCalendarActivities } from './calendar';
import { cancellablePool, withFailurePolicy } from './failures';
import { createAmendmentActivities } from './licence/amendment';
import { createLicenceActivities } from './licence/licence';
import { createNotificationActivities } from './notifications';
import { createSamplingActivities } from './samr/sampling';
import { createSamrFindingActivities } from './samr/findings';
import { createFollowUpActivities } from './supervision/follow-up';
import { createRiskGradeActivities } from './supervision/risk-grades';
import { createRiskSignalActivities } from './supervision/risk-signals';
import { createBatchActivities } from './supervision/batches';
import { createInspectionTaskActivities } from './supervision/inspection-tasks';
import { createCampaignActivities } from './supervision/campaigns';
import { createSpotCheckActivities } from './supervision/spot-checks';
import { createFlightActivities } from './supervision/flights';
import { createImportActivities } from './import/import';
import type { Activities } from './types';

export interface ActivityDeps {
  pool: Pool;
  calendarDir?: string;
}

/**
 * Every activity goes through the failure policy (activities/failures.ts): typed non-retryable
 * failures for what a retry cannot fix, heartbeats, and database work cancelled with its attempt.
 */
export function createActivities(deps: ActivityDeps): Activities {
  const pool = cancellablePool(deps.pool);
  return withFailurePolicy({
    ...createCaseActivities(pool),
    ...createWarningActivities(pool),
    ...createNotificationActivities(pool),
    ...createLicenceActivities(pool),
    ...createAmendmentActivities(pool),
    ...createFollowUpActivities(pool),
    ...createRiskGradeActivities(pool),
    ...createRiskSignalActivities(pool),
    ...createBatchActivities(pool),
    ...createInspectionTaskActivities(pool),
    ...createSpotCheckActivities(pool),
    ...createFlightActivities(pool),
    ...createCalendarActivities({ dir: deps.calendarDir }),
    ...createSamplingActivities(pool),
    ...createSamrFindingActivities(pool),
    ...createImportActivities(pool),
    ...createCampaignActivities(pool),
  });
}
