/**
 * Renewals and changes over HTTP (R08, L05, L07): the API refuses, before any case starts, a
 * renewal or change naming a certificate the enterprise does not hold, and gives the same answer
 * whether that certificate belongs to someone else or does not exist. Real Temporal dev server,
 * real worker and activities, real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renewalDueBy } from '../../domain/licence/certificate';
import { addCalendarDays } from '../../domain/time';
import { api, application, bearer, eventually, type Harness, newId, startHarness, USCC_A, USCC_B } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const applicantA = () => bearer({ role: 'applicant', uscc: USCC_A, sub: 'a' });
const applicantB = () => bearer({ role: 'applicant', uscc: USCC_B, sub: 'b' });
const ops = () => bearer({ role: 'ops' });

/** A's certificate, issued through the API: submit, accept, approve. */
async function issuedToA(): Promise<{ number: string; validUntil: string }> {
  const body = application();
  const id = body.applicationId as string;
  expect((await api(h).post('/applications').set(await applicantA()).send(body)).status).toBe(201);
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
    return r.body.certificate?.number ? (r.body.certificate as { number: string; validUntil: string }) : undefined;
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
    const a = await issuedToA();
    const early = await api(h).post('/applications').set(await applicantA()).send(renewal(USCC_A, a.number));
    expect(early.status).toBe(422);
    expect(early.body.errors[0].message).toContain(`L05: certificate ${a.number} is valid through ${a.validUntil}: a renewal is taken from ${addCalendarDays(renewalDueBy(a.validUntil, 6), -30)} (30 days before ${renewalDueBy(a.validUntil, 6)}`);

    const id = newId('CHG');
    const change = { ...application({ applicationId: id }), type: 'change', currentCertificateNumber: a.number };
    const taken = await api(h).post('/applications').set(await applicantA()).send(change);
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    const s = await eventually(async () => {
      const r = await api(h).get(`/applications/${id}`).set(await ops());
      return r.status === 200 && r.body.stage !== 'intake' ? r.body : undefined;
    }, 20_000, 'intake done');
    expect(s.decision).toBeUndefined();
  });
});
