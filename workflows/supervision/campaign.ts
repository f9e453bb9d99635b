/**
 * R16: one special rectification campaign for a product of a province (`campaign/<id>`).
 *
 *   proposed ──supervisor confirms──▶ inspecting ──every task has its result, or the window ends──▶ ended (report)
 *      │ (starts by itself when the policy says so)
 *      └──supervisor declines (with a reason)──▶ declined
 *
 * Inspecting reuses R11 unchanged: the campaign's own batch (rate 1 over every licensee of the
 * product, due at the window's end) runs as a child `batch/campaign-<id>`, which grades, draws,
 * staffs and starts one inspection task per licensee in pages with bounded parallelism,
 * continuing as new between pages; failing results open R15 rectification there. The campaign
 * itself only looks at its tasks' counts once a day (hourly while they are being started), so its history stays small
 * whatever the number of licensees, and keeps the report (Query, stored, LpProgress).
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { condition, continueAsNew, ParentClosePolicy, setHandler, sleep, startChild, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { requireStaff } from '../shared/guards';
import { messageRefused } from '../../domain/refusal';
import { SA } from '../../domain/search-attributes';
import {
  type CampaignInput,
  type CampaignStatus,
  campaignStatusQuery,
  campaignWorkflowId,
  decideCampaignUpdate,
  progressPercent,
} from '../../domain/supervision/campaign';
import { batchWorkflowId } from '../../domain/supervision/inspection-task';
import { endOfShanghaiDay, shanghaiDate } from '../../domain/time';
import { inspectionBatch } from './inspection-batch';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Continue as new well before the history grows large (a 90-day window needs about 900 events). */
const HISTORY_CAP = 1_500;

export async function campaign(input: CampaignInput): Promise<CampaignStatus> {
  const s: CampaignStatus = {
    campaignId: input.campaignId,
    province: input.province,
    product: input.product,
    stage: input.opened || input.autoStart ? 'inspecting' : 'proposed',
    autoStart: input.autoStart,
    ...(input.opened ?? {}),
  };
  let busy = false;
  const owner = { province: input.province, subject: `campaign ${input.campaignId}` };

  const publish = () =>
    upsertSearchAttributes([
      { key: SA.stage, value: `campaign:${s.stage}` },
      { key: SA.province, value: input.province },
      { key: SA.product, value: input.product },
      { key: SA.deadline, value: s.stage === 'inspecting' && s.endsOn ? new Date(endOfShanghaiDay(s.endsOn)) : null },
      { key: SA.waitingOn, value: s.stage === 'proposed' ? 'confirmation' : s.stage === 'inspecting' ? 'inspection' : 'nobody' },
      { key: SA.progress, value: progressPercent(s.report ?? s.progress) },
    ]);

  const open = async (confirmedBy?: string) => {
    const r = await acts.openCampaignBatch({ campaignId: input.campaignId, startsOn: shanghaiDate(Date.now()), seed: uuid4(), ...(confirmedBy ? { confirmedBy } : {}) });
    Object.assign(s, r, { stage: 'inspecting' as const });
    publish();
  };

  setHandler(campaignStatusQuery, () => s);
  setHandler(
    decideCampaignUpdate,
    async ({ actor, decision, reason }) => {
      busy = true;
      try {
        s.decidedBy = actor.id;
        if (decision === 'confirm') await open(actor.id);
        else {
          await acts.declineCampaign({ campaignId: input.campaignId, by: actor.id, reason: reason!, at: new Date(Date.now()).toISOString() });
          s.stage = 'declined';
          publish();
        }
        return s;
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor, decision, reason }) => {
        requireStaff(actor, 'decideCampaign', owner);
        if (busy || s.stage !== 'proposed') throw messageRefused('conflict', `campaign ${input.campaignId} is ${busy ? 'being decided' : s.stage}: only a proposed campaign is confirmed or declined`);
        if (decision === 'decline' && (reason ?? '').trim().length < 10) throw messageRefused('invalid', 'reason: a declined campaign needs a written reason of at least 10 characters');
      },
    },
  );
  publish();

  // ---- proposed: a supervisor decides, unless the policy starts it by itself ----------------
  if (s.stage === 'proposed') await condition(() => !busy && s.stage !== 'proposed');
  else if (!s.batchId) await open();
  if (s.stage === 'declined') return s;

  // ---- inspecting: R11's batch over every licensee, watched once a day -----------------------
  if (!input.opened) {
    try {
      await startChild(inspectionBatch, {
        workflowId: batchWorkflowId(s.batchId!),
        args: [{ batchId: s.batchId!, province: input.province }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    }
  }
  const endAt = Date.parse(endOfShanghaiDay(s.endsOn!));
  let endedBecause: 'all-inspected' | 'window-ended';
  for (;;) {
    s.progress = await acts.campaignProgress({ campaignId: input.campaignId });
    publish();
    if (s.progress.drawn && s.progress.inspected >= s.progress.licensees) {
      endedBecause = 'all-inspected';
      break;
    }
    if (Date.now() >= endAt) {
      endedBecause = 'window-ended';
      break;
    }
    // Hourly while the batch is still drawing and starting its tasks, then daily.
    const every = s.progress.drawn && s.progress.started >= s.progress.licensees ? DAY_MS : HOUR_MS;
    await sleep(Math.max(1, Math.min(every, endAt - Date.now())));
    if (workflowInfo().historyLength > HISTORY_CAP || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof campaign>({ ...input, opened: { batchId: s.batchId!, startsOn: s.startsOn!, endsOn: s.endsOn! } });
    }
  }
  s.endedBecause = endedBecause;
  s.report = await acts.closeCampaign({ campaignId: input.campaignId, endedAt: new Date(Date.now()).toISOString(), endedBecause });
  s.stage = 'ended';
  publish();
  return s;
}

/** Starts a detected campaign's workflow; one already started (or finished) is left as it is. */
export async function startCampaign(c: { campaignId: string; product: CampaignInput['product']; autoStart: boolean }, province: string): Promise<void> {
  try {
    await startChild(campaign, {
      workflowId: campaignWorkflowId(c.campaignId),
      args: [{ campaignId: c.campaignId, province, product: c.product, autoStart: c.autoStart }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
}
