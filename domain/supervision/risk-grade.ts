/**
 * R17: an enterprise's risk grade (A low, B general, C higher, D high) from the facts on record,
 * with the reasons and the facts used, so a grade can be explained and re-computed. Pure: the
 * caller gathers the facts (db/risk-grades.ts) and picks the policy version in force.
 */
import type { ProductId } from '../policy';
import { type RiskGrade, type RiskPolicy, RISK_GRADES } from './risk-policy';

export type RiskFactKind = 'failed-inspection' | 'failed-spot-check' | 'rectification-order' | 'revocation' | 'ban' | 'risk-information';

export interface RiskFact {
  kind: RiskFactKind;
  /** Civil date the fact happened (YYYY-MM-DD). */
  on: string;
  /** Where it is on record (an inspection, a certificate, a ban), so a reader can find it. */
  ref: string;
  /** Bans only: the last day the ban runs; a ban in force counts whatever its age. */
  until?: string;
}

export interface RiskFacts {
  /** The day the grade is for. */
  asOf: string;
  /** The first day the enterprise held a licence of the province; undefined if none on record. */
  firstLicensedOn?: string;
  /** The products of the licences it holds. */
  products: readonly ProductId[];
  facts: readonly RiskFact[];
}

export interface RiskGradeResult {
  grade: RiskGrade;
  score: number;
  policyId: string;
  asOf: string;
  /** One line per reason, in the order they were counted. */
  reasons: string[];
  /** The facts that counted (the ones outside the look-back are left out). */
  factsUsed: RiskFact[];
}

/** `date` moved by whole years / months, the day clamped to the month's end (29 Feb → 28 Feb). */
export function shiftMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${String(ny).padStart(4, '0')}-${String(nm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

const LABEL: Record<RiskFactKind, string> = {
  'failed-inspection': 'failed inspection',
  'failed-spot-check': 'failed spot check',
  'rectification-order': 'rectification order',
  revocation: 'licence revoked',
  ban: 'ban',
  'risk-information': 'substantiated risk information',
};

function pointsFor(kind: RiskFactKind, p: RiskPolicy['points']): number {
  switch (kind) {
    case 'failed-inspection':
      return p.failedInspection;
    case 'failed-spot-check':
      return p.failedSpotCheck;
    case 'rectification-order':
      return p.rectificationOrder;
    case 'revocation':
      return p.revocation;
    case 'ban':
      return p.ban;
    case 'risk-information':
      return p.substantiatedRiskInformation;
  }
}

export function gradeForScore(score: number, t: RiskPolicy['thresholds']): RiskGrade {
  if (score >= t.D) return 'D';
  if (score >= t.C) return 'C';
  if (score >= t.B) return 'B';
  return 'A';
}

const rank = (g: RiskGrade) => RISK_GRADES.indexOf(g);
export const worseGrade = (a: RiskGrade, b: RiskGrade): RiskGrade => (rank(a) >= rank(b) ? a : b);

/** R17: the grade of one enterprise on `facts.asOf` under `policy`. */
export function computeRiskGrade(facts: RiskFacts, policy: RiskPolicy): RiskGradeResult {
  const since = shiftMonths(facts.asOf, -12 * policy.lookbackYears);
  const reasons: string[] = [];
  const factsUsed: RiskFact[] = [];
  let score = 0;
  const sorted = [...facts.facts].sort((a, b) => (a.on === b.on ? a.ref.localeCompare(b.ref) : a.on < b.on ? -1 : 1));
  for (const f of sorted) {
    if (f.on > facts.asOf) continue; // not yet happened on the day graded
    const inForce = f.kind === 'ban' && f.until !== undefined && f.until >= facts.asOf;
    if (f.on <= since && !inForce) continue;
    const pts = pointsFor(f.kind, policy.points);
    score += pts;
    factsUsed.push(f);
    reasons.push(`${LABEL[f.kind]} on ${f.on} (${f.ref})${inForce && f.on <= since ? `, in force until ${f.until}` : ''}: +${pts}`);
  }
  const classes = new Set(facts.products.map((p) => policy.productRiskClass[p]));
  const worstClass = classes.has('high') ? 'high' : classes.has('general') ? 'general' : classes.has('low') ? 'low' : undefined;
  if (worstClass && policy.points.productRisk[worstClass] > 0) {
    const pts = policy.points.productRisk[worstClass];
    score += pts;
    const which = facts.products.filter((p) => policy.productRiskClass[p] === worstClass).sort();
    reasons.push(`product risk class ${worstClass} (${[...new Set(which)].join(', ')}): +${pts}`);
  }
  let grade = gradeForScore(score, policy.thresholds);
  reasons.push(`score ${score}: grade ${grade} (thresholds B ≥ ${policy.thresholds.B}, C ≥ ${policy.thresholds.C}, D ≥ ${policy.thresholds.D})`);
  if (facts.firstLicensedOn && facts.firstLicensedOn > shiftMonths(facts.asOf, -policy.newLicenseeMonths) && grade === 'A') {
    grade = 'B';
    reasons.push(`new licensee (first licensed ${facts.firstLicensedOn}, under ${policy.newLicenseeMonths} months): at least B`);
  }
  return { grade, score, policyId: policy.id, asOf: facts.asOf, reasons, factsUsed };
}

export interface GradeOverride {
  grade: RiskGrade;
  reason: string;
  by: string;
  at: string;
  /** Last day the override applies (inclusive); the computed grade applies again after it. */
  until: string;
}

/** The grade that applies on `on`: an override in force wins over the computed grade. */
export function effectiveGrade(computed: RiskGrade, override: GradeOverride | undefined, on: string): { grade: RiskGrade; overridden: boolean } {
  if (override && override.until >= on) return { grade: override.grade, overridden: true };
  return { grade: computed, overridden: false };
}
