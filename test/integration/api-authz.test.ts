/**
 * Authorisation matrix: every role × every route × own / other province (or enterprise), each
 * cell asserted. The expected table below is written out by hand from DOMAIN.md (who does what),
 * not derived from the API's own route list, so it checks the API rather than restating it.
 *
 * A cell that is allowed must get past authentication and scoping. For the routes that change a
 * case, allowed cells send a body with an unknown field, so they stop at body validation (422)
 * after every access check and leave the case untouched; a wrong role gets 403, anonymous 401,
 * and another province's (or enterprise's) case or certificate 404, exactly as if it did not exist (R01).
 * A second table sends valid messages at a stage where the workflow refuses them, to show that
 * the workflow's validators accept the same roles (409 for the stage, not 403 for the role).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../../api/route';
import { ROUTES } from '../../api/routes';
import type { Role } from '../../domain/roles';
import { api, applicantOf, application, bearer, eventually, ownApplication, expressRoutes, type Harness, sha, startHarness, USCC_A, USCC_B } from './api-helpers';

let h: Harness;
/** A case of USCC_A in Beijing at stage `received`. */
let received: { id: string; body: Record<string, unknown> };
/** A case of USCC_A in Beijing, accepted (`under-review`). */
let accepted: string;
/** The certificate of an issued case of USCC_A in Beijing, with its lifecycle running. */
let certificate: string;
/** A verifier in the registry (R10), for the conflict-of-interest route. */
const VERIFIER = 'V-AUTHZ-REG';
/** R06: a case in one of SAMR's draws, and one SAMR found non-conforming (an open finding of BJ). */
const SAMR_DRAWN = 'AUTHZ-SAMR-DRAWN';
const SAMR_FINDING = 'AUTHZ-SAMR-FINDING';
/** An inspector of Beijing (R11), for the inspector register's routes. */
const INSPECTOR = 'I-AUTHZ-REG';
/** A Beijing inspection plan with one future batch (R11); its schedule has not fired. */
const PLAN = 'PLAN-AUTHZ';
const BATCH = `${PLAN}-1`;
/** R16: a Beijing campaign. */
const CAMPAIGN = 'BJ-cement-99';
/** R18: a reporter of Beijing registered under the matrix's reporter token subject, its submission, and one more reporter for the register routes. */
const REPORTER_REG = 'R-AUTHZ-REG';
let riskReportRef: string;

/** Staff act once the intake checks are done (stage `received`). */
const receivedStage = (id: string) =>
  eventually(async () => ((await api(h).get(`/applications/${id}`).set(await bearer({ role: 'ops' }))).body.stage === 'received' ? true : undefined), 20_000, `${id} received`);

