/** Operations: health, Prometheus metrics, the OpenAPI document and its browsable docs. */
import { timingSafeEqual } from 'node:crypto';
import { currentCalendar } from '../../infra/calendar';
import { DOCS_CSP, renderDocs } from '../docs';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../metrics';
import { buildOpenApi } from '../openapi';
import { type AnyRoute, defineRoute } from '../route';
import * as S from '../schemas';
import { HttpProblem } from '../problem';

/** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const health = defineRoute({
  method: 'get',
  path: '/health',
  operationId: 'health',
  tag: 'operations',
  summary: 'Health',
  description: 'Reachability of Temporal and PostgreSQL.',
  roles: 'public',
  responses: { 200: { description: 'all reachable', schema: S.HealthResponse }, 503: { description: 'something is not reachable', contentType: 'application/json', schema: S.HealthResponse } },
  async handler({ deps }) {
    const check = (p: Promise<unknown>) =>
      // Public route: say what is down, not the driver's words (hosts, users); the log has those.
      p.then(() => ({ ok: true as const })).catch((e: unknown) => {
        console.error(JSON.stringify({ level: 'error', service: 'api', msg: 'health check failed', error: e instanceof Error ? e.message : String(e) }));
        return { ok: false as const, error: 'not reachable' };
      });
    const [temporal, database] = await Promise.all([check(deps.temporalHealth()), check(deps.pool.query('SELECT 1'))]);
    const ok = temporal.ok && database.ok;
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', temporal, database } };
  },
});

const metrics = defineRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'metrics',
  tag: 'operations',
  summary: 'Prometheus metrics',
  description:
    'Cases by stage, decisions in and out of deadline, working days to decision, overdue decisions and follow-ups, e-CQS outbox depth. Computed at scrape time. ' +
    'When METRICS_TOKEN is set (required in production) the scraper sends `Authorization: Bearer <METRICS_TOKEN>`.',
  rules: ['R07', 'R08', 'R06'],
  roles: 'public',
  headers: { authorization: S.MetricsAuthorization },
  responses: {
    200: { description: 'Prometheus text format', contentType: METRICS_CONTENT_TYPE, schema: S.DocsPage },
    401: { description: 'METRICS_TOKEN is set and the request does not carry it' },
  },
  async handler({ deps, req }) {
    if (deps.metricsToken === null) {
      throw new HttpProblem('unauthorized', 'the metrics are closed: this deployment runs in production without METRICS_TOKEN; set it and scrape with `Authorization: Bearer <METRICS_TOKEN>`');
    }
    if (deps.metricsToken && !sameSecret(req.header('authorization') ?? '', `Bearer ${deps.metricsToken}`)) {
      throw new HttpProblem('unauthorized', 'the metrics need `Authorization: Bearer <METRICS_TOKEN>`', undefined, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
    }
    const body = await renderMetrics({ pool: deps.pool, client: deps.client, calendar: currentCalendar(deps.calendarDir) });
    return { status: 200, body, contentType: METRICS_CONTENT_TYPE };
  },
});

/** The document and docs routes describe every route, so they take the full list lazily. */
export function documentationRoutes(all: () => readonly AnyRoute[]): AnyRoute[] {
  let openApiCache: Record<string, unknown> | undefined;
  const openapi = defineRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'openApiDocument',
  tag: 'operations',
  summary: 'This OpenAPI 3.1 document',
  roles: 'public',
  responses: { 200: { description: 'the document', schema: S.OpenApiDocument } },
  async handler() {
    openApiCache ??= buildOpenApi(all());
    return { status: 200, body: openApiCache };
  },
});

  const docs = defineRoute({
  method: 'get',
  path: '/docs',
  operationId: 'docs',
  tag: 'operations',
  summary: 'Interactive documentation',
  roles: 'public',
  responses: { 200: { description: 'HTML page, self-contained', contentType: 'text/html', schema: S.DocsPage } },
  async handler() {
    openApiCache ??= buildOpenApi(all());
    return { status: 200, body: renderDocs(openApiCache), contentType: 'text/html', headers: { 'Content-Security-Policy': DOCS_CSP } };
  },
});
  return [openapi, docs];
}

export const opsRoutes: AnyRoute[] = [health, metrics];
