/**
 * R06: SAMR's random checks of provincial approvals — a Temporal Schedule on the real dev server
 * (the time-skipping server has no schedules) running the sampling workflow against real
 * PostgreSQL. Proves: the draw is reproducible from its audit record (seed + population), it
 * only draws recent approvals of each province, and the schedule set-up is idempotent.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createSamplingActivities } from '../../activities/samr/sampling';
import { PROVINCE_CODES } from '../../domain/provinces';
import { canonicalPopulation, drawSample, SAMPLING_ALGORITHM, sampleSize } from '../../domain/samr/sampling';
import { samrSampling } from '../../workflows/samr/samr-sampling';
import { ensureSamrSamplingSchedule } from '../../workers/samr-schedule';
import { createWorker } from '../../workers/worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeApplication, USCC } from '../helpers/fixtures';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';

const TASK_QUEUE = 'test-sampling';
const DAY = 86_400_000;

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  [db, env] = await Promise.all([createTestDatabase(), createDevServerEnv()]);
  worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    pool: db.pool,
    workflowBundle: await workflowBundle(),
    extra: { activities: createActivities({ pool: db.pool }) },
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await env?.teardown();
  await db?.drop();
});

/** A decided case: `daysAgo` days before now, in a province, with an outcome. */
async function decidedCase(province: string, daysAgo: number, decision: 'approved' | 'refused', id?: string): Promise<string> {
  const app = makeApplication({ province: province as never });
  const applicationId = id ?? app.applicationId;
  const at = new Date(Date.now() - daysAgo * DAY).toISOString();
  await db.pool.query(
    `INSERT INTO applications (id, province, uscc, enterprise_name, product, application_type, payload, received_at, stage, decision, decided_at)
     VALUES ($1, $2, $3, '示范企业', 'cement', 'new', $4, $5, $6, $6, $5)`,
    [applicationId, province, USCC, { ...app, applicationId }, at, decision],
  );
  return applicationId;
}

async function draws(drawKeyPrefix: string) {
  const r = await db.pool.query<{ draw_key: string; province: string; seed: string; algorithm: string; population: string[]; sample: string[]; window_from: Date; window_to: Date }>(
    `SELECT draw_key, province, seed, algorithm, population, sample, window_from, window_to FROM samr_sample_draws WHERE draw_key LIKE $1 ORDER BY province`,
    [`${drawKeyPrefix}%`],
  );
  return r.rows;
}

