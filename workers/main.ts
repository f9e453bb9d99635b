/**
 * Worker process. Scale by running more of these on the same task queue.
 * SIGINT/SIGTERM: the SDK stops polling, lets in-flight tasks finish within the grace time,
 * then exits.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { migrate } from '../db/migrate';
import { loadConfig } from '../domain/config';
import { createPinoLogger, temporalLoggerFrom } from './logging';
import { createPool, whenDatabaseAnswers, workerPoolSizes } from '../infra/pg';
import { connectClient, temporalConnectionOptions } from '../infra/temporal';
import { ensureRiskGradeSchedule } from './grade-schedule';
import { ensureCampaignSchedule } from './campaign-schedule';
import { ensureSamrSamplingSchedule } from './samr-schedule';
import { createWorker, startEcqsSender, startPublicitySender } from './worker';

/** The prebuilt bundle when there is one; a missing file is a packaging slip, not a reason not to start. */
function prebuiltBundle(codePath: string | undefined): { codePath: string } | undefined {
  if (!codePath) return undefined;
  if (existsSync(codePath)) return { codePath: path.resolve(codePath) };
  console.warn(`worker: WORKFLOW_BUNDLE_PATH=${codePath} does not exist; bundling the workflows in-process`);
  return undefined;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createPinoLogger(config.LOG_LEVEL === 'silent' ? 'silent' : config.LOG_LEVEL, 'worker');
  // The SDK's own worker metrics (task latencies, slots, polls) for Prometheus, per worker.
  Runtime.install({
    logger: temporalLoggerFrom(logger),
    telemetryOptions: config.WORKER_METRICS_PORT ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.WORKER_METRICS_PORT}` } } } : {},
  });
  // One connection per activity slot (+1), and the e-CQS sender's own small pool (README "Worker pool and timeouts").
  const sizes = workerPoolSizes(config);
  const pool = createPool(config, { max: sizes.activities, applicationName: 'licence-pipeline worker' });
  const senderPool = createPool(config, { max: sizes.sender, applicationName: 'licence-pipeline e-CQS sender' });
  await whenDatabaseAnswers(() => migrate(pool), (msg) => logger.warn({ step: 'migrate' }, msg));
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  try {
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      pool,
      calendarDir: config.CALENDAR_DIR,
      activitySlots: config.WORKER_ACTIVITY_SLOTS,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      workflowBundle: prebuiltBundle(config.WORKFLOW_BUNDLE_PATH),
    });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, metricsPort: config.WORKER_METRICS_PORT }, 'worker polling');
    // R06: deliver the e-CQS outbox beside the worker; stopped after the worker drains.
    const sender = startEcqsSender(config, senderPool, (level, msg, fields) => console[level](`e-CQS: ${msg}`, fields ?? ''));
    if (!sender) console.warn('worker: ECQS_URL not set (or ECQS_SENDER=off): e-CQS records stay in the outbox');
    // R12: deliver credit-publicity records the same way, from the same small pool.
    const publicity = startPublicitySender(config, senderPool, (level, msg, fields) => console[level](`credit publicity: ${msg}`, fields ?? ''));
    if (!publicity) console.warn('worker: PUBLICITY_URL not set (or PUBLICITY_SENDER=off): credit-publicity records stay unpublished');
    // R06: SAMR random checks; idempotent, so every worker may ensure it.
    const { client, connection: clientConnection } = await connectClient(config);
    await ensureSamrSamplingSchedule(client, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      cron: config.SAMR_SAMPLING_CRON,
      windowDays: config.SAMR_SAMPLING_WINDOW_DAYS,
      rate: config.SAMR_SAMPLING_RATE,
      minPerProvince: config.SAMR_SAMPLING_MIN,
    })
      .catch((err: unknown) => console.warn(`worker: SAMR sampling schedule not ensured: ${err instanceof Error ? err.message : String(err)}`))
      // R17: nightly risk grades, likewise idempotent.
      .then(() => ensureRiskGradeSchedule(client, { taskQueue: config.TEMPORAL_TASK_QUEUE }))
      .catch((err: unknown) => console.warn(`worker: risk-grade schedule not ensured: ${err instanceof Error ? err.message : String(err)}`))
      // R16: nightly campaign detection, likewise idempotent.
      .then(() => ensureCampaignSchedule(client, { taskQueue: config.TEMPORAL_TASK_QUEUE }))
      .catch((err: unknown) => console.warn(`worker: campaign schedule not ensured: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => void clientConnection.close());
    try {
      await worker.run();
    } finally {
      await Promise.all([sender?.stop(), publicity?.stop()]);
    }
  } finally {
    await connection.close();
    await pool.end();
    await senderPool.end();
  }
}

main().catch((err: unknown) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
