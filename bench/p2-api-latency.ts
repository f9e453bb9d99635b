/**
 * P2, API latency: POST /applications at a fixed arrival rate (open loop: requests go out on
 * schedule whether or not earlier ones have answered), p50/p95/p99, against a bare
 * `client.workflow.start` of the same case workflow at the same rate, on the same server and
 * worker in the same run. Target: p99 ≤ 1.3× the bare start.
 *
 * Laid out as the compose file runs them: the worker and the API each in a process of its own,
 * the load from this one. (With all three in one process, the API's answers queued behind the
 * worker's activities and the load generator on one event loop: p99 3.4 to 4.4× on 2026-12-07.)
 *   npx tsx bench/p2-api-latency.ts [--seconds=30] [--rates=50,200] [--smoke]
 */
import { performance } from 'node:perf_hooks';
import { mintToken } from '../api/auth';
import type { LicenceApplicationInput } from '../domain/approval/messages';
import { SA } from '../domain/search-attributes';
import { CASE_WORKFLOW_TYPE } from '../domain/workflow-ids';
import { createTestDatabase } from '../test/helpers/db';
import { createDevServerEnv } from '../test/helpers/temporal';
import { makeApplication } from '../test/helpers/fixtures';
import { arg, type ChildService, fmt, machine, runBench, SMOKE, spawnApi, spawnWorker, summary } from './lib';

const SECONDS = arg('seconds', SMOKE ? 1 : 30);
const RATES = (process.argv.find((a) => a.startsWith('--rates='))?.split('=')[1] ?? (SMOKE ? '5' : '50,200')).split(',').map(Number);
const SECRET = 'bench-secret-bench-secret-bench-secret!';

/** Fires `send(i)` at `rate` per second for `seconds`; returns each call's latency in ms. */
async function openLoop(rate: number, seconds: number, send: (i: number) => Promise<void>): Promise<{ latencies: number[]; errors: number }> {
  const total = Math.max(1, Math.round(rate * seconds));
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Latency from the scheduled time: a late send (the generator itself stalled) counts against us, not for us.
    inflight.push(
      send(i).then(
        () => void latencies.push(performance.now() - due),
        () => void errors++,
      ),
    );
  }
  await Promise.all(inflight);
  return { latencies, errors };
}

async function main(): Promise<void> {
  console.log(`P2 API latency: POST /applications vs bare client.workflow.start, open loop, ${SECONDS}s at ${RATES.join(', ')} req/s`);
  console.log(machine());
  const env = await createDevServerEnv();
  const db = await createTestDatabase();
  const taskQueue = 'bench-p2';
  // Declared out here so that `finally` stops whichever of them started, even when the other did not.
  let worker: ChildService | undefined;
  let api: ChildService | undefined;
  // L07: one open `new` application per enterprise and product, so every case is filed by an
  // enterprise of its own (makeApplication's fresh USCC), each with its token, minted before the clock runs.
  const prepare = async (prefix: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const application = makeApplication({ applicationId: `${prefix}-${i}` });
        return { application, token: await mintToken(SECRET, { sub: `bench-${i}`, role: 'applicant', uscc: application.enterprise.uscc }) };
      }),
    );
  const run = Date.now().toString(36);
  let started = 0;
  /** Waits until the worker has written the receipt of every case started so far, so one phase's backlog never lands on the next. */
  const drain = async () => {
    for (;;) {
      for (const why of [worker?.exited(), api?.exited()]) if (why) throw new Error(why);
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM applications');
      if (rows[0]!.n >= started) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  try {
    const w = (worker = await spawnWorker({ env, databaseUrl: db.url, taskQueue }));
    const spawned = await spawnApi({ env, databaseUrl: db.url, taskQueue, jwtSecret: SECRET });
    const a = (api = spawned);
    const base = spawned.base;
    // Warm both paths: the first requests pay for module loading, the OpenAPI build, the bundle.
    for (const { application, token } of await prepare(`P2-warm-${run}`, 3)) {
      const res = await fetch(`${base}/applications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(application) });
      await res.arrayBuffer();
      started++;
    }
    await drain();
    for (const rate of RATES) {
      const total = Math.max(1, Math.round(rate * SECONDS));
      const [bareCases, apiCases] = [await prepare(`P2-bare-${run}-${rate}`, total), await prepare(`P2-api-${run}-${rate}`, total)];
      const cpu = () => ({ api: a.cpuSeconds(), worker: w.cpuSeconds(), load: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage()) });
      const beforeBare = cpu();
      const bare = await openLoop(rate, SECONDS, async (i) => {
        const { application } = bareCases[i]!;
        const input: LicenceApplicationInput = { application, receivedAt: new Date().toISOString() };
        await env.client.workflow.start(CASE_WORKFLOW_TYPE, {
          taskQueue,
          workflowId: application.applicationId,
          args: [input],
          typedSearchAttributes: [
            { key: SA.stage, value: 'received' },
            { key: SA.province, value: application.province },
            { key: SA.uscc, value: application.enterprise.uscc },
          ],
        });
      });
      started += bare.latencies.length;
      await drain();
      const beforeOurs = cpu();
      const ours = await openLoop(rate, SECONDS, async (i) => {
        const { application, token } = apiCases[i]!;
        const res = await fetch(`${base}/applications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(application),
        });
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`status ${res.status}`);
      });
      started += ours.latencies.length;
      await drain();
      const after = cpu();
      const o = summary(ours.latencies);
      const b = summary(bare.latencies);
      console.log(
        `P2 at ${rate} req/s: API p50 ${fmt(o.p50)} / p95 ${fmt(o.p95)} / p99 ${fmt(o.p99)} ms (${o.n} ok, ${ours.errors} errors) vs bare start ` +
          `p50 ${fmt(b.p50)} / p95 ${fmt(b.p95)} / p99 ${fmt(b.p99)} ms (${b.n} ok, ${bare.errors} errors) → ${ours.errors || bare.errors || !o.n || !b.n ? 'no ratio: only a run without errors compares (a failed request can be a fast one)' : `p99 ratio ${(o.p99 / b.p99).toFixed(2)} (target ≤ 1.3×)`}`,
      );
      // Where the CPU went, phase by phase (each phase to the last receipt written): the server and PostgreSQL are the rest.
      const used = (from: ReturnType<typeof cpu>, to: ReturnType<typeof cpu>) =>
        `API ${fmt(to.api - from.api)} s, worker ${fmt(to.worker - from.worker)} s, load generator ${fmt(to.load - from.load)} s`;
      console.log(`P2 at ${rate} req/s, CPU: API phase ${used(beforeOurs, after)}; bare phase ${used(beforeBare, beforeOurs)}`);
    }
  } finally {
    await api?.stop();
    await worker?.stop();
    await db.drop();
    await env.teardown();
  }
}

runBench(main);
