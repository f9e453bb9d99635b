/**
 * R06: SAMR's random checks. Run by a Temporal Schedule (workers/samr-schedule.ts); each run
 * draws a reproducible random sample of every province's approvals in the look-back window and
 * keeps the draw (seed, population, sample) as an audit record in `samr_sample_draws`.
 *
 * The seed is `uuid4()` from the workflow's replay-safe PRNG: nobody can predict it before the
 * run (a province cannot game the draw), and once drawn it is in history and in the audit row,
 * so the draw can be re-run by anyone: same seed + same population → same sample.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { SamplingActivities } from '../../activities/types';
import { PROVINCE_CODES } from '../../domain/provinces';
import { canonicalPopulation, drawSample, SAMPLING_ALGORITHM, sampleSize } from '../../domain/samr/sampling';

const acts = proxyActivities<SamplingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export interface SamrSamplingInput {
  /** Approvals decided in the `windowDays` before the window end. */
  windowDays: number;
  rate: number;
  minPerProvince: number;
  maxPerProvince?: number;
  /** Fixed seed (re-runs, tests); a fresh unpredictable one otherwise. */
  seed?: string;
  /** End of the window (exclusive); default: the scheduled time of this run, else its start. */
  windowEnd?: string;
}

export interface SamrSamplingResult {
  drawKey: string;
  seed: string;
  windowFrom: string;
  windowTo: string;
  provinces: { province: string; populationSize: number; sample: string[] }[];
}

const DAY = 86_400_000;

/** Set by the server on every run a Schedule starts. */
const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

function scheduledTime(): number | undefined {
  return workflowInfo().typedSearchAttributes.get(SCHEDULED_START)?.getTime();
}

export async function samrSampling(input: SamrSamplingInput): Promise<SamrSamplingResult> {
  const info = workflowInfo();
  const end = input.windowEnd ? Date.parse(input.windowEnd) : (scheduledTime() ?? Date.now());
  const windowTo = new Date(end).toISOString();
  const windowFrom = new Date(end - input.windowDays * DAY).toISOString();
  const seed = input.seed ?? uuid4();
  const drawKey = info.workflowId;

  const byProvince = await acts.loadApprovalPopulation({ from: windowFrom, to: windowTo });
  const rule = { rate: input.rate, minPerProvince: input.minPerProvince, maxPerProvince: input.maxPerProvince };
  const draws = PROVINCE_CODES.map((province) => {
    const population = canonicalPopulation(byProvince[province] ?? []);
    const sample = drawSample({ seed, province, population, size: sampleSize(population.length, rule) });
    return { province, population, sample };
  });

  await acts.recordSampleDraws({
    drawKey,
    windowFrom,
    windowTo,
    seed,
    algorithm: SAMPLING_ALGORITHM,
    rate: input.rate,
    minPerProvince: input.minPerProvince,
    drawnAt: new Date(Date.now()).toISOString(),
    workflowId: info.workflowId,
    runId: info.runId,
    draws,
  });
  return { drawKey, seed, windowFrom, windowTo, provinces: draws.map((d) => ({ province: d.province, populationSize: d.population.length, sample: d.sample })) };
}
