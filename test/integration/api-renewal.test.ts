/**
 * Renewals and changes over HTTP (R08, L05, L07): the API refuses, before any case starts, a
 * renewal or change naming a certificate the enterprise does not hold, and gives the same answer
 * whether that certificate belongs to someone else or does not exist; a second `new` application
 * for a product the enterprise holds is refused, pointing to the change route, and a change adds
 * to that certificate (L07). Refusals on the ground of false materials ban the product (L04).
 * Real Temporal dev server, real worker and activities, real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renewalDueBy } from '../../domain/licence/certificate';
import { addCalendarDays } from '../../domain/time';
import { validUntil } from '../../domain/licence/certificate';
import { shanghaiDate } from '../../domain/time';
import { freshUscc } from '../helpers/fixtures';
import { api, application, bearer, eventually, type Harness, newId, sha, startHarness, USCC_A, USCC_B } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const applicantB = () => bearer({ role: 'applicant', uscc: USCC_B, sub: 'b' });
const ops = () => bearer({ role: 'ops' });

/** An application body (JSON) by enterprise `uscc`. */
function bodyOf(uscc: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = application(overrides);
  return { ...base, enterprise: { ...(base.enterprise as object), uscc } };
}

const holder = (uscc: string) => bearer({ role: 'applicant', uscc, sub: `holder-${uscc}` });
const officer = () => bearer({ role: 'acceptance-officer', province: 'BJ' });
const approver = () => bearer({ role: 'approver', province: 'BJ' });

/** A certificate issued through the API to enterprise `uscc` (A by default): submit, accept, approve. */
async function issuedToA(uscc = USCC_A, overrides: Record<string, unknown> = {}): Promise<{ number: string; validUntil: string; issuedOn: string }> {
  const body = bodyOf(uscc, overrides);
  const id = body.applicationId as string;
  expect((await api(h).post('/applications').set(await holder(uscc)).send(body)).status).toBe(201);
  await eventually(async () => {
    const r = await api(h).post(`/applications/${id}/accept`).set(await bearer({ role: 'acceptance-officer', province: 'BJ' })).send({});
    return r.status === 200 ? true : undefined;
  }, 20_000, 'acceptance');
  await eventually(async () => {
    const r = await api(h).post(`/applications/${id}/approve`).set(await bearer({ role: 'approver', province: 'BJ' })).send({});
    return r.status === 200 ? true : undefined;
  }, 20_000, 'approval');
  const issued = await eventually(async () => {
    const r = await api(h).get(`/applications/${id}`).set(await ops());
    return r.body.certificate?.number ? (r.body.certificate as { number: string; validUntil: string; issuedOn: string }) : undefined;
  }, 20_000, 'issuance');
  return issued;
}

function renewal(uscc: string, number: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = application();
  return { ...base, enterprise: { ...(base.enterprise as object), uscc }, type: 'renewal', currentCertificateNumber: number, conditionsUnchanged: true, ...overrides };
}

