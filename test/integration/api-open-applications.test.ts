/**
 * L07 while applications are open, on the real API, worker, Temporal dev server and PostgreSQL:
 * of two `new` applications for the same product filed by one enterprise at the same time,
 * exactly one passes intake; a later one is a 422 on `type`. Renewals and changes are not held up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseActivities } from '../../activities/approval/cases';
import { CASE_WORKFLOW_TYPE } from '../../domain/workflow-ids';
import { freshUscc, makeApplication } from '../helpers/fixtures';
import { api, application, bearer, type Harness, leftIntake, startHarness } from './api-helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const ofEnterprise = (uscc: string): Record<string, unknown> => {
  const a = application();
  return { ...a, enterprise: { ...(a.enterprise as object), uscc } };
};
const caseOf = async (id: string) => (await api(h).get(`/applications/${id}`).set(await bearer({ role: 'ops' }))).body;

describe('one open new application per product (L07)', () => {
  it('L07: two new applications for the same product sent at the same time: exactly one passes intake, the other is refused naming it; a third is a 422 on type', async () => {
    const uscc = freshUscc();
    const applicant = await bearer({ role: 'applicant', uscc });
    const [a, b] = [ofEnterprise(uscc), ofEnterprise(uscc)];
    const sent = await Promise.all([a, b].map((x) => api(h).post('/applications').set(applicant).send(x)));
    const taken = [a, b].filter((_, i) => sent[i]!.status === 201).map((x) => x.applicationId as string);
    expect(sent.map((r) => r.status).every((s) => s === 201 || s === 422), JSON.stringify(sent.map((r) => r.body))).toBe(true);
    const stages = await Promise.all(taken.map((id) => leftIntake(h, id)));
    const passed = taken.filter((_, i) => stages[i] !== 'rejected-at-intake');
    expect(passed).toHaveLength(1);
    const [winner] = passed;
    const loser = [a, b].map((x) => x.applicationId as string).find((id) => id !== winner)!;
    const refusal = sent[[a, b].findIndex((x) => x.applicationId === loser)]!;
    if (refusal.status === 422) {
      expect(refusal.body.errors).toContainEqual({ path: 'type', message: expect.stringContaining(`application ${winner} open`) });
    } else {
      const refused = await caseOf(loser);
      expect(refused.stage).toBe('rejected-at-intake');
      expect(refused.decision.reasons.join('; ')).toMatch(new RegExp(`L07: .*application ${winner} open`));
    }
    // Once the first is on record, another new application for the product is refused before any case starts.
    const third = ofEnterprise(uscc);
    const r = await api(h).post('/applications').set(applicant).send(third);
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ path: 'type', message: expect.stringMatching(new RegExp(`^L07: .*application ${winner} open`)) }]);
    expect((await api(h).get(`/applications/${third.applicationId as string}`).set(await bearer({ role: 'ops' }))).status).toBe(404);
    // Another product of the same enterprise, and the same product of another enterprise, go on.
    const other = ofEnterprise(freshUscc());
    expect((await api(h).post('/applications').set(await bearer({ role: 'applicant', uscc: (other.enterprise as { uscc: string }).uscc })).send(other)).status).toBe(201);
    expect(await leftIntake(h, other.applicationId as string)).toBe('received');
  });

  it('L07: three new applications started at once behind the API (the workflow receipts race): one passes intake, the others are refused at intake naming it', async () => {
    const uscc = freshUscc();
    const apps = [0, 1, 2].map(() => makeApplication({ enterprise: { uscc, name: '并发水泥有限公司', registeredAddress: '北京市房山区示范路1号' } }));
    const receivedAt = new Date().toISOString();
    await Promise.all(apps.map((a) => h.env.client.workflow.start(CASE_WORKFLOW_TYPE, { taskQueue: h.taskQueue, workflowId: a.applicationId, args: [{ application: a, receivedAt }] })));
    const stages = await Promise.all(apps.map((a) => leftIntake(h, a.applicationId)));
    expect(stages.filter((s) => s === 'rejected-at-intake')).toHaveLength(2);
    const winner = apps[stages.findIndex((s) => s !== 'rejected-at-intake')]!.applicationId;
    for (const [i, a] of apps.entries()) {
      if (stages[i] !== 'rejected-at-intake') continue;
      expect((await caseOf(a.applicationId)).decision.reasons.join('; ')).toMatch(new RegExp(`L07: .*application ${winner} open`));
    }
  });

  it('L07: the receipt decides under a lock: a receipt that waits on one still in flight sees it once it commits, and a retry keeps its first answer', async () => {
    const uscc = freshUscc();
    const [first, second] = [makeApplication({ enterprise: { uscc, name: '锁水泥有限公司', registeredAddress: '北京市' } }), makeApplication({ enterprise: { uscc, name: '锁水泥有限公司', registeredAddress: '北京市' } })];
    const acts = createCaseActivities(h.db.pool);
    const at = new Date().toISOString();
    // The first receipt, in flight: its transaction holds the lock and has written its row, not yet committed.
    const inFlight = await h.db.pool.connect();
    try {
      await inFlight.query('BEGIN');
      await inFlight.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`open-new|${uscc}|BJ|cement`]);
      await inFlight.query(
        `INSERT INTO applications (id, province, uscc, enterprise_name, product, application_type, payload, received_at, stage) VALUES ($1, 'BJ', $2, 'x', 'cement', 'new', '{}', $3, 'received')`,
        [first.applicationId, uscc, at],
      );
      let settled = false;
      const waiting = acts.recordReceipt({ application: second, receivedAt: at, eventKey: `${second.applicationId}:received` }).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false); // it waits for the lock rather than deciding without the first
      await inFlight.query('COMMIT');
      expect(await waiting).toEqual({ pendingDuplicateOf: first.applicationId });
    } finally {
      inFlight.release();
    }
    // A retried receipt gives the answer on record, whatever was filed since.
    expect(await acts.recordReceipt({ application: second, receivedAt: at, eventKey: `${second.applicationId}:received` })).toEqual({ pendingDuplicateOf: first.applicationId });
    // A renewal or change of the same enterprise and product is not held up by an open new application.
    const renewal = makeApplication({ type: 'renewal', currentCertificateNumber: '(京)XK08-001-00001', enterprise: { uscc, name: '锁水泥有限公司', registeredAddress: '北京市' } });
    expect(await acts.recordReceipt({ application: renewal, receivedAt: at, eventKey: `${renewal.applicationId}:received` })).toEqual({});
  });
});
