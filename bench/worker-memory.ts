/**
 * The worker's memory floor: RSS (and V8 heap, from a heap snapshot on request) of
 * `workers/main.ts` in its own process, idle after start and after it has run some cases, so a
 * change to how the worker starts can be weighed on its own.
 *   npx tsx bench/worker-memory.ts [--cases=200] [--in-process-bundle] [--loader=cjs|esm] [--node-args="--max-old-space-size=256"]
 * Env passed through to the worker (e.g. WORKER_MAX_CACHED_WORKFLOWS).
 */
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LicenceApplicationInput } from '../domain/approval/messages';
import { buildWorkflowBundle } from '../workers/bundle';
import { createTestDatabase } from '../test/helpers/db';
import { makeApplication } from '../test/helpers/fixtures';
import { createDevServerEnv } from '../test/helpers/temporal';
import { arg, machine, pool, runBench, startCaseWorkflow } from './lib';

const CASES = arg('cases', 200);
const IN_PROCESS = process.argv.includes('--in-process-bundle');
const NODE_ARGS = (process.argv.find((a) => a.startsWith('--node-args='))?.slice('--node-args='.length) ?? '').split(' ').filter(Boolean);
// How TypeScript is loaded: `cjs` (--require tsx/cjs, hooks on the main thread) or `esm` (--import tsx, hooks on their own thread).
const LOADER = process.argv.find((a) => a.startsWith('--loader='))?.slice('--loader='.length) ?? 'cjs';
const TQ = 'bench-mem';

const status = (pid: number) => readFileSync(`/proc/${pid}/status`, 'utf8');
const mb = (pid: number, key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status(pid))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sample = async (pid: number) => {
  const rss: number[] = [];
  for (let k = 0; k < 5; k++, await sleep(400)) rss.push(mb(pid, 'VmRSS'));
  return `RSS ${Math.max(...rss).toFixed(0)} MB (anon ${mb(pid, 'RssAnon').toFixed(0)}, file ${mb(pid, 'RssFile').toFixed(0)}), threads ${/Threads:\s+(\d+)/.exec(status(pid))![1]}`;
};

async function main(): Promise<void> {
  console.log(`worker memory: ${IN_PROCESS ? 'bundled in-process' : 'prebuilt bundle'}, tsx ${LOADER}, node ${NODE_ARGS.join(' ') || '(defaults)'}, ${CASES} cases`);
  console.log(machine());
  const env = await createDevServerEnv();
  const db = await createTestDatabase();
  const root = path.join(__dirname, '..');
  const extraEnv: NodeJS.ProcessEnv = {};
  if (!IN_PROCESS) {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'lp-bundle-')), 'workflow-bundle.js');
    await buildWorkflowBundle(out);
    extraEnv.WORKFLOW_BUNDLE_PATH = out;
  }
  const { ECQS_URL: _u, WORKFLOW_BUNDLE_PATH: _b, ...inherited } = process.env;
  const worker = spawn(process.execPath, [...NODE_ARGS, ...(LOADER === 'esm' ? ['--import', 'tsx'] : ['--require', 'tsx/cjs']), path.join(root, 'workers', 'main.ts')], {
    cwd: root,
    env: { ...inherited, ...extraEnv, DATABASE_URL: db.url, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: TQ, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const t0 = Date.now();
    for (;;) {
      const res = await env.connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: TQ }, taskQueueType: 1 });
      if ((res.pollers ?? []).some((p) => p.identity?.startsWith(`${worker.pid}@`))) break;
      if (worker.exitCode !== null) throw new Error('worker exited');
      await sleep(200);
    }
    console.log(`polling after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await sleep(10_000);
    console.log(`idle:          ${await sample(worker.pid!)}`);
    const run = Date.now().toString(36);
    await pool([...Array(CASES).keys()], 20, async (i) => {
      const application = makeApplication({ applicationId: `MEM-${run}-${i}` });
      const input: LicenceApplicationInput = { application, receivedAt: new Date().toISOString() };
      await startCaseWorkflow(env.client, TQ, input);
    });
    for (;;) {
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM applications');
      if (rows[0]!.n >= CASES) break;
      await sleep(500);
    }
    await sleep(5000);
    console.log(`after ${CASES} cases: ${await sample(worker.pid!)}`);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await db.drop();
    await env.teardown();
  }
}

runBench(main);
