/**
 * R16: special rectification campaigns (专项整治). The policy (data with effective dates, like
 * risk-policy.ts), the pure threshold test, and the messages of the campaign workflow
 * (workflows/supervision/campaign.ts) that the API shares.
 *
 * A campaign for a product of a province starts when the product's spot-check failure rate over
 * the last 12 months EXCEEDS the threshold with at least the minimum of tested samples, or when a
 * serious quality-safety accident is recorded (a risk signal with `serious`, R14). It inspects
 * every licensee of the product in the province within the window, through an R11 batch at rate 1,
 * and ends with a report.
 *
 * PUBLISHED VERSIONS ARE FROZEN: a change is a new version with its own `effectiveFrom`.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ProductId } from '../policy';
import type { Actor } from '../roles';
import { shiftMonths } from './risk-grade';
import { addCalendarDays } from '../time';

export interface CampaignPolicy {
  id: string;
  effectiveFrom: string;
  source: string;
  /** The failure rate is counted over this many months up to the day of detection. */
  lookbackMonths: number;
  /** A campaign starts when failures / samples is MORE than this (0.10: 2 of 20 does not, 3 of 20 does). */
  failureRateAbove: number;
  /** … and at least this many samples were tested. */
  minSamples: number;
  /** Every licensee is inspected within this many calendar days of the campaign's start. */
  windowDays: number;
  /** Policy flag: which triggers start a campaign by themselves; the others wait for a supervisor's confirmation. */
  autoStart: { threshold: boolean; accident: boolean };
}

const V2026: CampaignPolicy = {
  id: 'campaign-2026-12-01',
  effectiveFrom: '2020-09-29',
  source: 'the notice §4 (专项整治); DOMAIN.md R16 defaults',
  lookbackMonths: 12,
  failureRateAbove: 0.1,
  minSamples: 20,
  windowDays: 90,
  // A failure rate is a supervisor's call to confirm; a serious accident cannot wait for one.
  autoStart: { threshold: false, accident: true },
};

export const CAMPAIGN_POLICY_VERSIONS: readonly CampaignPolicy[] = [V2026].map((v) => Object.freeze(v));

export function campaignPolicyInForce(date: string): CampaignPolicy {
  let found: CampaignPolicy | undefined;
  for (const v of CAMPAIGN_POLICY_VERSIONS) if (v.effectiveFrom <= date) found = v;
  if (!found) throw new Error(`no campaign policy in force on ${date}`);
  return found;
}

/** The days R16 counts on `asOf`: the last `lookbackMonths` months, `asOf` included. */
export function lookbackWindow(asOf: string, p: CampaignPolicy): { from: string; to: string } {
  return { from: addCalendarDays(shiftMonths(asOf, -p.lookbackMonths), 1), to: asOf };
}

export interface SpotCheckStats {
  /** Tested samples (the denominator, db/campaigns.ts spotCheckStats). */
  samples: number;
  /** Failed-test risk signals (R14). */
  failures: number;
}

/** R16: does this failure count start a campaign? Strictly more than the rate, with enough samples. */
export function thresholdPassed(s: SpotCheckStats, p: CampaignPolicy): boolean {
  return s.samples >= p.minSamples && s.failures > p.failureRateAbove * s.samples;
}

export type CampaignTrigger =
  | { kind: 'threshold'; samples: number; failures: number; from: string; to: string; on: string }
  | { kind: 'accident'; signalKey: string; summary: string; on: string };

export const campaignWorkflowId = (campaignId: string): string => `campaign/${campaignId}`;
/** R14: recording one risk signal (and R16's detection after it), started by the API. */
export const riskSignalIntakeWorkflowId = (signalKey: string): string => `campaign/signal/${signalKey}`;
export const CAMPAIGN_NIGHTLY_SCHEDULE_ID = 'campaign/detection-nightly';

export interface CampaignInput {
  campaignId: string;
  province: string;
  product: ProductId;
  autoStart: boolean;
  /** Set by continue-as-new: the campaign had started with this batch and window. */
  opened?: { batchId: string; startsOn: string; endsOn: string };
}

/**
 * The report (stored on the campaign and answered by the Query). Counted over the campaign's
 * inspection tasks (db/campaigns.ts campaignProgress):
 * - licensees: enterprises drawn (every licensee of the product, rate 1); started: their tasks running;
 * - inspected: tasks with a result; failed: results other than a pass;
 * - orders: problems-found results, each ordering the enterprise to stop and rectify (R15);
 * - revocations: licences of those enterprises revoked since the campaign started;
 * - stillOpen: tasks without a result, plus ordered enterprises still holding a licence whose
 *   re-check has not passed.
 */
export interface CampaignProgress {
  drawn: boolean;
  licensees: number;
  started: number;
  inspected: number;
  failed: number;
  orders: number;
  revocations: number;
  stillOpen: number;
}

export interface CampaignStatus {
  campaignId: string;
  province: string;
  product: string;
  stage: 'proposed' | 'inspecting' | 'ended' | 'declined';
  autoStart: boolean;
  startsOn?: string;
  endsOn?: string;
  batchId?: string;
  progress?: CampaignProgress;
  /** Why it ended: every task has its result, or the window ran out. */
  endedBecause?: 'all-inspected' | 'window-ended';
  report?: CampaignProgress & { endedAt: string };
  decidedBy?: string;
}

export interface DecideCampaignInput {
  actor: Actor;
  decision: 'confirm' | 'decline';
  reason?: string;
}

export const campaignStatusQuery = defineQuery<CampaignStatus>('campaignStatus');
/** A supervisor of the province confirms a proposed campaign (it starts) or declines it with a reason. */
export const decideCampaignUpdate = defineUpdate<CampaignStatus, [DecideCampaignInput]>('decideCampaign');

/** The progress as a whole percentage of licensees inspected (search attribute LpProgress). */
export function progressPercent(p: CampaignProgress | undefined): number {
  if (!p || !p.drawn) return 0;
  return p.licensees === 0 ? 100 : Math.floor((100 * p.inspected) / p.licensees);
}
