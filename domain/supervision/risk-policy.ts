/**
 * R11, R17: the risk-grading and draw policy, as data with effective dates like domain/policy.ts.
 * Every number here is *configurable* in DOMAIN.md (SAMR 国市监信发〔2022〕6号 sets the four grades
 * but leaves the scoring to the provinces), so none of it is a literal in code.
 *
 * PUBLISHED VERSIONS ARE FROZEN: a change is a new version with its own `effectiveFrom`, so a
 * stored grade or draw can always be re-run under the version it names.
 */
import type { ProductId } from '../policy';

export const RISK_GRADES = ['A', 'B', 'C', 'D'] as const;
export type RiskGrade = (typeof RISK_GRADES)[number];

/** What kind of product risk a product carries for grading (not the L04 safety flag: all are safety-related). */
export type ProductRiskClass = 'low' | 'general' | 'high';

export interface RiskPolicy {
  id: string;
  effectiveFrom: string;
  source: string;
  /** R17: facts older than this many years no longer count. */
  lookbackYears: number;
  /** R17: an enterprise whose first licence in the province is younger than this is at least B. */
  newLicenseeMonths: number;
  /** Points each fact adds to the score. */
  points: {
    failedInspection: number;
    failedSpotCheck: number;
    rectificationOrder: number;
    revocation: number;
    ban: number;
    substantiatedRiskInformation: number;
    /** Added once when the enterprise holds a licence for a product of this class. */
    productRisk: Record<ProductRiskClass, number>;
  };
  /** The lowest score that gives each grade (A is below B's). */
  thresholds: { B: number; C: number; D: number };
  productRiskClass: Record<ProductId, ProductRiskClass>;
  /** R11: share of each grade's enterprises a batch draws, 0..1. */
  drawRates: Record<RiskGrade, number>;
  /** R11: every D enterprise is inspected at least once a calendar year. */
  dAtLeastOncePerYear: boolean;
  /** R11: inspectors per inspectee (Administrative Penalty Law Art. 42: at least 2). */
  teamSize: number;
  /** R11: results are published within this many working days of the inspection's end (国办发〔2015〕58号). */
  publicationWorkingDays: number;
}

const V2022: RiskPolicy = {
  id: 'risk-2022-01-01',
  effectiveFrom: '2020-09-29',
  source: '国市监信发〔2022〕6号; 国市监信〔2019〕38号',
  lookbackYears: 3,
  newLicenseeMonths: 12,
  points: {
    failedInspection: 3,
    failedSpotCheck: 3,
    rectificationOrder: 2,
    revocation: 8,
    ban: 8,
    substantiatedRiskInformation: 2,
    productRisk: { low: 0, general: 0, high: 1 },
  },
  thresholds: { B: 1, C: 3, D: 8 },
  productRiskClass: {
    'steel-bar': 'high',
    cement: 'high',
    'railway-beam': 'high',
    fertiliser: 'general',
    'broadcast-equipment': 'low',
    'banknote-discriminator': 'low',
  },
  drawRates: { A: 0.03, B: 0.05, C: 0.15, D: 0.5 },
  dAtLeastOncePerYear: true,
  teamSize: 2,
  publicationWorkingDays: 20,
};

export const RISK_POLICY_VERSIONS: readonly RiskPolicy[] = [V2022].map((v) => Object.freeze(v));

export function riskPolicyInForce(date: string): RiskPolicy {
  let found: RiskPolicy | undefined;
  for (const v of RISK_POLICY_VERSIONS) if (v.effectiveFrom <= date) found = v;
  if (!found) throw new Error(`no risk policy in force on ${date}: the earliest is ${RISK_POLICY_VERSIONS[0]!.effectiveFrom}`);
  return found;
}

export function riskPolicyById(id: string): RiskPolicy {
  const v = RISK_POLICY_VERSIONS.find((p) => p.id === id);
  if (!v) throw new Error(`unknown risk policy ${id}`);
  return v;
}

/** A rate table's problem, naming the grade, or undefined (R11: 0..1). */
export function rateProblem(rates: Partial<Record<RiskGrade, number>>): { path: string; message: string } | undefined {
  for (const g of RISK_GRADES) {
    const r = rates[g];
    if (r === undefined) continue;
    if (!Number.isFinite(r) || r < 0 || r > 1) return { path: `rates.${g}`, message: `a draw rate is between 0 and 1; got ${r}` };
  }
  return undefined;
}
