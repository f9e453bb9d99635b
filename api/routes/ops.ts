/** Operations: health, Prometheus metrics, the OpenAPI document and its browsable docs. */
import { currentCalendar } from '../../infra/calendar';
import { DOCS_CSP, renderDocs } from '../docs';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../metrics';
import { buildOpenApi } from '../openapi';
import { type AnyRoute, defineRoute } from '../route';
import * as S from '../schemas';

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
      p.then(() => ({ ok: true as const })).catch((e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) }));
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
  description: 'Cases by stage, decisions in and out of deadline, working days to decision, overdue decisions and follow-ups, e-CQS outbox depth. Computed at scrape time; restrict it at the network edge.',
  rules: ['R07', 'R08', 'R06'],
  roles: 'public',
  responses: { 200: { description: 'Prometheus text format', contentType: METRICS_CONTENT_TYPE, schema: S.DocsPage } },
  async handler({ deps }) {
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
