/**
 * The HTTP API: starts workflows and carries people's decisions to them. It holds no process
 * state of its own, so any number of instances behave as one.
 */
import express, { type Express } from 'express';
import type { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { loadConfig } from '../domain/config';
import { resolveJwtSecret } from './auth';
import { type ConsoleOptions, consoleOptionsFrom, mountConsole } from './console';
import { HttpProblem, problemMiddleware, sendProblem } from './problem';
import { mount, type RouteDeps } from './route';
import { ROUTES } from './routes';

export interface ApiDeps {
  client: Client;
  /** For the health check (a Client only exposes its connection's common interface). */
  connection: Connection;
  pool: Pool;
  taskQueue: string;
  /** HS256 secret for bearer tokens; default: JWT_SECRET via loadConfig() (refused in production when missing or default). */
  jwtSecret?: string;
  /** Calendar data directory for /calendar/deadline; default CALENDAR_DIR or the bundled data. */
  calendarDir?: string;
  /** Largest accepted request body (default 1mb). */
  bodyLimit?: string;
  /** Where unexpected errors go (default console.error). */
  logError?: (err: unknown) => void;
  /** The web console (api/console/); default from loadConfig(): Temporal UI address, dev sign-in unless production. */
  console?: ConsoleOptions;
}

export const DEFAULT_BODY_LIMIT = '1mb';

export function createApp(deps: ApiDeps): Express {
  const config = deps.jwtSecret === undefined || deps.calendarDir === undefined ? loadConfig() : undefined;
  const routeDeps: RouteDeps = {
    client: deps.client,
    pool: deps.pool,
    taskQueue: deps.taskQueue,
    jwtSecret: deps.jwtSecret ?? resolveJwtSecret(config!),
    calendarDir: deps.calendarDir ?? config?.CALENDAR_DIR,
    temporalHealth: () => deps.connection.healthService.check({}).then(() => undefined),
  };
  const consoleOptions = deps.console ?? consoleOptionsFrom(config ?? loadConfig());
  routeDeps.devSignIn = consoleOptions.devSignIn;

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple'); // ?a=1&a=2 is an array, never a nested object
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(express.json({ limit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));

  mountConsole(app, consoleOptions);

  const router = express.Router();
  const methodsByPath = new Map<string, string[]>();
  for (const route of ROUTES) {
    router[route.method](route.path, mount(route, routeDeps));
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
  }
  // A known path with another method: 405 with Allow, not a misleading 404.
  for (const [path, methods] of methodsByPath) {
    router.all(path, (req, res) => {
      const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
      sendProblem(res, new HttpProblem('method-not-allowed', `${req.method} is not supported here; use ${allow}`, undefined, { Allow: allow }), req.originalUrl);
    });
  }
  app.use(router);
  app.use((req, res) => sendProblem(res, new HttpProblem('not-found', `no route ${req.method} ${req.path}; see /docs`), req.originalUrl));
  app.use(problemMiddleware(deps.logError ?? ((err) => console.error('api: unexpected error', err))));
  return app;
}