beforeAll(async () => {
  h = await startHarness();
  const applicant = await bearer({ role: 'applicant', uscc: USCC_A });
  // L07: one open `new` application per enterprise and product: A's received case is for another product
  // than the cement certificate it is issued below, and the accepted case belongs to an enterprise of its own.
  const body = application({ product: 'banknote-discriminator', productNames: ['人民币鉴别仪A型'] });
  const sub = await api(h).post('/applications').set(applicant).send(body);
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  received = { id: body.applicationId as string, body };
  await receivedStage(received.id);
  const second = ownApplication();
  accepted = second.applicationId as string;
  expect((await api(h).post('/applications').set(await applicantOf(second)).send(second)).status).toBe(201);
  await receivedStage(accepted);
  expect((await api(h).post(`/applications/${accepted}/accept`).set(await bearer({ role: 'acceptance-officer', province: 'BJ' })).send({})).status).toBe(200);
  await eventually(async () => ((await api(h).get(`/applications/${accepted}`).set(await bearer({ role: 'ops' }))).body.path ? true : undefined));
  // Issued: submit → accept → approve, for the certificate routes.
  const third = application();
  const issuedId = third.applicationId as string;
  expect((await api(h).post('/applications').set(applicant).send(third)).status).toBe(201);
  await receivedStage(issuedId);
  expect((await api(h).post(`/applications/${issuedId}/accept`).set(await bearer({ role: 'acceptance-officer', province: 'BJ' })).send({})).status).toBe(200);
  await eventually(async () => ((await api(h).get(`/applications/${issuedId}`).set(await bearer({ role: 'ops' }))).body.path ? true : undefined));
  expect((await api(h).post(`/applications/${issuedId}/approve`).set(await bearer({ role: 'approver', province: 'BJ' })).send({})).status).toBe(200);
  certificate = await eventually(async () => {
    const r = await api(h).get(`/applications/${issuedId}`).set(await bearer({ role: 'ops' }));
    return r.body.stage === 'issued' ? (r.body.certificate.number as string) : undefined;
  }, 20_000, 'issuance');
  await eventually(async () => ((await api(h).get(certUrl('/licence')).set(await bearer({ role: 'ops' }))).status === 200 ? true : undefined), 20_000, 'lifecycle');
  const reg = await api(h).post('/verifiers').set(await bearer({ role: 'ops' })).send({ id: VERIFIER, name: '登记检查员', certifiedBy: 'BJ', certifiedUntil: '2099-12-31' });
  expect(reg.status).toBe(201);
  // R06: two approved Beijing cases in one of SAMR's draws; SAMR found one non-conforming (a task for BJ's supervisors).
  for (const id of [SAMR_DRAWN, SAMR_FINDING]) {
    const app = application({ applicationId: id });
    await h.db.pool.query(
      `INSERT INTO applications (id, province, uscc, enterprise_name, product, application_type, payload, received_at, stage, decision, decided_at)
       VALUES ($1, 'BJ', $2, '示范企业', 'cement', 'new', $3, now(), 'issued', 'approved', now())`,
      [id, USCC_A, app],
    );
  }
  await h.db.pool.query(
    `INSERT INTO samr_sample_draws (draw_key, province, window_from, window_to, seed, algorithm, rate, min_per_province, population, population_size, sample, drawn_at)
     VALUES ('authz-draw', 'BJ', now() - interval '7 days', now(), 'authz-seed', 'sfc32-fisher-yates-v1', 1, 1, $1, 2, $1, now())`,
    [JSON.stringify([SAMR_DRAWN, SAMR_FINDING])],
  );
  const finding = await api(h).post(`/samr/cases/${SAMR_FINDING}/check`).set(await bearer({ role: 'samr' })).send({ result: 'non-conforming', findings: '矩阵抽查发现' });
  expect(finding.status).toBe(201);
  expect((await api(h).post('/inspectors').set(await bearer({ role: 'ops' })).send({ id: INSPECTOR, name: '登记执法人员', province: 'BJ' })).status).toBe(201);
  const nextYear = new Date().getUTCFullYear() + 1;
  const plan = await api(h)
    .post('/plans')
    .set(await bearer({ role: 'supervisor', province: 'BJ' }))
    .send({ id: PLAN, year: nextYear, batches: [{ startsOn: `${nextYear}-03-01`, endsOn: `${nextYear}-03-31`, scope: 'all licensees' }] });
  expect(plan.status, JSON.stringify(plan.body)).toBe(201);
  // R16: a proposed Beijing campaign on record (no workflow needed to read it).
  await h.db.pool.query(`INSERT INTO campaigns (id, province, product, status, policy_id, triggers, auto_start, proposed_on) VALUES ($1, 'BJ', 'cement', 'proposed', 'campaign-2026-12-01', '[]', false, now())`, [CAMPAIGN]);
  // R18: the matrix's Beijing reporter token (sub reporter-BJ) is a registered reporter, with one submission of its own.
  for (const id of ['reporter-BJ', REPORTER_REG]) {
    expect((await api(h).post('/reporters').set(await bearer({ role: 'ops' })).send({ id, name: '行业协会', kind: 'industry-association', province: 'BJ' })).status).toBe(201);
  }
  const rr = await api(h)
    .post('/risk-reports')
    .set(await bearer({ role: 'reporter', province: 'BJ' }))
    .send({ certificateNumber: certificate, what: '矩阵检查用的风险信息', evidence: [], contact: '010-0000' });
  expect(rr.status, JSON.stringify(rr.body)).toBe(201);
  riskReportRef = rr.body.ref;
});
afterAll(async () => {
  await h?.stop();
});

