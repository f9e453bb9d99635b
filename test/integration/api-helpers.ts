/**
 * Shared setup of the API integration tests: the real Temporal dev server, a real worker with the
 * bundled workflows and real activities, a fresh PostgreSQL database, and the express app under
 * supertest. Tokens are minted with the same code as scripts/mint-token.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../api/app';
import { mintToken } from '../../api/auth';
import type { Role } from '../../domain/roles';
import { isValidUscc, withUsccCheck } from '../../domain/uscc';
import { createWorker } from '../../workers/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { freshUscc, makeApplication } from '../helpers/fixtures';
import type { ProvinceCode } from '../../domain/provinces';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';

export const SECRET = 'api-integration-test-secret-0123456789abcdef';
export const USCC_A = withUsccCheck('91110000MA01ABCDE');
export const USCC_B = withUsccCheck('91310000MA1FL0000');

export interface Harness {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  app: Express;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const taskQueue = `api-test-${randomBytes(4).toString('hex')}`;
  const [env, db, bundle] = await Promise.all([createDevServerEnv(), createTestDatabase(), workflowBundle()]);
  let worker: Worker;
  try {
    worker = await createWorker({ connection: env.nativeConnection, taskQueue, pool: db.pool, workflowBundle: bundle });
  } catch (e) {
    await env.teardown();
    await db.drop();
    throw e;
  }
  const running = worker.run();
  const app = createApp({ client: env.client, connection: env.connection, pool: db.pool, taskQueue, jwtSecret: SECRET });
  return {
    env,
    db,
    app,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running.catch(() => undefined);
      await env.teardown();
      await db.drop();
    },
  };
}

export interface Who {
  role: Role;
  province?: string;
  uscc?: string;
  sub?: string;
}

export function token(who: Who): Promise<string> {
  return mintToken(SECRET, { sub: who.sub ?? `${who.role}-${who.province ?? who.uscc ?? 'x'}`, role: who.role, province: who.province, uscc: who.uscc });
}

export async function bearer(who: Who): Promise<{ Authorization: string }> {
  return { Authorization: `Bearer ${await token(who)}` };
}

export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
export const newId = (prefix = 'API'): string => `${prefix}-${randomBytes(6).toString('hex')}`;

/** A valid new-licence cement application in Beijing (post-verification path, R07), as JSON. */
export function application(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const province = (overrides.province as ProvinceCode | undefined) ?? 'BJ';
  const base = makeApplication({ applicationId: newId(), province, productNames: ['通用硅酸盐水泥 P·O 42.5'] });
  // Enterprise A unless overridden: the tokens of these tests are minted for it.
  base.enterprise = { ...base.enterprise, uscc: USCC_A };
  return { ...base, documents: [...base.documents, { name: '项目备案', type: 'investment-filing', sha256: sha('filing') }], ...overrides };
}

/**
 * L07: one open `new` application per enterprise and product, so tests that keep several cases
 * open file each for an enterprise of its own; `applicantOf` is its token (enterprise A's when the
 * body's USCC is not a valid one, for tests of that 422).
 */
export function ownApplication(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const a = application(overrides);
  return { ...a, enterprise: { ...(a.enterprise as object), uscc: freshUscc() } };
}
export function applicantOf(body: Record<string, unknown>): Promise<{ Authorization: string }> {
  const uscc = (body.enterprise as { uscc?: string } | undefined)?.uscc;
  return bearer({ role: 'applicant', uscc: uscc && isValidUscc(uscc) ? uscc : USCC_A, sub: `applicant-${uscc}` });
}

/** Polls `fn` until it returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, ms = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Waits until a case just submitted has run its receipt checks (it leaves `intake`): the API answers
 * a submission at once, and a staff action sent before then gets 409 with Retry-After.
 */
export async function leftIntake(h: Harness, id: string): Promise<string> {
  const ops = await bearer({ role: 'ops' });
  return eventually(async () => {
    const stage = (await request(h.app).get(`/applications/${id}`).set(ops)).body.stage as string | undefined;
    return stage && stage !== 'intake' ? stage : undefined;
  }, 20_000, `${id} past intake`);
}

/**
 * Submit → accept → approve over HTTP for a Beijing cement case of enterprise `uscc`; returns once
 * the certificate is issued and its lifecycle answers.
 */
export async function issueOverHttp(h: Harness, uscc: string, overrides: Record<string, unknown> = {}): Promise<{ id: string; number: string; body: Record<string, unknown> }> {
  const base = application(overrides);
  const body: Record<string, unknown> = { ...base, enterprise: { ...(base.enterprise as object), uscc } };
  const id = body.applicationId as string;
  const as = (who: Who) => bearer(who);
  const status = async () => (await request(h.app).get(`/applications/${id}`).set(await as({ role: 'ops', sub: 'ops' }))).body as { stage?: string; path?: string; certificate?: { number: string } };
  const submitted = await request(h.app).post('/applications').set(await as({ role: 'applicant', uscc, sub: `holder-${uscc}` })).send(body);
  if (submitted.status !== 201) throw new Error(`submit: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  await leftIntake(h, id);
  const accepted = await request(h.app).post(`/applications/${id}/accept`).set(await as({ role: 'acceptance-officer', province: 'BJ', sub: 'officer-bj' })).send({});
  if (accepted.status !== 200) throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  await eventually(async () => ((await status()).path ? true : undefined), 20_000, 'routing');
  const approved = await request(h.app).post(`/applications/${id}/approve`).set(await as({ role: 'approver', province: 'BJ', sub: 'approver-bj' })).send({});
  if (approved.status !== 200) throw new Error(`approve: ${approved.status} ${JSON.stringify(approved.body)}`);
  const number = await eventually(async () => {
    const s = await status();
    return s.stage === 'issued' ? s.certificate!.number : undefined;
  }, 20_000, 'issuance');
  const ops = await as({ role: 'ops', sub: 'ops' });
  await eventually(async () => ((await request(h.app).get(`/certificates/${encodeURIComponent(number)}/licence`).set(ops)).status === 200 ? true : undefined), 20_000, 'lifecycle');
  return { id, number, body };
}

export function api(h: Harness) {
  return request(h.app);
}

/** Every (method, path) the express app routes, read from its router (express 5). */
export function expressRoutes(app: Express): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  interface Layer {
    route?: { path: string; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push({ method: m, path: layer.route.path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}
