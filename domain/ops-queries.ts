/**
 * The visibility queries ops use to find stuck cases, in the Temporal UI's search box or with
 * `temporal workflow list --query "..."`. README "Finding stuck cases" lists these same strings,
 * and test/integration/ops.test.ts runs them against a real server.
 */
import { SA } from './search-attributes';

const running = `ExecutionStatus = 'Running'`;
/** What a follow-up child can be waiting on (workflows/follow-up.ts). */
const FOLLOW_UP_WAITS = `'team-assignment', 'inspection', 'rectification'`;

export const OPS_QUERIES = {
  /** A decision (R07), an on-site verification result (Art. 18) or a certificate (Art. 24) past its deadline. */
  overdueDecisionsIn: (province: string) =>
    `${SA.overdue.name} = true AND ${SA.province.name} = '${province}' AND ${SA.waitingOn.name} IN ('decision', 'verification', 'issuance') AND ${running}`,
  waitingOnApplicant: `${SA.waitingOn.name} = 'applicant' AND ${running}`,
  followUpsPastWindow: `${SA.overdue.name} = true AND ${SA.waitingOn.name} IN (${FOLLOW_UP_WAITS}) AND ${running}`,
  waitingForPredecessor: `${SA.waitingOn.name} = 'predecessor-cancellation' AND ${running}`,
  /** Any workflow (case, follow-up, licence, sampling) holding a step that failed for good: README "Failure policy". */
  waitingOnOps: `${SA.waitingOn.name} = 'ops' AND ${running}`,
  /** R06: SAMR findings the province has not answered within the limit (workflows/samr/samr-finding.ts). */
  samrFindingsOverdue: `${SA.stage.name} = 'samr-finding' AND ${SA.overdue.name} = true AND ${running}`,
  /** R06: a province's open SAMR findings. */
  samrFindingsOpenIn: (province: string) => `${SA.stage.name} = 'samr-finding' AND ${SA.province.name} = '${province}' AND ${running}`,
  /** R11: batches whose draw could not be staffed, waiting for a supervisor to add or reinstate inspectors. */
  batchesNotFullyStaffed: `${SA.waitingOn.name} = 'staffing' AND ${running}`,
  /** R11: routine inspections without a result after their batch ended. */
  inspectionsPastDue: `${SA.overdue.name} = true AND ${SA.waitingOn.name} = 'inspection' AND ${SA.stage.name} = 'inspection:inspecting' AND ${running}`,
  /** R11: inspection results not published within 20 working days of the inspection. */
  resultsNotPublished: `${SA.overdue.name} = true AND ${SA.waitingOn.name} = 'publication' AND ${running}`,
  /** R16: a province's running campaigns; add the `LpProgress` column (percent of licensees inspected) and `LpDeadline` (the window's end). */
  campaignsRunningIn: (province: string) => `${SA.stage.name} = 'campaign:inspecting' AND ${SA.province.name} = '${province}' AND ${running}`,
  /** R16: running campaigns less than `percent` % inspected whose window ends before an instant: behind schedule. */
  campaignsBehind: (percent: number, isoInstant: string) =>
    `${SA.stage.name} = 'campaign:inspecting' AND ${SA.progress.name} < ${percent} AND ${SA.deadline.name} < '${isoInstant}' AND ${running}`,
  /** R16: proposed campaigns waiting for a supervisor to confirm or decline them. */
  campaignsAwaitingConfirmation: `${SA.waitingOn.name} = 'confirmation' AND ${running}`,
  /** R15: spot checks whose failing result the enterprise may still object to (LpDeadline: the last day). */
  spotCheckObjectionWindowsOpen: `${SA.stage.name} = 'spot-check:objection-window' AND ${SA.waitingOn.name} = 'objection-window' AND ${running}`,
  /** R15: orders to stop production and sale and rectify, past their limit without a re-check result. */
  spotCheckOrdersPastLimit: `${SA.stage.name} = 'spot-check:order' AND ${SA.overdue.name} = true AND ${running}`,
  /** R18: risk reports not triaged within 5 working days (workflows/supervision/risk-report.ts). */
  triageOverdue: `${SA.overdue.name} = true AND ${SA.waitingOn.name} = 'triage' AND ${running}`,
  /** R18: a province's risk reports waiting for triage, soonest deadline first in the UI's sort. */
  triagePendingIn: (province: string) => `${SA.waitingOn.name} = 'triage' AND ${SA.province.name} = '${province}' AND ${running}`,
  /** R13: flight inspections whose team could not be drawn (batches show up under batchesNotFullyStaffed too). */
  flightsWaitingForStaff: `${SA.stage.name} = 'flight:waiting-for-staff' AND ${running}`,
  /** R13: flight inspections without a result by their due date. */
  flightsPastDue: `${SA.overdue.name} = true AND ${SA.waitingOn.name} = 'flight-inspection' AND ${running}`,
  /** R13: flight inspections that found grounds for revocation, waiting for the supervisor to revoke. */
  flightsAwaitingRevocation: `${SA.waitingOn.name} = 'revocation' AND ${running}`,
  decisionsDueBefore: (isoInstant: string) => `${SA.deadline.name} < '${isoInstant}' AND ${SA.waitingOn.name} = 'decision' AND ${running}`,
} as const;
