/**
 * A workflow test file's shared set-up: its own migrated database and one workflow bundle,
 * made before its tests and dropped after, plus `withServer` bound to them. (Separate from
 * time-skipping.ts, which record.ts uses outside vitest.)
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db';
import { workflowBundle } from './temporal';
import { serverFor } from './time-skipping';

export interface WorkflowSuite {
  readonly db: TestDatabase;
  readonly bundle: WorkflowBundleWithSourceMap;
  readonly withServer: ReturnType<typeof serverFor>;
}

export function workflowSuite(taskQueue: string): WorkflowSuite {
  let db: TestDatabase | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  beforeAll(async () => {
    [db, bundle] = await Promise.all([createTestDatabase(), workflowBundle()]);
  });
  afterAll(async () => {
    await db?.drop();
  });
  const ready = () => {
    if (!db || !bundle) throw new Error('workflowSuite: used before its beforeAll ran');
    return { db, bundle };
  };
  return {
    get db() {
      return ready().db;
    },
    get bundle() {
      return ready().bundle;
    },
    withServer: serverFor(() => ({ taskQueue, ...ready() })),
  };
}
