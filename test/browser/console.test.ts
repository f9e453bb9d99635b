/**
 * The web console (issue 17) in a real headless Chromium against the real API, worker, Temporal
 * dev server and PostgreSQL. Each person signs in in a browser context of their own with the
 * development role picker. `npm run screenshots` runs this file with LP_SCREENSHOTS_DIR set.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplicationInput } from '../../domain/approval/application';
import { CASE_WORKFLOW_TYPE } from '../../domain/workflow-ids';
import { freshUscc } from '../helpers/fixtures';
import { application, bearer, eventually, ownApplication, USCC_A } from '../integration/api-helpers';
import { type Console, caseShows, expectAccessible, open, queueRow, shot, signIn, startConsole } from './browser-helpers';

// Globals of the page, for the functions that run inside Chromium (the project compiles without the DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, location: any, getComputedStyle: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

let c: Console;
beforeAll(async () => {
  c = await startConsole();
});
afterAll(async () => {
  await c?.stop();
});

const applicant = { role: 'applicant', uscc: USCC_A, sub: '北京示范水泥' };
/** The enterprise whose case ends in a certificate: one of its own, so A's later cement cases are not refused (L07). */
const issuer = { role: 'applicant', uscc: freshUscc(), sub: '北京示范水泥二' };
const officer = { role: 'acceptance-officer', province: 'BJ', sub: '王受理' };
const approver = { role: 'approver', province: 'BJ', sub: '李审批' };
const file = (name: string, text: string) => ({ name, mimeType: 'application/pdf', buffer: Buffer.from(text) });

/**
 * A case submitted through the API itself (for tests whose subject is a later step), by an
 * enterprise of its own unless told (L07: one open `new` application per enterprise and product).
 */
async function submitted(uscc = freshUscc()): Promise<string> {
  const a = application();
  const body: Record<string, unknown> = { ...a, enterprise: { ...(a.enterprise as object), uscc } };
  const r = await request(c.h.app).post('/applications').set(await bearer({ role: 'applicant', uscc })).send(body);
  expect(r.status).toBe(201);
  const id = body.applicationId as string;
  // Past the intake checks: the officer can act on it.
  await eventually(async () => ((await request(c.h.app).get(`/applications/${id}`).set(await bearer({ role: 'ops' }))).body.stage === 'received' ? true : undefined), 20_000, 'intake');
  return id;
}

let issued: { id: string; certificate: string };

