/**
 * R18 and R13 over HTTP against the real API, worker, Temporal dev server and PostgreSQL: reporters
 * and the public submit risk information, see only their own submissions, are refused without
 * leaking which enterprises exist, are rate limited; a report turned into a flight inspection is
 * invisible to the enterprise on every route it can reach until the result is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../api/app';
import { RateLimiter } from '../../api/security';
import { ROUTES } from '../../api/routes';
import { OPS_QUERIES } from '../../domain/ops-queries';
import { flightIdOfReport, RISK_REPORT_WORKFLOW_TYPE, riskReportWorkflowId } from '../../domain/supervision/risk-report';
import { registerChanges } from '../../db/register-audit';
import { insertRiskReport } from '../../db/risk-reports';
import { freshUscc } from '../helpers/fixtures';
import { api, bearer, eventually, type Harness, issueOverHttp, SECRET, sha, startHarness } from './api-helpers';

let h: Harness;
let cert: { id: string; number: string };
let uscc: string;
const SUP = { role: 'supervisor' as const, province: 'BJ', sub: 'sup-bj' };
const reporter = (sub: string) => bearer({ role: 'reporter', province: 'BJ', sub });
const report = (over: Record<string, unknown> = {}) => ({ certificateNumber: cert.number, what: '市场抽样产品标识与许可范围不符', evidence: [{ sha256: sha('photo') }], contact: '010-12345678', ...over });

beforeAll(async () => {
  h = await startHarness();
  uscc = freshUscc();
  cert = await issueOverHttp(h, uscc);
  for (const id of ['R-ASSOC', 'R-INST']) {
    expect((await api(h).post('/reporters').set(await bearer(SUP)).send({ id, name: `机构 ${id}`, kind: 'industry-association', province: 'BJ' })).status).toBe(201);
  }
  for (const id of ['I-RR-1', 'I-RR-2']) expect((await api(h).post('/inspectors').set(await bearer({ role: 'ops' })).send({ id, name: id, province: 'BJ' })).status).toBe(201);
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe('risk information (R18) over HTTP', () => {
  it("R18: a reporter cannot read another reporter's submissions (404, like one that does not exist); a suspended reporter cannot submit; register changes are audited", async () => {
    const a = await api(h).post('/risk-reports').set(await reporter('R-ASSOC')).send(report());
    const b = await api(h).post('/risk-reports').set(await reporter('R-INST')).send(report({ what: '检测机构发现批次产品强度不合格' }));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body).toEqual({ ref: expect.stringMatching(/^RR-\d{8}-[A-Z2-7]{10}$/), status: 'triage', statusUrl: `/risk-reports/${a.body.ref}` });
    const mine = await api(h).get('/risk-reports').set(await reporter('R-ASSOC'));
    expect(mine.body.items.map((r: { ref: string }) => r.ref)).toEqual([a.body.ref]);
    expect(Object.keys(mine.body.items[0])).not.toContain('reporterId');
    const theirs = await api(h).get(`/risk-reports/${b.body.ref}`).set(await reporter('R-ASSOC'));
    const none = await api(h).get('/risk-reports/RR-20260101-AAAAAAAAAA').set(await reporter('R-ASSOC'));
    expect([theirs.status, none.status]).toEqual([404, 404]);
    expect(theirs.body.detail.replace(b.body.ref, '<ref>')).toBe(none.body.detail.replace('RR-20260101-AAAAAAAAAA', '<ref>'));
    // The province sees both, with who submitted each; the enterprise sees none (no route for its role).
    const staff = await api(h).get('/risk-reports').set(await bearer(SUP));
    expect(staff.body.items.map((r: { reporterId: string }) => r.reporterId).sort()).toEqual(['R-ASSOC', 'R-INST']);
    expect((await api(h).get('/risk-reports').set(await bearer({ role: 'applicant', uscc }))).status).toBe(403);
    expect((await api(h).get(`/risk-reports/${a.body.ref}`).set(await bearer({ role: 'applicant', uscc }))).status).toBe(403);
    // A reporter registered by another province, or not at all: refused.
    expect((await api(h).post('/risk-reports').set(await bearer({ role: 'reporter', province: 'SH', sub: 'R-ASSOC' })).send(report())).status).toBe(403);
    expect((await api(h).post('/reporters/R-INST/suspension').set(await bearer(SUP)).send({ suspended: true, reason: '资质到期' })).status).toBe(200);
    expect((await api(h).post('/risk-reports').set(await reporter('R-INST')).send(report())).status).toBe(403);
    const audit = await registerChanges(h.db.pool, 'reporters', 'R-INST');
    expect(audit.map((c) => [c.action, c.actorId])).toEqual([
      ['reporter-added', 'sup-bj'],
      ['reporter-suspended', 'sup-bj'],
    ]);
  });

  it('R18: a report about an unknown enterprise is a 422 naming certificateNumber, the same answer as for a licence no longer in force: nothing beyond the public certificate check', async () => {
    const unknown = '(京)XK08-001-99999';
    await h.db.pool.query(
      `INSERT INTO certificates (number, application_id, province, uscc, enterprise_name, enterprise_address, production_addresses, product, product_names, issued_on, valid_until, status, status_changed_at, source, import_id, import_line, import_hash, issuing_authority)
       VALUES ('(京)XK08-001-99998', NULL, 'BJ', $1, '已吊销企业', '北京', '[]', 'cement', '[]', '2020-01-06', '2025-01-05', 'revoked', now(), 'import', 'seed', 0, 'seed', 'seed')`,
      [freshUscc()],
    );
    const strip = (b: { detail: string; errors: { path: string; message: string }[] }, n: string) => ({ detail: b.detail, errors: b.errors.map((e) => ({ ...e, message: e.message.replace(n, '<n>') })) });
    for (const send of [(b: object) => api(h).post('/risk-reports/public').send(b), async (b: object) => api(h).post('/risk-reports').set(await reporter('R-ASSOC')).send(b)]) {
      const u = await send(report({ certificateNumber: unknown }));
      const r = await send(report({ certificateNumber: '(京)XK08-001-99998' }));
      expect([u.status, r.status]).toEqual([422, 422]);
      expect(u.body.errors).toEqual([{ path: 'certificateNumber', message: expect.stringContaining(unknown) }]);
      expect(strip(u.body, unknown)).toEqual(strip(r.body, '(京)XK08-001-99998'));
      expect(JSON.stringify(u.body)).not.toMatch(/enterprise|uscc|企业/i);
    }
    expect((await h.db.pool.query(`SELECT 1 FROM risk_reports WHERE certificate_no IN ($1, '(京)XK08-001-99998')`, [unknown])).rowCount).toBe(0);
  });

  it('R18: a member of the public submits without an account, gets a reference and a secret once, and reads the status with it only (a wrong secret is an unknown reference)', async () => {
    const r = await api(h).post('/risk-reports/public').send(report({ contact: 'someone@example.com' }));
    expect(r.status).toBe(201);
    const { ref, accessToken } = r.body;
    // Evidence is optional, as documented: none is an empty list.
    const bare = await api(h).post('/risk-reports/public').send(report({ evidence: undefined }));
    expect(bare.status).toBe(201);
    const bareRead = await api(h).get(`/risk-reports/public/${bare.body.ref}`).set('X-Report-Token', bare.body.accessToken);
    expect(bareRead.body.evidence).toEqual([]);
    expect(accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await h.db.pool.query('SELECT access_hash FROM risk_reports WHERE ref = $1', [ref]);
    expect(stored.rows[0].access_hash).toBe(sha(accessToken));
    expect(JSON.stringify(stored.rows)).not.toContain(accessToken);
    const ok = await api(h).get(`/risk-reports/public/${ref}`).set('X-Report-Token', accessToken);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ref, status: 'triage', contact: 'someone@example.com' });
    const wrong = await api(h).get(`/risk-reports/public/${ref}`).set('X-Report-Token', 'x'.repeat(43));
    const missing = await api(h).get(`/risk-reports/public/${ref}`);
    const unknown = await api(h).get('/risk-reports/public/RR-20260101-AAAAAAAAAA').set('X-Report-Token', accessToken);
    expect([wrong.status, missing.status, unknown.status]).toEqual([404, 404, 404]);
    expect(wrong.body.detail).toBe(missing.body.detail);
    // The province triages it: the submitter reads the outcome, not the province's notes.
    await eventually(async () => ((await api(h).get(`/risk-reports/${ref}`).set(await bearer(SUP))).body.triageDueAt ? true : undefined));
    const t = await api(h).post(`/risk-reports/${ref}/triage`).set(await bearer(SUP)).send({ decision: 'dismiss', reason: '内部备注：与该企业无关' });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    const after = await api(h).get(`/risk-reports/public/${ref}`).set('X-Report-Token', accessToken);
    expect(after.body.status).toBe('dismissed');
    expect(JSON.stringify(after.body)).not.toContain('内部备注');
    expect((await api(h).post(`/risk-reports/${ref}/triage`).set(await bearer(SUP)).send({ decision: 'dismiss', reason: 'again' })).status).toBe(409);
  });

  it('R18: a flood of public reports from one address gets 429 with Retry-After, while the other public routes still answer', async () => {
    const app = createApp({ client: h.env.client, connection: h.env.connection, pool: h.db.pool, taskQueue: h.taskQueue, jwtSecret: SECRET, rateLimits: {
      public: new RateLimiter('public', { limit: 300, windowMs: 60_000 }),
      report: new RateLimiter('report', { limit: 3, windowMs: 3_600_000 }),
    } });
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 6; i++) {
      const r = await request(app).post('/risk-reports/public').send(report({ what: `洪水式举报第 ${i} 条，内容足够长` }));
      statuses.push(r.status);
      if (r.status === 429) limited ??= r;
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429]);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(60);
    expect(limited!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await request(app).get(`/certificates/${encodeURIComponent(cert.number)}`)).status).toBe(200);
  });

  it('R13: a report turned into a flight inspection: the enterprise sees nothing about it on any route it can reach until the result is recorded', async () => {
    const ent = await bearer({ role: 'applicant', uscc });
    const reachable = ROUTES.filter((r) => r.method === 'get' && (r.roles === 'public' || r.roles.includes('applicant')));
    const url = (p: string, ref: string) => p.replace(':id', cert.id).replace(':number', encodeURIComponent(cert.number)).replace(':ref', ref);
    /** Everything the enterprise can read, with what changes on every request taken out. */
    const snapshot = async (ref: string) => {
      const out: Record<string, string> = {};
      for (const r of reachable) {
        if (['/metrics', '/docs', '/openapi.json', '/health'].includes(r.path)) continue;
        const req = api(h).get(url(r.path, ref)).set(ent);
        const res = r.path === '/calendar/deadline' ? await req.query({ from: '2026-12-01', n: '5' }) : await req;
        out[r.path] = `${res.status} ${JSON.stringify(res.body).replace(/"(requestId|instance|checkedOn|generatedAt)":"[^"]*"/g, '')}`;
      }
      return out;
    };
    const sub = await api(h).post('/risk-reports').set(await reporter('R-ASSOC')).send(report({ what: '举报：无证生产线在夜间开工' }));
    expect(sub.status).toBe(201);
    const ref: string = sub.body.ref;
    const flightId = flightIdOfReport(ref);
    // Its id reaches the enterprise with the result; it must not say that a report was the lead, nor when.
    expect(flightId).toMatch(/^FI-[0-9a-f]{16}$/);
    const before = await snapshot(ref);
    await eventually(async () => ((await api(h).get(`/risk-reports/${ref}`).set(await bearer(SUP))).body.triageDueAt ? true : undefined));
    const t = await api(h).post(`/risk-reports/${ref}/triage`).set(await bearer(SUP)).send({ decision: 'flight-inspection', reason: '线索具体，组织飞行检查' });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    expect(t.body).toMatchObject({ decision: 'flight-inspection', flightId });
    const flight = await eventually(async () => {
      const r = await api(h).get(`/flight-inspections/${flightId}`).set(await bearer(SUP));
      return r.body.workflow?.stage === 'inspecting' ? r.body : undefined;
    }, 30_000, 'the flight staffed');
    expect([...flight.team].sort()).toEqual(['I-RR-1', 'I-RR-2']);
    // The reporter learns it was taken up, not that an inspection is coming.
    expect((await api(h).get(`/risk-reports/${ref}`).set(await reporter('R-ASSOC'))).body.status).toBe('taken-up');
    // Staffed and due: every route the enterprise can reach answers exactly as before, and names neither the flight nor the report.
    const during = await snapshot(ref);
    expect(during).toEqual(before);
    for (const [path, body] of Object.entries(during)) {
      expect(body, path).not.toContain(flightId);
      // (The public status route echoes the reference the caller sent in its 404, as it does for any reference.)
      if (path !== '/risk-reports/public/:ref') expect(body, path).not.toContain(ref);
      expect(body, path).not.toMatch(/flight|飞行|R-ASSOC/i);
    }
    for (const path of ['/flight-inspections', `/flight-inspections/${flightId}`, '/risk-reports', `/risk-reports/${ref}`]) {
      expect((await api(h).get(path).set(ent)).status, path).toBe(403);
    }
    const notes = await eventually(async () => {
      const r = await h.db.pool.query<{ recipient_role: string }>('SELECT DISTINCT recipient_role FROM notifications WHERE application_id = $1', [`flight/${flightId}`]);
      return r.rowCount ? r.rows : undefined;
    });
    expect(notes.map((r) => r.recipient_role)).toEqual(['inspector']);
    // After the visit the team records the result; only then does R15 handling reach the enterprise.
    const res = await api(h).post(`/flight-inspections/${flightId}/result`).set(await bearer({ role: 'inspector', province: 'BJ', sub: 'I-RR-1' })).send({ outcome: 'pass' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.result).toMatchObject({ outcome: 'pass', by: 'I-RR-1' });
  });

  it('R13: SAMR orders a flight inspection of a licensee from a check finding; a supervisor orders in his own province only; a non-licensee is a 422', async () => {
    const samr = await bearer({ role: 'samr', sub: 'samr-1' });
    // The enterprise's last flight team (the test above: I-RR-1, I-RR-2) is not drawn again (R11), so two more are registered.
    for (const id of ['I-RR-3', 'I-RR-4']) expect((await api(h).post('/inspectors').set(await bearer({ role: 'ops' })).send({ id, name: id, province: 'BJ' })).status).toBe(201);
    const body = { uscc, province: 'BJ', lead: { kind: 'samr-finding', ref: 'SAMR-CHECK-1' }, summary: '国家抽查发现问题线索' };
    const r = await api(h).post('/flight-inspections').set(samr).send(body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const seen = await eventually(async () => {
      const x = await api(h).get(`/flight-inspections/${r.body.id}`).set(await bearer(SUP));
      return x.body.team ? x.body : undefined;
    }, 30_000, 'the flight staffed');
    const earlier = await h.db.pool.query<{ team: string[] }>('SELECT team FROM flight_inspections WHERE uscc = $1 AND id <> $2 AND team IS NOT NULL', [uscc, r.body.id]);
    for (const { team } of earlier.rows) expect(seen.team.filter((i: string) => team.includes(i))).toEqual([]);
    expect(seen.team).toHaveLength(2);
    expect(seen).toMatchObject({ leadKind: 'samr-finding', leadRef: 'SAMR-CHECK-1', orderedBy: 'samr-1', orderedRole: 'samr' });
    expect((await api(h).get(`/flight-inspections/${r.body.id}`).set(await bearer({ role: 'supervisor', province: 'SH' }))).status).toBe(404);
    const mine = await api(h).get('/flight-inspections').set(await bearer({ role: 'inspector', province: 'BJ', sub: seen.team[0] }));
    expect(mine.body.items.map((f: { id: string }) => f.id)).toContain(r.body.id);
    const other = await api(h).post('/flight-inspections').set(await bearer({ role: 'supervisor', province: 'SH' })).send(body);
    expect([other.status, other.body.errors?.[0]?.path]).toEqual([422, 'province']);
    const none = await api(h).post('/flight-inspections').set(samr).send({ ...body, uscc: freshUscc() });
    expect([none.status, none.body.errors?.[0]?.path]).toEqual([422, 'uscc']);
    expect((await api(h).post('/flight-inspections').set(await bearer({ role: 'applicant', uscc })).send(body)).status).toBe(403);
  });

  it('R13: the documented queries find a flight waiting for staff and one waiting for its revocation', async () => {
    const samr = await bearer({ role: 'samr', sub: 'samr-1' });
    const seed = async (province: string) => {
      const who = freshUscc();
      await h.db.pool.query(
        `INSERT INTO certificates (number, application_id, province, uscc, enterprise_name, enterprise_address, production_addresses, product, product_names, issued_on, valid_until, status, status_changed_at, source, import_id, import_line, import_hash, issuing_authority)
         VALUES ($1, NULL, $2, $3, '企业', '地址', '[]', 'cement', '[]', '2024-01-08', '2029-01-07', 'valid', now(), 'import', 'seed', 0, 'seed', 'seed')`,
        [`${province}-Q-${who.slice(-6)}`, province, who],
      );
      return who;
    };
    const list = async (query: string, id: string) =>
      eventually(async () => {
        const ids: string[] = [];
        for await (const wf of h.env.client.workflow.list({ query })) ids.push(wf.workflowId);
        return ids.includes(`flight/${id}`) ? ids : undefined;
      }, 30_000, query);
    // Shanghai has no inspectors on the register: no team can be drawn.
    const unstaffed = await api(h).post('/flight-inspections').set(samr).send({ uscc: await seed('SH'), province: 'SH', lead: { kind: 'complaint', ref: 'C-9' }, summary: '投诉线索' });
    expect(unstaffed.status).toBe(201);
    expect(await list(OPS_QUERIES.flightsWaitingForStaff, unstaffed.body.id)).toContain(`flight/${unstaffed.body.id}`);
    const restaff = await api(h).post(`/flight-inspections/${unstaffed.body.id}/staffing`).set(await bearer({ role: 'supervisor', province: 'SH' })).send({});
    expect(restaff.status).toBe(202);
    // Beijing: staffed, and the team finds grounds for revocation.
    const target = await seed('BJ');
    const o = await api(h).post('/flight-inspections').set(samr).send({ uscc: target, province: 'BJ', lead: { kind: 'complaint', ref: 'C-10' }, summary: '举报骗取许可' });
    const team: string[] = await eventually(async () => (await api(h).get(`/flight-inspections/${o.body.id}`).set(samr)).body.workflow?.team, 30_000, 'team');
    const rec = await api(h).post(`/flight-inspections/${o.body.id}/result`).set(await bearer({ role: 'inspector', province: 'BJ', sub: team[0] })).send({ outcome: 'revocation', ground: 'fraud', findings: '以欺骗手段取得许可' });
    expect(rec.status, JSON.stringify(rec.body)).toBe(200);
    expect(await list(OPS_QUERIES.flightsAwaitingRevocation, o.body.id)).toContain(`flight/${o.body.id}`);
  });

  it('R18: the documented "triage overdue" query finds a report past its 5 working days', async () => {
    const ref = 'RR-20261001-OVERDUEAAA';
    const submittedAt = '2026-10-09T02:00:00.000Z';
    await insertRiskReport(h.db.pool, { ref, province: 'BJ', submitterKind: 'public', reporterId: null, accessHash: 'c'.repeat(64), certificateNumber: cert.number, uscc, product: 'cement', what: '逾期未分拣的举报', evidence: [], contact: '010', submittedAt });
    await h.env.client.workflow.start(RISK_REPORT_WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: riskReportWorkflowId(ref),
      args: [{ ref, province: 'BJ', certificateNumber: cert.number, uscc, product: 'cement', what: '逾期未分拣的举报', evidence: [], submittedAt }],
    });
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.env.client.workflow.list({ query: OPS_QUERIES.triageOverdue })) ids.push(wf.workflowId);
      return ids.includes(riskReportWorkflowId(ref)) ? ids : undefined;
    }, 30_000, 'visibility');
    expect(found).toContain(riskReportWorkflowId(ref));
    const pending: string[] = [];
    for await (const wf of h.env.client.workflow.list({ query: OPS_QUERIES.triagePendingIn('SH') })) pending.push(wf.workflowId);
    expect(pending).not.toContain(riskReportWorkflowId(ref));
  });
});
