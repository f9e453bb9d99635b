/**
 * Schemas of the verifier register routes (R10, L06). Re-exported by schemas.ts, so they keep
 * their names in the OpenAPI components.
 */
import { z } from 'zod';
import { IsoDate, ProvinceCode, Uscc } from '../domain/approval/application';

/** R10: verifier ids as the registry and the teams use them. */
export const VerifierId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, '1-64 characters: letters, digits, ., - and _')
  .describe('verifier id, e.g. V-001');
// Not one of the team the body examples name (V-001, V-002): a conflict recorded for the example would refuse that team.
export const VerifierParams = z.object({ id: VerifierId.meta({ examples: ['V-009'] }) }).strict();

/** R10: a province's certification of a verifier (training and assessment); valid in every province. */
export const CertifyVerifierBody = z
  .object({
    id: VerifierId,
    name: z.string().min(1).max(100),
    certifiedBy: ProvinceCode.describe('the province that trained and assessed the verifier; a supervisor certifies for their own province'),
    certifiedOn: IsoDate.optional().describe('first day of the certification (default: today, Asia/Shanghai)'),
    certifiedUntil: IsoDate.describe('last day of the certification (inclusive)'),
    suspended: z.boolean().optional(),
  })
  .strict()
  .meta({ examples: [{ id: 'V-010', name: '赵六', certifiedBy: 'BJ', certifiedUntil: '2030-12-31' }] })
  .superRefine((b, ctx) => {
    if (b.certifiedOn !== undefined && b.certifiedUntil < b.certifiedOn) {
      ctx.addIssue({ code: 'custom', path: ['certifiedUntil'], message: `ends before certifiedOn (${b.certifiedOn})` });
    }
  });
/** A verifier never inspects an enterprise he is recorded as conflicted with. */
export const ConflictBody = z.object({ uscc: Uscc, reason: z.string().min(3).max(1000) }).strict();

export const VerifierResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    certifiedBy: z.string(),
    certifiedOn: IsoDate,
    certifiedUntil: IsoDate,
    suspended: z.boolean(),
    created: z.boolean().describe('false when an existing record was updated'),
  })
  .strict();
export const ConflictResponse = z.object({ verifierId: z.string(), uscc: z.string(), reason: z.string() }).strict();
