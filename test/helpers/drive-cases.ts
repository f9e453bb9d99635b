/**
 * Drives full cases (submit → accept → approve → issued) through a running API over plain HTTP,
 * N at a time: what `npm start`'s embedded database must hold (issue 15). Used by
 * test/integration/start-load.test.ts (20 cases, asserts no error) and bench/embedded-db.ts
 * (100 cases, prints figures). Every failed step is kept with its status and body.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mintToken } from '../../api/auth';
import { makeApplication, freshUscc } from './fixtures';

export interface DriveResult {
  cases: number;
  issued: number;
  errors: string[];
  seconds: number;
  /** Milliseconds from submit to issued, per issued case, sorted. */
  latencies: number[];
  /** 503 answers (Temporal or a worker busy) that were repeated, as the API asks, and then succeeded. */
  retried503: number;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class StepError extends Error {}

export async function driveCases(opts: {
  baseUrl: string;
  jwtSecret: string;
  cases: number;
  concurrency: number;
  /** Per case, from submit to issued. */
  caseTimeoutMs?: number;
}): Promise<DriveResult> {
  const caseTimeoutMs = opts.caseTimeoutMs ?? 120_000;
  const officer = `Bearer ${await mintToken(opts.jwtSecret, { sub: 'officer-bj', role: 'acceptance-officer', province: 'BJ' })}`;
  const approver = `Bearer ${await mintToken(opts.jwtSecret, { sub: 'approver-bj', role: 'approver', province: 'BJ' })}`;

  let retried503 = 0;
  /** One request; a 503 (the API's "repeat the request with the same Idempotency-Key") is repeated up to 5 times. */
  async function call(method: string, path: string, auth: string, body?: unknown, key?: string): Promise<{ status: number; json: Record<string, unknown> }> {
    for (let attempt = 0; ; attempt++) {
      const r = await callOnce(method, path, auth, body, key);
      if (r.status !== 503 || attempt >= 5) return r;
      retried503++;
      await sleep(1000 * (attempt + 1));
    }
  }

  async function callOnce(method: string, path: string, auth: string, body?: unknown, key?: string): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(opts.baseUrl + path, {
      method,
      headers: { authorization: auth, ...(key ? { 'idempotency-key': key } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { text };
    }
    return { status: res.status, json };
  }

  async function expectStatus(what: string, p: Promise<{ status: number; json: Record<string, unknown> }>, ok: number[]) {
    const r = await p;
    if (!ok.includes(r.status)) throw new StepError(`${what}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    return r.json;
  }

  async function until(id: string, auth: string, done: (c: Record<string, unknown>) => boolean, what: string, deadline: number) {
    for (;;) {
      const r = await call('GET', `/applications/${id}`, auth);
      if (r.status !== 200) throw new StepError(`${id} read while waiting for ${what}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
      if (done(r.json)) return r.json;
      if (Date.now() > deadline) throw new StepError(`${id}: no ${what} in time (stage ${String(r.json.stage)})`);
      await sleep(250);
    }
  }

  async function oneCase(): Promise<number> {
    const started = Date.now();
    const deadline = started + caseTimeoutMs;
    const uscc = freshUscc();
    const base = makeApplication({ province: 'BJ', productNames: ['通用硅酸盐水泥 P·O 42.5'] });
    const body = {
      ...base,
      enterprise: { ...base.enterprise, uscc }, // one enterprise per case: no ban or duplicate of another case meets it
      documents: [...base.documents, { name: '项目备案', type: 'investment-filing', sha256: sha('filing') }],
    };
    const id = body.applicationId;
    const applicant = `Bearer ${await mintToken(opts.jwtSecret, { sub: `applicant-${id}`, role: 'applicant', uscc })}`;
    await expectStatus(`${id} submit`, call('POST', '/applications', applicant, body), [201, 200]);
    await until(id, officer, (c) => c.stage === 'received', 'receipt', deadline);
    await expectStatus(`${id} accept`, call('POST', `/applications/${id}/accept`, officer, { note: 'materials complete' }, `${id}-accept`), [200]);
    await until(id, approver, (c) => Boolean(c.path && c.deadline), 'routing', deadline);
    await expectStatus(`${id} approve`, call('POST', `/applications/${id}/approve`, approver, { note: 'conditions met' }, `${id}-approve`), [200]);
    const issued = await until(id, approver, (c) => c.stage === 'issued', 'issuance', deadline);
    if (!(issued.certificate as { number?: string } | undefined)?.number) throw new StepError(`${id}: issued without a certificate number`);
    return Date.now() - started;
  }

  const t0 = Date.now();
  const errors: string[] = [];
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency, opts.cases) }, async () => {
      while (next < opts.cases) {
        next++;
        try {
          latencies.push(await oneCase());
        } catch (err) {
          errors.push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { cases: opts.cases, issued: latencies.length, errors, seconds: (Date.now() - t0) / 1000, latencies, retried503 };
}

export const randomSecret = (): string => randomBytes(24).toString('hex');
