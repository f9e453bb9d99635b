/**
 * L07 on the real time-skipping server with real activities and PostgreSQL: an enterprise holds
 * one certificate per product per province. A second `new` application for a product it holds
 * is refused at receipt, naming the certificate and the change route; a change (增项) adds
 * product units and production addresses to that certificate: same number, a new electronic
 * version, an e-CQS record.
 */
import { describe, expect, it } from 'vitest';
import type { ApplicationInput } from '../../domain/approval/application';
import { acceptUpdate, approveUpdate, recordVerificationUpdate, rejectAtIntakeUpdate, statusQuery } from '../../domain/approval/messages';
import { validUntil } from '../../domain/licence/certificate';
import { cancelLicenceUpdate, lifecycleQuery } from '../../domain/licence/messages';
import { shanghaiDate } from '../../domain/time';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { findCertificateDocument } from '../../db/certificates';
import { applicant, makeApplication, staff } from '../helpers/fixtures';
import { eventually, type TimeSkippingCtx } from '../helpers/time-skipping';
import { workflowSuite } from '../helpers/workflow-suite';

const TASK_QUEUE = 'test-one-certificate';
const suite = workflowSuite(TASK_QUEUE);
const { withServer } = suite;

/** A case accepted and approved; its status once its certificate is out (and its lifecycle, for a new one). */
async function decided(ctx: TimeSkippingCtx, app: ApplicationInput) {
  const h = await ctx.start(app);
  await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
  await eventually(() => h.query(statusQuery), (s) => s.path !== undefined);
  // A change goes through on-site verification first, by a team of certified verifiers (R10, L06).
  if ((await h.query(statusQuery)).stage === 'awaiting-verification') {
    await suite.db.pool.query(
      `INSERT INTO verifiers (id, name, certified_by, certified_on, certified_until) VALUES ('V-L07-1', '甲', 'BJ', '2020-01-01', '2099-12-31'), ('V-L07-2', '乙', 'BJ', '2020-01-01', '2099-12-31')
       ON CONFLICT (id) DO NOTHING`,
    );
    await h.executeUpdate(recordVerificationUpdate, { args: [{ actor: staff('reviewer'), result: 'pass', verifierIds: ['V-L07-1', 'V-L07-2'] }] });
  }
  await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
  const s = await eventually(() => h.query(statusQuery), (x) => x.stage === 'issued' && (app.type !== 'new' || x.timeline.some((t) => t.event === 'lifecycle-started')));
  return { h, s };
}

