/**
 * P3, parked cases: open cases waiting on timers in a mix of stages (awaiting acceptance, under
 * review on the decision clock, awaiting a supplement, overdue), with the worker in its own
 * process. Figures: the worker's resident memory at 2,000 and at 10,000 parked cases (target:
 * flat within 10 % and under 512 MB: the worker must not hold every open case in memory), and
 * the overdue list (GET /applications?overdue=true) p95 at 10,000 (target < 300 ms), beside the
 * bare visibility query it is built on.
 *   npx tsx bench/p3-parked.ts [--first=2000] [--total=10000] [--concurrency=20] [--legacy-worker] [--smoke]
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createApp } from '../api/app';
import { mintToken } from '../api/auth';
import { sendUpdate } from '../api/updates';
import { acceptUpdate, type LicenceApplicationInput, requestSupplementUpdate, statusQuery } from '../domain/approval/messages';
import { SA } from '../domain/search-attributes';
import { CASE_WORKFLOW_TYPE } from '../domain/workflow-ids';
import { createTestDatabase } from '../test/helpers/db';
import { makeApplication, staff } from '../test/helpers/fixtures';
import { createDevServerEnv } from '../test/helpers/temporal';
import { arg, fmt, machine, pastIntake, pool, runBench, SMOKE, spawnWorker, startCaseWorkflow, summary } from './lib';

const FIRST = arg('first', SMOKE ? 20 : 2000);
const TOTAL = arg('total', SMOKE ? 40 : 10_000);
// Cases started at once (at 50 the loaded 2-core machine let intake queries time out).
const CONCURRENCY = arg('concurrency', 20);
// --legacy-worker: the worker as it ran before issue 15 (bundled in-process, `--import tsx`), for comparison.
const LEGACY = process.argv.includes('--legacy-worker');
const SECRET = 'bench-secret-bench-secret-bench-secret!';
const TQ = 'bench-p3';
const DAY = 86_400_000;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  console.log(`P3 parked cases: ${FIRST} then ${TOTAL} open cases, worker in its own process${LEGACY ? ' (legacy: bundled in-process, --import tsx)' : ''}`);
  console.log(machine());
  const env = await createDevServerEnv();
  const db = await createTestDatabase();
  const worker = await spawnWorker({ env, databaseUrl: db.url, taskQueue: TQ, legacy: LEGACY }).catch(async (err: unknown) => {
    await db.drop();
    await env.teardown();
    throw err;
  });
  const app = createApp({ client: env.client, connection: env.connection, pool: db.pool, taskQueue: TQ, jwtSecret: SECRET, rateLimits: {} });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const supervisor = await mintToken(SECRET, { sub: 'bench-supervisor', role: 'supervisor', province: 'BJ' });
  const run = Date.now().toString(36);
  let started = 0;
  let accepted = 0;

  /** Case i's stage: 4 in 10 await acceptance, 3 are under review, 1 awaits a supplement, 2 were received a month ago and are overdue. */
  const startCase = async (i: number) => {
    const kind = i % 10;
    const application = makeApplication({ applicationId: `P3-${run}-${i}` });
    const receivedAt = new Date(Date.now() - (kind >= 8 ? 30 * DAY : 0)).toISOString();
    const input: LicenceApplicationInput = { application, receivedAt };
    const h = await startCaseWorkflow(env.client, TQ, input);
    if (kind >= 4 && kind <= 7) await pastIntake(() => h.query(statusQuery));
    // Sent as the API sends them: a case that takes the decision in the same task as its last intake
    // result (a worker with a small cache replays it) refuses 'not-yet', and the API sends it again.
    const what = `case ${application.applicationId}`;
    if (kind >= 4 && kind <= 6) {
      await sendUpdate(h, acceptUpdate, { actor: staff('acceptance-officer') }, { what });
      accepted++;
    } else if (kind === 7) {
      await sendUpdate(h, requestSupplementUpdate, { actor: staff('acceptance-officer'), items: ['营业执照副本'] }, { what });
    }
    started++;
  };
  /** Parked: every case has its receipt, every accepted one its deadline, and the worker has gone quiet. */
  const settle = async () => {
    for (;;) {
      const why = worker.exited();
      if (why) throw new Error(why);
      const { rows } = await db.pool.query<{ received: number; deadlines: number }>(
        `SELECT (SELECT count(*)::int FROM applications) AS received,
                (SELECT count(DISTINCT application_id)::int FROM audit_events WHERE action = 'deadline-computed') AS deadlines`,
      );
      if (rows[0]!.received >= started && rows[0]!.deadlines >= accepted) break;
      await sleep(500);
    }
    await sleep(3000);
    const samples: number[] = [];
    for (let k = 0; k < 5; k++, await sleep(400)) samples.push(rssMb(worker.proc.pid!));
    return Math.max(...samples);
  };

  try {
    const t0 = performance.now();
    await pool([...Array(FIRST).keys()], CONCURRENCY, startCase);
    const rssFirst = await settle();
    await pool([...Array(TOTAL - FIRST).keys()].map((k) => k + FIRST), CONCURRENCY, startCase);
    const rssTotal = await settle();
    const secs = (performance.now() - t0) / 1000;
    console.log(`P3 parked ${started} cases in ${fmt(secs)} s (${fmt(started / secs)} cases/s started and settled)`);
    const growth = rssTotal / rssFirst;
    console.log(
      `P3 worker RSS: ${fmt(rssFirst)} MB at ${FIRST} parked vs ${fmt(rssTotal)} MB at ${TOTAL} → ratio ${growth.toFixed(2)} (target ≤ 1.10 and < 512 MB)`,
    );

    // The overdue list, as a supervisor of the province asks for it, beside the visibility query under it.
    const overdueQuery = `WorkflowType = '${CASE_WORKFLOW_TYPE}' AND ${SA.province.name} = 'BJ' AND ${SA.overdue.name} = true`;
    let expectOverdue = 0;
    for (let k = 0; k < 60 && expectOverdue === 0; k++, await sleep(500)) {
      expectOverdue = (await env.client.workflow.count(overdueQuery)).count;
    }
    const ours: number[] = [];
    const bare: number[] = [];
    for (let k = 0; k < (SMOKE ? 5 : 50); k++) {
      let t = performance.now();
      const res = await fetch(`${base}/applications?overdue=true&limit=50`, { headers: { authorization: `Bearer ${supervisor}` } });
      const body = (await res.json()) as { count: number };
      if (res.status !== 200) throw new Error(`overdue list: ${res.status} ${JSON.stringify(body)}`);
      ours.push(performance.now() - t);
      t = performance.now();
      const it = env.client.workflow.list({ query: overdueQuery, pageSize: 50 });
      let n = 0;
      for await (const _ of it) if (++n >= 50) break;
      bare.push(performance.now() - t);
    }
    const o = summary(ours);
    const b = summary(bare);
    console.log(
      `P3 overdue list at ${TOTAL} (${expectOverdue} overdue): p50 ${fmt(o.p50)} / p95 ${fmt(o.p95)} ms vs bare visibility list p50 ${fmt(b.p50)} / p95 ${fmt(b.p95)} ms → p95 ratio ${(o.p95 / b.p95).toFixed(2)} (target p95 < 300 ms)`,
    );
  } finally {
    await worker.stop();
    await new Promise((r) => server.close(r));
    await db.drop();
    await env.teardown();
  }
}

runBench(main);
