/** R11, R17 over HTTP: the inspector register and grades, on the real API, worker, Temporal and PostgreSQL. */
import { registerChanges } from '../../db/register-audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS_QUERIES } from '../../domain/ops-queries';
import { ensureRiskGradeSchedule } from '../../workers/grade-schedule';
import { shanghaiDate } from '../../domain/time';
import { freshUscc } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';
import { api, bearer, eventually, type Harness, startHarness, USCC_A, USCC_B } from './api-helpers';

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

  it('R-c: a NUL character in a body string is a 422 naming the field (PostgreSQL text cannot hold it), not a 503', async () => {
    const r = await api(h).post('/inspectors').set(await supBJ()).send({ id: 'I-BJ-NUL', name: '王\u0000五', province: 'BJ' });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ path: 'name', message: expect.stringContaining('NUL') }]);
    const nested = await api(h).post('/inspectors/I-BJ-1/conflicts').set(await supBJ()).send({ uscc: USCC_A, reason: 'a\u0000b' });
    expect(nested.status).toBe(422);
    expect(nested.body.errors).toEqual([{ path: 'reason', message: expect.stringContaining('NUL') }]);
    expect((await api(h).get('/inspectors').set(await supBJ())).body.items.map((i: { id: string }) => i.id)).not.toContain('I-BJ-NUL');
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
    // Every change in the register audit, with who, what it was and what it became, and the request.
    const changes = [...(await registerChanges(h.db.pool, 'inspectors', 'I-BJ-2')), ...(await registerChanges(h.db.pool, 'inspector-conflicts', 'I-BJ-2'))];
    expect(changes.map((c) => [c.action, c.actorId])).toEqual([
      ['inspector-added', 'sup-bj'],
      ['inspector-suspended', 'sup-bj'],
      ['inspector-conflict-recorded', 'sup-bj'],
    ]);
    expect(changes[0]!.before).toBeNull();
    expect(changes[1]).toMatchObject({ before: { suspended: false }, after: { suspended: true, reason: 'on leave until March' }, requestId: s.headers['x-request-id'] });
    expect(changes[2]).toMatchObject({ after: { uscc: USCC_A, reason: 'brother works there' }, requestId: k.headers['x-request-id'] });
  });

  it('R11: an inspector token is bound to a province and may not read approval cases', async () => {
    const insp = await bearer({ role: 'inspector', province: 'BJ', sub: 'I-BJ-1' });
    expect((await api(h).get('/applications').set(insp)).status).toBe(403);
    expect((await api(h).get('/inspectors').set(insp)).status).toBe(403);
  });
});

