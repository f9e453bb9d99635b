/**
 * Prometheus metrics for ops, computed at scrape time from PostgreSQL and Temporal visibility,
 * so every API instance reports the same numbers and none keeps counters of its own.
 * (The Temporal SDK's worker metrics are served by each worker: see WORKER_METRICS_PORT.)
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { Gauge, Histogram, Registry } from 'prom-client';
import type { Calendar } from '../domain/calendar';
import { currentCalendar } from '../infra/calendar';
import { OPS_QUERIES } from '../domain/ops-queries';
import { publicityBacklog } from '../db/credit-publicity';
import { ecqsBacklog } from '../db/ecqs-outbox';
import { shanghaiDate } from '../domain/time';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** How far back decisions count for the decision metrics. */
const DECISION_WINDOW_DAYS = 365;

export async function renderMetrics(deps: { pool: Pool; client: Client; calendar?: Calendar }): Promise<string> {
  const registry = new Registry();
  const cases = new Gauge({ name: 'lp_cases', help: 'Open and closed cases by stage and province', labelNames: ['stage', 'province'], registers: [registry] });
  const decisions = new Gauge({
    name: 'lp_decisions',
    help: `Decisions in the last ${DECISION_WINDOW_DAYS} days, in and out of their deadline (R07)`,
    labelNames: ['outcome', 'in_deadline'],
    registers: [registry],
  });
  const workingDays = new Histogram({
    name: 'lp_decision_working_days',
    help: 'Working days from acceptance to decision (L03), last 365 days',
    buckets: [1, 2, 3, 4, 5, 10, 20, 40, 60],
    registers: [registry],
  });
  const overdueCases = new Gauge({ name: 'lp_decisions_overdue', help: 'Open cases past their decision deadline', labelNames: ['province'], registers: [registry] });
  const followUpsOverdue = new Gauge({ name: 'lp_followups_overdue', help: 'Follow-up inspections past their window (R08)', registers: [registry] });
  const outbox = new Gauge({ name: 'lp_ecqs_outbox_depth', help: 'e-CQS records not yet acknowledged (R06)', registers: [registry] });
  const outboxOldest = new Gauge({
    name: 'lp_ecqs_oldest_unacked_seconds',
    help: 'Age of the oldest e-CQS record not yet acknowledged (R06); 0 when none. Rises through an e-CQS outage (deploy/prometheus/alerts.yml)',
    registers: [registry],
  });
  const outboxParked = new Gauge({ name: 'lp_ecqs_parked', help: 'e-CQS records refused as invalid (4xx), holding their case until ops requeue them', registers: [registry] });
  const publicity = new Gauge({
    name: 'lp_credit_publicity_unpublished',
    help: 'Credit-publicity records not yet acknowledged by the national system (R12); parked = refused as invalid, needs a person',
    labelNames: ['state'],
    registers: [registry],
  });
  const publicityOldest = new Gauge({ name: 'lp_credit_publicity_oldest_unpublished_seconds', help: 'Age of the oldest unpublished credit-publicity record (R12); 0 when none', registers: [registry] });
  const waitingOnOps = new Gauge({
    name: 'lp_cases_waiting_on_ops',
    help: 'Running workflows (cases, follow-ups, licences) holding a step that failed for good until ops retry it; alert when > 0',
    registers: [registry],
  });

  const byStage = await deps.pool.query<{ stage: string; province: string; n: number }>(
    'SELECT stage, province, count(*)::int AS n FROM applications GROUP BY stage, province',
  );
  for (const r of byStage.rows) cases.set({ stage: r.stage, province: r.province }, r.n);

  const decided = await deps.pool.query<{ decision: string; accepted_at: Date | null; decided_at: Date; deadline_at: Date | null }>(
    `SELECT decision, accepted_at, decided_at, deadline_at FROM applications
      WHERE decision IN ('approved', 'refused') AND decided_at > now() - make_interval(days => $1)`,
    [DECISION_WINDOW_DAYS],
  );
  const calendar = deps.calendar ?? currentCalendar();
  for (const r of decided.rows) {
    const inDeadline = r.deadline_at === null || r.decided_at <= r.deadline_at;
    decisions.inc({ outcome: r.decision, in_deadline: String(inDeadline) });
    if (r.accepted_at) {
      try {
        workingDays.observe(calendar.workingDaysBetween(shanghaiDate(r.accepted_at.getTime()), shanghaiDate(r.decided_at.getTime())));
      } catch {
        // A date outside the calendar's years (migrated cases) has no working-day count.
      }
    }
  }

  const overdue = await deps.pool.query<{ province: string; n: number }>(
    `SELECT province, count(*)::int AS n FROM applications WHERE decision IS NULL AND breached_at IS NOT NULL GROUP BY province`,
  );
  for (const r of overdue.rows) overdueCases.set({ province: r.province }, r.n);

  const followUps = await deps.client.workflow
    .count(OPS_QUERIES.followUpsPastWindow)
    .catch(() => undefined);
  if (followUps) followUpsOverdue.set(followUps.count);
  const held = await deps.client.workflow.count(OPS_QUERIES.waitingOnOps).catch(() => undefined);
  if (held) waitingOnOps.set(held.count);

  // The outbox table arrives with the e-CQS migration; a database without it reports nothing.
  const hasOutbox = await deps.pool.query<{ t: string | null }>("SELECT to_regclass('ecqs_outbox')::text AS t");
  if (hasOutbox.rows[0]?.t) {
    const b = await ecqsBacklog(deps.pool);
    outbox.set(b.pending + b.parked);
    outboxParked.set(b.parked);
    outboxOldest.set(b.oldestPendingAt ? Math.max(0, (Date.now() - Date.parse(b.oldestPendingAt)) / 1000) : 0);
  }
  // R12: the credit-publicity outbox (0009_publicity_outbox.sql); reported once the migration has run.
  const hasPublicity = await deps.pool.query<{ t: string | null }>("SELECT to_regclass('credit_publicity_streams')::text AS t");
  if (hasPublicity.rows[0]?.t) {
    const b = await publicityBacklog(deps.pool);
    publicity.set({ state: 'pending' }, b.pending);
    publicity.set({ state: 'parked' }, b.parked);
    publicityOldest.set(b.oldestPendingAt ? Math.max(0, (Date.now() - Date.parse(b.oldestPendingAt)) / 1000) : 0);
  }
  return registry.metrics();
}
