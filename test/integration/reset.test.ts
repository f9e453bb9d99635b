/**
 * A Temporal reset (ops rewinding a case, e.g. after a bad deploy) on the real dev server with a
 * real worker and PostgreSQL (issue 11, item 6): the reset run's steps write audit rows of their
 * own, and its stage outranks whatever the old run wrote later.
 */
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptUpdate, refuseUpdate, statusQuery } from '../../domain/approval/messages';
import { licenceApplication } from '../../workflows/approval/licence-application';
import { createWorker } from '../../workers/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';
import { poller } from '../helpers/time-skipping';

const TQ = 'reset-test';
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: Worker;
let running: Promise<void>;
const eventually = poller({ ms: 15_000, retryErrors: true });

beforeAll(async () => {
  [env, db] = await Promise.all([createDevServerEnv(), createTestDatabase()]);
  worker = await createWorker({ connection: env.nativeConnection, taskQueue: TQ, pool: db.pool, workflowBundle: await workflowBundle() });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await db?.drop();
});

async function audit(applicationId: string): Promise<Record<string, number>> {
  const r = await db.pool.query('SELECT action, count(*)::int AS n FROM audit_events WHERE application_id = $1 GROUP BY action', [applicationId]);
  return Object.fromEntries(r.rows.map((x) => [x.action as string, x.n as number]));
}

describe('a reset case', () => {
  it('R05, R06: after a Temporal reset the case keeps writing its audit rows and its stage', async () => {
    const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } });
    const h = await env.client.workflow.start(licenceApplication, {
      taskQueue: TQ,
      workflowId: app.applicationId,
      args: [{ application: app, receivedAt: new Date().toISOString() }],
    });
    await eventually(() => h.query(statusQuery), (s) => s.stage === 'received');
    await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
    await eventually(() => h.query(statusQuery), (s) => s.path !== undefined);
    await h.executeUpdate(refuseUpdate, { args: [{ actor: staff('approver'), reasons: ['生产条件不符合要求'] }] });
    expect((await h.result()).outcome).toBe('refused');
    expect((await db.pool.query('SELECT stage FROM applications WHERE id = $1', [app.applicationId])).rows[0].stage).toBe('refused');

    // Ops reset the case to just before the acceptance, without re-applying the old messages.
    const events = (await h.fetchHistory()).events ?? [];
    const acceptedAt = events.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!.eventId!;
    const resetPoint = events.filter((e) => e.workflowTaskCompletedEventAttributes && Number(e.eventId) < Number(acceptedAt)).at(-1)!.eventId!;
    const { runId } = await env.client.workflowService.resetWorkflowExecution({
      namespace: env.client.options.namespace,
      workflowExecution: { workflowId: app.applicationId },
      reason: 'test: rewind before the acceptance',
      workflowTaskFinishEventId: resetPoint,
      requestId: randomUUID(),
      resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE,
      resetReapplyExcludeTypes: [
        temporal.api.enums.v1.ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL,
        temporal.api.enums.v1.ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE,
      ],
    });
    const reset = env.client.workflow.getHandle<typeof licenceApplication>(app.applicationId, runId!);
    expect((await eventually(() => reset.query(statusQuery), (s) => s.stage === 'received')).stage).toBe('received');

    // The same steps again, in the new run: each writes its own rows, and the stage follows.
    const again = await reset.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer', 'BJ', 'acceptance-officer-2') }] });
    expect(again.stage).toBe('under-review');
    await eventually(() => audit(app.applicationId), (a) => a.routed === 2);
    const rows = await audit(app.applicationId);
    expect(rows).toMatchObject({ received: 1, accepted: 2, routed: 2, refused: 1 });
    const stage = await eventually(
      async () => (await db.pool.query('SELECT stage FROM applications WHERE id = $1', [app.applicationId])).rows[0].stage as string,
      (s) => s === 'under-review',
    );
    expect(stage).toBe('under-review');
  });
});
