/**
 * R11: one batch of the province's double-random inspections, started on its start date by its
 * Temporal Schedule (api/supervision-schedules.ts). It grades the population (R17), draws the
 * inspectees and stores the draw, draws a team per inspectee, and starts one inspection task
 * (a child workflow, abandoned on close) per inspectee, a page at a time, in parallel lanes.
 *
 * Histories stay small whatever the batch size: the population, the draw and the teams live in
 * PostgreSQL, not in history; the batch hands the starting to BATCH_LANES lane workflows (each
 * takes the tasks whose id hashes to it), and each lane starts a page (one activity plus its
 * child starts) per run and continues as new while more are left. Batches begun before the lanes
 * existed keep starting pages themselves, continuing as new after each. A draw that cannot be staffed
 * waits, visible as `LpWaitingOn = 'staffing'`, until a supervisor signals `restaff` (after adding
 * or reinstating inspectors); it never invents a team.
 */
import { type SearchAttributePair, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { condition, continueAsNew, executeChild, ParentClosePolicy, patched, setHandler, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { SA } from '../../domain/search-attributes';
import {
  type BatchLaneInput,
  batchLaneWorkflowId,
  type BatchStatus,
  batchStatusQuery,
  type InspectionBatchInput,
  type InspectionTaskInput,
  inspectionTaskWorkflowId,
  restaffSignal,
} from '../../domain/supervision/inspection-task';
import { shanghaiDate } from '../../domain/time';
import { inspectionTask, taskSearchAttributes } from './inspection-task';

/** Tasks started per run; with ~3 events per child start a run stays far below 2,000 events. */
export const BATCH_PAGE_SIZE = 200;
/** Lanes starting a batch's tasks at once (each continues as new after every page). */
export const BATCH_LANES = 4;

/** Starts one page of inspection tasks and marks them started. */
async function startPage(page: InspectionTaskInput[]): Promise<void> {
  // Each task starts with its search attributes, so its first workflow task need not upsert them.
  const withAttributes = patched('inspection-task-search-attributes-at-start');
  await Promise.all(
    page.map(async (t) => {
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
  await acts.markTasksStarted({ taskIds: page.map((t) => t.taskId) });
}

/**
 * One lane of a batch: a page of its share of the tasks per run, then continue-as-new, so its
 * histories stay as small as the batch's own did when it started every page itself.
 */
export async function inspectionBatchLane(input: BatchLaneInput): Promise<number> {
  const page = await acts.nextTaskPage({ batchId: input.batchId, limit: BATCH_PAGE_SIZE, lane: input.lane, lanes: input.lanes });
  const started = (input.started ?? 0) + page.length;
  if (!page.length) return started;
  await startPage(page);
  return continueAsNew<typeof inspectionBatchLane>({ ...input, started });
}

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
    if (patched('inspection-batch-lanes')) {
      // Lanes start the tasks side by side: one workflow's tasks run one after another, while the
      // server opens the children of different parents in parallel (bench/inspection-batch.ts).
      s.stage = 'starting';
      publish();
      const counts = await Promise.all(
        Array.from({ length: BATCH_LANES }, (_, lane) =>
          executeChild(inspectionBatchLane, { workflowId: batchLaneWorkflowId(input.batchId, lane), args: [{ batchId: input.batchId, lane, lanes: BATCH_LANES }] }),
        ),
      );
      s.started += counts.reduce((a, b) => a + b, 0);
    } else {
      const page = await acts.nextTaskPage({ batchId: input.batchId, limit: BATCH_PAGE_SIZE });
      if (page.length) {
        s.stage = 'starting';
        publish();
        await startPage(page);
        s.started += page.length;
        await continueAsNew<typeof inspectionBatch>({ ...input, drawn: true, started: s.started, restaff });
      }
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
