/**
 * R-a: a worker process rides out a PostgreSQL restart. `npm run soak` saw a worker exit by itself
 * (code 1) while PostgreSQL restarted; here the real worker process (workers/main.ts under tsx)
 * runs against an embedded PostgreSQL of its own and a Temporal dev server, and the database is
 * restarted twice: once while the worker's start-up migration is in flight (an orchestrator
 * replacing a killed worker at that moment, as the soak does), once while it polls Temporal and
 * its e-CQS sender polls the outbox.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client, Pool } from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { enqueueEcqs } from '../../db/ecqs-outbox';
import { MIGRATIONS_LOCK_KEY } from '../../db/migrate';
import { inTransaction } from '../../db/tx';
import { startEmbeddedPostgres } from '../../scripts/lib/embedded-postgres';
import type { ManagedChild } from '../../scripts/lib/child';
import { USCC } from '../helpers/fixtures';
import { freePort } from '../helpers/npm-start';
import { createDevServerEnv } from '../helpers/temporal';
import { type EcqsPeer, startEcqsPeer } from './ecqs-peer';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const TASK_QUEUE = 'pg-restart';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dataDir: string;
let port: number;
let pg: { url: string; child: ManagedChild } | undefined;
let env: TestWorkflowEnvironment | undefined;
let peer: EcqsPeer | undefined;
let worker: ChildProcess | undefined;
let output = '';

async function startPostgres(): Promise<void> {
  pg = await startEmbeddedPostgres({ dataDir, port, say: () => undefined, gaveUp: () => false, onSpawn: (c) => (c.muted = true) });
}

/** What the soak does: a fast shutdown (every session ended with 57P01), then a start on the same port. */
async function restartPostgres(): Promise<void> {
  await pg!.child.stop(20_000);
  await startPostgres();
}

async function sql<T extends object>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: pg!.url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(100)) {
    if (worker?.exitCode !== null || worker.signalCode !== null) throw new Error(`the worker exited (code ${worker?.exitCode}, signal ${worker?.signalCode}) before ${what}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${output}`);
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lp-pg-restart-'));
  port = await freePort();
  [env, peer] = await Promise.all([createDevServerEnv(), startEcqsPeer(), startPostgres()]);
}, 120_000);

afterAll(async () => {
  if (worker?.pid !== undefined && worker.exitCode === null && worker.signalCode === null) {
    const exited = new Promise((r) => worker!.once('exit', r));
    process.kill(-worker.pid, 'SIGKILL');
    await exited;
  }
  await peer?.close();
  await env?.teardown();
  await pg?.child.stop(20_000);
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') process.stderr.write(`--- worker output ---\n${output}\n`);
});

it('R-a: a worker process survives PostgreSQL restarts (during its start-up migration and while it polls): it logs, retries, keeps polling Temporal, and its activities and e-CQS sender work again', async () => {
  // The migrations' lock held elsewhere keeps the worker's migration in flight until the restart.
  const holder = new Client({ connectionString: pg!.url });
  holder.on('error', () => undefined); // ended by the restart, on purpose
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK_KEY]);

  worker = spawn(TSX, ['workers/main.ts'], {
    cwd: ROOT,
    detached: true, // its own process group: afterAll kills tsx and the node it starts
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: pg!.url,
      TEMPORAL_ADDRESS: env!.address,
      TEMPORAL_NAMESPACE: env!.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      ECQS_URL: peer!.url,
      ECQS_BACKOFF_MAX_MS: '500',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    },
  });
  worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));

  await until(
    'its migration waiting for the lock',
    async () => (await sql<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'licence-pipeline worker' AND wait_event_type = 'Lock'"))[0]!.n > 0,
    30_000,
  );
  await restartPostgres();
  await until('"worker polling"', () => output.includes('"msg":"worker polling"'), 60_000);
  expect(output).toMatch(/database not reachable \(attempt 1/);

  // Running: the sender polls the outbox every 500 ms, so it meets the restart too.
  await restartPostgres();
  await sleep(1_000);

  // Temporal hands the worker an activity that reads PostgreSQL, and the sender delivers a record
  // written after the restart.
  const { Client: TemporalClient } = await import('@temporalio/client');
  const client = new TemporalClient({ connection: env!.connection, namespace: env!.namespace ?? 'default' });
  const graded = await client.workflow.execute('riskGradesNightly', {
    taskQueue: TASK_QUEUE,
    workflowId: `pg-restart-${Date.now()}`,
    args: [{ asOf: '2026-01-05', provinces: ['BJ'] }],
    workflowExecutionTimeout: '40 seconds',
  });
  expect(graded).toMatchObject({ asOf: '2026-01-05', graded: 0 });

  const db = new Pool({ connectionString: pg!.url, max: 1 });
  try {
    await inTransaction(db, (c) =>
      enqueueEcqs(c, {
        eventKey: 'pg-restart:accepted',
        caseId: 'pg-restart',
        event: 'accepted',
        occurredAt: '2026-01-05T02:00:00.000Z',
        acceptedAt: '2026-01-05T02:00:00.000Z',
        province: 'BJ',
        enterprise: { uscc: USCC, name: '示范水泥有限公司' },
        product: 'cement',
      }),
    );
  } finally {
    await db.end();
  }
  await until('the e-CQS record delivered', () => peer!.accepted.some((r) => r.caseId === 'pg-restart'), 20_000);

  expect(worker.exitCode).toBe(null);
  expect(worker.signalCode).toBe(null);
  expect(output).not.toMatch(/Emitted 'error' event|Unhandled|uncaught/i);
}, 110_000);
