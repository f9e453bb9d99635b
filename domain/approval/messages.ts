/**
 * Messages of the application workflow: the one module both the workflow and the API import.
 * Decisions are Updates (validated, answered at once); the applicant's supplement is a Signal;
 * status is a Query.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { IsoInstant } from './application';
import { ExpectedLength } from './notices';
import type { ApplicationInput } from './application';
import type { ApprovalPath } from '../policy';
import type { OpsHold } from '../ops';
import { Actor } from '../roles';
import { RefusalGround } from './refusal-grounds';

export const Stage = z.enum([
  /** Receipt, ban and predecessor checks (R03, L04, R04) still running: no staff action yet. */
  'intake',
  'received',
  'awaiting-predecessor-cancellation',
  'awaiting-supplement',
  'awaiting-verification',
  'under-review',
  'issuing',
  'issued',
  'refused',
  'rejected-at-intake',
]);
export type Stage = z.infer<typeof Stage>;

const reasons = z.array(z.string().min(3).max(1000)).min(1).max(50);

export const AcceptInput = z.object({ actor: Actor, note: z.string().max(1000).optional() }).strict();
export const SupplementRequestInput = z
  .object({ actor: Actor, items: z.array(z.string().min(2).max(500)).min(1).max(100) })
  .strict();
/** L04: `ground`, from a closed list, names why and on which rule; false materials or concealment also warn and ban. */
export const RejectAtIntakeInput = z.object({ actor: Actor, reasons, ground: RefusalGround.optional() }).strict();
export const ApproveInput = z.object({ actor: Actor, note: z.string().max(1000).optional() }).strict();
export const RefuseInput = z.object({ actor: Actor, reasons, ground: RefusalGround.optional() }).strict();
export const PauseKind = z.enum(['testing', 'expert-review', 'hearing']);
export const PauseInput = z
  .object({
    actor: Actor,
    kind: PauseKind,
    reason: z.string().min(3).max(1000),
    /** L02: the system now writes the notice itself (GET /applications/{id}/notices); kept for older clients, recorded when sent. */
    applicantNotifiedAt: IsoInstant.optional(),
    expectedLength: ExpectedLength.optional(),
  })
  .strict();
export const ResumeInput = z.object({ actor: Actor, note: z.string().max(1000).optional() }).strict();
export const VerificationInput = z
  .object({
    actor: Actor,
    result: z.enum(['pass', 'fail']),
    /** L06: a team of 2-4 certified verifiers. */
    verifierIds: z.array(z.string().min(1).max(64)).min(2).max(4),
    findings: z.string().max(5000).optional(),
  })
  .strict();
export const PredecessorCancelledInput = z
  .object({ actor: Actor, evidence: z.string().min(3).max(1000) })
  .strict();
export type PredecessorCancelledInput = z.infer<typeof PredecessorCancelledInput>;

export const SupplementInput = z
  .object({
    actor: Actor,
    documents: z.array(z.object({ name: z.string(), type: z.string(), sha256: z.string() })).min(1),
    note: z.string().max(2000).optional(),
  })
  .strict();

export type AcceptInput = z.infer<typeof AcceptInput>;
export type SupplementRequestInput = z.infer<typeof SupplementRequestInput>;
export type RejectAtIntakeInput = z.infer<typeof RejectAtIntakeInput>;
export type ApproveInput = z.infer<typeof ApproveInput>;
export type RefuseInput = z.infer<typeof RefuseInput>;
export type PauseInput = z.infer<typeof PauseInput>;
export type ResumeInput = z.infer<typeof ResumeInput>;
export type VerificationInput = z.infer<typeof VerificationInput>;
export type SupplementInput = z.infer<typeof SupplementInput>;

export interface Deadline {
  /** End of the deadline day, Asia/Shanghai; null while the clock is paused. */
  deadlineAt: string | null;
  deadlineDate: string | null;
  provisional: boolean;
  calendarVersion: string;
  limit: { n: number; unit: 'working-days' | 'days' };
  workingDaysUsed: number;
  workingDaysLeft: number | null;
  overdue: boolean;
}

/** The verify-then-issue path's own time limits besides the decision (R07): Art. 18 and Art. 24. */
export type TimeLimitName = 'verification' | 'certificate';

export interface TimeLimitStatus {
  /** The rule and what it limits, e.g. `Art.18: on-site verification result within 30 working days of acceptance`. */
  rule: string;
  /** Absent until the clock has computed it. */
  deadline?: Deadline;
  breach?: { at: string; escalatedTo: string };
  /** When the step it limits happened (or the case ended); the clock stops. */
  metAt?: string;
}

export interface TimelineEntry {
  at: string;
  stage: Stage;
  event: string;
  by?: string;
  note?: string;
}

