/**
 * The import of existing licences (issue 19) end to end on real servers: the Temporal dev server,
 * a real worker with the bundled workflows, PostgreSQL, the API. A generated 2,000-row register
 * with 20 bad rows of every kind is imported through POST /imports while the worker is stopped
 * mid-import and another takes over; then imported again (all unchanged). Lifecycles run for
 * exactly the valid licences, the one expiring in 3 months is reminded at once, new issuance
 * continues after the imported serials, and imported licences take the existing routes.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createApp } from '../../api/app';
import { type ImportProgress, importProgressQuery } from '../../domain/licence/import-messages';
import { SA } from '../../domain/search-attributes';
import { shanghaiDate } from '../../domain/time';
import { importWorkflowId, lifecycleWorkflowId } from '../../domain/workflow-ids';
import { createWorker } from '../../workers/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeApplication, freshUscc } from '../helpers/fixtures';
import { generateImportFile, toCsv } from '../helpers/import-file';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';
import { bearer, SECRET } from './api-helpers';

const TQ = 'import-test';
const today = shanghaiDate(Date.now());
const gen = generateImportFile({ rows: 2000, badPerKind: 20, today });
const csv = toCsv(gen.rows);
let env: TestWorkflowEnvironment;
let db: TestDatabase;
let app: Express;
let bundle: Awaited<ReturnType<typeof workflowBundle>>;
let worker: { w: Worker; running: Promise<void> } | undefined;

async function startWorker() {
  const w = await createWorker({ connection: env.nativeConnection, taskQueue: TQ, pool: db.pool, workflowBundle: bundle, extra: { shutdownGraceTime: '2 seconds' } });
  worker = { w, running: w.run() };
}
async function stopWorker() {
  worker?.w.shutdown();
  await worker?.running.catch(() => undefined);
  worker = undefined;
}
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read().catch(() => undefined as T);
    if ((v !== undefined && ok(v)) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const n = async (sql: string, params: unknown[] = []) => (await db.pool.query<{ n: number }>(sql, params)).rows[0]!.n;
const ops = () => bearer({ role: 'ops' });
const post = async (body: string, query = '') =>
  request(app).post(`/imports?fileName=register.csv${query}`).set(await ops()).set('Content-Type', 'text/csv').send(body);

beforeAll(async () => {
  process.env.IMPORT_PAGE_SIZE = '250';
  process.env.IMPORT_CONCURRENCY = '20';
  [env, db, bundle] = await Promise.all([createDevServerEnv(), createTestDatabase(), workflowBundle()]);
  app = createApp({ client: env.client, connection: env.connection, pool: db.pool, taskQueue: TQ, jwtSecret: SECRET });
});
afterAll(async () => {
  await stopWorker();
  await env?.teardown();
  await db?.drop();
});

describe('import of existing licences', () => {
  let first: ImportProgress;

  it('import: 2,000 rows with 20 bad rows of every kind; the worker stops mid-import and another resumes it; nothing doubled', async () => {
    await startWorker();
    const res = await post(csv);
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(202);
    expect(res.body.summary).toMatchObject({ read: 2000, refused: gen.bad.size });
    expect(new Set(res.body.refused.map((p: { line: number }) => p.line))).toEqual(new Set(gen.bad.keys()));
    const handle = env.client.workflow.getHandle(res.body.workflowId as string);
    // Crash mid-import: the worker goes away after the first page, a new one takes over.
    const mid = await until(() => handle.query(importProgressQuery), (p) => p.processed >= 250);
    expect(mid.done).toBe(false);
    await stopWorker();
    const stalled = await handle.query(importProgressQuery).catch(() => undefined);
    expect(stalled?.done ?? false).toBe(false);
    await startWorker();
    first = (await handle.result()) as ImportProgress;
    expect(first).toMatchObject({ done: true, read: 2000, imported: gen.validLicences + gen.validFacts, unchanged: 0, changed: 0, refused: gen.bad.size });
    expect(first.lifecyclesStarted).toBe(gen.active.length);
    expect(first.page).toBeGreaterThanOrEqual(8); // continue-as-new per page
    expect(await n(`SELECT count(*)::int AS n FROM certificates WHERE source = 'import'`)).toBe(gen.validLicences);
    expect(await n(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'licence-imported'`)).toBe(gen.validLicences);
    expect(await n(`SELECT count(*)::int AS n FROM bans WHERE source = 'import'`)).toBeGreaterThan(0);
    expect(await n(`SELECT count(*)::int AS n FROM ecqs_outbox`)).toBe(0); // SAMR already knows them (IMPORT_ECQS=off)
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(SA.stage)).toBe('import:done');
    // A page retried beside its first attempt answers the same and writes nothing.
    const acts = createActivities({ pool: db.pool });
    const again = await acts.importPage({ importId: first.importId, afterLine: 0, limit: 250, ecqs: 'off' });
    expect(again.counts.imported + again.counts.refused + again.counts.unchanged).toBe(250);
    expect(again.lifecycles).toEqual([]);
    // The report through the API: every refused row with its line, field and reason.
    const status = await request(app).get(`/imports/${first.importId}`).set(await ops());
    expect(status.status).toBe(200);
    expect(status.body.progress).toMatchObject({ done: true });
    expect(status.body.refused.length).toBeGreaterThanOrEqual(gen.bad.size);
  }, 180_000);

  it('L05: lifecycles run for exactly the valid licences; the one expiring in 3 months is reminded at once', async () => {
    const count = await until(() => env.client.workflow.count(`WorkflowType = 'licenceLifecycle' AND ExecutionStatus = 'Running'`).then((c) => c.count), (c) => c >= gen.active.length, 30_000);
    expect(count).toBe(gen.active.length);
    expect(await n(`SELECT count(*)::int AS n FROM certificates WHERE lifecycle_started_at IS NOT NULL`)).toBe(gen.active.length);
    const reminded = await until(
      () => n(`SELECT count(*)::int AS n FROM notifications WHERE application_id = $1 AND kind = 'renewal-due'`, [lifecycleWorkflowId(gen.expiringSoon)]),
      (x) => x === 1,
      30_000,
    );
    expect(reminded).toBe(1);
    expect(await n(`SELECT count(*)::int AS n FROM notifications WHERE kind = 'renewal-due'`)).toBe(1);
  });

  it('import: the same file again changes nothing: every row unchanged, no lifecycle started twice; a changed row is reported, not overwritten', async () => {
    const res = await post(csv);
    expect(res.status).toBe(202);
    const second = (await env.client.workflow.getHandle(importWorkflowId(res.body.importId)).result()) as ImportProgress;
    expect(second).toMatchObject({ imported: 0, changed: 0, unchanged: gen.validLicences + gen.validFacts, refused: gen.bad.size, lifecyclesStarted: 0 });
    expect(await n(`SELECT count(*)::int AS n FROM certificates`)).toBe(gen.validLicences);
    // One row edited: a dry run reports it as changed; the register keeps the old name.
    const edited = csv.replace(/北京第2建材有限公司/, '北京第2建材集团有限公司');
    const dry = await post(edited, '&dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body.summary).toMatchObject({ imported: 0, changed: 1, refused: gen.bad.size });
    expect(dry.body.changed[0]).toMatchObject({ line: 4 });
    const third = await post(edited);
    const r3 = (await env.client.workflow.getHandle(importWorkflowId(third.body.importId)).result()) as ImportProgress;
    expect(r3.changed).toBe(1);
    const report = await request(app).get(`/imports/${r3.importId}`).set(await ops());
    expect(report.body.changed[0].fields.enterpriseName).toEqual({ onRecord: '北京第2建材有限公司', inFile: '北京第2建材集团有限公司' });
    expect(await n(`SELECT count(*)::int AS n FROM certificates WHERE enterprise_name = '北京第2建材有限公司'`)).toBe(1);
  }, 120_000);

  it('L07: a certificate issued after the import takes the next free serial', async () => {
    const acts = createActivities({ pool: db.pool });
    const a = makeApplication({ enterprise: { uscc: freshUscc(), name: '北京新办水泥有限公司', registeredAddress: '北京市房山区新路1号' } });
    const at = new Date().toISOString();
    await acts.recordReceipt({ application: a, receivedAt: at, eventKey: `${a.applicationId}:received:1` });
    const cert = await acts.issueCertificate({ applicationId: a.applicationId, eventKey: `${a.applicationId}:certificate:1`, issuedAt: at, issuedOn: today, policyVersion: '2024-09-25' });
    expect(cert.number).toBe(`(京)XK08-001-${String(gen.maxCementSerial + 1).padStart(5, '0')}`);
  });

  it('import, R05: an imported licence is checked (with its content hash), changed and cancelled through the existing routes; e-CQS hears the cancellation', async () => {
    const number = gen.active[3]!;
    const url = `/certificates/${encodeURIComponent(number)}`;
    const checked = (await request(app).get(url)).body as { content: string; contentSha256: string };
    expect(checked).toMatchObject({ number, status: 'valid', contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // R05: an imported certificate carries the content hash too, verifiable from what the check shows.
    expect(createHash('sha256').update(checked.content).digest('hex')).toBe(checked.contentSha256);
    const approver = await bearer({ role: 'approver', province: 'BJ' });
    const changed = await request(app).post(`${url}/change`).set(approver).send({ enterpriseAddress: '北京市房山区新址路8号' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const cancelled = await request(app).post(`${url}/cancel`).set(approver).send({ reason: 'holder-request' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect((await request(app).get(url)).body.status).toBe('cancelled');
    const outbox = await db.pool.query<{ case_id: string; event: string }>('SELECT case_id, event FROM ecqs_outbox WHERE case_id = $1 ORDER BY seq', [lifecycleWorkflowId(number)]);
    expect(outbox.rows).toEqual([
      { case_id: lifecycleWorkflowId(number), event: 'certificate-changed' },
      { case_id: lifecycleWorkflowId(number), event: 'certificate-cancelled' },
    ]);
  });

  it('import: bad input through the API and the command: missing column → 422 naming it; JSON refused; dry run of the command prints each refused line', async () => {
    const missing = await post(csv.replace('issuing_authority', 'authority'));
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0]).toMatchObject({ path: 'file:1:issuing_authority' });
    const json = await request(app).post('/imports').set(await ops()).send({ rows: [] });
    expect(json.status).toBe(415);
    const dir = mkdtempSync(path.join(tmpdir(), 'lp-import-'));
    const file = path.join(dir, 'register.csv');
    writeFileSync(file, csv);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'scripts', 'import.ts'), file, '--dry-run'], {
      env: { ...process.env, DATABASE_URL: db.url },
      maxBuffer: 10 * 1024 * 1024,
    });
    const [line, kind] = [...gen.bad][0]!;
    expect(stdout).toContain(`${file}:${line} `);
    expect(kind).toBeDefined();
    expect(stdout).toMatch(new RegExp(`dry run \\(nothing written\\): read 2,000, would import 0, unchanged ${(gen.validLicences + gen.validFacts).toLocaleString('en-US')}, changed \\(reported, not overwritten\\) 0, refused ${gen.bad.size}`));
  });
});