describe('plans and batches (R11)', () => {
  const today = () => shanghaiDate(Date.now());
  const year = () => Number(today().slice(0, 4));

  it('R11: overlapping batches, a batch in the past and a rate outside 0–1 are 422s naming the field', async () => {
    const y = year() + 1;
    const overlap = await api(h).post('/plans').set(await supBJ()).send({
      id: 'PLAN-OVERLAP',
      year: y,
      batches: [
        { startsOn: `${y}-03-01`, endsOn: `${y}-03-31`, scope: 'all' },
        { startsOn: `${y}-03-20`, endsOn: `${y}-04-10`, scope: 'all' },
      ],
    });
    expect(overlap.status).toBe(422);
    expect(overlap.body.errors).toContainEqual(expect.objectContaining({ path: 'batches.1.startsOn', message: expect.stringMatching(/overlaps batch 0/) }));
    const past = await api(h).post('/plans').set(await supBJ()).send({ id: 'PLAN-PAST', year: year(), batches: [{ startsOn: `${year()}-01-01`, endsOn: `${year()}-01-02`, scope: 'all' }] });
    expect(past.status).toBe(422);
    expect(past.body.errors).toContainEqual(expect.objectContaining({ path: 'batches.0.startsOn', message: expect.stringMatching(/past/) }));
    const rate = await api(h).post('/plans').set(await supBJ()).send({ id: 'PLAN-RATE', year: y, batches: [{ startsOn: `${y}-05-01`, endsOn: `${y}-05-02`, scope: 'all', rates: { C: 1.5 } }] });
    expect(rate.status).toBe(422);
    expect(rate.body.errors).toContainEqual(expect.objectContaining({ path: 'batches.0.rates.C' }));
  });

  it('R11: a batch runs from its Temporal Schedule, keeps its draw, and only its team records the result, once (the same Idempotency-Key repeated gets the first answer)', async () => {
    const province = 'CQ';
    const sup = await bearer({ role: 'supervisor', province, sub: 'sup-cq' });
    const usccs = [freshUscc(), freshUscc(), freshUscc()];
    await seedLicences(h.db.pool, usccs.map((uscc, i) => ({ number: `CQ-${Date.now()}-${i}`, uscc, province })));
    for (const id of ['I-CQ-1', 'I-CQ-2', 'I-CQ-3']) expect((await api(h).post('/inspectors').set(sup).send({ id, name: id, province })).status).toBe(201);
    const plan = await api(h).post('/plans').set(sup).send({ id: 'PLAN-CQ', year: year(), batches: [{ startsOn: today(), endsOn: today(), scope: 'all licensees', rates: { A: 1, B: 1 } }] });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    const batch = plan.body.batches[0];
    const schedule = h.env.client.schedule.getHandle(batch.scheduleId);
    const desc = await schedule.describe();
    expect(desc.spec.timezone).toBe('Asia/Shanghai');
    expect(desc.spec.calendars?.[0]).toMatchObject({ year: [{ start: year(), end: year(), step: 1 }], hour: [{ start: 0, end: 0, step: 1 }] });
    expect(desc.action).toMatchObject({ workflowType: 'inspectionBatch' });
    // Its date is today, 00:05 may have passed: run it now, as the server would on the date.
    await schedule.trigger();
    const read = await eventually(async () => {
      const r = await api(h).get(`/batches/${batch.id}`).set(sup);
      return r.body.tasks?.started === 3 ? r.body : undefined;
    }, 30_000, 'the batch to start its tasks');
    expect(read.draw).toMatchObject({ seed: expect.any(String), algorithm: 'per-grade-sfc32-fisher-yates-v1', rates: { A: 1, B: 1 } });
    expect(read.draw.population.map((p: { uscc: string }) => p.uscc).sort()).toEqual([...usccs].sort());
    const task = (await api(h).get('/inspection-tasks').query({ batchId: batch.id }).set(sup)).body.items[0];
    const [member] = task.team as string[];
    const outsider = ['I-CQ-1', 'I-CQ-2', 'I-CQ-3'].find((i) => !task.team.includes(i))!;
    const mine = await api(h).get('/inspection-tasks').set(await bearer({ role: 'inspector', province, sub: member }));
    expect(mine.body.items.every((t: { team: string[] }) => t.team.includes(member!))).toBe(true);
    const url = `/inspection-tasks/${batch.id}/${task.uscc}/result`;
    await eventually(async () => ((await api(h).get(`/inspection-tasks/${batch.id}/${task.uscc}`).set(sup)).body.workflow?.stage === 'inspecting' ? true : undefined));
    const denied = await api(h).post(url).set(await bearer({ role: 'inspector', province, sub: outsider })).send({ outcome: 'pass' });
    expect(denied.status).toBe(403);
    const asMember = await bearer({ role: 'inspector', province, sub: member });
    const first = await api(h).post(url).set(asMember).set('Idempotency-Key', 'result-key-1').send({ outcome: 'pass' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.result).toMatchObject({ outcome: 'pass', by: member });
    const repeat = await api(h).post(url).set(asMember).set('Idempotency-Key', 'result-key-1').send({ outcome: 'pass' });
    expect([repeat.status, repeat.body.result]).toEqual([200, first.body.result]);
    const second = await api(h).post(url).set(asMember).set('Idempotency-Key', 'result-key-2').send({ outcome: 'refused' });
    expect(second.status).toBe(409);
  });
});

describe('finding stuck batches (R11)', () => {
  it('R11: a batch that cannot be staffed is found by the documented Temporal UI query, and a staffing request goes to it', async () => {
    const province = 'GZ';
    const sup = await bearer({ role: 'supervisor', province, sub: 'sup-gz' });
    await seedLicences(h.db.pool, [{ number: `GZ-${Date.now()}`, uscc: freshUscc(), province }]);
    const y = Number(shanghaiDate(Date.now()).slice(0, 4));
    const plan = await api(h).post('/plans').set(sup).send({ id: 'PLAN-GZ', year: y, batches: [{ startsOn: shanghaiDate(Date.now()), endsOn: shanghaiDate(Date.now()), scope: 'all', rates: { A: 1 } }] });
    expect(plan.status).toBe(201);
    const batch = plan.body.batches[0];
    await h.env.client.schedule.getHandle(batch.scheduleId).trigger();
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.env.client.workflow.list({ query: `${OPS_QUERIES.batchesNotFullyStaffed} AND LpProvince = '${province}'` })) ids.push(wf.workflowId);
      return ids.length ? ids : undefined;
    }, 30_000, 'the unstaffed batch in visibility');
    expect(found[0]).toMatch(new RegExp(`^batch/${batch.id}`));
    const read = (await api(h).get(`/batches/${batch.id}`).set(sup)).body;
    expect(read.workflow.stage).toBe('waiting-for-staff');
    expect(read.tasks.unstaffed[0].problem).toMatch(/0 eligible inspector\(s\)/);
    expect((await api(h).post(`/batches/${batch.id}/staffing`).set(sup).send({})).status).toBe(202);
  });
});

