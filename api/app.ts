/**
 * The HTTP API: starts workflows and carries people's decisions to them. It holds no process
 * state of its own, so any number of instances behave as one.
 */
import express, { type Express } from 'express';
import type { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';

export interface ApiDeps {
  client: Client;
  /** For the health check (a Client only exposes its connection's common interface). */
  connection: Connection;
  pool: Pool;
  taskQueue: string;
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/health', async (_req, res) => {
    const [temporal, database] = await Promise.all([
      deps.connection.healthService
        .check({})
        .then(() => ({ ok: true as const }))
        .catch((e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) })),
      deps.pool
        .query('SELECT 1')
        .then(() => ({ ok: true as const }))
        .catch((e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) })),
    ]);
    const ok = temporal.ok && database.ok;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', temporal, database });
  });

  return app;
}
