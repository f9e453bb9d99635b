/**
 * R15: messages of the spot-check workflows (workflows/supervision/spot-check.ts, spot-round.ts),
 * shared with the API. One workflow per enterprise of a round, id `spot-check/<id>`, where the id
 * is `<round>-<uscc>`; the round's own workflow is `spot-round/<round>`.
 *
 *   sampling ─▶ testing ─pass─▶ closed (published)
 *                  └─fail─▶ objection-window (15 days from the day after receipt; Civil Code Art. 203)
 *                              ├─objection in time─▶ retest (a different laboratory) ─pass─▶ closed
 *                              │                                                     └─fail─┐
 *                              └─no objection─────────────────────────────────────────────▶ order
 *   order: stop production and sale, rectify by the limit, re-check (the follow-up workflow's
 *   rectification path); passing closes it, failing revokes the licence with the L08 ban.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { IsoDate } from '../approval/application';
import type { Limit, ProductId } from '../policy';
import { Actor } from '../roles';

export const spotCheckWorkflowId = (id: string): string => `spot-check/${id}`;
export const spotRoundWorkflowId = (roundId: string): string => `spot-round/${roundId}`;
/** The round workflow's type name, for starting it from the API (which never imports workflow code). */
export const SPOT_ROUND_WORKFLOW_TYPE = 'spotCheckRound';
export const spotCheckIdOf = (roundId: string, uscc: string): string => `${roundId}-${uscc}`;

/** R15 policy as data with effective dates (like domain/policy.ts); published versions are frozen. */
export interface SpotCheckPolicy {
  id: string;
  effectiveFrom: string;
  /** Days (calendar, from the day after receipt; a last day off moves to the next working day) to object to a failing result. */
  objectionDays: number;
  /** Default limit to rectify after an order to stop production and sale. *configurable* */
  rectification: Limit;
}
const SPOT_2020: SpotCheckPolicy = {
  id: 'spot-2020-09-29', effectiveFrom: '2020-09-29', objectionDays: 15, rectification: { n: 60, unit: 'days' } };
export const SPOT_CHECK_POLICIES: readonly SpotCheckPolicy[] = [SPOT_2020].map((p) => Object.freeze(p));
export function spotCheckPolicyInForce(date: string): SpotCheckPolicy {
  let found: SpotCheckPolicy | undefined;
  for (const p of SPOT_CHECK_POLICIES) if (p.effectiveFrom <= date) found = p;
  if (!found) throw new Error(`no spot-check policy in force on ${date}`);
  return found;
}

export const SPOT_OUTCOMES = ['pass', 'fail'] as const;
export type SpotOutcome = (typeof SPOT_OUTCOMES)[number];

export const RecordSamplingInput = z
  .object({
    actor: Actor,
    sampleId: z.string().trim().min(1).max(64),
    quantity: z.number().int().positive().max(100_000),
    unit: z.string().trim().min(1).max(20),
    /** 封样: the sample is sealed at the enterprise, signed by both sides. */
    sealed: z.boolean(),
    /** The staff who took the sample (at least two). */
    sampledBy: z.array(z.string().trim().min(1).max(100)).min(2).max(10),
    sampledOn: IsoDate.optional(),
  })
  .strict();
export type RecordSamplingInput = z.infer<typeof RecordSamplingInput>;

export const AssignLaboratoryInput = z.object({ actor: Actor, laboratoryId: z.string().min(1).max(64) }).strict();
export type AssignLaboratoryInput = z.infer<typeof AssignLaboratoryInput>;

export const RecordTestResultInput = z
  .object({
    actor: Actor,
    outcome: z.enum(SPOT_OUTCOMES),
    findings: z.string().trim().min(1).max(5000).optional(),
    testedOn: IsoDate.optional(),
    /** For a failing result that becomes final: the rectification limit (default from the policy). */
    rectifyBy: IsoDate.optional(),
  })
  .strict();
export type RecordTestResultInput = z.infer<typeof RecordTestResultInput>;

export const ObjectInput = z.object({ actor: Actor, reason: z.string().trim().min(3).max(5000) }).strict();
export type ObjectInput = z.infer<typeof ObjectInput>;

export type SpotCheckStage = 'sampling' | 'testing' | 'objection-window' | 'retest' | 'order' | 'closed';

export interface SpotCheckInput {
  spotCheckId: string;
  roundId: string;
  province: string;
  product: ProductId;
  uscc: string;
  grade?: string;
}

export interface TestRecord {
  laboratoryId: string;
  assignedBy: string;
  assignedAt: string;
  result?: { outcome: SpotOutcome; findings?: string; testedOn: string; by: string; at: string };
}

export interface SpotCheckStatus {
  spotCheckId: string;
  roundId: string;
  province: string;
  product: ProductId;
  uscc: string;
  stage: SpotCheckStage;
  sample?: { sampleId: string; quantity: number; unit: string; sealed: boolean; sampledBy: string[]; sampledOn: string; recordedBy: string; at: string };
  test?: TestRecord;
  /** The failing result's objection window: notified (= received) on `notifiedOn`, last day `deadline`. */
  objection?: { notifiedOn: string; deadline: string; deadlineAt: string; objectedAt?: string; by?: string; reason?: string; lapsed?: boolean };
  retest?: TestRecord;
  finalResult?: SpotOutcome;
  order?: {
    orderedAt: string;
    rectifyBy: string;
    dueAt: string;
    overdue: boolean;
    rectifications: { certificateNumber: string; workflowId: string; alreadyOpen?: boolean }[];
    outcome?: 'rectified' | 'revoked' | 'licence-ended' | 'handed-over' | 'no-licence';
    closedAt?: string;
  };
  publication?: { recordKey: string };
  outcome?: 'passed' | 'passed-on-retest' | 'rectified' | 'revoked' | 'licence-ended' | 'handed-over' | 'no-licence';
}

/** The columns of `spot_checks` a spot check's workflow keeps current (db/spot-checks.ts). */
export interface SpotCheckPatch {
  stage?: string;
  sample?: unknown;
  laboratory_id?: string;
  result?: string;
  result_on?: string;
  notified_on?: string;
  objection_deadline?: string;
  objected_at?: string;
  retest_laboratory_id?: string;
  retest_result?: string;
  final_result?: string;
  order_at?: string;
  rectify_by?: string;
  order_closed_at?: string;
  order_outcome?: string;
}

export const recordSamplingUpdate = defineUpdate<SpotCheckStatus, [RecordSamplingInput]>('recordSampling');
export const assignLaboratoryUpdate = defineUpdate<SpotCheckStatus, [AssignLaboratoryInput]>('assignLaboratory');
export const recordTestResultUpdate = defineUpdate<SpotCheckStatus, [RecordTestResultInput]>('recordTestResult');
export const objectToResultUpdate = defineUpdate<SpotCheckStatus, [ObjectInput]>('objectToResult');
export const spotCheckStatusQuery = defineQuery<SpotCheckStatus>('spotCheckStatus');

export interface SpotRoundInput {
  roundId: string;
  province: string;
}
export interface SpotRoundStatus {
  roundId: string;
  stage: 'drawing' | 'starting' | 'done';
  selected?: number;
  started: number;
}
export const spotRoundStatusQuery = defineQuery<SpotRoundStatus>('spotRoundStatus');