export interface CaseStatus {
  applicationId: string;
  stage: Stage;
  province: string;
  product: string;
  type: ApplicationInput['type'];
  receivedAt: string;
  acceptedAt?: string;
  acceptance?: 'officer' | 'deemed';
  path?: ApprovalPath;
  pathReason?: string;
  policyVersion?: string;
  deadline?: Deadline;
  paused: boolean;
  pauses: { kind: string; from: string; to: string | null; reason: string }[];
  supplement?: { requestedAt: string; items: string[]; suppliedAt?: string };
  verification?: { result: 'pass' | 'fail'; verifierIds: string[]; at: string };
  decision?: {
    outcome: 'approved' | 'refused' | 'rejected-at-intake';
    at: string;
    by: string;
    reasons?: string[];
    withinDeadline?: boolean;
    /** L04: the ground staff gave (closed list) and its rule. */
    ground?: RefusalGround;
    rule?: string;
    /** L04: the warning and ban a ground of false materials or concealment carries. */
    ban?: { endsOn: string; rule: string };
  };
  breach?: { at: string; escalatedTo: string };
  /** Verify-then-issue only: the Art. 18 verification and Art. 24 certificate limits, beside the decision's `deadline`. */
  timeLimits?: Partial<Record<TimeLimitName, TimeLimitStatus>>;
  /** L07: `version` counts the electronic versions of the certificate (a change adds one, same number). */
  certificate?: { number: string; issuedOn: string; validUntil: string; version?: number };
  followUpWorkflowId?: string;
  /** A step that failed for good and waits for ops to retry it (README "Failure policy"); the case shows LpWaitingOn = 'ops'. */
  opsHold?: OpsHold;
  timeline: TimelineEntry[];
}

export const acceptUpdate = defineUpdate<{ stage: Stage; acceptedAt: string; deadline?: Deadline }, [AcceptInput]>('accept');
export const requestSupplementUpdate = defineUpdate<{ stage: Stage }, [SupplementRequestInput]>('requestSupplement');
export const rejectAtIntakeUpdate = defineUpdate<{ stage: Stage }, [RejectAtIntakeInput]>('rejectAtIntake');
export const approveUpdate = defineUpdate<{ stage: Stage }, [ApproveInput]>('approve');
export const refuseUpdate = defineUpdate<{ stage: Stage }, [RefuseInput]>('refuse');
export const pauseClockUpdate = defineUpdate<{ paused: true; deadline?: Deadline }, [PauseInput]>('pauseClock');
export const resumeClockUpdate = defineUpdate<{ paused: false; deadline?: Deadline }, [ResumeInput]>('resumeClock');
export const recordVerificationUpdate = defineUpdate<{ stage: Stage }, [VerificationInput]>('recordVerification');
/** R04: an officer confirms the predecessor licence is cancelled (e.g. one issued by SAMR before 2020, not in this system). */
export const confirmPredecessorCancelledUpdate = defineUpdate<{ stage: Stage }, [PredecessorCancelledInput]>('confirmPredecessorCancelled');
/** R04: sent by the predecessor licence's lifecycle when it is cancelled. */
export const predecessorCancelledSignal = defineSignal<[{ certificateNumber: string }]>('predecessorCancelled');
/** Kept for cases and clients from before `submitSupplement`: a Signal cannot be refused or answered. */
export const supplementSignal = defineSignal<[SupplementInput]>('supplement');
/** L01: the applicant's one supplement, validated (enterprise, stage) and recorded before it is answered. */
export const supplementUpdate = defineUpdate<{ stage: Stage; suppliedAt: string }, [SupplementInput]>('submitSupplement');
export const statusQuery = defineQuery<CaseStatus>('status');

/** The case workflow's input: set by the API at submission. */
export interface LicenceApplicationInput {
  application: ApplicationInput;
  /** Set by the API at submission; may lie in the past for cases migrated from another system. */
  receivedAt: string;
  /** Continue-as-new after this many history events even if the server has not suggested it (tests set it small). */
  historyCap?: number;
  /** State carried from the previous run of a long wait (R04) that continued as new. */
  carried?: CarriedCase;
}

/** What a case carries into its next run (continue-as-new during the R04 wait). */
export interface CarriedCase {
  status: CaseStatus;
  keyCounts: Record<string, number>;
  stageSeq: number;
  /** Where the previous run stopped; only the predecessor wait continues as new. */
  at: 'awaiting-predecessor-cancellation';
  intakeClockStart?: string;
  runs: number;
}

export interface LicenceApplicationResult {
  applicationId: string;
  outcome: 'issued' | 'refused' | 'rejected-at-intake';
  certificateNumber?: string;
  path?: string;
  policyVersion?: string;
  decidedWithinDeadline?: boolean;
}
