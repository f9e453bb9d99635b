/**
 * R06 over HTTP: SAMR's side of the random check. SAMR lists its draws (seed, population), reads a
 * drawn case, records one result per case; a non-conforming result opens a task (workflow
 * `samr-finding/<id>`) the province's supervisor sees and answers, and another province's does not.
 * Real Temporal dev server, real worker (bundled workflows, real activities), real PostgreSQL; the
 * draw is a real run of the sampling workflow. (The 20-working-day limit and its escalation run on
 * the time-skipping server: test/workflow/samr-finding.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrawList, DrawnCaseResponse, CheckResponse, Finding, FindingDetail, FindingList } from '../../api/routes/samr-schemas';
import { OPS_QUERIES } from '../../domain/ops-queries';
import { drawSample } from '../../domain/samr/sampling';
import { SA } from '../../domain/search-attributes';
import { samrFindingWorkflowId } from '../../domain/workflow-ids';
import { makeApplication, USCC } from '../helpers/fixtures';
import { api, bearer, eventually, type Harness, newId, startHarness } from './api-helpers';

const DAY = 86_400_000;
const SEED = 'r06-api-seed';

let h: Harness;
const drawn: { BJ: string[]; SH: string[] } = { BJ: [], SH: [] };
let notDrawn: string;

async function decidedCase(province: 'BJ' | 'SH', daysAgo: number): Promise<string> {
  const app = makeApplication({ applicationId: newId('R06'), province });
  await h.db.pool.query(
    `INSERT INTO applications (id, province, uscc, enterprise_name, product, application_type, payload, received_at, stage, decision, decided_at, policy_version, path)
     VALUES ($1, $2, $3, '示范企业', 'cement', 'new', $4, $5, 'issued', 'approved', $5, '2024-09-25', 'post-verification')`,
    [app.applicationId, province, USCC, app, new Date(Date.now() - daysAgo * DAY).toISOString()],
  );
  return app.applicationId;
}

beforeAll(async () => {
  h = await startHarness();
  for (let i = 0; i < 5; i++) drawn.BJ.push(await decidedCase('BJ', 1));
  drawn.SH.push(await decidedCase('SH', 2));
  notDrawn = await decidedCase('BJ', 40); // outside the 7-day window
  // Every approval in the window is drawn (rate 1), with a fixed seed.
  await h.env.client.workflow.execute('samrSampling', {
    taskQueue: h.taskQueue,
    workflowId: `samr-random-checks-r06-${Date.now()}`,
    args: [{ windowDays: 7, rate: 1, minPerProvince: 1, seed: SEED, windowEnd: new Date().toISOString() }],
  });
});
afterAll(async () => {
  await h?.stop();
});

const samr = () => bearer({ role: 'samr', sub: 'samr-inspector' });
const supervisor = (province: string) => bearer({ role: 'supervisor', province, sub: `sup-${province.toLowerCase()}` });
const check = async (id: string, body: object, key?: string) => {
  const r = api(h).post(`/samr/cases/${id}/check`).set(await samr());
  return key ? r.set('Idempotency-Key', key).send(body) : r.send(body);
};
const FINDINGS = '抽查发现：出厂检验报告与实际产品不符';

describe('SAMR random checks over HTTP (R06)', () => {
  it('R06: SAMR lists its draw with the seed and the population, and reads each drawn case; a case it did not draw is a 404', async () => {
    const r = await api(h).get('/samr/draws').query({ province: 'BJ' }).set(await samr());
    expect(r.status).toBe(200);
    const list = DrawList.parse(r.body);
    const bj = list.items.find((d) => d.seed === SEED)!;
    expect(bj).toMatchObject({ province: 'BJ', populationSize: 5, population: [...drawn.BJ].sort() });
    expect(bj.population).not.toContain(notDrawn);
    const sample = bj.sample.map((s) => s.applicationId);
    expect([...sample].sort()).toEqual([...drawn.BJ].sort());
    // Re-runnable by anyone: the seed and the population give the same sample, in the same order.
    expect(drawSample({ seed: bj.seed, province: 'BJ', population: bj.population, size: sample.length })).toEqual(sample);
    expect(list.items.every((d) => d.province === 'BJ')).toBe(true);

    const c = await api(h).get(`/samr/cases/${drawn.SH[0]}`).set(await samr());
    expect(c.status).toBe(200);
    const body = DrawnCaseResponse.parse(c.body);
    expect(body.case).toMatchObject({ applicationId: drawn.SH[0], province: 'SH', decision: 'approved', product: 'cement' });
    expect(body.case.draws[0]!.seed).toBe(SEED);
    expect([body.check, body.finding]).toEqual([null, null]);

    const hidden = await api(h).get(`/samr/cases/${notDrawn}`).set(await samr());
    expect(hidden.status).toBe(404);
    expect((await check(notDrawn, { result: 'conforming' })).status).toBe(404);
  });

  it('R06: a conforming result is recorded and audited, and opens no task', async () => {
    const id = drawn.BJ[0]!;
    const r = await check(id, { result: 'conforming' });
    expect(r.status).toBe(201);
    expect(CheckResponse.parse(r.body)).toMatchObject({ applicationId: id, province: 'BJ', result: 'conforming', findings: null, recordedBy: 'samr-inspector', finding: null });
    const c = DrawnCaseResponse.parse((await api(h).get(`/samr/cases/${id}`).set(await samr())).body);
    expect(c.check?.result).toBe('conforming');
    expect(c.history.map((x) => [x.action, x.by])).toEqual([['samr-check-conforming', 'samr-inspector']]);
    const draws = DrawList.parse((await api(h).get('/samr/draws').set(await samr())).body);
    expect(draws.items.find((d) => d.province === 'BJ' && d.seed === SEED)!.sample.find((s) => s.applicationId === id)!.result).toBe('conforming');
    const all = FindingList.parse((await api(h).get('/samr/findings').set(await samr())).body);
    expect(all.items.map((f) => f.applicationId)).not.toContain(id);
    await expect(h.env.client.workflow.getHandle(samrFindingWorkflowId(id)).describe()).rejects.toThrow();
  });

  it("R06: a non-conforming result opens a task the supervisor of that province sees and another province's does not; answered in time it closes, audited", async () => {
    const id = drawn.BJ[1]!;
    const r = await check(id, { result: 'non-conforming', findings: FINDINGS });
    expect(r.status).toBe(201);
    const recorded = CheckResponse.parse(r.body);
    expect(recorded.finding).toEqual({ findingId: id, workflowId: samrFindingWorkflowId(id), link: `/samr/findings/${id}` });

    // BJ's supervisor sees it, with its due date in working days, once the workflow has computed it.
    const mine = await eventually(async () => {
      const l = FindingList.parse((await api(h).get('/samr/findings').query({ status: 'open' }).set(await supervisor('BJ'))).body);
      const f = l.items.find((x) => x.applicationId === id);
      return f?.dueAt ? f : undefined;
    }, 20_000, 'the finding with its due date');
    expect(mine).toMatchObject({ province: 'BJ', status: 'open', findings: FINDINGS, overdue: false, limit: { n: 20, unit: 'working-days' }, openedBy: 'samr-inspector' });

    // SH's supervisor does not: not in the list, 404 when named, and may not ask for BJ's list.
    const sh = FindingList.parse((await api(h).get('/samr/findings').set(await supervisor('SH'))).body);
    expect(sh.items.map((f) => f.applicationId)).not.toContain(id);
    expect((await api(h).get(`/samr/findings/${id}`).set(await supervisor('SH'))).status).toBe(404);
    expect((await api(h).get('/samr/findings').query({ province: 'BJ' }).set(await supervisor('SH'))).status).toBe(403);
    const foreign = await api(h).post(`/samr/findings/${id}/answer`).set(await supervisor('SH')).send({ response: '不是我们的', measures: '无' });
    expect(foreign.status).toBe(404);

    // The Temporal UI shows it as a task on the province's supervisor, not overdue.
    const handle = h.env.client.workflow.getHandle(samrFindingWorkflowId(id));
    const sa = await eventually(async () => {
      const x = (await handle.describe()).typedSearchAttributes;
      return x.get(SA.deadline) ? x : undefined;
    }, 20_000, 'LpDeadline');
    expect([sa.get(SA.stage), sa.get(SA.waitingOn), sa.get(SA.province), sa.get(SA.overdue), sa.get(SA.deadline)?.toISOString()]).toEqual(['samr-finding', 'supervisor', 'BJ', false, mine.dueAt]);
    const open = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.env.client.workflow.list({ query: OPS_QUERIES.samrFindingsOpenIn('BJ') })) ids.push(wf.workflowId);
      return ids.includes(samrFindingWorkflowId(id)) ? ids : undefined;
    }, 20_000, 'visibility');
    expect(open).toContain(samrFindingWorkflowId(id));
    const overdue: string[] = [];
    for await (const wf of h.env.client.workflow.list({ query: OPS_QUERIES.samrFindingsOverdue })) overdue.push(wf.workflowId);
    expect(overdue).not.toContain(samrFindingWorkflowId(id));

    // BJ's supervisor answers: the task closes, in time, and the answer is in the audit trail.
    const answer = { response: '已责令企业整改并重新检验', measures: '暂停销售，复查合格后恢复' };
    const a = await api(h).post(`/samr/findings/${id}/answer`).set(await supervisor('BJ')).set('Idempotency-Key', 'answer-r06-1').send(answer);
    expect(a.status).toBe(200);
    expect(Finding.parse(a.body)).toMatchObject({ status: 'answered', overdue: false, answer: { ...answer, by: 'sup-bj', inTime: true } });
    expect((await handle.result()).status).toBe('answered');
    const again = await api(h).post(`/samr/findings/${id}/answer`).set(await supervisor('BJ')).set('Idempotency-Key', 'answer-r06-1').send(answer);
    expect([again.status, again.body]).toEqual([200, a.body]);
    const second = await api(h).post(`/samr/findings/${id}/answer`).set(await supervisor('BJ')).send({ response: '补充说明', measures: '无' });
    expect(second.status).toBe(409);

    for (const who of [await samr(), await supervisor('BJ')]) {
      const d = FindingDetail.parse((await api(h).get(`/samr/findings/${id}`).set(who)).body);
      expect(d).toMatchObject({ status: 'answered', answer: { ...answer, inTime: true } });
      expect(d.history.map((x) => x.action)).toEqual(['samr-check-non-conforming', 'samr-finding-opened', 'samr-finding-answered']);
      expect(d.history[2]).toMatchObject({ by: 'sup-bj', role: 'supervisor', reason: answer.response });
    }
    expect(FindingList.parse((await api(h).get('/samr/findings').query({ status: 'open' }).set(await supervisor('BJ'))).body).items.map((f) => f.applicationId)).not.toContain(id);
  });

  it('R06: a second result for the same case is a 409; the same request repeated with its Idempotency-Key gets the same answer and opens no second task', async () => {
    const id = drawn.BJ[2]!;
    const body = { result: 'non-conforming', findings: FINDINGS };
    const first = await check(id, body, 'r06-check-key-1');
    expect(first.status).toBe(201);
    const repeat = await check(id, body, 'r06-check-key-1');
    expect([repeat.status, repeat.body]).toEqual([200, first.body]);
    const other = await check(id, { result: 'conforming' }, 'r06-check-key-2');
    expect(other.status).toBe(409);
    expect(other.body.detail).toMatch(/already has SAMR's check result \(non-conforming/);
    expect((await check(id, { result: 'conforming' })).status).toBe(409);
    expect((await check(id, { result: 'non-conforming', findings: '另一项发现' }, 'r06-check-key-1')).status).toBe(409);
    const runs: string[] = [];
    for await (const wf of h.env.client.workflow.list({ query: `WorkflowId = '${samrFindingWorkflowId(id)}'` })) runs.push(wf.runId);
    expect(runs).toHaveLength(1);
    const c = DrawnCaseResponse.parse((await api(h).get(`/samr/cases/${id}`).set(await samr())).body);
    expect(c.history.filter((x) => x.action.startsWith('samr-check-'))).toHaveLength(1);
  });

  it('R06: the README query for overdue SAMR findings finds one past its limit (opened 60 days ago), and the API lists it as overdue to SAMR and its province', async () => {
    // Opened before this server existed: its 20 working days are long over when it starts.
    const id = drawn.BJ[4]!;
    const openedAt = new Date(Date.now() - 60 * DAY).toISOString();
    expect((await check(id, { result: 'non-conforming', findings: FINDINGS })).status).toBe(201);
    await h.env.client.workflow.getHandle(samrFindingWorkflowId(id)).terminate('replaced by one opened 60 days ago');
    const late = `${samrFindingWorkflowId(id)}-late`;
    await h.env.client.workflow.start('samrFinding', {
      taskQueue: h.taskQueue,
      workflowId: late,
      args: [{ applicationId: `${id}`, province: 'BJ', drawKey: 'late', findings: FINDINGS, openedAt, openedBy: 'samr-inspector', limit: { n: 20, unit: 'working-days' }, reminderLead: 3 }],
    });
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of h.env.client.workflow.list({ query: OPS_QUERIES.samrFindingsOverdue })) ids.push(wf.workflowId);
      return ids.includes(late) ? ids : undefined;
    }, 20_000, 'the overdue query');
    expect(found).toContain(late);
    // The workflow shows it overdue first, then its escalation step writes the row.
    for (const who of [await samr(), await supervisor('BJ')]) {
      const l = await eventually(async () => {
        const r = FindingList.parse((await api(h).get('/samr/findings').query({ overdue: 'true' }).set(who)).body);
        return r.items.length ? r : undefined;
      }, 20_000, 'the overdue row');
      expect(l.items.map((f) => [f.applicationId, f.status, f.overdue, f.escalatedAt !== null])).toEqual([[id, 'open', true, true]]);
    }
    expect(FindingList.parse((await api(h).get('/samr/findings').query({ overdue: 'true' }).set(await supervisor('SH'))).body).items).toEqual([]);
  });

  it('R06: wrong roles are refused with 403; a non-conforming result without findings is a 422 naming the field', async () => {
    const id = drawn.BJ[3]!;
    const refused = [
      await api(h).get('/samr/draws').set(await supervisor('BJ')),
      await api(h).get(`/samr/cases/${id}`).set(await bearer({ role: 'approver', province: 'BJ' })),
      await api(h).post(`/samr/cases/${id}/check`).set(await supervisor('BJ')).send({ result: 'conforming' }),
      await api(h).post(`/samr/cases/${id}/check`).set(await bearer({ role: 'ops' })).send({ result: 'conforming' }),
      await api(h).get('/samr/findings').set(await bearer({ role: 'applicant', uscc: USCC })),
      await api(h).post(`/samr/findings/${drawn.BJ[1]}/answer`).set(await samr()).send({ response: 'x', measures: 'y' }),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    const bad = await check(id, { result: 'non-conforming' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toContainEqual(expect.objectContaining({ path: 'findings' }));
    expect(DrawnCaseResponse.parse((await api(h).get(`/samr/cases/${id}`).set(await samr())).body).check).toBeNull();
  });
});
