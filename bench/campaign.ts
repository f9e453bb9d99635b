/**
 * Benchmark (figures, not assertions) of an R16 campaign: `npx tsx bench/campaign.ts
 * [--licensees=3000] [--others=300] [--inspectors=60]`. Synthetic licensees of one product in one
 * province (and some of another product, which the campaign must leave alone) are graded by the
 * nightly workflow (timed apart), then a serious accident is recorded through the signal intake
 * workflow, as the API does: the campaign starts by itself and its R11 batch (rate 1) starts an
 * inspection for every licensee of the product, on the real Temporal dev server with a real
 * worker and PostgreSQL. Prints the time from the signal to the last inspection started and the
 * largest history among the intake, the campaign, the batch's runs and a sample of its tasks
 * (target: none over 2,000 events).
 */
import { performance } from 'node:perf_hooks';
import { listTasks } from '../db/inspection-batches';
import { upsertInspector } from '../db/inspectors';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../domain/config';
import { campaignStatusQuery, campaignWorkflowId, riskSignalIntakeWorkflowId } from '../domain/supervision/campaign';
import { batchWorkflowId, inspectionTaskWorkflowId } from '../domain/supervision/inspection-task';
import { shanghaiDate } from '../domain/time';
import { createWorker } from '../workers/worker';
import { riskGradesNightly } from '../workflows/supervision/risk-grades-nightly';
import { riskSignalIntake } from '../workflows/supervision/risk-signal-intake';
import { createTestDatabase } from '../test/helpers/db';
import { freshUscc } from '../test/helpers/fixtures';
import { seedLicences } from '../test/helpers/licensees';
import { createDevServerEnv, workflowBundle } from '../test/helpers/temporal';
import { arg, machine, runBench, SMOKE } from './lib';

async function main(): Promise<void> {
  const licensees = arg('licensees', SMOKE ? 200 : 3_000);
  const others = arg('others', SMOKE ? 20 : 300);
  const inspectors = arg('inspectors', 60);
  const province = 'BJ';
  const today = shanghaiDate(Date.now());
  const [env, db, bundle] = await Promise.all([createDevServerEnv(), createTestDatabase(), workflowBundle()]);
  const taskQueue = 'bench-campaign';
  // The production default cache (WORKER_MAX_CACHED_WORKFLOWS, docs/performance.md): the SDK's own grows with the heap until the workflow thread runs out.
  const worker = await createWorker({ connection: env.nativeConnection, taskQueue, pool: db.pool, workflowBundle: bundle, maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS });
  const running = worker.run();
  try {
    const usccs = Array.from({ length: licensees }, () => freshUscc());
    await seedLicences(db.pool, [
      ...usccs.map((uscc, i) => ({ number: `BENCH-C-${i}`, uscc, province, product: 'cement' })),
      ...Array.from({ length: others }, (_, i) => ({ number: `BENCH-F-${i}`, uscc: freshUscc(), province, product: 'fertiliser' })),
    ]);
    const actor = { id: 'bench', role: 'ops' as const };
    for (let i = 0; i < inspectors; i++) await upsertInspector(db.pool, { id: `I-${i}`, name: `执法人员 ${i}`, province }, actor, new Date().toISOString());
    const tGrade = performance.now();
    await env.client.workflow.execute(riskGradesNightly, { taskQueue, workflowId: `bench-grades-${Date.now()}`, args: [{ asOf: today, provinces: [province] }] });
    const graded = performance.now() - tGrade;

    const t0 = performance.now();
    const signalKey = `bench-accident-${Date.now()}`;
    const intake = await env.client.workflow.execute(riskSignalIntake, {
      taskQueue,
      workflowId: riskSignalIntakeWorkflowId(signalKey),
      args: [{ signalKey, province, product: 'cement', region: '北京市', uscc: usccs[0], kind: 'accident', serious: true, origin: 'local', source: 'bench', summary: '严重质量安全事故', evidence: [], occurredOn: today, recordedBy: 'bench' }],
    });
    const tIntake = performance.now() - t0;
    const campaignId = intake.campaigns[0]!.campaignId;
    const batchId = `campaign-${campaignId}`;
    let started = 0;
    for (;;) {
      const tasks = await listTasks(db.pool, { batchId }, 100_000);
      started = tasks.filter((t) => t.startedAt).length;
      if (tasks.length === licensees && started === licensees) break;
      if (performance.now() - t0 > 15 * 60_000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const elapsed = performance.now() - t0;
    const status = await env.client.workflow.getHandle(campaignWorkflowId(campaignId)).query(campaignStatusQuery);

    let largest = { id: '', events: 0 };
    const count = async (workflowId: string, runId?: string) => {
      const events = (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events?.length ?? 0;
      if (events > largest.events) largest = { id: `${workflowId}${runId ? ` run ${runId}` : ''}`, events };
      return events;
    };
    const intakeEvents = await count(riskSignalIntakeWorkflowId(signalKey));
    const campaignEvents = await count(campaignWorkflowId(campaignId));
    const runs: number[] = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = '${batchWorkflowId(batchId)}'` })) runs.push(await count(wf.workflowId, wf.runId));
    const tasks = await listTasks(db.pool, { batchId }, 100_000);
    for (const t of tasks.filter((_, i) => i % Math.max(1, Math.floor(tasks.length / 20)) === 0)) await count(inspectionTaskWorkflowId(t.id));
    const wrongProduct = tasks.filter((t) => !usccs.includes(t.uscc)).length;

    console.log(machine());
    console.log(`licensees ${licensees.toLocaleString('en-US')} of the product (+${others} of another), inspectors ${inspectors}: grading (nightly workflow) ${(graded / 1000).toFixed(1)} s`);
    console.log(`signal → campaign proposed and started: intake ${(tIntake / 1000).toFixed(2)} s; campaign ${campaignId} (${status.stage})`);
    console.log(`all inspections started: ${started}/${licensees} (tasks of another product: ${wrongProduct}) in ${(elapsed / 1000).toFixed(1)} s from the signal`);
    console.log(`histories: intake ${intakeEvents}, campaign ${campaignEvents}, ${runs.length} batch runs (continue-as-new) ${runs.join('/')} events; largest ${largest.events} events (${largest.id}); target under 2,000`);
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await env.teardown();
    await db.drop();
  }
}

runBench(main);
