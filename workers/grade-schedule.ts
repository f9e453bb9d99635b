/**
 * R17: the Temporal Schedule that recomputes every risk grade nightly (workflows/supervision/
 * risk-grades-nightly.ts). Idempotent like the SAMR schedule: every worker may ensure it.
 */
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

export const RISK_GRADE_SCHEDULE_ID = 'risk-grades-nightly';

export async function ensureRiskGradeSchedule(client: Client, opts: { taskQueue: string; scheduleId?: string; cron?: string; paused?: boolean }): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = opts.scheduleId ?? RISK_GRADE_SCHEDULE_ID;
  const spec = { cronExpressions: [opts.cron ?? '30 1 * * *'], timezone: 'Asia/Shanghai' };
  const action = { type: 'startWorkflow' as const, workflowType: 'riskGradesNightly', taskQueue: opts.taskQueue, workflowId: scheduleId, args: [{}] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' as const };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, state: { paused: opts.paused ?? false, note: 'R17: nightly recomputation of risk grades' } });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
  return { scheduleId, created: false };
}
