/**
 * The policy table: one rule, one place. Which path a product takes, its time limits and its
 * follow-up windows live here, per policy version, read by workflows and API alike.
 * A case is bound for life to the version in force on its acceptance date (R02).
 *
 * Values the spec marks *configurable* (not confirmed from a primary source) are data here,
 * never literals in code: product unit codes, follow-up windows, reminder lead.
 */
export type ProductId = 'steel-bar' | 'cement' | 'broadcast-equipment' | 'banknote-discriminator' | 'railway-beam' | 'fertiliser';
export type ApplicationType = 'new' | 'renewal' | 'change';
export type ApprovalPath = 'post-verification' | 'commitment' | 'renewal-exempt' | 'verify-then-issue';

export interface Product {
  id: ProductId;
  nameZh: string;
  nameEn: string;
  /** XK industry code and product code printed in the certificate number (L07). *configurable* */
  industryCode: string;
  productCode: string;
  /**
   * Every product under production-licence management is safety-related (Regulation 440 Art. 2;
   * clarification of L04), so the L04 bans apply to all of them.
   */
  safetyRelated: boolean;
}

export const PRODUCTS: Record<ProductId, Product> = {
  'steel-bar': { id: 'steel-bar', nameZh: '建筑用钢筋', nameEn: 'construction steel bars', industryCode: '05', productCode: '001', safetyRelated: true },
  cement: { id: 'cement', nameZh: '水泥', nameEn: 'cement', industryCode: '08', productCode: '001', safetyRelated: true },
  'broadcast-equipment': { id: 'broadcast-equipment', nameZh: '广播电视传输设备', nameEn: 'broadcast & TV transmission equipment', industryCode: '09', productCode: '001', safetyRelated: true },
  'banknote-discriminator': { id: 'banknote-discriminator', nameZh: '人民币鉴别仪', nameEn: 'RMB banknote discriminators', industryCode: '21', productCode: '001', safetyRelated: true },
  'railway-beam': { id: 'railway-beam', nameZh: '预应力混凝土铁路桥简支梁', nameEn: 'prestressed concrete railway-bridge simply supported beams', industryCode: '16', productCode: '001', safetyRelated: true },
  fertiliser: { id: 'fertiliser', nameZh: '化肥', nameEn: 'fertiliser (compound and phosphate)', industryCode: '13', productCode: '001', safetyRelated: true },
};
export const PRODUCT_IDS = Object.keys(PRODUCTS) as [ProductId, ...ProductId[]];

export interface Limit {
  n: number;
  unit: 'working-days' | 'days';
}

export interface ProductRule {
  /** Path for a new licence. */
  newPath: Exclude<ApprovalPath, 'renewal-exempt'>;
  /** R08: renewal with unchanged conditions and a quality-safety commitment may skip on-site verification. */
  renewalExemption: boolean;
  /** R03: filing/approval documents required; capacity checked. */
  industrialPolicy: boolean;
  /** R03: national industrial policy bars new capacity; only capacity replacement (R04) adds any. */
  newCapacityBarred: boolean;
}

export interface PolicyVersion {
  id: string;
  effectiveFrom: string;
  source: string;
  limits: {
    /** L01: accept or send one supplement notice within this, else deemed accepted. */
    acceptance: Limit;
    /** R07: decision on the post-verification, commitment and renewal-exempt paths. */
    simplifiedDecision: Limit;
    /** Regulation Art. 18: on-site verification result on the standard path. */
    standardVerification: Limit;
    /** Regulation Art. 18: decision on the standard path. */
    standardDecision: Limit;
    /** Regulation Art. 24: certificate after the decision. */
    certificateAfterDecision: Limit;
    /** Reviewers are reminded this many working days before a decision deadline. *configurable* */
    reminderLeadWorkingDays: number;
  };
  followUp: {
    /** On-site verification after issuance on the post-verification path. *configurable* */
    postVerification: Limit;
    /** Verification of a notification-and-commitment statement. *configurable* */
    commitmentCheck: Limit;
    /** R08: supervision inspection after a renewal without verification. */
    renewalInspection: Limit;
    /** R15: default time allowed for rectification. *configurable* */
    rectification: Limit;
  };
  validityYears: number;
  /** L05: renewal is filed at least this many months before expiry. */
  renewalNoticeMonths: number;
  /** L05: the holder is reminded this many days before that filing deadline. *configurable* */
  renewalReminderLeadDays: number;
  products: Record<ProductId, ProductRule>;
}

const SIMPLIFIED: ProductRule = { newPath: 'post-verification', renewalExemption: true, industrialPolicy: false, newCapacityBarred: false };

const V2020: PolicyVersion = {
  id: '2020-09-29',
  effectiveFrom: '2020-09-29',
  source: '国市监质监〔2020〕152号',
  limits: {
    acceptance: { n: 5, unit: 'working-days' },
    simplifiedDecision: { n: 5, unit: 'working-days' },
    standardVerification: { n: 30, unit: 'working-days' },
    standardDecision: { n: 60, unit: 'working-days' },
    certificateAfterDecision: { n: 10, unit: 'working-days' },
    reminderLeadWorkingDays: 1,
  },
  followUp: {
    postVerification: { n: 30, unit: 'days' },
    commitmentCheck: { n: 60, unit: 'days' },
    renewalInspection: { n: 60, unit: 'days' },
    rectification: { n: 30, unit: 'days' },
  },
  validityYears: 5,
  renewalNoticeMonths: 6,
  renewalReminderLeadDays: 30,
  products: {
    'steel-bar': { ...SIMPLIFIED, industrialPolicy: true, newCapacityBarred: true },
    cement: { ...SIMPLIFIED, industrialPolicy: true, newCapacityBarred: true },
    'broadcast-equipment': SIMPLIFIED,
    'banknote-discriminator': SIMPLIFIED,
    'railway-beam': SIMPLIFIED,
    fertiliser: { newPath: 'commitment', renewalExemption: true, industrialPolicy: false, newCapacityBarred: false },
  },
};

