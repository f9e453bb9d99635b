/**
 * R15: the side of spot checks that needs the database. The round's draw (seeded, by grade, as
 * R11's, with the population graded first) or its named enterprises, stored once with a spot
 * check each; the laboratory check against the register; each step of a spot check on its row
 * and in the audit trail; the final result's publication (credit_publicity, kind
 * `spot-check-result`) with, when it fails, the R17 fact `failed-spot-check`. All keyed, so a
 * retried activity records nothing twice.
 */
import type { Pool } from 'pg';
import { findLaboratory } from '../../db/laboratories';
import { gradedPopulation } from '../../db/inspection-batches';
import { inspecteesOf, insertSupervisionFact } from '../../db/risk-grades';
import { findRound, patchSpotCheck, spotChecksOfRound, storeRoundDraw } from '../../db/spot-checks';
import { recordTestedSample } from '../../db/campaigns';
import { appendSupervisionAudit } from '../../db/supervision-audit';
import { inTransaction } from '../../db/tx';
import { drawInspectees, type GradedInspectee } from '../../domain/supervision/draw';
import { laboratoryProblem } from '../../domain/supervision/laboratories';
import { riskPolicyInForce } from '../../domain/supervision/risk-policy';
import { type SpotCheckInput, spotCheckIdOf, type SpotCheckPatch, type SpotOutcome } from '../../domain/supervision/spot-check';
import { NotFoundError } from '../failures';
import type { Role } from '../../domain/roles';
import type { ProductId } from '../../domain/policy';
import { recomputeGrade } from './risk-grades';

export const spotPublicityKeyOf = (spotCheckId: string): string => `spot-check-result|${spotCheckId}`;

