/**
 * R14 → R16: recording a risk signal from the API (`campaign/signal/<key>`), and the nightly
 * detection (`campaign/detection-nightly`, a Temporal Schedule like the nightly grades).
 *
 * The signal, its e-CQS record (local signals) and the named enterprise's R17 fact are written by
 * the one recordRiskSignal activity; then R16's detection runs for the signal's product at once,
 * and a campaign it proposes gets its workflow (`campaign/<id>`). The nightly pass looks at every
 * product with a failure on record: it catches signals recorded by other workflows (spot checks,
 * triage) and failure rates that pass the threshold as samples are added.
 */
import { acts } from '../shared/activities';
import type { Activities } from '../../activities/types';
import { PROVINCE_CODES } from '../../domain/provinces';
import type { NewRiskSignal } from '../../domain/supervision/risk-signal';
import { shanghaiDate } from '../../domain/time';
import { startCampaign } from './campaign';

type Recorded = Awaited<ReturnType<Activities['recordRiskSignal']>>;
type Detected = Awaited<ReturnType<Activities['detectCampaigns']>>;

export async function riskSignalIntake(input: NewRiskSignal): Promise<Recorded & { campaigns: Detected }> {
  const recorded = await acts.recordRiskSignal(input);
  const campaigns = await acts.detectCampaigns({ province: input.province, product: input.product, asOf: shanghaiDate(Date.now()) });
  for (const c of campaigns) await startCampaign(c, input.province);
  return { ...recorded, campaigns };
}

export interface CampaignDetectionInput {
  asOf?: string;
  provinces?: string[];
}

export async function campaignDetectionNightly(input: CampaignDetectionInput = {}): Promise<{ asOf: string; detected: Detected }> {
  const asOf = input.asOf ?? shanghaiDate(Date.now());
  const detected: Detected = [];
  for (const province of input.provinces ?? PROVINCE_CODES) {
    const found = await acts.detectCampaigns({ province, asOf });
    for (const c of found) await startCampaign(c, province);
    detected.push(...found);
  }
  return { asOf, detected };
}
