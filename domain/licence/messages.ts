/**
 * Messages of a licence's lifecycle (L05, R04, L04, R12): the one module both the lifecycle
 * workflow and the API import. Refusals use `messageRefused` (../refusal).
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ApplicationInput } from '../approval/application';
import type { ProductId } from '../policy';
import { Actor } from '../roles';
import { SA } from '../search-attributes';
import { endOfShanghaiDay } from '../time';
import { RevocationGround } from './revocation';

export const LicenceStatus = z.enum(['valid', 'deemed-renewed', 'expired', 'cancelled', 'revoked', 'superseded']);
export type LicenceStatus = z.infer<typeof LicenceStatus>;
export const ACTIVE_STATUSES: readonly LicenceStatus[] = ['valid', 'deemed-renewed'];

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

/** The lifecycle continues as new at least this often, so each run's history stays small. */
export const LIFECYCLE_CHECKPOINT_DAYS = 365;
/** …and at this history length at the latest, however many messages arrive in between. */
export const LIFECYCLE_HISTORY_CAP = 2_000;

export interface LifecycleInput extends LicenceParticulars {
  /** How often the workflow continues as new (days); default LIFECYCLE_CHECKPOINT_DAYS. */
  checkpointDays?: number;
  /** Continue as new at this history length (default LIFECYCLE_HISTORY_CAP; tests set it small). */
  historyCap?: number;
  /** State carried over from the previous run (continue-as-new). */
  carried?: LicenceState;
}

/**
 * What a lifecycle shows in the case list (search attributes): the licence's status, its term's
 * end while it is in force, and whom it waits on. The application workflow starts the lifecycle
 * with these already set (workflows/approval/issuance.ts), so the lifecycle writes none at start.
 */
export function lifecycleSearchAttributes(
  st: Pick<LicenceState, 'status' | 'province' | 'product' | 'uscc' | 'policyVersion' | 'validUntil' | 'deemedRenewedUntil' | 'renewal' | 'reminderSentAt'>,
): SearchAttributeUpdatePair[] {
  const active = ACTIVE_STATUSES.includes(st.status);
  return [
    { key: SA.stage, value: `licence:${st.status}` },
    { key: SA.province, value: st.province },
    { key: SA.product, value: st.product },
    { key: SA.uscc, value: st.uscc },
    { key: SA.policyVersion, value: st.policyVersion },
    { key: SA.deadline, value: active ? new Date(endOfShanghaiDay(st.deemedRenewedUntil ?? st.validUntil)) : null },
    { key: SA.overdue, value: false },
    { key: SA.waitingOn, value: !active ? 'nobody' : st.renewal && !st.renewal.decision ? 'renewal-decision' : st.reminderSentAt ? 'holder' : 'nobody' },
  ];
}

/** A certificate's particulars from the application that obtained it: the lifecycle's input at issuance. */
export function licenceParticularsOf(
  app: ApplicationInput,
  cert: { number: string; issuedOn: string; validUntil: string },
  policyVersion: string,
): LicenceParticulars {
  return {
    certificateNumber: cert.number,
    applicationId: app.applicationId,
    province: app.province,
    product: app.product,
    uscc: app.enterprise.uscc,
    enterpriseName: app.enterprise.name,
    enterpriseAddress: app.enterprise.registeredAddress,
    issuedOn: cert.issuedOn,
    validUntil: cert.validUntil,
    policyVersion,
  };
}
