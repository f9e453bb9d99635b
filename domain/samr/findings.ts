/**
 * R06: SAMR's side of the random check. SAMR records a result per drawn case; a non-conforming
 * one opens a "SAMR finding" (workflow `samr-finding/<application id>`) that the province's
 * supervisor must answer within a limit (domain/policy.ts `SAMR_CHECKS`). The one module the
 * finding workflow, its activities and the API share.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { Limit } from '../policy';
import { Actor } from '../roles';

export const CheckResult = z.enum(['conforming', 'non-conforming']);
export type CheckResult = z.infer<typeof CheckResult>;

/** What SAMR records for one drawn case (the API fills who and when from the token and its clock). */
export const CheckResultBody = z
  .object({
    result: CheckResult,
    /** Required when non-conforming: what the province is asked to answer. */
    findings: z.string().trim().min(1).max(5000).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.result === 'non-conforming' && !b.findings) ctx.addIssue({ code: 'custom', path: ['findings'], message: 'a non-conforming result names its findings' });
  });
export type CheckResultBody = z.infer<typeof CheckResultBody>;

export const AnswerFindingInput = z
  .object({
    actor: Actor,
    /** The province's response to the finding. */
    response: z.string().trim().min(1).max(5000),
    /** What was done about it (rectification ordered, licence revoked, procedure changed …). */
    measures: z.string().trim().min(1).max(5000),
  })
  .strict();
export type AnswerFindingInput = z.infer<typeof AnswerFindingInput>;

export interface SamrFindingInput {
  applicationId: string;
  province: string;
  uscc?: string;
  product?: string;
  /** The draw that picked the case (samr_sample_draws.draw_key). */
  drawKey: string;
  findings: string;
  openedAt: string;
  openedBy: string;
  /** Frozen at opening: a later policy change never moves an open finding's clock. */
  limit: Limit;
  reminderLead: number;
}

export interface SamrFindingAnswer {
  response: string;
  measures: string;
  by: string;
  at: string;
  inTime: boolean;
}

export interface SamrFindingView {
  findingId: string;
  workflowId: string;
  applicationId: string;
  province: string;
  drawKey: string;
  findings: string;
  openedAt: string;
  openedBy: string;
  status: 'open' | 'answered';
  limit: Limit;
  /** Computed by the calendar activity (working days, L03); null until the workflow has run its first step. */
  dueAt: string | null;
  dueDate: string | null;
  overdue: boolean;
  remindedAt: string | null;
  escalatedAt: string | null;
  answer: SamrFindingAnswer | null;
}

export const samrFindingQuery = defineQuery<SamrFindingView>('samrFinding');
export const answerSamrFindingUpdate = defineUpdate<SamrFindingView, [AnswerFindingInput]>('answerSamrFinding');
