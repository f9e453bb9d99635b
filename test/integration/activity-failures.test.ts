/**
 * The failure policy at the activity boundary (activities/failures.ts) and the pool's bounds
 * (infra/pg.ts), against a real PostgreSQL: real SQLSTATEs, real timeouts, no stand-ins.
 */
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifyFailure, NotFoundError, sqlState, withFailurePolicy } from '../../activities/failures';
import { loadConfig } from '../../domain/config';
import { FAILURE } from '../../domain/ops';
import { createPool, workerPoolSizes } from '../../infra/pg';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** The error PostgreSQL raises for `sql`. */
async function pgError(sql: string): Promise<unknown> {
  try {
    await db.pool.query(sql);
  } catch (e) {
    return e;
  }
  throw new Error(`expected ${sql} to fail`);
}

const nonRetryable = (e: unknown) => (e instanceof ApplicationFailure && e.nonRetryable ? e.type : undefined);

describe('failure classification (README "Failure policy")', () => {
  it('ops: SQLSTATE class 22 (an impossible date, a value too long) is a non-retryable DataException', async () => {
    const badDate = await pgError(`SELECT '2026-02-30'::date`);
    expect(sqlState(badDate)).toBe('22008');
    expect(nonRetryable(classifyFailure(badDate))).toBe(FAILURE.data);
    await db.pool.query('CREATE TABLE ops_short (v varchar(5))');
    const tooLong = await pgError(`INSERT INTO ops_short VALUES (repeat('x', 20))`);
    expect(sqlState(tooLong)).toBe('22001');
    expect((classifyFailure(tooLong) as ApplicationFailure).message).toMatch(/SQLSTATE 22/);
  });

  it('ops: SQLSTATE class 23 (a unique or check constraint) is a non-retryable ConstraintViolation naming the constraint', async () => {
    await db.pool.query('CREATE TABLE ops_t (k text PRIMARY KEY, n int CHECK (n > 0))');
    await db.pool.query(`INSERT INTO ops_t VALUES ('a', 1)`);
    const unique = await pgError(`INSERT INTO ops_t VALUES ('a', 2)`);
    const check = await pgError(`INSERT INTO ops_t VALUES ('b', -1)`);
    for (const e of [unique, check]) expect(nonRetryable(classifyFailure(e))).toBe(FAILURE.constraint);
    expect((classifyFailure(unique) as ApplicationFailure).message).toContain('ops_t_pkey');
  });

  it('ops: transient errors stay retryable: serialisation failure, deadlock, statement timeout, connection refused', async () => {
    const serialisation = await pgError(`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$`);
    const deadlock = await pgError(`DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$`);
    const cfg = loadConfig({ DATABASE_URL: db.url, PG_STATEMENT_TIMEOUT_MS: '200', PG_CONNECT_TIMEOUT_MS: '500' });
    const bounded = createPool(cfg, { max: 1 });
    const timeout = await bounded.query('SELECT pg_sleep(2)').then(() => undefined, (e: unknown) => e);
    await bounded.end();
    const refused = await createPool(loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', PG_CONNECT_TIMEOUT_MS: '500' }))
      .query('SELECT 1')
      .then(() => undefined, (e: unknown) => e);
    expect([sqlState(serialisation), sqlState(deadlock), sqlState(timeout)]).toEqual(['40001', '40P01', '57014']);
    for (const e of [serialisation, deadlock, timeout, refused]) {
      expect(e).toBeInstanceOf(Error);
      expect(classifyFailure(e)).toBe(e); // unchanged: Temporal retries it with backoff
    }
  });

  it('ops: a validation error and a row that stays missing are non-retryable; an ApplicationFailure passes unchanged', () => {
    const zod = z.object({ n: z.number() }).safeParse({ n: 'x' });
    expect(nonRetryable(classifyFailure(zod.error))).toBe(FAILURE.validation);
    expect((classifyFailure(zod.error) as ApplicationFailure).message).toContain('n:');
    // Outside an activity attempt there is no grace left: a missing row is for ops at once.
    expect(nonRetryable(classifyFailure(new NotFoundError('application X is not recorded')))).toBe(FAILURE.notFound);
    const own = ApplicationFailure.create({ type: 'CalendarDataError', message: 'bad file', nonRetryable: false });
    expect(classifyFailure(own)).toBe(own);
  });

  it('ops: every wrapped activity throws the classified failure', async () => {
    const acts = withFailurePolicy({ bad: async () => db.pool.query(`SELECT '2026-13-01'::date`), ok: async () => 7 });
    expect(await acts.ok()).toBe(7);
    const e = await acts.bad().then(() => undefined, (x: unknown) => x);
    expect(nonRetryable(e)).toBe(FAILURE.data);
  });
});

describe('the worker pool and its bounds (README "Worker pool and timeouts")', () => {
  it('ops: each connection carries the statement, lock and idle-in-transaction timeouts', async () => {
    const pool = createPool(loadConfig({ DATABASE_URL: db.url, PG_STATEMENT_TIMEOUT_MS: '8000' }), { max: 1 });
    try {
      const r = await pool.query<{ s: string; l: string; i: string }>(
        `SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l, current_setting('idle_in_transaction_session_timeout') AS i`,
      );
      expect(r.rows[0]).toEqual({ s: '8s', l: '4s', i: '1min' });
    } finally {
      await pool.end();
    }
  });

  it('ops: the activity pool has a connection per activity slot plus one; the e-CQS sender a small pool of its own', () => {
    expect(workerPoolSizes({ WORKER_ACTIVITY_SLOTS: 16, ECQS_CONCURRENCY: 16 })).toEqual({ activities: 17, sender: 4 });
    expect(workerPoolSizes({ WORKER_ACTIVITY_SLOTS: 4, ECQS_CONCURRENCY: 2 })).toEqual({ activities: 5, sender: 2 });
  });
});
