/**
 * L04 at application and at revocation, on the real time-skipping server with real activities
 * and PostgreSQL: a refusal names its ground (closed list) and rule; concealment or false
 * materials warn the applicant, list it for credit publicity and ban the product for a year;
 * a licence obtained by bribery is revoked with a 3-year ban.
 */
import { describe, expect, it } from 'vitest';
import { createWarningActivities } from '../../activities/approval/warning';
import { findActiveBan } from '../../db/bans';
import { RefuseInput } from '../../domain/approval/messages';
import { acceptUpdate, approveUpdate, refuseUpdate, rejectAtIntakeUpdate, statusQuery } from '../../domain/approval/messages';
import { validUntil } from '../../domain/licence/certificate';
import { revokeLicenceUpdate } from '../../domain/licence/messages';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { makeApplication, staff } from '../helpers/fixtures';
import { eventually } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-refusal-grounds';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;

const count = async (sql: string, params: unknown[]) => (await suite.db.pool.query<{ n: number }>(sql, params)).rows[0]!.n;

describe('L04: refusal grounds, warnings and bans', () => {
  it('L04: a refusal to accept for concealment names its ground and rule, warns the applicant, lists it for credit publicity and bars the product for one year; another product is not barred, and after the year the product is taken again', async () => {
    await withServer(async (ctx) => {
      const app = makeApplication();
      const h = await ctx.start(app);
      await h.executeUpdate(rejectAtIntakeUpdate, { args: [{ actor: staff('acceptance-officer'), reasons: ['未说明曾被责令停产整改的情况'], ground: 'concealment' }] });
      const s = await eventually(() => h.query(statusQuery), (x) => x.decision?.ban !== undefined);
      const today = shanghaiDate(await ctx.now());
      const endsOn = validUntil(today, 1);
      expect(s.decision).toMatchObject({ outcome: 'rejected-at-intake', ground: 'concealment', rule: 'L04', ban: { endsOn, rule: 'L04' } });
      expect(s.decision?.reasons).toEqual(['L04 (concealment): relevant facts were concealed (隐瞒有关情况)', '未说明曾被责令停产整改的情况']);
      expect(s.timeline.at(-1)).toMatchObject({ event: 'warning-issued', note: `L04: warning; no new application for cement until ${endsOn}` });

      // The warning, the credit-publicity record and the ban are on record; the applicant is told.
      const audit = await suite.db.pool.query("SELECT action, reason, details FROM audit_events WHERE application_id = $1 AND action IN ('rejected-at-intake', 'warning-issued') ORDER BY id", [app.applicationId]);
      expect(audit.rows.map((r) => r.action)).toEqual(['rejected-at-intake', 'warning-issued']);
      expect(audit.rows[0].details).toMatchObject({ ground: 'concealment', rule: 'L04' });
      const publicity = await suite.db.pool.query('SELECT kind, ground, rule, uscc, certificate_no, summary FROM credit_publicity WHERE application_id = $1', [app.applicationId]);
      expect(publicity.rows).toEqual([expect.objectContaining({ kind: 'application-warning', ground: 'concealment', rule: 'L04', uscc: app.enterprise.uscc, certificate_no: null })]);
      expect(publicity.rows[0].summary).toContain(`no new application for cement until ${endsOn}`);
      const notice = await suite.db.pool.query("SELECT message FROM notifications WHERE application_id = $1 AND kind = 'warning'", [app.applicationId]);
      expect(notice.rows[0]?.message).toMatch(/^Warning \(警告, L04\)/);

      // The next application for cement is refused at receipt naming the ban; another product is taken.
      const again = await ctx.start(makeApplication({ enterprise: app.enterprise }));
      const refused = await eventually(() => again.query(statusQuery), (x) => x.decision !== undefined);
      expect(refused.decision?.outcome).toBe('rejected-at-intake');
      expect(refused.decision?.reasons).toEqual([
        `L04: enterprise ${app.enterprise.uscc} may not apply for cement until ${endsOn} inclusive (L04: relevant facts concealed in an application (隐瞒有关情况): warning, no new application for this product for 1 year; application ${app.applicationId} refused on ${today})`,
      ]);
      const other = await ctx.start(makeApplication({ enterprise: app.enterprise, product: 'banknote-discriminator', productNames: ['人民币鉴别仪A型'] }));
      expect((await other.query(statusQuery)).stage).toBe('received');

      // The last day of the ban still bars it; the day after, the product is taken again.
      await ctx.sleepUntil(Date.parse(`${endsOn}T10:00:00+08:00`));
      const lastDay = await ctx.start(makeApplication({ enterprise: app.enterprise }));
      expect((await eventually(() => lastDay.query(statusQuery), (x) => x.decision !== undefined)).decision?.outcome).toBe('rejected-at-intake');
      await ctx.sleepUntil(Date.parse(`${addCalendarDays(endsOn, 1)}T10:00:00+08:00`));
      const after = await ctx.start(makeApplication({ enterprise: app.enterprise }));
      const taken = await after.query(statusQuery);
      expect(taken.stage).toBe('received');
      expect(taken.decision).toBeUndefined();
    });
  });

  it('L04: a refusal after review for false materials warns and bans once, however often its activity runs; a refusal for conditions not met names R07 and bans nothing', async () => {
    await withServer(async (ctx) => {
      const app = makeApplication();
      const h = await ctx.start(app);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await eventually(() => h.query(statusQuery), (x) => x.path !== undefined);
      await h.executeUpdate(refuseUpdate, { args: [{ actor: staff('approver'), reasons: ['检验报告系伪造'], ground: 'false-materials' }] });
      const s = await eventually(() => h.query(statusQuery), (x) => x.decision?.ban !== undefined);
      expect(s.decision).toMatchObject({ outcome: 'refused', ground: 'false-materials', rule: 'L04', reasons: ['L04 (false-materials): false materials were provided (提供虚假材料)', '检验报告系伪造'] });
      const today = shanghaiDate(await ctx.now());
      expect(await findActiveBan(suite.db.pool, app.enterprise.uscc, 'cement', today)).toMatchObject({ ground: 'false-materials', rule: 'L04', applicationId: app.applicationId, certificateNumber: null, endsOn: validUntil(today, 1) });

      // Awaiting the result lets the server skip time: only once today is known.
      expect((await h.result()).outcome).toBe('refused');
      // A retried (or repeated) activity adds no second ban, publicity record or notice.
      const again = await createWarningActivities(suite.db.pool).recordApplicationWarning({
        eventKey: `${app.applicationId}:retry`, applicationId: app.applicationId, ground: 'false-materials', decision: 'refused', reasons: ['检验报告系伪造'], occurredAt: new Date().toISOString(),
      });
      expect(again).toEqual({ rule: 'L04', startsOn: today, endsOn: validUntil(today, 1) });
      expect(await count('SELECT count(*)::int AS n FROM bans WHERE application_id = $1', [app.applicationId])).toBe(1);
      expect(await count('SELECT count(*)::int AS n FROM credit_publicity WHERE application_id = $1', [app.applicationId])).toBe(1);
      expect(await count("SELECT count(*)::int AS n FROM notifications WHERE application_id = $1 AND kind = 'warning'", [app.applicationId])).toBe(1);

      // Conditions not met: a ground and a rule, no warning, no ban.
      const plain = makeApplication();
      const p = await ctx.start(plain);
      await p.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await eventually(() => p.query(statusQuery), (x) => x.path !== undefined);
      await p.executeUpdate(refuseUpdate, { args: [{ actor: staff('approver'), reasons: ['生产设备不满足细则要求'], ground: 'conditions-not-met' }] });
      expect((await p.result()).outcome).toBe('refused');
      const ps = await p.query(statusQuery);
      expect(ps.decision).toMatchObject({ ground: 'conditions-not-met', rule: 'R07' });
      expect(ps.decision?.ban).toBeUndefined();
      expect(await findActiveBan(suite.db.pool, plain.enterprise.uscc, 'cement', today)).toBeUndefined();
      expect(await count('SELECT count(*)::int AS n FROM credit_publicity WHERE application_id = $1', [plain.applicationId])).toBe(0);

      // The grounds are a closed list.
      expect(RefuseInput.safeParse({ actor: staff('approver'), reasons: ['其他理由'], ground: 'bad-attitude' }).success).toBe(false);
    });
  });

  it('L04: a licence obtained by bribery is revoked with a 3-year ban on that product and a credit-publicity record', async () => {
    await withServer(async (ctx) => {
      const app = makeApplication({ product: 'banknote-discriminator', productNames: ['人民币鉴别仪A型'] });
      const h = await ctx.start(app);
      await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
      await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
      const number = (await eventually(() => h.query(statusQuery), (x) => x.timeline.some((t) => t.event === 'lifecycle-started'))).certificate!.number;
      const life = ctx.env.client.workflow.getHandle(lifecycleWorkflowId(number));
      const revoked = await life.executeUpdate(revokeLicenceUpdate, { args: [{ actor: staff('supervisor'), ground: 'bribery', reason: '向审查人员行贿取得许可' }] });
      expect(revoked.status).toBe('revoked');
      const today = shanghaiDate(await ctx.now());
      expect(await findActiveBan(suite.db.pool, app.enterprise.uscc, 'banknote-discriminator', today)).toMatchObject({ ground: 'bribery', rule: 'L04', certificateNumber: number, endsOn: validUntil(today, 3) });
      const publicity = await suite.db.pool.query('SELECT kind, ground, rule FROM credit_publicity WHERE certificate_no = $1', [number]);
      expect(publicity.rows).toEqual([{ kind: 'licence-revoked', ground: 'bribery', rule: 'L04' }]);
      // The ban bars the product: a new application is refused at receipt.
      const next = await ctx.start(makeApplication({ enterprise: app.enterprise, product: 'banknote-discriminator', productNames: ['人民币鉴别仪B型'] }));
      const s = await eventually(() => next.query(statusQuery), (x) => x.decision !== undefined);
      expect(s.decision?.reasons?.[0]).toContain(`may not apply for banknote-discriminator until ${validUntil(today, 3)} inclusive (L04: licence obtained by bribery`);
    });
  });
});
