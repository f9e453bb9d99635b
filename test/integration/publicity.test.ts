/**
 * R12: credit-publicity records go to the national enterprise credit publicity system through an
 * outbox, against real PostgreSQL and a real HTTP peer on loopback that fails, hangs and recovers
 * (the e-CQS peer with the enterprise as ordering stream). Proves: every kind of row is sent,
 * `published_at` is set once the system acknowledges it, records of one enterprise arrive in
 * order, and a retry after a lost answer is recognised by its Idempotency-Key (no duplicate).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCaseActivities } from '../../activities/approval/cases';
import { createLicenceActivities } from '../../activities/licence/licence';
import { publicityBacklog, publicityRecordId, requeueParkedPublicity } from '../../db/credit-publicity';
import { creditPublicityJsonSchema } from '../../domain/licence/credit-publicity';
import { withUsccCheck } from '../../domain/uscc';
import type { OutboxSenderOptions } from '../../workers/outbox-sender';
import { PublicitySender } from '../../workers/publicity-sender';
import { startPublicitySender } from '../../workers/worker';
import { loadConfig } from '../../domain/config';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeApplication, USCC } from '../helpers/fixtures';
import { type EcqsPeer, type PeerRecord, startEcqsPeer } from './ecqs-peer';

let db: TestDatabase;
const senders: PublicitySender[] = [];
const peers: EcqsPeer[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.stop()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await db.pool.query('TRUNCATE credit_publicity, credit_publicity_streams');
});
afterAll(async () => {
  await db?.drop();
});

const FAST: Partial<OutboxSenderOptions> = { requestTimeoutMs: 300, idleMs: 20, backoff: { initialMs: 20, factor: 2, maxMs: 200, jitter: 0.2 } };
const streamOf = (r: PeerRecord) => (r.enterprise as { uscc: string }).uscc;

async function peer(mode: EcqsPeer['mode'] = 'ok'): Promise<EcqsPeer> {
  const p = await startEcqsPeer({ mode, streamOf, path: '/credit-publicity/records', keepHeaders: true });
  peers.push(p);
  return p;
}

function sender(url: string): PublicitySender {
  const s = new PublicitySender({ pool: db.pool, url, ...FAST });
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

const ENTERPRISES = [USCC, withUsccCheck('91310000MA1FL0000'), withUsccCheck('91440300MA5FAB123')];

/** A row as another module writes it: a plain INSERT, any kind. */
async function insertRow(uscc: string, key: string, kind: string) {
  await db.pool.query(
    `INSERT INTO credit_publicity (record_key, uscc, enterprise_name, product, kind, ground, rule, summary, decided_on)
     VALUES ($1, $2, '示范企业有限公司', 'cement', $3, 'inspection', 'R12', $4, '2026-03-02') ON CONFLICT (record_key) DO NOTHING`,
    [key, uscc, kind, `${kind} ${key}`],
  );
}

async function rows() {
  return (
    await db.pool.query<{ record_key: string; uscc: string; seq: number; kind: string; published_at: Date | null; ack_count: number; attempts: number }>(
      'SELECT record_key, uscc, seq, kind, published_at, ack_count, attempts FROM credit_publicity ORDER BY id',
    )
  ).rows;
}

