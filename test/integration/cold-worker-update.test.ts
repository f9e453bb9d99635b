/**
 * Issue 16: an Update that reaches a worker without the case in its cache, in the same workflow
 * task as the result of the case's own activity, after a workflow task timed out (a worker
 * killed holding it), as in the soak's stuck case. The real dev server, real workers (one runs
 * only activities, one only workflows with no cache, so every workflow task replays from the
 * start) and PostgreSQL. The workflow worker is stopped while the activity finishes and the
 * Update is sent; a new one then takes the activity's result and the Update in one task.
 *
 * Here the SDK hands the Update over first in that task (as it does on replay), so the
 * validator sees the case still at intake (its acceptance deadline not yet known) and refuses;
 * before the patch 'received-with-acceptance-deadline' the case was `received` and took it.
 * The soak's history recorded such an Update after the result instead, which this setting does
 * not reproduce (docs/reliability.md).
 */
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { sendUpdate } from '../../api/updates';
import { acceptUpdate, approveUpdate, statusQuery } from '../../domain/approval/messages';
import { licenceApplication } from '../../workflows/approval/licence-application';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { Gate, gateActivity } from '../helpers/gate';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';
import { poller } from '../helpers/time-skipping';

const TQ = 'cold-worker-update';
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let bundle: WorkflowBundleWithSourceMap;
const eventually = poller({ ms: 20_000, retryErrors: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [env, db, bundle] = await Promise.all([createDevServerEnv(), createTestDatabase(), workflowBundle()]);
}, 120_000);
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

/** A worker that runs only workflows and caches none: every workflow task replays the history. */
async function coldWorkflowWorker(): Promise<{ stop: () => Promise<void> }> {
  const w = await Worker.create({ connection: env.nativeConnection, taskQueue: TQ, workflowBundle: bundle, maxCachedWorkflows: 0 });
  const running = w.run();
  return {
    stop: async () => {
      w.shutdown();
      await running;
    },
  };
}

describe('an Update on a cold worker', () => {
  it("L01: an accept that arrives with the acceptance deadline's result on a cold worker is refused not-yet and taken after; the case's history replays", async () => {
    const gate = new Gate();
    // The L01 deadline (the first computeDeadline) is held until the workflow worker is gone.
    const { activities } = gateActivity(createActivities({ pool: db.pool }), 'computeDeadline', gate, { when: (_a, n) => n === 1 });
    const activityWorker = await Worker.create({ connection: env.nativeConnection, taskQueue: TQ, activities });
    const activityRun = activityWorker.run();
    let workflows = { stop: async () => {} };
    try {
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } });
      const h = await env.client.workflow.start(licenceApplication, {
        taskQueue: TQ,
        workflowId: app.applicationId,
        args: [{ application: app, receivedAt: new Date().toISOString() }],
        workflowTaskTimeout: '2 seconds',
      });
      // A worker that dies holding the first workflow task: it times out (as in the soak's history).
      const held = await env.client.connection.withDeadline(Date.now() + 30_000, () =>
        env.client.workflowService.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: TQ, kind: 1 }, identity: 'killed-worker' }),
      );
      expect(held.workflowExecution?.workflowId).toBe(app.applicationId);
      await sleep(2_500);
      workflows = await coldWorkflowWorker();
      await gate.entered;
      await workflows.stop();
      gate.release();
      // The deadline's result is in the history, its workflow task waits for a worker.
      const done = async () => {
        const events = (await h.fetchHistory()).events ?? [];
        const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes);
        const completed = events.filter((e) => e.activityTaskCompletedEventAttributes).length;
        return scheduled.at(-1)?.activityTaskScheduledEventAttributes?.activityType?.name === 'computeDeadline' && completed === scheduled.length;
      };
      await eventually(done, (ok) => ok);
      const early = h.startUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }], waitForStage: WorkflowUpdateStage.ACCEPTED }).then(
        (u) => u.result(),
      );
      early.catch(() => undefined);
      await sleep(1_000); // the Update is with the server, in the pending workflow task
      workflows = await coldWorkflowWorker();
      const outcome = await early.then(
        (r) => ({ taken: r.stage }),
        (err: unknown) => ({ refused: err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause.type : String(err) }),
      );
      // Taken in that task, it would be replayed before the result it came with: refused instead.
      expect(outcome).toEqual({ refused: 'not-yet' });
      // Sent again (as the API does), it is taken in a task of its own, and the case goes on.
      expect((await sendUpdate(h, acceptUpdate, { actor: staff('acceptance-officer') }, { what: 'case' })).stage).toBe('under-review');
      await sendUpdate(h, approveUpdate, { actor: staff('approver') }, { what: 'case' });
      expect((await h.result()).outcome).toBe('issued');
      expect((await h.query(statusQuery)).stage).toBeDefined();
      // Every task of this worker replayed the history from the start; a last replay to be sure.
      const history = await h.fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, h.workflowId)).resolves.toBeUndefined();
    } finally {
      gate.release();
      await workflows.stop();
      activityWorker.shutdown();
      await activityRun;
    }
  }, 120_000);
});

