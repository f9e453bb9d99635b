/** R11, R17 over HTTP: the inspector register and grades, on the real API, worker, Temporal and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bearer, type Harness, startHarness, USCC_A, USCC_B } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const supBJ = () => bearer({ role: 'supervisor', province: 'BJ', sub: 'sup-bj' });
const supSH = () => bearer({ role: 'supervisor', province: 'SH', sub: 'sup-sh' });

describe('inspector register (R11)', () => {
  it("R11: a supervisor adds his own province's inspectors; one of another province is a 422 naming province", async () => {
    const ok = await api(h).post('/inspectors').set(await supBJ()).send({ id: 'I-BJ-1', name: '王五', province: 'BJ' });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ id: 'I-BJ-1', name: '王五', province: 'BJ', suspended: false, conflicts: [] });
    const other = await api(h).post('/inspectors').set(await supBJ()).send({ id: 'I-SH-1', name: '赵六', province: 'SH' });
    expect(other.status).toBe(422);
    expect(other.body.errors).toContainEqual(expect.objectContaining({ path: 'province' }));
    expect((await api(h).post('/inspectors').set(await supBJ()).send({ id: 'I-BJ-1', name: '王五五', province: 'BJ' })).status).toBe(200);
  });

  it('R11: suspension and conflicts are kept, listed and audited; another province cannot see or change them', async () => {
    await api(h).post('/inspectors').set(await supBJ()).send({ id: 'I-BJ-2', name: '钱七', province: 'BJ' });
    const s = await api(h).post('/inspectors/I-BJ-2/suspension').set(await supBJ()).send({ suspended: true, reason: 'on leave until March' });
    expect(s.status).toBe(200);
    expect(s.body.suspended).toBe(true);
    const k = await api(h).post('/inspectors/I-BJ-2/conflicts').set(await supBJ()).send({ uscc: USCC_A, reason: 'brother works there' });
    expect(k.body.conflicts).toEqual([{ uscc: USCC_A, reason: 'brother works there' }]);
    expect((await api(h).post('/inspectors/I-BJ-2/conflicts').set(await supSH()).send({ uscc: USCC_B, reason: 'anything' })).status).toBe(404);
    expect((await api(h).post('/inspectors/I-BJ-2/suspension').set(await supSH()).send({ suspended: false, reason: 'anything' })).status).toBe(404);
    const list = await api(h).get('/inspectors').set(await supBJ());
    expect(list.body.items.find((i: { id: string }) => i.id === 'I-BJ-2')).toMatchObject({ suspended: true, conflicts: [{ uscc: USCC_A }] });
    expect((await api(h).get('/inspectors').query({ province: 'BJ' }).set(await supSH())).status).toBe(403);
    expect((await api(h).get('/inspectors').set(await supSH())).body.items).toEqual([]);
    const audit = await h.db.pool.query(`SELECT action, actor_id, reason FROM audit_events WHERE details->>'inspectorId' = 'I-BJ-2' OR details->>'id' = 'I-BJ-2' ORDER BY id`);
    expect(audit.rows).toEqual([
      { action: 'inspector-added', actor_id: 'sup-bj', reason: null },
      { action: 'inspector-suspended', actor_id: 'sup-bj', reason: 'on leave until March' },
      { action: 'inspector-conflict-recorded', actor_id: 'sup-bj', reason: 'brother works there' },
    ]);
  });

  it('R11: an inspector token is bound to a province and may not read approval cases', async () => {
    const insp = await bearer({ role: 'inspector', province: 'BJ', sub: 'I-BJ-1' });
    expect((await api(h).get('/applications').set(insp)).status).toBe(403);
    expect((await api(h).get('/inspectors').set(insp)).status).toBe(403);
  });
});
