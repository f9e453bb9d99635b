/**
 * R02: published policy versions are frozen. A case keeps the version in force on its acceptance
 * date for life, so an edit to a published version would silently change cases in flight. Each
 * published version's content is hashed here; a change to one fails this test. A change to the
 * rules goes into a NEW version (appended to POLICY_VERSIONS with its own effectiveFrom), whose
 * hash is then added below. See README "Policy versions are frozen".
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { POLICY_VERSIONS, policyById, policyInForce } from '../../domain/policy';

/** Key-sorted JSON: the hash depends on content only, never on the order fields are written in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
const hashOf = (v: unknown) => createHash('sha256').update(canonical(v)).digest('hex');

/** id → sha256 of the published content. Add a line for a new version; never edit one. */
const PUBLISHED: Record<string, string> = {
  '2020-09-29': 'ef13c213fa612ade7ae8227d3bc2987d3c16f49ce25395385ec222e2b1000392',
  '2024-09-25': '98b7af9780f78718278103014b3664d942a04fc172be1267281c88e9ef376e5d',
};

describe('published policy versions are frozen', () => {
  it.each(Object.entries(PUBLISHED))('R02: version %s is unchanged since publication', (id, hash) => {
    expect(hashOf(policyById(id)), `policy version ${id} changed: put the change in a new version with its own effectiveFrom`).toBe(hash);
  });

  it('R02: every version in the table is published here (a new one needs its hash), none is removed', () => {
    expect(POLICY_VERSIONS.map((v) => v.id).sort()).toEqual(Object.keys(PUBLISHED).sort());
  });

  it('R02: a new version has its own, later effective date (newest last, no two in force on one day)', () => {
    const dates = POLICY_VERSIONS.map((v) => v.effectiveFrom);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(dates.length);
    for (const v of POLICY_VERSIONS) expect(policyInForce(v.effectiveFrom).id).toBe(v.id);
  });

  it('R02: a published version cannot be changed at run time either', () => {
    const v = policyById('2020-09-29');
    expect(Object.isFrozen(v) && Object.isFrozen(v.limits) && Object.isFrozen(v.limits.acceptance) && Object.isFrozen(v.products.cement)).toBe(true);
    expect(() => {
      (v.limits.acceptance as { n: number }).n = 6;
    }).toThrow(TypeError);
    expect(v.limits.acceptance.n).toBe(5);
  });
});
