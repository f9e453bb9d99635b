/**
 * P4, timers: many follow-up inspections (R08) whose 60-day windows all end on the same
 * simulated day, on the time-skipping server. Proves none escalates early, none is lost, and
 * every escalation is recorded in PostgreSQL; times how long the server and worker take to work
 * through them, beside the same number of bare 60-day timers in the same run.
 *   npx tsx bench/p4-timers.ts [--cases=10000] [--smoke]
 */
import { performance } from 'node:perf_hooks';
import type { FollowUpInput } from '../domain/supervision/follow-up';
import { followUpWorkflowId } from '../domain/workflow-ids';
import { createTimeSkippingEnv } from '../test/helpers/temporal';
import { USCC } from '../test/helpers/fixtures';
import { arg, figure, fmt, machine, noopCalls, pool, SMOKE, startWorld } from './lib';

const CASES = arg('cases', SMOKE ? 20 : 10_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  console.log(`P4 timers: ${CASES} follow-up windows (60 days) ending on the same simulated day, time-skipping server`);
  console.log(machine());
  const env = await createTimeSkippingEnv();
  const world = await startWorld(env, 'bench-p4');
  const client = env.client;
  const run = Date.now().toString(36);
  try {
    const issuedAt = new Date(Date.now()).toISOString();
    const t0 = performance.now();
    await pool([...Array(CASES).keys()], 50, async (i) => {
      const applicationId = `P4-${run}-${i}`;
      const input: FollowUpInput = {
        applicationId,
        certificateNumber: `(京)XK08-001-${String(i % 100_000).padStart(5, '0')}`,
        province: 'BJ',
        product: 'cement',
        uscc: USCC,
        kind: 'supervision-inspection',
        window: { n: 60, unit: 'days' },
        issuedAt,
        policyVersion: '2020-09-29',
      };
      await client.workflow.start('followUpInspection', { taskQueue: world.taskQueue, workflowId: followUpWorkflowId(applicationId), args: [input] });
      await client.workflow.start('bareTimerChild', { taskQueue: world.taskQueue, workflowId: `P4-bare-${run}-${i}`, args: [] });
    });
    console.log(`P4 started ${CASES} follow-ups and ${CASES} bare timers in ${fmt((performance.now() - t0) / 1000)} s`);
    // Let every first workflow task run (the timers are set) before time moves.
    const escalated = async () =>
      (await world.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action = 'follow-up-overdue'")).rows[0]!.n;
    await sleep(2000);
    const early = await escalated();

    const t1 = performance.now();
    await env.sleep('61 days');
    // Both kinds fire together; each is timed to its last one (no result long-polls: the
    // time-skipping server does not take thousands of them at once).
    let oursMs = 0;
    let bareMs = 0;
    while (!oursMs || !bareMs) {
      if (!oursMs && (await escalated()) >= CASES) oursMs = performance.now() - t1;
      if (!bareMs && (noopCalls.get('timer-fired') ?? 0) >= CASES) bareMs = performance.now() - t1;
      await sleep(100);
    }
    const rows = await world.db.pool.query<{ n: number; early: number; keys: number }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE occurred_at <= (details->>'dueAt')::timestamptz)::int AS early,
              count(DISTINCT certificate_no || application_id)::int AS keys
         FROM audit_events WHERE action = 'follow-up-overdue'`,
    );
    const r = rows.rows[0]!;
    console.log(`P4 escalations recorded: ${r.n} of ${CASES} (lost ${CASES - r.keys}), early ${r.early + early}, duplicates ${r.n - r.keys}`);
    console.log(figure('P4 time to escalate every window after the day passes', oursMs / 1000, bareMs / 1000, 's'));
    if (r.n !== CASES || r.early + early !== 0 || r.keys !== CASES) process.exitCode = 1;
  } finally {
    await world.stop();
    await env.teardown();
  }
}

// The Temporal runtime keeps the process alive: leave when the figures are out.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
