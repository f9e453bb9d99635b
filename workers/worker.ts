/**
 * Builds the worker: one task queue, the bundled workflows, every activity with its
 * dependencies. Tests and `workers/main.ts` both use this, so they run the same thing.
 */
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../activities';

export const DEFAULT_TASK_QUEUE = 'licence-applications';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  pool: Pool;
  calendarDir?: string;
  /** A pre-built bundle (tests bundle once per file); otherwise workflows are bundled here. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  extra?: Partial<WorkerOptions>;
}

export function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace ?? 'default',
    taskQueue: deps.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: path.join(__dirname, '..', 'workflows') }),
    activities: createActivities({ pool: deps.pool, calendarDir: deps.calendarDir }),
    // Lets in-flight activities finish (or hand back) before the process exits.
    shutdownGraceTime: '20 seconds',
    ...deps.extra,
  });
}
