/**
 * The soak's cases: each scenario drives one case through the API as its people would, retrying
 * what a fault interrupted (same Idempotency-Key, so a retry is never a second decision), and says
 * which end state it expects. The checks (soak-checks.ts) then compare every case with it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mintToken } from '../../api/auth';
import { withUsccCheck } from '../../domain/uscc';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const freshUscc = () => withUsccCheck(`91110000${Array.from(randomBytes(9), (b) => USCC_ALPHABET[b % USCC_ALPHABET.length]).join('')}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type ScenarioName = 'post-verification' | 'follow-up-passed' | 'supplement' | 'pause' | 'refused' | 'rejected' | 'verify-then-issue';
export const SCENARIOS: ScenarioName[] = ['post-verification', 'follow-up-passed', 'supplement', 'pause', 'refused', 'rejected', 'verify-then-issue'];

export interface Expected {
  id: string;
  scenario: ScenarioName;
  stage: 'issued' | 'refused' | 'rejected-at-intake';
  /** The follow-up's stage when the script drove it; otherwise it waits for its inspection. */
  followUp?: 'closed' | 'awaiting-inspection';
  /** e-CQS events the case must have produced, in order. */
  ecqs: string[];
}

export interface Driver {
  baseUrl: string;
  secret: string;
  /** How long one case may take, faults included. */
  caseTimeoutMs: number;
  verifiers: string[];
  /** Counts of what the faults cost: calls retried. */
  retries: { n: number };
}

class Transient extends Error {}

