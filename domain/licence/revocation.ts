/** Revocation grounds and the re-application bans they carry (L04, R12, L08). */
import { z } from 'zod';
import type { RefusalGround } from '../approval/refusal-grounds';
import type { ProductId } from '../policy';

/** L04: a licence obtained by fraud (欺骗) or bribery (贿赂) is revoked with a 3-year ban. */
export const RevocationGround = z.enum(['fraud', 'bribery', 'false-commitment', 'false-materials', 'failed-rectification', 'conditions-not-met']);
export type RevocationGround = z.infer<typeof RevocationGround>;

export interface BanRule {
  years: number;
  rule: string;
  why: string;
}

/**
 * The re-application ban a revocation carries, for the same enterprise and product, or none.
 * Law, not configuration: Admin. Licensing Law Art. 69/78/79 (L04), Regulation Art. 54/55 (L08).
 * Every product under production-licence management is safety-related (Regulation 440 Art. 2),
 * so the false-materials ban applies to all of them.
 */
export function banFor(ground: RevocationGround, product: ProductId): BanRule | undefined {
  switch (ground) {
    case 'fraud':
      return { years: 3, rule: 'L04', why: 'licence obtained by fraud (以欺骗手段取得): no new application for this product for 3 years' };
    case 'bribery':
      return { years: 3, rule: 'L04', why: 'licence obtained by bribery (以贿赂手段取得): no new application for this product for 3 years' };
    case 'false-commitment':
      return { years: 3, rule: 'L04', why: 'false notification-and-commitment statement (licence obtained by deception): no new application for 3 years' };
    case 'false-materials':
      return { years: 1, rule: 'L04', why: `false materials for a safety-related product (${product}): no new application for 1 year` };
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
  /** A revocation ground, or (L04 at application) the refusal ground of the application that was refused. */
  ground: RevocationGround | RefusalGround;
  rule: string;
  startsOn: string;
  /** Last day of the ban (inclusive). */
  endsOn: string;
  certificateNumber: string | null;
  /** L04: the application refused for false materials or concealment, when that is what banned. */
  applicationId: string | null;
  reason: string;
}

/** What intake tells a banned applicant. */
export function describeBan(b: ActiveBan): string {
  const cause = b.certificateNumber
    ? `; certificate ${b.certificateNumber} revoked on ${b.startsOn}`
    : b.applicationId
      ? `; application ${b.applicationId} refused on ${b.startsOn}`
      : '';
  return `enterprise ${b.uscc} may not apply for ${b.product} until ${b.endsOn} inclusive (${b.rule}: ${b.reason}${cause})`;
}

/** R15, L08: what is on record for a certificate's rectification: the newest order and the failed re-check that followed it. */
export interface RectificationRecord {
  order?: { orderedAt: string; rectifyBy: string | null };
  failedRecheck?: { at: string };
}

/**
 * R15, L08: `failed-rectification` is a ground only when a rectification order and a failed
 * re-check after it are on record; otherwise the reason the revocation is refused.
 */
export function failedRectificationProblem(certificateNumber: string, r: RectificationRecord): string | undefined {
  if (!r.order) {
    return `ground failed-rectification needs a rectification order and a failed re-check on record: certificate ${certificateNumber} has no rectification order (R15, L08); revoke on another ground`;
  }
  if (!r.failedRecheck) {
    return `ground failed-rectification needs a failed re-check on record: certificate ${certificateNumber} was ordered to rectify on ${r.order.orderedAt.slice(0, 10)}${r.order.rectifyBy ? ` (by ${r.order.rectifyBy})` : ''} and no re-check has failed (R15, L08); record the re-inspection in the follow-up`;
  }
  return undefined;
}
