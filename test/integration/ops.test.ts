/**
 * Ops on a real dev server with a real worker and PostgreSQL: the "Finding stuck cases"
 * queries return exactly the stuck cases, and /metrics counts what happened.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import type { ApplicationInput } from '../../domain/approval/application';
import { acceptUpdate, approveUpdate, requestSupplementUpdate, statusQuery } from '../../domain/approval/messages';
import { retryAfterOpsUpdate } from '../../domain/ops';
import { OPS_QUERIES } from '../../domain/ops-queries';
import { followUpInspection } from '../../workflows/supervision/follow-up';
import { licenceApplication } from '../../workflows/approval/licence-application';
import { createWorker } from '../../workers/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeApplication, staff } from '../helpers/fixtures';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';
import { pastIntake } from '../helpers/time-skipping';

const TQ = 'ops-test';
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  [env, db] = await Promise.all([createDevServerEnv(), createTestDatabase()]);
  worker = await createWorker({ connection: env.nativeConnection, taskQueue: TQ, pool: db.pool, workflowBundle: await workflowBundle() });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await db?.drop();
});

const start = async (app: ApplicationInput, receivedAt = new Date().toISOString()) => {
  const h = await env.client.workflow.start(licenceApplication, { taskQueue: TQ, workflowId: app.applicationId, args: [{ application: app, receivedAt }] });
  await pastIntake(h); // staff actions are refused until the receipt gates are done
  return h;
};

async function ids(client: Client, query: string): Promise<string[]> {
  const out: string[] = [];
  for await (const w of client.workflow.list({ query })) out.push(w.workflowId);
  return out.sort();
}

/** Visibility is eventually consistent: poll until the query returns what is expected. */
async function listEventually(query: string, expected: string[]): Promise<string[]> {
  let got: string[] = [];
  for (let i = 0; i < 100; i++) {
    got = await ids(env.client, query);
    if (JSON.stringify(got) === JSON.stringify([...expected].sort())) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

describe('finding stuck cases', () => {
  it('ops: each README query finds exactly the stuck cases it names', async () => {
    // Received in January and never decided: long overdue (L01 deemed acceptance, then R07 breach).
    const overdueBJ = makeApplication();
    const overdueSH = makeApplication({ province: 'SH', productionAddresses: [{ province: 'SH', address: '上海市宝山区某路1号' }] });
    const fresh = makeApplication();
    const supplement = makeApplication();
    const takeOver = makeApplication({ predecessor: { certificateNumber: '(京)XK08-001-07777', reason: 'merger' } });
    await start(overdueBJ, '2026-01-05T02:00:00.000Z');
    await start(overdueSH, '2026-01-05T02:00:00.000Z');
    const hFresh = await start(fresh);
    const hSupp = await start(supplement);
    await start(takeOver);
    await hFresh.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer') }] });
    await hSupp.executeUpdate(requestSupplementUpdate, { args: [{ actor: staff('acceptance-officer'), items: ['质量手册'] }] });
    // A follow-up issued 100 days ago and never inspected is past its 30-day window.
    await env.client.workflow.start(followUpInspection, {
      taskQueue: TQ,
      workflowId: 'LATE-1/follow-up',
      args: [
        {
          applicationId: 'LATE-1',
          certificateNumber: '(京)XK08-001-00042',
          province: 'BJ',
          product: 'cement',
          uscc: overdueBJ.enterprise.uscc,
          kind: 'post-issuance-verification',
          window: { n: 30, unit: 'days' },
          issuedAt: new Date(Date.now() - 100 * 86_400_000).toISOString(),
          policyVersion: '2024-09-25',
        },
      ],
    });

    expect(await listEventually(OPS_QUERIES.overdueDecisionsIn('BJ'), [overdueBJ.applicationId])).toEqual([overdueBJ.applicationId]);
    expect(await listEventually(OPS_QUERIES.overdueDecisionsIn('SH'), [overdueSH.applicationId])).toEqual([overdueSH.applicationId]);
    expect(await listEventually(OPS_QUERIES.waitingOnApplicant, [supplement.applicationId])).toEqual([supplement.applicationId]);
    expect(await listEventually(OPS_QUERIES.waitingForPredecessor, [takeOver.applicationId])).toEqual([takeOver.applicationId]);
    expect(await listEventually(OPS_QUERIES.followUpsPastWindow, ['LATE-1/follow-up'])).toEqual(['LATE-1/follow-up']);
    const soon = new Date(Date.now() + 30 * 86_400_000).toISOString();
    // Due before a date includes the ones already overdue.
    const due = [fresh.applicationId, overdueBJ.applicationId, overdueSH.applicationId].sort();
    expect(await listEventually(OPS_QUERIES.decisionsDueBefore(soon), due)).toEqual(due);
  });
});

describe('metrics', () => {
  it('ops: /metrics counts cases by stage and decisions in and out of deadline after a case is driven through', async () => {
    const app = makeApplication({ province: 'ZJ', productionAddresses: [{ province: 'ZJ', address: '浙江省湖州市某路1号' }] });
    const h = await start(app);
    await h.executeUpdate(acceptUpdate, { args: [{ actor: staff('acceptance-officer', 'ZJ') }] });
    await h.executeUpdate(approveUpdate, { args: [{ actor: staff('approver', 'ZJ') }] });
    await h.result();
    const late = makeApplication({ province: 'ZJ', productionAddresses: [{ province: 'ZJ', address: '浙江省湖州市某路2号' }] });
    const hl = await start(late, '2026-02-02T02:00:00.000Z');
    for (let i = 0; i < 100 && !(await hl.query(statusQuery)).breach; i++) await new Promise((r) => setTimeout(r, 100));
    await hl.executeUpdate(approveUpdate, { args: [{ actor: staff('approver', 'ZJ') }] });
    await hl.result();

    const api = createApp({ client: env.client, connection: env.connection, pool: db.pool, taskQueue: TQ, jwtSecret: 'x'.repeat(32) });
    const res = await request(api).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const line = (prefix: string) => res.text.split('\n').find((l) => l.startsWith(prefix));
    expect(line('lp_cases{stage="issued",province="ZJ"}')).toBe('lp_cases{stage="issued",province="ZJ"} 2');
    expect(line('lp_decisions{outcome="approved",in_deadline="true"}')).toMatch(/ [1-9]\d*$/);
    expect(line('lp_decisions{outcome="approved",in_deadline="false"}')).toMatch(/ [1-9]\d*$/);
    expect(line('lp_decision_working_days_count')).toMatch(/ [2-9]\d*$|\d{2,}$/);
    expect(line('lp_decisions_overdue{province="BJ"}')).toBe('lp_decisions_overdue{province="BJ"} 1');
    expect(res.text).toContain('lp_followups_overdue 1');
  });
});

describe('cases waiting on ops (README "Failure policy")', () => {
  it('ops: a case holding a step that failed for good is found by the README query and counted by lp_cases_waiting_on_ops', async () => {
    const app = makeApplication({ applicationId: `OPSQ-${Date.now().toString(36)}` });
    // A real constraint refuses the case's audit rows: its receipt fails for good.
    await db.pool.query(`ALTER TABLE audit_events ADD CONSTRAINT ops_query_block CHECK (application_id <> '${app.applicationId}') NOT VALID`);
    await start(app);
    expect(await listEventually(OPS_QUERIES.waitingOnOps, [app.applicationId])).toEqual([app.applicationId]);
    const api = createApp({ client: env.client, connection: env.connection, pool: db.pool, taskQueue: TQ, jwtSecret: 'x'.repeat(32) });
    const res = await request(api).get('/metrics');
    expect(res.text).toContain('lp_cases_waiting_on_ops 1');
    // Ops fix the cause and retry: the case leaves the list and the gauge.
    await db.pool.query('ALTER TABLE audit_events DROP CONSTRAINT ops_query_block');
    await env.client.workflow.getHandle(app.applicationId).executeUpdate(retryAfterOpsUpdate, { args: [{ actor: { id: 'ops-1', role: 'ops' } }] });
    expect(await listEventually(OPS_QUERIES.waitingOnOps, [])).toEqual([]);
    expect((await request(api).get('/metrics')).text).toContain('lp_cases_waiting_on_ops 0');
  });
});
