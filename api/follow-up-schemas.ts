/**
 * Schemas of the follow-up routes (R08, R10, L06, R15). Re-exported by schemas.ts, so they keep
 * their names in the OpenAPI components.
 */
import { z } from 'zod';
import { ProductIdSchema } from '../domain/approval/application';
import { LicenceStatus } from '../domain/licence/messages';
import { RevocationGround } from '../domain/licence/revocation';
import { type FollowUpDetail, type FollowUpStatus, InspectionOutcome } from '../domain/supervision/follow-up';

const FollowUpKind = z.enum(['post-issuance-verification', 'commitment-check', 'supervision-inspection']);

export const FollowUpStatusResponse = z
  .object({
    kind: FollowUpKind,
    certificateNumber: z.string(),
    stage: z.enum(['awaiting-inspection', 'closed']),
    dueAt: z.string(),
    overdue: z.boolean(),
    team: z.array(z.string()).optional(),
    result: z
      .object({ outcome: z.enum(['pass', 'rectification-required', 'failed']), at: z.string(), by: z.string(), findings: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();
const _followUpMatches: z.ZodType<FollowUpStatus> = FollowUpStatusResponse;

const FollowUpRound = z.number().int();
export const FollowUpDetailResponse = z
  .object({
    workflowId: z.string(),
    applicationId: z.string(),
    kind: FollowUpKind,
    certificateNumber: z.string(),
    province: z.string(),
    product: ProductIdSchema,
    uscc: z.string(),
    policyVersion: z.string(),
    stage: z.enum(['awaiting-inspection', 'rectifying', 'closed']),
    round: FollowUpRound.describe('1: the first inspection; 2: the re-inspection after rectification (R15)'),
    dueAt: z.string(),
    overdue: z.boolean(),
    escalations: z.array(z.object({ at: z.string(), round: FollowUpRound, dueAt: z.string() }).strict()),
    team: z.object({ verifierIds: z.array(z.string()), assignedBy: z.string(), assignedAt: z.string(), round: FollowUpRound }).strict().optional(),
    inspections: z.array(
      z
        .object({
          round: FollowUpRound,
          outcome: InspectionOutcome,
          at: z.string(),
          by: z.string(),
          verifierIds: z.array(z.string()),
          findings: z.string().optional(),
          inTime: z.boolean(),
        })
        .strict(),
    ),
    rectification: z.object({ orderedAt: z.string(), rectifyBy: z.string(), dueAt: z.string() }).strict().optional(),
    outcome: z.enum(['passed', 'rectified', 'revoked', 'licence-ended']).optional(),
    revocation: z
      .object({ at: z.string(), ground: RevocationGround, ban: z.object({ rule: z.string(), endsOn: z.string() }).strict().optional() })
      .strict()
      .optional(),
    licenceEnded: z.object({ status: LicenceStatus, at: z.string() }).strict().optional(),
  })
  .strict();
const _followUpDetailMatches: z.ZodType<FollowUpDetail> = FollowUpDetailResponse;