export function createSpotCheckActivities(pool: Pool) {
  return {
    /** R15 (R11, R17): chooses the round's enterprises once and returns its spot checks. A repeat returns the stored ones. */
    async drawSpotRound(input: { roundId: string; asOf: string }): Promise<SpotCheckInput[]> {
      const round = await findRound(pool, input.roundId);
      if (!round) throw new NotFoundError(`spot-check round ${input.roundId} is not on record`);
      if (!round.draw) {
        const usccs = round.mode === 'named' ? [...new Set(round.named ?? [])].sort() : await inspecteesOf(pool, round.province, input.asOf, [round.product]);
        // R17 before the draw: an enterprise not yet graded is graded now, as for R11's batches.
        const first = await gradedPopulation(pool, round.province, usccs, input.asOf);
        for (const uscc of first.ungraded) await recomputeGrade(pool, uscc, round.province, input.asOf, `spot-check round ${round.id}: first grading`);
        const { graded } = await gradedPopulation(pool, round.province, usccs, input.asOf);
        const population: GradedInspectee[] = [...graded].sort((x, y) => (x.uscc < y.uscc ? -1 : 1));
        const policy = riskPolicyInForce(input.asOf);
        if (round.mode === 'named') {
          await storeRoundDraw(pool, round, { algorithm: 'named', policyId: policy.id, population, byGrade: null, selected: population }, (u) => spotCheckIdOf(round.id, u));
        } else {
          const d = drawInspectees({ seed: round.seed!, province: round.province, population, rates: round.rates ?? policy.drawRates });
          await storeRoundDraw(pool, round, { algorithm: d.algorithm, policyId: policy.id, population, byGrade: d.byGrade, selected: d.selected }, (u) => spotCheckIdOf(round.id, u));
        }
      }
      return spotChecksOfRound(pool, round.id);
    },

    /**
     * R15: may this laboratory test this enterprise's sample (the register on the day: province,
     * suspension, owned by or conflicted with the enterprise, not the first laboratory for a
     * re-test)? When it may, it is recorded on the spot check.
     */
    async assignSpotCheckLaboratory(input: {
      spotCheckId: string;
      province: string;
      uscc: string;
      laboratoryId: string;
      firstLaboratoryId?: string;
      actor: { id: string; role: Role };
      at: string;
    }): Promise<{ ok: true } | { ok: false; problem: string }> {
      const lab = await findLaboratory(pool, input.laboratoryId);
      const problem = laboratoryProblem(lab, { id: input.laboratoryId, uscc: input.uscc, province: input.province, firstLaboratoryId: input.firstLaboratoryId });
      if (problem) return { ok: false, problem };
      const retest = input.firstLaboratoryId !== undefined;
      await inTransaction(pool, async (c) => {
        await patchSpotCheck(c, input.spotCheckId, retest ? { retest_laboratory_id: input.laboratoryId, stage: 'retest' } : { laboratory_id: input.laboratoryId, stage: 'testing' });
        await appendSupervisionAudit(c, {
          eventKey: `spot-check|${input.spotCheckId}|laboratory|${retest ? 'retest' : 'first'}`,
          action: retest ? 'spot-check-retest-laboratory-assigned' : 'spot-check-laboratory-assigned',
          actor: input.actor,
          details: { spotCheckId: input.spotCheckId, laboratoryId: input.laboratoryId },
          occurredAt: input.at,
        });
      });
      return { ok: true };
    },

    /** R15: one step of a spot check on its row and in the audit trail, once per `eventKey`. */
    async recordSpotCheckStep(input: { spotCheckId: string; eventKey: string; action: string; actor?: { id: string; role: Role }; details: Record<string, unknown>; at: string; patch: SpotCheckPatch }): Promise<void> {
      await inTransaction(pool, async (c) => {
        const first = await appendSupervisionAudit(c, {
          eventKey: input.eventKey,
          action: input.action,
          ...(input.actor ? { actor: input.actor } : {}),
          details: { spotCheckId: input.spotCheckId, ...input.details },
          occurredAt: input.at,
        });
        if (first) await patchSpotCheck(c, input.spotCheckId, input.patch);
      });
    },

    /**
     * R15: the final result is published (credit_publicity, kind `spot-check-result`); a failing one
     * is also the R17 fact `failed-spot-check`. The grade is recomputed by the R14 signal that follows.
     */
    async publishSpotCheckResult(input: {
      spotCheckId: string;
      roundId: string;
      province: string;
      uscc: string;
      product: string;
      outcome: SpotOutcome;
      findings?: string;
      retested: boolean;
      decidedOn: string;
    }): Promise<{ recordKey: string }> {
      const recordKey = spotPublicityKeyOf(input.spotCheckId);
      await inTransaction(pool, async (c) => {
        const ent = await c.query<{ enterprise_name: string }>(`SELECT max(enterprise_name) AS enterprise_name FROM certificates WHERE uscc = $1 AND province = $2`, [input.uscc, input.province]);
        const what = `spot check (监督抽查) ${input.spotCheckId} of round ${input.roundId}: ${input.outcome === 'pass' ? 'passed' : 'failed'}${input.retested ? ' after a re-test (复检)' : ''}`;
        await c.query(
          `INSERT INTO credit_publicity (record_key, uscc, enterprise_name, certificate_no, product, kind, ground, rule, summary, decided_on)
           VALUES ($1, $2, $3, NULL, $4, 'spot-check-result', $5, 'R15', $6, $7) ON CONFLICT (record_key) DO NOTHING`,
          [recordKey, input.uscc, ent.rows[0]?.enterprise_name ?? input.uscc, input.product, input.outcome, `${what}${input.findings ? `: ${input.findings}` : ''}`, input.decidedOn],
        );
        await patchSpotCheck(c, input.spotCheckId, { final_result: input.outcome });
        // R16: every final result is a tested sample of the product; a failing one names the R14
        // failed-test signal the workflow records next (same key), so it is counted once.
        await recordTestedSample(c, {
          sampleKey: `spot-check|${input.spotCheckId}`,
          province: input.province,
          product: input.product as ProductId,
          uscc: input.uscc,
          testedOn: input.decidedOn,
          failed: input.outcome === 'fail',
          ...(input.outcome === 'fail' ? { signalKey: `spot-check|${input.spotCheckId}` } : {}),
          source: `spot check ${input.spotCheckId} of round ${input.roundId}`,
        });
        if (input.outcome === 'fail') {
          await insertSupervisionFact(c, {
            factKey: `spot-check|${input.spotCheckId}`,
            uscc: input.uscc,
            province: input.province,
            kind: 'failed-spot-check',
            on: input.decidedOn,
            ref: `spot check ${input.spotCheckId}`,
            details: { product: input.product, findings: input.findings ?? null, retested: input.retested },
          });
        }
      });
      return { recordKey };
    },
  };
}

export type SpotCheckActivities = ReturnType<typeof createSpotCheckActivities>;
