/**
 * The soak's HTTP client (soak-scenarios.ts, soak-supervision.ts): calls the API as its people do,
 * retrying what a fault interrupted with the same Idempotency-Key, so a retry is never a second
 * decision, and waits for a state with a deadline.
 */
import { mintToken } from '../../api/auth';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Driver {
  baseUrl: string;
  secret: string;
  /** How long one case may take, faults included. */
  caseTimeoutMs: number;
  verifiers: string[];
  /** Counts of what the faults cost: calls retried. */
  retries: { n: number };
}

/** A JSON answer of the API, read loosely: the checks name the fields they need. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

class Transient extends Error {}

export const bearerFor = async (d: Driver, o: Parameters<typeof mintToken>[1]) => `Bearer ${await mintToken(d.secret, o)}`;

/** One request; throws on a connection error, a timeout or a transient answer (503, 502, 429, a 409 with Retry-After: the case is busy with a step of its own). */
export async function callOnce(d: Driver, method: string, path: string, token: string, body?: unknown, key?: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(d.baseUrl + path, {
    method,
    headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { 'idempotency-key': key } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  // 503: a part is restarting (the API answers, Temporal or the database does not); 409 with
  // Retry-After: the case is busy with a step of its own (its intake checks, say). Both say "again, shortly".
  if (res.status === 503 || res.status === 502 || res.status === 429 || (res.status === 409 && res.headers.has('retry-after'))) throw new Transient(`${res.status} ${parsed?.detail ?? ''}`);
  return { status: res.status, body: parsed };
}

/** The request until it gets a definite answer (or the deadline passes). Only for requests that are safe to repeat. */
export async function call(d: Driver, method: string, path: string, token: string, body?: unknown, key?: string, deadline = Date.now() + d.caseTimeoutMs): Promise<{ status: number; body: Json }> {
  for (;;) {
    try {
      return await callOnce(d, method, path, token, body, key);
    } catch (err) {
      // Connection refused or reset (the API restarting), a timeout, or a transient answer.
      if (Date.now() > deadline) throw new Error(`${method} ${path}: gave up: ${String(err)}`);
      d.retries.n++;
      await sleep(500);
    }
  }
}

export async function expectOk(what: string, p: Promise<{ status: number; body: Json }>, ok = [200, 201]): Promise<Json> {
  const r = await p;
  if (!ok.includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** GET `path` until `test` holds for a 200 answer. */
export async function until(d: Driver, id: string, token: string, test: (c: Json) => boolean, what: string, path = `/applications/${id}`): Promise<Json> {
  const deadline = Date.now() + d.caseTimeoutMs;
  for (;;) {
    const r = await call(d, 'GET', path, token, undefined, undefined, deadline);
    if (r.status === 200 && test(r.body)) return r.body;
    if (Date.now() > deadline) throw new Error(`${id}: timed out waiting for ${what} (last: ${r.status} ${JSON.stringify(r.body).slice(0, 300)})`);
    await sleep(300);
  }
}
