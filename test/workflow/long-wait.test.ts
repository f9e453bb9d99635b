/**
 * A take-over that waits years for its predecessor licence (R04, issue 11 item 14): the case
 * continues as new before its history grows large, carrying its state, and the confirmation
 * that finally ends the wait is not lost. Time-skipping server, real activities, real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { acceptUpdate, confirmPredecessorCancelledUpdate, statusQuery } from '../../domain/approval/messages';
import { SA } from '../../domain/search-attributes';
import { makeApplication, staff } from '../helpers/fixtures';
import { poller } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-long-wait';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const eventually = poller({ ms: 15_000, retryErrors: true });
const DAY = 86_400_000;
const CAP = 400;

describe('a long R04 wait', () => {
  it('R04: a take-over waiting 4 simulated years continues as new, keeps its state, and still hears the confirmation', async () => {
    await withServer(async ({ env }) => {
      const app = makeApplication({ predecessor: { certificateNumber: '(京)XK08-001-09996', reason: 'acquisition' } });
      const h = await env.client.workflow.start('licenceApplication', {
        taskQueue: TASK_QUEUE,
        workflowId: app.applicationId,
        args: [{ application: app, receivedAt: new Date(await env.currentTimeMs()).toISOString(), historyCap: CAP }],
        memo: { submission: { marker: 'kept' } },
      });
      await eventually(() => h.query(statusQuery), (s) => s.stage === 'awaiting-predecessor-cancellation');
      const first = await h.describe();

      for (let half = 0; half < 8; half++) await env.sleep(183 * DAY); // ~4 years, ~44 events a day

      const latest = await h.describe();
      expect(latest.runId).not.toBe(first.runId);
      expect(latest.status.name).toBe('RUNNING');
      expect(latest.memo?.submission).toEqual({ marker: 'kept' });
      expect(latest.typedSearchAttributes.get(SA.waitingOn)).toBe('predecessor-cancellation');
      // Every run, the first and the current one, stayed near the cap.
      const firstRun = (await env.client.workflow.getHandle(h.workflowId, first.runId).fetchHistory()).events ?? [];
      expect(firstRun.length).toBeLessThanOrEqual(CAP + 30);
      expect(firstRun.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
      expect(((await h.fetchHistory()).events ?? []).length).toBeLessThanOrEqual(CAP + 30);

      const waiting = await h.query(statusQuery);
      expect(waiting.stage).toBe('awaiting-predecessor-cancellation');

      const confirmed = await h.executeUpdate(confirmPredecessorCancelledUpdate, { args: [{ actor: staff('acceptance-officer'), evidence: '原许可证已注销（总局公告）' }] });
      expect(confirmed.stage).toBe('received');
      const accepted = await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      expect(accepted.stage).toBe('under-review');

      // Receipt and the wait were each recorded once across all runs; the re-checks wrote nothing.
      const rows = await suite.db.pool.query('SELECT action, count(*)::int AS n FROM audit_events WHERE application_id = $1 GROUP BY action', [app.applicationId]);
      const count = Object.fromEntries(rows.rows.map((r) => [r.action as string, r.n as number]));
      expect(count).toMatchObject({ received: 1, 'awaiting-predecessor-cancellation': 1, 'predecessor-cancellation-confirmed': 1, 'predecessor-cancelled': 1, accepted: 1 });
      const s = await h.query(statusQuery);
      expect(s.timeline.map((t) => t.event)).toEqual(expect.arrayContaining(['received', 'awaiting-predecessor-cancellation', 'predecessor-cancelled', 'accepted']));
    });
  }, 600_000);
});
