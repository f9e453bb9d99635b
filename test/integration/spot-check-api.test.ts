/** R15 over HTTP: the laboratory register, spot-check rounds and a spot check's steps, on the real API, worker, Temporal dev server and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChanges } from '../../db/register-audit';
import { drawInspectees } from '../../domain/supervision/draw';
import { OPS_QUERIES } from '../../domain/ops-queries';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { freshUscc } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';
import { api, bearer, eventually, type Harness, newId, startHarness } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const supBJ = () => bearer({ role: 'supervisor', province: 'BJ', sub: 'sup-bj' });
const supSH = () => bearer({ role: 'supervisor', province: 'SH', sub: 'sup-sh' });
const ent = (uscc: string) => bearer({ role: 'applicant', uscc, sub: `ent-${uscc}` });

describe('laboratory register (R15)', () => {
  it("R15: a supervisor adds, suspends and links his own province's laboratories, every change audited; another province's is a 422 (adding) or a 404", async () => {
    const uscc = freshUscc();
    const ok = await api(h).post('/laboratories').set(await supBJ()).send({ id: 'LAB-BJ-1', name: '北京市产品质量监督检验所', province: 'BJ' });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ id: 'LAB-BJ-1', name: '北京市产品质量监督检验所', province: 'BJ', suspended: false, links: [] });
    const other = await api(h).post('/laboratories').set(await supBJ()).send({ id: 'LAB-SH-1', name: '上海', province: 'SH' });
    expect([other.status, other.body.errors]).toEqual([422, [expect.objectContaining({ path: 'province' })]]);
    const link = await api(h).post('/laboratories/LAB-BJ-1/links').set(await supBJ()).send({ uscc, relation: 'owned-by', reason: 'wholly owned subsidiary' });
    expect(link.body.links).toEqual([{ uscc, relation: 'owned-by', reason: 'wholly owned subsidiary' }]);
    const bad = await api(h).post('/laboratories/LAB-BJ-1/links').set(await supBJ()).send({ uscc, relation: 'friend', reason: 'x y z' });
    expect([bad.status, bad.body.errors[0].path]).toEqual([422, 'relation']);
    const s = await api(h).post('/laboratories/LAB-BJ-1/suspension').set(await supBJ()).send({ suspended: true, reason: 'accreditation lapsed' });
    expect(s.body.suspended).toBe(true);
    expect((await api(h).post('/laboratories/LAB-BJ-1/suspension').set(await supSH()).send({ suspended: false, reason: 'anything' })).status).toBe(404);
    expect((await api(h).get('/laboratories').query({ province: 'BJ' }).set(await supSH())).status).toBe(403);
    expect((await api(h).get('/laboratories').set(await supBJ())).body.items.map((l: { id: string }) => l.id)).toContain('LAB-BJ-1');
    const changes = await registerChanges(h.db.pool, 'laboratories', 'LAB-BJ-1');
    expect(changes.map((c) => [c.action, c.actorId])).toEqual([
      ['laboratory-added', 'sup-bj'],
      ['laboratory-owned-by-recorded', 'sup-bj'],
      ['laboratory-suspended', 'sup-bj'],
    ]);
    expect(changes[2]).toMatchObject({ before: { suspended: false }, after: { suspended: true, reason: 'accreditation lapsed' }, requestId: s.headers['x-request-id'] });
  });
});

describe('spot checks over HTTP (R15)', () => {
  it('R15: a drawn round keeps seed, population and result, and re-runs to the same answer; planned again once it has run, neither it nor a spot check runs twice; a named enterprise without a licence for the product is a 422 naming it', async () => {
    const usccs = Array.from({ length: 6 }, () => freshUscc());
    await seedLicences(h.db.pool, usccs.map((uscc) => ({ number: `BJ-${newId()}`, uscc, province: 'BJ', product: 'steel-bar' })));
    const stranger = freshUscc();
    const named = await api(h).post('/spot-rounds').set(await supBJ()).send({ id: newId('SR'), product: 'steel-bar', usccs: [usccs[0], stranger] });
    expect([named.status, named.body.errors]).toEqual([422, [{ path: 'usccs.1', message: expect.stringMatching(/holds no licence of BJ for steel-bar/) }]]);
    const id = newId('SR');
    const r = await api(h).post('/spot-rounds').set(await supBJ()).send({ id, product: 'steel-bar', seed: 'seed-1', rates: { A: 0.5, B: 0.5 } });
    expect(r.status).toBe(201);
    expect((await api(h).post('/spot-rounds').set(await supBJ()).send({ id, product: 'steel-bar', seed: 'seed-1', rates: { A: 0.5, B: 0.5 } })).status).toBe(200);
    const round = await eventually(async () => {
      const g = await api(h).get(`/spot-rounds/${id}`).set(await supBJ());
      return g.body.draw && g.body.spotChecks.length === g.body.draw.selected.length ? g.body : undefined;
    });
    expect(round.draw.population).toHaveLength(6);
    expect(round.draw.selected).toHaveLength(3);
    const again = drawInspectees({ seed: round.seed, province: 'BJ', population: round.draw.population, rates: round.rates });
    expect(again.selected).toEqual(round.draw.selected);
    expect((await api(h).get(`/spot-rounds/${id}`).set(await supSH())).status).toBe(404);
    // The same round planned again once it has run starts nothing: neither the round nor any of its spot checks runs twice.
    await eventually(async () => ((await h.env.client.workflow.getHandle(`spot-round/${id}`).describe()).status.name === 'COMPLETED' ? true : undefined));
    expect((await api(h).post('/spot-rounds').set(await supBJ()).send({ id, product: 'steel-bar', seed: 'seed-1', rates: { A: 0.5, B: 0.5 } })).status).toBe(200);
    const runs = async (query: string) => {
      let n = 0;
      for await (const _ of h.env.client.workflow.list({ query })) n++;
      return n;
    };
    await new Promise((r) => setTimeout(r, 1500));
    expect(await runs(`WorkflowId = 'spot-round/${id}'`)).toBe(1);
    for (const c of round.spotChecks as { id: string }[]) expect(await runs(`WorkflowId = 'spot-check/${c.id}'`)).toBe(1);
  });

  it("R15: over HTTP the enterprise's own laboratory is a 422 naming the conflict; the enterprise sees its failing result and objection deadline and objects in time, another enterprise gets 404; a limit in the past and the first laboratory for the re-test are 422s; the open window shows in the documented query", async () => {
    const uscc = freshUscc();
    await seedLicences(h.db.pool, [{ number: `BJ-${newId()}`, uscc, province: 'BJ', product: 'cement' }]);
    for (const id of ['LAB-BJ-A', 'LAB-BJ-B', 'LAB-BJ-OWN']) await api(h).post('/laboratories').set(await supBJ()).send({ id, name: id, province: 'BJ' });
    await api(h).post('/laboratories/LAB-BJ-OWN/links').set(await supBJ()).send({ uscc, relation: 'owned-by', reason: 'the enterprise owns it' });
    const roundId = newId('SR');
    expect((await api(h).post('/spot-rounds').set(await supBJ()).send({ id: roundId, product: 'cement', usccs: [uscc] })).status).toBe(201);
    const id = `${roundId}-${uscc}`;
    const path = `/spot-checks/${id}`;
    await eventually(async () => ((await api(h).get(path).set(await supBJ())).body.workflow?.stage === 'sampling' ? true : undefined));
    const sample = { sampleId: 'S-001', quantity: 4, unit: 'bags', sealed: true, sampledBy: ['I-BJ-1', 'I-BJ-2'] };
    // The document says `sealed` is `true` (const), and the API refuses anything else before the workflow: a 422 naming it.
    const unsealed = await api(h).post(`${path}/sampling`).set(await supBJ()).send({ ...sample, sealed: false });
    expect([unsealed.status, unsealed.body.errors?.[0]?.path]).toEqual([422, 'sealed']);
    const first = await api(h).post(`${path}/sampling`).set(await supBJ()).set('Idempotency-Key', 'sample-001').send(sample);
    expect([first.status, first.body.stage]).toEqual([200, 'testing']);
    const repeat = await api(h).post(`${path}/sampling`).set(await supBJ()).set('Idempotency-Key', 'sample-001').send(sample);
    expect([repeat.status, repeat.body.sample.at]).toEqual([200, first.body.sample.at]);
    expect((await api(h).post(`${path}/sampling`).set(await supSH()).send(sample)).status).toBe(404);
    const own = await api(h).post(`${path}/laboratory`).set(await supBJ()).send({ laboratoryId: 'LAB-BJ-OWN' });
    expect(own.status).toBe(422);
    expect(own.body.errors).toEqual([{ path: 'laboratoryId', message: expect.stringMatching(/LAB-BJ-OWN is owned by the enterprise .* \(the enterprise owns it\)/) }]);
    expect((await api(h).post(`${path}/laboratory`).set(await supBJ()).send({ laboratoryId: 'LAB-BJ-A' })).status).toBe(200);
    const past = await api(h).post(`${path}/result`).set(await supBJ()).send({ outcome: 'fail', findings: 'strength below grade', rectifyBy: shanghaiDate(Date.now()) });
    expect([past.status, past.body.errors?.[0]?.path]).toEqual([422, 'rectifyBy']);
    const failed = await api(h).post(`${path}/result`).set(await supBJ()).set('Idempotency-Key', 'result-001').send({ outcome: 'fail', findings: 'strength below grade' });
    expect([failed.status, failed.body.stage]).toEqual([200, 'objection-window']);
    // The enterprise sees its failing result and the last day to object; another enterprise sees nothing.
    const seen = await api(h).get(path).set(await ent(uscc));
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ result: 'fail', notifiedOn: shanghaiDate(Date.now()), objectionDeadline: failed.body.objection.deadline, workflow: { test: { result: { findings: 'strength below grade' } } } });
    expect(failed.body.objection.deadline >= addCalendarDays(shanghaiDate(Date.now()), 15)).toBe(true);
    expect((await api(h).get('/spot-checks').set(await ent(uscc))).body.items.map((x: { id: string }) => x.id)).toEqual([id]);
    const other = freshUscc();
    expect((await api(h).get(path).set(await ent(other))).status).toBe(404);
    expect((await api(h).post(`${path}/objection`).set(await ent(other)).send({ reason: 'not ours to object' })).status).toBe(404);
    expect((await api(h).get('/spot-checks').set(await ent(other))).body.items).toEqual([]);
    expect((await api(h).post(`${path}/objection`).set(await supBJ()).send({ reason: 'staff cannot' })).status).toBe(403);
    const open = await eventually(async () => {
      const ids: string[] = [];
      for await (const w of h.env.client.workflow.list({ query: `${OPS_QUERIES.spotCheckObjectionWindowsOpen} AND LpUscc = '${uscc}'` })) ids.push(w.workflowId);
      return ids.length ? ids : undefined;
    });
    expect(open).toEqual([`spot-check/${id}`]);
    const objected = await api(h).post(`${path}/objection`).set(await ent(uscc)).set('Idempotency-Key', 'objection-1').send({ reason: 'the sample was stored wet' });
    expect([objected.status, objected.body.stage]).toEqual([200, 'retest']);
    const again = await api(h).post(`${path}/objection`).set(await ent(uscc)).send({ reason: 'once more' });
    expect(again.status).toBe(409);
    const firstLab = await api(h).post(`${path}/laboratory`).set(await supBJ()).send({ laboratoryId: 'LAB-BJ-A' });
    expect([firstLab.status, firstLab.body.errors?.[0]?.path]).toEqual([422, 'laboratoryId']);
    expect(firstLab.body.detail).toMatch(/made the first test/);
    expect((await api(h).post(`${path}/laboratory`).set(await supBJ()).send({ laboratoryId: 'LAB-BJ-B' })).status).toBe(200);
    expect((await api(h).post(`${path}/result`).set(await supBJ()).send({ outcome: 'pass' })).status).toBe(200);
    const closed = await eventually(async () => {
      const g = await api(h).get(path).set(await ent(uscc));
      return g.body.stage === 'closed' ? g.body : undefined;
    });
    expect(closed).toMatchObject({ finalResult: 'pass', retestLaboratoryId: 'LAB-BJ-B', workflow: { outcome: 'passed-on-retest' } });
    const late = await api(h).post(`${path}/result`).set(await supBJ()).send({ outcome: 'pass' });
    expect(late.status).toBe(409);
  });
});
