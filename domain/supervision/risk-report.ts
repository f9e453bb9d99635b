/**
 * R18: third-party risk information. Messages of the triage workflow (workflows/supervision/
 * risk-report.ts), shared with the API, and the triage policy as data with effective dates.
 * One workflow per submission, id `risk-report/<ref>`.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ProductId } from '../policy';
import type { Actor } from '../roles';
import type { Evidence } from './risk-signal';

export interface TriagePolicy {
  id: string;
  effectiveFrom: string;
  source: string;
  /** R18: the province triages a submission within this many working days of receiving it (*configurable*). */
  triageWorkingDays: number;
  /** A reminder to the province this many working days before the limit. */
  reminderWorkingDaysBefore: number;
}

/** PUBLISHED VERSIONS ARE FROZEN: a change is a new version with its own effectiveFrom. */
export const TRIAGE_POLICY_VERSIONS: readonly TriagePolicy[] = [
  { id: 'triage-2020-09-29', effectiveFrom: '2020-09-29', source: '国市监质监〔2020〕152号 §4(6)', triageWorkingDays: 5, reminderWorkingDaysBefore: 1 },
].map((v) => Object.freeze(v));

export function triagePolicyInForce(date: string): TriagePolicy {
  let found: TriagePolicy | undefined;
  for (const v of TRIAGE_POLICY_VERSIONS) if (v.effectiveFrom <= date) found = v;
  if (!found) throw new Error(`no triage policy in force on ${date}`);
  return found;
}

export const riskReportWorkflowId = (ref: string): string => `risk-report/${ref}`;
export const RISK_REPORT_WORKFLOW_TYPE = 'riskReportTriage';

export const TRIAGE_DECISIONS = ['dismiss', 'record-signal', 'flight-inspection'] as const;
export type TriageDecision = (typeof TRIAGE_DECISIONS)[number];
/** What a submitter reads: the status of its own submission, never the province's working notes. */
export const REPORT_STATUSES = ['triage', 'dismissed', 'recorded-as-signal', 'flight-inspection'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const statusOfDecision: Record<TriageDecision, ReportStatus> = { dismiss: 'dismissed', 'record-signal': 'recorded-as-signal', 'flight-inspection': 'flight-inspection' };

/** The workflow's input: the target and the evidence; who submitted it and the contact stay in PostgreSQL. */
export interface RiskReportInput {
  ref: string;
  province: string;
  certificateNumber: string;
  uscc: string;
  product: ProductId;
  what: string;
  evidence: Evidence[];
  submittedAt: string;
}

export interface TriageInput {
  actor: Actor;
  decision: TriageDecision;
  reason: string;
}

export interface RiskReportState {
  ref: string;
  province: string;
  stage: 'triage' | 'deciding' | 'decided';
  triageDueAt?: string;
  reminderAt?: string;
  overdue: boolean;
  escalations: { kind: string; at: string }[];
  decision?: { decision: TriageDecision; reason: string; by: string; at: string; signalId?: string; flightId?: string };
}

export const triageReportUpdate = defineUpdate<RiskReportState, [TriageInput]>('triageReport');
export const riskReportStateQuery = defineQuery<RiskReportState>('riskReportState');

/**
 * The flight inspection a report is turned into: one per report. Opaque (R18): the flight's id
 * reaches the enterprise once its result is out (a rectification's source, an imported licence's
 * rectification workflow), and must not tell it that a report was the lead, nor when it came.
 */
export const flightIdOfReport = (ref: string): string => `FI-${opaqueHex(`risk-report|${ref}`)}`;

/** Two FNV-1a 32-bit hashes with different offsets: 64 bits, stable, and pure (workflow code uses it). */
function opaqueHex(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 2) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
