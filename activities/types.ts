/** Activity signatures as workflows see them (type-only: workflows never import activity code). */
import type { CaseActivities } from './cases';
import type { SupervisionActivities } from './supervision';
import type { SamplingActivities } from './sampling';

export type { SamplingActivities };


export interface SlaInput {
  startedAt: string;
  workingDays: number;
  pauses: { from: string; to: string | null }[];
}

export interface SlaResult {
  deadlineAt: string | null;
  deadlineDate: string | null;
  provisional: boolean;
  calendarVersion: string;
  countedDays: string[];
  pausedWorkingDays: number;
}

export interface CalendarActivities {
  computeDeadline(input: SlaInput): Promise<SlaResult>;
}

export type Activities = CaseActivities & CalendarActivities & SamplingActivities & SupervisionActivities;
