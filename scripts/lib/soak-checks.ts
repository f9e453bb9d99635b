/**
 * After the soak: what the database, Temporal and the e-CQS peer hold, against what each case's
 * script expected. Every check counts its violations; the soak fails on any.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { followUpWorkflowId } from '../../domain/workflow-ids';
import type { Expected } from './soak-scenarios';
import { checkSupervision, type SupervisionCounts } from './soak-supervision-checks';

export interface SoakCounts {
  cases: number;
  byOutcome: Record<string, number>;
  certificates: number;
  ecqsRecords: number;
  ecqsDuplicatesAtPeer: number;
  auditRows: number;
  /** The supervision paths run on issued licences (R13, R14, R15, R18). */
  supervision: SupervisionCounts;
  violations: { check: string; detail: string }[];
}

const ONCE = ['received', 'accepted', 'routed', 'approved', 'refused', 'rejected-at-intake', 'supplement-requested', 'supplemented', 'clock-paused', 'clock-resumed', 'on-site-verification'];

export async function checkSoak(pool: Pool, client: Client, expected: Expected[], peer: Map<string, number>): Promise<SoakCounts> {
  const ids = expected.map((e) => e.id);
  const violations: SoakCounts['violations'] = [];
  const v = (check: string, detail: string) => violations.push({ check, detail });

  // 1. Every case reached the state its script expects, in the database and in its workflow.
  const stages = new Map((await pool.query<{ id: string; stage: string }>('SELECT id, stage FROM applications WHERE id = ANY($1)', [ids])).rows.map((r) => [r.id, r.stage]));
  for (const e of expected) {
    if (stages.get(e.id) !== e.stage) v('end state', `${e.id} (${e.scenario}): database says ${stages.get(e.id) ?? 'nothing'}, expected ${e.stage}`);
    const desc = await client.workflow.getHandle(e.id).describe();
    if (desc.status.name !== 'COMPLETED') v('end state', `${e.id}: workflow ${desc.status.name}, expected COMPLETED`);
    if (e.followUp === 'closed') {
      const f = await client.workflow.getHandle(followUpWorkflowId(e.id)).describe();
      if (f.status.name !== 'COMPLETED') v('end state', `${e.id}: follow-up ${f.status.name}, expected COMPLETED (closed)`);
    }
  }

  // 2. Exactly one certificate per approved case, none for the others.
  const certs = new Map((await pool.query<{ application_id: string; n: number }>('SELECT application_id, count(*)::int AS n FROM certificates WHERE application_id = ANY($1) GROUP BY 1', [ids])).rows.map((r) => [r.application_id, r.n]));
  for (const e of expected) {
    const want = e.stage === 'issued' ? 1 : 0;
    if ((certs.get(e.id) ?? 0) !== want) v('certificates', `${e.id}: ${certs.get(e.id) ?? 0} certificate(s), expected ${want}`);
  }

  // 3. e-CQS: each case's records are exactly the expected events, sequence 1..n without a gap,
  // each acknowledged once and received by the peer.
  const rows = (
    await pool.query<{ case_id: string; seq: number; event: string; record_id: string; acked: boolean; ack_count: number }>(
      'SELECT case_id, seq, event, record_id, acked_at IS NOT NULL AS acked, ack_count FROM ecqs_outbox WHERE case_id = ANY($1) ORDER BY case_id, seq',
      [ids],
    )
  ).rows;
  const byCase = new Map<string, typeof rows>();
  for (const r of rows) byCase.set(r.case_id, [...(byCase.get(r.case_id) ?? []), r]);
  let duplicatesAtPeer = 0;
  for (const e of expected) {
    const got = byCase.get(e.id) ?? [];
    if (got.map((r) => r.event).join(',') !== e.ecqs.join(',')) v('e-CQS records', `${e.id}: [${got.map((r) => r.event).join(', ')}], expected [${e.ecqs.join(', ')}]`);
    got.forEach((r, i) => {
      if (r.seq !== i + 1) v('e-CQS sequence', `${e.id}: record ${i + 1} has sequence ${r.seq}`);
      if (!r.acked || r.ack_count !== 1) v('e-CQS delivery', `${e.id} #${r.seq} ${r.event}: acked=${r.acked}, ack_count=${r.ack_count}`);
      const received = peer.get(r.record_id) ?? 0;
      if (received === 0) v('e-CQS delivery', `${e.id} #${r.seq} ${r.event}: never reached e-CQS`);
      duplicatesAtPeer += Math.max(0, received - 1);
    });
  }

  // 4. Every audit row once: no step recorded twice, and each case's receipt and decision present.
  const twice = (
    await pool.query<{ application_id: string; action: string; n: number }>(
      'SELECT application_id, action, count(*)::int AS n FROM audit_events WHERE application_id = ANY($1) AND action = ANY($2) GROUP BY 1, 2 HAVING count(*) > 1',
      [ids, ONCE],
    )
  ).rows;
  for (const r of twice) v('audit', `${r.application_id}: '${r.action}' recorded ${r.n} times`);
  const present = new Set(
    (await pool.query<{ k: string }>("SELECT application_id || '/' || action AS k FROM audit_events WHERE application_id = ANY($1)", [ids])).rows.map((r) => r.k),
  );
  for (const e of expected) {
    const decision = e.stage === 'issued' ? 'approved' : e.stage;
    for (const action of ['received', decision]) if (!present.has(`${e.id}/${action}`)) v('audit', `${e.id}: no '${action}' row`);
  }
  const auditRows = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events WHERE application_id = ANY($1)', [ids])).rows[0]!.n;

  // 5. The supervision paths: each left exactly what it expects (soak-supervision-checks.ts).
  const supervision = await checkSupervision(pool, client, expected.flatMap((e) => (e.supervision ? [e.supervision] : [])), peer, v);

  // 6. Nothing stuck: no workflow holds a step for ops, no case workflow is still running.
  for await (const w of client.workflow.list({ query: 'ExecutionStatus = "Running" AND LpWaitingOn = "ops"' })) v('stuck', `${w.workflowId} waits on ops`);

  const byOutcome: Record<string, number> = {};
  for (const e of expected) byOutcome[e.scenario] = (byOutcome[e.scenario] ?? 0) + 1;
  return { cases: expected.length, byOutcome, certificates: [...certs.values()].reduce((a, b) => a + b, 0), ecqsRecords: rows.length, ecqsDuplicatesAtPeer: duplicatesAtPeer, auditRows, supervision, violations };
}
