/**
 * What every benchmark shares: a real Temporal server and a throw-away PostgreSQL database, a
 * worker running the real activities plus the baseline's no-op one, and the figures' format
 * (the machine, the versions, a figure beside its baseline and their ratio).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, makeTelemetryFilterString, Runtime, type Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { acceptUpdate, approveUpdate, type LicenceApplicationInput, statusQuery } from '../domain/approval/messages';
import { atIntakeSearchAttributes } from '../domain/search-attributes';
import { CASE_WORKFLOW_TYPE } from '../domain/workflow-ids';
import { buildWorkflowBundle, workflowPreloadModules } from '../workers/bundle';
import { createWorker } from '../workers/worker';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db';
import { freePort } from '../test/helpers/npm-start';
import { makeApplication, staff } from '../test/helpers/fixtures';
import { bareAccept, bareApprove, bareStatusQuery } from './workflows/bare';

// Figures on stdout, not the SDK's worker state changes.
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
});

export { machine } from './machine';

export const BENCH_WORKFLOWS = path.join(__dirname, 'workflows');

/** --smoke: a few cases, to prove the runner works (CI); no figure from it means anything. */
export const SMOKE = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';

export function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
}


export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summary(ms: number[]): { p50: number; p95: number; p99: number; n: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), n: s.length };
}

/** One figure line: ours, the baseline, ours/baseline and the target it is held against. */
export function figure(name: string, ours: number, baseline: number, unit: string, target?: string): string {
  const ratio = ours / baseline;
  return `${name}: ${fmt(ours)} ${unit} vs baseline ${fmt(baseline)} ${unit} → ratio ${ratio.toFixed(2)}${target ? ` (target ${target})` : ''}`;
}

export const fmt = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Runs `fn` over `items` with at most `concurrency` at once. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** How often each baseline step ran in this process (the bare workflows' only observable effect). */
export const noopCalls = new Map<string, number>();

export interface BenchWorld {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

/** A worker on `env` with the real activities and the baselines' no-op, over a fresh database. */
export async function startWorld(env: TestWorkflowEnvironment, taskQueue: string, extra: Partial<WorkerOptions> = {}): Promise<BenchWorld> {
  const db = await createTestDatabase();
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    pool: db.pool,
    extra: {
      workflowsPath: BENCH_WORKFLOWS,
      bundlerOptions: { preloadModules: workflowPreloadModules() },
      activities: { ...createActivities({ pool: db.pool }), benchNoop: async (step: string) => void noopCalls.set(step, (noopCalls.get(step) ?? 0) + 1) },
      ...extra,
    },
  });
  const running = worker.run();
  return {
    env,
    db,
    worker,
    taskQueue,
    async stop() {
      // A worker that already stopped by itself (its server went away) says why in `running`.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      try {
        await running;
      } finally {
        await db.drop();
      }
    },
  };
}

/**
 * A new case first runs its intake gates (R03, L04, R04); staff act once it has left `intake`, as a
 * person would. The driver asks the case's status until then; P1's bare case answers the same
 * kind of Query, so the asking costs both sides alike.
 */
export async function pastIntake(status: () => Promise<{ stage: string }>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    // A worker behind on a loaded machine lets a query time out, or fails a workflow task (the
    // SDK's deadlock detector on a starved thread) that Temporal then retries: ask again.
    const now = await status().catch((err: unknown) => {
      if (/DEADLINE_EXCEEDED|timed out|Workflow Task in failed state/.test(String((err as { cause?: unknown }).cause ?? err))) return { stage: 'intake' };
      throw err;
    });
    if (now.stage !== 'intake') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('case still at intake after 30 s');
}

/**
 * P1's unit of work, ours: one full post-verification case driven by a client, no HTTP (submit,
 * past intake, accept, approve, certificate issued, children started). Throws unless issued.
 */
export async function runFullCase(client: Client, taskQueue: string, applicationId: string): Promise<void> {
  const application = makeApplication({ applicationId });
  const input: LicenceApplicationInput = { application, receivedAt: new Date().toISOString() };
  // Started as the API starts it: a case the API started writes no search attributes at intake.
  const h = await startCaseWorkflow(client, taskQueue, input);
  await pastIntake(() => h.query(statusQuery));
  await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
  await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
  const result = (await h.result()) as { outcome: string };
  if (result.outcome !== 'issued') throw new Error(`case ${applicationId} ended ${result.outcome}`);
}

/** P1's baseline: the bare case (bench/workflows/bare.ts), past its intake, its two Updates, to its end. */
export async function runBareCase(client: Client, taskQueue: string, id: string): Promise<void> {
  const h = await client.workflow.start('bareCase', { taskQueue, workflowId: id, args: [id] });
  await pastIntake(() => h.query(bareStatusQuery));
  await h.executeUpdate(bareAccept);
  await h.executeUpdate(bareApprove);
  await h.result();
}

/** What a workflow and the children it started did, counted from their histories. */
export interface CaseShape {
  activities: number;
  updates: number;
  children: number;
}

/** Counts the activities scheduled, Updates accepted and children started by a workflow and its children (its own history and theirs). */
export async function caseShape(client: Client, workflowId: string): Promise<CaseShape> {
  const shape: CaseShape = { activities: 0, updates: 0, children: 0 };
  const walk = async (id: string) => {
    const { events } = await client.workflow.getHandle(id).fetchHistory();
    for (const e of events ?? []) {
      if (e.activityTaskScheduledEventAttributes) shape.activities++;
      if (e.workflowExecutionUpdateAcceptedEventAttributes) shape.updates++;
      if (e.childWorkflowExecutionStartedEventAttributes) {
        shape.children++;
        await walk(e.childWorkflowExecutionStartedEventAttributes.workflowExecution!.workflowId!);
      }
    }
  };
  await walk(workflowId);
  return shape;
}

