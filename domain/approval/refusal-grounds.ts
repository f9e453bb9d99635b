/**
 * L04: the grounds on which staff refuse an application (不予受理 at intake, 不予许可 after
 * review). A closed list: every refusal that gives a ground names it and the rule it rests on.
 * Concealment or false materials (隐瞒有关情况或者提供虚假材料, Admin. Licensing Law Art. 78)
 * carry a warning and a 1-year ban on applying for the same product: every product under
 * production-licence management is safety-related (Regulation 440 Art. 2), so the ban always applies.
 */
import { z } from 'zod';

export const RefusalGround = z.enum([
  'false-materials',
  'concealment',
  'conditions-not-met',
  'verification-failed',
  'industrial-policy',
  'predecessor-in-force',
  'materials-incomplete',
]);
export type RefusalGround = z.infer<typeof RefusalGround>;

export interface RefusalGroundRule {
  rule: string;
  /** What the applicant reads beside the staff's reasons. */
  text: string;
  /** L04: the warning and the re-application ban this ground carries, if any. */
  ban?: { years: number; why: string };
}

export const REFUSAL_GROUNDS: Record<RefusalGround, RefusalGroundRule> = {
  'false-materials': {
    rule: 'L04',
    text: 'false materials were provided (提供虚假材料)',
    ban: { years: 1, why: 'false materials in an application (提供虚假材料): warning, no new application for this product for 1 year' },
  },
  concealment: {
    rule: 'L04',
    text: 'relevant facts were concealed (隐瞒有关情况)',
    ban: { years: 1, why: 'relevant facts concealed in an application (隐瞒有关情况): warning, no new application for this product for 1 year' },
  },
  'conditions-not-met': { rule: 'R07', text: 'the production conditions do not meet the requirements' },
  'verification-failed': { rule: 'R10', text: 'the on-site verification failed' },
  'industrial-policy': { rule: 'R03', text: 'the application is against the industrial policy' },
  'predecessor-in-force': { rule: 'R04', text: 'the licence this application takes over is still in force' },
  'materials-incomplete': { rule: 'L01', text: 'the materials are incomplete or not in the statutory form' },
};

/** The reasons as recorded: the ground and its rule first, then the staff's own words. */
export function groundedReasons(ground: RefusalGround | undefined, reasons: string[]): string[] {
  if (!ground) return reasons;
  const g = REFUSAL_GROUNDS[ground];
  return [`${g.rule} (${ground}): ${g.text}`, ...reasons];
}
