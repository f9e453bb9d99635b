/**
 * Through HTTP only, on the real Temporal dev server, a real worker and PostgreSQL:
 * R15 (a rectification order shows in the public check; failed-rectification is a revocation
 * ground only with an order and a failed re-check on record) and R05 (no paper-only documents;
 * the electronic certificate's content hash is stored at issuance and verifiable by anyone).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateCheck } from '../../api/schemas';
import { withUsccCheck } from '../../domain/uscc';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { api, application, bearer, eventually, issueOverHttp, type Harness, sha, startHarness } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const supervisorBJ = () => bearer({ role: 'supervisor', province: 'BJ', sub: 'sup-bj' });
const approverBJ = () => bearer({ role: 'approver', province: 'BJ', sub: 'approver-bj' });
const ops = () => bearer({ role: 'ops', sub: 'ops' });
const holder = (uscc: string) => bearer({ role: 'applicant', uscc, sub: `holder-${uscc}` });
const certPath = (number: string, suffix = '') => `/certificates/${encodeURIComponent(number)}${suffix}`;

/** Issued over HTTP, once its follow-up answers too. */
async function issue(uscc: string): Promise<{ id: string; number: string; body: Record<string, unknown> }> {
  const issued = await issueOverHttp(h, uscc);
  await eventually(async () => ((await api(h).get(`/applications/${issued.id}/follow-up`).set(await supervisorBJ())).status === 200 ? true : undefined), 20_000, 'follow-up');
  return issued;
}

async function check(number: string) {
  const r = await api(h).get(certPath(number));
  expect(r.status).toBe(200);
  return CertificateCheck.parse(r.body);
}

async function certify(ids: string[]) {
  for (const id of ids) {
    const r = await api(h).post('/verifiers').set(await supervisorBJ()).send({ id, name: `检查员 ${id}`, certifiedBy: 'BJ', certifiedUntil: '2099-12-31' });
    expect([200, 201]).toContain(r.status);
  }
}

describe('R15: rectification orders in the public check and as a revocation ground', () => {
  it('R15: under a rectification order the public check says "valid — under rectification order until …"; failed-rectification is refused (422, with the reason) until a re-check has failed; a passed re-check clears the order', async () => {
    const uscc = withUsccCheck('91110000MA7R10001');
    const { id, number } = await issue(uscc);
    const team = ['V-R15-1', 'V-R15-2'];
    await certify(team);

    // Before any order: a plain valid certificate, and the ground is refused as having no order.
    expect(await check(number)).toMatchObject({ status: 'valid', statusText: 'valid' });
    expect((await check(number)).rectificationOrder).toBeUndefined();
    const noOrder = await api(h).post(certPath(number, '/revoke')).set(await supervisorBJ()).send({ ground: 'failed-rectification', reason: '复查不合格' });
    expect(noOrder.status).toBe(422);
    expect(noOrder.body.detail).toMatch(/failed-rectification needs a rectification order and a failed re-check on record: .*has no rectification order/);
    // Nor can the follow-up's first inspection claim it.
    const firstRound = await api(h).post(`/applications/${id}/follow-up/inspection`).set(await supervisorBJ()).send({ outcome: 'failed', verifierIds: team, ground: 'failed-rectification' });
    expect(firstRound.status).toBe(422);
    expect(firstRound.body.detail).toMatch(/has no rectification order/);

    const rectifyBy = addCalendarDays(shanghaiDate(Date.now()), 20);
    const ordered = await api(h).post(`/applications/${id}/follow-up/inspection`).set(await supervisorBJ()).send({ outcome: 'rectification-required', verifierIds: team, rectifyBy, findings: '出厂检验记录不全' });
    expect(ordered.status).toBe(200);
    const under = await check(number);
    expect(under).toMatchObject({ status: 'valid', statusText: `valid — under rectification order until ${rectifyBy}`, rectificationOrder: { rectifyBy, orderedOn: shanghaiDate(Date.now()) } });

    // An order, but no failed re-check yet: still refused, saying what is missing; the licence stays valid.
    const noRecheck = await api(h).post(certPath(number, '/revoke')).set(await approverBJ()).send({ ground: 'failed-rectification', reason: '复查不合格' });
    expect(noRecheck.status).toBe(422);
    expect(noRecheck.body.detail).toMatch(new RegExp(`ordered to rectify on .*\\(by ${rectifyBy}\\) and no re-check has failed`));
    expect((await check(number)).status).toBe('valid');

    const passed = await api(h).post(`/applications/${id}/follow-up/inspection`).set(await supervisorBJ()).send({ outcome: 'pass', verifierIds: team });
    expect(passed.status).toBe(200);
    const cleared = await check(number);
    expect(cleared).toMatchObject({ status: 'valid', statusText: 'valid' });
    expect(cleared.rectificationOrder).toBeUndefined();
  });

  it('R15, L08, R12: once a re-check after the order has failed, the revocation is on that ground and the public check says revoked, with no order shown; its credit-publicity record waits unpublished (no endpoint configured), visible on /metrics', async () => {
    const uscc = withUsccCheck('91110000MA7R10002');
    const { id, number } = await issue(uscc);
    const team = ['V-R15-3', 'V-R15-4'];
    await certify(team);
    const rectifyBy = addCalendarDays(shanghaiDate(Date.now()), 10);
    expect((await api(h).post(`/applications/${id}/follow-up/inspection`).set(await supervisorBJ()).send({ outcome: 'rectification-required', verifierIds: team, rectifyBy })).status).toBe(200);
    expect((await check(number)).statusText).toBe(`valid — under rectification order until ${rectifyBy}`);
    const failed = await api(h).post(`/applications/${id}/follow-up/inspection`).set(await supervisorBJ()).send({ outcome: 'failed', verifierIds: team, findings: '复查仍不合格' });
    expect(failed.status).toBe(200);
    const revoked = await eventually(async () => {
      const c = await check(number);
      return c.status === 'revoked' ? c : undefined;
    }, 20_000, 'revocation');
    expect(revoked.statusText).toBe('revoked');
    expect(revoked.rectificationOrder).toBeUndefined();
    const ground = await h.db.pool.query('SELECT ground, rule FROM credit_publicity WHERE certificate_no = $1', [number]);
    expect(ground.rows).toEqual([{ ground: 'failed-rectification', rule: 'L08' }]);
    const metrics = await api(h).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^lp_credit_publicity_unpublished\{state="pending"\} [1-9]/m);
    expect(metrics.text).toMatch(/^lp_credit_publicity_unpublished\{state="parked"\} 0$/m);
    expect(metrics.text).toMatch(/^lp_credit_publicity_oldest_unpublished_seconds \d/m);
  });
});