/** A JSON answer of the API, read loosely: the checks name the fields they need. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(d: Driver, method: string, path: string, token: string, body?: unknown, key?: string, deadline = Date.now() + d.caseTimeoutMs): Promise<{ status: number; body: Json }> {
  for (;;) {
    try {
      const res = await fetch(d.baseUrl + path, {
        method,
        headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { 'idempotency-key': key } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : undefined;
      // 503: a part is restarting (the API answers, Temporal or the database does not); 409 at
      // intake: the receipt checks are still running. Both say "again, shortly".
      if (res.status === 503 || res.status === 502 || res.status === 429 || (res.status === 409 && /still at intake/.test(parsed?.detail ?? ''))) throw new Transient(`${res.status} ${parsed?.detail ?? ''}`);
      return { status: res.status, body: parsed };
    } catch (err) {
      // Connection refused or reset (the API restarting), a timeout, or a transient answer.
      if (Date.now() > deadline) throw new Error(`${method} ${path}: gave up: ${String(err)}`);
      d.retries.n++;
      await sleep(500);
    }
  }
}

async function expectOk(d: Driver, what: string, p: Promise<{ status: number; body: Json }>, ok = [200, 201]): Promise<Json> {
  const r = await p;
  if (!ok.includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function until(d: Driver, id: string, token: string, test: (c: Json) => boolean, what: string, path = `/applications/${id}`): Promise<Json> {
  const deadline = Date.now() + d.caseTimeoutMs;
  for (;;) {
    const r = await call(d, 'GET', path, token, undefined, undefined, deadline);
    if (r.status === 200 && test(r.body)) return r.body;
    if (Date.now() > deadline) throw new Error(`${id}: timed out waiting for ${what} (last: ${r.status} ${JSON.stringify(r.body).slice(0, 300)})`);
    await sleep(300);
  }
}

function applicationFor(scenario: ScenarioName, uscc: string, id: string): Record<string, unknown> {
  const fertiliser = scenario === 'verify-then-issue';
  return {
    applicationId: id,
    province: 'BJ',
    type: 'new',
    enterprise: { uscc, name: '北京浸泡测试有限公司', registeredAddress: '北京市房山区示范路1号' },
    productionAddresses: [{ province: 'BJ', address: '北京市房山区示范路1号厂区' }],
    product: fertiliser ? 'fertiliser' : 'cement',
    productNames: [fertiliser ? '复合肥料' : '通用硅酸盐水泥 P·O 42.5'],
    documents: [
      { name: '营业执照', type: 'business-licence', sha256: sha('licence') },
      { name: '产品检验报告', type: 'inspection-report', sha256: sha('report') },
      ...(fertiliser ? [] : [{ name: '项目备案', type: 'investment-filing', sha256: sha('filing') }]),
    ],
    qualitySafetyCommitment: { signedBy: '张三', signedAt: '2026-01-05T02:00:00Z', statementSha256: sha('qs-commitment') },
    ...(fertiliser
      ? {}
      : {
          investmentFiling: { kind: 'filing', authority: '北京市发展和改革委员会', number: '京发改(备)〔2025〕18号', date: '2025-06-30', approvedCapacity: { value: 1_000_000, unit: 't/year' } },
          capacity: { declared: { value: 800_000, unit: 't/year' }, addsCapacity: false },
        }),
  };
}

/** Drives one case; resolves with what it should end as, rejects with what went wrong. */
export async function runScenario(d: Driver, scenario: ScenarioName, n: number): Promise<Expected> {
  const uscc = freshUscc();
  const id = `SOAK-${n.toString().padStart(5, '0')}-${randomBytes(3).toString('hex')}`;
  const bearer = async (o: Parameters<typeof mintToken>[1]) => `Bearer ${await mintToken(d.secret, o)}`;
  const applicant = await bearer({ sub: `ent-${id}`, role: 'applicant', uscc });
  const officer = await bearer({ sub: 'soak-officer', role: 'acceptance-officer', province: 'BJ' });
  const reviewer = await bearer({ sub: 'soak-reviewer', role: 'reviewer', province: 'BJ' });
  const approver = await bearer({ sub: 'soak-approver', role: 'approver', province: 'BJ' });
  const supervisor = await bearer({ sub: 'soak-supervisor', role: 'supervisor', province: 'BJ' });
  const post = (path: string, token: string, body: unknown, step: string) =>
    expectOk(d, `${id} ${step}`, call(d, 'POST', `/applications/${id}${path}`, token, body, `${id}-${step}`), [200, 201, 202]);

  await expectOk(d, `${id} submit`, call(d, 'POST', '/applications', applicant, applicationFor(scenario, uscc, id)));
  await until(d, id, officer, (c) => c.stage === 'received', 'receipt');

  if (scenario === 'rejected') {
    await post('/reject', officer, { reasons: ['材料不齐全且不属于补正范围'] }, 'reject');
    await until(d, id, officer, (c) => c.stage === 'rejected-at-intake', 'refusal at intake');
    return { id, scenario, stage: 'rejected-at-intake', ecqs: ['rejected-at-intake'] };
  }
  if (scenario === 'supplement') {
    await post('/supplement-request', officer, { items: ['质量管理手册'] }, 'supplement-request');
    await post('/supplement', applicant, { documents: [{ name: '质量管理手册', type: 'quality-manual', sha256: sha(`manual-${id}`) }] }, 'supplement');
    await until(d, id, officer, (c) => c.stage === 'received', 'supplemented');
  }
  await post('/accept', officer, { note: 'materials complete' }, 'accept');
  await until(d, id, approver, (c) => Boolean(c.path && c.deadline), 'routing');

  if (scenario === 'pause') {
    await post('/pause', reviewer, { kind: 'testing', reason: '产品送检', applicantNotifiedAt: new Date().toISOString() }, 'pause');
    await post('/resume', reviewer, { note: '检验完成' }, 'resume');
  }
  if (scenario === 'refused') {
    await post('/refuse', approver, { reasons: ['生产条件不符合要求'] }, 'refuse');
    await until(d, id, approver, (c) => c.stage === 'refused', 'refusal');
    return { id, scenario, stage: 'refused', ecqs: ['accepted', 'refused'] };
  }
  if (scenario === 'verify-then-issue') {
    await post('/verification', reviewer, { result: 'pass', verifierIds: d.verifiers.slice(0, 2), findings: '符合要求' }, 'verification');
  }
  await post('/approve', approver, { note: 'conditions met' }, 'approve');
  await until(d, id, approver, (c) => c.stage === 'issued', 'issuance');
  const ecqs = ['accepted', 'approved', 'certificate-issued'];
  if (scenario === 'verify-then-issue') return { id, scenario, stage: 'issued', ecqs };

  if (scenario === 'follow-up-passed') {
    await until(d, id, supervisor, (f) => f.stage === 'awaiting-inspection', 'follow-up', `/applications/${id}/follow-up`);
    const team = d.verifiers.slice(0, 2);
    await post('/follow-up/team', supervisor, { verifierIds: team }, 'team');
    await post('/follow-up/inspection', supervisor, { outcome: 'pass', verifierIds: team, findings: '现场核查通过' }, 'inspection');
    await until(d, id, supervisor, (f) => f.stage === 'closed', 'follow-up closed', `/applications/${id}/follow-up`);
    return { id, scenario, stage: 'issued', followUp: 'closed', ecqs };
  }
  return { id, scenario, stage: 'issued', followUp: 'awaiting-inspection', ecqs };
}
