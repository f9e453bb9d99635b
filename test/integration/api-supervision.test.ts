/**
 * After issuance through HTTP only (R08, R10, L06, L04, R12, L08, R04, L05): the verifier
 * registry, the follow-up team and inspection, the licence's lifecycle (read, change, cancel,
 * revoke), the ban enforced at submission, and take-overs waiting for a predecessor licence.
 * Real Temporal dev server, real worker (bundled workflows, real activities), real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStatusResponse, CertificateCheck, FollowUpDetailResponse, FollowUpStatusResponse, LicenceStateResponse, VerifierResponse } from '../../api/schemas';
import { validUntil } from '../../domain/licence/certificate';
import { shanghaiDate } from '../../domain/time';
import { withUsccCheck } from '../../domain/uscc';
import { freshUscc } from '../helpers/fixtures';
import { api, application, bearer, eventually, issueOverHttp, type Harness, startHarness, USCC_A, USCC_B } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Enterprises of their own for the tests that end a licence or ban an enterprise. */
const USCC_REVOKED = withUsccCheck('91110000MA5D12345');
const USCC_SELLER = withUsccCheck('91110000MA6E23456');

const supervisorBJ = () => bearer({ role: 'supervisor', province: 'BJ', sub: 'sup-bj' });
const approverBJ = () => bearer({ role: 'approver', province: 'BJ', sub: 'approver-bj' });
const officerBJ = () => bearer({ role: 'acceptance-officer', province: 'BJ', sub: 'officer-bj' });
const ops = () => bearer({ role: 'ops', sub: 'ops' });
const holder = (uscc: string) => bearer({ role: 'applicant', uscc, sub: `holder-${uscc}` });
const certPath = (number: string, suffix = '') => `/certificates/${encodeURIComponent(number)}${suffix}`;

function forEnterprise(uscc: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = application(overrides);
  return { ...base, enterprise: { ...(base.enterprise as object), uscc } };
}

async function caseStatus(id: string) {
  const r = await api(h).get(`/applications/${id}`).set(await ops());
  return r.status === 200 ? CaseStatusResponse.parse(r.body) : undefined;
}

const issue = (uscc = USCC_A): Promise<{ id: string; number: string }> => issueOverHttp(h, uscc);

async function certify(id: string, extra: Record<string, unknown> = {}) {
  return api(h)
    .post('/verifiers')
    .set(await supervisorBJ())
    .send({ id, name: `检查员 ${id}`, certifiedBy: 'BJ', certifiedUntil: '2099-12-31', ...extra });
}

