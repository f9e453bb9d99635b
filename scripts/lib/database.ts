/**
 * The database side of `npm start`: checking a configured `DATABASE_URL`, or serving an
 * embedded PGlite over the PostgreSQL wire protocol so the same `pg` code runs against it.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import type { PgliteThreadData, PgliteThreadMessage } from './pglite-thread';

/** `DATABASE_URL` for messages: no password, no query string. Undefined if it is no URL. */
export function redactDatabaseUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
  return `${u.protocol}//${user}${u.host}${u.pathname}`;
}

/** One short, human line for a failed connection attempt (pg and net errors vary a lot). */
export function describeConnectError(err: unknown, timeoutMs: number): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeConnectError(err.errors[0], timeoutMs);
  const e = err as NodeJS.ErrnoException & { message?: string };
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return `no answer within ${timeoutMs / 1000}s`;
    case 'ECONNRESET':
      return 'connection reset by the server';
    default:
      break;
  }
  const msg = (e?.message ?? String(err)).split('\n')[0] ?? '';
  if (/timeout/i.test(msg)) return `no answer within ${timeoutMs / 1000}s`;
  return msg || e?.code || 'unknown error';
}

/** Connects and runs `SELECT 1`; resolves with an error line, or undefined when reachable. */
export async function probeDatabase(url: string, timeoutMs = 5000): Promise<string | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  // A server dropping the connection later must not become an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return describeConnectError(err, timeoutMs);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface EmbeddedPostgres {
  url: string;
  /** Resolves if the database thread ends without being asked to (a crash). */
  readonly died: Promise<string>;
  close(): Promise<void>;
}

/**
 * PGlite (Postgres compiled to WASM) with its data in `dataDir`, served on host:port from a
 * worker thread of this process (see ./pglite-thread.ts for why a thread). PGlite is a single
 * Postgres session: the socket server queues every connection's queries onto it, and a
 * transaction on one connection holds the others until it ends.
 */
export function startEmbeddedPostgres(opts: PgliteThreadData): Promise<EmbeddedPostgres> {
  // Worker threads do not inherit tsx's loader: register its CommonJS hook in the thread first.
  const boot = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(path.join(__dirname, 'pglite-thread.ts'))});`;
  const thread = new Worker(boot, { eval: true, workerData: opts });
  let closing = false;
  let onClosed: (() => void) | undefined;
  let settleStart: ((err?: Error) => void) | undefined;
  const died = new Promise<string>((resolve) => {
    const end = (why: string) => {
      if (settleStart) settleStart(new Error(why));
      else if (!closing) resolve(why);
      onClosed?.();
    };
    thread.on('error', (err) => end(err.message.split('\n')[0] ?? err.message));
    thread.on('exit', (code) => end(`its thread exited (code ${code})`));
  });
  const started = new Promise<void>((resolve, reject) => {
    settleStart = (err) => {
      settleStart = undefined;
      if (err) reject(err);
      else resolve();
    };
  });
  thread.on('message', (m: PgliteThreadMessage) => {
    if (m.type === 'ready') settleStart?.();
    else if (m.type === 'failed') {
      const e = new Error(m.code === 'EADDRINUSE' ? `port ${opts.port} is already in use` : m.message);
      settleStart?.(e);
    }
  });
  return started.then(() => ({
    url: `postgres://postgres@${opts.host}:${opts.port}/postgres`,
    died,
    close() {
      if (closing) return Promise.resolve();
      closing = true;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => void thread.terminate().then(() => resolve()), 10_000);
        onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
        thread.postMessage({ type: 'close' });
      });
    },
  }));
}