/**
 * P1's baseline stands for a case only while it does as much: the same activities, Updates and
 * children. A case that gained a step (a new check at intake, say) makes the ratio meaningless
 * until bench/workflows/bare.ts gains it too, so the bench stops and says so.
 */
export async function assertSameShape(client: Client, caseId: string, bareId: string): Promise<CaseShape> {
  const [ours, bare] = await Promise.all([caseShape(client, caseId), caseShape(client, bareId)]);
  if (ours.activities !== bare.activities || ours.updates !== bare.updates || ours.children !== bare.children) {
    throw new Error(
      `P1's baseline no longer matches a case: the case ran ${JSON.stringify(ours)}, bareCase ${JSON.stringify(bare)}. ` +
        'Give bench/workflows/bare.ts the same number of activities, Updates and children, then measure again.',
    );
  }
  return ours;
}

/** Runs a bench's main and exits: the Temporal runtime would keep the process alive after the figures are out. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** Starts a case workflow as the API does (POST /applications), with the search attributes a new case carries. */
export function startCaseWorkflow(client: Client, taskQueue: string, input: LicenceApplicationInput): Promise<WorkflowHandle> {
  return client.workflow.start(CASE_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: input.application.applicationId,
    args: [input],
    typedSearchAttributes: atIntakeSearchAttributes(input.application),
  });
}

/** A child process of the project's own, as `npm start` and the compose file run it. */
export interface ChildService {
  proc: ChildProcess;
  /** Why it exited, once it has; a bench checks this while it waits. */
  exited(): string | undefined;
  /** CPU time (user + system) the process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Every child still running; killed when the bench exits, however it exits, so none outlives it. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** How long a child has to start, and to stop once asked, before the bench gives up on it. */
const START_DEADLINE_MS = 120_000;
const STOP_GRACE_MS = 30_000;

function childService(name: string, args: string[], env: NodeJS.ProcessEnv): ChildService {
  const root = path.join(__dirname, '..');
  const proc = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(proc);
  let exit: string | undefined;
  proc.once('exit', (code, signal) => {
    exit = `${name} exited (${code ?? signal})`;
    children.delete(proc);
  });
  return {
    proc,
    exited: () => exit,
    cpuSeconds: () => {
      if (exit) throw new Error(exit);
      // utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks (100 a second on Linux); the name (field 2) may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      if (exit) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      // A worker's graceful shutdown can hang with nothing left to do; the figures are in by then.
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Polls `ready` until it answers true; throws if the child exits first or the deadline passes (the child is killed then). */
async function untilReady(child: ChildService, what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  for (;;) {
    const why = child.exited();
    if (why) throw new Error(why);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`${what} was not ready within ${START_DEADLINE_MS / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The environment a child starts from: the bench's own, less what would point it elsewhere. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { ECQS_URL: _e, WORKFLOW_BUNDLE_PATH: _b, PORT: _p, ...inherited } = process.env;
  return { ...inherited, LOG_LEVEL: 'error', ...extra };
}

/**
 * The production worker (workers/main.ts) in a process of its own, from a bundle built
 * beforehand, with the node flags of the image; ready once it polls `taskQueue`.
 * `legacy`: bundled in-process under `--import tsx`, as before issue 15 (for comparison).
 */
export async function spawnWorker(o: { env: TestWorkflowEnvironment; databaseUrl: string; taskQueue: string; legacy?: boolean }): Promise<ChildService> {
  const bundlePath = o.legacy ? undefined : await buildWorkflowBundle(path.join(mkdtempSync(path.join(os.tmpdir(), 'lp-bench-')), 'workflow-bundle.js'));
  const nodeArgs = o.legacy ? ['--import', 'tsx'] : ['--max-semi-space-size=4', '--require', 'tsx/cjs'];
  const worker = childService('worker', [...nodeArgs, path.join(__dirname, '..', 'workers', 'main.ts')], childEnv({
    DATABASE_URL: o.databaseUrl,
    TEMPORAL_ADDRESS: o.env.address,
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    ...(bundlePath ? { WORKFLOW_BUNDLE_PATH: bundlePath } : {}),
  }));
  // Cases start once the worker polls: a query sent before then times out.
  await untilReady(worker, 'the worker', async () => {
    const res = await o.env.connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: o.taskQueue }, taskQueueType: 1 });
    return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${worker.proc.pid}@`));
  });
  return worker;
}

/** The API (api/main.ts) in a process of its own, as the compose file runs it; ready once GET /health answers. */
export async function spawnApi(o: { env: TestWorkflowEnvironment; databaseUrl: string; taskQueue: string; jwtSecret: string }): Promise<ChildService & { base: string }> {
  const port = await freePort();
  const api = childService('api', ['--import', 'tsx', path.join(__dirname, '..', 'api', 'main.ts')], childEnv({
    DATABASE_URL: o.databaseUrl,
    TEMPORAL_ADDRESS: o.env.address,
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    JWT_SECRET: o.jwtSecret,
    PORT: String(port),
  }));
  const base = `http://127.0.0.1:${port}`;
  await untilReady(api, 'the API', async () => (await fetch(`${base}/health`, { signal: AbortSignal.timeout(5_000) })).ok);
  return { ...api, base };
}