describe('credit publicity outbox', () => {
  it('R12: a revocation and rows of other kinds reach the national system once it recovers from failing; published_at is set, records of each enterprise in order, each once', async () => {
    // A real revocation: a certificate issued by the case activities, revoked by the licence activities.
    const cases = createCaseActivities(db.pool);
    const app = makeApplication({ enterprise: { uscc: USCC, name: '北京示范水泥有限公司', registeredAddress: '北京市房山区示范路1号' } });
    const at = (m: number) => new Date(Date.UTC(2026, 2, 2, 2, m)).toISOString();
    await cases.recordReceipt({ application: app, receivedAt: at(0), eventKey: `${app.applicationId}:received:1` });
    const cert = await cases.issueCertificate({ applicationId: app.applicationId, eventKey: `${app.applicationId}:certificate:1`, issuedAt: at(1), issuedOn: '2026-03-02', policyVersion: '2020-09-29' });
    for (const [i, uscc] of ENTERPRISES.entries()) {
      for (let k = 1; k <= 3; k++) await insertRow(uscc, `warning:${i}:${k}`, k === 2 ? 'inspection-result' : 'warning');
    }
    const licences = createLicenceActivities(db.pool);
    const revocation = { certificateNumber: cert.number, ground: 'fraud' as const, reason: 'bribery proven', source: 'test', occurredAt: at(5) };
    await licences.revokeCertificate(revocation);
    await licences.revokeCertificate(revocation); // a retried activity writes nothing twice

    const p = await peer('fail');
    sender(p.url);
    await eventually(() => p.requests, (n) => n >= 6);
    expect((await rows()).every((r) => r.published_at === null)).toBe(true);
    expect((await publicityBacklog(db.pool)).pending).toBe(10);

    p.mode = 'ok';
    await eventually(() => publicityBacklog(db.pool), (b) => b.pending === 0);
    const after = await rows();
    expect(after).toHaveLength(10);
    expect(after.every((r) => r.published_at instanceof Date && r.ack_count === 1)).toBe(true);
    expect(p.accepted).toHaveLength(10);
    expect(p.orderViolations).toEqual([]);
    expect(p.perCase().get(USCC)).toEqual([1, 2, 3, 4]);
    const revoked = p.accepted.find((r) => r.kind === 'licence-revoked')!;
    expect(revoked).toMatchObject({
      recordId: publicityRecordId(`revocation:${cert.number}`),
      sequence: 4,
      enterprise: { uscc: USCC, name: app.enterprise.name },
      province: 'BJ',
      certificateNumber: cert.number,
      ground: 'fraud',
      rule: 'L04',
      decidedOn: '2026-03-02',
    });
    expect(new Set(p.accepted.map((r) => r.kind))).toEqual(new Set(['warning', 'inspection-result', 'licence-revoked']));
    expect(p.headers[0]).toMatchObject({ 'x-publicity-schema-version': '1.0' });
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(creditPublicityJsonSchema());
    for (const r of p.accepted) expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
  });

  it('R12: the system took a record but its answer was lost: the retry carries the same Idempotency-Key, so it is published once, with no duplicate', async () => {
    await insertRow(USCC, 'warning:lost-answer', 'warning');
    await insertRow(USCC, 'warning:after', 'warning');
    let first = true;
    const p = await peer(() => (first ? ((first = false), 'accept-then-hang') : 'ok'));
    sender(p.url);
    await eventually(() => publicityBacklog(db.pool), (b) => b.pending === 0);
    const after = await rows();
    expect(after.map((r) => [r.record_key, r.seq, r.ack_count])).toEqual([['warning:lost-answer', 1, 1], ['warning:after', 2, 1]]);
    expect(after[0]!.attempts).toBeGreaterThanOrEqual(2);
    expect(p.duplicates).toBeGreaterThanOrEqual(1);
    expect(p.accepted.map((r) => r.recordKey)).toEqual(['warning:lost-answer', 'warning:after']);
  });

  it('R12: a record the system refuses parks its enterprise (later records wait) while other enterprises go on; ops requeue it and the stream resumes', async () => {
    await insertRow(ENTERPRISES[0]!, 'warning:refused', 'warning');
    await insertRow(ENTERPRISES[0]!, 'warning:waits', 'warning');
    await insertRow(ENTERPRISES[1]!, 'warning:other', 'warning');
    const p = await peer((r) => (r.recordKey === 'warning:refused' ? { status: 422 } : 'ok'));
    sender(p.url);
    await eventually(() => publicityBacklog(db.pool), (b) => b.parked === 1 && b.pending === 1);
    expect(p.accepted.map((r) => r.recordKey)).toEqual(['warning:other']);
    p.mode = 'ok';
    expect(await requeueParkedPublicity(db.pool, 'warning:refused')).toBe(true);
    await eventually(() => publicityBacklog(db.pool), (b) => b.pending === 0 && b.parked === 0);
    expect(p.accepted.map((r) => r.recordKey)).toEqual(['warning:other', 'warning:refused', 'warning:waits']);
    expect(p.orderViolations).toEqual([]);
  });

  it('R12: two writers of the same enterprise at once get gap-free sequences in commit order; a duplicate insert leaves no gap', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, k) => insertRow(USCC, `warning:c${k}`, 'warning')));
    await insertRow(USCC, 'warning:c3', 'warning');
    await insertRow(USCC, 'warning:last', 'warning');
    expect((await rows()).map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  it('R12: every worker runs the credit-publicity sender when PUBLICITY_URL is set, not when it is unset or PUBLICITY_SENDER=off', async () => {
    const p = await peer();
    expect(startPublicitySender(loadConfig({}), db.pool)).toBeUndefined();
    expect(startPublicitySender(loadConfig({ PUBLICITY_URL: p.url, PUBLICITY_SENDER: 'off' }), db.pool)).toBeUndefined();
    const s = startPublicitySender(loadConfig({ PUBLICITY_URL: p.url, PUBLICITY_TOKEN: 'secret-token' }), db.pool)!;
    senders.push(s);
    await insertRow(USCC, 'warning:configured', 'warning');
    await eventually(() => publicityBacklog(db.pool), (b) => b.pending === 0);
    expect(p.accepted.map((r) => r.recordKey)).toEqual(['warning:configured']);
    expect(p.headers[0]).toMatchObject({ authorization: 'Bearer secret-token', 'idempotency-key': publicityRecordId('warning:configured') });
  });

  it('R12: the record format document embeds exactly the schema the sender enforces', () => {
    const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'credit-publicity.md'), 'utf8');
    const block = /## JSON Schema[^\n]*\n```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(block, 'docs/credit-publicity.md has no JSON Schema block').toBeDefined();
    expect(JSON.parse(block!)).toEqual(creditPublicityJsonSchema());
  });
});
