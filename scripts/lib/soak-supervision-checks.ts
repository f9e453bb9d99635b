/**
 * After the soak: what each supervision path (soak-supervision.ts) left in PostgreSQL, Temporal
 * and at the e-CQS peer, against what it expects: nothing lost, nothing recorded twice.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { riskSignalStreamOf } from '../../db/risk-signals';
import { riskSignalIntakeWorkflowId } from '../../domain/supervision/campaign';
import { flightWorkflowId } from '../../domain/supervision/flight';
import { riskReportWorkflowId } from '../../domain/supervision/risk-report';
import { spotCheckWorkflowId, spotRoundWorkflowId } from '../../domain/supervision/spot-check';
import { SOAK_PROVINCE, type SupervisionExpected } from './soak-supervision';

export interface SupervisionCounts {
  spotChecks: number;
  publicity: number;
  testedSamples: number;
  riskReports: number;
  flights: number;
  riskSignals: number;
}

type Violation = (check: string, detail: string) => void;

const SPOT_STEPS = ['spot-check-sampled', 'spot-check-laboratory-assigned', 'spot-check-result-recorded', 'spot-check-closed'];
const RETEST_STEPS = ['spot-check-failure-notified', 'spot-check-objection', 'spot-check-retest-laboratory-assigned', 'spot-check-retested'];

export async function checkSupervision(pool: Pool, client: Client, all: SupervisionExpected[], peer: Map<string, number>, v: Violation): Promise<SupervisionCounts> {
  const q = async <T extends object>(sql: string, args: unknown[]): Promise<T[]> => (await pool.query<T & Record<string, unknown>>(sql, args)).rows;
  const completed = async (what: string, workflowId: string) => {
    const status = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => d.status.name as string)
      .catch(() => 'NOT FOUND');
    if (status !== 'COMPLETED') v('supervision end state', `${what}: workflow ${workflowId} ${status}, expected COMPLETED`);
  };
  /** Audit rows (audit_events, no application id) by action, for the rows whose details name `field` = `value`. */
  const auditOf = async (field: string, value: string) =>
    new Map(
      (await q<{ action: string; n: number }>(`SELECT action, count(*)::int AS n FROM audit_events WHERE application_id IS NULL AND details->>'${field}' = $1 GROUP BY 1`, [value])).map((r) => [r.action, r.n]),
    );
  const exactlyOnce = (what: string, audit: Map<string, number>, actions: string[]) => {
    for (const a of actions) if (audit.get(a) !== 1) v('supervision audit', `${what}: '${a}' recorded ${audit.get(a) ?? 0} times, expected once`);
    for (const [a, n] of audit) if (!actions.includes(a)) v('supervision audit', `${what}: unexpected '${a}' (${n})`);
  };
  const registered = async (register: string, id: string, added: string) => {
    const rows = await q<{ n: number }>('SELECT count(*)::int AS n FROM register_changes WHERE register = $1 AND subject_id = $2 AND action = $3', [register, id, added]);
    if (rows[0]!.n !== 1) v('supervision registers', `${register} ${id}: '${added}' recorded ${rows[0]!.n} times, expected once`);
  };
  const counts: SupervisionCounts = { spotChecks: 0, publicity: 0, testedSamples: 0, riskReports: 0, flights: 0, riskSignals: 0 };

  for (const e of all) {
    if (e.kind === 'spot-check') {
      // R15: closed pass, published once, one tested sample, no order, every step once.
      const what = `spot check ${e.spotCheckId}${e.retest ? ' (re-test)' : ''}`;
      counts.spotChecks++;
      for (const lab of e.labs) await registered('laboratories', lab, 'laboratory-added');
      const [row] = await q<{ stage: string; result: string | null; final_result: string | null; laboratory_id: string | null; retest_laboratory_id: string | null; retest_result: string | null; objected_at: Date | null; order_at: Date | null }>(
        'SELECT stage, result, final_result, laboratory_id, retest_laboratory_id, retest_result, objected_at, order_at FROM spot_checks WHERE id = $1',
        [e.spotCheckId],
      );
      const want = e.retest
        ? { stage: 'closed', result: 'fail', final_result: 'pass', laboratory_id: e.labs[0], retest_laboratory_id: e.labs[1], retest_result: 'pass', objected: true, ordered: false }
        : { stage: 'closed', result: 'pass', final_result: 'pass', laboratory_id: e.labs[0], retest_laboratory_id: null, retest_result: null, objected: false, ordered: false };
      const got = row && { stage: row.stage, result: row.result, final_result: row.final_result, laboratory_id: row.laboratory_id, retest_laboratory_id: row.retest_laboratory_id, retest_result: row.retest_result, objected: row.objected_at !== null, ordered: row.order_at !== null };
      if (JSON.stringify(got) !== JSON.stringify(want)) v('supervision end state', `${what}: ${JSON.stringify(got ?? 'no row')}, expected ${JSON.stringify(want)}`);
      const pub = await q<{ record_key: string; ground: string }>("SELECT record_key, ground FROM credit_publicity WHERE uscc = $1 AND kind = 'spot-check-result'", [e.uscc]);
      counts.publicity += pub.length;
      if (pub.length !== 1 || pub[0]!.record_key !== `spot-check-result|${e.spotCheckId}` || pub[0]!.ground !== 'pass') v('spot-check publicity', `${what}: ${JSON.stringify(pub)}, expected one 'pass' record`);
      const samples = await q<{ sample_key: string; failed: boolean }>('SELECT sample_key, failed FROM tested_samples WHERE uscc = $1', [e.uscc]);
      counts.testedSamples += samples.length;
      if (samples.length !== 1 || samples[0]!.sample_key !== `spot-check|${e.spotCheckId}` || samples[0]!.failed) v('spot-check tested samples', `${what}: ${JSON.stringify(samples)}, expected one passed sample`);
      const facts = await q<{ kind: string }>('SELECT kind FROM supervision_facts WHERE uscc = $1', [e.uscc]);
      if (facts.length) v('spot-check facts', `${what}: R17 facts ${facts.map((f) => f.kind).join(', ')}, expected none for a pass`);
      exactlyOnce(what, await auditOf('spotCheckId', e.spotCheckId), e.retest ? [...SPOT_STEPS, ...RETEST_STEPS] : SPOT_STEPS);
      await completed(what, spotCheckWorkflowId(e.spotCheckId));
      await completed(what, spotRoundWorkflowId(e.roundId));
    } else if (e.kind === 'risk-report') {
      // R18: one submission, decided once; R13: one flight from it, passed by its drawn team.
      const what = `risk report ${e.ref} (${e.status})`;
      await registered('reporters', e.reporterId, 'reporter-added');
      const reports = await q<{ ref: string; status: string; decided_by: string | null; flight_id: string | null }>('SELECT ref, status, decided_by, flight_id FROM risk_reports WHERE reporter_id = $1', [e.reporterId]);
      counts.riskReports += reports.length;
      const want = [{ ref: e.ref, status: e.status, decided_by: 'soak-supervisor', flight_id: e.flightId ?? null }];
      if (JSON.stringify(reports) !== JSON.stringify(want)) v('risk reports', `${e.reporterId}: ${JSON.stringify(reports)}, expected ${JSON.stringify(want)}`);
      exactlyOnce(what, await auditOf('ref', e.ref), ['risk-report-triaged']);
      await completed(what, riskReportWorkflowId(e.ref));
      const flights = await q<{ id: string; outcome: string | null; team: string[] | null; result_by: string | null }>('SELECT id, outcome, team, result_by FROM flight_inspections WHERE lead_ref = $1', [e.ref]);
      counts.flights += flights.length;
      if (!e.flightId) {
        if (flights.length) v('flight inspections', `${what}: ${flights.length} flight(s) from a dismissed report`);
        continue;
      }
      const f = flights[0];
      if (flights.length !== 1 || f!.id !== e.flightId || f!.outcome !== 'pass' || f!.team?.length !== 2 || !f!.team.includes(e.recordedBy!) || f!.result_by !== e.recordedBy) {
        v('flight inspections', `${what}: ${JSON.stringify(flights)}, expected one flight ${e.flightId} passed by ${e.recordedBy} of a team of 2`);
      }
      exactlyOnce(`flight ${e.flightId}`, await auditOf('flightId', e.flightId), ['risk-report-triaged', 'flight-result-recorded']);
      await completed(`flight ${e.flightId}`, flightWorkflowId(e.flightId));
      const facts = await q<{ kind: string }>('SELECT kind FROM supervision_facts WHERE uscc = $1', [e.uscc]);
      if (facts.length) v('flight facts', `${what}: R17 facts ${facts.map((x) => x.kind).join(', ')}, expected none for a pass`);
    } else {
      // R14: one signal, one e-CQS record, acknowledged once and received by the peer.
      const what = `risk signal ${e.signalKey}`;
      const signals = await q<{ signal_key: string; kind: string }>('SELECT signal_key, kind FROM risk_signals WHERE uscc = $1', [e.uscc]);
      counts.riskSignals += signals.length;
      if (signals.length !== 1 || signals[0]!.signal_key !== e.signalKey) v('risk signals', `${e.uscc}: ${JSON.stringify(signals)}, expected the one signal ${e.signalKey}`);
      const records = await q<{ record_id: string; acked: boolean; ack_count: number }>(
        'SELECT record_id, acked_at IS NOT NULL AS acked, ack_count FROM ecqs_outbox WHERE event_key = $1',
        [`risk-signal|${e.signalKey}`],
      );
      if (records.length !== 1) v('risk-signal e-CQS', `${what}: ${records.length} e-CQS records, expected 1`);
      for (const r of records) {
        if (!r.acked || r.ack_count !== 1) v('risk-signal e-CQS', `${what}: acked=${r.acked}, ack_count=${r.ack_count}`);
        if (!peer.get(r.record_id)) v('risk-signal e-CQS', `${what}: never reached e-CQS`);
      }
      await completed(what, riskSignalIntakeWorkflowId(e.signalKey));
    }
  }

  // The province's risk-signal stream: sequence 1..n without a gap.
  const seqs = (await q<{ seq: number }>('SELECT seq FROM ecqs_outbox WHERE case_id = $1 ORDER BY seq', [riskSignalStreamOf(SOAK_PROVINCE)])).map((r) => Number(r.seq));
  seqs.forEach((s, i) => {
    if (s !== i + 1) v('risk-signal e-CQS', `stream ${riskSignalStreamOf(SOAK_PROVINCE)}: record ${i + 1} has sequence ${s}`);
  });
  return counts;
}