// ---- R15 (spot checks): a laboratory of BJ and a spot check of USCC_A's cement, at sampling ------------
const LAB = 'LAB-AUTHZ';
const SPOT_ROUND = 'SR-AUTHZ';
const SPOT_CHECK = `${SPOT_ROUND}-${USCC_A}`;
beforeAll(async () => {
  expect((await api(h).post('/laboratories').set(await bearer({ role: 'ops' })).send({ id: LAB, name: '矩阵检验所', province: 'BJ' })).status).toBe(201);
  const round = await api(h).post('/spot-rounds').set(await bearer({ role: 'supervisor', province: 'BJ' })).send({ id: SPOT_ROUND, product: 'cement', usccs: [USCC_A] });
  expect(round.status, JSON.stringify(round.body)).toBe(201);
  await eventually(async () => ((await api(h).get(`/spot-checks/${SPOT_CHECK}`).set(await bearer({ role: 'ops' }))).body.workflow?.stage === 'sampling' ? true : undefined), 20_000, 'spot check');
});
const SPOT_CASES: RouteCase[] = [
  // The laboratory register: like the inspector register (another province's laboratory: 404; listing another province: 403).
  { method: 'post', path: '/laboratories', allowed: ['supervisor', 'ops'], ok: 422, scoped: 'none', call: () => ({ url: '/laboratories', body: INVALID }) },
  { method: 'post', path: '/laboratories/:id/suspension', allowed: ['supervisor', 'ops'], ok: 422, scoped: 'staff', call: () => ({ url: `/laboratories/${LAB}/suspension`, body: INVALID }) },
  { method: 'post', path: '/laboratories/:id/links', allowed: ['supervisor', 'ops'], ok: 422, scoped: 'staff', call: () => ({ url: `/laboratories/${LAB}/links`, body: INVALID }) },
  { method: 'get', path: '/laboratories', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: (p) => ({ url: '/laboratories', query: p.role === 'ops' ? ({} as Record<string, string>) : { province: 'BJ' } }) },
  // Rounds: planned by a supervisor for his own province, read by its supervisors and ops.
  { method: 'post', path: '/spot-rounds', allowed: ['supervisor'], ok: 422, scoped: 'none', call: () => ({ url: '/spot-rounds', body: INVALID }) },
  { method: 'get', path: '/spot-rounds/:id', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: `/spot-rounds/${SPOT_ROUND}` }) },
  // Spot checks: the enterprise reads its own (another enterprise's is a 404, as is another province's for staff) and objects; supervisors record the steps.
  { method: 'get', path: '/spot-checks', allowed: ['applicant', 'supervisor', 'ops'], ok: 200, scoped: 'staff', call: (p) => ({ url: '/spot-checks', query: p.role === 'supervisor' ? { province: 'BJ' } : ({} as Record<string, string>) }) },
  { method: 'get', path: '/spot-checks/:id', allowed: ['applicant', 'supervisor', 'ops'], ok: 200, scoped: 'all', call: () => ({ url: `/spot-checks/${SPOT_CHECK}` }) },
  { method: 'post', path: '/spot-checks/:id/sampling', allowed: ['supervisor'], ok: 422, scoped: 'all', call: () => ({ url: `/spot-checks/${SPOT_CHECK}/sampling`, body: INVALID }) },
  { method: 'post', path: '/spot-checks/:id/laboratory', allowed: ['supervisor'], ok: 422, scoped: 'all', call: () => ({ url: `/spot-checks/${SPOT_CHECK}/laboratory`, body: INVALID }) },
  { method: 'post', path: '/spot-checks/:id/result', allowed: ['supervisor'], ok: 422, scoped: 'all', call: () => ({ url: `/spot-checks/${SPOT_CHECK}/result`, body: INVALID }) },
  { method: 'post', path: '/spot-checks/:id/objection', allowed: ['applicant'], ok: 422, scoped: 'all', call: () => ({ url: `/spot-checks/${SPOT_CHECK}/objection`, body: INVALID }) },
];
// ---- end of R15 ---------------------------------------------------------------------------------------

// ---- principals: every role, bound to the case's province / enterprise or to another one ----------
interface Principal {
  name: string;
  role?: Role;
  province?: string;
  uscc?: string;
  /** Bound to the case's province (staff) or enterprise (applicant); samr/ops: n/a. */
  own: boolean;
}
const PRINCIPALS: Principal[] = [
  { name: 'anonymous', own: false },
  { name: 'applicant (own enterprise)', role: 'applicant', uscc: USCC_A, own: true },
  { name: 'applicant (other enterprise)', role: 'applicant', uscc: USCC_B, own: false },
  ...(['acceptance-officer', 'reviewer', 'approver', 'supervisor', 'inspector'] as const).flatMap((role) => [
    { name: `${role} BJ (own province)`, role, province: 'BJ', own: true },
    { name: `${role} SH (other province)`, role, province: 'SH', own: false },
  ]),
  { name: 'samr', role: 'samr', own: true },
  { name: 'ops', role: 'ops', own: true },
  // R18: reporters are registered by a province (their token names it) and are denied everything but their own submissions.
  { name: 'reporter BJ (own province)', role: 'reporter', province: 'BJ', own: true },
  { name: 'reporter SH (other province)', role: 'reporter', province: 'SH', own: false },
];

