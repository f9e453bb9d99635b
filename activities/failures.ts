/**
 * The activity boundary of the failure policy (README "Failure policy", domain/ops.ts), and the
 * attempt's own hygiene (README "Worker pool and timeouts").
 *
 *  - Classification: PostgreSQL SQLSTATE class 22 (data exception) and 23 (integrity constraint
 *    violation), zod validation errors and `NotFoundError` become NON-retryable
 *    ApplicationFailures of a FAILURE type: a retry cannot fix them, the workflow holds for ops.
 *    Everything else (connection refused or lost, timeouts, 40001 serialisation, 40P01 deadlock,
 *    57014 cancelled, 53xxx resources …) stays retryable: Temporal retries with backoff.
 *  - Heartbeats: every attempt heartbeats while it runs, so the server learns at once that an
 *    attempt's worker died, and the worker learns that an attempt timed out or was cancelled.
 *  - Cancellation: an attempt that timed out or was cancelled has its PostgreSQL work cancelled
 *    (`pg_cancel_backend`; its transaction rolls back) and ends at once, so it never keeps running
 *    beside its retry.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool, PoolClient } from 'pg';
import { ZodError } from 'zod';
import { FAILURE } from '../domain/ops';

/** How often a running attempt heartbeats (the SDK throttles to 80 % of the heartbeat timeout). */
export const HEARTBEAT_EVERY_MS = 2_000;
/** A "not found" may be a row still on its way (an earlier write being retried): retried this often first. */
export const NOT_FOUND_GRACE_ATTEMPTS = 5;

/** A row the activity needs is missing. Retryable for NOT_FOUND_GRACE_ATTEMPTS attempts, then for ops. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (a test, a script)
  }
}

/** The SQLSTATE of a pg error, or undefined. */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; severity?: unknown } | undefined;
  return e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string' ? e.code : undefined;
}

/** An activity's error as Temporal should see it: non-retryable and typed when a retry cannot help. */
export function classifyFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error ? err : undefined;
  const code = sqlState(err);
  if (code?.startsWith('22')) {
    return ApplicationFailure.create({ type: FAILURE.data, message: `the database refused a value (SQLSTATE ${code}): ${message}`, nonRetryable: true, cause, details: [{ sqlstate: code }] });
  }
  if (code?.startsWith('23')) {
    const constraint = (err as { constraint?: string }).constraint;
    return ApplicationFailure.create({
      type: FAILURE.constraint,
      message: `a database constraint${constraint ? ` (${constraint})` : ''} refused the write (SQLSTATE ${code}): ${message}`,
      nonRetryable: true,
      cause,
      details: [{ sqlstate: code, constraint }],
    });
  }
  if (err instanceof ZodError) {
    const issues = err.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    return ApplicationFailure.create({ type: FAILURE.validation, message: `invalid input: ${issues}`, nonRetryable: true, cause });
  }
  if (err instanceof NotFoundError) {
    const attempt = currentContext()?.info.attempt ?? NOT_FOUND_GRACE_ATTEMPTS;
    if (attempt >= NOT_FOUND_GRACE_ATTEMPTS) return ApplicationFailure.create({ type: FAILURE.notFound, message: `${message} (after ${attempt} attempts)`, nonRetryable: true, cause });
  }
  return err;
}

/** Wraps every activity: classification, heartbeats while it runs, an immediate end when cancelled. */
export function withFailurePolicy<T extends object>(activities: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    if (typeof fn !== 'function') continue;
    out[name] = async (...args: unknown[]) => {
      const ctx = currentContext();
      const beat = ctx ? setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS) : undefined;
      try {
        const run = (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        // ctx.cancelled rejects (CancelledFailure) on timeout or cancellation: the attempt ends now,
        // and cancellablePool has already cancelled its database work.
        return await (ctx ? Promise.race([run, ctx.cancelled]) : run);
      } catch (err) {
        throw classifyFailure(err);
      } finally {
        if (beat) clearInterval(beat);
      }
    };
  }
  return out as T;
}

/**
 * The activities' view of the pool: a connection taken during an activity attempt is watched, and
 * when the attempt is cancelled (timed out on the server, cancelled, worker shutting down) the
 * statement it runs is cancelled and the connection discarded, so its transaction rolls back.
 */
export function cancellablePool(pool: Pool): Pool {
  const watch = (client: PoolClient): PoolClient => {
    const signal = currentContext()?.cancellationSignal;
    if (!signal) return client;
    const pid = (client as PoolClient & { processID?: number }).processID;
    const onAbort = () => {
      if (pid !== undefined) pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const release = client.release.bind(client);
    client.release = (destroy?: Error | boolean) => {
      signal.removeEventListener('abort', onAbort);
      // A cancelled attempt's connection is not reused: its session may be mid-transaction.
      return release(destroy ?? (signal.aborted ? true : undefined));
    };
    return client;
  };
  const connect = async () => watch(await pool.connect());
  const query = async (...args: unknown[]) => {
    const client = await connect();
    try {
      return await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
    } finally {
      client.release();
    }
  };
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'connect') return connect;
      if (prop === 'query') return query;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
