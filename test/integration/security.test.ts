/**
 * What a provincial authority's security review checks at the API's edge (docs/security.md), on
 * the real dev server, worker and PostgreSQL: request ids, headers, rate limits, the metrics
 * token, key rotation, no internal text in 5xx bodies, and an audit row for every register change.
 */
import type { Express } from 'express';
import { Pool } from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { mintToken } from '../../api/auth';
import { RateLimiter } from '../../api/security';
import { registerChanges } from '../../db/register-audit';
import { application, bearer, type Harness, SECRET, startHarness, USCC_A, USCC_B } from './api-helpers';

let h: Harness;
const NUMBER = encodeURIComponent('(京)XK08-001-00001');

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Another instance of the API on the same servers, with its own options. */
function appWith(opts: Partial<Parameters<typeof createApp>[0]>): Express {
  return createApp({ client: h.env.client, connection: h.env.connection, pool: h.db.pool, taskQueue: h.taskQueue, jwtSecret: SECRET, ...opts });
}

describe('request ids', () => {
  it('Security: every response carries X-Request-Id, and a problem body names the same id', async () => {
    const r = await request(h.app).get('/applications/NO-SUCH-CASE').set(await bearer({ role: 'ops' }));
    expect(r.status).toBe(404);
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.requestId).toBe(r.headers['x-request-id']);
    const ok = await request(h.app).get('/health');
    expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers['x-request-id']).not.toBe(r.headers['x-request-id']);
  });

  it("Security: a gateway's plain request id is kept; anything else is replaced", async () => {
    const kept = await request(h.app).get('/health').set('X-Request-Id', 'gw-0123456789abcdef');
    expect(kept.headers['x-request-id']).toBe('gw-0123456789abcdef');
    const replaced = await request(h.app).get('/health').set('X-Request-Id', 'x"><script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('headers', () => {
  it('Security: data responses forbid framing, sniffing and loading anything; the console keeps its own policy', async () => {
    const r = await request(h.app).get('/openapi.json');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(r.headers['x-powered-by']).toBeUndefined();
    const page = await request(h.app).get('/console/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['x-frame-options']).toBe('DENY');
  });
});

describe('rate limits', () => {
  it('Security: a public route answers 429 with Retry-After past the limit, per client address', async () => {
    const app = appWith({ rateLimits: { public: new RateLimiter('public', { limit: 3, windowMs: 60_000 }) } });
    app.set('trust proxy', true);
    const from = (ip: string) => request(app).get(`/certificates/${NUMBER}`).set('X-Forwarded-For', ip);
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.7')).status).toBe(404);
    const limited = await from('203.0.113.7');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.body.detail).toMatch(/at most 3 a minute/);
    // Another address has its own allowance; token-holding routes are not counted.
    expect((await from('198.51.100.9')).status).toBe(404);
    expect((await request(app).get('/applications/NO-SUCH').set(await bearer({ role: 'ops' }))).status).toBe(404);
  });

  it('Security: submissions are limited per applicant, not per address', async () => {
    const app = appWith({ rateLimits: { submission: new RateLimiter('submission', { limit: 2, windowMs: 60_000 }) } });
    const a = await bearer({ role: 'applicant', uscc: USCC_A });
    for (let i = 0; i < 2; i++) expect((await request(app).post('/applications').set(a).send(application())).status).toBe(201);
    const limited = await request(app).post('/applications').set(a).send(application());
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    const b = await bearer({ role: 'applicant', uscc: USCC_B });
    const other = application();
    expect((await request(app).post('/applications').set(b).send({ ...other, enterprise: { ...(other.enterprise as object), uscc: USCC_B } })).status).toBe(201);
  });

  it('Security: the OpenAPI document lists 429 on the limited routes', async () => {
    const doc = (await request(h.app).get('/openapi.json')).body;
    expect(doc.paths['/applications'].post.responses['429']).toBeDefined();
    expect(doc.paths['/certificates/{number}'].get.responses['429']).toBeDefined();
    expect(doc.paths['/applications/{id}/accept'].post.responses['429']).toBeUndefined();
  });
});

describe('metrics', () => {
  it('Security: with METRICS_TOKEN set, /metrics answers only the bearer of that token', async () => {
    const app = appWith({ metricsToken: 'metrics-token-0123456789' });
    expect((await request(app).get('/metrics')).status).toBe(401);
    expect((await request(app).get('/metrics').set('Authorization', 'Bearer wrong')).status).toBe(401);
    // A staff JWT is not the metrics token either.
    expect((await request(app).get('/metrics').set(await bearer({ role: 'ops' }))).status).toBe(401);
    const ok = await request(app).get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789');
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/lp_ecqs_outbox_depth/);
  });

  it('Security: in production without a token the metrics are closed', async () => {
    const app = appWith({ metricsToken: null });
    const r = await request(app).get('/metrics');
    expect(r.status).toBe(401);
    expect(r.body.detail).toMatch(/METRICS_TOKEN/);
  });
});

