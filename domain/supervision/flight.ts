/**
 * R13: flight inspections (飞行检查): an unannounced inspection of one enterprise, ordered by SAMR
 * or the province from a lead. Messages of workflows/supervision/flight-inspection.ts, shared with
 * the API. Id `flight/<id>`. Nothing about one reaches the enterprise before its result is recorded.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RevocationGround } from '../licence/revocation';
import type { Actor } from '../roles';

export const flightWorkflowId = (id: string): string => `flight/${id}`;
export const FLIGHT_WORKFLOW_TYPE = 'flightInspection';

export const LEAD_KINDS = ['risk-report', 'complaint', 'samr-finding'] as const;
export type LeadKind = (typeof LEAD_KINDS)[number];
export const FLIGHT_OUTCOMES = ['pass', 'problems-found', 'revocation'] as const;
export type FlightOutcome = (typeof FLIGHT_OUTCOMES)[number];
/** Revocation grounds an inspection can find on site (not `failed-rectification`: that one is R15's re-check). */
export const FLIGHT_REVOCATION_GROUNDS = ['fraud', 'bribery', 'false-materials', 'conditions-not-met'] as const satisfies readonly RevocationGround[];

/** Default days from the order to the visit's result (the team's limit; escalated to the supervisor after it). */
export const FLIGHT_DEFAULT_DAYS = 30;

export interface FlightInput {
  flightId: string;
  province: string;
  uscc: string;
  lead: { kind: LeadKind; ref: string };
  summary: string;
  orderedBy: { id: string; role: string };
  orderedAt: string;
  /** Last day for the result. */
  dueOn: string;
}

export interface RecordFlightResultInput {
  actor: Actor;
  outcome: FlightOutcome;
  findings?: string;
  /** `revocation`: the ground the supervisor revokes on (L04). */
  ground?: (typeof FLIGHT_REVOCATION_GROUNDS)[number];
  inspectedOn?: string;
}

export interface FlightState {
  flightId: string;
  province: string;
  uscc: string;
  stage: 'staffing' | 'waiting-for-staff' | 'inspecting' | 'rectification' | 'revocation' | 'closed';
  team?: string[];
  staffingProblem?: string;
  dueAt: string;
  overdue: boolean;
  result?: { outcome: FlightOutcome; findings?: string; ground?: string; by: string; at: string; inspectedOn: string };
  rectifications?: { certificateNumber: string; workflowId: string; rectifyBy: string; alreadyOpen?: boolean }[];
  escalations: { kind: string; at: string }[];
}

export const recordFlightResultUpdate = defineUpdate<FlightState, [RecordFlightResultInput]>('recordFlightResult');
export const flightStateQuery = defineQuery<FlightState>('flightState');
/** A supervisor added or reinstated inspectors: draw the team again. */
export const restaffFlightSignal = defineSignal<[{ actor: Actor }]>('restaffFlight');