describe('L07: one certificate per enterprise per product', () => {
  it("L07: a second new application for a product the enterprise holds is refused at receipt, naming its certificate and the change route; another product, another enterprise and a take-over of that certificate are taken; once it is cancelled a new one is refused while the take-over is open, and taken once that is decided", async () => {
    await withServer(async (ctx) => {
      const first = makeApplication();
      const { s } = await decided(ctx, first);
      const number = s.certificate!.number;

      const second = await ctx.start(makeApplication({ enterprise: first.enterprise, productNames: ['通用硅酸盐水泥 P·O 52.5'] }));
      const refused = await eventually(() => second.query(statusQuery), (x) => x.decision !== undefined);
      expect(refused.decision?.outcome).toBe('rejected-at-intake');
      expect(refused.decision?.reasons).toEqual([
        `L07: enterprise ${first.enterprise.uscc} already holds certificate ${number} for cement in BJ (valid through ${s.certificate!.validUntil}): ` +
          `an enterprise holds one certificate per product; add product units or specifications to it by a change (变更, type 'change' naming ${number}), not a new application`,
      ]);
      // The decision shows in the Query as the refusal's audit row is being written: read it once written.
      const audit = await eventually(
        () => suite.db.pool.query("SELECT reason FROM audit_events WHERE application_id = $1 AND action = 'rejected-at-intake'", [second.workflowId]),
        (r) => r.rows.length > 0,
      );
      expect(audit.rows[0].reason).toContain(`certificate ${number}`);

      // Not refused: another product of the same enterprise, another enterprise, a take-over naming it (R04).
      const otherProduct = await ctx.start(makeApplication({ enterprise: first.enterprise, product: 'banknote-discriminator', productNames: ['人民币鉴别仪A型'] }));
      const otherEnterprise = await ctx.start(makeApplication());
      const takeOver = await ctx.start(makeApplication({ enterprise: first.enterprise, predecessor: { certificateNumber: number, reason: 'capacity-replacement' } }));
      expect((await otherProduct.query(statusQuery)).stage).toBe('received');
      expect((await otherEnterprise.query(statusQuery)).stage).toBe('received');
      expect((await takeOver.query(statusQuery)).stage).toBe('awaiting-predecessor-cancellation');

      // Once the certificate is cancelled the enterprise holds none for cement, and the take-over goes on to acceptance.
      const life = ctx.env.client.workflow.getHandle(lifecycleWorkflowId(number));
      await life.executeUpdate(cancelLicenceUpdate, { args: [{ actor: applicant(first.enterprise.uscc), reason: 'production-ceased' }] });
      await eventually(() => takeOver.query(statusQuery), (x) => x.stage === 'received');
      // L07 while applications are open: the take-over is a new cement application still open, so another is refused naming it.
      const third = await ctx.start(makeApplication({ enterprise: first.enterprise }));
      const duplicate = await eventually(() => third.query(statusQuery), (x) => x.decision !== undefined);
      expect(duplicate.decision?.outcome).toBe('rejected-at-intake');
      expect((duplicate.decision?.reasons ?? []).join('; ')).toMatch(new RegExp(`^L07: .*already has application ${takeOver.workflowId} open for cement`));
      // Once the take-over is decided (here: not accepted), a new application is taken.
      await takeOver.executeUpdate(rejectAtIntakeUpdate, { args: [{ actor: staff('acceptance-officer'), reasons: ['the take-over is withdrawn by the enterprise'] }] });
      const fourth = await ctx.start(makeApplication({ enterprise: first.enterprise }));
      const taken = await fourth.query(statusQuery);
      expect(taken.stage).toBe('received');
      expect(taken.decision).toBeUndefined();
    });
  });

  it('L07: a change adds product units and a production address to the certificate the enterprise holds: same number, the list extended, version 2, lifecycle running on, an e-CQS record; the certificate carries every L07 field', async () => {
    await withServer(async (ctx) => {
      const first = makeApplication({ productNames: ['通用硅酸盐水泥 P·O 42.5'] });
      const { s } = await decided(ctx, first);
      const number = s.certificate!.number;
      const issuedOn = s.certificate!.issuedOn;
      expect(s.certificate).toMatchObject({ issuedOn, validUntil: validUntil(issuedOn, 5) });

      const addition = makeApplication({
        enterprise: first.enterprise,
        type: 'change',
        currentCertificateNumber: number,
        productNames: ['通用硅酸盐水泥 P·O 42.5', '通用硅酸盐水泥 P·O 52.5'],
        productionAddresses: [...first.productionAddresses, { province: 'BJ', address: '北京市房山区示范路9号二厂' }],
      });
      const { h, s: changed } = await decided(ctx, addition);
      const today = shanghaiDate(await ctx.now());
      expect(changed.certificate).toEqual({ number, issuedOn, validUntil: validUntil(issuedOn, 5), version: 2 });
      expect(changed.timeline.find((t) => t.event === 'certificate-amended')?.note).toBe(`${number} version 2: 通用硅酸盐水泥 P·O 42.5, 通用硅酸盐水泥 P·O 52.5`);
      expect(changed.timeline.some((t) => t.event === 'lifecycle-started')).toBe(false);
      expect((await h.result()).certificateNumber).toBe(number);

      // One certificate: every field L07 lists, the products and addresses extended, a new version.
      const doc = await findCertificateDocument(suite.db.pool, number);
      expect(doc).toEqual({
        number,
        status: 'valid',
        province: 'BJ',
        product: 'cement',
        enterpriseName: first.enterprise.name,
        enterpriseAddress: first.enterprise.registeredAddress,
        productionAddresses: [{ province: 'BJ', address: '北京市房山区示范路1号厂区' }, { province: 'BJ', address: '北京市房山区示范路9号二厂' }],
        productNames: ['通用硅酸盐水泥 P·O 42.5', '通用硅酸盐水泥 P·O 52.5'],
        issuedOn,
        validUntil: validUntil(issuedOn, 5),
        version: 2,
        versionIssuedOn: today,
      });
      expect(number).toMatch(/^\(京\)XK08-001-\d{5}$/);
      const held = await suite.db.pool.query('SELECT count(*)::int AS n FROM certificates WHERE uscc = $1', [first.enterprise.uscc]);
      expect(held.rows[0].n).toBe(1);

      // The certificate's lifecycle runs on, still valid; SAMR hears of the change (R06).
      const life = await ctx.env.client.workflow.getHandle(lifecycleWorkflowId(number)).query(lifecycleQuery);
      expect(life).toMatchObject({ status: 'valid', certificateNumber: number });
      const ecqs = await suite.db.pool.query("SELECT payload FROM ecqs_outbox WHERE event = 'certificate-changed' AND payload->'certificate'->>'number' = $1", [number]);
      expect(ecqs.rows).toHaveLength(1);
      expect(ecqs.rows[0].payload.changes).toMatchObject({ changeApplicationId: addition.applicationId, version: 2, addedProductNames: ['通用硅酸盐水泥 P·O 52.5'] });
      const amended = await suite.db.pool.query("SELECT count(*)::int AS n FROM audit_events WHERE certificate_no = $1 AND action = 'certificate-amended'", [number]);
      expect(amended.rows[0].n).toBe(1);
    });
  });
});