const V2024: PolicyVersion = {
  ...V2020,
  id: '2024-09-25',
  effectiveFrom: '2024-09-25',
  source: '国发〔2024〕11号',
  products: {
    ...V2020.products,
    // Fertiliser moves to verify-then-issue: no commitment mode, no renewal exemption.
    fertiliser: { newPath: 'verify-then-issue', renewalExemption: false, industrialPolicy: false, newCapacityBarred: false },
  },
};

/**
 * Newest last. PUBLISHED VERSIONS ARE FROZEN (R02: a case keeps the version in force on its
 * acceptance date for life, so editing one silently changes cases in flight). A change to the
 * rules is a new version with its own `effectiveFrom`, appended here; test/unit/policy-freeze.test.ts
 * holds a hash of every published version and fails when one changes.
 */
export const POLICY_VERSIONS: readonly PolicyVersion[] = [V2020, V2024].map(deepFreeze);

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export class NoPolicyError extends Error {
  override name = 'NoPolicyError';
}

/** The version in force on a civil date `YYYY-MM-DD` (R02). */
export function policyInForce(date: string): PolicyVersion {
  let found: PolicyVersion | undefined;
  for (const v of POLICY_VERSIONS) if (v.effectiveFrom <= date) found = v;
  if (!found) throw new NoPolicyError(`no policy version in force on ${date}: the earliest is ${POLICY_VERSIONS[0]!.effectiveFrom}`);
  return found;
}

export function policyById(id: string): PolicyVersion {
  const v = POLICY_VERSIONS.find((p) => p.id === id);
  if (!v) throw new NoPolicyError(`unknown policy version ${id}`);
  return v;
}

export interface RoutingFacts {
  product: ProductId;
  type: ApplicationType;
  conditionsUnchanged?: boolean;
  hasQualitySafetyCommitment: boolean;
}

export interface Route {
  path: ApprovalPath;
  why: string;
}

/** Which of the four paths a case takes under a policy version. */
export function routeApplication(policy: PolicyVersion, facts: RoutingFacts): Route {
  const rule = policy.products[facts.product];
  if (facts.type === 'renewal') {
    if (!rule.renewalExemption) return { path: 'verify-then-issue', why: `policy ${policy.id} allows no renewal exemption for ${facts.product}` };
    if (!facts.conditionsUnchanged) return { path: 'verify-then-issue', why: 'renewal with changed production conditions (R08)' };
    if (!facts.hasQualitySafetyCommitment) return { path: 'verify-then-issue', why: 'renewal without a quality-safety commitment (R08)' };
    return { path: 'renewal-exempt', why: 'renewal, conditions unchanged, commitment signed (R08)' };
  }
  if (facts.type === 'change') return { path: 'verify-then-issue', why: 'licence change (变更) is verified before issue' };
  const why =
    rule.newPath === 'commitment'
      ? `notification-and-commitment for ${facts.product} under policy ${policy.id} (R09)`
      : rule.newPath === 'post-verification'
        ? `licence first, on-site verification after issuance under policy ${policy.id} (R07)`
        : `verify-then-issue for ${facts.product} under policy ${policy.id}`;
  return { path: rule.newPath, why };
}

/**
 * Staff reminders that apply under every policy version. They bind no case to anything (a case's
 * rules are its version's), so they live beside the frozen versions rather than in them; a change
 * here alters the timers of running workflows and needs a `patched()` like any workflow change.
 * *configurable*
 */
export const STAFF_REMINDERS = Object.freeze({
  /**
   * L01: the acceptance officer is reminded when this many days (in the acceptance limit's unit)
   * are left before silence makes the case accepted as of its receipt: with 5 working days, at the
   * end of day 3. A deemed acceptance starts the R07 decision clock from the day of receipt, so it
   * is often already due; the reminder makes it a choice, not a surprise.
   */
  acceptanceLead: 2,
});

/**
 * R06: a non-conforming result of SAMR's random check opens a task for the province's supervisor,
 * to be answered within `answerLimit`; the supervisor is reminded `reminderLead` working days
 * before it, and a finding unanswered at its end is escalated to SAMR and shown as overdue. Each
 * finding keeps the values it was opened with. *configurable*
 */
export const SAMR_CHECKS = Object.freeze({
  answerLimit: Object.freeze({ n: 20, unit: 'working-days' }) as Readonly<Limit>,
  reminderLead: 3,
});

/** The decision limit for a path. */
export function decisionLimit(policy: PolicyVersion, path: ApprovalPath): Limit {
  return path === 'verify-then-issue' ? policy.limits.standardDecision : policy.limits.simplifiedDecision;
}

/** The follow-up a path owes after issuance, or none (the standard path verified before issue). */
export function followUpFor(policy: PolicyVersion, path: ApprovalPath): { kind: FollowUpKind; window: Limit } | undefined {
  switch (path) {
    case 'post-verification':
      return { kind: 'post-issuance-verification', window: policy.followUp.postVerification };
    case 'commitment':
      return { kind: 'commitment-check', window: policy.followUp.commitmentCheck };
    case 'renewal-exempt':
      return { kind: 'supervision-inspection', window: policy.followUp.renewalInspection };
    default:
      return undefined;
  }
}

export type FollowUpKind = 'post-issuance-verification' | 'commitment-check' | 'supervision-inspection';
