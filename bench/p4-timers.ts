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
import { arg, figure, fmt, machine, noopCalls, pool, runBench, SMOKE, startWorld } from './lib';

const CASES = arg('cases', SMOKE ? 20 : 10_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long the handled count may stand still, with windows still open, before the run stops waiting for them. */
const STALL_MS = 300_000;

interface Phase {
  /** From the moment time passes the windows' end to the last one handled. */
  ms: number;
  startSeconds: number;
  /** Escalations before time moved (must be none). */
  early: number;
  /** Windows handled when the run stopped counting (all of them, unless it stalled). */
  count: number;
  db?: { n: number; early: number; keys: number };
}

/**
 * One kind of timer on a time-skipping server of its own: 10,000 follow-ups and 10,000 bare
 * timers together (20,000 workflows) failed inside the Java test server
 * (NegativeArraySizeException), so each half gets a fresh server, one after the other.
 */
async function phase(kind: 'ours' | 'bare', run: string): Promise<Phase> {
  const env = await createTimeSkippingEnv();
  const world = await startWorld(env, `bench-p4-${kind}`);
  const client = env.client;
  noopCalls.delete('timer-fired');
  try {
    const issuedAt = new Date(Date.now()).toISOString();
    const t0 = performance.now();
    await pool([...Array(CASES).keys()], 50, async (i) => {
      if (kind === 'bare') {
        await client.workflow.start('bareTimerChild', { taskQueue: world.taskQueue, workflowId: `P4-bare-${run}-${i}`, args: [] });
        return;
      }
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
    });
    const startSeconds = (performance.now() - t0) / 1000;
    const escalated = async () =>
      (await world.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action = 'follow-up-overdue'")).rows[0]!.n;
    const handled = async () => (kind === 'ours' ? escalated() : (noopCalls.get('timer-fired') ?? 0));
    // Let every first workflow task run (the timers are set) before time moves.
    await sleep(2000);
    const early = await handled();
    const t1 = performance.now();
    // Not awaited first: the count is what tells that every window was handled, whether or not the call returns.
    let sleepFailed = false;
    const skipped = env.sleep('61 days').then(
      () => true,
      (err: unknown) => {
        sleepFailed = true;
        console.log(`P4 ${kind}: the time-skipping server's sleep failed (${String(err)}); counting what was handled`);
        return true;
      },
    );
    // Timed to the last one handled (no result long-polls: the time-skipping server does not take thousands at once).
    // A run where the count stops moving ends there, and what is missing is reported as lost rather than waited for.
    let last = -1;
    let movedAt = performance.now();
    for (;;) {
      const n = await handled();
      if (n >= CASES) break;
      if (n !== last) [last, movedAt] = [n, performance.now()];
      else if (performance.now() - movedAt > STALL_MS) {
        console.log(`P4 ${kind}: ${n} of ${CASES} handled and none more in ${STALL_MS / 1000} s${sleepFailed ? ' (after the sleep failed)' : ''}`);
        break;
      }
      await sleep(100);
    }
    const ms = performance.now() - t1;
    const count = await handled();
    if (!(await Promise.race([skipped, sleep(60_000).then(() => false)]))) {
      console.log(`P4 ${kind}: every window was handled, but the time-skipping server's sleep had not returned 60 s later`);
    }
    if (kind === 'bare') return { ms, startSeconds, early, count };
    const rows = await world.db.pool.query<{ n: number; early: number; keys: number }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE occurred_at <= (details->>'dueAt')::timestamptz)::int AS early,
              count(DISTINCT certificate_no || application_id)::int AS keys
         FROM audit_events WHERE action = 'follow-up-overdue'`,
    );
    return { ms, startSeconds, early, count, db: rows.rows[0]! };
  } finally {
    // After 10,000 follow-ups the worker's shutdown against the Java test server hung for minutes
    // with nothing left to do (2026-12-07, both processes idle); the figures are in by then, so
    // the server is torn down under it rather than the run waiting for ever.
    const stopped = await Promise.race([
      world.stop().then(
        () => true,
        () => true,
      ),
      sleep(60_000).then(() => false),
    ]);
    if (!stopped) {
      console.log(`P4 ${kind}: the worker had not stopped 60 s after the run; the test server is torn down under it`);
      await world.db.drop().catch(() => undefined);
    }
    await env.teardown();
  }
}

async function main(): Promise<void> {
  console.log(`P4 timers: ${CASES} follow-up windows (60 days) ending on the same simulated day, time-skipping server`);
  console.log(machine());
  const run = Date.now().toString(36);
  const ours = await phase('ours', run);
  const r = ours.db!;
  // Said before the baseline runs, so a baseline that fails does not take these with it.
  console.log(`P4 started ${CASES} follow-ups in ${fmt(ours.startSeconds)} s; ${ours.count === CASES ? 'every window' : `${ours.count} windows`} escalated ${fmt(ours.ms / 1000)} s after the day passed`);
  console.log(`P4 escalations recorded: ${r.n} of ${CASES} (lost ${CASES - r.keys}), early ${r.early + ours.early}, duplicates ${r.n - r.keys}`);
  const bare = await phase('bare', run);
  console.log(`P4 started ${CASES} bare timers in ${fmt(bare.startSeconds)} s (on a server of its own); ${bare.count} of ${CASES} fired`);
  console.log(figure('P4 time to escalate every window after the day passes', ours.ms / 1000, bare.ms / 1000, 's'));
  if (r.n !== CASES || r.early + ours.early !== 0 || r.keys !== CASES) process.exitCode = 1;
}

runBench(main);
