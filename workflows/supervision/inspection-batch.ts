/**
 * R11: one batch of the province's double-random inspections, started on its start date by its
 * Temporal Schedule (api/supervision-schedules.ts). It grades the population (R17), draws the
 * inspectees and stores the draw, draws a team per inspectee, and starts one inspection task
 * (a child workflow, abandoned on close) per inspectee, a page at a time.
 *
 * Histories stay small whatever the batch size: the population, the draw and the teams live in
 * PostgreSQL, not in history; each page is one activity plus its child starts, and the workflow
 * continues as new after every page that leaves more to start. A draw that cannot be staffed
 * waits, visible as `LpWaitingOn = 'staffing'`, until a supervisor signals `restaff` (after adding
 * or reinstating inspectors); it never invents a team.
 */
import { type SearchAttributePair, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { condition, continueAsNew, ParentClosePolicy, patched, setHandler, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { SA } from '../../domain/search-attributes';
import {
  type BatchStatus,
  batchStatusQuery,
  type InspectionBatchInput,
  inspectionTaskWorkflowId,
  restaffSignal,
} from '../../domain/supervision/inspection-task';
import { shanghaiDate } from '../../domain/time';
import { inspectionTask, taskSearchAttributes } from './inspection-task';

/** Tasks started per run; with ~3 events per child start a run stays far below 2,000 events. */
export const BATCH_PAGE_SIZE = 200;
const START_CONCURRENCY = BATCH_PAGE_SIZE;

export async function inspectionBatch(input: InspectionBatchInput): Promise<BatchStatus> {
  const s: BatchStatus = { batchId: input.batchId, stage: input.drawn ? 'staffing' : 'drawing', started: input.started ?? 0, problems: [] };
  let restaff = input.restaff ?? false;
  setHandler(batchStatusQuery, () => s);
  setHandler(restaffSignal, () => {
    restaff = true;
  });
  const publish = () =>
    upsertSearchAttributes([
      { key: SA.stage, value: `batch:${s.stage}` },
      { key: SA.province, value: input.province },
      { key: SA.waitingOn, value: s.stage === 'waiting-for-staff' ? 'staffing' : s.stage === 'done' ? 'nobody' : 'draw' },
    ]);
  publish();

  if (!input.drawn) {
    const asOf = shanghaiDate(Date.now());
    // R17: every inspectee needs a grade before the draw; graded in slices to keep each activity short.
    while ((await acts.gradeBatchPopulation({ batchId: input.batchId, asOf, limit: 200 })).remaining > 0);
    s.selected = (await acts.drawBatch({ batchId: input.batchId, asOf })).selected;
    s.stage = 'staffing';
    publish();
  }

  for (;;) {
    const staffing = await acts.staffBatch({ batchId: input.batchId });
    restaff = false;
    s.unstaffed = staffing.unstaffed;
    s.problems = staffing.problems;
    s.staffed = (s.staffed ?? 0) + staffing.staffed;
    const page = await acts.nextTaskPage({ batchId: input.batchId, limit: BATCH_PAGE_SIZE });
    if (page.length) {
      s.stage = 'starting';
      publish();
      // Each task starts with its search attributes, so its first workflow task need not upsert them.
      const withAttributes = patched('inspection-task-search-attributes-at-start');
      for (let i = 0; i < page.length; i += START_CONCURRENCY) {
        await Promise.all(
          page.slice(i, i + START_CONCURRENCY).map(async (t) => {
            try {
              await startChild(inspectionTask, {
                workflowId: inspectionTaskWorkflowId(t.taskId),
                args: [t],
                parentClosePolicy: ParentClosePolicy.ABANDON,
                workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
                ...(withAttributes ? { typedSearchAttributes: taskSearchAttributes(t).filter((a): a is SearchAttributePair => a.value !== null) } : {}),
              });
            } catch (e) {
              if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
            }
          }),
        );
      }
      await acts.markTasksStarted({ taskIds: page.map((t) => t.taskId) });
      s.started += page.length;
      await continueAsNew<typeof inspectionBatch>({ ...input, drawn: true, started: s.started, restaff });
    }
    if (s.unstaffed === 0) break;
    // R11: not enough eligible inspectors for some inspectees: a supervisor must act.
    s.stage = 'waiting-for-staff';
    publish();
    await condition(() => restaff);
    s.stage = 'staffing';
    publish();
  }
  s.stage = 'done';
  publish();
  return s;
}