describe('submission of renewals and changes', () => {
  it("R08: the API refuses a renewal or change naming another enterprise's certificate with the answer it gives for one that does not exist, starts no case, and leaves the holder's licence as it was", async () => {
    const a = await issuedToA();
    const missing = '(京)XK08-001-99999';
    const submitB = async (body: Record<string, unknown>) => api(h).post('/applications').set(await applicantB()).send(body);

    const bodies = [renewal(USCC_B, a.number), renewal(USCC_B, missing), renewal(USCC_B, a.number, { type: 'change', conditionsUnchanged: undefined })];
    const [theirs, none, change] = [await submitB(bodies[0]!), await submitB(bodies[1]!), await submitB(bodies[2]!)] as const;
    for (const res of [theirs, none, change]) {
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['currentCertificateNumber']);
    }
    expect(theirs.body.errors[0].message).toBe(`R08: certificate ${a.number} is not held by enterprise ${USCC_B}: a renewal (延续) names a certificate the applicant holds`);
    expect(change.body.errors[0].message).toBe(`L07: certificate ${a.number} is not held by enterprise ${USCC_B}: a change (变更) names a certificate the applicant holds`);
    // Same status, same words: B cannot tell A's certificate from one that does not exist.
    expect(none.body.detail).toBe(theirs.body.detail.replace(a.number, missing));
    expect(none.body.errors).toEqual(theirs.body.errors.map((e: { path: string; message: string }) => ({ ...e, message: e.message.replace(a.number, missing) })));

    // No case was started for any of them.
    for (const body of bodies) {
      expect((await api(h).get(`/applications/${body.applicationId as string}`).set(await ops())).status).toBe(404);
    }
    // A's licence is as it was.
    const check = await api(h).get(`/certificates/${encodeURIComponent(a.number)}`);
    expect(check.body).toMatchObject({ number: a.number, status: 'valid' });
    const rows = await h.db.pool.query("SELECT count(*)::int AS n FROM applications WHERE payload->>'currentCertificateNumber' = $1", [a.number]);
    expect(rows.rows[0].n).toBe(0);
  });

  it('L05: the API refuses a renewal of the holder’s own certificate filed before the holder is reminded (30 days before the in-time deadline), naming the first day it is taken; a change of it is taken', async () => {
    // An enterprise of its own: A already holds a cement certificate from the test before (L07).
    const uscc = freshUscc();
    const applicantA = () => holder(uscc);
    const a = await issuedToA(uscc);
    const early = await api(h).post('/applications').set(await applicantA()).send(renewal(uscc, a.number));
    expect(early.status).toBe(422);
    expect(early.body.errors[0].message).toContain(`L05: certificate ${a.number} is valid through ${a.validUntil}: a renewal is taken from ${addCalendarDays(renewalDueBy(a.validUntil, 6), -30)} (30 days before ${renewalDueBy(a.validUntil, 6)}`);

    const id = newId('CHG');
    const change = { ...renewal(uscc, a.number, { applicationId: id, conditionsUnchanged: undefined }), type: 'change' };
    const taken = await api(h).post('/applications').set(await applicantA()).send(change);
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    const s = await eventually(async () => {
      const r = await api(h).get(`/applications/${id}`).set(await ops());
      return r.status === 200 && r.body.stage !== 'intake' ? r.body : undefined;
    }, 20_000, 'intake done');
    expect(s.decision).toBeUndefined();
  });
});