describe('key rotation', () => {
  const NEW = 'rotated-secret-0123456789abcdef-0123456789';
  it('Security: during a rollover tokens of the previous secret are accepted, others not; after it, only the new', async () => {
    const rolling = appWith({ jwtSecret: NEW, jwtPreviousSecret: SECRET });
    const old = `Bearer ${await mintToken(SECRET, { sub: 'ops-1', role: 'ops' })}`;
    const fresh = `Bearer ${await mintToken(NEW, { sub: 'ops-1', role: 'ops' })}`;
    const forged = `Bearer ${await mintToken('someone-elses-secret-0123456789abcdef', { sub: 'ops-1', role: 'ops' })}`;
    expect((await request(rolling).get('/applications?limit=1').set('Authorization', old)).status).toBe(200);
    expect((await request(rolling).get('/applications?limit=1').set('Authorization', fresh)).status).toBe(200);
    expect((await request(rolling).get('/applications?limit=1').set('Authorization', forged)).status).toBe(401);
    const after = appWith({ jwtSecret: NEW });
    expect((await request(after).get('/applications?limit=1').set('Authorization', old)).status).toBe(401);
  });

  it('Security: an expired token of the previous secret is refused as expired, not tried further', async () => {
    const rolling = appWith({ jwtSecret: NEW, jwtPreviousSecret: SECRET });
    const expired = `Bearer ${await mintToken(SECRET, { sub: 'ops-1', role: 'ops', expiresIn: '-1m' })}`;
    const r = await request(rolling).get('/applications?limit=1').set('Authorization', expired);
    expect(r.status).toBe(401);
    expect(r.body.detail).toMatch(/expired/);
  });
});

describe('5xx bodies', () => {
  it("Security: a database failure is a 503 with the request id and none of the driver's words; the log has them", async () => {
    const dead = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
    const logged: { err: unknown; requestId?: string }[] = [];
    const app = appWith({ pool: dead, logError: (err, ctx) => logged.push({ err, requestId: ctx.requestId }) });
    try {
      const r = await request(app).get(`/certificates/${NUMBER}`);
      expect(r.status).toBe(503);
      expect(JSON.stringify(r.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|:1\b|postgres/);
      expect(r.body.requestId).toBe(r.headers['x-request-id']);
      expect(logged).toHaveLength(1);
      expect(logged[0]!.requestId).toBe(r.headers['x-request-id']);
      expect(String(logged[0]!.err)).toMatch(/ECONNREFUSED|connect/);
      const health = await request(app).get('/health');
      expect(health.status).toBe(503);
      expect(JSON.stringify(health.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    } finally {
      await dead.end();
    }
  });
});

describe('register audit', () => {
  it('R10/Security: every change to the verifier register is audited with who, before, after and the request id', async () => {
    const id = `V-SEC-${Date.now()}`;
    const created = await request(h.app).post('/verifiers').set(await bearer({ role: 'ops', sub: 'ops-anna' })).send({ id, name: '审计核查员', certifiedBy: 'BJ', certifiedUntil: '2099-12-31' });
    expect(created.status).toBe(201);
    const updated = await request(h.app)
      .post('/verifiers')
      .set(await bearer({ role: 'supervisor', province: 'BJ', sub: 'sup-bo' }))
      .send({ id, name: '审计核查员', certifiedBy: 'BJ', certifiedUntil: '2030-12-31', suspended: true });
    expect(updated.status).toBe(200);
    const conflict = await request(h.app).post(`/verifiers/${id}/conflicts`).set(await bearer({ role: 'ops', sub: 'ops-anna' })).send({ uscc: USCC_A, reason: 'former employee' });
    expect(conflict.status).toBe(200);
    // A refused change leaves no trace.
    const refused = await request(h.app).post('/verifiers').set(await bearer({ role: 'supervisor', province: 'SH', sub: 'sup-sh' })).send({ id, name: 'x', certifiedBy: 'SH', certifiedUntil: '2099-12-31' });
    expect(refused.status).toBe(403);

    const changes = await registerChanges(h.db.pool, 'verifiers', id);
    expect(changes.map((c) => [c.action, c.actorId, c.actorRole])).toEqual([
      ['certified', 'ops-anna', 'ops'],
      ['updated', 'sup-bo', 'supervisor'],
    ]);
    expect(changes[0]!.before).toBeNull();
    expect(changes[1]!.before).toMatchObject({ certifiedUntil: '2099-12-31', suspended: false });
    expect(changes[1]!.after).toMatchObject({ certifiedUntil: '2030-12-31', suspended: true });
    expect(changes[0]!.requestId).toBe(created.headers['x-request-id']);
    expect(changes[1]!.requestId).toBe(updated.headers['x-request-id']);
    const conflicts = await registerChanges(h.db.pool, 'verifier-conflicts', id);
    expect(conflicts).toMatchObject([{ action: 'conflict-recorded', actorId: 'ops-anna', after: { uscc: USCC_A, reason: 'former employee' } }]);
  });
});
