/**
 * R14, R16 end to end on the dev server: the risk-signal routes (local, received), the e-CQS
 * record a local signal produces, campaigns started over the API, the supervisor's decision, and
 * the documented Temporal UI queries that find running and proposed campaigns.
 */
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordTestedSample } from '../../db/campaigns';
import { upsertInspector } from '../../db/inspectors';
import { OPS_QUERIES } from '../../domain/ops-queries';
import { ecqsJsonSchema } from '../../domain/samr/ecqs';
import { shanghaiDate } from '../../domain/time';
import { freshUscc } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';
import { api, bearer, eventually, type Harness, sha, startHarness } from './api-helpers';

let h: Harness;
const SUP = { role: 'supervisor' as const, province: 'BJ' };
const [STEEL_A, STEEL_B, CEMENT_A, FERT_A] = [freshUscc(), freshUscc(), freshUscc(), freshUscc()];

beforeAll(async () => {
  h = await startHarness();
  await seedLicences(h.db.pool, [
    { number: 'BJ-CA-S1', uscc: STEEL_A, province: 'BJ', product: 'steel-bar' },
    { number: 'BJ-CA-S2', uscc: STEEL_B, province: 'BJ', product: 'steel-bar' },
    { number: 'BJ-CA-C1', uscc: CEMENT_A, province: 'BJ', product: 'cement' },
    { number: 'SH-CA-F1', uscc: FERT_A, province: 'SH', product: 'fertiliser' },
  ]);
  for (const id of ['I-CA-1', 'I-CA-2', 'I-CA-3']) await upsertInspector(h.db.pool, { id, name: id, province: 'BJ' }, { id: 'ops', role: 'ops' }, new Date().toISOString());
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const body = (over: Record<string, unknown> = {}) => ({
  product: 'cement',
  region: '北京市朝阳区',
  kind: 'failed-test',
  source: 'spot check SC-2026-1',
  summary: '抗压强度不合格',
  evidence: [{ sha256: sha('report'), description: '检验报告' }],
  occurredOn: shanghaiDate(Date.now()),
  ...over,
});

async function ids(query: string): Promise<string[]> {
  const out: string[] = [];
  for await (const wf of h.env.client.workflow.list({ query })) out.push(wf.workflowId);
  return out.sort();
}

describe('risk signals over the API (R14)', () => {
  it('R14: a supervisor records a signal: 201, its e-CQS risk-signal record valid against the contract, listed; the same Idempotency-Key answers 200 with the first; bad input is a 422 naming the field', async () => {
    const auth = await bearer(SUP);
    const first = await api(h).post('/risk-signals').set(auth).set('Idempotency-Key', 'sig-key-0001').send(body({ uscc: CEMENT_A, kind: 'substantiated-report' }));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.signal).toMatchObject({ province: 'BJ', origin: 'local', uscc: CEMENT_A, recordedBy: 'supervisor-BJ' });
    expect(first.body.grade.grade.grade).toBe('C'); // cement is high-risk (1) + substantiated information (2)
    const again = await api(h).post('/risk-signals').set(auth).set('Idempotency-Key', 'sig-key-0001').send(body({ uscc: CEMENT_A, kind: 'substantiated-report' }));
    expect(again.status).toBe(200);
    expect(again.body.signal.id).toBe(first.body.signal.id);
    const rows = (await h.db.pool.query(`SELECT payload FROM ecqs_outbox WHERE case_id = 'risk-signals/BJ' ORDER BY seq`)).rows;
    expect(rows).toHaveLength(1);
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(ecqsJsonSchema());
    expect(validate(rows[0].payload), JSON.stringify(validate.errors)).toBe(true);
    expect(rows[0].payload).toMatchObject({ schemaVersion: '1.1', event: 'risk-signal', enterprise: { uscc: CEMENT_A }, signal: { id: first.body.signal.id, kind: 'substantiated-report' } });
    const list = await api(h).get('/risk-signals').set(auth).query({ uscc: CEMENT_A });
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([first.body.signal.id]);
    expect((await api(h).get('/risk-signals').set(await bearer({ role: 'supervisor', province: 'SH' })).query({ province: 'BJ' })).status).toBe(403);

    const bad = async (over: Record<string, unknown>, path: string) => {
      const r = await api(h).post('/risk-signals').set(auth).send(body(over));
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    };
    await bad({ occurredOn: '2099-01-01' }, 'occurredOn');
    await bad({ serious: true }, 'serious');
    await bad({ uscc: FERT_A }, 'uscc'); // a licensee of SH, not of BJ
    await bad({ evidence: [{ sha256: 'not-a-hash' }] }, 'evidence.0.sha256');
  });

  it('R14: a signal about a licensee that occurred before any risk policy (2019) is recorded at once (201), the grade computed as of today (it hung: the activity failed for good)', async () => {
    const uscc = freshUscc();
    await seedLicences(h.db.pool, [{ number: `BJ-OLD-${Date.now()}`, uscc, province: 'BJ', product: 'cement' }]);
    const r = await api(h).post('/risk-signals').set(await bearer(SUP)).timeout(20_000).send(body({ uscc, kind: 'substantiated-report', occurredOn: '2019-03-01' }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.signal).toMatchObject({ uscc, occurredOn: '2019-03-01' });
    expect(r.body.grade.grade.grade).toEqual(expect.stringMatching(/^[A-D]$/));
  });

  it("R14: SAMR passes on another province's signal about a licensee: recorded as received, raises its grade, not sent back; about an enterprise that is no licensee there it is a 422; a supervisor may not send it", async () => {
    const samr = await bearer({ role: 'samr' });
    const received = { ...body({ product: 'fertiliser', kind: 'failed-test', source: 'province GD (e-CQS)' }), province: 'SH', uscc: FERT_A, reference: 'ecqs-0b7f3c2a-1' };
    const r = await api(h).post('/samr/risk-signals').set(samr).send(received);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.signal).toMatchObject({ province: 'SH', origin: 'received', uscc: FERT_A });
    expect(r.body.grade.grade.grade).toBe('B');
    expect((await api(h).post('/samr/risk-signals').set(samr).send(received)).status).toBe(200);
    expect((await h.db.pool.query(`SELECT count(*)::int AS n FROM ecqs_outbox WHERE case_id = 'risk-signals/SH'`)).rows[0].n).toBe(0);
    const unknown = await api(h).post('/samr/risk-signals').set(samr).send({ ...received, uscc: STEEL_A, reference: 'ecqs-0b7f3c2a-2' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].path).toBe('uscc');
    expect((await api(h).post('/samr/risk-signals').set(await bearer(SUP)).send(received)).status).toBe(403);
  });
});

describe('campaigns over the API (R16)', () => {
  it('R16: a serious accident starts a campaign that the documented UI query finds running with its progress; 3 failures of 20 samples propose one that a supervisor confirms once (another province: 404; again: 409)', async () => {
    const auth = await bearer(SUP);
    const accident = await api(h).post('/risk-signals').set(auth).send(body({ product: 'steel-bar', kind: 'accident', serious: true, uscc: STEEL_A, summary: '钢筋断裂' }));
    expect(accident.status, JSON.stringify(accident.body)).toBe(201);
    expect(accident.body.campaigns).toEqual([{ campaignId: 'BJ-steel-bar-1', product: 'steel-bar', created: true, autoStart: true, status: 'proposed' }]);
    const running = await eventually(async () => {
      const r = await api(h).get('/campaigns/BJ-steel-bar-1').set(auth);
      return r.body.status === 'running' && r.body.progress?.started === 2 ? r.body : undefined;
    }, 30_000, 'campaign started');
    expect(running.progress).toMatchObject({ licensees: 2, started: 2, inspected: 0 });
    expect(await eventually(async () => ((await ids(OPS_QUERIES.campaignsRunningIn('BJ'))).includes('campaign/BJ-steel-bar-1') ? true : undefined))).toBe(true);
    const desc = await h.env.client.workflow.getHandle('campaign/BJ-steel-bar-1').describe();
    expect(desc.searchAttributes.LpProgress).toEqual([0]);
    expect(await ids(OPS_QUERIES.campaignsRunningIn('SH'))).toEqual([]);
    // Behind: under 50 % inspected with the window ending before a date after its end; not before its end.
    expect(await ids(OPS_QUERIES.campaignsBehind(50, '2099-01-01T00:00:00Z'))).toContain('campaign/BJ-steel-bar-1');
    expect(await ids(OPS_QUERIES.campaignsBehind(50, new Date().toISOString()))).not.toContain('campaign/BJ-steel-bar-1');

    // The failure rate: 17 passing samples and 3 failed tests of cement in Beijing.
    for (let i = 0; i < 17; i++) await recordTestedSample(h.db.pool, { sampleKey: `CA-${i}`, province: 'BJ', product: 'cement', testedOn: shanghaiDate(Date.now()), failed: false, source: 'round 1' });
    let last;
    for (let i = 0; i < 3; i++) last = await api(h).post('/risk-signals').set(auth).send(body());
    expect(last!.body.campaigns).toEqual([{ campaignId: 'BJ-cement-1', product: 'cement', created: true, autoStart: false, status: 'proposed' }]);
    const listed = await api(h).get('/campaigns').set(auth);
    expect(listed.body.items.find((c: { id: string }) => c.id === 'BJ-cement-1').triggers).toEqual([expect.objectContaining({ kind: 'threshold', samples: 20, failures: 3 })]);
    expect(await eventually(async () => ((await ids(OPS_QUERIES.campaignsAwaitingConfirmation)).includes('campaign/BJ-cement-1') ? true : undefined))).toBe(true);
    expect((await api(h).post('/campaigns/BJ-cement-1/decision').set(await bearer({ role: 'supervisor', province: 'SH' })).send({ decision: 'confirm' })).status).toBe(404);
    expect((await api(h).post('/campaigns/BJ-cement-1/decision').set(auth).send({ decision: 'decline' })).status).toBe(422);
    const ok = await api(h).post('/campaigns/BJ-cement-1/decision').set(auth).set('Idempotency-Key', 'decide-cement-1').send({ decision: 'confirm' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ stage: 'inspecting', decidedBy: 'supervisor-BJ', batchId: 'campaign-BJ-cement-1' });
    expect((await api(h).post('/campaigns/BJ-cement-1/decision').set(auth).set('Idempotency-Key', 'decide-cement-1').send({ decision: 'confirm' })).body).toEqual(ok.body);
    expect((await api(h).post('/campaigns/BJ-cement-1/decision').set(auth).send({ decision: 'confirm' })).status).toBe(409);
  });
});
