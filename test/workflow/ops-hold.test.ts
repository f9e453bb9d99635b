/**
 * The failure policy in the workflows (README "Failure policy"), on the real time-skipping server
 * with real activities and PostgreSQL: a step that fails for good holds the case for ops instead
 * of failing it or retrying for ever; ops retry it once the cause is fixed.
 */
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { observeActivity } from '../helpers/gate';
import { acceptUpdate, statusQuery } from '../../domain/approval/messages';
import { FAILURE, opsHoldsQuery, retryAfterOpsUpdate } from '../../domain/ops';
import { makeApplication, newApplicationId, staff } from '../helpers/fixtures';
import { eventually, refusal } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const suite = workflowSuite('test-ops-hold');
const { withServer } = suite;
const OPS = { id: 'ops-1', role: 'ops' as const };

/** A real constraint that refuses every audit row of the cases whose id starts with `prefix`. */
async function block(prefix: string): Promise<() => Promise<void>> {
  const name = `ops_block_${prefix.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
  await suite.db.pool.query(`ALTER TABLE audit_events ADD CONSTRAINT ${name} CHECK (application_id NOT LIKE '${prefix}%') NOT VALID`);
  return async () => {
    await suite.db.pool.query(`ALTER TABLE audit_events DROP CONSTRAINT ${name}`);
  };
}

describe('a step that fails for good waits on ops', () => {
  it('ops: a constraint violation at receipt holds the case (status, opsHolds), is attempted once, and ops resume it with retryAfterOps', async () => {
    await withServer(async ({ start }) => {
      const unblock = await block('OPSA');
      const app = makeApplication({ applicationId: newApplicationId('OPSA') });
      const h = await start(app);
      const held = await eventually(() => h.query(statusQuery), (s) => s.opsHold !== undefined);
      expect(held.opsHold).toMatchObject({ activity: 'recordReceipt', type: FAILURE.constraint, retries: 0 });
      expect(held.opsHold!.error).toMatch(/ops_block_opsa/);
      expect(await h.query(opsHoldsQuery)).toHaveLength(1);
      // Not retried by Temporal: one attempt, failed for good; the workflow itself is still running.
      const events = (await h.fetchHistory()).events ?? [];
      // The intake's reads run beside the receipt; only the receipt failed.
      const receipt = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordReceipt')!;
      const startedReceipt = events.filter((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(receipt.eventId));
      expect(startedReceipt.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
      expect(events.some((e) => e.activityTaskFailedEventAttributes)).toBe(true);
      expect((await h.describe()).status.name).toBe('RUNNING');

      // Only ops may retry; a retry before the cause is fixed holds again, counting the retry.
      expect(await refusal(h.executeUpdate(retryAfterOpsUpdate, { args: [{ actor: staff('approver') }] }))).toMatchObject({ type: 'forbidden' });
      const again = await h.executeUpdate(retryAfterOpsUpdate, { args: [{ actor: OPS, note: 'first try' }] });
      expect(again).toMatchObject({ retried: ['recordReceipt'], stillHeld: [{ activity: 'recordReceipt', retries: 1 }] });

      await unblock();
      const done = await h.executeUpdate(retryAfterOpsUpdate, { args: [{ actor: OPS, note: 'constraint dropped' }] });
      expect(done).toEqual({ retried: ['recordReceipt'], stillHeld: [] });
      const s = await eventually(() => h.query(statusQuery), (x) => x.stage === 'received');
      expect(s.opsHold).toBeUndefined();
      const rows = await suite.db.pool.query('SELECT action FROM audit_events WHERE application_id = $1', [app.applicationId]);
      expect(rows.rows.map((r) => r.action)).toContain('received');
      // The case goes on as if nothing happened.
      expect((await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] })).stage).toBe('under-review');
      // Nothing held any more: a retry is refused.
      expect(await refusal(h.executeUpdate(retryAfterOpsUpdate, { args: [{ actor: OPS }] }))).toMatchObject({ type: 'conflict' });
    });
  });

  it("ops: a step of an Update handler that fails for good holds with that Update's id, and the Update answers after the ops retry", async () => {
    await withServer(async ({ start }) => {
      const app = makeApplication({ applicationId: newApplicationId('OPSB') });
      const h = await start(app);
      await eventually(() => h.query(statusQuery), (s) => s.stage === 'received');
      const unblock = await block('OPSB');
      const pending = await h.startUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }], updateId: 'accept:key-1', waitForStage: 'ACCEPTED' });
      // The main loop's own write (routing) may hold beside it; the Update's step carries its id.
      const holds = await eventually(() => h.query(opsHoldsQuery), (x) => x.some((hold) => hold.updateId !== undefined));
      expect(holds).toContainEqual(expect.objectContaining({ activity: 'recordTransition', type: FAILURE.constraint, updateId: 'accept:key-1' }));
      await unblock();
      await h.executeUpdate(retryAfterOpsUpdate, { args: [{ actor: OPS }] });
      expect((await pending.result()).stage).toBe('under-review');
      // The same Update id again: the original answer, nothing recorded twice.
      const repeat = await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }], updateId: 'accept:key-1' });
      expect(repeat.stage).toBe('under-review');
      const accepted = await suite.db.pool.query(`SELECT count(*)::int AS n FROM audit_events WHERE application_id = $1 AND action = 'accepted'`, [app.applicationId]);
      expect(accepted.rows[0].n).toBe(1);
    });
  });

  it("ops, R07: when the routing's audit row holds for ops, the decision deadline asked for beside it is not used: the clock asks the calendar again once ops retry", async () => {
    const { activities, results: computed } = observeActivity(createActivities({ pool: suite.db.pool }), 'computeDeadline');
    await withServer(async ({ start }) => {
      const app = makeApplication({ applicationId: newApplicationId('OPSC') });
      const h = await start(app);
      await eventually(() => h.query(statusQuery), (s) => s.stage === 'received');
      const name = 'ops_block_opsc_routed';
      await suite.db.pool.query(`ALTER TABLE audit_events ADD CONSTRAINT ${name} CHECK (action <> 'routed' OR application_id NOT LIKE 'OPSC%') NOT VALID`);
      try {
        const accepted = h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
        const holds = await eventually(() => h.query(opsHoldsQuery), (x) => x.length > 0);
        expect(holds).toEqual([expect.objectContaining({ activity: 'recordTransition', type: FAILURE.constraint })]);
        // The L01 deadline and the decision deadline asked for beside the routing row.
        expect(computed).toHaveLength(2);
        await suite.db.pool.query(`ALTER TABLE audit_events DROP CONSTRAINT ${name}`);
        await h.executeUpdate(retryAfterOpsUpdate, { args: [{ actor: OPS }] });
        expect((await accepted).stage).toBe('under-review');
        const s = await eventually(() => h.query(statusQuery), (x) => x.deadline !== undefined);
        // Asked again after the hold: that answer is the one the case shows.
        expect(computed).toHaveLength(3);
        expect(s.deadline?.deadlineAt).toBe(computed[2]!.deadlineAt);
        expect(s.opsHold).toBeUndefined();
      } finally {
        await suite.db.pool.query(`ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS ${name}`);
      }
    }, activities);
  });
});
