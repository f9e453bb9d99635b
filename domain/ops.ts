/**
 * The failure policy (README "Failure policy"): what a retry cannot fix, and how ops take over.
 *
 * Activities turn what a retry cannot fix into a non-retryable ApplicationFailure of one of
 * these types (activities/failures.ts). A workflow that meets one does not fail and does not
 * retry in a loop: it holds at that step, shows `LpWaitingOn = 'ops'` and the error (status and
 * the `opsHolds` Query), and repeats the step when ops send `retryAfterOps` after fixing the cause.
 * Transient errors (connection, timeout, serialisation, deadlock …) are retried with backoff.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { Actor } from './roles';

/** Failure types that mean "a retry cannot fix this": the workflow holds for ops. */
export const FAILURE = {
  /** PostgreSQL SQLSTATE class 22: a value the database cannot store (bad date, too long, out of range). */
  data: 'DataException',
  /** SQLSTATE class 23: a constraint (check, unique, foreign key, not null) refuses the write. */
  constraint: 'ConstraintViolation',
  /** An input failed its schema or a domain check inside the activity. */
  validation: 'ValidationError',
  /** A row the step needs is not there (after the grace attempts for one still on its way). */
  notFound: 'NotFound',
} as const;
export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];

/** One step of a workflow waiting for ops. */
export interface OpsHold {
  /** The activity that failed for good. */
  activity: string;
  /** Failure type (FAILURE, or an activity's own: MissingCertificate, CalendarInputError …). */
  type: string;
  error: string;
  since: string;
  /** How often ops have already retried this step. */
  retries: number;
  /** Set when the step belongs to an Update handler: that Update answers once ops have retried. */
  updateId?: string;
}

export const OpsHoldSchema = z
  .object({
    activity: z.string(),
    type: z.string(),
    error: z.string(),
    since: z.string(),
    retries: z.number().int(),
    updateId: z.string().optional(),
  })
  .strict();

export const RetryAfterOpsInput = z
  .object({
    actor: Actor,
    /** What ops fixed: goes to the log and the answer. */
    note: z.string().max(2000).optional(),
  })
  .strict();
export type RetryAfterOpsInput = z.infer<typeof RetryAfterOpsInput>;

export interface RetryAfterOpsResult {
  /** The steps that were tried again. */
  retried: string[];
  /** Steps still waiting on ops after the retry (failed again): fix more, retry again. */
  stillHeld: OpsHold[];
}

/** Ops (role `ops` only) retry every step of the workflow that waits on them. Any workflow of the project answers it. */
export const retryAfterOpsUpdate = defineUpdate<RetryAfterOpsResult, [RetryAfterOpsInput]>('retryAfterOps');
/** The steps of a workflow waiting on ops (empty when none). */
export const opsHoldsQuery = defineQuery<OpsHold[]>('opsHolds');
