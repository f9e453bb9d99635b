/**
 * Benchmark (figures, not assertions) of an R11 batch: `npx tsx bench/inspection-batch.ts
 * [--licensees=5000] [--inspectors=60] [--rate=1]`. Synthetic licensees of one province are graded
 * by the nightly workflow (timed apart: grades are normally there already), then one batch draws
 * them (rate 1 by default: every licensee an inspectee, the worst case), draws a team for each
 * and starts every inspection task, on the real Temporal dev server with a real worker and
 * PostgreSQL. Prints the time to the last task started and the largest history among the
 * batch's runs (continue-as-new) and a sample of its tasks (target: under 2,000 events).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { insertPlan, listTasks } from '../db/inspection-batches';
import { upsertInspector } from '../db/inspectors';
import { batchWorkflowId, inspectionTaskWorkflowId } from '../domain/supervision/inspection-task';
import { shanghaiDate } from '../domain/time';
import { createWorker } from '../workers/worker';
import { inspectionBatch } from '../workflows/supervision/inspection-batch';
import { riskGradesNightly } from '../workflows/supervision/risk-grades-nightly';
import { createTestDatabase } from '../test/helpers/db';
import { freshUscc } from '../test/helpers/fixtures';
import { seedLicences } from '../test/helpers/licensees';
import { createDevServerEnv, workflowBundle } from '../test/helpers/temporal';
import { arg, machine, SMOKE } from './lib';

async function main(): Promise<void> {
  const licensees = arg('licensees', SMOKE ? 200 : 5_000);
  const inspectors = arg('inspectors', 60);
  const rate = arg('rate', 1);
  const province = 'BJ';
  const today = shanghaiDate(Date.now());
  const [env, db, bundle] = await Promise.all([createDevServerEnv(), createTestDatabase(), workflowBundle()]);
  const taskQueue = 'bench-inspection-batch';
  const worker = await createWorker({ connection: env.nativeConnection, taskQueue, pool: db.pool, workflowBundle: bundle, maxCachedWorkflows: arg('cache', 250) });
  const running = worker.run();
  try {
    await seedLicences(db.pool, Array.from({ length: licensees }, (_, i) => ({ number: `BENCH-${i}`, uscc: freshUscc(), province })));
    const actor = { id: 'bench', role: 'ops' as const };
    for (let i = 0; i < inspectors; i++) await upsertInspector(db.pool, { id: `I-${i}`, name: `执法人员 ${i}`, province }, actor, new Date().toISOString());
    const tGrade = performance.now();
    await env.client.workflow.execute(riskGradesNightly, { taskQueue, workflowId: `bench-grades-${Date.now()}`, args: [{ asOf: today, provinces: [province] }] });
    const graded = performance.now() - tGrade;
    const batchId = `BENCH-${randomBytes(3).toString('hex')}`;
    await insertPlan(
      db.pool,
      {
        id: `PLAN-${batchId}`,
        province,
        year: Number(today.slice(0, 4)),
        recordedBy: 'bench',
        batches: [{ id: batchId, province, seq: 1, startsOn: today, endsOn: today, products: [], scope: 'bench', rates: { A: rate, B: rate, C: rate, D: rate }, seed: 'bench', scheduleId: 'none' }],
      },
      actor,
      new Date().toISOString(),
    );
    const t0 = performance.now();
    const h = await env.client.workflow.start(inspectionBatch, { taskQueue, workflowId: batchWorkflowId(batchId), args: [{ batchId, province }] });
    const done = await h.result();
    const elapsed = performance.now() - t0;
    const tasks = await listTasks(db.pool, { batchId }, 100_000);
    const started = tasks.filter((t) => t.startedAt).length;
    let largest = { id: '', events: 0 };
    const runs: number[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = '${batchWorkflowId(batchId)}'` })) {
      const events = (await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events?.length ?? 0;
      runs.push(events);
      if (events > largest.events) largest = { id: `${wf.workflowId} run ${wf.runId}`, events };
    }
    for (const t of tasks.filter((_, i) => i % Math.max(1, Math.floor(tasks.length / 20)) === 0)) {
      const events = (await env.client.workflow.getHandle(inspectionTaskWorkflowId(t.id)).fetchHistory()).events?.length ?? 0;
      if (events > largest.events) largest = { id: inspectionTaskWorkflowId(t.id), events };
    }
    console.log(machine());
    console.log(`licensees ${licensees.toLocaleString('en-US')}, inspectors ${inspectors}, rate ${rate}: grading (nightly workflow) ${(graded / 1000).toFixed(1)} s`);
    console.log(`batch: drew ${tasks.length}, staffed ${tasks.filter((t) => t.team).length}, started ${started} (workflow says ${done.started}) in ${(elapsed / 1000).toFixed(1)} s (target 60 s)`);
    console.log(`histories: ${runs.length} batch runs (continue-as-new), ${runs.join('/')} events; largest ${largest.events} events (${largest.id}); target under 2,000`);
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await env.teardown();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
