/**
 * The HTTP API end to end: supertest against createApp, with the real Temporal dev server, a real
 * worker (bundled workflows, real activities) and a real PostgreSQL database. Nothing is mocked.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { DEV_JWT_SECRET, JWT_AUDIENCE, JWT_ISSUER, resolveJwtSecret } from '../../api/auth';
import { ProblemKind } from '../../api/problem';
import { openApiPath } from '../../api/route';
import { CaseList, CaseStatusResponse, CertificateCheck, DeadlineResponse, FollowUpStatusResponse, SubmitResponse } from '../../api/schemas';
import { CERTIFICATE_NUMBER } from '../../domain/licence/certificate';
import { upsertVerifier } from '../../db/registers';
import { policyInForce } from '../../domain/policy';
import { shanghaiDate } from '../../domain/time';
import { freshUscc } from '../helpers/fixtures';
import { api, applicantOf, ownApplication as application, bearer, eventually, leftIntake, expressRoutes, type Harness, newId, sha, startHarness, USCC_A, USCC_B } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const applicantA = () => bearer({ role: 'applicant', uscc: USCC_A, sub: 'acme' });
const USCC_ISSUED = freshUscc();
const holder = () => bearer({ role: 'applicant', uscc: USCC_ISSUED, sub: 'holder' });
const officerBJ = () => bearer({ role: 'acceptance-officer', province: 'BJ', sub: 'officer-bj' });
const approverBJ = () => bearer({ role: 'approver', province: 'BJ', sub: 'approver-bj' });

function expectProblem(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), type: expect.stringMatching(/^\/problems\//) });
  const kind = (res.body.type as string).replace('/problems/', '') as keyof typeof ProblemKind;
  expect(ProblemKind[kind].status).toBe(status);
}

/** Submits; a new case is answered at once, so this waits for its receipt checks before staff act. */
async function submit(body: Record<string, unknown>, headers: Record<string, string> = {}, as = () => applicantOf(body)) {
  const r = await api(h)
    .post('/applications')
    .set(await as())
    .set(headers)
    .send(body);
  if (r.status === 201) await leftIntake(h, r.body.applicationId as string);
  return r;
}