// Generous per-test limit: a loaded CI machine runs Temporal, a worker, PostgreSQL and Chromium at once.
describe('console', { timeout: 120_000 }, () => {
  it('R07, L07, R05: an enterprise submits a cement application, an officer accepts it, an approver approves it from the work queue, the enterprise sees the certificate and the public page shows it valid', async () => {
    // The enterprise fills in the form.
    const ent = await signIn(c, issuer);
    await expectAccessible(ent, 'sign-in landing (my applications)');
    await open(ent, c, '#/apply');
    const form = ent.locator('#apply-form');
    await form.getByLabel('产品单元 / 规格（每行一个）').fill('通用硅酸盐水泥 P·O 42.5');
    await form.getByLabel('企业名称').fill('北京示范水泥有限公司');
    await form.getByLabel('住所').fill('北京市房山区示范路1号');
    await form.getByLabel('生产地址（每行一个）').fill('北京市房山区示范路1号厂区');
    await form.getByLabel('备案 / 核准机关').fill('北京市发展和改革委员会');
    await form.getByLabel('文号').fill('京发改(备)〔2025〕18号');
    await form.getByLabel('日期', { exact: true }).fill('2025-06-30');
    await form.getByLabel('核定产能').fill('1000000');
    await form.getByLabel('申报产能').fill('800000');
    await form.getByLabel('承诺签署人').last().fill('张三');
    await form.getByLabel('材料 1 文件').setInputFiles(file('营业执照.pdf', 'business licence'));
    // Checked against the API's schema before it is sent: a missing document hash is named.
    await form.getByRole('button', { name: '提交申请' }).click();
    await expect.poll(() => form.getByLabel('材料 2 文件').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('材料 2 文件').setInputFiles(file('检验报告.pdf', 'inspection report'));
    await expectAccessible(ent, 'application form');
    await shot(ent, 'apply');
    await form.getByRole('button', { name: '提交申请' }).click();
    await ent.waitForURL(/#\/case\//);
    const id = decodeURIComponent(ent.url().split('#/case/')[1]!);
    await caseShows(ent, c, id, '.case-head:has-text("已收到，待受理")');

    // The officer accepts it from the work queue.
    const off = await signIn(c, officer);
    await (await queueRow(off, id)).getByRole('link').click();
    await off.locator('#action-accept').waitFor();
    await expect(off.locator('#action-reject').count()).resolves.toBe(1);
    await expect(off.locator('#action-approve').count()).resolves.toBe(0);
    await off.locator('#action-accept').getByLabel('备注').fill('材料齐全');
    await off.locator('#action-accept button[type=submit]').click();
    await off.locator('#notice .success').waitFor();

    // The approver approves it from the work queue.
    const appr = await signIn(c, approver);
    await (await queueRow(appr, id)).getByRole('link').click();
    await caseShows(appr, c, id, '#action-approve');
    await expect(appr.locator('#temporal-link').getAttribute('href')).resolves.toMatch(/\/namespaces\/default\/workflows\//);
    await expect(appr.locator('#action-accept').count()).resolves.toBe(0);
    await expectAccessible(appr, 'case page (approver)');
    await shot(appr, 'case-approver');
    await appr.locator('#action-approve button[type=submit]').click();
    await appr.locator('#notice .success').waitFor();

    // The enterprise sees the certificate and its public check link.
    await caseShows(ent, c, id, '#certificate-number');
    const certificate = (await ent.locator('#certificate-number').textContent())!;
    expect(certificate).toMatch(/^\(京\)XK08-001-\d{5}$/);
    await expect(ent.locator('#temporal-link').count()).resolves.toBe(0);
    await shot(ent, 'case-issued');
    await ent.locator('#public-check-link').click();
    await ent.locator('#check-result h2').waitFor();
    expect(await ent.locator('#check-result').textContent()).toContain('有效');

    // Anyone, signed in or not, checks it.
    const pub = await (await c.browser.newContext({ locale: 'zh-CN' })).newPage();
    await open(pub, c, `#/check/${encodeURIComponent(certificate)}`);
    await pub.locator('#check-result h2').waitFor();
    expect(await pub.locator('#check-result h2').textContent()).toContain('有效');
    await expectAccessible(pub, 'public certificate check');
    await shot(pub, 'check');
    issued = { id, certificate };
  });

  it('L01: a supplement round trip: the officer asks once, the enterprise uploads, the case is back with the officer', async () => {
    const id = await submitted(USCC_A); // the enterprise that signs in below
    const off = await signIn(c, officer);
    await open(off, c, `#/case/${id}`);
    await off.locator('#action-supplement-request').getByLabel('需补正的材料').fill('质量手册\n工艺流程说明');
    await off.locator('#action-supplement-request button[type=submit]').click();
    await off.locator('#notice .success').waitFor();
    // One notice only (一次告知): not offered again.
    await expect(off.locator('#action-supplement-request').count()).resolves.toBe(0);

    const ent = await signIn(c, applicant);
    await open(ent, c, `#/case/${id}`);
    expect(await ent.locator('.case-head').textContent()).toContain('待补正');
    await ent.locator('#action-supplement').getByLabel('补正材料文件').setInputFiles([file('质量手册.pdf', 'manual'), file('工艺流程说明.pdf', 'process')]);
    await ent.locator('#action-supplement').getByLabel('说明').fill('已补齐两份材料');
    await ent.locator('#action-supplement button[type=submit]').click();
    await ent.locator('#notice .success').waitFor();
    await caseShows(ent, c, id, '#timeline td:text("supplemented")');
    expect(await ent.locator('.case-head').textContent()).toContain('已收到，待受理');
    await caseShows(off, c, id, '#action-accept');
  });

  it('L01: an action the workflow refuses anyway shows the problem+json reason', async () => {
    const id = await submitted();
    const off = await signIn(c, officer);
    await open(off, c, `#/case/${id}`);
    await off.locator('#action-supplement-request').waitFor();
    // Meanwhile another officer accepts the case: this page is now stale.
    const accepted = await request(c.h.app).post(`/applications/${id}/accept`).set(await bearer({ role: 'acceptance-officer', province: 'BJ', sub: 'other-officer' })).send({});
    expect(accepted.status).toBe(200);
    await off.locator('#action-supplement-request').getByLabel('需补正的材料').fill('质量手册');
    await off.locator('#action-supplement-request button[type=submit]').click();
    const problem = off.locator('#action-supplement-request .problem');
    await problem.waitFor();
    const text = (await problem.textContent())!;
    expect(text).toContain('(409)');
    expect(text).toMatch(/not possible at stage 'under-review'/);
    await expectAccessible(off, 'refused action');
    await shot(off, 'refused');
  });

  it('R01: a reviewer of another province sees nothing of the case', async () => {
    const id = await submitted();
    const rev = await signIn(c, { role: 'reviewer', province: 'SH', sub: '沪审查' });
    expect(await rev.locator('#queue tbody').textContent()).not.toContain(id);
    await open(rev, c, `#/case/${id}`);
    const problem = rev.locator('#case-body .problem');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/\((403|404)\)/);
    await expect(rev.locator('#timeline, .facts, #case-body section').count()).resolves.toBe(0);
    expect(await rev.locator('#case-body').textContent()).not.toMatch(/水泥|cement/);
  });

  it('R07: a case received in the past is overdue: red in the approver\'s queue, first by deadline; keyboard moves through the queue', async () => {
    const late = ownApplication() as unknown as ApplicationInput;
    await c.h.env.client.workflow.start(CASE_WORKFLOW_TYPE, { taskQueue: c.h.taskQueue, workflowId: late.applicationId, args: [{ application: late, receivedAt: '2026-01-05T02:00:00.000Z' }] });
    const fresh = await submitted();
    expect((await request(c.h.app).post(`/applications/${fresh}/accept`).set(await bearer({ role: 'acceptance-officer', province: 'BJ' })).send({})).status).toBe(200);
    await eventually(async () => ((await request(c.h.app).get(`/applications/${late.applicationId}`).set(await bearer({ role: 'ops' }))).body.deadline?.overdue ? true : undefined), 20_000, 'breach');

    const appr = await signIn(c, approver);
    const row = await queueRow(appr, late.applicationId);
    await queueRow(appr, fresh);
    expect(await row.getAttribute('class')).toContain('overdue');
    expect(await row.locator('td.left').textContent()).toBe('已逾期');
    expect(await row.locator('td.left').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(164, 22, 26)');
    // Sorted by deadline: the overdue case comes before the fresh one.
    const order = await appr.locator('#queue tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-case')));
    expect(order.indexOf(late.applicationId)).toBeLessThan(order.indexOf(fresh));
    // Amber within one working day, from the same rule the rows use.
    const amber = await appr.evaluate(
      "import('/console/assets/pages/common.js').then((m) => [m.urgency({ overdue: false, workingDaysLeft: 1 }).cls, m.urgency({ overdue: false, workingDaysLeft: 2 }).cls])",
    );
    expect(amber).toEqual(['due-soon', '']);
    await expectAccessible(appr, 'work queue');
    await shot(appr, 'queue');

    // Keyboard: Tab reaches the first case, ↓ moves to the next, Enter opens it.
    await appr.locator('#queue a.row-link').first().focus();
    await appr.keyboard.press('ArrowDown');
    const second = await appr.evaluate(() => document.activeElement.textContent as string);
    expect(second).toBe(order[1]);
    await appr.keyboard.press('Enter');
    await appr.waitForFunction((id) => location.hash === `#/case/${id}`, second);

    // Filters go to the API: a product with no cases empties the queue.
    await open(appr, c, '#/queue');
    await appr.getByLabel('产品').selectOption('fertiliser');
    await appr.waitForFunction(() => document.querySelector('#queue caption')?.textContent?.startsWith('0 '));

    const en = await signIn(c, approver, 'en');
    await queueRow(en, late.applicationId);
    expect(await en.locator('#queue tr.overdue td.left').first().textContent()).toBe('overdue');
    await shot(en, 'queue-en');
  });

  it('console: a supervisor sees overdue decisions and follow-ups of the province, and the register form', async () => {
    const sup = await signIn(c, { role: 'supervisor', province: 'BJ', sub: '赵监管' });
    await sup.locator('#overdue tbody tr.overdue').first().waitFor();
    if (issued) await expect.poll(() => sup.locator('#follow-ups').textContent()).toContain(issued.id);
    await expectAccessible(sup, 'supervision');
    await shot(sup, 'supervision');
  });

  it('console: sign-in page, deadline calculator and the API docs (swagger-ui from npm, no CDN)', async () => {
    const page = await (await c.browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } })).newPage();
    await open(page, c, '#/signin');
    await expectAccessible(page, 'sign-in');
    await shot(page, 'signin');
    await open(page, c, '#/deadline');
    await page.getByLabel('起算日').fill('2026-09-30');
    await page.getByLabel('工作日数').fill('5');
    await page.getByRole('button', { name: '计算' }).click();
    await expect.poll(() => page.locator('#deadline-result').textContent()).toContain('2026-10-13');
    await expectAccessible(page, 'deadline calculator');

    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(c.base)) external.push(r.url());
    });
    await page.goto(`${c.base}/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor();
    expect(await page.locator('.swagger-ui .opblock').count()).toBeGreaterThan(20);
    expect(external).toEqual([]);
    await shot(page, 'docs');
  });
});
