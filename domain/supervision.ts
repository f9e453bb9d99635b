/**
 * After issuance: follow-up inspections (R08, R10, L06), rectification (R15, L08), revocation
 * and re-application bans (L04, R12), and the licence's own life (L05, R04).
 *
 * The one module both the workflows and the API import for these messages: zod inputs (the API
 * omits `actor` and fills it from the token), Update/Signal/Query definitions, and the ban rules.
 * Refusals use `messageRefused` from ./messages (types forbidden / conflict / invalid → 403/409/422).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { IsoDate } from './application';
import { PRODUCTS, type FollowUpKind, type ProductId } from './policy';
import { Actor } from './roles';

// ---- verifiers (R10, L06) -------------------------------------------------------------------
/** L06: a verification team has 2-4 certified verifiers. */
export const TEAM_SIZE = { min: 2, max: 4 } as const;
export const VerifierIds = z.array(z.string().min(1).max(64)).min(TEAM_SIZE.min).max(TEAM_SIZE.max);

/** In-memory part of the team rule (size, duplicates); the registry part needs the database. */
export function teamShapeProblem(verifierIds: readonly string[]): string | undefined {
  if (verifierIds.length < TEAM_SIZE.min || verifierIds.length > TEAM_SIZE.max) {
    return `an inspection team has ${TEAM_SIZE.min}-${TEAM_SIZE.max} verifiers (L06); got ${verifierIds.length}`;
  }
  if (new Set(verifierIds).size !== verifierIds.length) return 'a verifier is listed twice (L06: 2-4 distinct verifiers)';
  return undefined;
}

export interface VerifierRecord {
  id: string;
  name: string;
  /** The province that trained and assessed the verifier; R10: valid in every province. */
  certifiedBy: string;
  certifiedOn: string;
  certifiedUntil: string;
  suspended?: boolean;
}

/**
 * Why a registered verifier may not inspect this enterprise on `on` (a civil date), or undefined.
 * `conflicted` says whether a conflict of interest with the enterprise is on record.
 */
export function verifierProblem(v: VerifierRecord | undefined, id: string, on: string, conflicted: boolean): string | undefined {
  if (!v) return `verifier ${id} is not in the verifier registry (R10)`;
  if (v.suspended) return `verifier ${id} is suspended`;
  if (v.certifiedOn > on) return `verifier ${id} is certified only from ${v.certifiedOn} (R10)`;
  if (v.certifiedUntil < on) return `verifier ${id}'s certification expired on ${v.certifiedUntil} (R10)`;
  if (conflicted) return `verifier ${id} has a recorded conflict of interest with the enterprise`;
  return undefined;
}

// ---- revocation and bans (L04, R12, L08) -----------------------------------------------------
export const RevocationGround = z.enum(['fraud', 'false-commitment', 'false-materials', 'failed-rectification', 'conditions-not-met']);
export type RevocationGround = z.infer<typeof RevocationGround>;

export interface BanRule {
  years: number;
  rule: string;
  why: string;
}

/**
 * The re-application ban a revocation carries, for the same enterprise and product, or none.
 * Law, not configuration: Admin. Licensing Law Art. 69/78/79 (L04), Regulation Art. 54/55 (L08).
 */
export function banFor(ground: RevocationGround, product: ProductId): BanRule | undefined {
  switch (ground) {
    case 'fraud':
      return { years: 3, rule: 'L04', why: 'licence obtained by fraud or bribery: no new application for 3 years' };
    case 'false-commitment':
      return { years: 3, rule: 'L04', why: 'false notification-and-commitment statement (licence obtained by deception): no new application for 3 years' };
    case 'false-materials':
      return PRODUCTS[product].safetyRelated
        ? { years: 1, rule: 'L04', why: `false materials for a safety-related product (${product}): no new application for 1 year` }
        : undefined;
    case 'failed-rectification':
      return { years: 3, rule: 'L08', why: 'failed the re-inspection after a rectification order: no new application for the same product for 3 years' };
    case 'conditions-not-met':
      return undefined;
  }
}

export interface ActiveBan {
  id: number;
  uscc: string;
  product: ProductId;
  ground: RevocationGround;
  rule: string;
  startsOn: string;
  /** Last day of the ban (inclusive). */
  endsOn: string;
  certificateNumber: string | null;
  reason: string;
}

/** What intake tells a banned applicant. */
export function describeBan(b: ActiveBan): string {
  return `enterprise ${b.uscc} may not apply for ${b.product} until ${b.endsOn} inclusive (${b.rule}: ${b.reason}${b.certificateNumber ? `; certificate ${b.certificateNumber} revoked on ${b.startsOn}` : ''})`;
}

