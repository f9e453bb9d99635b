/**
 * `npm run soak`: many cases through every path while processes die (issue 16, R-a).
 *
 * It builds its own system in a scratch directory: an embedded PostgreSQL, a Temporal dev server,
 * TWO workers, the API, and a loopback e-CQS peer. While the cases run it SIGKILLs a random worker
 * every 10-20 s (and starts a new one), restarts PostgreSQL once and SIGKILLs and restarts the
 * API once. Then it checks, from the database, Temporal and the peer, that nothing was lost or
 * doubled (scripts/lib/soak-checks.ts), prints the counts, and exits 1 on any violation. Besides the
 * approval paths, cases run the supervision paths on the licence they issue: spot checks (R15),
 * risk reports triaged or turned into flight inspections (R18, R13), risk signals (R14)
 * (scripts/lib/soak-supervision.ts, soak-supervision-checks.ts).
 *
 *   npm run soak                          1,000 cases, concurrency 20, all faults
 *   npm run soak -- --cases 50 --kills 1  the CI version: 50 cases, one worker kill, no restarts
 *   --concurrency N  --no-db-restart  --no-api-restart  --keep (leave the scratch directory)
 *   --write          put the figures into docs/reliability.md (section "Soak")
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pool } from 'pg';
import { migrate } from '../db/migrate';
import { upsertVerifier } from '../db/registers';
import { ManagedChild } from './lib/child';
import { startEmbeddedPostgres } from './lib/embedded-postgres';
import { checkSoak, type SoakCounts } from './lib/soak-checks';
import { type Driver, type Expected, runScenario, SCENARIOS } from './lib/soak-scenarios';
import { prepareSupervision } from './lib/soak-supervision';
import { devServerArgs, waitForTemporal } from './lib/temporal-dev';
import { ensureBinary, PROJECT_ROOT } from './temporal-binaries';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const num = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const CASES = num('cases', 1000);
const CONCURRENCY = num('concurrency', 20);
/** Worker kills: every 10-20 s until the cases are done, or exactly this many when given. */
const KILLS = argv.includes('--kills') ? num('kills', 0) : Infinity;
const DB_RESTART = !flag('no-db-restart') && !argv.includes('--kills');
const API_RESTART = !flag('no-api-restart') && !argv.includes('--kills');
const SECRET = 'soak-secret-0123456789abcdef-0123456789abcdef';
const NAMESPACE = 'default';
const TSX = pathToFileURL(require.resolve('tsx')).href;
const log = (line: string) => process.stdout.write(`soak: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** e-CQS as the contract describes it: acknowledges every record, counts how often each arrived. */
function startPeer(port: number, received: Map<string, number>): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? JSON.parse(body || '{}').recordId);
      received.set(key, (received.get(key) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lp-soak-'));
  const [pgPort, temporalPort, uiPort, apiPort, peerPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const children = new Set<ManagedChild>();
  const spawn = (name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    const c = new ManagedChild(name, cmd, args, { env, cwd: PROJECT_ROOT });
    c.muted = !flag('verbose');
    children.add(c);
    void c.exited.then(() => children.delete(c));
    return c;
  };
  const adopt = (c: ManagedChild) => {
    c.muted = !flag('verbose');
    children.add(c);
  };
  const received = new Map<string, number>();
  const peer = await startPeer(peerPort, received);
  let pool: Pool | undefined;
  const faults = { workerKills: 0, dbRestarts: 0, apiRestarts: 0, unexpectedExits: [] as string[] };
  let failed = false;
  try {
    log(`scratch ${dataDir}; ${CASES} cases at concurrency ${CONCURRENCY}`);
    let db = await startEmbeddedPostgres({ dataDir, port: pgPort, say: log, gaveUp: () => false, onSpawn: (c) => adopt(c) });
    pool = new Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    await migrate(pool);
    const verifiers = ['SOAK-V1', 'SOAK-V2', 'SOAK-V3'];
    for (const id of verifiers) await upsertVerifier(pool, { id, name: `核查员 ${id}`, certifiedBy: 'BJ', certifiedOn: '2024-01-01', certifiedUntil: '2099-12-31' });

    const cli = await ensureBinary('cli', { skipSdkDownload: true });
    spawn('temporal', cli, devServerArgs({ port: temporalPort, uiPort, dbFile: path.join(dataDir, 'temporal.db'), namespace: NAMESPACE }), process.env);
    const connection = await waitForTemporal({ address: `127.0.0.1:${temporalPort}`, namespace: NAMESPACE, timeoutMs: 60_000, gaveUp: () => false });
    const { Client } = await import('@temporalio/client');
    const client = new Client({ connection, namespace: NAMESPACE });

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      PORT: String(apiPort),
      JWT_SECRET: SECRET,
      ECQS_URL: `http://127.0.0.1:${peerPort}/records`,
      ECQS_BACKOFF_MAX_MS: '2000',
      WORKER_METRICS_PORT: '0',
      RATE_LIMIT_PUBLIC_PER_MINUTE: '0',
      RATE_LIMIT_SUBMISSIONS_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    };
    // A process that dies without being killed is a finding: it is logged, counted, and started
    // again (as an orchestrator would), so the run goes on and shows what else breaks.
    const killed = new Set<ManagedChild>();
    let stopping = false;
    const ts = (name: string, entry: string): ManagedChild => {
      const c = spawn(name, process.execPath, ['--import', TSX, path.join(PROJECT_ROOT, entry)], env);
      void c.exited.then((exit) => {
        if (killed.has(c) || stopping) return;
        faults.unexpectedExits.push(`${name} exited by itself (code ${exit.code}, signal ${exit.signal})`);
        log(`${name} exited by itself (code ${exit.code}, signal ${exit.signal}); starting it again`);
        // Its output is muted unless --verbose: without these lines the cause is lost with the run.
        void c.outputClosed.then(() => log(`${name}'s last lines:\n${c.lastLines().map((l) => `  [${name}] ${l}`).join('\n')}`));
        const again = ts(name, entry);
        if (name === 'api') api = again;
        else workers[workers.indexOf(c)] = again;
      });
      return c;
    };
    const kill9 = async (c: ManagedChild) => {
      killed.add(c);
      if (c.pid !== undefined && c.running) process.kill(-c.pid, 'SIGKILL');
      await c.exited;
    };
    const workers = [ts('worker-1', 'workers/main.ts'), ts('worker-2', 'workers/main.ts')];
    let api = ts('api', 'api/main.ts');
    const baseUrl = `http://127.0.0.1:${apiPort}`;
    for (const deadline = Date.now() + 180_000; ; ) {
      const ok = await fetch(`${baseUrl}/health`).then((r) => r.ok).catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('the API did not become healthy within 180 s');
      await sleep(500);
    }
    log('system up: 2 workers, API, Temporal, PostgreSQL, e-CQS peer');

    // The cases, CONCURRENCY at a time.
    const driver: Driver = { baseUrl, secret: SECRET, caseTimeoutMs: 300_000, verifiers, retries: { n: 0 } };
    await prepareSupervision(driver);
    const expected: Expected[] = [];
    const errors: string[] = [];
    let next = 0;
    let done = 0;
    const started = Date.now();
    const lane = async () => {
      while (next < CASES) {
        const n = next++;
        try {
          expected.push(await runScenario(driver, SCENARIOS[n % SCENARIOS.length]!, n));
        } catch (err) {
          errors.push(String(err instanceof Error ? err.message : err));
        }
        done++;
      }
    };
    const lanes = Promise.all(Array.from({ length: CONCURRENCY }, lane));

    // Faults while the lanes run.
    let running = true;
    void lanes.finally(() => (running = false));
    const chaos = (async () => {
      let dbDone = !DB_RESTART;
      let apiDone = !API_RESTART;
      while (running) {
        await sleep(KILLS === Infinity ? 10_000 + Math.random() * 10_000 : 8_000);
        if (!running) break;
        if (faults.workerKills < KILLS) {
          const i = Math.floor(Math.random() * workers.length);
          await kill9(workers[i]!);
          faults.workerKills++;
          log(`kill -9 worker-${i + 1} (${done}/${CASES} cases done)`);
          await sleep(1000);
          workers[i] = ts(`worker-${i + 1}`, 'workers/main.ts');
        }
        if (!dbDone && done >= CASES / 3) {
          dbDone = true;
          log('restarting PostgreSQL');
          await db.child.stop(20_000);
          db = await startEmbeddedPostgres({ dataDir, port: pgPort, say: log, gaveUp: () => false, onSpawn: (c) => adopt(c) });
          faults.dbRestarts++;
        }
        if (!apiDone && done >= (2 * CASES) / 3) {
          apiDone = true;
          log('kill -9 the API, then start it again');
          await kill9(api);
          api = ts('api', 'api/main.ts');
          faults.apiRestarts++;
        }
      }
    })();
    const progress = setInterval(() => log(`${done}/${CASES} cases, ${errors.length} failed, ${driver.retries.n} calls retried`), 15_000);
    await lanes;
    clearInterval(progress);
    await chaos;
    const seconds = (Date.now() - started) / 1000;

    // Let the e-CQS sender drain before counting.
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(1000)) {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ecqs_outbox WHERE acked_at IS NULL');
      if (rows[0]!.n === 0) break;
    }
    stopping = true;
    const counts = await checkSoak(pool, client, expected, received);
    for (const e of faults.unexpectedExits) counts.violations.push({ check: 'process died', detail: e });
    for (const e of errors) counts.violations.push({ check: 'case script', detail: e });
    report(counts, faults, seconds, driver.retries.n);
    failed = counts.violations.length > 0;
    await connection.close();
  } catch (err) {
    failed = true;
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await pool?.end().catch(() => undefined);
    peer.close();
    for (const c of [...children].reverse()) await c.stop(15_000);
    if (!flag('keep')) rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

function report(c: SoakCounts, faults: { workerKills: number; dbRestarts: number; apiRestarts: number; unexpectedExits: string[] }, seconds: number, retried: number): void {
  const lines = [
    `date: ${new Date().toISOString().slice(0, 10)}; command: npm run soak -- ${argv.join(' ') || '(defaults)'}; machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    `cases: ${c.cases} (${Object.entries(c.byOutcome).map(([k, n]) => `${k} ${n}`).join(', ')}) in ${seconds.toFixed(0)} s (${(c.cases / seconds).toFixed(2)} cases/s)`,
    `faults: ${faults.workerKills} worker kill -9, ${faults.dbRestarts} PostgreSQL restart, ${faults.apiRestarts} API kill -9 + restart; ${retried} client calls retried; processes that died by themselves: ${faults.unexpectedExits.length}`,
    `certificates: ${c.certificates}; e-CQS records: ${c.ecqsRecords} (re-deliveries the peer deduplicated: ${c.ecqsDuplicatesAtPeer}); audit rows: ${c.auditRows}`,
    `supervision: ${c.supervision.spotChecks} spot checks (${c.supervision.publicity} publicity records, ${c.supervision.testedSamples} tested samples), ${c.supervision.riskReports} risk reports, ${c.supervision.flights} flight inspections, ${c.supervision.riskSignals} risk signals`,
    `violations: ${c.violations.length}`,
  ];
  for (const l of lines) log(l);
  for (const v of c.violations.slice(0, 50)) log(`  ${v.check}: ${v.detail}`);
  if (flag('write')) {
    const file = path.join(PROJECT_ROOT, 'docs', 'reliability.md');
    const block = ['<!-- soak:begin -->', '```', ...lines, '```', '<!-- soak:end -->'].join('\n');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/<!-- soak:begin -->[\s\S]*<!-- soak:end -->/, block));
    log(`figures written to ${file}`);
  }
}

void main();
