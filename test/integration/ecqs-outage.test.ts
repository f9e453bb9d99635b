/**
 * R-b: an e-CQS outage with cases flowing, on real PostgreSQL and a real loopback peer: e-CQS
 * refuses connections, then hangs, then answers 500, then recovers. Nothing is lost, each case's
 * order holds, the backlog drains, and /metrics shows the outage while it lasts (the metrics the
 * alert rules in deploy/prometheus/alerts.yml watch).
 *
 * The outage is compressed into seconds: the sender's behaviour depends on its backoff cap, not
 * on how long the outage lasts (an hour with the production cap of 300 s means a first delivery at
 * most 300 s after recovery); docs/reliability.md gives the figures.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderMetrics } from '../../api/metrics';
import { ecqsBacklog, enqueueEcqs } from '../../db/ecqs-outbox';
import { inTransaction } from '../../db/tx';
import { EcqsSender } from '../../workers/ecqs-sender';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { USCC } from '../helpers/fixtures';
import { createDevServerEnv } from '../helpers/temporal';
import { startEcqsPeer } from './ecqs-peer';

let db: TestDatabase;
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  [db, env] = await Promise.all([createTestDatabase(), createDevServerEnv()]);
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EVENTS = ['accepted', 'approved', 'certificate-issued'] as const;

function record(caseId: string, k: number) {
  const event = EVENTS[k % EVENTS.length]!;
  const occurredAt = new Date(Date.UTC(2026, 0, 5, 2, 0, k)).toISOString();
  const base = { eventKey: `${caseId}:${event}:${k}`, caseId, occurredAt, province: 'BJ', enterprise: { uscc: USCC, name: '示范水泥有限公司' }, product: 'cement' };
  if (event === 'accepted') return { ...base, event, acceptedAt: occurredAt };
  if (event === 'approved') return { ...base, event, decidedAt: occurredAt, withinDeadline: true };
  return { ...base, event, certificate: { number: `(京)XK08-001-${String(k).padStart(5, '0')}` } };
}

/** A gauge's value in Prometheus text output. */
const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

it('R-b: e-CQS refusing, hanging, failing, then back, with cases flowing: nothing lost, order kept, backlog drained, the outage visible on /metrics', async () => {
  // Refused: nothing listens on e-CQS's address.
  const probe = await startEcqsPeer();
  const port = Number(new URL(probe.url).port);
  await probe.close();
  const sender = new EcqsSender({
    pool: db.pool,
    url: probe.url,
    requestTimeoutMs: 300,
    idleMs: 20,
    concurrency: 8,
    backoff: { initialMs: 50, factor: 2, maxMs: 400, jitter: 0.2 },
  });
  sender.start();

  // Cases keep flowing through the whole outage: 30 cases, 3 records each, a round every 500 ms.
  const CASES = 30;
  const flowing = (async () => {
    for (let k = 0; k < EVENTS.length * 2; k++) {
      await Promise.all(Array.from({ length: CASES }, (_, i) => inTransaction(db.pool, (c) => enqueueEcqs(c, record(`OUT-${String(i).padStart(3, '0')}`, k) as never))));
      await sleep(500);
    }
  })();
  const samples: { phase: string; depth: number; oldest: number }[] = [];
  const sample = async (phase: string) => {
    const text = await renderMetrics({ pool: db.pool, client: env.client });
    samples.push({ phase, depth: gauge(text, 'lp_ecqs_outbox_depth'), oldest: gauge(text, 'lp_ecqs_oldest_unacked_seconds') });
    return text;
  };

  try {
    await sleep(1200);
    await sample('refused');
    const peer = await startEcqsPeer({ port, mode: 'hang' });
    try {
      await sleep(1200);
      await sample('hanging');
      peer.mode = { status: 500 };
      await sleep(1200);
      const during = await sample('failing');
      expect(peer.accepted).toHaveLength(0);

      // The alert rules watch metrics that /metrics serves.
      const rules = parse(readFileSync(path.join(__dirname, '..', '..', 'deploy', 'prometheus', 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
      const served = new Set([...during.matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]));
      for (const rule of rules.groups.flatMap((g) => g.rules)) {
        for (const metric of rule.expr.match(/\blp_\w+/g) ?? []) expect(served, `${rule.alert} watches ${metric}`).toContain(metric);
      }

      peer.mode = 'ok';
      const recoveredAt = Date.now();
      await flowing;
      const total = CASES * EVENTS.length * 2;
      for (const until = Date.now() + 60_000; Date.now() < until; await sleep(50)) {
        const b = await ecqsBacklog(db.pool);
        if (b.pending === 0 && b.parked === 0) break;
      }
      const drainedMs = Date.now() - recoveredAt;
      const after = await sample('recovered');

      // While it lasted the depth was never 0 and the oldest record kept ageing; afterwards both are 0.
      expect(samples.slice(0, 3).map((s) => s.depth).every((d) => d > 0)).toBe(true);
      expect(samples[2]!.oldest).toBeGreaterThan(samples[0]!.oldest);
      expect(gauge(after, 'lp_ecqs_outbox_depth')).toBe(0);
      expect(gauge(after, 'lp_ecqs_oldest_unacked_seconds')).toBe(0);

      // Nothing lost or doubled, in order per case.
      const rows = (await db.pool.query<{ record_id: string; acked: boolean; ack_count: number }>('SELECT record_id, acked_at IS NOT NULL AS acked, ack_count FROM ecqs_outbox')).rows;
      expect(rows).toHaveLength(total);
      expect(rows.every((r) => r.acked && r.ack_count === 1)).toBe(true);
      expect(peer.accepted).toHaveLength(total);
      expect(new Set(peer.accepted.map((r) => r.recordId))).toEqual(new Set(rows.map((r) => r.record_id)));
      expect(peer.orderViolations).toEqual([]);
      for (const [caseId, seqs] of peer.perCase()) expect(seqs, caseId).toEqual([1, 2, 3, 4, 5, 6]);
      const attempts = (await db.pool.query<{ n: number }>('SELECT max(attempts)::int AS n FROM ecqs_outbox')).rows[0]!.n;
      console.log(`R-b: ${total} records; outage samples ${JSON.stringify(samples)}; drained ${drainedMs} ms after recovery; most attempts for one record: ${attempts}`);
    } finally {
      await peer.close();
    }
  } finally {
    await sender.stop();
  }
});
