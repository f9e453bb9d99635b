/**
 * `npm start` under load and faults, with real processes and real signals: the embedded
 * PostgreSQL under 20 concurrent full cases (issue 15), a worker killed with SIGKILL (restarted
 * while the API serves) and one that keeps dying, the launcher itself killed with SIGKILL
 * (the next start stops its leftovers), and SIGHUP (a closed terminal) stopping everything.
 *
 * The tests run in order on one DATA_DIR: one system is started for the first three.
 */
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkPort } from '../../scripts/lib/ports';
import { driveCases, randomSecret } from '../helpers/drive-cases';
import {
  baseEnv,
  childrenFile,
  freePorts,
  isAlive,
  processesUsing,
  removeTempDataDirs,
  start,
  stopRunning,
  tempDataDir,
  waitFor,
  type Ports,
  type Run,
} from '../helpers/npm-start';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROTOCOL_ERRORS = /\b26000\b|portal "[^"]*" does not exist|prepared statement "[^"]*" does not exist/;

let ports: Ports;
let dataDir: string;
let env: Record<string, string | undefined>;
let first: Run;
const jwtSecret = randomSecret();

beforeAll(async () => {
  ports = await freePorts();
  dataDir = tempDataDir();
  env = { ...baseEnv(ports, dataDir), JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn' };
  first = start(env);
  await waitFor(first, 'start: ready', 110_000);
}, 120_000);

afterAll(async () => {
  await stopRunning();
  removeTempDataDirs();
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') {
    const lines = (first.stdout() + first.stderr()).split('\n');
    const notable = lines.filter((l) => /^start:|unexpected error|error|Error/.test(l) && !l.startsWith('[temporal]')).slice(-60);
    process.stderr.write(`--- npm start, notable lines ---\n${notable.join('\n')}\n`);
  }
});

const workerPid = () => childrenFile(dataDir).children.find((c) => c.name === 'worker')?.pid;

describe('npm start under load and faults', () => {
  it('ops: the embedded PostgreSQL holds 20 concurrent full cases (submit → accept → approve → issued) with no error', async () => {
    expect(first.stdout()).toMatch(/Database\s+embedded PostgreSQL/);
    const r = await driveCases({ baseUrl: `http://127.0.0.1:${ports.PORT}`, jwtSecret, cases: 20, concurrency: 20, caseTimeoutMs: 90_000 });
    expect(r.errors).toEqual([]);
    expect(r.issued).toBe(20);
    expect(first.stdout() + first.stderr()).not.toMatch(PROTOCOL_ERRORS);
    // Exactly one certificate per case, in the embedded database itself.
    const db = new Client({ connectionString: `postgres://postgres@127.0.0.1:${ports.EMBEDDED_PG_PORT}/postgres` });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string; cases: string }>("SELECT count(*) AS n, count(DISTINCT application_id) AS cases FROM certificates WHERE province = 'BJ'");
      expect(Number(rows[0]!.n)).toBe(20);
      expect(Number(rows[0]!.cases)).toBe(20);
    } finally {
      await db.end();
    }
  }, 150_000);

  it('ops: a worker killed with SIGKILL is restarted with backoff, logged and counted, while the API keeps serving', async () => {
    const killed = workerPid()!;
    expect(killed).toBeGreaterThan(0);
    process.kill(killed, 'SIGKILL');
    // The API answers throughout; the launcher restarts the worker (it does not stop everything).
    const statuses = new Set<number>();
    const until = Date.now() + 20_000;
    while (!first.stdout().includes('start: worker restarted (pid') && Date.now() < until) {
      statuses.add((await fetch(`http://127.0.0.1:${ports.PORT}/health`, { signal: AbortSignal.timeout(5000) })).status);
      await sleep(100);
    }
    expect(first.stderr()).toContain('start: worker was killed by SIGKILL; restarting it in 0.5s (restart 1; API and Temporal keep running)');
    expect(first.stdout()).toMatch(/start: worker restarted \(pid \d+, restart 1\)/);
    expect([...statuses]).toEqual([200]);
    expect(first.proc.exitCode).toBeNull();
    expect(childrenFile(dataDir).workerRestarts).toBe(1);
    expect(workerPid()).not.toBe(killed);
    // The new worker serves cases.
    const r = await driveCases({ baseUrl: `http://127.0.0.1:${ports.PORT}`, jwtSecret, cases: 2, concurrency: 2, caseTimeoutMs: 90_000 });
    expect(r.errors).toEqual([]);
  }, 120_000);

  it('ops: a worker that keeps dying stops everything with one line, exit 1, nothing left running', async () => {
    const killed = new Set<number>();
    let exited = false;
    void first.closed.then(() => (exited = true));
    const until = Date.now() + 60_000;
    while (!exited && Date.now() < until) {
      const pid = (() => {
        try {
          return workerPid();
        } catch {
          return undefined; // rewritten, or deleted on the way out
        }
      })();
      if (pid !== undefined && !killed.has(pid) && isAlive(pid)) {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      }
      await sleep(50);
    }
    expect(exited).toBe(true);
    expect(first.proc.exitCode).toBe(1);
    expect(first.stderr()).toMatch(/start: worker was killed by SIGKILL; it died 6 times within 120s, so it keeps dying: stopping the rest/);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 90_000);

  it('ops: after npm start is killed with SIGKILL the next start stops its leftovers; SIGHUP stops everything in order', async () => {
    // A launcher killed hard: its children (each in its own process group) survive it.
    const second = start(env);
    await waitFor(second, 'start: ready', 90_000);
    const certificates = async () => {
      const db = new Client({ connectionString: `postgres://postgres@127.0.0.1:${ports.EMBEDDED_PG_PORT}/postgres` });
      await db.connect();
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM certificates');
      await db.end();
      return Number(rows[0]!.n);
    };
    const before = await certificates();
    expect(before).toBeGreaterThan(0);
    const launcher = childrenFile(dataDir).launcher;
    const left = childrenFile(dataDir).children;
    expect(left.map((c) => c.name)).toEqual(['postgres', 'temporal', 'worker', 'api']);
    process.kill(launcher, 'SIGKILL');
    await second.closed;
    await sleep(300);
    const survivors = left.filter((c) => isAlive(c.pid));
    expect(survivors.map((c) => c.name)).toContain('postgres'); // the problem is real: ports still taken
    expect((await checkPort(ports.EMBEDDED_PG_PORT, '127.0.0.1')).free).toBe(false);

    // The next start (a terminal's foreground job: its own process group) stops them, then runs.
    const third = start(env, { detached: true });
    await waitFor(third, 'start: ready', 90_000);
    // Postgres holds its port until stopped. The others may also end on their own once their
    // log pipe's reader is gone (the Temporal server dies of SIGPIPE at its next log line), so each
    // is either named as stopped or already gone; none survives.
    const stoppedLine = (c: { name: string; pid: number }) => `start: stopped ${c.name} (pid ${c.pid}) left running by an npm start that was killed`;
    expect(third.stdout()).toContain(stoppedLine(survivors.find((c) => c.name === 'postgres')!));
    for (const c of survivors) expect(isAlive(c.pid)).toBe(false);
    expect(third.stdout()).not.toContain('already in use');
    // The data of the first system is still there.
    expect(await certificates()).toBe(before);

    // A closed terminal: SIGHUP to the whole foreground process group.
    process.kill(-third.proc.pid!, 'SIGHUP');
    await third.closed;
    expect(third.stdout()).toContain('start: SIGHUP: stopping api, worker, temporal, postgres');
    expect(third.stdout()).toContain('start: stopped\n');
    expect(processesUsing(dataDir)).toEqual([]);
    for (const [name, p] of Object.entries(ports)) {
      expect({ name, free: (await checkPort(p, name === 'PORT' ? undefined : '127.0.0.1')).free }).toEqual({ name, free: true });
    }
  }, 200_000);
});
