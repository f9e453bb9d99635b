/**
 * `npm start` as an operator meets it: the real script, the real Temporal dev server, the
 * embedded PostgreSQL, the worker and the API, on random free ports and a temporary DATA_DIR.
 * Load and faults (worker crash, launcher SIGKILL, SIGHUP): start-resilience.test.ts.
 */
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { Client } from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkPort } from '../../scripts/lib/ports';
import { baseEnv, freePort, freePorts, processesUsing, removeTempDataDirs, start, stopRunning, tempDataDir, waitFor } from '../helpers/npm-start';

function expectOneCleanLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  return lines[0]!;
}

// A failed assertion must not leave a whole system running.
afterEach(stopRunning);
afterAll(removeTempDataDirs);

describe('npm start', () => {
  it('ops: npm start refuses a taken port with one clear line', async () => {
    const ports = await freePorts();
    const dataDir = tempDataDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.PORT, '127.0.0.1', resolve));
    try {
      const run = start(baseEnv(ports, dataDir));
      const { code } = await run.exited;
      expect(code).not.toBe(0);
      const line = expectOneCleanLine(run.stderr());
      expect(line).toBe(`start: port ${ports.PORT} is already in use (API); set PORT=... or stop the other process`);
      // Nothing half-started: no database files, no listener on the other ports, no processes.
      expect(readdirSync(dataDir)).toEqual([]);
      for (const p of [ports.TEMPORAL_PORT, ports.TEMPORAL_UI_PORT, ports.EMBEDDED_PG_PORT]) {
        expect((await checkPort(p, '127.0.0.1')).free).toBe(true);
      }
      expect(processesUsing(dataDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('ops: npm start refuses an unreachable DATABASE_URL with one clear line, password hidden', async () => {
    const ports = await freePorts();
    const closed = await freePort(); // nothing listens here
    const dataDir = tempDataDir();
    const run = start({ ...baseEnv(ports, dataDir), DATABASE_URL: `postgres://lp:s3cret@127.0.0.1:${closed}/licences` });
    const { code } = await run.exited;
    expect(code).not.toBe(0);
    const line = expectOneCleanLine(run.stderr());
    expect(line).toContain(`start: cannot reach the database at postgres://lp@127.0.0.1:${closed}/licences: connection refused`);
    expect(run.stderr() + run.stdout()).not.toContain('s3cret');
    expect(processesUsing(dataDir)).toEqual([]);
  });

  it('ops: npm start runs the whole system, stops cleanly on Ctrl-C and keeps its data across a restart', async () => {
    const ports = await freePorts();
    const dataDir = tempDataDir();
    const env = baseEnv(ports, dataDir);
    const pgUrl = `postgres://postgres@127.0.0.1:${ports.EMBEDDED_PG_PORT}/postgres`;
    const temporalAddress = `127.0.0.1:${ports.TEMPORAL_PORT}`;
    const markerId = `start-test-marker-${process.pid}`;

    // First run: everything up, a Temporal case and a database row to find again.
    const first = start(env);
    await waitFor(first, 'start: ready', 50_000);
    expect(first.stdout()).toContain(`Temporal UI   http://localhost:${ports.TEMPORAL_UI_PORT}`);
    expect(first.stdout()).toContain(`Health        http://localhost:${ports.PORT}/health`);
    expect(first.stdout()).toContain('[worker] ');
    expect(first.stdout()).toContain('[api] ');
    expect(first.stdout()).toContain('[temporal] ');

    // The leak check below is not vacuous: tsx, start, temporal, worker and api all carry DATA_DIR.
    if (process.platform === 'linux') expect(processesUsing(dataDir).length).toBeGreaterThanOrEqual(4);

    const health = await fetch(`http://127.0.0.1:${ports.PORT}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ temporal: { ok: true }, database: { ok: true } });

    const db = new Client({ connectionString: pgUrl });
    await db.connect();
    const applied = (await db.query<{ applied_at: Date }>("SELECT applied_at FROM schema_migrations WHERE name = '0001_core.sql'")).rows;
    await db.end();
    expect(applied).toHaveLength(1);

    let connection = await Connection.connect({ address: temporalAddress });
    // A workflow on a queue nothing polls stays open: a case that must survive the restart.
    await new TemporalClient({ connection }).workflow.start('startTestMarker', {
      taskQueue: 'start-test-nobody-polls',
      workflowId: markerId,
    });
    await connection.close();

    first.proc.kill('SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stdout()).toContain('start: stopped');
    for (const [name, p] of Object.entries(ports)) {
      expect({ name, free: (await checkPort(p, name === 'PORT' ? undefined : '127.0.0.1')).free }).toEqual({ name, free: true });
    }
    expect(processesUsing(dataDir)).toEqual([]);

    // Second run on the same DATA_DIR: same schema row, same Temporal case.
    const second = start(env);
    await waitFor(second, 'start: ready', 40_000);
    expect(second.stdout()).toContain('start: database schema is up to date');
    const db2 = new Client({ connectionString: pgUrl });
    await db2.connect();
    const again = (await db2.query<{ applied_at: Date }>("SELECT applied_at FROM schema_migrations WHERE name = '0001_core.sql'")).rows;
    await db2.end();
    expect(again[0]!.applied_at.toISOString()).toBe(applied[0]!.applied_at.toISOString());

    connection = await Connection.connect({ address: temporalAddress });
    const handle = new TemporalClient({ connection }).workflow.getHandle(markerId);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('start test done');
    await connection.close();

    second.proc.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(processesUsing(dataDir)).toEqual([]);
  }, 110_000);
});