// ---- routes: how to call each, and who may ----------------------------------------------------------
type Outcome = number;
interface RouteCase {
  method: 'get' | 'post';
  path: string;
  /** Roles allowed on their own case / province. `public`: everyone, no token. */
  allowed: Role[] | 'public';
  /** Status for an allowed principal (authorised, then stopped where described). */
  ok: Outcome;
  /** Who must be bound to the case's enterprise / province: applicants and staff (`all`), staff only, or nobody. */
  scoped: 'all' | 'staff' | 'none';
  call: (p: Principal) => { url: string; body?: unknown; query?: Record<string, string> };
}
const INVALID = { unknownField: true };
const ALL: Role[] = ['applicant', 'acceptance-officer', 'reviewer', 'approver', 'supervisor', 'samr', 'ops'];
const caseUrl = (suffix = '') => `/applications/${received.id}${suffix}`;
const certUrl = (suffix = '') => `/certificates/${encodeURIComponent(certificate)}${suffix}`;
/** A verifier id of its own for each principal, so every allowed certification creates one (201). */
const verifierIdFor = (p: Principal) => `V-AZ-${p.name.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 64);

const ROUTE_CASES: RouteCase[] = [
  // Submit: the applicant repeats its own submission (200, same case); for another enterprise it is refused.
  { method: 'post', path: '/applications', allowed: ['applicant'], ok: 200, scoped: 'all', call: () => ({ url: '/applications', body: received.body }) },
  // List: staff ask for the case's province (BJ); another province's staff are refused (R01).
  // Applicants always list their own enterprise's cases, so "other enterprise" is allowed too (and sees nothing).
  { method: 'get', path: '/applications', allowed: ALL, ok: 200, scoped: 'staff', call: (p) => ({ url: '/applications', query: p.role === 'applicant' ? ({} as Record<string, string>) : { province: 'BJ' } }) },
  { method: 'get', path: '/applications/:id', allowed: ALL, ok: 200, scoped: 'all', call: () => ({ url: caseUrl() }) },
  // L02: the applicant's written notices (none yet): its enterprise, its province's staff, samr and ops.
  { method: 'get', path: '/applications/:id/notices', allowed: ALL, ok: 200, scoped: 'all', call: () => ({ url: caseUrl('/notices') }) },
  { method: 'post', path: '/applications/:id/supplement', allowed: ['applicant'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/supplement'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/accept', allowed: ['acceptance-officer'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/accept'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/supplement-request', allowed: ['acceptance-officer'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/supplement-request'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/reject', allowed: ['acceptance-officer'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/reject'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/verification', allowed: ['reviewer', 'supervisor'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/verification'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/pause', allowed: ['reviewer', 'approver'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/pause'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/resume', allowed: ['reviewer', 'approver'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/resume'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/approve', allowed: ['approver'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/approve'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/refuse', allowed: ['approver'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/refuse'), body: INVALID }) },
  // The case has no follow-up yet: allowed readers get past scoping to a 404 for the child.
  { method: 'get', path: '/applications/:id/follow-up', allowed: ALL, ok: 404, scoped: 'all', call: () => ({ url: caseUrl('/follow-up') }) },
  { method: 'post', path: '/applications/:id/follow-up/inspection', allowed: ['supervisor'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/follow-up/inspection'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/follow-up/team', allowed: ['supervisor'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/follow-up/team'), body: INVALID }) },
  // README "Failure policy": only ops retry held steps (not bound to a province, so no R01 cell).
  { method: 'post', path: '/applications/:id/retry', allowed: ['ops'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/retry'), body: INVALID }) },
  { method: 'post', path: '/applications/:id/predecessor-confirmation', allowed: ['acceptance-officer'], ok: 422, scoped: 'all', call: () => ({ url: caseUrl('/predecessor-confirmation'), body: INVALID }) },
  // The licence of an issued certificate: its holder, its province's staff, samr and ops read it; the Updates by the lifecycle validators' roles.
  { method: 'get', path: '/certificates/:number/licence', allowed: ALL, ok: 200, scoped: 'all', call: () => ({ url: certUrl('/licence') }) },
  // L07: the electronic certificate, read by the same people as its licence.
  { method: 'get', path: '/certificates/:number/document', allowed: ALL, ok: 200, scoped: 'all', call: () => ({ url: certUrl('/document') }) },
  { method: 'post', path: '/certificates/:number/cancel', allowed: ['applicant', 'approver', 'supervisor'], ok: 422, scoped: 'all', call: () => ({ url: certUrl('/cancel'), body: INVALID }) },
  { method: 'post', path: '/certificates/:number/change', allowed: ['approver', 'supervisor'], ok: 422, scoped: 'all', call: () => ({ url: certUrl('/change'), body: INVALID }) },
  { method: 'post', path: '/certificates/:number/revoke', allowed: ['approver', 'supervisor'], ok: 422, scoped: 'all', call: () => ({ url: certUrl('/revoke'), body: INVALID }) },
  // R10: a supervisor certifies for the own province (BJ here), ops for any; each allowed cell registers a verifier of its own.
  {
    method: 'post',
    path: '/verifiers',
    allowed: ['supervisor', 'ops'],
    ok: 201,
    scoped: 'staff',
    call: (p) => ({ url: '/verifiers', body: { id: verifierIdFor(p), name: '矩阵检查员', certifiedBy: 'BJ', certifiedUntil: '2099-12-31' } }),
  },
  // Conflicts of interest: any province's supervisor (verifiers inspect everywhere, R10), ops.
  { method: 'post', path: '/verifiers/:id/conflicts', allowed: ['supervisor', 'ops'], ok: 422, scoped: 'none', call: () => ({ url: `/verifiers/${VERIFIER}/conflicts`, body: INVALID }) },
  // R11: the inspector register. A supervisor keeps his own province's: another province's inspector is a 404 (R01),
  // listing another province a 403; adding one of another province is a 422 naming `province` (supervision-api.test.ts).
  { method: 'post', path: '/inspectors', allowed: ['supervisor', 'ops'], ok: 422, scoped: 'none', call: () => ({ url: '/inspectors', body: INVALID }) },
  // The inspector's province is checked after the body, so these send valid, repeatable bodies (reinstating, the same conflict).
  { method: 'post', path: '/inspectors/:id/suspension', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: `/inspectors/${INSPECTOR}/suspension`, body: { suspended: false, reason: 'matrix check' } }) },
  { method: 'post', path: '/inspectors/:id/conflicts', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: `/inspectors/${INSPECTOR}/conflicts`, body: { uscc: USCC_B, reason: 'matrix check' } }) },
  { method: 'get', path: '/inspectors', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: (p) => ({ url: '/inspectors', query: p.role === 'ops' ? ({} as Record<string, string>) : { province: 'BJ' } }) },
  // R11: plans and batches of the supervisor's own province (another province's: 404, R01); the batch has not started, so a staffing request is a 409.
  { method: 'post', path: '/plans', allowed: ['supervisor'], ok: 422, scoped: 'none', call: () => ({ url: '/plans', body: INVALID }) },
  { method: 'get', path: '/plans/:id', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: `/plans/${PLAN}` }) },
  { method: 'get', path: '/batches/:id', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: `/batches/${BATCH}` }) },
  { method: 'post', path: '/batches/:id/staffing', allowed: ['supervisor'], ok: 409, scoped: 'staff', call: () => ({ url: `/batches/${BATCH}/staffing`, body: {} }) },
  // R11: inspection tasks: inspectors theirs, supervisors their province's; no task is drawn here, so reading one is a 404 for everyone allowed.
  { method: 'get', path: '/inspection-tasks', allowed: ['supervisor', 'inspector', 'ops'], ok: 200, scoped: 'staff', call: (p) => ({ url: '/inspection-tasks', query: p.role === 'ops' ? ({} as Record<string, string>) : { province: 'BJ' } }) },
  { method: 'get', path: '/inspection-tasks/:batchId/:uscc', allowed: ['supervisor', 'inspector', 'ops'], ok: 404, scoped: 'none', call: () => ({ url: `/inspection-tasks/${BATCH}/${USCC_A}` }) },
  { method: 'post', path: '/inspection-tasks/:batchId/:uscc/result', allowed: ['inspector'], ok: 422, scoped: 'none', call: () => ({ url: `/inspection-tasks/${BATCH}/${USCC_A}/result`, body: INVALID }) },
  // R17: grades of the supervisor's own province (asking for another: 403); overrides by supervisors only.
  { method: 'get', path: '/grades/:uscc', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: `/grades/${USCC_A}`, query: { province: 'BJ' } }) },
  { method: 'post', path: '/grades/:uscc/override', allowed: ['supervisor'], ok: 422, scoped: 'none', call: () => ({ url: `/grades/${USCC_A}/override`, body: INVALID }) },
  // Issue 19: importing existing licences is ops-only. A JSON body is refused as not a file (415) after every access check; an unknown import is 404.
  { method: 'post', path: '/imports', allowed: ['ops'], ok: 415, scoped: 'none', call: () => ({ url: '/imports', body: INVALID }) },
  { method: 'get', path: '/imports/:id', allowed: ['ops'], ok: 404, scoped: 'none', call: () => ({ url: '/imports/no-such-import' }) },
  // R06: SAMR (no province) lists its draws, reads and checks a drawn case; its findings are read by SAMR and the province's supervisors
  // (another province's: 403 for its list, 404 for one finding, R01) and answered by the province's supervisors.
  { method: 'get', path: '/samr/draws', allowed: ['samr'], ok: 200, scoped: 'none', call: () => ({ url: '/samr/draws' }) },
  { method: 'get', path: '/samr/cases/:id', allowed: ['samr'], ok: 200, scoped: 'none', call: () => ({ url: `/samr/cases/${SAMR_DRAWN}` }) },
  { method: 'post', path: '/samr/cases/:id/check', allowed: ['samr'], ok: 422, scoped: 'none', call: () => ({ url: `/samr/cases/${SAMR_DRAWN}/check`, body: INVALID }) },
  { method: 'get', path: '/samr/findings', allowed: ['samr', 'supervisor'], ok: 200, scoped: 'staff', call: () => ({ url: '/samr/findings', query: { province: 'BJ' } }) },
  { method: 'get', path: '/samr/findings/:id', allowed: ['samr', 'supervisor'], ok: 200, scoped: 'staff', call: () => ({ url: `/samr/findings/${SAMR_FINDING}` }) },
  { method: 'post', path: '/samr/findings/:id/answer', allowed: ['supervisor'], ok: 422, scoped: 'staff', call: () => ({ url: `/samr/findings/${SAMR_FINDING}/answer`, body: INVALID }) },
  // ---- i13: a certificate's rectification by number (R15), the follow-up routes' permissions. The certificate never had one:
  // allowed readers get past scoping to a 404; the Updates stop at body validation (422).
  { method: 'get', path: '/certificates/:number/rectification', allowed: ALL, ok: 404, scoped: 'all', call: () => ({ url: certUrl('/rectification') }) },
  { method: 'post', path: '/certificates/:number/rectification/team', allowed: ['supervisor'], ok: 422, scoped: 'all', call: () => ({ url: certUrl('/rectification/team'), body: INVALID }) },
  { method: 'post', path: '/certificates/:number/rectification/inspection', allowed: ['supervisor'], ok: 422, scoped: 'all', call: () => ({ url: certUrl('/rectification/inspection'), body: INVALID }) },
  // ---- end i13
  // ---- R14, R16 (issue 14 parts 2 and 5): risk signals and campaigns -------------------------------
  // A supervisor records his province's signals; SAMR passes on signals about any province's licensee; lists are scoped (another province: 403).
  { method: 'post', path: '/risk-signals', allowed: ['supervisor'], ok: 422, scoped: 'none', call: () => ({ url: '/risk-signals', body: INVALID }) },
  { method: 'get', path: '/risk-signals', allowed: ['supervisor', 'samr', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: '/risk-signals', query: { province: 'BJ' } }) },
  { method: 'post', path: '/samr/risk-signals', allowed: ['samr'], ok: 422, scoped: 'none', call: () => ({ url: '/samr/risk-signals', body: INVALID }) },
  // Campaigns of the supervisor's own province (another province's list: 403; one campaign: 404, R01); decisions by supervisors.
  { method: 'get', path: '/campaigns', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: '/campaigns', query: { province: 'BJ' } }) },
  { method: 'get', path: '/campaigns/:id', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: `/campaigns/${CAMPAIGN}` }) },
  { method: 'post', path: '/campaigns/:id/decision', allowed: ['supervisor'], ok: 422, scoped: 'none', call: () => ({ url: `/campaigns/${CAMPAIGN}/decision`, body: INVALID }) },
  // ---- end of R14, R16 ----------------------------------------------------------------------------------
  // ---- R18 risk information and R13 flight inspections (issue 14, parts 3-4) ----------------------------------------------------
  // The reporter register: a supervisor keeps his province's (another province's reporter is a 404), ops any.
  { method: 'post', path: '/reporters', allowed: ['supervisor', 'ops'], ok: 422, scoped: 'none', call: () => ({ url: '/reporters', body: INVALID }) },
  { method: 'post', path: '/reporters/:id/suspension', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: `/reporters/${REPORTER_REG}/suspension`, body: { suspended: false, reason: 'matrix check' } }) },
  { method: 'get', path: '/reporters', allowed: ['supervisor', 'ops'], ok: 200, scoped: 'staff', call: (p) => ({ url: '/reporters', query: p.role === 'ops' ? ({} as Record<string, string>) : { province: 'BJ' } }) },
  // Submissions: a registered reporter of the province (another province's token is not registered there: 403); the public without a token.
  { method: 'post', path: '/risk-reports', allowed: ['reporter'], ok: 422, scoped: 'staff', call: () => ({ url: '/risk-reports', body: INVALID }) },
  { method: 'post', path: '/risk-reports/public', allowed: 'public', ok: 422, scoped: 'none', call: () => ({ url: '/risk-reports/public', body: INVALID }) },
  { method: 'get', path: '/risk-reports/public/:ref', allowed: 'public', ok: 404, scoped: 'none', call: () => ({ url: `/risk-reports/public/${riskReportRef}` }) },
  // Reading: a reporter its own (the BJ reporter submitted this one), a supervisor his province's, samr and ops all; the enterprise never.
  { method: 'get', path: '/risk-reports', allowed: ['reporter', 'supervisor', 'samr', 'ops'], ok: 200, scoped: 'staff', call: (p) => ({ url: '/risk-reports', query: p.province ? { province: 'BJ' } : ({} as Record<string, string>) }) },
  { method: 'get', path: '/risk-reports/:ref', allowed: ['reporter', 'supervisor', 'samr', 'ops'], ok: 200, scoped: 'staff', call: () => ({ url: `/risk-reports/${riskReportRef}` }) },
  { method: 'post', path: '/risk-reports/:ref/triage', allowed: ['supervisor'], ok: 422, scoped: 'staff', call: () => ({ url: `/risk-reports/${riskReportRef}/triage`, body: INVALID }) },
  // Flight inspections: ordered by SAMR or a supervisor; none exists here, so one is a 404 for everyone allowed.
  { method: 'post', path: '/flight-inspections', allowed: ['samr', 'supervisor'], ok: 422, scoped: 'none', call: () => ({ url: '/flight-inspections', body: INVALID }) },
  { method: 'get', path: '/flight-inspections', allowed: ['samr', 'supervisor', 'inspector', 'ops'], ok: 200, scoped: 'staff', call: (p) => ({ url: '/flight-inspections', query: p.province ? { province: 'BJ' } : ({} as Record<string, string>) }) },
  { method: 'get', path: '/flight-inspections/:id', allowed: ['samr', 'supervisor', 'inspector', 'ops'], ok: 404, scoped: 'none', call: () => ({ url: '/flight-inspections/FI-AUTHZ-NONE' }) },
  { method: 'post', path: '/flight-inspections/:id/result', allowed: ['inspector'], ok: 404, scoped: 'none', call: () => ({ url: '/flight-inspections/FI-AUTHZ-NONE/result', body: INVALID }) },
  { method: 'post', path: '/flight-inspections/:id/staffing', allowed: ['supervisor'], ok: 404, scoped: 'none', call: () => ({ url: '/flight-inspections/FI-AUTHZ-NONE/staffing', body: {} }) },
  // ---- end of R18 / R13 --------------------------------------------------------------------------------------------------------
  // Public: no token needed, the same answer for everyone.
  { method: 'get', path: '/certificates/:number', allowed: 'public', ok: 404, scoped: 'none', call: () => ({ url: `/certificates/${encodeURIComponent('(京)XK08-001-99999')}` }) },
  { method: 'get', path: '/calendar/deadline', allowed: 'public', ok: 200, scoped: 'none', call: () => ({ url: '/calendar/deadline', query: { from: '2026-09-30', n: '5' } }) },
  { method: 'get', path: '/health', allowed: 'public', ok: 200, scoped: 'none', call: () => ({ url: '/health' }) },
  // Prometheus text; public like /health (restricted at the network edge, not by token).
  { method: 'get', path: '/metrics', allowed: 'public', ok: 200, scoped: 'none', call: () => ({ url: '/metrics' }) },
  { method: 'get', path: '/openapi.json', allowed: 'public', ok: 200, scoped: 'none', call: () => ({ url: '/openapi.json' }) },
  { method: 'get', path: '/docs', allowed: 'public', ok: 200, scoped: 'none', call: () => ({ url: '/docs' }) },
  // The console's development sign-in: public in development (the harness), refused in production (api.test.ts).
  { method: 'post', path: '/dev/token', allowed: 'public', ok: 422, scoped: 'none', call: () => ({ url: '/dev/token', body: INVALID }) },
  ...SPOT_CASES,
];

/** Routes on one case or certificate: outside its scope, the caller gets the 404 of a case that does not exist. */
const hidesExistence = (rc: RouteCase) =>
  rc.path.startsWith('/applications/:id') || rc.path.startsWith('/certificates/:number/') || rc.path.startsWith('/samr/findings/:id') || rc.path.startsWith('/inspectors/:id/') || rc.path.startsWith('/plans/:id') || rc.path.startsWith('/batches/:id') || rc.path.startsWith('/campaigns/:id') ||
  // R15
  rc.path.startsWith('/laboratories/:id/') || rc.path.startsWith('/spot-rounds/:id') || rc.path.startsWith('/spot-checks/:id') ||
  // R18
  rc.path.startsWith('/reporters/:id/') || rc.path.startsWith('/risk-reports/:ref');

/** The expected status, and why (the rule a refusal proves, for the test name). */
function expected(rc: RouteCase, p: Principal): { status: number; why: string } {
  if (rc.allowed === 'public') return { status: rc.ok, why: 'public' };
  if (!p.role) return { status: 401, why: 'no token' };
  if (!rc.allowed.includes(p.role)) return { status: 403, why: 'role' };
  const bound = rc.scoped === 'all' ? p.role === 'applicant' || p.province !== undefined : rc.scoped === 'staff' ? p.province !== undefined : false;
  // R01: a case or certificate outside the caller's scope is answered like one that does not exist.
  if (bound && !p.own) return { status: hidesExistence(rc) ? 404 : 403, why: p.role === 'applicant' ? 'other enterprise' : 'R01' };
  return { status: rc.ok, why: 'allowed' };
}

const CELLS = ROUTE_CASES.flatMap((rc) => PRINCIPALS.map((p) => ({ rc, p, ...expected(rc, p) })));

describe('authorisation matrix', () => {
  it('covers every route of the app', () => {
    const inMatrix = ROUTE_CASES.map((r) => `${r.method} ${r.path}`).sort();
    expect(inMatrix).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    expect(inMatrix).toEqual(expressRoutes(h.app).map((r) => `${r.method} ${r.path}`).sort());
    expect(CELLS).toHaveLength(ROUTE_CASES.length * PRINCIPALS.length);
  });

  it.each(CELLS.map((c) => [`${c.why === 'R01' ? 'R01: ' : ''}${c.p.name} × ${c.rc.method.toUpperCase()} ${openApiPath(c.rc.path)} → ${c.status} (${c.why})`, c] as const))(
    '%s',
    async (_name, { rc, p, status }) => {
      const { url, body, query } = rc.call(p);
      let req = rc.method === 'get' ? api(h).get(url) : api(h).post(url);
      if (p.role) req = req.set(await bearer({ role: p.role, province: p.province, uscc: p.uscc }));
      if (query) req = req.query(query);
      const res = rc.method === 'post' ? await req.send(body as object) : await req;
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      if (status >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      if (status === 422) expect(res.body.errors).toContainEqual(expect.objectContaining({ path: 'unknownField' }));
    },
  );

  it("R01: another province's or enterprise's case and certificate answer exactly like ones that do not exist", async () => {
    const strip = (b: Record<string, unknown>) => ({
      ...b,
      instance: undefined,
      requestId: undefined, // differs per request by design
      detail: String(b.detail).replace(received.id, '<id>').replace('API-000000000000', '<id>').replace(certificate, '<n>').replace('(京)XK08-001-99999', '<n>'),
    });
    for (const who of [{ role: 'reviewer', province: 'SH' }, { role: 'applicant', uscc: USCC_B }] as const) {
      const auth = await bearer(who);
      const other = await api(h).get(caseUrl()).set(auth);
      const none = await api(h).get('/applications/API-000000000000').set(auth);
      expect([other.status, none.status]).toEqual([404, 404]);
      expect(strip(other.body)).toEqual(strip(none.body));
      const otherCert = await api(h).get(certUrl('/licence')).set(auth);
      const noCert = await api(h).get(`/certificates/${encodeURIComponent('(京)XK08-001-99999')}/licence`).set(auth);
      expect([otherCert.status, noCert.status]).toEqual([404, 404]);
      expect(strip(otherCert.body)).toEqual(strip(noCert.body));
    }
  });

  it('R01: an applicant lists only its own enterprise; staff lists only their province', async () => {
    const mine = await eventually(async () => {
      const r = await api(h).get('/applications').set(await bearer({ role: 'applicant', uscc: USCC_A }));
      return r.body.items?.some((i: { applicationId: string }) => i.applicationId === received.id) ? r.body : undefined;
    });
    expect(mine.query).toContain(`LpUscc = '${USCC_A}'`);
    const theirs = await api(h).get('/applications').set(await bearer({ role: 'applicant', uscc: USCC_B }));
    expect(theirs.body.items).toEqual([]);
    const staffDefault = await api(h).get('/applications').set(await bearer({ role: 'reviewer', province: 'SH' }));
    expect(staffDefault.status).toBe(200);
    expect(staffDefault.body.query).toContain("LpProvince = 'SH'");
    expect(staffDefault.body.items.every((i: { province: string }) => i.province === 'SH')).toBe(true);
  });
});

describe("the workflow validators accept the same roles as the API's table", () => {
  // Valid messages, own province, at a stage where the workflow must refuse them: 409, never 403.
  const now = () => new Date().toISOString();
  const cells: { route: string; role: Role; target: () => string; body: () => object }[] = [
    { route: 'accept', role: 'acceptance-officer', target: () => accepted, body: () => ({}) },
    { route: 'supplement-request', role: 'acceptance-officer', target: () => accepted, body: () => ({ items: ['anything missing'] }) },
    { route: 'reject', role: 'acceptance-officer', target: () => accepted, body: () => ({ reasons: ['not accepted'] }) },
    { route: 'predecessor-confirmation', role: 'acceptance-officer', target: () => accepted, body: () => ({ evidence: 'cancellation notice no. 12' }) },
    { route: 'verification', role: 'reviewer', target: () => received.id, body: () => ({ result: 'pass', verifierIds: ['V1', 'V2'] }) },
    { route: 'verification', role: 'supervisor', target: () => received.id, body: () => ({ result: 'pass', verifierIds: ['V1', 'V2'] }) },
    { route: 'pause', role: 'reviewer', target: () => received.id, body: () => ({ kind: 'testing', reason: 'sample testing', applicantNotifiedAt: now() }) },
    { route: 'pause', role: 'approver', target: () => received.id, body: () => ({ kind: 'testing', reason: 'sample testing', expectedLength: { n: 15, unit: 'working-days' } }) },
    { route: 'resume', role: 'reviewer', target: () => accepted, body: () => ({}) },
    { route: 'resume', role: 'approver', target: () => accepted, body: () => ({}) },
    { route: 'approve', role: 'approver', target: () => received.id, body: () => ({}) },
    { route: 'refuse', role: 'approver', target: () => received.id, body: () => ({ reasons: ['conditions not met'] }) },
  ];
  it.each(cells.map((c) => [`${c.role} → ${c.route} at the wrong stage → 409 from the workflow`, c] as const))('%s', async (_n, c) => {
    const res = await api(h)
      .post(`/applications/${c.target()}/${c.route}`)
      .set(await bearer({ role: c.role, province: 'BJ' }))
      .send(c.body());
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.detail).toMatch(/stage|not paused/);
  });

  it('an applicant supplement outside the supplement stage is a 409; an inspection before issuance is a 404', async () => {
    const sup = await api(h)
      .post(`/applications/${received.id}/supplement`)
      .set(await bearer({ role: 'applicant', uscc: USCC_A }))
      .send({ documents: [{ name: 'doc', type: 'other', sha256: sha('doc') }] });
    expect(sup.status).toBe(409);
    const insp = await api(h)
      .post(`/applications/${received.id}/follow-up/inspection`)
      .set(await bearer({ role: 'supervisor', province: 'BJ' }))
      .send({ outcome: 'pass', verifierIds: ['V1', 'V2'] });
    expect(insp.status).toBe(404);
  });
});
