/**
 * Benchmark (not a test): e-CQS outbox → sender → loopback peer, records/second delivered,
 * beside a bare baseline: the same records POSTed straight to the same peer at the same
 * concurrency, with no outbox, no ordering and no acknowledgement writes.
 * Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres); uses a
 * throw-away database.
 *   npx tsx bench/ecqs.ts [records=5000] [cases=500] [senders=2] [concurrency=16] [--smoke]
 */
import { performance } from 'node:perf_hooks';
import { inTransaction } from '../db/tx';
import { EcqsSender } from '../workers/ecqs-sender';
import { enqueueEcqs, type EcqsEnqueue } from '../db/ecqs-outbox';
import { createTestDatabase } from '../test/helpers/db';
import { USCC } from '../test/helpers/fixtures';
import { startEcqsPeer } from '../test/integration/ecqs-peer';

const SMOKE = process.argv.includes('--smoke');
const [records = SMOKE ? 300 : 5000, cases = SMOKE ? 30 : 500, senders = 2, concurrency = 16] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'))
  .map(Number);
const EVENTS = ['accepted', 'approved', 'certificate-issued'] as const;

function record(caseNo: number, k: number): EcqsEnqueue {
  const caseId = `BENCH-${String(caseNo).padStart(6, '0')}`;
  const event = EVENTS[k % EVENTS.length]!;
  const occurredAt = new Date(Date.UTC(2026, 0, 5) + k * 1000).toISOString();
  const base = { eventKey: `${caseId}:${event}:${k}`, caseId, occurredAt, province: 'BJ', enterprise: { uscc: USCC, name: '示范水泥有限公司' }, product: 'cement' } as const;
  if (event === 'accepted') return { ...base, event, acceptedAt: occurredAt };
  if (event === 'approved') return { ...base, event, decidedAt: occurredAt };
  return { ...base, event, certificate: { number: `(京)XK08-001-${String(k).padStart(5, '0')}` } };
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const peer = await startEcqsPeer();
  try {
    const perCase = Math.ceil(records! / cases!);
    let t0 = performance.now();
    for (let k = 0; k < perCase; k++) {
      await Promise.all(
        Array.from({ length: cases! }, (_, i) => (k * cases! + i < records! ? inTransaction(db.pool, (c) => enqueueEcqs(c, record(i, k))) : undefined)),
      );
    }
    const enqueueMs = performance.now() - t0;
    console.log(`enqueue: ${records} records (${cases} cases) in ${enqueueMs.toFixed(0)} ms → ${Math.round((records! / enqueueMs) * 1000)} records/sec (one transaction each)`);

    const running = Array.from({ length: senders! }, (_, i) => new EcqsSender({ pool: db.pool, url: peer.url, senderId: `bench-${i}`, concurrency, batchSize: 200, idleMs: 5 }));
    t0 = performance.now();
    running.forEach((s) => s.start());
    while (peer.accepted.length < records!) await new Promise((r) => setTimeout(r, 5));
    const ms = performance.now() - t0;
    await Promise.all(running.map((s) => s.stop()));
    const acked = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ecqs_outbox WHERE acked_at IS NOT NULL');
    console.log(
      `deliver: ${records} records in ${ms.toFixed(0)} ms → ${Math.round((records! / ms) * 1000)} records/sec ` +
        `(${senders} senders × ${concurrency} concurrent; acked ${acked.rows[0]!.n}; duplicates ${peer.duplicates}; order violations ${peer.orderViolations.length})`,
    );

    // Baseline: the same number of POSTs to a fresh peer, straight from memory, same total concurrency.
    const barePeer = await startEcqsPeer();
    try {
      const bodies = Array.from({ length: records! }, (_, k) => ({ schemaVersion: '1.0', recordId: `bare-${k}`, sequence: Math.floor(k / cases!) + 1, ...record(k % cases!, Math.floor(k / cases!)) }));
      let next = 0;
      t0 = performance.now();
      await Promise.all(
        Array.from({ length: senders! * concurrency! }, async () => {
          while (next < bodies.length) {
            const b = bodies[next++]!;
            const res = await fetch(barePeer.url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': b.recordId }, body: JSON.stringify(b) });
            await res.arrayBuffer();
          }
        }),
      );
      const bareMs = performance.now() - t0;
      const ours = (records! / ms) * 1000;
      const bare = (records! / bareMs) * 1000;
      console.log(`e-CQS delivery: ${Math.round(ours)} records/s vs baseline ${Math.round(bare)} records/s (bare POSTs) → ratio ${(ours / bare).toFixed(2)}`);
    } finally {
      await barePeer.close();
    }
  } finally {
    await peer.close();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