describe('one case through HTTP only', () => {
  it('R07, L07, R05: submit → accept → approve → certificate issued and publicly valid; follow-up inspection recorded', async () => {
    // An enterprise of its own: the cement certificate it gets would refuse A's later applications (L07).
    const base = application();
    const body = { ...base, enterprise: { ...(base.enterprise as object), uscc: USCC_ISSUED } } as Record<string, unknown>;
    const id = body.applicationId as string;

    const created = await submit(body, {}, holder);
    expect(created.status).toBe(201);
    expect(SubmitResponse.parse(created.body)).toMatchObject({ applicationId: id, created: true });
    expect(created.headers.location).toBe(`/applications/${id}`);

    const seen = await api(h).get(`/applications/${id}`).set(await officerBJ());
    expect(seen.status).toBe(200);
    expect(CaseStatusResponse.parse(seen.body)).toMatchObject({ applicationId: id, stage: 'received', province: 'BJ' });

    const accepted = await api(h).post(`/applications/${id}/accept`).set(await officerBJ()).send({ note: 'materials complete' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ applicationId: id, stage: 'under-review', acceptedAt: expect.any(String) });

    // Routing and the decision clock run in the workflow after acceptance.
    const routed = await eventually(async () => {
      const r = await api(h).get(`/applications/${id}`).set(await approverBJ());
      return r.body.path && r.body.deadline ? (r.body as Record<string, unknown>) : undefined;
    }, 20_000, 'routing');
    expect(routed).toMatchObject({ path: 'post-verification', policyVersion: policyInForce(shanghaiDate(Date.now())).id, deadline: { limit: { n: 5, unit: 'working-days' } } });

    const approved = await api(h).post(`/applications/${id}/approve`).set(await approverBJ()).send({ note: 'conditions met' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ applicationId: id, stage: 'issuing' });

    const issued = await eventually(async () => {
      const r = await api(h).get(`/applications/${id}`).set(await holder());
      return r.body.stage === 'issued' ? CaseStatusResponse.parse(r.body) : undefined;
    }, 20_000, 'issuance');
    expect(issued.decision).toMatchObject({ outcome: 'approved', by: 'approver-bj', withinDeadline: true });
    const number = issued.certificate!.number;
    expect(number).toMatch(CERTIFICATE_NUMBER);

    // Public check: no token, no enterprise identity.
    const check = await api(h).get(`/certificates/${encodeURIComponent(number)}`);
    expect(check.status).toBe(200);
    expect(CertificateCheck.parse(check.body)).toMatchObject({ number, status: 'valid', product: 'cement', province: 'BJ', issuedOn: issued.certificate!.issuedOn });
    expect(JSON.stringify(check.body)).not.toContain(USCC_ISSUED);
    expect(JSON.stringify(check.body)).not.toContain('北京示范水泥有限公司');

    // After issuance: the follow-up child, and its inspection recorded by the province's supervisor.
    // R10: only verifiers in the registry, certified on the day, may inspect.
    for (const [vid, name] of [['V-001', '张检查'], ['V-002', '李核查']] as const) {
      await upsertVerifier(h.db.pool, { id: vid, name, certifiedBy: 'BJ', certifiedOn: '2024-01-01', certifiedUntil: '2099-12-31' });
    }
    const followUp = await eventually(async () => {
      const r = await api(h).get(`/applications/${id}/follow-up`).set(await bearer({ role: 'supervisor', province: 'BJ' }));
      return r.status === 200 ? FollowUpStatusResponse.parse(r.body) : undefined;
    }, 20_000, 'follow-up');
    expect(followUp).toMatchObject({ kind: 'post-issuance-verification', certificateNumber: number, stage: 'awaiting-inspection' });
    const inspected = await api(h)
      .post(`/applications/${id}/follow-up/inspection`)
      .set(await bearer({ role: 'supervisor', province: 'BJ', sub: 'sup-bj' }))
      .send({ outcome: 'pass', verifierIds: ['V-001', 'V-002'], findings: 'production conditions as declared' });
    expect(inspected.status).toBe(200);
    expect(FollowUpStatusResponse.parse(inspected.body)).toMatchObject({ stage: 'closed', result: { outcome: 'pass', by: 'sup-bj' } });
    const again = await api(h)
      .post(`/applications/${id}/follow-up/inspection`)
      .set(await bearer({ role: 'supervisor', province: 'BJ' }))
      .send({ outcome: 'pass', verifierIds: ['V-001', 'V-002'] });
    expectProblem(again, 409);

    // The case is closed: a further decision is a 409, not a 500.
    const late = await api(h).post(`/applications/${id}/refuse`).set(await approverBJ()).send({ reasons: ['too late'] });
    expectProblem(late, 409);
    expect(late.body.detail).toMatch(/closed/);

    // Listed from Temporal visibility, by the province's staff and by ops.
    const listed = await eventually(async () => {
      const r = await api(h).get('/applications').query({ stage: 'issued', product: 'cement' }).set(await approverBJ());
      return r.status === 200 && r.body.items.some((i: { applicationId: string }) => i.applicationId === id) ? CaseList.parse(r.body) : undefined;
    }, 20_000, 'visibility');
    expect(listed.query).toContain("LpProvince = 'BJ'");
    expect(listed.items.find((i) => i.applicationId === id)).toMatchObject({ stage: 'issued', province: 'BJ', path: 'post-verification', overdue: false });
    const overdue = await api(h).get('/applications').query({ overdue: 'true' }).set(await bearer({ role: 'ops' }));
    expect(overdue.status).toBe(200);
    expect(overdue.body.query).toContain('LpOverdue = true');
    expect(overdue.body.items.map((i: { applicationId: string }) => i.applicationId)).not.toContain(id);

    // Resubmitting a closed case returns it; it is never started again.
    const repeat = await submit(body, {}, holder);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ applicationId: id, created: false, receivedAt: created.body.receivedAt });
  });
});

