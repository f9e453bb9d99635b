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
  const lost = (err: Error & { code?: string }) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: 'PostgreSQL connection lost; it will be replaced', pool: opts.applicationName, code: err.code, error: err.message })}\n`);
  };
  // A connection the server ends (a PostgreSQL restart or failover: 57P01) emits 'error' on its
  // client; with no listener that event is an uncaught exception and kills the process (found
  // by `npm run soak`). The pool listens only while a client is idle (and re-emits on the pool,
  // handled here); a client checked out (pool.connect(): migrations, transactions, the
  // activities' cancellable pool) has no listener of the pool's, and gets the event between two
  // of its queries or right after its query failed. So every client gets a listener of its own
  // for its whole life. The caller still sees the failure: its query rejects, or the next one
  // does ("not queryable"), and a dead client released to the pool is discarded, not reused.
  pool.on('connect', (client) => {
    // A lost connection may emit twice (the server's 57P01, then the socket's end): one line.
    let said = false;
    client.on('error', (err) => {
      if (!said) lost(err);
      said = true;
    });
  });
  // Still required: the pool re-emits an idle client's error on itself, and an 'error' with no
  // listener throws. Logged once already, by the client's listener above.
  pool.on('error', () => undefined);
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

/** Node socket errors and SQLSTATEs of a database that is gone or not yet (back) up. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03']);
const UNREACHABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|not queryable|connection error/i;

/** Whether `err` (or an error it wraps) says the server could not be reached or went away, rather than refused the work. */
export function isDatabaseUnreachable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (e instanceof Error && UNREACHABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/**
 * Runs `step` (a start-up step: the migrations) until the database answers. A process started
 * while PostgreSQL restarts (an orchestrator replacing a killed worker at that moment, as the
 * soak does) waits for it instead of exiting; any other failure (a migration the server
 * refuses) is thrown at once.
 */
export async function whenDatabaseAnswers<T>(
  step: () => Promise<T>,
  warn: (msg: string) => void,
  opts: { initialMs?: number; maxMs?: number } = {},
): Promise<T> {
  let delay = opts.initialMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isDatabaseUnreachable(err)) throw err;
      warn(`database not reachable (attempt ${attempt}: ${err instanceof Error ? err.message : String(err)}); retrying in ${delay} ms`);
      await new Promise<void>((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, opts.maxMs ?? 5_000);
    }
  }
}
