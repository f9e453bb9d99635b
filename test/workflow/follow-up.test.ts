/**
 * After-issuance follow-up on the real time-skipping test server with real activities against a
 * real PostgreSQL database: the window and its escalation (R08), verifier teams (L06, R10),
 * rectification and re-inspection (R15, L08), revocation with its ban and credit-publicity record
 * (L04, R12). One server and one worker per test; certificates are issued by the real activities.
 */
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { findActiveBan } from '../../db/bans';
import { recordConflict, upsertVerifier } from '../../db/registers';
import type { ApplicationInput } from '../../domain/approval/application';
import { acceptUpdate, approveUpdate, statusQuery } from '../../domain/approval/messages';
import { policyInForce, type FollowUpKind } from '../../domain/policy';
import { SA } from '../../domain/search-attributes';
import { assignTeamUpdate, followUpDetailQuery } from '../../domain/supervision/follow-up';
import { banFor, describeBan } from '../../domain/licence/revocation';
import { lifecycleQuery } from '../../domain/licence/messages';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { validUntil } from '../../domain/licence/certificate';
import { followUpInspection } from '../../workflows/supervision/follow-up';
import { followUpStatusQuery, recordInspectionUpdate } from '../../domain/supervision/follow-up';
import { freshUscc, makeApplication, staff } from '../helpers/fixtures';
import { workflowSuite } from '../helpers/workflow-suite';
import { poller, refusal, type TimeSkippingCtx } from '../helpers/time-skipping';

const TASK_QUEUE = 'test-follow-up';
const DAY = 86_400_000;

const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;
const eventually = poller({ retryErrors: true });

const at = (date: string, time: string) => Date.parse(`${date}T${time}+08:00`);

/** Registers verifiers certified by `province` until `until` (R10). */
async function verifiers(n: number, today: string, opts: { province?: string; until?: string } = {}): Promise<string[]> {
  const ids = Array.from({ length: n }, () => `V-${randomBytes(4).toString('hex')}`);
  for (const id of ids) {
    await upsertVerifier(suite.db.pool, {
      id,
      name: `核查员 ${id}`,
      certifiedBy: opts.province ?? 'BJ',
      certifiedOn: addCalendarDays(today, -400),
      certifiedUntil: opts.until ?? addCalendarDays(today, 1000),
    });
  }
  return ids;
}

/** An issued certificate written by the real case activities, and its follow-up started directly. */
async function issuedWithFollowUp(
  ctx: TimeSkippingCtx,
  kind: FollowUpKind,
  overrides: Partial<ApplicationInput> = {},
): Promise<{ app: ApplicationInput; number: string; issuedAt: string; h: WorkflowHandle<typeof followUpInspection> }> {
  const acts = createActivities({ pool: suite.db.pool });
  const app = makeApplication({ enterprise: { uscc: freshUscc(), name: '北京示范有限公司', registeredAddress: '北京市房山区示范路1号' }, ...overrides });
  const issuedAt = new Date(await ctx.now()).toISOString();
  const policy = policyInForce(shanghaiDate(issuedAt));
  await acts.recordReceipt({ application: app, receivedAt: issuedAt, eventKey: `${app.applicationId}:received:1` });
  const cert = await acts.issueCertificate({ applicationId: app.applicationId, eventKey: `${app.applicationId}:certificate:1`, issuedAt, issuedOn: shanghaiDate(issuedAt), policyVersion: policy.id });
  const window = kind === 'post-issuance-verification' ? policy.followUp.postVerification : kind === 'commitment-check' ? policy.followUp.commitmentCheck : policy.followUp.renewalInspection;
  const h = await ctx.env.client.workflow.start(followUpInspection, {
    taskQueue: TASK_QUEUE,
    workflowId: `${app.applicationId}/follow-up`,
    args: [{ applicationId: app.applicationId, certificateNumber: cert.number, province: app.province, product: app.product, uscc: app.enterprise.uscc, kind, window, issuedAt, policyVersion: policy.id }],
  });
  return { app, number: cert.number, issuedAt, h };
}

