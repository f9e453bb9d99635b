/**
 * Races inside the case workflow (issue 11, items 1, 2, 3, 5): a message sent while the main
 * loop awaits a real, slowed-down activity (test/helpers/gate.ts) on the time-skipping server
 * with real PostgreSQL.
 */
import { WorkflowUpdateStage } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import {
  acceptUpdate,
  approveUpdate,
  confirmPredecessorCancelledUpdate,
  rejectAtIntakeUpdate,
  requestSupplementUpdate,
  statusQuery,
  supplementUpdate,
} from '../../domain/approval/messages';
import { sendUpdate } from '../../api/updates';
import { applicant, freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { Gate, gateActivity, observeActivity } from '../helpers/gate';
import { eventually, refusal } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-case-races';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const HOUR = 3_600_000;
const doc = { name: '产品检验报告', type: 'inspection-report', sha256: 'c'.repeat(64) };

async function auditActions(applicationId: string): Promise<string[]> {
  const r = await suite.db.pool.query('SELECT action FROM audit_events WHERE application_id = $1 ORDER BY id', [applicationId]);
  return r.rows.map((x) => x.action as string);
}

describe('case races', () => {
  it('R04: a confirmation that arrives during the re-check is not lost', async () => {
    const gate = new Gate();
    // The first status read (at intake) runs at once; the 6-hourly re-check waits on the gate.
    const { activities } = gateActivity(createActivities({ pool: suite.db.pool }), 'certificateStatus', gate, { when: (_a, n) => n >= 2 });
    await withServer(async ({ env, start }) => {
      const h = await start(makeApplication({ predecessor: { certificateNumber: '(京)XK08-001-09997', reason: 'restructuring' } }));
      await eventually(() => h.query(statusQuery), (s) => s.stage === 'awaiting-predecessor-cancellation');
      await env.sleep(6 * HOUR + 5_000);
      await gate.entered; // the re-check is running and will answer "still in force"
      const confirm = await h.startUpdate(confirmPredecessorCancelledUpdate, {
        args: [{ actor: staff('acceptance-officer'), evidence: '总局注销公告2019第12号' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      gate.release();
      const s = await eventually(() => h.query(statusQuery), (x) => x.stage === 'received', 5_000);
      expect(s.stage).toBe('received');
      expect((await confirm.result()).stage).toBe('received');
      expect(s.timeline.map((t) => t.event)).toContain('predecessor-cancelled');
    }, activities);
  });

  it('L01: a refusal to accept taken while the deemed-acceptance re-check runs is not overwritten', async () => {
    const gate = new Gate();
    // Call 1 computes the L01 deadline; call 2 is the re-check after its timer fired.
    const { activities, results } = gateActivity(createActivities({ pool: suite.db.pool }), 'computeDeadline', gate, { when: (_a, n) => n >= 2 });
    await withServer(async ({ env, start }) => {
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } });
      const h = await start(app);
      await eventually(async () => results.length, (n) => n >= 1);
      await env.sleep(Date.parse(results[0]!.deadlineAt!) + 5_000 - (await env.currentTimeMs()));
      await gate.entered;
      const r = await h.executeUpdate(rejectAtIntakeUpdate, { args: [{ actor: staff('acceptance-officer'), reasons: ['申请材料不齐全且逾期未补正'] }] });
      expect(r.stage).toBe('rejected-at-intake');
      gate.release();
      expect((await h.result()).outcome).toBe('rejected-at-intake');
      const s = await h.query(statusQuery);
      expect(s.stage).toBe('rejected-at-intake');
      expect(s.acceptance).toBeUndefined();
      const actions = await auditActions(app.applicationId);
      expect(actions).toContain('rejected-at-intake');
      expect(actions).not.toContain('deemed-accepted');
      expect(actions).not.toContain('routed');
    }, activities);
  });

  it('L01, R03, L04: staff cannot act while the intake gates run; they are told why, and may once the gates are done', async () => {
    const gate = new Gate();
    const { activities } = gateActivity(createActivities({ pool: suite.db.pool }), 'activeBan', gate);
    await withServer(async ({ begin }) => {
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } });
      // begin(), not start(): start() would wait for the intake this test holds up.
      const h = await begin(app);
      await gate.entered; // the L04 ban check is running
      expect((await h.query(statusQuery)).stage).toBe('intake');
      const early = await refusal(h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] }));
      // 'not-yet': the API answers 409 with Retry-After, since the case takes it in a moment.
      expect(early.type).toBe('not-yet');
      expect(early.message).toMatch(/still at intake.*(R03, L04, R04)/);
      const reject = await refusal(h.executeUpdate(rejectAtIntakeUpdate, { args: [{ actor: staff('acceptance-officer'), reasons: ['材料不齐全'] }] }));
      expect(reject.type).toBe('not-yet');
      gate.release();
      await eventually(() => h.query(statusQuery), (s) => s.stage === 'received');
      const accepted = await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      expect(accepted.stage).toBe('under-review');
      expect((await auditActions(app.applicationId)).filter((a) => a === 'accepted')).toHaveLength(1);
    }, activities);
  });

  it('R03: a case refused at intake is refused while its acceptance deadline (run beside the gates) is still being computed, and never turns received', async () => {
    const gate = new Gate();
    const { activities } = gateActivity(createActivities({ pool: suite.db.pool }), 'computeDeadline', gate);
    await withServer(async ({ begin }) => {
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() }, capacity: { declared: { value: 2_000_000, unit: 't/year' }, addsCapacity: false } });
      const h = await begin(app);
      await gate.entered; // the L01 deadline is being computed, beside the receipt and the reads
      expect((await h.result()).outcome).toBe('rejected-at-intake');
      const s = await h.query(statusQuery);
      expect(s.decision?.reasons?.[0]).toMatch(/^R03: declared capacity 2000000/);
      expect(s.timeline.some((t) => t.event === 'intake-passed')).toBe(false);
      expect(await auditActions(app.applicationId)).toEqual(['received', 'rejected-at-intake']);
      gate.release();
    }, activities);
  });

  it('L01: staff cannot act while the acceptance deadline is computed (first and after a supplement); the API waits for it instead of answering 409', async () => {
    // A staff Update taken while the main loop's own activity runs could share a workflow task
    // with its result; a cold worker replays the handler first and the case fails for good
    // (test/replay: nondeterministic-accept-on-cold-worker). So the validator refuses 'not-yet'.
    const [first, second] = [new Gate(), new Gate()];
    const slow = gateActivity(createActivities({ pool: suite.db.pool }), 'computeDeadline', first, { when: (_a, n) => n === 1 });
    const { activities } = gateActivity(slow.activities, 'computeDeadline', second, { when: (_a, n) => n === 2 });
    await withServer(async ({ begin }) => {
      const uscc = freshUscc();
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc } });
      const h = await begin(app);
      await first.entered; // the gates passed; the L01 deadline is being computed
      expect((await h.query(statusQuery)).stage).toBe('intake');
      expect((await refusal(h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] }))).type).toBe('not-yet');
      first.release();
      await eventually(() => h.query(statusQuery), (s) => s.stage === 'received');
      await h.executeUpdate(requestSupplementUpdate, { args: [{ actor: staff('acceptance-officer'), items: ['检验报告缺页'] }] });
      await h.executeUpdate(supplementUpdate, { args: [{ actor: applicant(uscc), documents: [doc] }] });
      await second.entered; // the deadline from the supplement is being computed
      const early = await refusal(h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] }));
      expect([early.type, early.message]).toEqual(['not-yet', expect.stringMatching(/computing its acceptance deadline \(L01\)/)]);
      // Through the API's sender: retried until the case takes it.
      let answered = false;
      const viaApi = sendUpdate(h, acceptUpdate, { actor: staff('acceptance-officer') }, { what: `case ${app.applicationId}` }).then((r) => {
        answered = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(answered).toBe(false);
      second.release();
      expect((await viaApi).stage).toBe('under-review');
      expect((await auditActions(app.applicationId)).filter((a) => a === 'accepted')).toHaveLength(1);
    }, activities);
  });

  it('R02, R07: a decision sent while the accepted case still records its path is refused not-yet; the acceptance answers only once the path is recorded', async () => {
    const gate = new Gate();
    const { activities } = gateActivity(createActivities({ pool: suite.db.pool }), 'recordTransition', gate, { when: ([entry]) => entry.action === 'routed' });
    await withServer(async ({ start }) => {
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } });
      const h = await start(app);
      let acceptedAnswer = false;
      const accepted = h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] }).then((r) => {
        acceptedAnswer = true;
        return r;
      });
      await gate.entered; // the 'routed' row is being written
      const early = await refusal(h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] }));
      expect([early.type, early.message]).toEqual(['not-yet', expect.stringMatching(/recording its path \(R02\)/)]);
      await new Promise((r) => setTimeout(r, 300));
      expect(acceptedAnswer).toBe(false);
      gate.release();
      expect((await accepted).stage).toBe('under-review');
      expect((await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] })).stage).toBeDefined();
      expect((await h.result()).outcome).toBe('issued');
      const actions = await auditActions(app.applicationId);
      expect(actions.indexOf('routed')).toBeLessThan(actions.indexOf('approved'));
    }, activities);
  });

  it("R07: the decision deadline is computed beside the routing's audit row: known while the row is still being written, shown once the case is routed", async () => {
    const gate = new Gate();
    const deadlines = observeActivity(createActivities({ pool: suite.db.pool }), 'computeDeadline');
    const computed = deadlines.results;
    const { activities } = gateActivity(deadlines.activities, 'recordTransition', gate, { when: ([entry]) => entry.action === 'routed' });
    await withServer(async ({ start }) => {
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc: freshUscc() } });
      const h = await start(app); // past intake: the L01 deadline is computed
      expect(computed).toHaveLength(1);
      const accepted = h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await gate.entered; // the 'routed' row is being written
      // The decision deadline comes back while the row is still held.
      await eventually(async () => computed.length, (n) => n >= 2);
      expect(computed).toHaveLength(2);
      gate.release();
      expect((await accepted).stage).toBe('under-review');
      const s = await eventually(() => h.query(statusQuery), (x) => x.deadline !== undefined);
      expect(s.deadline?.deadlineAt).toBe(computed[1]!.deadlineAt);
      expect(s.deadline?.limit.n).toBe(5);
      // Computed once: the clock took the deadline asked for ahead instead of asking again.
      expect(computed).toHaveLength(2);
      const actions = await auditActions(app.applicationId);
      expect(actions.indexOf('routed')).toBeLessThan(actions.indexOf('deadline-computed'));
    }, activities);
  });

  it('L01: a supplement is an Update: refused at the wrong stage or from another enterprise, and answered only once it is recorded', async () => {
    const gate = new Gate();
    const { activities } = gateActivity(createActivities({ pool: suite.db.pool }), 'recordTransition', gate, {
      when: ([entry]) => entry.action === 'supplemented',
      at: 'after',
    });
    await withServer(async ({ start }) => {
      const uscc = freshUscc();
      const app = makeApplication({ enterprise: { ...makeApplication().enterprise, uscc } });
      const h = await start(app);
      await eventually(() => h.query(statusQuery), (s) => s.stage === 'received');
      const tooEarly = await refusal(h.executeUpdate(supplementUpdate, { args: [{ actor: applicant(uscc), documents: [doc] }] }));
      expect(tooEarly).toMatchObject({ type: 'conflict' });
      expect(tooEarly.message).toContain('L01');

      await h.executeUpdate(requestSupplementUpdate, { args: [{ actor: staff('acceptance-officer'), items: ['检验报告缺页'] }] });
      expect((await refusal(h.executeUpdate(supplementUpdate, { args: [{ actor: applicant(), documents: [doc] }] }))).type).toBe('forbidden');

      let answered = false;
      const supplied = h.executeUpdate(supplementUpdate, { args: [{ actor: applicant(uscc), documents: [doc], note: '补正材料' }] }).then((r) => {
        answered = true;
        return r;
      });
      await gate.entered; // the audit row is written; its activity has not answered yet
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false);
      gate.release();
      const r = await supplied;
      expect(r.stage).toBe('received');
      expect(r.suppliedAt).toBeDefined();
      expect(await auditActions(app.applicationId)).toContain('supplemented');
      expect((await refusal(h.executeUpdate(supplementUpdate, { args: [{ actor: applicant(uscc), documents: [doc] }] }))).type).toBe('conflict');
    }, activities);
  });
});
