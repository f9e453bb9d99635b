/**
 * A PostgreSQL restart ends every idle connection (57P01). The long-running processes' pools must
 * take that without dying (found by `npm run soak`: the API and a worker exited with code 1 when
 * PostgreSQL restarted), and serve again once the server is back.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../domain/config';
import { createPool } from '../../infra/pg';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

it('R-a: an idle connection ended by the server (as in a PostgreSQL restart) does not kill the process; the pool serves again', async () => {
  const pool = createPool(loadConfig({ ...process.env, DATABASE_URL: db.url }), { max: 2, applicationName: 'pool-restart-test' });
  // No listener of our own: without the pool's own 'error' handler the event would be an
  // uncaught exception here, which fails the run.
  try {
    // Two idle connections in the pool, as between requests.
    const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
    a.release();
    b.release();
    expect(pool.idleCount).toBe(2);
    // What a restart does to every session: terminated by the server.
    const killed = await db.pool.query<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'pool-restart-test'",
    );
    expect(killed.rows[0]!.n).toBe(2);
    await expect.poll(() => pool.totalCount, { timeout: 5_000 }).toBe(0);
    // Still alive (an unhandled 'error' would have thrown), and the next query opens a new connection.
    const r = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(r.rows[0]!.one).toBe(1);
  } finally {
    await pool.end();
  }
});

it('R-a: a connection ended by the server while checked out (mid-transaction, as in a PostgreSQL restart) does not kill the process; the caller sees the error and the pool serves again', async () => {
  const pool = createPool(loadConfig({ ...process.env, DATABASE_URL: db.url }), { max: 2, applicationName: 'pool-checked-out-test' });
  // The client's 'error' with no listener would be an uncaught exception: seen here before the
  // runner takes it (and fails the run as well).
  const uncaught: unknown[] = [];
  const seen = (err: unknown) => uncaught.push(err);
  process.on('uncaughtExceptionMonitor', seen);
  try {
    // Checked out and between two statements of a transaction, as an activity often is.
    const client = await pool.connect();
    await client.query('BEGIN');
    const killed = await db.pool.query<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'pool-checked-out-test'",
    );
    expect(killed.rows[0]!.n).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    expect(uncaught).toEqual([]);
    await expect.poll(() => pool.totalCount, { timeout: 5_000 }).toBe(0);
    const r = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(r.rows[0]!.one).toBe(1);
  } finally {
    process.off('uncaughtExceptionMonitor', seen);
    await pool.end();
  }
});