async function notifications(applicationId: string, kind: string): Promise<number> {
  const r = await suite.db.pool.query('SELECT count(*)::int AS n FROM notifications WHERE application_id = $1 AND kind = $2', [applicationId, kind]);
  return r.rows[0].n;
}

async function certificateStatus(number: string): Promise<string> {
  return (await suite.db.pool.query('SELECT status FROM certificates WHERE number = $1', [number])).rows[0].status;
}

describe('followUpInspection', () => {
  it('R08: the 60-day supervision inspection escalates when day 60 ends, not before, and stays visible as overdue', async () => {
    await withServer(async (ctx) => {
      const { app, issuedAt, h } = await issuedWithFollowUp(ctx, 'supervision-inspection');
      const day60 = addCalendarDays(shanghaiDate(issuedAt), 60);
      expect(shanghaiDate((await h.query(followUpStatusQuery)).dueAt)).toBe(day60);

      await ctx.sleepUntil(at(day60, '23:00:00'));
      const before = await h.query(followUpDetailQuery);
      expect(before.overdue).toBe(false);
      expect(await notifications(app.applicationId, 'follow-up-overdue')).toBe(0);

      await ctx.sleepUntil(at(addCalendarDays(day60, 1), '00:30:00'));
      const after = await eventually(() => h.query(followUpDetailQuery), (d) => d.overdue);
      expect(after).toMatchObject({ overdue: true, stage: 'awaiting-inspection' });
      expect(after.escalations).toHaveLength(1);
      expect(await eventually(() => notifications(app.applicationId, 'follow-up-overdue'), (n) => n === 1)).toBe(1);
      const sa = (await eventually(() => h.describe(), (x) => x.typedSearchAttributes.get(SA.overdue) === true)).typedSearchAttributes;
      expect(sa.get(SA.overdue)).toBe(true);
      expect(sa.get(SA.stage)).toBe('follow-up:supervision-inspection');
      expect(sa.get(SA.waitingOn)).toBe('team-assignment');
      expect(sa.get(SA.deadline)?.toISOString()).toBe(after.dueAt);

      // Escalated once: another week passes without a second notice.
      await ctx.sleepUntil(at(addCalendarDays(day60, 8), '10:00:00'));
      expect(await notifications(app.applicationId, 'follow-up-overdue')).toBe(1);
    });
  });

  it('R08, L06: an inspection recorded on day 59 by an assigned team closes the follow-up in time; nothing escalates', async () => {
    await withServer(async (ctx) => {
      const { app, number, issuedAt, h } = await issuedWithFollowUp(ctx, 'supervision-inspection');
      const day59 = addCalendarDays(shanghaiDate(issuedAt), 59);
      await ctx.sleepUntil(at(day59, '10:00:00'));
      const team = await verifiers(2, day59);
      const assigned = await h.executeUpdate(assignTeamUpdate, { args: [{ actor: staff('supervisor'), verifierIds: team }] });
      expect(assigned.team?.verifierIds).toEqual(team);
      const recorded = await h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'pass', verifierIds: team, findings: '生产条件与承诺一致' }] });
      expect(recorded).toMatchObject({ stage: 'closed', overdue: false, team, result: { outcome: 'pass', by: 'supervisor-1' } });
      expect(Object.keys(recorded).sort()).toEqual(['certificateNumber', 'dueAt', 'kind', 'overdue', 'result', 'stage', 'team']);
      const result = await h.result();
      expect(result.stage).toBe('closed');

      await ctx.sleepUntil(at(addCalendarDays(day59, 5), '10:00:00'));
      expect(await notifications(app.applicationId, 'follow-up-overdue')).toBe(0);
      const row = await suite.db.pool.query('SELECT outcome, in_time, round FROM follow_up_inspections WHERE certificate_no = $1', [number]);
      expect(row.rows).toEqual([{ outcome: 'pass', in_time: true, round: 1 }]);
      expect(await certificateStatus(number)).toBe('valid');
      const team2 = await suite.db.pool.query('SELECT verifier_ids FROM inspection_teams WHERE certificate_no = $1', [number]);
      expect(team2.rows).toEqual([{ verifier_ids: team }]);
    });
  });

  it('R10, L06: a verifier with an expired certificate, an unknown or a conflicted one is refused; one certified by another province is accepted', async () => {
    await withServer(async (ctx) => {
      const { app, number, h } = await issuedWithFollowUp(ctx, 'post-issuance-verification');
      const today = shanghaiDate(await ctx.now());
      const [good] = await verifiers(1, today);
      const [expired] = await verifiers(1, today, { until: addCalendarDays(today, -1) });
      const [conflicted] = await verifiers(1, today);
      const [fromShanghai] = await verifiers(1, today, { province: 'SH' });
      await recordConflict(suite.db.pool, conflicted!, app.enterprise.uscc, 'former employee of the enterprise');

      const exp = await refusal(h.executeUpdate(assignTeamUpdate, { args: [{ actor: staff('supervisor'), verifierIds: [good!, expired!] }] }));
      expect(exp.type).toBe('invalid');
      expect(exp.message).toContain(`verifier ${expired}'s certification expired on ${addCalendarDays(today, -1)}`);
      const unknown = await refusal(h.executeUpdate(assignTeamUpdate, { args: [{ actor: staff('supervisor'), verifierIds: [good!, 'V-nobody'] }] }));
      expect(unknown.message).toContain('V-nobody is not in the verifier registry');
      const conflict = await refusal(h.executeUpdate(assignTeamUpdate, { args: [{ actor: staff('supervisor'), verifierIds: [good!, conflicted!] }] }));
      expect(conflict.message).toContain('conflict of interest');
      // The expired verifier cannot sneak in through the result either.
      const viaResult = await refusal(h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'pass', verifierIds: [good!, expired!] }] }));
      expect(viaResult.type).toBe('invalid');
      // L06 and R01 are refused by the validator, before anything reaches history.
      const alone = await refusal(h.executeUpdate(assignTeamUpdate, { args: [{ actor: staff('supervisor'), verifierIds: [good!] as unknown as [string, string] }] }));
      expect(alone.type).toBe('invalid');
      const otherProvince = await refusal(h.executeUpdate(assignTeamUpdate, { args: [{ actor: staff('supervisor', 'SH'), verifierIds: [good!, fromShanghai!] }] }));
      expect(otherProvince.type).toBe('forbidden');

      const ok = await h.executeUpdate(assignTeamUpdate, { args: [{ actor: staff('supervisor'), verifierIds: [good!, fromShanghai!] }] });
      expect(ok.team?.verifierIds).toEqual([good, fromShanghai]);
      const refusedRows = await suite.db.pool.query("SELECT count(*)::int AS n FROM audit_events WHERE certificate_no = $1 AND action = 'inspection-team-refused'", [number]);
      expect(refusedRows.rows[0].n).toBe(4);
      // Recording with another team than the assigned one is a conflict.
      const wrongTeam = await refusal(h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'pass', verifierIds: [good!, conflicted!] }] }));
      expect(wrongTeam.type).toBe('conflict');
    });
  });

  it('R15, L08, L04, R12: rectification ordered → re-inspection fails → licence revoked, 3-year ban on the product, credit publicity; findActiveBan finds it', async () => {
    await withServer(async (ctx) => {
      // Through the real application workflow, so the certificate also has its lifecycle.
      const app = makeApplication({ enterprise: { uscc: freshUscc(), name: '北京整改水泥有限公司', registeredAddress: '北京市房山区整改路2号' } });
      const ah = await ctx.start(app);
      await ah.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await ah.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      const issued = await eventually(() => ah.query(statusQuery), (s) => s.followUpWorkflowId !== undefined && s.timeline.some((t) => t.event === 'lifecycle-started'));
      const number = issued.certificate!.number;
      const h = ctx.env.client.workflow.getHandle(issued.followUpWorkflowId!);
      const lifecycle = ctx.env.client.workflow.getHandle(lifecycleWorkflowId(number));
      expect((await eventually(() => lifecycle.query(lifecycleQuery), (s) => s.status === 'valid')).status).toBe('valid');

      const today = shanghaiDate(await ctx.now());
      const team = await verifiers(3, today);
      await h.executeUpdate(assignTeamUpdate, { args: [{ actor: staff('supervisor'), verifierIds: team }] });
      await h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'rectification-required', verifierIds: team, findings: '出厂检验记录不全' }] });
      const rect = await h.query(followUpDetailQuery);
      const policy = policyInForce(today);
      expect(rect.stage).toBe('rectifying');
      expect(rect.round).toBe(2);
      expect(rect.rectification?.rectifyBy).toBe(addCalendarDays(today, policy.followUp.rectification.n));
      expect(await notifications(app.applicationId, 'rectification-ordered')).toBe(1);
      // A second rectification order is not possible: the re-inspection passes or fails (L08).
      const again = await refusal(h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'rectification-required', verifierIds: team }] }));
      expect(again.type).toBe('conflict');

      // The rectification deadline passes without a re-inspection: escalated, visible as overdue.
      await ctx.sleepUntil(at(addCalendarDays(rect.rectification!.rectifyBy, 1), '10:00:00'));
      expect((await eventually(() => h.query(followUpDetailQuery), (d) => d.overdue)).overdue).toBe(true);
      expect((await eventually(() => h.describe(), (x) => x.typedSearchAttributes.get(SA.overdue) === true)).typedSearchAttributes.get(SA.stage)).toBe('follow-up:rectification');

      const failed = await h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'failed', verifierIds: team, findings: '复查仍不合格' }] });
      expect(failed.stage).toBe('closed');
      const closed = await h.query(followUpDetailQuery);
      const revokedOn = shanghaiDate(closed.revocation!.at);
      expect(closed).toMatchObject({ outcome: 'revoked', revocation: { ground: 'failed-rectification', ban: { rule: 'L08', endsOn: validUntil(revokedOn, 3) } } });
      expect(await certificateStatus(number)).toBe('revoked');

      const ban = await findActiveBan(suite.db.pool, app.enterprise.uscc, 'cement', addCalendarDays(revokedOn, 365 * 3 - 5));
      expect(ban).toMatchObject({ rule: 'L08', ground: 'failed-rectification', product: 'cement', certificateNumber: number, endsOn: validUntil(revokedOn, 3) });
      expect(describeBan(ban!)).toContain(`until ${validUntil(revokedOn, 3)}`);
      expect(await findActiveBan(suite.db.pool, app.enterprise.uscc, 'cement', addCalendarDays(validUntil(revokedOn, 3), 1))).toBeUndefined();
      expect(await findActiveBan(suite.db.pool, app.enterprise.uscc, 'steel-bar', revokedOn)).toBeUndefined();
      const acts = createActivities({ pool: suite.db.pool });
      expect(await acts.activeBan({ uscc: app.enterprise.uscc, product: 'cement', on: revokedOn })).toMatchObject({ rule: 'L08' });

      const publicity = await suite.db.pool.query('SELECT kind, ground, rule FROM credit_publicity WHERE certificate_no = $1', [number]);
      expect(publicity.rows).toEqual([{ kind: 'licence-revoked', ground: 'failed-rectification', rule: 'L08' }]);
      const rounds = await suite.db.pool.query('SELECT round, outcome FROM follow_up_inspections WHERE certificate_no = $1 ORDER BY round', [number]);
      expect(rounds.rows).toEqual([{ round: 1, outcome: 'rectification-required' }, { round: 2, outcome: 'failed' }]);

      // The lifecycle hears of it and ends; one revocation in the audit trail.
      const life = await eventually(() => lifecycle.query(lifecycleQuery), (s) => s.status === 'revoked');
      expect(life.status).toBe('revoked');
      const audits = await suite.db.pool.query("SELECT count(*)::int AS n FROM audit_events WHERE certificate_no = $1 AND action = 'licence-revoked'", [number]);
      expect(audits.rows[0].n).toBe(1);
    });
  });

  it('R15: a passed re-inspection after rectification closes the follow-up as rectified; the licence stays valid', async () => {
    await withServer(async (ctx) => {
      const { number, h } = await issuedWithFollowUp(ctx, 'post-issuance-verification');
      const today = shanghaiDate(await ctx.now());
      const team = await verifiers(4, today);
      const rectifyBy = addCalendarDays(today, 15);
      await h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'rectification-required', verifierIds: team, rectifyBy }] });
      expect((await h.query(followUpDetailQuery)).rectification?.rectifyBy).toBe(rectifyBy);
      await ctx.sleepUntil(at(addCalendarDays(today, 10), '10:00:00'));
      await h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'pass', verifierIds: team }] });
      expect(await h.query(followUpDetailQuery)).toMatchObject({ stage: 'closed', outcome: 'rectified', overdue: false });
      expect(await certificateStatus(number)).toBe('valid');
    });
  });

  it('R12, L04: a false commitment found by the commitment check → revocation and a 3-year ban', async () => {
    await withServer(async (ctx) => {
      const { app, number, h } = await issuedWithFollowUp(ctx, 'commitment-check', { product: 'fertiliser', productNames: ['复合肥料'] });
      expect((await h.query(followUpStatusQuery)).kind).toBe('commitment-check');
      const team = await verifiers(2, shanghaiDate(await ctx.now()));
      await h.executeUpdate(recordInspectionUpdate, { args: [{ actor: staff('supervisor'), outcome: 'failed', verifierIds: team, findings: '承诺的检验设备不存在' }] });
      const d = await h.query(followUpDetailQuery);
      const on = shanghaiDate(d.revocation!.at);
      expect(d).toMatchObject({ outcome: 'revoked', revocation: { ground: 'false-commitment', ban: { rule: 'L04', endsOn: validUntil(on, 3) } } });
      expect(await certificateStatus(number)).toBe('revoked');
      expect(await findActiveBan(suite.db.pool, app.enterprise.uscc, 'fertiliser', addCalendarDays(on, 1000))).toMatchObject({ ground: 'false-commitment', rule: 'L04' });
      expect(await notifications(app.applicationId, 'licence-revoked')).toBe(1);
      expect((await suite.db.pool.query('SELECT count(*)::int AS n FROM credit_publicity WHERE uscc = $1', [app.enterprise.uscc])).rows[0].n).toBe(1);
      // No lifecycle for this certificate (started directly): the follow-up still completes.
      expect((await h.result()).stage).toBe('closed');
    });
  });

  it('L04: ban lengths — 3 years for fraud or bribery, 1 year for false materials on every product (all are safety-related), none for missing conditions', () => {
    expect(banFor('fraud', 'broadcast-equipment')).toMatchObject({ years: 3, rule: 'L04' });
    expect(banFor('bribery', 'cement')).toMatchObject({ years: 3, rule: 'L04' });
    expect(banFor('false-materials', 'cement')).toMatchObject({ years: 1, rule: 'L04' });
    expect(banFor('false-materials', 'banknote-discriminator')).toMatchObject({ years: 1, rule: 'L04' });
    expect(banFor('failed-rectification', 'railway-beam')).toMatchObject({ years: 3, rule: 'L08' });
    expect(banFor('conditions-not-met', 'cement')).toBeUndefined();
    expect(DAY).toBe(86_400_000);
  });
});
