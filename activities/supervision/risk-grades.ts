/**
 * R17: computing and storing risk grades. A grade is recomputed whenever a fact is recorded
 * through `recordSupervisionFact` and nightly for the whole province (`recomputeProvinceGrades`);
 * a changed grade is audited with its reasons.
 */
import type { Pool } from 'pg';
import { computeRiskGrade, type RiskGradeResult } from '../../domain/supervision/risk-grade';
import { riskPolicyInForce } from '../../domain/supervision/risk-policy';
import { findRiskGrade, gatherRiskFacts, inspecteesOf, insertSupervisionFact, type NewSupervisionFact, storeRiskGrade } from '../../db/risk-grades';
import { appendSupervisionAudit } from '../../db/supervision-audit';
import { inTransaction } from '../../db/tx';

export interface GradeChange {
  uscc: string;
  province: string;
  previous?: string;
  grade: RiskGradeResult;
}

/** Gathers, computes and stores one enterprise's grade, in one transaction. */
export async function recomputeGrade(pool: Pool, uscc: string, province: string, asOf: string, cause: string): Promise<GradeChange> {
  return inTransaction(pool, async (c) => {
    // One recomputation per enterprise at a time: two facts recorded together must not store the older view last.
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`risk-grade|${province}|${uscc}`]);
    const previous = await findRiskGrade(c, uscc, province);
    const grade = computeRiskGrade(await gatherRiskFacts(c, uscc, province, asOf), riskPolicyInForce(asOf));
    await storeRiskGrade(c, uscc, province, grade);
    if (previous?.grade !== grade.grade) {
      await appendSupervisionAudit(c, {
        eventKey: `risk-grade|${province}|${uscc}|${asOf}|${cause}|${grade.grade}`,
        action: 'risk-grade-changed',
        reason: cause,
        details: { uscc, province, from: previous?.grade ?? null, to: grade.grade, reasons: grade.reasons },
        occurredAt: new Date().toISOString(),
      });
    }
    return { uscc, province, previous: previous?.grade, grade };
  });
}

/**
 * R17: a revocation or a ban was just written: the enterprise's grade is recomputed at once rather
 * than at the nightly pass. `provinces` are those whose grade counts the fact (a revocation and its
 * ban: the certificate's province); absent, every province where the enterprise holds a licence or
 * has a grade (a ban with no certificate behind it counts everywhere). Idempotent, like recomputeGrade.
 */
export async function recomputeGradesAfter(pool: Pool, uscc: string, asOf: string, cause: string, provinces?: readonly string[]): Promise<GradeChange[]> {
  const where =
    provinces ??
    (
      await pool.query<{ province: string }>(
        'SELECT province FROM certificates WHERE uscc = $1 UNION SELECT province FROM risk_grades WHERE uscc = $1 ORDER BY province',
        [uscc],
      )
    ).rows.map((r) => r.province);
  const out: GradeChange[] = [];
  for (const province of where) out.push(await recomputeGrade(pool, uscc, province, asOf, cause));
  return out;
}

export function createRiskGradeActivities(pool: Pool) {
  return {
    /** R17: one enterprise's grade, recomputed now from what is on record. */
    async recomputeRiskGrade(input: { uscc: string; province: string; asOf: string; cause: string }): Promise<GradeChange> {
      return recomputeGrade(pool, input.uscc, input.province, input.asOf, input.cause);
    },

    /** R17: records a fact (keyed, so a retry records it once) and recomputes the enterprise's grade. */
    async recordSupervisionFact(input: NewSupervisionFact & { asOf: string }): Promise<GradeChange> {
      await insertSupervisionFact(pool, input);
      return recomputeGrade(pool, input.uscc, input.province, input.asOf, `${input.kind}: ${input.ref}`);
    },

    /**
     * R17: the nightly pass over the licensees of a province, `limit` enterprises after `after`
     * (USCC order) at a time so each call stays short; `last` is where the next page starts, null when done.
     */
    async recomputeProvinceGrades(input: { province: string; asOf: string; after?: string; limit?: number }): Promise<{ graded: number; changed: number; last: string | null }> {
      const all = await inspecteesOf(pool, input.province, input.asOf);
      const rest = input.after === undefined ? all : all.filter((u) => u > input.after!);
      const page = input.limit === undefined ? rest : rest.slice(0, input.limit);
      let changed = 0;
      for (const uscc of page) {
        const r = await recomputeGrade(pool, uscc, input.province, input.asOf, 'nightly recomputation');
        if (r.previous !== r.grade.grade) changed++;
      }
      return { graded: page.length, changed, last: page.length < rest.length ? page.at(-1)! : null };
    },
  };
}

export type RiskGradeActivities = ReturnType<typeof createRiskGradeActivities>;