describe('case list paging', () => {
  it('the case list pages with nextBefore, newest first, without repeating or skipping a case', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = application();
      expect((await submit(body)).status).toBe(201);
      ids.push(body.applicationId as string);
    }
    const ops = await bearer({ role: 'ops' });
    // Everything visible in one go, once visibility has caught up with the three new cases.
    const all = await eventually(async () => {
      const r = await api(h).get('/applications').query({ limit: '200' }).set(ops);
      const got = CaseList.parse(r.body).items.map((i) => i.applicationId);
      return ids.every((id) => got.includes(id)) ? got : undefined;
    }, 20_000, 'visibility');
    const paged: string[] = [];
    let before: string | null | undefined;
    for (let page = 0; page < 200; page++) {
      const r = await api(h).get('/applications').query({ limit: '2', ...(before ? { before } : {}) }).set(ops);
      expect(r.status).toBe(200);
      const body = CaseList.parse(r.body);
      paged.push(...body.items.map((i) => i.applicationId));
      before = body.nextBefore;
      if (!before) break;
    }
    expect(paged).toEqual(all);
  });
});

describe('idempotent submission', () => {
  it('a repeated submission returns the same case (201, then 200) and never a second workflow', async () => {
    const body = application();
    const id = body.applicationId as string;
    const first = await submit(body);
    const runId = (await h.env.client.workflow.getHandle(id).describe()).runId;
    const second = await submit(body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ applicationId: id, created: false, receivedAt: first.body.receivedAt });
    expect((await h.env.client.workflow.getHandle(id).describe()).runId).toBe(runId);
    // Fields in another order are the same application.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    expect((await submit(reordered)).status).toBe(200);
  });

  it('the Idempotency-Key header names the case when the body has no applicationId', async () => {
    const key = newId('IK');
    const { applicationId: _drop, ...body } = application();
    const first = await submit(body, { 'Idempotency-Key': key });
    const second = await submit(body, { 'Idempotency-Key': key });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(first.body.applicationId).toBe(key);
    expect(second.body.applicationId).toBe(key);
  });

  it('concurrent repeats start exactly one case', async () => {
    const body = application();
    const all = await Promise.all([submit(body), submit(body), submit(body), submit(body)]);
    expect(all.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
  });

  it('the same id with a different application is a 409, and never replaces the case', async () => {
    const body = application();
    expect((await submit(body)).status).toBe(201);
    const other = await submit({ ...body, productNames: ['another product'] });
    expectProblem(other, 409);
    expect(other.body.detail).toMatch(/already used/);
  });

  it('an applicationId that differs from the Idempotency-Key is a 422 naming both', async () => {
    const res = await submit(application(), { 'Idempotency-Key': newId('IK') });
    expectProblem(res, 422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'applicationId' })]);
  });
});