describe("an imported licence's rectification (R15, R11)", () => {
  it("R15: a failing routine inspection of an imported licence opens its rectification, reached by certificate number (read, team, re-check) with the follow-up routes' permissions; R11: a drawn verifier records the result as inspector", async () => {
    const province = 'AH';
    const uscc = freshUscc();
    const number = `(皖)XK08-001-${String(Date.now() % 100000).padStart(5, '0')}`;
    await seedLicences(h.db.pool, [{ number, uscc, province }]);
    const verifiers = [`V-AH-${Date.now()}-1`, `V-AH-${Date.now()}-2`];
    for (const id of verifiers) expect((await api(h).post('/verifiers').set(await bearer({ role: 'ops' })).send({ id, name: id, certifiedBy: province, certifiedUntil: '2099-12-31' })).status).toBe(201);
    const y = Number(shanghaiDate(Date.now()).slice(0, 4)) + 1;
    const sup = await bearer({ role: 'supervisor', province, sub: 'sup-ah' });
    const plan = await api(h).post('/plans').set(sup).send({ id: `PLAN-AH-${Date.now()}`, year: y, batches: [{ startsOn: `${y}-03-01`, endsOn: `${y}-03-31`, scope: 'all' }] });
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    const batchId = plan.body.batches[0].id as string;
    // The batch's draw, staffed with a verifier and an officer (as staffBatch would), and its task started.
    const team = [verifiers[0]!, 'I-AH-1'];
    const taskId = `${batchId}/${uscc}`;
    const key = `rect-${Date.now()}`;
    await h.db.pool.query(`INSERT INTO inspection_tasks (id, batch_id, province, uscc, grade, team, due_on, started_at) VALUES ($1, $2, $3, $4, 'A', $5, $6, now())`, [
      taskId, batchId, province, uscc, JSON.stringify(team), `${y}-03-31`,
    ]);
    await h.env.client.workflow.start('inspectionTask', {
      taskQueue: h.taskQueue,
      workflowId: `inspection/${taskId}`,
      args: [{ taskId, batchId, province, uscc, grade: 'A', team, dueOn: `${y}-03-31` }],
    });
    const url = `/certificates/${encodeURIComponent(number)}/rectification`;
    expect((await api(h).get(url).set(sup)).status).toBe(404); // nothing failed yet
    const asVerifier = await bearer({ role: 'inspector', province, sub: verifiers[0]! });
    const result = await eventually(async () => {
      const r = await api(h).post(`/inspection-tasks/${batchId}/${uscc}/result`).set(asVerifier).set('Idempotency-Key', `r-${key}`).send({ outcome: 'problems-found', findings: 'no incoming-inspection records' });
      return r.status === 200 ? r : undefined;
    }, 20_000, 'the task to take the result');
    expect(result.body.result).toMatchObject({ outcome: 'problems-found', by: verifiers[0] });
    const open = await eventually(async () => {
      const r = await api(h).get(url).set(sup);
      return r.status === 200 ? r.body : undefined;
    }, 20_000, 'the rectification to open');
    expect(open).toMatchObject({ workflowId: `inspection/${taskId}/rectification/${number}`, certificateNumber: number, stage: 'rectifying', round: 2 });
    // The follow-up routes' permissions: the holder and the province read it; another province or enterprise gets the 404 of a certificate that does not exist.
    expect((await api(h).get(url).set(await bearer({ role: 'applicant', uscc }))).status).toBe(200);
    expect((await api(h).get(url).set(await bearer({ role: 'applicant', uscc: USCC_B }))).status).toBe(404);
    expect((await api(h).get(url).set(await bearer({ role: 'supervisor', province: 'SH' }))).status).toBe(404);
    expect((await api(h).post(`${url}/team`).set(await bearer({ role: 'supervisor', province: 'SH' })).send({ verifierIds: verifiers })).status).toBe(404);
    expect((await api(h).post(`${url}/team`).set(await bearer({ role: 'approver', province })).send({ verifierIds: verifiers })).status).toBe(403);
    const assigned = await api(h).post(`${url}/team`).set(sup).set('Idempotency-Key', `t-${key}`).send({ verifierIds: verifiers });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect(assigned.body.team).toMatchObject({ verifierIds: verifiers, round: 2 });
    const recheck = await api(h).post(`${url}/inspection`).set(sup).set('Idempotency-Key', `i-${key}`).send({ outcome: 'pass', verifierIds: verifiers });
    expect(recheck.status, JSON.stringify(recheck.body)).toBe(200);
    const repeat = await api(h).post(`${url}/inspection`).set(sup).set('Idempotency-Key', `i-${key}`).send({ outcome: 'pass', verifierIds: verifiers });
    expect([repeat.status, repeat.body]).toEqual([200, recheck.body]);
    const closed = await eventually(async () => {
      const r = await api(h).get(url).set(sup);
      return r.body.stage === 'closed' ? r.body : undefined;
    }, 20_000, 'the rectification to close');
    expect(closed.outcome).toBe('rectified');
    expect((await api(h).post(`${url}/inspection`).set(sup).set('Idempotency-Key', `i2-${key}`).send({ outcome: 'failed', verifierIds: verifiers })).status).toBe(409);
  });
});

