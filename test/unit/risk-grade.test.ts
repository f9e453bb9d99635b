import { describe, expect, it } from 'vitest';
import { computeRiskGrade, effectiveGrade, shiftMonths, type RiskFacts } from '../../domain/supervision/risk-grade';
import { rateProblem, riskPolicyInForce } from '../../domain/supervision/risk-policy';

const policy = riskPolicyInForce('2026-12-01');
const base: RiskFacts = { asOf: '2026-12-01', firstLicensedOn: '2020-01-01', products: ['broadcast-equipment'], facts: [] };

describe('risk grades (R17)', () => {
  it('R17: an old licensee of a low-risk product with nothing on record is A, and says why', () => {
    const r = computeRiskGrade(base, policy);
    expect(r.grade).toBe('A');
    expect(r.score).toBe(0);
    expect(r.reasons.join('\n')).toMatch(/score 0: grade A/);
    expect(r.factsUsed).toEqual([]);
    expect(r.policyId).toBe(policy.id);
  });

  it('R17: a new licensee is at least B, with the reason', () => {
    const r = computeRiskGrade({ ...base, firstLicensedOn: '2026-06-01' }, policy);
    expect(r.grade).toBe('B');
    expect(r.reasons.at(-1)).toMatch(/new licensee.*2026-06-01/);
  });

  it('R17: a high-risk product class raises the score', () => {
    const r = computeRiskGrade({ ...base, products: ['cement', 'broadcast-equipment'] }, policy);
    expect(r.grade).toBe('B');
    expect(r.reasons[0]).toMatch(/product risk class high \(cement\)/);
  });

  it('R17: a failed inspection in the last 3 years gives C; one older than 3 years no longer counts', () => {
    const recent = computeRiskGrade({ ...base, facts: [{ kind: 'failed-inspection', on: '2025-03-01', ref: 'inspection 7' }] }, policy);
    expect(recent.grade).toBe('C');
    expect(recent.factsUsed).toHaveLength(1);
    expect(recent.reasons[0]).toMatch(/failed inspection on 2025-03-01 \(inspection 7\): \+3/);
    const old = computeRiskGrade({ ...base, facts: [{ kind: 'failed-inspection', on: '2023-11-30', ref: 'inspection 1' }] }, policy);
    expect(old.grade).toBe('A');
    expect(old.factsUsed).toEqual([]);
  });

  it('R17: a revocation or a ban in force gives D, even an old ban still running', () => {
    expect(computeRiskGrade({ ...base, facts: [{ kind: 'revocation', on: '2026-01-10', ref: 'cert X' }] }, policy).grade).toBe('D');
    const ban = computeRiskGrade({ ...base, facts: [{ kind: 'ban', on: '2022-01-01', until: '2027-01-01', ref: 'ban 3' }] }, policy);
    expect(ban.grade).toBe('D');
    expect(ban.reasons[0]).toMatch(/in force until 2027-01-01/);
  });

  it('R17: rectification orders and substantiated risk information add up to C', () => {
    const r = computeRiskGrade(
      { ...base, facts: [{ kind: 'rectification-order', on: '2026-02-01', ref: 'r1' }, { kind: 'risk-information', on: '2026-03-01', ref: 'tip 9' }] },
      policy,
    );
    expect(r.score).toBe(4);
    expect(r.grade).toBe('C');
    expect(r.factsUsed.map((f) => f.kind)).toEqual(['rectification-order', 'risk-information']);
  });

  it('R17: a fact dated after the day graded does not count', () => {
    expect(computeRiskGrade({ ...base, facts: [{ kind: 'revocation', on: '2026-12-02', ref: 'x' }] }, policy).grade).toBe('A');
  });

  it('R17: an override applies through its last day, then the computed grade again', () => {
    const o = { grade: 'D' as const, reason: 'complaint under investigation', by: 'sup-1', at: '2026-11-01T00:00:00Z', until: '2026-12-31' };
    expect(effectiveGrade('A', o, '2026-12-31')).toEqual({ grade: 'D', overridden: true });
    expect(effectiveGrade('A', o, '2027-01-01')).toEqual({ grade: 'A', overridden: false });
  });

  it('R11: a draw rate outside 0–1 names the grade', () => {
    expect(rateProblem({ A: 0.03, C: 1.5 })).toEqual({ path: 'rates.C', message: expect.stringMatching(/between 0 and 1/) });
    expect(rateProblem({ A: 0, D: 1 })).toBeUndefined();
    expect(policy.drawRates).toEqual({ A: 0.03, B: 0.05, C: 0.15, D: 0.5 });
  });

  it('shiftMonths clamps to the end of the month', () => {
    expect(shiftMonths('2024-02-29', -12)).toBe('2023-02-28');
    expect(shiftMonths('2026-12-01', -36)).toBe('2023-12-01');
    expect(shiftMonths('2026-01-31', 1)).toBe('2026-02-28');
  });
});
