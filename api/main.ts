import { loadConfig } from '../domain/config';
import { createPool } from '../infra/pg';
import { connectClient } from '../infra/temporal';
import { createApp } from './app';
import { resolveJwtSecret } from './auth';

async function main(): Promise<void> {
  const config = loadConfig();
  // Refuses to start in production without a secret of its own (before touching anything else).
  const jwtSecret = resolveJwtSecret(config);
  if (!config.JWT_SECRET) console.warn('api: JWT_SECRET is not set; using the development default secret (refused when NODE_ENV=production)');
  if (config.NODE_ENV === 'production' && !config.METRICS_TOKEN) console.warn('api: METRICS_TOKEN is not set: /metrics is closed (docs/security.md)');
  const pool = createPool(config);
  const { client, connection } = await connectClient(config);
  const app = createApp({ client, connection, pool, taskQueue: config.TEMPORAL_TASK_QUEUE, jwtSecret, calendarDir: config.CALENDAR_DIR });
  const server = app.listen(config.PORT, () => console.log(`api: listening on http://localhost:${config.PORT}`));
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(err.code === 'EADDRINUSE' ? `api: port ${config.PORT} is already in use` : `api: ${err.message}`);
    process.exit(1);
  });
  const stop = () => {
    server.close(() => {
      void connection.close().finally(() => void pool.end().finally(() => process.exit(0)));
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`api: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
