import { z } from 'zod';
import { ProvinceCode } from './approval/application';

/**
 * `inspector`: a province's enforcement officer, drawn into routine inspection teams (R11).
 * `reporter`: an organisation registered by a province (industry association, testing institute) that submits risk information (R18).
 */
export const ROLES = ['applicant', 'acceptance-officer', 'reviewer', 'approver', 'supervisor', 'inspector', 'samr', 'ops', 'reporter'] as const;
export type Role = (typeof ROLES)[number];

/** Who sent a message to a case; the API fills it from the verified token, never from the body. */
export const Actor = z
  .object({
    id: z.string().min(1).max(100),
    role: z.enum(ROLES),
    /** Authority staff are bound to one province (R01). */
    province: ProvinceCode.optional(),
    /** Applicants are bound to their enterprise. */
    uscc: z.string().optional(),
  })
  .strict();
export type Actor = z.infer<typeof Actor>;
