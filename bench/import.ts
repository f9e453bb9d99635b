/**
 * Benchmark (figures, not assertions) of the import of existing licences (issue 19):
 * `npx tsx bench/import.ts [--rows=20000] [--active-every=10]`. A generated register is validated
 * and staged, then imported by the workflow on the real Temporal dev server with a real worker
 * and PostgreSQL, lifecycles started for its valid licences. Prints rows per second (validation,
 * workflow) and the worker process's memory (RSS and heap, peak and at the end).
 */
import { performance } from 'node:perf_hooks';
import type { ImportProgress } from '../domain/licence/import-messages';
import { shanghaiDate } from '../domain/time';
import { importWorkflowId } from '../domain/workflow-ids';
import { stageImport } from '../db/imports';
import { prepareImport } from '../infra/import-file';
import { createWorker } from '../workers/worker';
import { licenceImport } from '../workflows/import/licence-import';
import { createTestDatabase } from '../test/helpers/db';
import { generateImportFile, toCsv } from '../test/helpers/import-file';
import { createDevServerEnv, workflowBundle } from '../test/helpers/temporal';
import { arg, machine } from './lib';

const MB = 1024 * 1024;

async function main(): Promise<void> {
  const rows = arg('rows', 20_000);
  const activeEvery = arg('active-every', 10);
  const today = shanghaiDate(Date.now());
  const [env, db, bundle] = await Promise.all([createDevServerEnv(), createTestDatabase(), workflowBundle()]);
  const taskQueue = 'bench-import';
  const worker = await createWorker({ connection: env.nativeConnection, taskQueue, pool: db.pool, workflowBundle: bundle });
  const running = worker.run();
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 200);
  try {
    const gen = generateImportFile({ rows, badPerKind: 10, today, activeEvery });
    const bytes = Buffer.from(toCsv(gen.rows));
    const t0 = performance.now();
    const prepared = prepareImport(bytes, 'bench.csv', { today });
    const tValidated = performance.now();
    const importId = `bench-${Date.now()}`;
    await stageImport(db.pool, { importId, fileName: 'bench.csv', fileSha256: prepared.sha256, encoding: prepared.encoding, format: prepared.format, province: prepared.province, rows: prepared.rows });
    const tStaged = performance.now();
    const h = await env.client.workflow.start(licenceImport, { taskQueue, workflowId: importWorkflowId(importId), args: [{ importId }] });
    const p = (await h.result()) as ImportProgress;
    const tDone = performance.now();
    const m = process.memoryUsage();
    console.log(machine());
    console.log(`rows ${rows.toLocaleString('en-US')} (${(bytes.length / MB).toFixed(1)} MiB CSV): imported ${p.imported}, unchanged ${p.unchanged}, changed ${p.changed}, refused ${p.refused}; lifecycles started ${p.lifecyclesStarted} (expected ${gen.active.length}); pages ${p.page}`);
    console.log(`validate ${((tValidated - t0) / 1000).toFixed(2)} s (${Math.round(rows / ((tValidated - t0) / 1000)).toLocaleString('en-US')} rows/s), stage ${((tStaged - tValidated) / 1000).toFixed(2)} s, workflow ${((tDone - tStaged) / 1000).toFixed(1)} s`);
    console.log(`end to end ${Math.round(rows / ((tDone - t0) / 1000)).toLocaleString('en-US')} rows/s; the workflow's own figure ${p.rowsPerSecond} rows/s`);
    console.log(`worker process memory: peak RSS ${(peakRss / MB).toFixed(0)} MiB, peak heap ${(peakHeap / MB).toFixed(0)} MiB; at the end RSS ${(m.rss / MB).toFixed(0)} MiB, heap ${(m.heapUsed / MB).toFixed(0)} MiB`);
  } finally {
    clearInterval(sampler);
    worker.shutdown();
    await running.catch(() => undefined);
    await env.teardown();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
