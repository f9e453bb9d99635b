/**
 * R11: the double-random draw. Inspectees are drawn per risk grade at that grade's rate (R17),
 * then a team per inspectee from the inspector register. Pure and seeded (the same PRNG and
 * Fisher–Yates as SAMR's draw, domain/samr/sampling.ts), so a stored draw can be re-run to the
 * same answer from its seed, population and rates.
 */
import { drawSample, sampleSize } from '../samr/sampling';
import { type RiskGrade, RISK_GRADES } from './risk-policy';

export const BATCH_DRAW_ALGORITHM = 'per-grade-sfc32-fisher-yates-v1';

export interface GradedInspectee {
  uscc: string;
  grade: RiskGrade;
}

export interface InspecteeDrawInput {
  seed: string;
  province: string;
  population: readonly GradedInspectee[];
  rates: Record<RiskGrade, number>;
  /** R11: D enterprises not yet inspected this year, included whatever the draw says (last batch of the year). */
  mustInclude?: readonly string[];
}

export interface InspecteeDraw {
  algorithm: string;
  /** In draw order within each grade, A first; forced inclusions last. */
  selected: GradedInspectee[];
  byGrade: Record<RiskGrade, { population: number; drawn: number; rate: number }>;
  /** USCCs included only because a D enterprise is due its yearly inspection. */
  forced: string[];
}

/** R11: which enterprises a batch inspects. Each grade is drawn separately, ⌈n × rate⌉ of its n. */
export function drawInspectees(input: InspecteeDrawInput): InspecteeDraw {
  const seen = new Set<string>();
  const selected: GradedInspectee[] = [];
  const byGrade = {} as InspecteeDraw['byGrade'];
  const gradeOf = new Map(input.population.map((p) => [p.uscc, p.grade]));
  for (const grade of RISK_GRADES) {
    const ids = input.population.filter((p) => p.grade === grade).map((p) => p.uscc);
    const rate = input.rates[grade];
    const size = sampleSize(new Set(ids).size, { rate, minPerProvince: 0 });
    const drawn = drawSample({ seed: `${input.seed}|${grade}`, province: input.province, population: ids, size });
    for (const uscc of drawn) {
      seen.add(uscc);
      selected.push({ uscc, grade });
    }
    byGrade[grade] = { population: new Set(ids).size, drawn: drawn.length, rate };
  }
  const forced: string[] = [];
  for (const uscc of [...new Set(input.mustInclude ?? [])].sort()) {
    const grade = gradeOf.get(uscc);
    if (!grade || seen.has(uscc)) continue;
    seen.add(uscc);
    forced.push(uscc);
    selected.push({ uscc, grade });
  }
  return { algorithm: BATCH_DRAW_ALGORITHM, selected, byGrade, forced };
}

export interface DrawableInspector {
  id: string;
  suspended: boolean;
  /** USCCs he is conflicted with. */
  conflicts: readonly string[];
  /** R11: an enforcement officer, a certified verifier (R10) drawn beside them, or the same person in both registers. */
  register?: 'inspector' | 'verifier' | 'both';
}

export type TeamDraw = { ok: true; team: string[] } | { ok: false; eligible: string[]; reason: string };

/**
 * R11: a team of `size` for one inspectee, at random among the inspectors (enforcement officers and
 * the province's certified verifiers, one pool) who are not suspended,
 * not conflicted with it and not on its last inspection's team. Never fewer than `size`: a draw
 * that cannot be staffed says why instead of inventing a team.
 */
export function drawTeam(input: { seed: string; province: string; uscc: string; inspectors: readonly DrawableInspector[]; lastTeam: readonly string[]; size: number }): TeamDraw {
  const last = new Set(input.lastTeam);
  const eligible = input.inspectors.filter((i) => !i.suspended && !i.conflicts.includes(input.uscc) && !last.has(i.id)).map((i) => i.id);
  if (eligible.length < input.size) {
    const suspended = input.inspectors.filter((i) => i.suspended).length;
    const conflicted = input.inspectors.filter((i) => !i.suspended && i.conflicts.includes(input.uscc)).length;
    return {
      ok: false,
      eligible: [...eligible].sort(),
      reason:
        `${eligible.length} eligible inspector(s) for ${input.uscc}, ${input.size} needed ` +
        `(${input.inspectors.length} registered: ${suspended} suspended, ${conflicted} conflicted, ${input.lastTeam.length} on the last inspection's team)`,
    };
  }
  return { ok: true, team: drawSample({ seed: `${input.seed}|team|${input.uscc}`, province: input.province, population: eligible, size: input.size }) };
}