async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (check(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SAMR random checks', () => {
  it('R06: the draw is reproducible — same seed and population give the same sample, in any input order; another seed gives another', () => {
    const population = Array.from({ length: 200 }, (_, i) => `APP-${String(i).padStart(4, '0')}`);
    const a = drawSample({ seed: 'seed-1', province: 'BJ', population, size: 10 });
    expect(a).toHaveLength(10);
    expect(new Set(a).size).toBe(10);
    expect(drawSample({ seed: 'seed-1', province: 'BJ', population: [...population].reverse(), size: 10 })).toEqual(a);
    expect(drawSample({ seed: 'seed-2', province: 'BJ', population, size: 10 })).not.toEqual(a);
    expect(drawSample({ seed: 'seed-1', province: 'SH', population, size: 10 })).not.toEqual(a);
    // A golden value: the algorithm must never change silently (old draws must stay re-checkable).
    expect(SAMPLING_ALGORITHM).toBe('sfc32-fisher-yates-v1');
    expect(drawSample({ seed: 'golden', province: 'BJ', population: ['a', 'b', 'c', 'd', 'e'], size: 5 })).toMatchInlineSnapshot(`
      [
        "d",
        "b",
        "a",
        "c",
        "e",
      ]
    `);
    expect([sampleSize(0, { rate: 0.05, minPerProvince: 1 }), sampleSize(3, { rate: 0.05, minPerProvince: 1 }), sampleSize(100, { rate: 0.05, minPerProvince: 1 }), sampleSize(1000, { rate: 0.05, minPerProvince: 1, maxPerProvince: 20 })]).toEqual([0, 1, 5, 20]);
    // Roughly uniform: over many seeds every id is drawn.
    const hits = new Map<string, number>();
    for (let s = 0; s < 2000; s++) for (const id of drawSample({ seed: `s${s}`, province: 'GD', population: population.slice(0, 20), size: 2 })) hits.set(id, (hits.get(id) ?? 0) + 1);
    expect(hits.size).toBe(20);
    for (const n of hits.values()) expect(n).toBeGreaterThan(100); // expected 200 each
  });

  it('R06: the Temporal Schedule runs the draw: each province\'s recent approvals only, the seed and population kept as the audit record, re-runnable to the same sample', async () => {
    const recent = {
      BJ: await Promise.all(Array.from({ length: 30 }, () => decidedCase('BJ', 1, 'approved'))),
      GD: await Promise.all(Array.from({ length: 4 }, () => decidedCase('GD', 3, 'approved'))),
    };
    const old = await decidedCase('BJ', 20, 'approved');
    const refused = await decidedCase('GD', 1, 'refused');

    const scheduleId = `samr-test-${Date.now()}`;
    const r = await ensureSamrSamplingSchedule(env.client, { taskQueue: TASK_QUEUE, scheduleId, windowDays: 7, rate: 0.1, minPerProvince: 2, paused: true });
    expect(r.created).toBe(true);
    const handle = env.client.schedule.getHandle(scheduleId);
    await handle.trigger();
    const rows = await eventually(() => draws(scheduleId), (x) => x.length === PROVINCE_CODES.length);
    expect(rows).toHaveLength(PROVINCE_CODES.length); // every province, even with nothing to draw

    const byProvince = new Map(rows.map((x) => [x.province, x]));
    const bj = byProvince.get('BJ')!;
    const gd = byProvince.get('GD')!;
    expect(bj.population).toEqual(canonicalPopulation(recent.BJ));
    expect(bj.population).not.toContain(old);
    expect(gd.population).toEqual(canonicalPopulation(recent.GD));
    expect(gd.population).not.toContain(refused);
    expect(bj.sample).toHaveLength(3); // 10% of 30
    expect(gd.sample).toHaveLength(2); // the minimum
    expect(byProvince.get('SC')!.sample).toEqual([]);
    expect(new Set(rows.map((x) => x.seed)).size).toBe(1);
    expect(bj.seed).toMatch(/^[0-9a-f-]{36}$/);
    expect(bj.algorithm).toBe(SAMPLING_ALGORITHM);
    expect(bj.window_to.getTime() - bj.window_from.getTime()).toBe(7 * DAY);
    // Anyone holding the audit record can re-run the draw and must get the same sample.
    for (const row of rows) {
      expect(drawSample({ seed: row.seed, province: row.province, population: row.population, size: row.sample.length })).toEqual(row.sample);
    }
    await handle.delete();
  });

  it('R06: a fixed seed over the same window draws the same sample in two runs; a retried recording adds nothing', async () => {
    await Promise.all(Array.from({ length: 12 }, () => decidedCase('SH', 2, 'approved')));
    const windowEnd = new Date().toISOString();
    const run = (workflowId: string) =>
      env.client.workflow.execute(samrSampling, { taskQueue: TASK_QUEUE, workflowId, args: [{ windowDays: 7, rate: 0.25, minPerProvince: 1, seed: 'samr-2026-w02', windowEnd }] });
    const [a, b] = await Promise.all([run(`fixed-a-${Date.now()}`), run(`fixed-b-${Date.now()}`)]);
    const sh = (x: typeof a) => x.provinces.find((p) => p.province === 'SH')!;
    expect(sh(a).populationSize).toBe(12);
    expect(sh(a).sample).toHaveLength(3);
    expect(sh(b).sample).toEqual(sh(a).sample);
    expect(a.seed).toBe('samr-2026-w02');

    const again = await createSamplingActivities(db.pool).recordSampleDraws({
      drawKey: a.drawKey, windowFrom: a.windowFrom, windowTo: a.windowTo, seed: a.seed, algorithm: SAMPLING_ALGORITHM, rate: 0.25, minPerProvince: 1,
      drawnAt: new Date().toISOString(), draws: a.provinces.map((p) => ({ province: p.province, population: [], sample: p.sample })),
    });
    expect(again.inserted).toBe(0);
    expect(await draws(a.drawKey)).toHaveLength(PROVINCE_CODES.length);
  });

  it('R06: ensureSamrSamplingSchedule is idempotent and brings an existing schedule in line with its options', async () => {
    const scheduleId = `samr-idem-${Date.now()}`;
    expect((await ensureSamrSamplingSchedule(env.client, { taskQueue: TASK_QUEUE, scheduleId, paused: true })).created).toBe(true);
    expect((await ensureSamrSamplingSchedule(env.client, { taskQueue: TASK_QUEUE, scheduleId, rate: 0.2, cron: '0 10 * * FRI', paused: true })).created).toBe(false);
    const d = await env.client.schedule.getHandle(scheduleId).describe();
    expect(d.action.type).toBe('startWorkflow');
    if (d.action.type === 'startWorkflow') {
      expect(d.action.workflowType).toBe('samrSampling');
      expect(d.action.args).toEqual([{ windowDays: 7, rate: 0.2, minPerProvince: 1 }]);
    }
    expect(d.spec.timezone).toBe('Asia/Shanghai');
    expect(JSON.stringify(d.spec)).toMatch(/friday|"dayOfWeek":\[\{"start":5/i);
    const listed: string[] = [];
    for await (const s of env.client.schedule.list()) if (s.scheduleId === scheduleId) listed.push(s.scheduleId);
    expect(listed).toEqual([scheduleId]);
    await env.client.schedule.getHandle(scheduleId).delete();
  });
});