describe('grades (R17)', () => {
  it('R17: the nightly recomputation is a Temporal Schedule, ensured idempotently', async () => {
    const scheduleId = `grades-${Date.now()}`;
    expect((await ensureRiskGradeSchedule(h.env.client, { taskQueue: h.taskQueue, scheduleId, paused: true })).created).toBe(true);
    expect((await ensureRiskGradeSchedule(h.env.client, { taskQueue: h.taskQueue, scheduleId, paused: true })).created).toBe(false);
    const d = await h.env.client.schedule.getHandle(scheduleId).describe();
    expect(d.action).toMatchObject({ workflowType: 'riskGradesNightly' });
    expect(d.spec.timezone).toBe('Asia/Shanghai');
    await h.env.client.schedule.getHandle(scheduleId).delete();
  });

  it('R17: a supervisor overrides a grade with a written reason, kept with who and until when; without a reason it is a 422', async () => {
    const uscc = freshUscc();
    await seedLicences(h.db.pool, [{ number: `GR-${Date.now()}`, uscc }]);
    const before = await api(h).get(`/grades/${uscc}`).set(await supBJ());
    expect(before.body).toMatchObject({ grade: 'A', stored: false, inForce: { grade: 'A', overridden: false } });
    const none = await api(h).post(`/grades/${uscc}/override`).set(await supBJ()).send({ grade: 'D', until: '2099-12-31' });
    expect(none.status).toBe(422);
    expect(none.body.errors).toContainEqual(expect.objectContaining({ path: 'reason' }));
    const ok = await api(h).post(`/grades/${uscc}/override`).set(await supBJ()).send({ grade: 'D', reason: 'complaints about counterfeit marks under investigation', until: '2099-12-31' });
    expect(ok.status).toBe(201);
    const after = await api(h).get(`/grades/${uscc}`).set(await supBJ());
    expect(after.body.inForce).toMatchObject({ grade: 'D', overridden: true });
    expect(after.body.override).toMatchObject({ grade: 'D', by: 'sup-bj', reason: 'complaints about counterfeit marks under investigation', until: '2099-12-31' });
    expect((await api(h).get(`/grades/${uscc}`).query({ province: 'BJ' }).set(await supSH())).status).toBe(403);
  });
});