describe('R05: fully online, electronic certificates', () => {
  it('R05: a paper-only document type is refused with 422 naming the field; a document without its hash too', async () => {
    const base = application();
    const docs = base.documents as Record<string, unknown>[];
    const paper = await api(h)
      .post('/applications')
      .set(await holder((base.enterprise as { uscc: string }).uscc))
      .send({ ...base, documents: [...docs, { name: '营业执照原件', type: 'paper-original', sha256: sha('paper') }] });
    expect(paper.status).toBe(422);
    expect(paper.body.errors).toContainEqual({ path: `documents.${docs.length}.type`, message: expect.stringMatching(/paper-only document type.*no paper materials \(R05\)/) });
    const unhashed = await api(h)
      .post('/applications')
      .set(await holder((base.enterprise as { uscc: string }).uscc))
      .send({ ...base, applicationId: `${String(base.applicationId)}-2`, documents: [{ name: '质量手册', type: 'quality-manual' }] });
    expect(unhashed.status).toBe(422);
    expect(unhashed.body.errors.map((e: { path: string }) => e.path)).toContain('documents.0.sha256');
    // Nothing was received.
    expect((await api(h).get(`/applications/${String(base.applicationId)}`).set(await ops())).status).toBe(404);
  });

  it('R05: the public check returns the certificate\'s canonical content and the SHA-256 stored at issuance: anyone recomputes it; the holder recomputes the holder digest; a change (变更) gives a new hash', async () => {
    const uscc = withUsccCheck('91110000MA7R05001');
    const { number, body } = await issue(uscc);
    const c = await check(number);
    expect(c.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sha(c.content)).toBe(c.contentSha256);
    const content = JSON.parse(c.content) as Record<string, unknown>;
    expect(content).toMatchObject({ v: 1, number, product: 'cement', productNames: body.productNames, issuedOn: c.issuedOn, validUntil: c.validUntil });
    // No enterprise identity in the check: the holder is a digest of what the certificate prints.
    const ent = body.enterprise as { name: string; registeredAddress: string };
    expect(c.content).not.toContain(ent.name);
    expect(c.content).not.toContain(uscc);
    const addresses = (body.productionAddresses as { province: string; address: string }[]).map((a) => ({ address: a.address, province: a.province }));
    const holderText = JSON.stringify({ enterpriseAddress: ent.registeredAddress, enterpriseName: ent.name, productionAddresses: addresses });
    expect(content.holderSha256).toBe(sha(holderText));
    // Stored, not computed on the fly: an altered record no longer matches its hash.
    const stored = await h.db.pool.query('SELECT content_sha256 FROM certificates WHERE number = $1', [number]);
    expect(stored.rows[0].content_sha256).toBe(c.contentSha256);

    const changed = await api(h).post(certPath(number, '/change')).set(await approverBJ()).send({ enterpriseName: '北京新名称水泥有限公司', note: '更名' });
    expect(changed.status).toBe(200);
    const after = await eventually(async () => {
      const x = await check(number);
      return x.contentSha256 !== c.contentSha256 ? x : undefined;
    }, 20_000, 'new hash after the change');
    expect(sha(after.content)).toBe(after.contentSha256);
    expect(JSON.parse(after.content).holderSha256).not.toBe(content.holderSha256);
  });
});
