/**
 * Substantive refusals at receipt (不予受理, issued in writing with reasons): unlike a missing
 * field, these are decisions the authority records and the applicant can appeal.
 */
import type { ApplicationInput } from './application';
import { PRODUCTS, type PolicyVersion } from '../policy';

export interface IntakeRefusal {
  rule: 'R03' | 'R04' | 'L04' | 'L05' | 'L07' | 'R08' | 'R09';
  reason: string;
}

/** R03: capacity above the filing, or new capacity where policy bars it. */
export function industrialPolicyRefusals(app: ApplicationInput, policy: PolicyVersion): IntakeRefusal[] {
  const rule = policy.products[app.product];
  if (!rule.industrialPolicy || !app.capacity) return [];
  const out: IntakeRefusal[] = [];
  const filing = app.investmentFiling;
  const declared = app.capacity.declared;
  if (filing) {
    if (filing.approvedCapacity.unit !== declared.unit) {
      out.push({ rule: 'R03', reason: `declared capacity is in ${declared.unit} but the ${filing.kind} ${filing.number} approves ${filing.approvedCapacity.unit}` });
    } else if (declared.value > filing.approvedCapacity.value) {
      out.push({
        rule: 'R03',
        reason: `declared capacity ${declared.value} ${declared.unit} exceeds the ${filing.approvedCapacity.value} ${declared.unit} approved by ${filing.kind} ${filing.number} (${filing.authority})`,
      });
    }
  }
  if (app.capacity.addsCapacity && rule.newCapacityBarred && app.predecessor?.reason !== 'capacity-replacement') {
    out.push({
      rule: 'R03',
      reason: `industrial policy bars new ${PRODUCTS[app.product].nameEn} capacity (policy ${policy.id}); added capacity needs a capacity replacement (R04)`,
    });
  }
  return out;
}
