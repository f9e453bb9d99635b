/**
 * R06: e-CQS data exchange against real PostgreSQL and a real HTTP peer on loopback that fails,
 * hangs and recovers. Proves: records are written in the state change's transaction and once;
 * nothing is lost; nothing is reordered within a case; duplicates are harmless.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createCaseActivities } from '../../activities/approval/cases';
import { inTransaction } from '../../db/tx';
import { backoffMs, classifyStatus, EcqsSender, type EcqsSenderOptions } from '../../workers/ecqs-sender';
import { ecqsBacklog, ecqsRecordId, enqueueEcqs, requeueParked } from '../../db/ecqs-outbox';
import { EcqsRecord, ecqsJsonSchema } from '../../domain/samr/ecqs';
import { acceptUpdate, approveUpdate } from '../../domain/approval/messages';
import { licenceApplication } from '../../workflows/approval/licence-application';
import { createWorker } from '../../workers/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeApplication, staff, USCC } from '../helpers/fixtures';
import { pastIntake } from '../helpers/time-skipping';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';
import { type EcqsPeer, startEcqsPeer } from './ecqs-peer';

let db: TestDatabase;
const senders: EcqsSender[] = [];
const peers: EcqsPeer[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.stop()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await db.pool.query('TRUNCATE ecqs_outbox, ecqs_streams');
});
afterAll(async () => {
  await db?.drop();
});

const FAST: Partial<EcqsSenderOptions> = {
  requestTimeoutMs: 300,
  idleMs: 20,
  backoff: { initialMs: 20, factor: 2, maxMs: 200, jitter: 0.2 },
};

async function peer(opts: Parameters<typeof startEcqsPeer>[0] = {}): Promise<EcqsPeer> {
  const p = await startEcqsPeer(opts);
  peers.push(p);
  return p;
}

function sender(url: string, extra: Partial<EcqsSenderOptions> = {}): EcqsSender {
  const s = new EcqsSender({ pool: db.pool, url, ...FAST, ...extra });
  senders.push(s);
  s.start();
  return s;
}

async function eventually<T>(read: () => Promise<T> | T, check: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (check(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const PROVINCES = ['BJ', 'SH', 'GD', 'SC'] as const;
const EVENTS = ['accepted', 'approved', 'certificate-issued', 'certificate-changed', 'certificate-revoked'] as const;

/** Record k (0-based) of a synthetic case: acceptance, decision, then certificate events. */
function syntheticRecord(caseId: string, k: number, province: string) {
  const event = EVENTS[k % EVENTS.length]!;
  const base = {
    eventKey: `${caseId}:${event}:${Math.floor(k / EVENTS.length) + 1}`,
    caseId,
    occurredAt: new Date(Date.UTC(2026, 0, 5, 2, 0, k)).toISOString(),
    province,
    enterprise: { uscc: USCC, name: '示范水泥有限公司' },
    product: 'cement',
  };
  if (event === 'accepted') return { ...base, event, acceptedAt: base.occurredAt };
  if (event === 'approved') return { ...base, event, decidedAt: base.occurredAt, withinDeadline: true };
  return { ...base, event, certificate: { number: `(京)XK08-001-${String(k).padStart(5, '0')}` } };
}

