/**
 * Benchmark (figures, not assertions) of an R11 batch: `npx tsx bench/inspection-batch.ts
 * [--licensees=5000] [--inspectors=60] [--rate=1] [--cache=100]`. Synthetic licensees of one province are graded
 * by the nightly workflow (timed apart: grades are normally there already), then one batch draws
 * them (rate 1 by default: every licensee an inspectee, the worst case), draws a team for each
 * and starts every inspection task, on the real Temporal dev server with a real worker and
 * PostgreSQL. Its baseline, in the same run on the same server and worker: `bareBatch`
 * (bench/workflows/bare.ts), the same pages of child starts and activities doing nothing, so the
 * ratio says what our own logic costs above what the server needs to open that many workflows.
 * Prints the time to the last task started and the largest history among the
 * batch's runs (continue-as-new) and a sample of its tasks (target: under 2,000 events), where a
 * page's time goes, and the worker's own CPU (steadier than wall time on a shared machine). The
 * worker caches `--cache` workflows, the production default (WORKER_MAX_CACHED_WORKFLOWS).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { insertPlan, listTasks } from '../db/inspection-batches';
import { upsertInspector } from '../db/inspectors';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../domain/config';
import { batchWorkflowId, inspectionTaskWorkflowId } from '../domain/supervision/inspection-task';
import { shanghaiDate } from '../domain/time';
import { BATCH_PAGE_SIZE, inspectionBatch } from '../workflows/supervision/inspection-batch';
import { riskGradesNightly } from '../workflows/supervision/risk-grades-nightly';
import { freshUscc } from '../test/helpers/fixtures';
import { seedLicences } from '../test/helpers/licensees';
import { createDevServerEnv } from '../test/helpers/temporal';
import { arg, figure, machine, runBench, SMOKE, startWorld } from './lib';

async function main(): Promise<void> {
  const licensees = arg('licensees', SMOKE ? 200 : 5_000);
  const inspectors = arg('inspectors', 60);
  const rate = arg('rate', 1);
  const province = 'BJ';
  const today = shanghaiDate(Date.now());
  const env = await createDevServerEnv();
  const taskQueue = 'bench-inspection-batch';
  const world = await startWorld(env, taskQueue, { maxCachedWorkflows: arg('cache', DEFAULT_MAX_CACHED_WORKFLOWS) });
  const db = world.db;
  try {
    // The floor first: a bare batch opening as many children, in the same pages, on the same server and worker.
    const tBare = performance.now();
    const cpuBare = process.cpuUsage();
    const bareId = `bench-bare-batch-${randomBytes(3).toString('hex')}`;
    await env.client.workflow.execute('bareBatch', { taskQueue, workflowId: bareId, args: [{ id: bareId, total: Math.round(licensees * Math.min(1, rate)), pageSize: BATCH_PAGE_SIZE }] });
    const bareElapsed = performance.now() - tBare;
    const bareCpu = process.cpuUsage(cpuBare);
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
    const cpuStart = process.cpuUsage();
    const h = await env.client.workflow.start(inspectionBatch, { taskQueue, workflowId: batchWorkflowId(batchId), args: [{ batchId, province }] });
    const done = await h.result();
    const elapsed = performance.now() - t0;
    const tasks = await listTasks(db.pool, { batchId }, 100_000);
    const started = tasks.filter((t) => t.startedAt).length;
    let largest = { id: '', events: 0 };
    const runs: number[] = [];
    // Where a page's time goes: from its first child start to the last child reported started, and the whole run.
    const pages: { run: number; starts: number; tasks: number }[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = '${batchWorkflowId(batchId)}'` })) {
      const evs = (await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? [];
      runs.push(evs.length);
      if (evs.length > largest.events) largest = { id: `${wf.workflowId} run ${wf.runId}`, events: evs.length };
      const ms = (e: (typeof evs)[number]) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
      const initiated = evs.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
      const startedEv = evs.filter((e) => e.childWorkflowExecutionStartedEventAttributes);
      if (initiated.length && startedEv.length) {
        pages.push({
          run: ms(evs.at(-1)!) - ms(evs[0]!),
          starts: ms(startedEv.at(-1)!) - ms(initiated[0]!),
          tasks: evs.filter((e) => e.workflowTaskCompletedEventAttributes).length,
        });
      }
    }
    const cpu = process.cpuUsage(cpuStart);
    for (const t of tasks.filter((_, i) => i % Math.max(1, Math.floor(tasks.length / 20)) === 0)) {
      const events = (await env.client.workflow.getHandle(inspectionTaskWorkflowId(t.id)).fetchHistory()).events?.length ?? 0;
      if (events > largest.events) largest = { id: inspectionTaskWorkflowId(t.id), events };
    }
    console.log(machine());
    console.log(`licensees ${licensees.toLocaleString('en-US')}, inspectors ${inspectors}, rate ${rate}: grading (nightly workflow) ${(graded / 1000).toFixed(1)} s`);
    console.log(`batch: drew ${tasks.length}, staffed ${tasks.filter((t) => t.team).length}, started ${started} (workflow says ${done.started}) in ${(elapsed / 1000).toFixed(1)} s (target 60 s)`);
    console.log(
      `${figure('batch time to every task started', elapsed / 1000, bareElapsed / 1000, 's')}; worker process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s vs ${((bareCpu.user + bareCpu.system) / 1e6).toFixed(1)} s bare`,
    );
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    console.log(
      `per page of ${BATCH_PAGE_SIZE} (median of ${pages.length}): run ${(med(pages.map((p) => p.run)) / 1000).toFixed(1)} s, of which child starts ${(med(pages.map((p) => p.starts)) / 1000).toFixed(1)} s, ${med(pages.map((p) => p.tasks))} workflow tasks; worker process CPU during the batch ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (server and PostgreSQL not counted)`,
    );
    console.log(`histories: ${runs.length} batch runs (continue-as-new), ${runs.join('/')} events; largest ${largest.events} events (${largest.id}); target under 2,000`);
  } finally {
    await world.stop();
    await env.teardown();
  }
}

runBench(main);
