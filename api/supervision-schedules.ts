/**
 * R11: one Temporal Schedule per batch, firing once at 00:05 Asia/Shanghai on the batch's start
 * date and starting its batch workflow (`batch/<id>`). Visible and pausable in the Temporal UI
 * (Schedules, id `batch-schedule/<batch>`); pausing it holds the batch. Idempotent: recording
 * the same batch again leaves the existing schedule as it is.
 */
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { batchScheduleId, batchWorkflowId, type InspectionBatchInput } from '../domain/supervision/inspection-task';

const MONTHS = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;

export async function ensureBatchSchedule(client: Client, taskQueue: string, batch: { id: string; province: string; startsOn: string }): Promise<string> {
  const scheduleId = batchScheduleId(batch.id);
  const [y, m, d] = batch.startsOn.split('-').map(Number) as [number, number, number];
  const args: [InspectionBatchInput] = [{ batchId: batch.id, province: batch.province }];
  try {
    await client.schedule.create({
      scheduleId,
      spec: { calendars: [{ year: y, month: MONTHS[m - 1]!, dayOfMonth: d, hour: 0, minute: 5 }], timezone: 'Asia/Shanghai' },
      action: { type: 'startWorkflow', workflowType: 'inspectionBatch', taskQueue, workflowId: batchWorkflowId(batch.id), args },
      // A batch runs once; a start missed while the cluster was down still runs within a week.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7 days' },
      state: { note: `R11: inspection batch ${batch.id} of ${batch.province}, starting ${batch.startsOn}`, remainingActions: 1 },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  return scheduleId;
}