describe('error classes: RFC 9457 problems, bad input never a 500', () => {
  it('422: an invalid USCC names the field path enterprise.uscc', async () => {
    const body = application();
    const res = await submit({ ...body, enterprise: { ...(body.enterprise as object), uscc: '91110000MA01ABCDE0' } });
    expectProblem(res, 422);
    expect(res.body.errors).toContainEqual({ path: 'enterprise.uscc', message: expect.stringMatching(/check character/) });
  });

  it('422: unknown fields are rejected by name, at any depth', async () => {
    const body = application();
    const res = await submit({ ...body, surprise: 1, enterprise: { ...(body.enterprise as object), ceo: 'x' } });
    expectProblem(res, 422);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['surprise', 'enterprise.ceo']));
  });

  it('R01: 422 when the production address lies in another province than the one filed with', async () => {
    const res = await submit(application({ productionAddresses: [{ province: 'SH', address: '上海市浦东新区某路1号' }] }));
    expectProblem(res, 422);
    expect(res.body.errors).toContainEqual({ path: 'productionAddresses.0.province', message: expect.stringMatching(/R01/) });
  });

  it('422: wrong types and bad query parameters name their paths', async () => {
    const res = await submit(application({ productNames: 'cement' }));
    expectProblem(res, 422);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ path: 'productNames' }));
    const q = await api(h).get('/applications').query({ stage: 'nonsense', colour: 'red' }).set(await bearer({ role: 'ops' }));
    expectProblem(q, 422);
    expect((q.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(['query.colour', 'query.stage']);
  });

  it('400: a body that is not JSON; 415: a body that is not application/json', async () => {
    const bad = await api(h).post('/applications').set(await applicantA()).set('Content-Type', 'application/json').send('{"applicationId": ');
    expectProblem(bad, 400);
    const text = await api(h).post('/applications').set(await applicantA()).set('Content-Type', 'text/plain').send('hello');
    expectProblem(text, 415);
  });

  it('413: a body over the 1 MB limit', async () => {
    const huge = application({ productNames: ['x'.repeat(1_100_000)] });
    const res = await submit(huge);
    expectProblem(res, 413);
  });

  it('401: no token, a malformed header, a wrong signature, an expired token, unusable claims', async () => {
    const none = await api(h).get('/applications');
    expectProblem(none, 401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expectProblem(await api(h).get('/applications').set('Authorization', 'Basic abc'), 401);
    const forged = await new SignJWT({ role: 'ops' }).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setExpirationTime('1h').sign(new TextEncoder().encode('another-secret'));
    expectProblem(await api(h).get('/applications').set('Authorization', `Bearer ${forged}`), 401);
    const key = new TextEncoder().encode('api-integration-test-secret-0123456789abcdef');
    const expired = await new SignJWT({ role: 'ops' }).setProtectedHeader({ alg: 'HS256' }).setSubject('old').setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
    const exp = await api(h).get('/applications').set('Authorization', `Bearer ${expired}`);
    expectProblem(exp, 401);
    expect(exp.body.detail).toMatch(/expired/);
    const noProvince = await new SignJWT({ role: 'approver' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setExpirationTime('1h').sign(key);
    const np = await api(h).get('/applications').set('Authorization', `Bearer ${noProvince}`);
    expectProblem(np, 401);
    expect(np.body.detail).toMatch(/province/);
  });

  it('R01: 404 for a reviewer of another province and for another enterprise (existence not revealed); 403 for a role that may not act', async () => {
    const body = application();
    const id = body.applicationId as string;
    expect((await submit(body)).status).toBe(201);
    const other = await api(h).get(`/applications/${id}`).set(await bearer({ role: 'reviewer', province: 'SH' }));
    expectProblem(other, 404);
    expect(other.body.detail).toBe(`case ${id} not found`);
    const role = await api(h).post(`/applications/${id}/approve`).set(await bearer({ role: 'reviewer', province: 'BJ' })).send({});
    expectProblem(role, 403);
    const stranger = await api(h).get(`/applications/${id}`).set(await bearer({ role: 'applicant', uscc: USCC_B }));
    expectProblem(stranger, 404);
    const forSomeoneElse = await api(h).post('/applications').set(await bearer({ role: 'applicant', uscc: USCC_B })).send(application());
    expectProblem(forSomeoneElse, 403);
  });

  it('404: an unknown case, an unknown certificate, an unknown route; 405 for a known path with another method', async () => {
    expectProblem(await api(h).get('/applications/NO-SUCH-CASE-1').set(await bearer({ role: 'ops' })), 404);
    expectProblem(await api(h).post('/applications/NO-SUCH-CASE-1/accept').set(await officerBJ()).send({}), 404);
    expectProblem(await api(h).get(`/certificates/${encodeURIComponent('(京)XK08-001-99999')}`), 404);
    expectProblem(await api(h).get('/nowhere'), 404);
    const m = await api(h).delete('/applications');
    expectProblem(m, 405);
    expect(m.headers.allow).toContain('POST');
    // A literal path beats a parameter of the same shape: GET /risk-reports/public is no report "public" (was 401).
    const literal = await api(h).get('/risk-reports/public');
    expectProblem(literal, 405);
    expect(literal.headers.allow).toBe('POST');
  });

  it('409: a decision refused by the workflow validator at the wrong stage, with its reason', async () => {
    const body = application();
    const id = body.applicationId as string;
    expect((await submit(body)).status).toBe(201);
    expect((await api(h).post(`/applications/${id}/accept`).set(await officerBJ()).send({})).status).toBe(200);
    const twice = await api(h).post(`/applications/${id}/accept`).set(await officerBJ()).send({});
    expectProblem(twice, 409);
    expect(twice.body.detail).toMatch(/acceptance is not possible at stage/);
    const resume = await api(h).post(`/applications/${id}/resume`).set(await approverBJ()).send({});
    expectProblem(resume, 409);
    expect(resume.body.detail).toMatch(/not paused/);
    const supplement = await api(h)
      .post(`/applications/${id}/supplement`)
      .set(await applicantOf(body))
      .send({ documents: [{ name: '补充材料', type: 'other', sha256: sha('x') }] });
    expectProblem(supplement, 409);
  });

  it('L01, L02: supplement request → supplement → accept; pause → resume, through HTTP', async () => {
    const body = application();
    const id = body.applicationId as string;
    expect((await submit(body)).status).toBe(201);
    const asked = await api(h).post(`/applications/${id}/supplement-request`).set(await officerBJ()).send({ items: ['产品检验报告 (clearer copy)'] });
    expect(asked.status).toBe(200);
    expect(asked.body.stage).toBe('awaiting-supplement');
    const secondNotice = await api(h).post(`/applications/${id}/supplement-request`).set(await officerBJ()).send({ items: ['more'] });
    expectProblem(secondNotice, 409);
    const supplied = await api(h)
      .post(`/applications/${id}/supplement`)
      .set(await applicantOf(body))
      .send({ documents: [{ name: '产品检验报告', type: 'inspection-report', sha256: sha('report-2') }] });
    expect(supplied.status).toBe(202);
    await eventually(async () => {
      const r = await api(h).get(`/applications/${id}`).set(await officerBJ());
      return r.body.stage === 'received' ? true : undefined;
    });
    expect((await api(h).post(`/applications/${id}/accept`).set(await officerBJ()).send({})).status).toBe(200);
    await eventually(async () => ((await api(h).get(`/applications/${id}`).set(await approverBJ())).body.path ? true : undefined));
    const paused = await api(h)
      .post(`/applications/${id}/pause`)
      .set(await approverBJ())
      .send({ kind: 'expert-review', reason: 'expert review of the process', applicantNotifiedAt: new Date().toISOString() });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true });
    const resumed = await api(h).post(`/applications/${id}/resume`).set(await approverBJ()).send({ note: 'experts done' });
    expect(resumed.body).toMatchObject({ paused: false });
    const refused = await api(h).post(`/applications/${id}/refuse`).set(await approverBJ()).send({ reasons: ['production conditions not met'] });
    expect(refused.status).toBe(200);
    expect(refused.body.stage).toBe('refused');
  });
});