// ---- follow-up messages ------------------------------------------------------------------------
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

// ---- licence lifecycle -------------------------------------------------------------------------
export const LicenceStatus = z.enum(['valid', 'deemed-renewed', 'expired', 'cancelled', 'revoked', 'superseded']);
export type LicenceStatus = z.infer<typeof LicenceStatus>;
export const ACTIVE_STATUSES: readonly LicenceStatus[] = ['valid', 'deemed-renewed'];

export const lifecycleWorkflowId = (certificateNumber: string): string => `licence/${certificateNumber}`;
export const followUpWorkflowIdOf = (applicationId: string): string => `${applicationId}/follow-up`;

export const CancellationReason = z.enum(['holder-request', 'acquisition', 'merger', 'restructuring', 'capacity-replacement', 'production-ceased']);
export const CancelLicenceInput = z
  .object({ actor: Actor, reason: CancellationReason, note: z.string().max(1000).optional() })
  .strict();
export type CancelLicenceInput = z.infer<typeof CancelLicenceInput>;

export const ChangeLicenceInput = z
  .object({
    actor: Actor,
    enterpriseName: z.string().min(2).max(200).optional(),
    enterpriseAddress: z.string().min(2).max(300).optional(),
    note: z.string().max(1000).optional(),
  })
  .strict();
// (At least one of name/address: checked by the workflow's validator, so the API can still .omit({ actor }).)
export type ChangeLicenceInput = z.infer<typeof ChangeLicenceInput>;

export const RevokeLicenceInput = z
  .object({ actor: Actor, ground: RevocationGround, reason: z.string().min(3).max(2000) })
  .strict();
export type RevokeLicenceInput = z.infer<typeof RevokeLicenceInput>;

export interface LicenceEvent {
  at: string;
  event: string;
  by?: string;
  note?: string;
}

/** What a certificate says and which policy version governs it: a lifecycle's input and state. */
export interface LicenceParticulars {
  certificateNumber: string;
  applicationId: string;
  province: string;
  product: ProductId;
  uscc: string;
  enterpriseName: string;
  enterpriseAddress: string;
  policyVersion: string;
  issuedOn: string;
  /** Printed validity end (inclusive). */
  validUntil: string;
}

export interface LicenceState extends LicenceParticulars {
  status: LicenceStatus;
  /** L05: a renewal filed by this date counts as filed in time. */
  renewalDueBy: string;
  /** L05: set when the licence counts as renewed for lack of a decision; valid through this date. */
  deemedRenewedUntil?: string;
  reminderSentAt?: string;
  renewal?: { applicationId: string; filedAt: string; inTime: boolean; decision?: string; newCertificateNumber?: string };
  supersededBy?: string;
  endedAt?: string;
  /** Runs of this lifecycle (continue-as-new keeps each one's history small). */
  run: number;
  /** Recent events (the audit trail keeps all of them). */
  history: LicenceEvent[];
}

export const cancelLicenceUpdate = defineUpdate<LicenceState, [CancelLicenceInput]>('cancelLicence');
export const changeLicenceUpdate = defineUpdate<LicenceState, [ChangeLicenceInput]>('changeLicence');
export const revokeLicenceUpdate = defineUpdate<LicenceState, [RevokeLicenceInput]>('revokeLicence');
/** Workflow-to-workflow revocation (the follow-up found a false commitment or a failed re-inspection). */
export const revokeLicenceSignal = defineSignal<[{ ground: RevocationGround; reason: string; by: string; at: string }]>('revokeLicence');
/** The application workflow of a renewal hands over: the new certificate supersedes this one. */
export const renewalIssuedSignal = defineSignal<[{ applicationId: string; newCertificateNumber: string; at: string }]>('renewalIssued');
export const lifecycleQuery = defineQuery<LicenceState>('licence');

// ---- licence dates (L05) -----------------------------------------------------------------------
/** `date` moved by `months` calendar months, the day clamped to the target month (08-31 − 6 months = 02-28/29). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const ty = Math.floor(total / 12);
  const tm = total - ty * 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return `${String(ty).padStart(4, '0')}-${String(tm + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** L05: a renewal filed on or before this date is in time (at least `noticeMonths` before the last valid day). */
export function renewalDueBy(validUntil: string, noticeMonths: number): string {
  return addMonths(validUntil, -noticeMonths);
}

/** The lifecycle continues as new at least this often, so each run's history stays small. */
export const LIFECYCLE_CHECKPOINT_DAYS = 365;