describe('follow-up over HTTP (R08, R10, L06)', () => {
  it('R10, L06, R08: issue → certify verifiers → assign a team (registry checked) → record the inspection: pass closes the follow-up', async () => {
    const { id, number } = await issue();

    // R10: a province certifies its verifiers; a supervisor only for the own province.
    const v1 = await certify('V-S-001');
    expect(v1.status).toBe(201);
    expect(VerifierResponse.parse(v1.body)).toMatchObject({ id: 'V-S-001', certifiedBy: 'BJ', created: true, suspended: false });
    expect((await certify('V-S-002')).status).toBe(201);
    expect((await certify('V-S-002', { name: '王检查' })).status).toBe(200);
    expect((await certify('V-S-OLD', { certifiedOn: '2019-01-01', certifiedUntil: '2021-12-31' })).status).toBe(201);
    expect((await certify('V-S-CONFLICT')).status).toBe(201);
    const otherProvince = await api(h).post('/verifiers').set(await bearer({ role: 'supervisor', province: 'SH' })).send({ id: 'V-S-SH', name: '沪检查员', certifiedBy: 'BJ', certifiedUntil: '2099-12-31' });
    expect(otherProvince.status).toBe(403);
    const sh = await api(h).post('/verifiers').set(await bearer({ role: 'supervisor', province: 'SH' })).send({ id: 'V-S-002', name: '沪检查员', certifiedBy: 'SH', certifiedUntil: '2099-12-31' });
    expect(sh.status, 'a supervisor may not take over another province\'s verifier').toBe(403);
    const backwards = await certify('V-S-BAD', { certifiedOn: '2030-01-01', certifiedUntil: '2029-12-31' });
    expect(backwards.status).toBe(422);
    expect(backwards.body.errors).toContainEqual(expect.objectContaining({ path: 'certifiedUntil' }));

    // A conflict of interest with the enterprise; unknown verifiers are a 404.
    const conflict = await api(h).post('/verifiers/V-S-CONFLICT/conflicts').set(await supervisorBJ()).send({ uscc: USCC_A, reason: 'former employee of the enterprise' });
    expect(conflict.status).toBe(200);
    expect((await api(h).post('/verifiers/V-NOBODY/conflicts').set(await supervisorBJ()).send({ uscc: USCC_A, reason: 'relative' })).status).toBe(404);
    expect((await api(h).post('/verifiers/V-S-001/conflicts').set(await supervisorBJ()).send({ uscc: '123', reason: 'relative' })).status).toBe(422);

    const followUp = await eventually(async () => {
      const r = await api(h).get(`/applications/${id}/follow-up`).set(await supervisorBJ());
      return r.status === 200 ? FollowUpStatusResponse.parse(r.body) : undefined;
    }, 20_000, 'follow-up');
    expect(followUp).toMatchObject({ certificateNumber: number, stage: 'awaiting-inspection' });

    const team = (verifierIds: string[], who = supervisorBJ) => who().then((auth) => api(h).post(`/applications/${id}/follow-up/team`).set(auth).send({ verifierIds }));
    // R10: expired, unknown and conflicted verifiers are refused by the registry check (422, naming why).
    const expired = await team(['V-S-001', 'V-S-OLD']);
    expect(expired.status).toBe(422);
    expect(expired.body.detail).toMatch(/V-S-OLD.*expired on 2021-12-31/);
    const unknown = await team(['V-S-001', 'V-NOBODY']);
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toMatch(/V-NOBODY is not in the verifier registry/);
    const conflicted = await team(['V-S-001', 'V-S-CONFLICT']);
    expect(conflicted.status).toBe(422);
    expect(conflicted.body.detail).toMatch(/V-S-CONFLICT has a recorded conflict of interest/);
    // L06: 2-4 verifiers (schema), distinct (workflow validator).
    expect((await team(['V-S-001'])).status).toBe(422);
    const twice = await team(['V-S-001', 'V-S-001']);
    expect(twice.status).toBe(422);
    expect(twice.body.detail).toMatch(/listed twice/);
    // R01: another province's supervisor never reaches the follow-up (404: as if the case did not exist).
    expect((await team(['V-S-001', 'V-S-002'], () => bearer({ role: 'supervisor', province: 'SH' }))).status).toBe(404);

    const assigned = await team(['V-S-001', 'V-S-002']);
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    const detail = FollowUpDetailResponse.parse(assigned.body);
    expect(detail).toMatchObject({ stage: 'awaiting-inspection', round: 1, team: { verifierIds: ['V-S-001', 'V-S-002'], assignedBy: 'sup-bj', round: 1 } });

    // The inspection is recorded by the assigned team, not another one.
    const inspect = async (verifierIds: string[]) =>
      api(h).post(`/applications/${id}/follow-up/inspection`).set(await supervisorBJ()).send({ outcome: 'pass', verifierIds, findings: 'conditions as declared' });
    const others = await inspect(['V-S-001', 'V-S-CONFLICT']);
    expect(others.status).toBe(409);
    expect(others.body.detail).toMatch(/assigned team is V-S-001, V-S-002/);
    const passed = await inspect(['V-S-002', 'V-S-001']);
    expect(passed.status, JSON.stringify(passed.body)).toBe(200);
    expect(FollowUpStatusResponse.parse(passed.body)).toMatchObject({ stage: 'closed', team: ['V-S-001', 'V-S-002'], result: { outcome: 'pass', by: 'sup-bj' } });

    // Closed: neither a new team nor a second result.
    expect((await team(['V-S-001', 'V-S-002'])).status).toBe(409);
    expect((await inspect(['V-S-001', 'V-S-002'])).status).toBe(409);

    // The licence itself is untouched: valid.
    const lic = await api(h).get(certPath(number, '/licence')).set(await holder(USCC_A));
    expect(LicenceStateResponse.parse(lic.body)).toMatchObject({ status: 'valid', certificateNumber: number, uscc: USCC_A });
  });
});