describe('the written notice of a pause (L02)', () => {
  it('L02: a pause and its resumption each write the applicant a notice (what, why, expected length, rule, when) that it and its province read; others get 404', async () => {
    const body = application();
    const id = body.applicationId as string;
    expect((await submit(body)).status).toBe(201);
    expect((await api(h).post(`/applications/${id}/accept`).set(await officerBJ()).send({})).status).toBe(200);
    await eventually(async () => ((await api(h).get(`/applications/${id}`).set(await approverBJ())).body.path ? true : undefined));
    const badLength = await api(h).post(`/applications/${id}/pause`).set(await approverBJ()).send({ kind: 'testing', reason: '产品送检', expectedLength: { n: 0, unit: 'working-days' } });
    expectProblem(badLength, 422);
    expect(badLength.body.errors).toContainEqual(expect.objectContaining({ path: 'expectedLength.n' }));

    // No applicantNotifiedAt from staff any more: the case writes the notice itself, before it answers.
    const paused = await api(h).post(`/applications/${id}/pause`).set(await approverBJ()).send({ kind: 'testing', reason: '抽样送国家质检中心检验', expectedLength: { n: 15, unit: 'working-days' } });
    expect(paused.status).toBe(200);
    const read = async (auth: Record<string, string>) => api(h).get(`/applications/${id}/notices`).set(auth);
    const first = await read(await applicantOf(body));
    expect(first.status).toBe(200);
    const status = CaseStatusResponse.parse((await api(h).get(`/applications/${id}`).set(await approverBJ())).body);
    expect(first.body.items).toEqual([
      expect.objectContaining({
        kind: 'clock-paused',
        pauseKind: 'testing',
        why: '抽样送国家质检中心检验',
        expectedLength: { n: 15, unit: 'working-days' },
        rule: expect.stringMatching(/^L02/),
        issuedAt: new Date(status.pauses[0]!.from).toISOString(),
        issuedBy: 'approver:approver-bj',
      }),
    ]);
    expect(first.body.items[0].what).toMatch(/stops .* for product testing/);
    expect(first.body.items[0].body).toMatch(/产品检验.*预计需要15个工作日/);

    const resumed = await api(h).post(`/applications/${id}/resume`).set(await approverBJ()).send({ note: '检验报告已收到' });
    expect(resumed.status).toBe(200);
    const after = CaseStatusResponse.parse((await api(h).get(`/applications/${id}`).set(await approverBJ())).body);
    const both = await read(await bearer({ role: 'reviewer', province: 'BJ' }));
    expect(both.status).toBe(200);
    expect(both.body.items.map((n: { kind: string }) => n.kind)).toEqual(['clock-paused', 'clock-resumed']);
    expect(both.body.items[1]).toMatchObject({ why: '检验报告已收到', issuedAt: new Date(after.pauses[0]!.to!).toISOString() });
    expect(both.body.items[1].expectedLength).toBeUndefined();

    // R01: another enterprise and another province see no such case.
    expectProblem(await read(await bearer({ role: 'applicant', uscc: USCC_B })), 404);
    expectProblem(await read(await bearer({ role: 'reviewer', province: 'SH' })), 404);
  });
});

