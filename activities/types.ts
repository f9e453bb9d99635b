/** Activity signatures as workflows see them (type-only: workflows never import activity code). */
import type { CaseActivities } from './approval/cases';
import type { WarningActivities } from './approval/warning';
import type { CalendarActivities } from './calendar';
import type { AmendmentActivities } from './licence/amendment';
import type { LicenceActivities } from './licence/licence';
import type { NotificationActivities } from './notifications';
import type { SamplingActivities } from './samr/sampling';
import type { SamrFindingActivities } from './samr/findings';
import type { FollowUpActivities } from './supervision/follow-up';
import type { RiskGradeActivities } from './supervision/risk-grades';
import type { RiskSignalActivities } from './supervision/risk-signals';
import type { BatchActivities } from './supervision/batches';
import type { InspectionTaskActivities } from './supervision/inspection-tasks';
import type { SpotCheckActivities } from './supervision/spot-checks';
import type { FlightActivities } from './supervision/flights';
import type { ImportActivities } from './import/import';
import type { CampaignActivities } from './supervision/campaigns';

export type { SlaInput, SlaResult } from '../domain/calendar/calendar';
export type { SamplingActivities };

export type Activities = CaseActivities &
  WarningActivities &
  NotificationActivities &
  CalendarActivities &
  SamplingActivities &
  SamrFindingActivities &
  LicenceActivities &
  AmendmentActivities &
  FollowUpActivities &
  RiskGradeActivities &
  RiskSignalActivities &
  BatchActivities &
  InspectionTaskActivities &
  ImportActivities &
  CampaignActivities &
  SpotCheckActivities &
  FlightActivities;
