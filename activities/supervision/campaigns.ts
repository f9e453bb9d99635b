/**
 * R16: the database side of campaigns. Detection (after a signal is recorded, and nightly) counts
 * a product's failure rate (db/campaigns.ts spotCheckStats) and its serious accidents since the
 * last campaign of the product, and proposes a campaign or adds the trigger to the open one. A
 * campaign inspects through its own R11 batch (rate 1 over the product's licensees). Every step is
 * keyed by the campaign, so a retried activity does nothing twice.
 */
import type { Pool } from 'pg';
import {
  campaignProgress,
  declineCampaign,
  findCampaign,
  lastCampaignProposedOn,
  openCampaign,
  productsWithFailures,
  proposeCampaign,
  seriousSignals,
  spotCheckStats,
  startCampaignBatch,
  storeCampaignReport,
} from '../../db/campaigns';
import { appendSupervisionAudit } from '../../db/supervision-audit';
import { inTransaction } from '../../db/tx';
import { type CampaignProgress, type CampaignStatus, type CampaignTrigger, campaignPolicyInForce, lookbackWindow, thresholdPassed } from '../../domain/supervision/campaign';
import type { ProductId } from '../../domain/policy';
import { addCalendarDays } from '../../domain/time';
import { currentCalendar } from '../../infra/calendar';
import { NotFoundError } from '../failures';

export interface DetectedCampaign {
  campaignId: string;
  product: ProductId;
  created: boolean;
  autoStart: boolean;
  status: string;
}

async function campaignOrFail(pool: Pool, id: string) {
  const c = await findCampaign(pool, id);
  if (!c) throw new NotFoundError(`campaign ${id} is not on record`);
  return c;
}

export function createCampaignActivities(pool: Pool) {
  return {
    /**
     * R16: for one product (after a signal about it) or every product with a failure on record
     * (nightly): the triggers since the product's last campaign, and the campaign they propose.
     */
    async detectCampaigns(input: { province: string; asOf: string; product?: ProductId }): Promise<DetectedCampaign[]> {
      const policy = campaignPolicyInForce(input.asOf);
      const win = lookbackWindow(input.asOf, policy);
      const products = input.product ? [input.product] : await productsWithFailures(pool, input.province, win.from, win.to);
      const out: DetectedCampaign[] = [];
      for (const product of products) {
        // Evidence up to the last campaign's proposal has been acted on (or declined): count after it.
        const last = await lastCampaignProposedOn(pool, input.province, product);
        const from = last && addCalendarDays(last, 1) > win.from ? addCalendarDays(last, 1) : win.from;
        const triggers: CampaignTrigger[] = [];
        const accidents = from > win.to ? [] : await seriousSignals(pool, input.province, product, from, win.to);
        for (const a of accidents) triggers.push({ kind: 'accident', signalKey: a.signalKey, summary: a.summary, on: a.occurredOn });
        const stats = from > win.to ? { samples: 0, failures: 0 } : await spotCheckStats(pool, input.province, product, from, win.to);
        if (thresholdPassed(stats, policy)) triggers.push({ kind: 'threshold', ...stats, from, to: win.to, on: input.asOf });
        if (!triggers.length) {
          // Nothing new; a campaign still open is reported, so its workflow is (re)started if it is not running.
          const open = await openCampaign(pool, input.province, product);
          if (open) out.push({ campaignId: open.id, product, created: false, autoStart: open.autoStart, status: open.status });
          continue;
        }
        const autoStart = (accidents.length > 0 && policy.autoStart.accident) || (thresholdPassed(stats, policy) && policy.autoStart.threshold);
        const r = await inTransaction(pool, async (c) => {
          const p = await proposeCampaign(c, { province: input.province, product, triggers, policyId: policy.id, autoStart, on: input.asOf });
          if (p.created) {
            await appendSupervisionAudit(c, {
              eventKey: `campaign|${p.campaign.id}|proposed`,
              action: 'campaign-proposed',
              details: { campaignId: p.campaign.id, province: input.province, product, triggers, autoStart, policyId: policy.id },
              occurredAt: new Date().toISOString(),
            });
          }
          return p;
        });
        out.push({ campaignId: r.campaign.id, product, created: r.created, autoStart: r.campaign.autoStart, status: r.campaign.status });
      }
      return out;
    },

    /**
     * R16: the campaign starts: its R11 batch over every licensee of the product, due at the
     * window's end. Once. The window counts calendar days from the day after the start; a last day
     * that is a holiday or rest day moves to the next working day (Clarifications, Civil Code Art. 203).
     */
    async openCampaignBatch(input: { campaignId: string; startsOn: string; seed: string; confirmedBy?: string }): Promise<{ batchId: string; startsOn: string; endsOn: string }> {
      const cam = await campaignOrFail(pool, input.campaignId);
      const calendar = currentCalendar();
      let endsOn = addCalendarDays(input.startsOn, campaignPolicyInForce(cam.proposedOn).windowDays);
      while (!calendar.isWorkingDay(endsOn)) endsOn = addCalendarDays(endsOn, 1);
      return inTransaction(pool, async (c) => {
        const r = await startCampaignBatch(c, { campaignId: cam.id, startsOn: input.startsOn, endsOn, seed: input.seed, confirmedBy: input.confirmedBy });
        await appendSupervisionAudit(c, {
          eventKey: `campaign|${cam.id}|started`,
          action: 'campaign-started',
          ...(input.confirmedBy ? { actor: { id: input.confirmedBy, role: 'supervisor' as const } } : {}),
          details: { campaignId: cam.id, ...r, autoStart: cam.autoStart },
          occurredAt: new Date().toISOString(),
        });
        return r;
      });
    },

    async declineCampaign(input: { campaignId: string; by: string; reason: string; at: string }): Promise<void> {
      await inTransaction(pool, async (c) => {
        await declineCampaign(c, input.campaignId, { by: input.by, reason: input.reason, at: input.at });
        await appendSupervisionAudit(c, {
          eventKey: `campaign|${input.campaignId}|declined`,
          action: 'campaign-declined',
          actor: { id: input.by, role: 'supervisor' },
          reason: input.reason,
          details: { campaignId: input.campaignId },
          occurredAt: input.at,
        });
      });
    },

    async campaignProgress(input: { campaignId: string }): Promise<CampaignProgress> {
      return campaignProgress(pool, input.campaignId);
    },

    /** R16: the final report, counted now and stored with the campaign. */
    async closeCampaign(input: { campaignId: string; endedAt: string; endedBecause: 'all-inspected' | 'window-ended' }): Promise<NonNullable<CampaignStatus['report']>> {
      const stored = await campaignOrFail(pool, input.campaignId);
      if (stored.report) return stored.report;
      const report = { ...(await campaignProgress(pool, input.campaignId)), endedAt: input.endedAt };
      await inTransaction(pool, async (c) => {
        await storeCampaignReport(c, input.campaignId, report, input.endedBecause);
        await appendSupervisionAudit(c, { eventKey: `campaign|${input.campaignId}|ended`, action: 'campaign-ended', details: { campaignId: input.campaignId, report, endedBecause: input.endedBecause }, occurredAt: input.endedAt });
      });
      return report;
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
