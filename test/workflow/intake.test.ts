/**
 * Intake gates (R03, R04) on the real time-skipping server with real PostgreSQL.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createLicenceActivities } from '../../activities/licence/licence';
import { validateApplication, type ApplicationInput } from '../../domain/approval/application';
import { acceptUpdate, approveUpdate, confirmPredecessorCancelledUpdate, predecessorCancelledSignal, statusQuery } from '../../domain/approval/messages';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { revokeLicenceUpdate } from '../../domain/licence/messages';
import { cementIndustrialPolicy, freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { workflowSuite } from '../helpers/workflow-suite';
import { eventually, type TimeSkippingCtx } from '../helpers/time-skipping';

const TASK_QUEUE = 'test-intake';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;

/** Issues a real certificate through a whole case, for a take-over to name. */
async function issuedCertificate(start: TimeSkippingCtx['start'], overrides: Partial<ApplicationInput> = {}): Promise<string> {
  const h = await start(makeApplication(overrides));
  await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
  await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
  return (await h.result()).certificateNumber!;
}

describe('intake gates', () => {
  it('R03: a policy-relevant product without its filing or declared capacity is rejected before a workflow starts, naming the field', () => {
    const { investmentFiling: _f, capacity: _c, ...bare } = makeApplication();
    const r = validateApplication(bare, '2026-11-20');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path.join('.'))).toEqual(['investmentFiling', 'capacity']);
    expect(r.problems[0]!.message).toContain('R03');
    // A product outside industrial policy needs neither.
    const steelFree = validateApplication({ ...bare, product: 'banknote-discriminator' }, '2026-11-20');
    expect(steelFree.ok).toBe(true);
  });

  it('R03: declared capacity above the approved capacity is refused at intake with the reason', async () => {
    await withServer(async ({ start }) => {
      const app = makeApplication({ capacity: { declared: { value: 1_500_000, unit: 't/year' }, addsCapacity: false } });
      const h = await start(app);
      const result = await h.result();
      expect(result.outcome).toBe('rejected-at-intake');
      const s = await h.query(statusQuery);
      expect(s.decision?.reasons?.[0]).toMatch(/R03: declared capacity 1500000 t\/year exceeds the 1000000 t\/year approved by filing/);
      const audit = await suite.db.pool.query("SELECT reason FROM audit_events WHERE application_id = $1 AND action = 'rejected-at-intake'", [app.applicationId]);
      expect(audit.rows[0].reason).toContain(cementIndustrialPolicy.investmentFiling.number);
    });
  });

  it('R03: new cement capacity is refused unless it is a capacity replacement', async () => {
    await withServer(async ({ start }) => {
      const adds = { capacity: { declared: { value: 500_000, unit: 't/year' as const }, addsCapacity: true } };
      const h = await start(makeApplication(adds));
      expect((await h.result()).outcome).toBe('rejected-at-intake');
      expect((await h.query(statusQuery)).decision?.reasons?.join()).toContain('bars new cement capacity');

      // The same capacity through a replacement passes the gate and waits for the old licence (R04).
      const old = await issuedCertificate(start);
      const h2 = await start(makeApplication({ ...adds, predecessor: { certificateNumber: old, reason: 'capacity-replacement' } }));
      const s2 = await eventually(() => h2.query(statusQuery), (x) => x.stage !== 'received');
      expect(s2.stage).toBe('awaiting-predecessor-cancellation');
    });
  });

  it('R04: a take-over waits for the predecessor licence to be cancelled, says why, and is accepted only afterwards', async () => {
    await withServer(async ({ env, start }) => {
      const old = await issuedCertificate(start);
      const h = await start(makeApplication({ predecessor: { certificateNumber: old, reason: 'merger' } }));
      const waiting = await eventually(() => h.query(statusQuery), (x) => x.stage === 'awaiting-predecessor-cancellation');
      expect(waiting.stage).toBe('awaiting-predecessor-cancellation');
      expect(waiting.timeline.at(-1)?.note).toContain(`licence ${old} (valid) must be cancelled first (R04, merger)`);
      const desc = await h.describe();
      expect(desc.searchAttributes.LpWaitingOn).toEqual(['predecessor-cancellation']);

      // Not acceptable yet.
      const early = await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] }).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((early as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('conflict');

      // The old licence is cancelled (its lifecycle signals the waiting case).
      await suite.db.pool.query("UPDATE certificates SET status = 'cancelled' WHERE number = $1", [old]);
      await h.signal(predecessorCancelledSignal, { certificateNumber: old });
      await eventually(() => h.query(statusQuery), (x) => x.stage === 'received');
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      expect((await h.query(statusQuery)).acceptance).toBe('officer');
      expect(env).toBeDefined();
    });
  });

  it('R04: without a signal, the waiting case notices the cancellation on its periodic re-check', async () => {
    await withServer(async ({ env, start }) => {
      const old = await issuedCertificate(start);
      const h = await start(makeApplication({ predecessor: { certificateNumber: old, reason: 'acquisition' } }));
      await eventually(() => h.query(statusQuery), (x) => x.stage === 'awaiting-predecessor-cancellation');
      await suite.db.pool.query("UPDATE certificates SET status = 'cancelled' WHERE number = $1", [old]);
      await env.sleep('7 hours');
      const s = await eventually(() => h.query(statusQuery), (x) => x.stage === 'received');
      expect(s.stage).toBe('received');
      expect(s.timeline.map((t) => t.event)).toContain('predecessor-cancelled');
    });
  });

  it('R04: an officer confirms the cancellation of a licence this system never issued', async () => {
    await withServer(async ({ start }) => {
      const h = await start(makeApplication({ predecessor: { certificateNumber: '(京)XK08-001-09999', reason: 'restructuring' } }));
      await eventually(() => h.query(statusQuery), (x) => x.stage === 'awaiting-predecessor-cancellation');
      const other = await h
        .executeUpdate(confirmPredecessorCancelledUpdate, { args: [{ actor: staff('acceptance-officer', 'SH'), evidence: '注销公告' }] })
        .catch((e: unknown) => e);
      expect(((other as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('forbidden');
      const r = await h.executeUpdate(confirmPredecessorCancelledUpdate, { args: [{ actor: staff('acceptance-officer'), evidence: '总局注销公告2019第12号' }] });
      expect(r.stage).toBe('received');
    });
  });

  it('L04: an enterprise banned after a revocation is refused at receipt, naming the ban and its end date; other products are not', async () => {
    await withServer(async ({ start }) => {
      const enterprise = makeApplication().enterprise;
      const old = await issuedCertificate(start, { enterprise });
      const sup = createLicenceActivities(suite.db.pool);
      const revoked = await sup.revokeCertificate({ certificateNumber: old, ground: 'fraud', reason: '以欺骗手段取得许可', source: 'test', occurredAt: new Date().toISOString() });
      expect(revoked.ban?.endsOn).toBeDefined();

      const h = await start(makeApplication({ enterprise }));
      const result = await h.result();
      expect(result.outcome).toBe('rejected-at-intake');
      const reasons = (await h.query(statusQuery)).decision?.reasons ?? [];
      expect(reasons.join()).toContain(`L04: enterprise ${enterprise.uscc} may not apply for cement until ${revoked.ban!.endsOn}`);

      const other = await start(makeApplication({ enterprise, product: 'banknote-discriminator', productNames: ['人民币鉴别仪A型'] }));
      const s = await eventually(() => other.query(statusQuery), (x) => x.stage !== undefined);
      expect(s.stage).toBe('received');
    });
  });

  it('R04: when the predecessor licence is revoked inside Temporal (no API involved), its lifecycle tells the waiting take-over at once', async () => {
    await withServer(async ({ env, start }) => {
      // An enterprise of its own: a revocation bans its holder, and other tests use the shared one.
      const enterprise = { ...makeApplication().enterprise, uscc: freshUscc() };
      const old = await issuedCertificate(start, { enterprise });
      const h = await start(makeApplication({ enterprise, predecessor: { certificateNumber: old, reason: 'acquisition' } }));
      await eventually(() => h.query(statusQuery), (x) => x.stage === 'awaiting-predecessor-cancellation');
      const lifecycle = env.client.workflow.getHandle(lifecycleWorkflowId(old));
      await lifecycle.executeUpdate(revokeLicenceUpdate, { args: [{ actor: staff('supervisor'), ground: 'fraud', reason: '以欺骗手段取得许可' }] });
      // No time skipped: the 6-hourly re-check cannot be what wakes it.
      const s = await eventually(() => h.query(statusQuery), (x) => x.stage === 'received');
      expect(s.stage).toBe('received');
      expect(s.timeline.map((t) => t.event)).toContain('predecessor-cancelled');
    });
  });
});
