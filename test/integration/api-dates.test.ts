/**
 * Every date in an API body, query or workflow message is a real calendar date, checked by the
 * calendar's own civil-date parser (domain/calendar/civil.ts): 2026-02-30 is a 422 naming the
 * field, never a case or follow-up that accepts it and then retries a failing write forever.
 * Real Temporal dev server, real worker (bundled workflows, real activities), real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStatusResponse, FollowUpStatusResponse } from '../../api/schemas';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { freshUscc } from '../helpers/fixtures';
import { api, application, bearer, eventually, type Harness, startHarness, USCC_A } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const supervisorBJ = () => bearer({ role: 'supervisor', province: 'BJ', sub: 'sup-bj' });
const approverBJ = () => bearer({ role: 'approver', province: 'BJ', sub: 'approver-bj' });
const reviewerBJ = () => bearer({ role: 'reviewer', province: 'BJ', sub: 'reviewer-bj' });
const officerBJ = () => bearer({ role: 'acceptance-officer', province: 'BJ', sub: 'officer-bj' });
const ops = () => bearer({ role: 'ops', sub: 'ops' });
const holder = () => bearer({ role: 'applicant', uscc: USCC_A, sub: 'holder' });

async function caseStatus(id: string) {
  const r = await api(h).get(`/applications/${id}`).set(await ops());
  return r.status === 200 ? CaseStatusResponse.parse(r.body) : undefined;
}

/** Submitted and accepted over HTTP; returns once the case is routed. */
async function accepted(): Promise<string> {
  // An enterprise of its own per case: an enterprise holds one certificate per product (L07).
  const uscc = freshUscc();
  const base = application();
  const body: Record<string, unknown> = { ...base, enterprise: { ...(base.enterprise as object), uscc } };
  const id = body.applicationId as string;
  expect((await api(h).post('/applications').set(await bearer({ role: 'applicant', uscc, sub: 'holder' })).send(body)).status).toBe(201);
  await eventually(async () => {
    const r = await api(h).post(`/applications/${id}/accept`).set(await officerBJ()).send({});
    return r.status === 200 ? true : undefined; // 409 while the intake gates run
  }, 20_000, 'acceptance');
  await eventually(async () => ((await caseStatus(id))?.path ? true : undefined), 20_000, 'routing');
  return id;
}

const fieldError = (path: string) => expect.objectContaining({ path, message: expect.stringMatching(/not a real (calendar )?date/) });

describe('impossible dates are a 422 naming the field', () => {
  it('R15: rectifyBy 2026-02-30 is a 422 naming rectifyBy; the follow-up is not wedged and takes a real date', async () => {
    const id = await accepted();
    expect((await api(h).post(`/applications/${id}/approve`).set(await approverBJ()).send({})).status).toBe(200);
    await eventually(async () => {
      const r = await api(h).get(`/applications/${id}/follow-up`).set(await supervisorBJ());
      return r.status === 200 ? FollowUpStatusResponse.parse(r.body) : undefined;
    }, 20_000, 'follow-up');
    for (const v of ['V-DATE-1', 'V-DATE-2']) {
      const r = await api(h).post('/verifiers').set(await supervisorBJ()).send({ id: v, name: `检查员 ${v}`, certifiedBy: 'BJ', certifiedUntil: '2099-12-31' });
      expect(r.status).toBe(201);
    }
    expect((await api(h).post(`/applications/${id}/follow-up/team`).set(await supervisorBJ()).send({ verifierIds: ['V-DATE-1', 'V-DATE-2'] })).status).toBe(200);

    const inspect = async (rectifyBy: string) =>
      api(h).post(`/applications/${id}/follow-up/inspection`).set(await supervisorBJ()).send({ outcome: 'rectification-required', verifierIds: ['V-DATE-1', 'V-DATE-2'], findings: '标识不全', rectifyBy });
    const bad = await inspect('2026-02-30');
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([fieldError('rectifyBy')]);
    expect((await inspect('2027-13-01')).status).toBe(422);

    const rectifyBy = addCalendarDays(shanghaiDate(Date.now()), 30);
    const good = await inspect(rectifyBy);
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    const detail = await api(h).get(`/applications/${id}/follow-up`).set(await supervisorBJ());
    expect(detail.status).toBe(200);
  });

  it('L02: a pause whose applicantNotifiedAt is 2026-02-30 is a 422 naming applicantNotifiedAt; the clock keeps running', async () => {
    const id = await accepted();
    const r = await api(h)
      .post(`/applications/${id}/pause`)
      .set(await reviewerBJ())
      .send({ kind: 'testing', reason: '产品送检', applicantNotifiedAt: '2026-02-30T10:00:00+08:00' });
    expect(r.status).toBe(422);
    expect(r.body.errors).toContainEqual(expect.objectContaining({ path: 'applicantNotifiedAt' }));
    expect((await caseStatus(id))?.paused).toBe(false);
  });

  it('R03, R10, L03: the filing date, the verifier certification dates and the calendar query refuse impossible dates', async () => {
    const body = application();
    const filing = { ...(body.investmentFiling as object), date: '2025-02-29' };
    const submit = await api(h).post('/applications').set(await holder()).send({ ...body, investmentFiling: filing });
    expect(submit.status).toBe(422);
    expect(submit.body.errors).toEqual([fieldError('investmentFiling.date')]);
    expect(await caseStatus(body.applicationId as string)).toBeUndefined(); // no case was started

    const verifier = await api(h).post('/verifiers').set(await supervisorBJ()).send({ id: 'V-DATE-X', name: '检查员', certifiedBy: 'BJ', certifiedOn: '2026-04-31', certifiedUntil: '2026-02-30' });
    expect(verifier.status).toBe(422);
    expect(verifier.body.errors).toEqual(expect.arrayContaining([fieldError('certifiedOn'), fieldError('certifiedUntil')]));

    const deadline = await api(h).get('/calendar/deadline?from=2026-02-30&n=5');
    expect(deadline.status).toBe(422);
    expect(deadline.body.errors).toEqual([fieldError('query.from')]);
    expect((await api(h).get('/calendar/deadline?from=2028-02-29&n=5')).status).toBe(200); // a real leap day

    const list = await api(h).get(`/applications?before=${encodeURIComponent('2026-02-30T00:00:00Z')}`).set(await ops());
    expect(list.status).toBe(422);
    expect(list.body.errors).toContainEqual(expect.objectContaining({ path: 'query.before' }));
  });
});
