/**
 * Shared helpers for workflow tests on the real time-skipping test server: a fresh server and
 * worker per test (time only moves forward), what an Update's validator said when it refused,
 * and polling for what a worker does just after a timer fires.
 */
import { ApplicationFailure, type SearchAttributePair } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities/types';
import type { ApplicationInput } from '../../domain/approval/application';
import { statusQuery } from '../../domain/approval/messages';
import { atIntakeSearchAttributes } from '../../domain/search-attributes';
import { licenceApplication } from '../../workflows/approval/licence-application';
import { createWorker } from '../../workers/worker';
import type { TestDatabase } from './db';
import { createTimeSkippingEnv } from './temporal';

export interface ServerOptions {
  taskQueue: string;
  db: TestDatabase;
  bundle: WorkflowBundleWithSourceMap;
  /** Replaces the worker's activities (e.g. one that crashes); by default the real ones on `db`. */
  activities?: Activities;
}

export interface TimeSkippingCtx {
  env: TestWorkflowEnvironment;
  /** The server clock. */
  now(): Promise<number>;
  /** Moves the server clock to an instant (forward only). */
  sleepUntil(ms: number): Promise<void>;
  /**
   * Starts a case on this server's task queue, received now unless `receivedAt` is given, and
   * returns once its intake gates are done (staff actions are refused at `intake`).
   */
  start(app: ApplicationInput, receivedAt?: string): Promise<WorkflowHandle<typeof licenceApplication>>;
  /**
   * Starts a case received now and returns at once, while its intake runs (for a test that holds
   * or watches intake). `asApi`: with the search attributes the API starts a case with.
   */
  begin(app: ApplicationInput, o?: { asApi?: boolean }): Promise<WorkflowHandle<typeof licenceApplication>>;
}

/**
 * A fresh time-skipping server and worker for one test (or one recording): runs `fn` while the
 * worker runs, then `afterWorker` (if given) with its result once the worker has stopped and
 * before the server is torn down.
 */
export async function withServer<T, R = T>(
  opts: ServerOptions,
  fn: (ctx: TimeSkippingCtx) => Promise<T>,
  afterWorker?: (result: T, ctx: TimeSkippingCtx) => Promise<R>,
): Promise<R> {
  const { taskQueue, db, bundle, activities } = opts;
  const env = await createTimeSkippingEnv();
  try {
    const worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue,
      pool: db.pool,
      workflowBundle: bundle,
      ...(activities ? { extra: { activities } } : {}),
    });
    const startCase = async (app: ApplicationInput, receivedAt?: string, typedSearchAttributes?: SearchAttributePair[]) =>
      env.client.workflow.start(licenceApplication, {
        taskQueue,
        workflowId: app.applicationId,
        args: [{ application: app, receivedAt: receivedAt ?? new Date(await env.currentTimeMs()).toISOString() }],
        ...(typedSearchAttributes ? { typedSearchAttributes } : {}),
      });
    const ctx: TimeSkippingCtx = {
      env,
      now: () => env.currentTimeMs(),
      async sleepUntil(ms) {
        const now = await env.currentTimeMs();
        if (ms > now) await env.sleep(ms - now);
      },
      start: async (app, receivedAt) => {
        const h = await startCase(app, receivedAt);
        await pastIntake(h);
        return h;
      },
      begin: (app, o = {}) => startCase(app, undefined, o.asApi ? atIntakeSearchAttributes(app) : undefined),
    };
    const result = await worker.runUntil(fn(ctx));
    return afterWorker ? await afterWorker(result, ctx) : (result as unknown as R);
  } finally {
    await env.teardown();
  }
}

/** Waits until a case has left the `intake` stage (its receipt gates are done), or closed. */
export async function pastIntake(h: WorkflowHandle<typeof licenceApplication>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const stage = await h.query(statusQuery).then((s) => s.stage, () => undefined);
    if ((stage !== undefined && stage !== 'intake') || Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * `withServer` bound to one test file's task queue, database and bundle. `opts` is read when a
 * test runs, so it may name what `beforeAll` sets up.
 */
export function serverFor(opts: () => ServerOptions) {
  return <T>(fn: (ctx: TimeSkippingCtx) => Promise<T>, activities?: Activities): Promise<T> =>
    withServer({ ...opts(), ...(activities ? { activities } : {}) }, fn);
}

export interface Refusal {
  type?: string;
  message: string;
}

async function refusalOr(p: Promise<unknown>, other: (e: unknown) => Refusal): Promise<Refusal> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) return { type: e.cause.type ?? undefined, message: e.cause.message };
    return other(e);
  }
  throw new Error('the update was expected to be refused, but it was accepted');
}

/** What the validator said when it refused an Update; any other error is rethrown. */
export function refusal(p: Promise<unknown>): Promise<Refusal> {
  return refusalOr(p, (e) => {
    throw e;
  });
}

/**
 * Like `refusal`, but any other error (e.g. the workflow has already closed) is reported as a
 * refusal of type 'closed'.
 */
export function refusalOrClosed(p: Promise<unknown>): Promise<Refusal> {
  return refusalOr(p, (e) => ({ type: 'closed', message: e instanceof Error ? e.message : String(e) }));
}

export interface PollOptions {
  /** How long to poll before giving up and returning the last value read; default 10 s. */
  ms?: number;
  /** A read that fails (e.g. the workflow does not exist yet) counts as not yet, not as an error. */
  retryErrors?: boolean;
}

/**
 * A polling helper with its defaults: `eventually(read, check, ms?)` reads until `check` passes
 * (after a timer fires the worker still needs a moment to act) or time is up, and returns the
 * last value read.
 */
export function poller(defaults: PollOptions = {}) {
  const retryErrors = defaults.retryErrors ?? false;
  return async <T>(read: () => Promise<T>, check: (v: T) => boolean, ms = defaults.ms ?? 10_000): Promise<T> => {
    const until = Date.now() + ms;
    for (;;) {
      const v = retryErrors ? await read().catch(() => undefined as T) : await read();
      if (((!retryErrors || v !== undefined) && check(v)) || Date.now() > until) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
}

/** Polls until `check` passes; a failing read fails the test. */
export const eventually = poller();
