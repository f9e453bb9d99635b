/**
 * R14: recording a quality-risk signal. One activity for every source (spot checks, risk
 * information, flight inspections, signals received from SAMR or another province): the signal,
 * and when it names a licensee of the province a `risk-information` fact (R17), are written in
 * one transaction, keyed so a retry records nothing twice; then the enterprise's grade is
 * recomputed at once. A local signal's e-CQS record (type `risk-signal`) is written in the same
 * transaction (db/risk-signals.ts enqueueRiskSignalRecord); campaign thresholds (R16) count the same table.
 */
import type { Pool } from 'pg';
import { insertSupervisionFact } from '../../db/risk-grades';
import { enqueueRiskSignalRecord, insertRiskSignal } from '../../db/risk-signals';
import { inTransaction } from '../../db/tx';
import type { NewRiskSignal, RiskSignal } from '../../domain/supervision/risk-signal';
import { shanghaiDate } from '../../domain/time';
import { type GradeChange, recomputeGrade } from './risk-grades';

export async function recordSignal(pool: Pool, s: NewRiskSignal): Promise<{ signal: RiskSignal; inserted: boolean; grade?: GradeChange }> {
  const stored = await inTransaction(pool, async (c) => {
    const r = await insertRiskSignal(c, s);
    // R14: a local signal is sent to SAMR (e-CQS record `risk-signal`), written with the signal.
    await enqueueRiskSignalRecord(c, r.signal);
    if (s.uscc && !s.gradedByCaller) {
      await insertSupervisionFact(c, {
        factKey: `risk-signal|${s.signalKey}`,
        uscc: s.uscc,
        province: s.province,
        kind: 'risk-information',
        on: s.occurredOn,
        ref: `risk signal ${r.signal.id} (${s.kind}, ${s.source})`,
        details: { signalKey: s.signalKey, product: s.product, origin: s.origin },
      });
    }
    return r;
  });
  if (!s.uscc) return stored;
  // The grade now, with the new fact: not as of the day it occurred, which may be before any risk
  // policy (the activity failed for good and the request hung) and would store an old view as
  // current. A signal dated after today (a workflow whose clock runs ahead of this process's, as in
  // time-skipping tests) is graded as of its own day, or its fact would not count yet.
  const today = shanghaiDate(Date.now());
  const asOf = s.occurredOn > today ? s.occurredOn : today;
  return { ...stored, grade: await recomputeGrade(pool, s.uscc, s.province, asOf, `risk signal: ${s.source}`) };
}

export function createRiskSignalActivities(pool: Pool) {
  return {
    /** R14 (and R17): records a signal once per key and recomputes the named enterprise's grade. */
    async recordRiskSignal(input: NewRiskSignal): Promise<{ signal: RiskSignal; inserted: boolean; grade?: GradeChange }> {
      return recordSignal(pool, input);
    },
  };
}

export type RiskSignalActivities = ReturnType<typeof createRiskSignalActivities>;
