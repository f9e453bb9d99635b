/**
 * Messages of the after-issuance follow-up (R08, R10, L06, R15, L08): the one module both the
 * follow-up workflow and the API import. Inputs are zod schemas (the API omits `actor` and fills
 * it from the token); refusals use `messageRefused` (../refusal).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { IsoDate } from '../approval/application';
import type { LicenceStatus } from '../licence/messages';
import type { FollowUpKind, Limit, ProductId } from '../policy';
import { RevocationGround } from '../licence/revocation';
import { Actor } from '../roles';
import { VerifierIds } from './verifiers';

export const InspectionOutcome = z.enum(['pass', 'rectification-required', 'failed']);
export type InspectionOutcome = z.infer<typeof InspectionOutcome>;

export const AssignTeamInput = z
  .object({ actor: Actor, verifierIds: VerifierIds, note: z.string().max(1000).optional() })
  .strict();
export type AssignTeamInput = z.infer<typeof AssignTeamInput>;

export const RecordInspectionInput = z
  .object({
    actor: Actor,
    outcome: InspectionOutcome,
    /** L06: the team that inspected; must be the assigned team when one was assigned. */
    verifierIds: VerifierIds,
    findings: z.string().max(5000).optional(),
    /** R15: rectification deadline (civil date, Asia/Shanghai); default from the policy version. */
    rectifyBy: IsoDate.optional(),
    /** Why a failed result revokes the licence; default false-commitment for a commitment check, else conditions-not-met. */
    ground: RevocationGround.optional(),
  })
  .strict();
export type RecordInspectionInput = z.infer<typeof RecordInspectionInput>;

export type FollowUpStage = 'awaiting-inspection' | 'rectifying' | 'closed';

export interface InspectionRecord {
  round: number;
  outcome: InspectionOutcome;
  at: string;
  by: string;
  verifierIds: string[];
  findings?: string;
  inTime: boolean;
}

/** Everything the follow-up knows (query `followUpDetail`). */
export interface FollowUpDetail {
  workflowId: string;
  applicationId: string;
  kind: FollowUpKind;
  certificateNumber: string;
  province: string;
  product: ProductId;
  uscc: string;
  policyVersion: string;
  stage: FollowUpStage;
  /** 1 = the first inspection, 2 = the re-inspection after rectification (R15). */
  round: number;
  dueAt: string;
  overdue: boolean;
  escalations: { at: string; round: number; dueAt: string }[];
  team?: { verifierIds: string[]; assignedBy: string; assignedAt: string; round: number };
  inspections: InspectionRecord[];
  rectification?: { orderedAt: string; rectifyBy: string; dueAt: string };
  outcome?: 'passed' | 'rectified' | 'revoked' | 'licence-ended';
  revocation?: { at: string; ground: RevocationGround; ban?: { rule: string; endsOn: string } };
  /** The licence ended elsewhere (cancelled, revoked, expired) while this follow-up was open. */
  licenceEnded?: { status: LicenceStatus; at: string };
}

export const assignTeamUpdate = defineUpdate<FollowUpDetail, [AssignTeamInput]>('assignTeam');
export const followUpDetailQuery = defineQuery<FollowUpDetail>('followUpDetail');
/** Sent by the lifecycle workflow when the licence ends (cancelled, revoked, expired): nothing left to inspect. */
export const licenceEndedSignal = defineSignal<[{ status: LicenceStatus; at: string }]>('licenceEnded');

export interface FollowUpInput {
  applicationId: string;
  certificateNumber: string;
  province: string;
  product: ProductId;
  uscc: string;
  kind: FollowUpKind;
  window: Limit;
  issuedAt: string;
  policyVersion: string;
  /**
   * R11, R15: a routine inspection found problems: the follow-up opens at the rectification stage
   * (round 2: the next inspection is the re-check, and failing it revokes). Absent on every
   * follow-up of an issuance, so those run exactly as before.
   */
  rectification?: { orderedAt: string; rectifyBy: string; source: string; findings: string };
}

/** The summary view (query `followUpStatus`, answer of `recordInspection`); `followUpDetail` has everything. */
export interface FollowUpStatus {
  kind: FollowUpKind;
  certificateNumber: string;
  stage: 'awaiting-inspection' | 'closed';
  dueAt: string;
  overdue: boolean;
  team?: string[];
  result?: { outcome: InspectionOutcome; at: string; by: string; findings?: string };
}

export const recordInspectionUpdate = defineUpdate<FollowUpStatus, [RecordInspectionInput]>('recordInspection');
export const followUpStatusQuery = defineQuery<FollowUpStatus>('followUpStatus');
