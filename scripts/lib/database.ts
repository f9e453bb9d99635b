/**
 * The database side of `npm start`: checking a configured `DATABASE_URL` (and the embedded
 * server, ./embedded-postgres.ts) is reachable, and saying so without its password.
 */
import { Client } from 'pg';

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
