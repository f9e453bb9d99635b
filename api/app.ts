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
import { type ErrorLog, HttpProblem, problemMiddleware, sendProblem } from './problem';
import { type RateLimiters, rateLimitersFrom, requestIds, securityHeaders } from './security';
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
  /** Where unexpected errors go (default: one JSON line on stderr with the request id). */
  logError?: ErrorLog;
  /** Per-instance rate limits (default from RATE_LIMIT_*); `{}` turns them off (benchmarks). */
  rateLimits?: RateLimiters;
  /** Default from JWT_SECRET_PREVIOUS and METRICS_TOKEN. */
  jwtPreviousSecret?: string;
  /** `null`: closed whatever the environment says. */
  metricsToken?: string | null;
  /** The web console (api/console/); default from loadConfig(): Temporal UI address, dev sign-in unless production. */
  console?: ConsoleOptions;
}

export const DEFAULT_BODY_LIMIT = '1mb';

/** One JSON line per failure, carrying the request id the client was given. */
const logToStderr: ErrorLog = (err, context) => {
  const error = err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { message: String(err) };
  process.stderr.write(`${JSON.stringify({ level: 'error', time: new Date().toISOString(), service: 'api', msg: 'request failed', ...context, error })}\n`);
};

export function createApp(deps: ApiDeps): Express {
  const env = loadConfig();
  const routeDeps: RouteDeps = {
    client: deps.client,
    pool: deps.pool,
    taskQueue: deps.taskQueue,
    jwtSecret: deps.jwtSecret ?? resolveJwtSecret(env),
    jwtPreviousSecret: deps.jwtPreviousSecret ?? env.JWT_SECRET_PREVIOUS,
    // Production never serves metrics to anyone who asks: without a token they stay closed.
    metricsToken: deps.metricsToken !== undefined ? deps.metricsToken : (env.METRICS_TOKEN ?? (env.NODE_ENV === 'production' ? null : undefined)),
    rateLimits: deps.rateLimits ?? rateLimitersFrom(env),
    calendarDir: deps.calendarDir ?? env.CALENDAR_DIR,
    temporalHealth: () => deps.connection.healthService.check({}).then(() => undefined),
  };
  const consoleOptions = deps.console ?? consoleOptionsFrom(env);
  routeDeps.devSignIn = consoleOptions.devSignIn;

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple'); // ?a=1&a=2 is an array, never a nested object
  if (env.TRUST_PROXY) app.set('trust proxy', /^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY);
  app.use(requestIds());
  app.use(securityHeaders({ hsts: env.NODE_ENV === 'production' }));
  app.use(express.json({ limit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));

  mountConsole(app, consoleOptions);

  const router = express.Router();
  const methodsByPath = new Map<string, string[]>();
  for (const route of ROUTES) methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
  // A known path with another method: 405 with Allow, not a misleading 404.
  const notAllowed = (methods: string[]) => (req: express.Request, res: express.Response) => {
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
    sendProblem(res, new HttpProblem('method-not-allowed', `${req.method} is not supported here; use ${allow}`, undefined, { Allow: allow }), req.originalUrl);
  };
  // Paths without parameters first, each with its 405: `GET /risk-reports/public` is a 405 (only POST
  // is served there), not `GET /risk-reports/{ref}` with ref "public" (which answered 401/404).
  const literal = (path: string) => !path.includes(':');
  for (const route of ROUTES.filter((r) => literal(r.path))) router[route.method](route.path, mount(route, routeDeps));
  for (const [path, methods] of methodsByPath) if (literal(path)) router.all(path, notAllowed(methods));
  for (const route of ROUTES.filter((r) => !literal(r.path))) router[route.method](route.path, mount(route, routeDeps));
  for (const [path, methods] of methodsByPath) if (!literal(path)) router.all(path, notAllowed(methods));
  app.use(router);
  app.use((req, res) => sendProblem(res, new HttpProblem('not-found', `no route ${req.method} ${req.path}; see /docs`), req.originalUrl));
  app.use(problemMiddleware(deps.logError ?? logToStderr));
  return app;
}