/** Writes `perCase` records for each of `cases` cases, each in its own transaction, optionally spread over time. */
async function produce(pool: Pool, cases: number, perCase: number, prefix = 'CASE', pauseMs = 0): Promise<number> {
  for (let k = 0; k < perCase; k++) {
    await Promise.all(
      Array.from({ length: cases }, (_, i) =>
        inTransaction(pool, (c) => enqueueEcqs(c, syntheticRecord(`${prefix}-${String(i).padStart(4, '0')}`, k, PROVINCES[i % PROVINCES.length]!) as never)),
      ),
    );
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return cases * perCase;
}

async function outbox(): Promise<{ record_id: string; case_id: string; seq: number; event: string; acked_at: Date | null; ack_count: number; attempts: number; parked_at: Date | null; payload: unknown }[]> {
  return (await db.pool.query('SELECT record_id, case_id, seq, event, acked_at, ack_count, attempts, parked_at, payload FROM ecqs_outbox ORDER BY id')).rows;
}

/** Nothing lost, nothing reordered, each record acknowledged exactly once. */
async function expectDeliveredExactlyOnceInOrder(p: EcqsPeer, total: number): Promise<void> {
  // The peer may hold the last record a moment before the sender has written its acknowledgement.
  await eventually(() => ecqsBacklog(db.pool), (b) => b.pending === 0 && b.parked === 0);
  const rows = await outbox();
  expect(rows).toHaveLength(total);
  expect(rows.filter((r) => r.acked_at === null)).toEqual([]);
  expect(rows.map((r) => r.ack_count).every((n) => n === 1)).toBe(true);
  expect(new Set(p.accepted.map((r) => r.recordId)).size).toBe(total);
  expect(p.accepted).toHaveLength(total);
  expect(new Set(p.accepted.map((r) => r.recordId))).toEqual(new Set(rows.map((r) => r.record_id)));
  expect(p.orderViolations).toEqual([]);
  const perCaseRows = new Map<string, number>();
  for (const r of rows) perCaseRows.set(r.case_id, (perCaseRows.get(r.case_id) ?? 0) + 1);
  for (const [caseId, seqs] of p.perCase()) expect(seqs, caseId).toEqual(Array.from({ length: perCaseRows.get(caseId)! }, (_, i) => i + 1));
}

describe('e-CQS outbox', () => {
  it('R06: the record format is a versioned JSON Schema (2020-12) and every outbox payload validates against it', async () => {
    await produce(db.pool, 3, 5);
    const schema = ecqsJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
    const rows = await outbox();
    expect(rows).toHaveLength(15);
    for (const r of rows) {
      expect(validate(r.payload), JSON.stringify(validate.errors)).toBe(true);
      expect(r.payload).toMatchObject({ schemaVersion: '1.0', recordId: r.record_id, caseId: r.case_id, sequence: r.seq });
    }
    // A record missing a required field is refused at write time: the state change would roll back.
    await expect(inTransaction(db.pool, (c) => enqueueEcqs(c, { ...syntheticRecord('BAD-1', 0, 'BJ'), acceptedAt: 'yesterday' } as never))).rejects.toThrow();
    expect(EcqsRecord.safeParse({ ...(rows[0]!.payload as object), schemaVersion: '2.0' }).success).toBe(false);
  });

  it('R06: the contract document embeds exactly the schema the code enforces', () => {
    const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'ecqs-contract.md'), 'utf8');
    const block = /## JSON Schema[^\n]*\n(?:<!--[^\n]*-->\n)?```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(block, 'docs/ecqs-contract.md has no JSON Schema block').toBeDefined();
    expect(JSON.parse(block!)).toEqual(ecqsJsonSchema());
  });

  it('R06: a record is written in the same transaction as its state change: rollback leaves no record', async () => {
    await expect(
      inTransaction(db.pool, async (c) => {
        await enqueueEcqs(c, syntheticRecord('ROLLBACK-1', 0, 'BJ') as never);
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    expect(await outbox()).toEqual([]);
    // The sequence did not advance either: the next record of the case is still number 1.
    const e = await inTransaction(db.pool, (c) => enqueueEcqs(c, syntheticRecord('ROLLBACK-1', 0, 'BJ') as never));
    expect(e.sequence).toBe(1);
  });

  it('R06: acceptance, decision and certificate activities write one record each; retried activities add nothing', async () => {
    const acts = createCaseActivities(db.pool);
    const app = makeApplication({ province: 'SH', productionAddresses: [{ province: 'SH', address: '上海市宝山区示范路1号' }] });
    const at = (m: number) => new Date(Date.UTC(2026, 0, 6, 2, m)).toISOString();
    const id = app.applicationId;
    await acts.recordReceipt({ application: app, receivedAt: at(0), eventKey: `${id}:received:1` });
    const accept = { eventKey: `${id}:accepted:1`, applicationId: id, action: 'accepted', actor: { id: 'officer-1', role: 'acceptance-officer' as const }, occurredAt: at(1), set: { stage: 'under-review', accepted_at: at(1), acceptance: 'officer' as const } };
    const routed = { eventKey: `${id}:routed:1`, applicationId: id, action: 'routed', occurredAt: at(2), set: { stage: 'under-review', policy_version: '2020-09-29', path: 'post-verification' } };
    const approve = { eventKey: `${id}:approved:1`, applicationId: id, action: 'approved', actor: { id: 'approver-1', role: 'approver' as const }, occurredAt: at(3), details: { withinDeadline: true, deadlineAt: at(50) }, set: { stage: 'issuing', decision: 'approved', decided_at: at(3) } };
    const issue = { applicationId: id, eventKey: `${id}:certificate:1`, issuedAt: at(4), issuedOn: '2026-01-06', policyVersion: '2020-09-29' };
    for (let attempt = 0; attempt < 2; attempt++) {
      // A retried activity (same event key) must add nothing.
      await acts.recordTransition(accept);
      await acts.recordTransition(routed);
      await acts.recordTransition(approve);
      await acts.issueCertificate(issue);
    }
    const rows = await outbox();
    expect(rows.map((r) => [r.seq, r.event])).toEqual([[1, 'accepted'], [2, 'approved'], [3, 'certificate-issued']]);
    expect(rows.map((r) => r.record_id)).toEqual([accept.eventKey, approve.eventKey, issue.eventKey].map(ecqsRecordId));
    const [accepted, approved, issued] = rows.map((r) => r.payload as Record<string, unknown>);
    expect(accepted).toMatchObject({ event: 'accepted', province: 'SH', product: 'cement', enterprise: { uscc: app.enterprise.uscc }, acceptedAt: expect.any(String), actor: { role: 'acceptance-officer' } });
    expect(approved).toMatchObject({ event: 'approved', withinDeadline: true, policyVersion: '2020-09-29', path: 'post-verification' });
    expect(issued).toMatchObject({ event: 'certificate-issued', certificate: { number: expect.stringMatching(/^\(沪\)XK08-001-\d{5}$/), issuedOn: '2026-01-06' } });
  });

  it('R06: a case run by the real workflow (time-skipping server) reports acceptance, approval and the certificate, in order', async () => {
    const env = await createTimeSkippingEnv();
    try {
      const worker = await createWorker({ connection: env.nativeConnection, taskQueue: 'ecqs-wf', pool: db.pool, workflowBundle: await workflowBundle(), extra: { activities: createActivities({ pool: db.pool }) } });
      await worker.runUntil(async () => {
        const app = makeApplication();
        const h = await env.client.workflow.start(licenceApplication, {
          taskQueue: 'ecqs-wf',
          workflowId: app.applicationId,
          args: [{ application: app, receivedAt: new Date(await env.currentTimeMs()).toISOString() }],
        });
        await pastIntake(h);
        await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
        await eventually(() => db.pool.query(`SELECT path FROM applications WHERE id = $1`, [app.applicationId]), (r) => r.rows[0]?.path != null);
        await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver') }] });
        await eventually(outbox, (rows) => rows.length >= 3);
        const rows = await outbox();
        expect(rows.map((r) => [r.case_id, r.seq, r.event])).toEqual([
          [app.applicationId, 1, 'accepted'],
          [app.applicationId, 2, 'approved'],
          [app.applicationId, 3, 'certificate-issued'],
        ]);
        await h.terminate('test done');
      });
    } finally {
      await env.teardown();
    }
  });
});

describe('e-CQS sender', () => {
  it('R06: sends one record per POST with Idempotency-Key = recordId, the bearer token and the schema version', async () => {
    const p = await peer({ keepHeaders: true });
    await produce(db.pool, 2, 2);
    sender(p.url, { token: 'secret-token' });
    await eventually(() => p.accepted.length, (n) => n === 4);
    await expectDeliveredExactlyOnceInOrder(p, 4);
    for (const [i, h] of p.headers.entries()) {
      expect(h['idempotency-key']).toBe(p.accepted[i]!.recordId);
      expect(h.authorization).toBe('Bearer secret-token');
      expect(h['x-ecqs-schema-version']).toBe('1.0');
      expect(h['content-type']).toBe('application/json');
    }
  });

  it('R06: e-CQS failing (500) then recovering, three senders, records produced meanwhile: nothing lost, per-case order kept, each acknowledged once', async () => {
    const p = await peer({ mode: 'fail' });
    for (let i = 0; i < 3; i++) sender(p.url, { senderId: `s${i}`, batchSize: 7, concurrency: 4 });
    const produced = produce(db.pool, 30, 5, 'DOWN', 30);
    await eventually(() => p.requests, (n) => n > 60);
    expect(p.accepted).toHaveLength(0);
    const rows = await outbox();
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
    // Never the second record of a case while the first is unacknowledged.
    const tried = await db.pool.query(`SELECT count(*)::int AS n FROM ecqs_outbox WHERE seq > 1 AND attempts > 0`);
    expect(tried.rows[0].n).toBe(0);
    p.mode = 'ok';
    const total = await produced;
    await eventually(() => p.accepted.length, (n) => n === total);
    await eventually(() => ecqsBacklog(db.pool), (b) => b.pending === 0);
    await expectDeliveredExactlyOnceInOrder(p, total);
  });

  it('R06: e-CQS hanging (no answer) then recovering: requests time out and are retried; a record taken before the hang arrives twice and is deduplicated', async () => {
    let n = 0;
    // Every 3rd request: e-CQS stores the record but the answer never comes; then a full hang; then recovery.
    const p = await peer({ mode: () => (++n % 3 === 0 ? 'accept-then-hang' : 'ok') });
    sender(p.url, { concurrency: 8 });
    sender(p.url, { concurrency: 8 });
    const total = await produce(db.pool, 12, 5, 'HANG');
    await eventually(() => p.duplicates, (d) => d >= 3);
    p.mode = 'hang';
    const before = p.requests;
    await eventually(() => p.requests, (r) => r > before + 3);
    p.mode = 'ok';
    await eventually(() => ecqsBacklog(db.pool), (b) => b.pending === 0);
    expect(p.duplicates).toBeGreaterThanOrEqual(3);
    await expectDeliveredExactlyOnceInOrder(p, total);
    const errors = await db.pool.query(`SELECT count(*)::int AS n FROM ecqs_outbox WHERE attempts > 1`);
    expect(errors.rows[0].n).toBeGreaterThan(0);
  });

  it('R06: e-CQS unreachable (connection refused): records wait with exponential backoff and go out in order when it returns on the same address', async () => {
    const first = await startEcqsPeer();
    const url = first.url;
    const port = Number(new URL(url).port);
    await first.close();
    const total = await produce(db.pool, 5, 3, 'GONE');
    sender(url);
    const waited = await eventually(() => outbox(), (rows) => rows.filter((r) => r.attempts >= 4).length === 5);
    expect(waited.filter((r) => r.attempts >= 4)).toHaveLength(5);
    const err = await db.pool.query(`SELECT last_error FROM ecqs_outbox WHERE seq = 1 LIMIT 1`);
    expect(err.rows[0].last_error).toMatch(/ECONNREFUSED|fetch failed/);
    const p = await peer({ port });
    await eventually(() => p.accepted.length, (n) => n === total);
    await expectDeliveredExactlyOnceInOrder(p, total);
  });

  it('R06: a record e-CQS rejects as invalid (4xx) is parked: its case waits, other cases proceed; requeued, it resumes in order', async () => {
    const p = await peer();
    p.mode = (r) => (r.caseId === 'PARK-0000' && r.sequence === 2 && p.requests < 1000 && !fixed ? { status: 422 } : 'ok');
    let fixed = false;
    const total = await produce(db.pool, 3, 4, 'PARK');
    sender(p.url);
    await eventually(() => p.accepted.length, (n) => n === total - 3);
    const parked = (await outbox()).filter((r) => r.parked_at);
    expect(parked.map((r) => [r.case_id, r.seq])).toEqual([['PARK-0000', 2]]);
    expect((await ecqsBacklog(db.pool)).parked).toBe(1);
    expect(p.perCase().get('PARK-0000')).toEqual([1]);
    fixed = true;
    expect(await requeueParked(db.pool, parked[0]!.record_id)).toBe(true);
    await eventually(() => p.accepted.length, (n) => n === total);
    await expectDeliveredExactlyOnceInOrder(p, total);
  });

  it('R06: backoff doubles per attempt, is capped, and jitters; statuses are classified', () => {
    const b = { initialMs: 1000, factor: 2, maxMs: 300_000, jitter: 0 };
    expect([1, 2, 3, 4, 10, 30].map((a) => backoffMs(a, b))).toEqual([1000, 2000, 4000, 8000, 300_000, 300_000]);
    const j = { ...b, jitter: 0.2 };
    expect(backoffMs(3, j, () => 0)).toBe(3200);
    expect(backoffMs(3, j, () => 1)).toBe(4800);
    expect([200, 201, 204, 409].map(classifyStatus)).toEqual(['ack', 'ack', 'ack', 'ack']);
    expect([408, 425, 429, 500, 502, 503].map(classifyStatus)).toEqual(Array(6).fill('retry'));
    expect([400, 401, 403, 404, 422].map(classifyStatus)).toEqual(Array(5).fill('park'));
  });
});