describe('L07 and L04 over HTTP', () => {
  it("L07: a second new application for a product the enterprise holds is a 422 naming the certificate and the change route, and starts no case; the change it points to adds the specification to the same certificate, whose document shows every L07 field", async () => {
    const uscc = freshUscc();
    const a = await issuedToA(uscc);
    const spec = '通用硅酸盐水泥 P·O 52.5';
    const second = bodyOf(uscc, { productNames: [spec] });
    const res = await api(h).post('/applications').set(await holder(uscc)).send(second);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      {
        path: 'type',
        message:
          `L07: enterprise ${uscc} already holds certificate ${a.number} for cement in BJ (valid through ${a.validUntil}): ` +
          `an enterprise holds one certificate per product; add product units or specifications to it by a change (变更, type 'change' naming ${a.number}), not a new application`,
      },
    ]);
    expect(res.body.detail).toContain('不予受理');
    expect((await api(h).get(`/applications/${second.applicationId as string}`).set(await ops())).status).toBe(404);

    // The change route: the same enterprise names the certificate and adds the specification.
    const id = newId('ZX');
    const change = {
      ...second,
      applicationId: id,
      type: 'change',
      currentCertificateNumber: a.number,
      productNames: ['通用硅酸盐水泥 P·O 42.5', spec],
      documents: [...(second.documents as object[]), { name: '增项检验报告', type: 'inspection-report', sha256: sha('addition') }],
    };
    expect((await api(h).post('/applications').set(await holder(uscc)).send(change)).status).toBe(201);
    await eventually(async () => ((await api(h).post(`/applications/${id}/accept`).set(await officer()).send({})).status === 200 ? true : undefined), 20_000, 'acceptance');
    await h.db.pool.query(
      `INSERT INTO verifiers (id, name, certified_by, certified_on, certified_until) VALUES ('V-API-L07-1', '甲', 'BJ', '2020-01-01', '2099-12-31'), ('V-API-L07-2', '乙', 'BJ', '2020-01-01', '2099-12-31') ON CONFLICT (id) DO NOTHING`,
    );
    const verified = await eventually(async () => {
      const r = await api(h).post(`/applications/${id}/verification`).set(await bearer({ role: 'reviewer', province: 'BJ' })).send({ result: 'pass', verifierIds: ['V-API-L07-1', 'V-API-L07-2'] });
      return r.status === 200 ? true : undefined;
    }, 20_000, 'verification');
    expect(verified).toBe(true);
    expect((await api(h).post(`/applications/${id}/approve`).set(await approver()).send({})).status).toBe(200);
    const issued = await eventually(async () => {
      const r = await api(h).get(`/applications/${id}`).set(await holder(uscc));
      return r.body.stage === 'issued' ? r.body : undefined;
    }, 20_000, 'the change issued');
    expect(issued.certificate).toEqual({ number: a.number, issuedOn: a.issuedOn, validUntil: a.validUntil, version: 2 });

    // The holder reads its certificate: every L07 field, the specification added, a new version.
    const doc = await api(h).get(`/certificates/${encodeURIComponent(a.number)}/document`).set(await holder(uscc));
    expect(doc.status).toBe(200);
    expect(doc.body).toEqual({
      number: a.number,
      status: 'valid',
      province: 'BJ',
      product: 'cement',
      productName: '水泥 (cement)',
      enterpriseName: '北京示范水泥有限公司',
      enterpriseAddress: '北京市房山区示范路1号',
      productionAddresses: [{ province: 'BJ', address: '北京市房山区示范路1号厂区' }],
      productNames: ['通用硅酸盐水泥 P·O 42.5', spec],
      issuedOn: a.issuedOn,
      validUntil: validUntil(a.issuedOn, 5),
      version: 2,
      versionIssuedOn: shanghaiDate(Date.now()),
    });
    // Another enterprise cannot read it (R01: as if it did not exist); the public check shows the products.
    expect((await api(h).get(`/certificates/${encodeURIComponent(a.number)}/document`).set(await applicantB())).status).toBe(404);
    const check = await api(h).get(`/certificates/${encodeURIComponent(a.number)}`);
    expect(check.body).toMatchObject({ number: a.number, status: 'valid', productNames: ['通用硅酸盐水泥 P·O 42.5', spec] });
  });

  it('L04: an application refused for false materials names its ground and rule; the enterprise is warned, and its next application for that product is a 403 naming the 1-year ban, while another product is taken', async () => {
    const uscc = freshUscc();
    const body = bodyOf(uscc);
    const id = body.applicationId as string;
    expect((await api(h).post('/applications').set(await holder(uscc)).send(body)).status).toBe(201);
    await eventually(async () => ((await api(h).post(`/applications/${id}/accept`).set(await officer()).send({})).status === 200 ? true : undefined), 20_000, 'acceptance');

    // A ground outside the closed list is refused, naming the field.
    const bad = await api(h).post(`/applications/${id}/refuse`).set(await approver()).send({ reasons: ['检验报告系伪造'], ground: 'dishonesty' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['ground']);

    const refused = await eventually(async () => {
      const r = await api(h).post(`/applications/${id}/refuse`).set(await approver()).send({ reasons: ['检验报告系伪造'], ground: 'false-materials' });
      return r.status === 200 ? r : undefined;
    }, 20_000, 'refusal');
    expect(refused.body.stage).toBe('refused');
    const today = shanghaiDate(Date.now());
    const endsOn = validUntil(today, 1);
    const seen = await eventually(async () => {
      const r = await api(h).get(`/applications/${id}`).set(await holder(uscc));
      return r.body.decision?.ban ? r.body : undefined;
    }, 20_000, 'the warning');
    expect(seen.decision).toMatchObject({
      outcome: 'refused',
      ground: 'false-materials',
      rule: 'L04',
      reasons: ['L04 (false-materials): false materials were provided (提供虚假材料)', '检验报告系伪造'],
      ban: { endsOn, rule: 'L04' },
    });
    const publicity = await h.db.pool.query('SELECT kind, rule FROM credit_publicity WHERE application_id = $1', [id]);
    expect(publicity.rows).toEqual([{ kind: 'application-warning', rule: 'L04' }]);

    // The next cement application is refused before any case starts, naming the ban and its last day.
    const second = bodyOf(uscc);
    const banned = await api(h).post('/applications').set(await holder(uscc)).send(second);
    expect(banned.status).toBe(403);
    expect(banned.body.detail).toBe(
      `L04: enterprise ${uscc} may not apply for cement until ${endsOn} inclusive (L04: false materials in an application (提供虚假材料): warning, no new application for this product for 1 year; application ${id} refused on ${today})`,
    );
    expect((await api(h).get(`/applications/${second.applicationId as string}`).set(await ops())).status).toBe(404);
    const other = { ...second, applicationId: newId(), product: 'banknote-discriminator', productNames: ['人民币鉴别仪A型'], investmentFiling: undefined, capacity: undefined };
    expect((await api(h).post('/applications').set(await holder(uscc)).send(other)).status).toBe(201);
  });
});