describe('the licence after issuance (L04, R12, R04, 变更)', () => {
  it('L04, R12: revocation over HTTP → the public check says revoked → a new submission for that product is refused naming the ban and its end', async () => {
    const { id, number } = await issue(USCC_REVOKED);
    const revokeBody = { ground: 'fraud', reason: 'licence obtained with forged test reports' };
    // R01 and roles: another province (404, as if no such certificate), the holder, a reviewer (403, role) may not revoke.
    expect((await api(h).post(certPath(number, '/revoke')).set(await bearer({ role: 'supervisor', province: 'SH' })).send(revokeBody)).status).toBe(404);
    expect((await api(h).post(certPath(number, '/revoke')).set(await holder(USCC_REVOKED)).send(revokeBody)).status).toBe(403);
    expect((await api(h).post(certPath(number, '/revoke')).set(await bearer({ role: 'reviewer', province: 'BJ' })).send(revokeBody)).status).toBe(403);
    expect((await api(h).post(certPath(number, '/revoke')).set(await approverBJ()).send({ ground: 'made-up', reason: 'x' })).status).toBe(422);

    const revoked = await api(h).post(certPath(number, '/revoke')).set(await supervisorBJ()).send(revokeBody);
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const state = LicenceStateResponse.parse(revoked.body);
    expect(state.status).toBe('revoked');
    const entry = state.history.find((e) => e.event === 'revoked:fraud');
    expect(entry?.by).toBe('supervisor:sup-bj');
    const endsOn = /ban until (\d{4}-\d{2}-\d{2}) \(L04\)/.exec(entry?.note ?? '')?.[1];
    expect(endsOn, entry?.note).toBeDefined();
    // L04: fraud bans for 3 years from the day of revocation.
    expect(endsOn).toBe(validUntil(shanghaiDate(entry!.at), 3));

    // The public check and the licence read say revoked; the follow-up has nothing left to inspect.
    const check = await api(h).get(certPath(number));
    expect(CertificateCheck.parse(check.body)).toMatchObject({ number, status: 'revoked' });
    const lic = await eventually(async () => {
      const r = await api(h).get(certPath(number, '/licence')).set(await holder(USCC_REVOKED));
      return r.status === 200 && r.body.status === 'revoked' ? LicenceStateResponse.parse(r.body) : undefined;
    }, 20_000, 'licence revoked');
    expect(lic.endedAt).toBeDefined();
    await eventually(async () => {
      const r = await api(h).get(`/applications/${id}/follow-up`).set(await supervisorBJ());
      return r.body.stage === 'closed' ? true : undefined;
    }, 20_000, 'follow-up closed by the revocation');

    // A revoked licence takes no further message: 409.
    const again = await api(h).post(certPath(number, '/revoke')).set(await approverBJ()).send(revokeBody);
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/revoked/);
    expect((await api(h).post(certPath(number, '/cancel')).set(await holder(USCC_REVOKED)).send({ reason: 'holder-request' })).status).toBe(409);

    // L04: the enterprise may not apply for cement until the ban ends; no case is started.
    const next = forEnterprise(USCC_REVOKED);
    const refused = await api(h).post('/applications').set(await holder(USCC_REVOKED)).send(next);
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).toContain('L04');
    expect(refused.body.detail).toContain(`until ${endsOn} inclusive`);
    expect(refused.body.detail).toContain(number);
    expect((await api(h).get(`/applications/${next.applicationId as string}`).set(await ops())).status).toBe(404);
    // Another enterprise is not affected.
    expect((await api(h).post('/applications').set(await holder(USCC_B)).send(forEnterprise(USCC_B))).status).toBe(201);
  });

  it('R04: cancelling a licence (注销) lets the take-over waiting for it proceed to acceptance', async () => {
    const { number } = await issue(USCC_SELLER);
    // Buyers of their own in each test (L07: one open new application per enterprise and product).
    const USCC_BUYER = freshUscc();
    // The buyer files a take-over of the seller's licence; it waits for the cancellation.
    const takeOver = forEnterprise(USCC_BUYER, { predecessor: { certificateNumber: number, reason: 'acquisition' } });
    const takeOverId = takeOver.applicationId as string;
    expect((await api(h).post('/applications').set(await holder(USCC_BUYER)).send(takeOver)).status).toBe(201);
    await eventually(async () => ((await caseStatus(takeOverId))?.stage === 'awaiting-predecessor-cancellation' ? true : undefined), 20_000, 'waiting');
    // While it waits, acceptance is refused by the workflow (stage).
    expect((await api(h).post(`/applications/${takeOverId}/accept`).set(await officerBJ()).send({})).status).toBe(409);

    // Only the holder (or the province's supervisor / approver) may cancel: not the buyer, not another province (R01: 404, as if no such certificate).
    const cancelBody = { reason: 'acquisition', note: `taken over by ${USCC_BUYER}` };
    expect((await api(h).post(certPath(number, '/cancel')).set(await holder(USCC_BUYER)).send(cancelBody)).status).toBe(404);
    expect((await api(h).post(certPath(number, '/cancel')).set(await bearer({ role: 'approver', province: 'SH' })).send(cancelBody)).status).toBe(404);
    expect((await api(h).post(certPath(number, '/cancel')).set(await holder(USCC_SELLER)).send({ reason: 'sold' })).status).toBe(422);

    const cancelled = await api(h).post(certPath(number, '/cancel')).set(await holder(USCC_SELLER)).send(cancelBody);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(LicenceStateResponse.parse(cancelled.body)).toMatchObject({ status: 'cancelled' });
    expect(cancelled.body.history.map((e: { event: string }) => e.event)).toContain('cancelled:acquisition');
    expect((await api(h).get(certPath(number))).body.status).toBe('cancelled');

    // The take-over goes on: back to `received`, and the officer accepts it.
    const resumed = await eventually(async () => {
      const s = await caseStatus(takeOverId);
      return s?.stage === 'received' ? s : undefined;
    }, 20_000, 'take-over released');
    expect(resumed.timeline.map((t) => t.event)).toContain('predecessor-cancelled');
    const accepted = await api(h).post(`/applications/${takeOverId}/accept`).set(await officerBJ()).send({});
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.stage).toBe('under-review');
  });

  it('R04: the acceptance officer confirms a predecessor licence this system does not hold', async () => {
    const USCC_MERGED = freshUscc();
    const takeOver = forEnterprise(USCC_MERGED, { predecessor: { certificateNumber: '(京)XK08-001-07777', reason: 'merger' } });
    const id = takeOver.applicationId as string;
    expect((await api(h).post('/applications').set(await holder(USCC_MERGED)).send(takeOver)).status).toBe(201);
    await eventually(async () => ((await caseStatus(id))?.stage === 'awaiting-predecessor-cancellation' ? true : undefined), 20_000, 'waiting');
    const body = { evidence: 'SAMR cancellation notice 2019-117' };
    expect((await api(h).post(`/applications/${id}/predecessor-confirmation`).set(await bearer({ role: 'acceptance-officer', province: 'SH' })).send(body)).status).toBe(404);
    expect((await api(h).post(`/applications/${id}/predecessor-confirmation`).set(await officerBJ()).send({ evidence: 'x' })).status).toBe(422);
    const confirmed = await api(h).post(`/applications/${id}/predecessor-confirmation`).set(await officerBJ()).send(body);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({ applicationId: id, stage: 'received' });
    // Only once: the case is past that stage now.
    expect((await api(h).post(`/applications/${id}/predecessor-confirmation`).set(await officerBJ()).send(body)).status).toBe(409);
  });

  it('变更: the province changes the enterprise name on a licence; nothing-to-change and other provinces are refused', async () => {
    // An enterprise of its own: A already holds a cement certificate from the first test (L07: one per product).
    const uscc = freshUscc();
    const { number } = await issue(uscc);
    const change = (auth: Promise<{ Authorization: string }>, body: object) => auth.then((a) => api(h).post(certPath(number, '/change')).set(a).send(body));
    expect((await change(holder(uscc), { enterpriseName: '北京新名水泥有限公司' })).status).toBe(403);
    expect((await change(bearer({ role: 'approver', province: 'SH' }), { enterpriseName: '北京新名水泥有限公司' })).status).toBe(404);
    const empty = await change(approverBJ(), { note: 'nothing' });
    expect(empty.status).toBe(422);
    expect(empty.body.errors).toContainEqual(expect.objectContaining({ path: 'enterpriseName' }));
    const changed = await change(approverBJ(), { enterpriseName: '北京新名水泥有限公司', note: '工商变更登记' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(LicenceStateResponse.parse(changed.body)).toMatchObject({ status: 'valid', enterpriseName: '北京新名水泥有限公司' });
    // The workflow's validator accepts supervisor and approver alike, and refuses a change that changes nothing (422).
    for (const who of [approverBJ(), supervisorBJ()]) {
      const same = await change(who, { enterpriseName: '北京新名水泥有限公司' });
      expect(same.status).toBe(422);
      expect(same.body.detail).toMatch(/nothing changes/);
    }
    // Unknown certificates are a 404, malformed numbers a 422.
    expect((await api(h).get(certPath('(京)XK08-001-99999', '/licence')).set(await ops())).status).toBe(404);
    expect((await api(h).get(certPath('not-a-number', '/licence')).set(await ops())).status).toBe(422);
  });
});
