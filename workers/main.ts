/**
 * Worker process. Scale by running more of these on the same task queue.
 * SIGINT/SIGTERM: the SDK stops polling, lets in-flight tasks finish within the grace time,
 * then exits.
 */
import { NativeConnection } from '@temporalio/worker';
import { Pool } from 'pg';
import { migrate } from '../db/migrate';
import { loadConfig } from '../domain/config';
import { temporalTls } from './tls';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  await migrate(pool);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS, tls: temporalTls(config) });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      pool,
      calendarDir: config.CALENDAR_DIR,
    });
    console.log(`worker: polling task queue '${config.TEMPORAL_TASK_QUEUE}' on ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE})`);
    await worker.run();
  } finally {
    await connection.close();
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
