import { describe, expect, it } from 'vitest';
import { drawInspectees, drawTeam, type DrawableInspector, type GradedInspectee } from '../../domain/supervision/draw';
import { riskPolicyInForce } from '../../domain/supervision/risk-policy';

const rates = riskPolicyInForce('2026-12-01').drawRates;
/** 2,000 synthetic licensees: 1,000 A, 600 B, 300 C, 100 D. */
const POPULATION: GradedInspectee[] = Array.from({ length: 2000 }, (_, i) => ({
  uscc: `U${String(i).padStart(5, '0')}`,
  grade: i < 1000 ? 'A' : i < 1600 ? 'B' : i < 1900 ? 'C' : 'D',
}));

describe('double-random draw (R11)', () => {
  it('R11: the same seed and population give the same draw; another seed another one', () => {
    const a = drawInspectees({ seed: 'batch-2026-1', province: 'BJ', population: POPULATION, rates });
    const b = drawInspectees({ seed: 'batch-2026-1', province: 'BJ', population: [...POPULATION].reverse(), rates });
    expect(b).toEqual(a);
    const c = drawInspectees({ seed: 'batch-2026-2', province: 'BJ', population: POPULATION, rates });
    expect(c.selected).not.toEqual(a.selected);
  });

  it('R11: over 2,000 licensees each grade is drawn at its rate (A 3 %, B 5 %, C 15 %, D 50 %)', () => {
    const d = drawInspectees({ seed: 'rates', province: 'BJ', population: POPULATION, rates });
    for (const [grade, n] of [['A', 1000], ['B', 600], ['C', 300], ['D', 100]] as const) {
      const drawn = d.selected.filter((s) => s.grade === grade).length;
      expect(d.byGrade[grade]).toEqual({ population: n, drawn, rate: rates[grade] });
      // ⌈n × rate⌉: within one enterprise of the rate.
      expect(Math.abs(drawn - n * rates[grade])).toBeLessThan(1);
    }
    expect(new Set(d.selected.map((s) => s.uscc)).size).toBe(d.selected.length);
  });

  it('R11: a D enterprise due its yearly inspection is included even when not drawn', () => {
    const d = drawInspectees({ seed: 'forced', province: 'BJ', population: POPULATION, rates: { A: 0, B: 0, C: 0, D: 0 }, mustInclude: ['U01999', 'U01950', 'NOT-A-LICENSEE'] });
    expect(d.forced).toEqual(['U01950', 'U01999']);
    expect(d.selected).toEqual([{ uscc: 'U01950', grade: 'D' }, { uscc: 'U01999', grade: 'D' }]);
  });

  const inspectors: DrawableInspector[] = [
    { id: 'I1', suspended: false, conflicts: [] },
    { id: 'I2', suspended: true, conflicts: [] },
    { id: 'I3', suspended: false, conflicts: ['U1'] },
    { id: 'I4', suspended: false, conflicts: [] },
    { id: 'I5', suspended: false, conflicts: [] },
    { id: 'I6', suspended: false, conflicts: [] },
  ];

  it('R11: a team has at least 2 inspectors and never a suspended, conflicted or last-time one', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const t = drawTeam({ seed: `s${i}`, province: 'BJ', uscc: 'U1', inspectors, lastTeam: ['I6'], size: 2 });
      if (!t.ok) throw new Error(t.reason);
      expect(t.team).toHaveLength(2);
      expect(new Set(t.team).size).toBe(2);
      for (const id of t.team) seen.add(id);
    }
    expect([...seen].sort()).toEqual(['I1', 'I4', 'I5']);
    expect(drawTeam({ seed: 'x', province: 'BJ', uscc: 'U1', inspectors, lastTeam: ['I6'], size: 2 })).toEqual(
      drawTeam({ seed: 'x', province: 'BJ', uscc: 'U1', inspectors: [...inspectors].reverse(), lastTeam: ['I6'], size: 2 }),
    );
  });

  it('R11: a draw that cannot be staffed says why and invents no team', () => {
    const t = drawTeam({ seed: 's', province: 'BJ', uscc: 'U1', inspectors, lastTeam: ['I4', 'I5', 'I6'], size: 2 });
    expect(t).toEqual({ ok: false, eligible: ['I1'], reason: expect.stringMatching(/1 eligible inspector\(s\) for U1, 2 needed .*1 suspended, 1 conflicted, 3 on the last/) });
  });
});
