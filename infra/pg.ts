/**
 * The PostgreSQL pools of a long-running process (worker or API), sized and bounded in one place
 * (README "Worker pool and timeouts").
 *
 * Every connection is bounded: waiting for a connection (PG_CONNECT_TIMEOUT_MS), one statement
 * (PG_STATEMENT_TIMEOUT_MS, below the activities' 30 s start-to-close timeout), a lock wait (half
 * of it), and a session left idle inside a transaction (60 s). Each ends in an error the caller
 * retries (Temporal's backoff for activities, 503 for the API), never in a hung process.
 */
import { Pool } from 'pg';
import type { Config } from '../domain/config';

export interface PoolOptions {
  /** Connections this process may hold. */
  max?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/** A session abandoned inside a transaction (a crashed or cancelled attempt) is ended after this. */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

export function createPool(config: Config, opts: PoolOptions = {}): Pool {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: opts.max ?? 10,
    application_name: opts.applicationName,
    connectionTimeoutMillis: config.PG_CONNECT_TIMEOUT_MS,
    statement_timeout: config.PG_STATEMENT_TIMEOUT_MS,
    lock_timeout: Math.max(1, Math.floor(config.PG_STATEMENT_TIMEOUT_MS / 2)),
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    // Client-side backstop when the server cannot answer at all (a network partition).
    query_timeout: config.PG_STATEMENT_TIMEOUT_MS + 5_000,
    keepAlive: true,
  });
  // An idle connection that the server ends (a PostgreSQL restart or failover: 57P01) emits
  // 'error' on the pool; unhandled, that event kills the process (found by `npm run soak`).
  // The pool drops that connection and opens a new one on next use; the next query tells the
  // caller whether the database is back.
  pool.on('error', (err: Error & { code?: string }) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: 'idle PostgreSQL connection lost; it will be replaced', pool: opts.applicationName, code: err.code, error: err.message })}\n`);
  });
  return pool;
}

/**
 * A worker's connections: one per activity slot plus one (the `pg_cancel_backend` that stops a
 * cancelled attempt's statement), and a separate small pool for the e-CQS sender, so a slow
 * e-CQS never takes the connections the activities need. The sender holds a connection only
 * while it claims or settles records, so a few serve its ECQS_CONCURRENCY parallel requests.
 */
export function workerPoolSizes(config: Pick<Config, 'WORKER_ACTIVITY_SLOTS' | 'ECQS_CONCURRENCY'>): { activities: number; sender: number } {
  return { activities: config.WORKER_ACTIVITY_SLOTS + 1, sender: Math.min(config.ECQS_CONCURRENCY, 4) };
}
