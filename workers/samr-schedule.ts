/**
 * R06: the Temporal Schedule that runs SAMR's random checks (workflows/samr-sampling.ts).
 * `ensureSamrSamplingSchedule` is idempotent: it creates the schedule, or brings an existing one
 * in line with the options (so a changed cron or rate takes effect on the next start).
 */
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { SamrSamplingInput } from '../workflows/samr/samr-sampling';

export const SAMR_SCHEDULE_ID = 'samr-random-checks';

export interface SamrScheduleOptions {
  taskQueue: string;
  scheduleId?: string;
  /** Cron in Asia/Shanghai; default every Monday 09:00. */
  cron?: string;
  windowDays?: number;
  rate?: number;
  minPerProvince?: number;
  maxPerProvince?: number;
  paused?: boolean;
}

export async function ensureSamrSamplingSchedule(client: Client, opts: SamrScheduleOptions): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = opts.scheduleId ?? SAMR_SCHEDULE_ID;
  const args: [SamrSamplingInput] = [
    {
      windowDays: opts.windowDays ?? 7,
      rate: opts.rate ?? 0.05,
      minPerProvince: opts.minPerProvince ?? 1,
      ...(opts.maxPerProvince !== undefined ? { maxPerProvince: opts.maxPerProvince } : {}),
    },
  ];
  const spec = { cronExpressions: [opts.cron ?? '0 9 * * MON'], timezone: 'Asia/Shanghai' };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'samrSampling',
    taskQueue: opts.taskQueue,
    // The server appends the scheduled time: every run has its own id, which is also its draw key.
    workflowId: scheduleId,
    args,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' as const };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      state: { paused: opts.paused ?? false, note: 'R06: SAMR random checks of provincial approvals' },
    });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
  return { scheduleId, created: false };
}
