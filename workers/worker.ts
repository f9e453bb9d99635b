/**
 * Builds the worker: one task queue, the bundled workflows, every activity with its
 * dependencies. Tests and `workers/main.ts` both use this, so they run the same thing.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../activities';
import { WORKFLOWS_PATH, workflowPreloadModules } from './bundle';
import { EcqsSender, type EcqsSenderOptions } from './ecqs-sender';
import { PublicitySender } from './publicity-sender';
import type { Config } from '../domain/config';

export const DEFAULT_TASK_QUEUE = 'licence-applications';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  pool: Pool;
  calendarDir?: string;
  /** Activities run at once (WORKER_ACTIVITY_SLOTS): the activity pool is sized from it (infra/pg.ts workerPoolSizes). */
  activitySlots?: number;
  /** Workflows kept in memory between tasks (WORKER_MAX_CACHED_WORKFLOWS); bounds the worker's memory however many cases are open. */
  maxCachedWorkflows?: number;
  /** A pre-built bundle (tests bundle once per file); otherwise workflows are bundled here. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  extra?: Partial<WorkerOptions>;
}

export function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace ?? 'default',
    taskQueue: deps.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: workflowPreloadModules() } }),
    activities: createActivities({ pool: deps.pool, calendarDir: deps.calendarDir }),
    // Never more activities at once than the pool has connections for.
    ...(deps.activitySlots ? { maxConcurrentActivityTaskExecutions: deps.activitySlots } : {}),
    ...(deps.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: deps.maxCachedWorkflows } : {}),
    // Lets in-flight activities finish (or hand back) before the process exits.
    shutdownGraceTime: '20 seconds',
    ...deps.extra,
  });
}

/**
 * R06: the e-CQS sender of this worker process (every worker runs one; they share the outbox
 * safely). Undefined when ECQS_URL is unset or ECQS_SENDER=off: records then wait in the outbox.
 */
export function startEcqsSender(config: Config, pool: Pool, log?: EcqsSenderOptions['log']): EcqsSender | undefined {
  if (!config.ECQS_URL || config.ECQS_SENDER === 'off') return undefined;
  const sender = new EcqsSender({
    pool,
    url: config.ECQS_URL,
    token: config.ECQS_TOKEN,
    requestTimeoutMs: config.ECQS_TIMEOUT_MS,
    concurrency: config.ECQS_CONCURRENCY,
    backoff: { maxMs: config.ECQS_BACKOFF_MAX_MS },
    log,
  });
  sender.start();
  return sender;
}

/**
 * R12: the credit-publicity sender of this worker process, beside the e-CQS sender (they share its
 * small pool; each holds a connection only while claiming or settling). Undefined when
 * PUBLICITY_URL is unset or PUBLICITY_SENDER=off: records then wait in `credit_publicity`.
 */
export function startPublicitySender(config: Config, pool: Pool, log?: EcqsSenderOptions['log']): PublicitySender | undefined {
  if (!config.PUBLICITY_URL || config.PUBLICITY_SENDER === 'off') return undefined;
  const sender = new PublicitySender({
    pool,
    url: config.PUBLICITY_URL,
    token: config.PUBLICITY_TOKEN,
    requestTimeoutMs: config.PUBLICITY_TIMEOUT_MS,
    concurrency: config.PUBLICITY_CONCURRENCY,
    backoff: { maxMs: config.PUBLICITY_BACKOFF_MAX_MS },
    log,
  });
  sender.start();
  return sender;
}
