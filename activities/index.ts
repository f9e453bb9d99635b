/** Every activity the worker registers, by capability; the names are the workflows' contract. */
import type { Pool } from 'pg';
import { createCaseActivities } from './approval/cases';
import { createCalendarActivities } from './calendar';
import { createLicenceActivities } from './licence/licence';
import { createNotificationActivities } from './notifications';
import { createSamplingActivities } from './samr/sampling';
import { createFollowUpActivities } from './supervision/follow-up';
import type { Activities } from './types';

export interface ActivityDeps {
  pool: Pool;
  calendarDir?: string;
}

export function createActivities(deps: ActivityDeps): Activities {
  return {
    ...createCaseActivities(deps.pool),
    ...createNotificationActivities(deps.pool),
    ...createLicenceActivities(deps.pool),
    ...createFollowUpActivities(deps.pool),
    ...createCalendarActivities({ dir: deps.calendarDir }),
    ...createSamplingActivities(deps.pool),
  };
}
