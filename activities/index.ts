import type { Pool } from 'pg';
import { createCalendarActivities } from './calendar';
import { createCaseActivities } from './cases';
import { createSupervisionActivities } from './supervision';
import { createSamplingActivities } from './sampling';
import type { Activities } from './types';

export interface ActivityDeps {
  pool: Pool;
  calendarDir?: string;
}

export function createActivities(deps: ActivityDeps): Activities {
  return {
    ...createCaseActivities(deps.pool),
    ...createSupervisionActivities(deps.pool),
    ...createCalendarActivities({ dir: deps.calendarDir }),
    ...createSamplingActivities(deps.pool),
  };
}
