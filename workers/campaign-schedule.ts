/**
 * R16: the Temporal Schedule that runs campaign detection nightly (workflows/supervision/
 * risk-signal-intake.ts campaignDetectionNightly), after the nightly grades. Idempotent like the
 * grade schedule: every worker may ensure it.
 */
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { CAMPAIGN_NIGHTLY_SCHEDULE_ID } from '../domain/supervision/campaign';

export async function ensureCampaignSchedule(client: Client, opts: { taskQueue: string; scheduleId?: string; cron?: string; paused?: boolean }): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = opts.scheduleId ?? CAMPAIGN_NIGHTLY_SCHEDULE_ID;
  const spec = { cronExpressions: [opts.cron ?? '45 1 * * *'], timezone: 'Asia/Shanghai' };
  const action = { type: 'startWorkflow' as const, workflowType: 'campaignDetectionNightly', taskQueue: opts.taskQueue, workflowId: scheduleId, args: [{}] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' as const };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, state: { paused: opts.paused ?? false, note: 'R16: nightly detection of special rectification campaigns' } });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
  return { scheduleId, created: false };
}