describe('public helpers', () => {
  it('L03: working-day deadline calculator: date and provisional flag', async () => {
    const r = await api(h).get('/calendar/deadline').query({ from: '2026-09-30', n: '5' });
    expect(r.status).toBe(200);
    // 2026-10-01..07 are days off, 10-10 (Saturday) is a working day.
    expect(DeadlineResponse.parse(r.body)).toMatchObject({ date: '2026-10-13', provisional: false });
    const later = await api(h).get('/calendar/deadline').query({ from: '2027-12-28', n: '5' });
    expect(later.status).toBe(200);
    expect(later.body.provisional).toBe(true);
    expectProblem(await api(h).get('/calendar/deadline').query({ from: '2026-13-01', n: '5' }), 422);
    expectProblem(await api(h).get('/calendar/deadline').query({ from: '2026-01-01', n: 'five' }), 422);
    expectProblem(await api(h).get(`/certificates/not-a-number`), 422);
  });

  it('health reports Temporal and the database', async () => {
    const r = await api(h).get('/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', temporal: { ok: true }, database: { ok: true } });
  });
});

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1, its schemas are valid JSON Schema 2020-12, every $ref resolves, every express route is in it', async () => {
    const r = await api(h).get('/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.body as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; 'x-roles': string[] }>>;
      components: { schemas: Record<string, object> };
    };
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();

    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    }
    for (const name of Object.keys(doc.components.schemas)) expect(ajv.getSchema(`#/components/schemas/${name}`), name).toBeTruthy();

    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = ref.replace(/^"\$ref":"#\/components\/schemas\//, '').replace(/"$/, '');
      expect(doc.components.schemas[name], ref).toBeDefined();
    }

    const operationIds = new Set<string>();
    const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
    for (const [p, ops] of Object.entries(doc.paths)) {
      expect(p.startsWith('/')).toBe(true);
      for (const [m, op] of Object.entries(ops)) {
        expect(methods).toContain(m);
        expect(operationIds.has(op.operationId)).toBe(false);
        operationIds.add(op.operationId);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const code of Object.keys(op.responses)) expect(code).toMatch(/^[1-5]\d\d$/);
      }
    }

    const routes = expressRoutes(h.app);
    expect(routes.length).toBeGreaterThanOrEqual(18);
    for (const { method, path: p } of routes) {
      expect(doc.paths[openApiPath(p)]?.[method], `${method.toUpperCase()} ${p}`).toBeDefined();
    }
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());

    // A response produced by the API validates against its documented schema.
    const validate = ajv.getSchema('#/components/schemas/DeadlineResponse')!;
    const sample = await api(h).get('/calendar/deadline').query({ from: '2026-01-05', n: '3' });
    expect(validate(sample.body), JSON.stringify(validate.errors)).toBe(true);
    const problem = ajv.getSchema('#/components/schemas/Problem')!;
    const p422 = await api(h).get('/calendar/deadline').query({ from: 'x', n: '3' });
    expect(problem(p422.body), JSON.stringify(problem.errors)).toBe(true);
  });

  it('/docs is Swagger UI (swagger-ui-dist) served from this server: no CDN, no inline script, fed from /openapi.json', async () => {
    const r = await api(h).get('/docs');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect(r.text).toContain('data-url="/openapi.json"');
    expect(r.text).not.toMatch(/<script>|(src|href)="https?:/);
    const assets = [...r.text.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css', '/docs/assets/docs-init.js']));
    for (const a of assets) expect((await api(h).get(a)).status, a).toBe(200);
    expect((await api(h).get('/docs/assets/index.html')).status).toBe(404);
  });

  it('console: POST /dev/token mints a token the API accepts in development, and is refused in production', async () => {
    const minted = await api(h).post('/dev/token').send({ role: 'approver', province: 'BJ', sub: 'dev-alice' });
    expect(minted.status).toBe(201);
    expect((await api(h).get('/applications').set({ Authorization: `Bearer ${minted.body.token}` })).status).toBe(200);
    expectProblem(await api(h).post('/dev/token').send({ role: 'approver' }), 422);
    const production = createApp({
      client: h.env.client,
      connection: h.env.connection,
      pool: h.db.pool,
      taskQueue: h.taskQueue,
      jwtSecret: 'x'.repeat(32),
      console: { devSignIn: false, temporalUiUrl: 'https://temporal.example.gov.cn', namespace: 'default' },
    });
    const refused = await request(production).post('/dev/token').send({ role: 'approver', province: 'BJ' });
    expectProblem(refused as unknown as Parameters<typeof expectProblem>[0], 403);
    const shell = await request(production).get('/console/');
    expect(shell.status).toBe(200);
    expect(shell.headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect(shell.text).toContain('"devSignIn":false');
    expect(shell.text).toContain('https://temporal.example.gov.cn');
  });
});

describe('secrets', () => {
  it('the server refuses to start in production with no secret or the default one', () => {
    expect(() => resolveJwtSecret({ NODE_ENV: 'production', JWT_SECRET: undefined })).toThrow(/JWT_SECRET/);
    expect(() => resolveJwtSecret({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET })).toThrow(/default/);
    expect(() => resolveJwtSecret({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/at least/);
    expect(resolveJwtSecret({ NODE_ENV: 'development', JWT_SECRET: undefined })).toBe(DEV_JWT_SECRET);

    const root = path.resolve(__dirname, '..', '..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'api', 'main.ts')], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', JWT_SECRET: '', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PORT: '45999' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/JWT_SECRET is not set/);
  });
});
