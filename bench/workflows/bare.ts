/**
 * Baseline workflows for the benchmarks: the same number of activities, Updates and child
 * workflows as a post-verification case (10 activities, 2 Updates, 2 children that stay open on a
 * long timer, one of them after an activity), doing nothing. What a case costs beyond this is
 * the cost of our own logic. The activities run one after another, the plainest shape: where a
 * case runs steps side by side (its intake reads), that saving is counted to the case.
 * Keep the count in step with the case: bench/p1-throughput.ts compares the two and stops if they differ.
 * Like a case, it answers a status Query that says when its intake steps are done: the driver
 * waits for that before the first Update, the same way for both (bench/lib.ts pastIntake).
 */
import { condition, continueAsNew, defineQuery, defineUpdate, ParentClosePolicy, proxyActivities, setHandler, sleep, startChild } from '@temporalio/workflow';

const { benchNoop } = proxyActivities<{ benchNoop(step: string): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

export const bareAccept = defineUpdate<string, []>('bareAccept');
export const bareApprove = defineUpdate<string, []>('bareApprove');
/** The bare case's stage, shaped like a case's status: `intake` until its first four steps are done. */
export const bareStatusQuery = defineQuery<{ stage: string }>('bareStatus');

export async function bareCase(id: string): Promise<string> {
  let stage = 'intake';
  let accepted = false;
  let approved = false;
  setHandler(bareStatusQuery, () => ({ stage }));
  setHandler(bareAccept, async () => {
    await benchNoop('accept-record');
    accepted = true;
    return 'accepted';
  });
  setHandler(bareApprove, async () => {
    await benchNoop('approve-record');
    approved = true;
    return 'approved';
  });
  await benchNoop('receipt');
  await benchNoop('ban-check');
  await benchNoop('held-certificate');
  await benchNoop('acceptance-deadline');
  stage = 'received';
  await condition(() => accepted);
  await benchNoop('routed');
  await benchNoop('deadline');
  await benchNoop('deadline-record');
  await condition(() => approved);
  await benchNoop('certificate');
  await startChild(bareTimerChild, { workflowId: `${id}/timer`, args: [], parentClosePolicy: ParentClosePolicy.ABANDON });
  await startChild(bareActivityChild, { workflowId: `${id}/activity`, args: [], parentClosePolicy: ParentClosePolicy.ABANDON });
  return id;
}

/** Like the follow-up: waits on a 60-day timer, then does one thing (counted by the bench worker). */
export async function bareTimerChild(): Promise<void> {
  await sleep('60 days');
  await benchNoop('timer-fired');
}

/** Like the lifecycle: one activity, then a long wait. */
export async function bareActivityChild(): Promise<void> {
  await benchNoop('lifecycle-started');
  await sleep('365 days');
}

/**
 * The R11 batch's floor (bench/inspection-batch.ts): the same pages of child starts, the same three
 * activities per page and continue-as-new after each, with children that only wait on a timer.
 */
export async function bareBatch(input: { id: string; total: number; pageSize: number; started?: number }): Promise<number> {
  const started = input.started ?? 0;
  if (started >= input.total) return started;
  await benchNoop('batch-staff');
  await benchNoop('batch-page');
  const n = Math.min(input.pageSize, input.total - started);
  await Promise.all(
    Array.from({ length: n }, (_, i) => startChild(bareTask, { workflowId: `${input.id}/${started + i}`, parentClosePolicy: ParentClosePolicy.ABANDON })),
  );
  await benchNoop('batch-mark');
  return continueAsNew<typeof bareBatch>({ ...input, started: started + n });
}

export async function bareTask(): Promise<void> {
  await sleep('1 day');
}
