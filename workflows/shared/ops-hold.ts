/**
 * The workflow side of the failure policy (README "Failure policy", domain/ops.ts). Every call
 * through the activity proxy (./activities.ts) runs inside `withOpsHold`: when an activity fails
 * for good (a non-retryable ApplicationFailure, e.g. a constraint violation), the step neither
 * fails the workflow nor loops: it HOLDS. The workflow shows `LpWaitingOn = 'ops'` with the error
 * (the case's status `opsHold`, the `opsHolds` Query), and the step runs again when ops send the
 * `retryAfterOps` Update after fixing the cause. Everything before and after the step is kept;
 * every activity is idempotent (event keys), so running the step again writes nothing twice.
 *
 * State here is per workflow execution (the SDK isolates each workflow's module state).
 * Patched: `ops-hold` is asked only when a step fails for good, so histories without such a
 * failure replay unchanged, and one that failed before this existed still fails as it did.
 */
import { ActivityFailure, ApplicationFailure, condition, currentUpdateInfo, log, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { hasPatch, onThirdBaseline } from './patch-baseline';
import { type OpsHold, opsHoldsQuery, retryAfterOpsUpdate } from '../../domain/ops';
import { MAY } from '../../domain/permissions';
import { messageRefused } from '../../domain/refusal';
import { SA } from '../../domain/search-attributes';

export const OPS_HOLD_PATCH = 'ops-hold';

let installed = false;
let onChange: ((first: OpsHold | undefined) => void) | undefined;
const holds: OpsHold[] = [];
/** Bumped by each retryAfterOps: held steps wake and run again. */
let retryEpoch = 0;
/** Steps woken by the last retryAfterOps that have not yet succeeded or held again. */
let retrying = 0;
/** LpWaitingOn before the first hold, restored after the last (workflows without onChange). */
let waitingOnBefore: string | undefined;

/**
 * Registers the ops handlers (idempotent). `onChange` lets a workflow show holds itself (the case
 * puts the first in its status and derives LpWaitingOn from it); without it LpWaitingOn is set to
 * 'ops' while anything is held and restored afterwards.
 */
export function installOpsHold(opts: { onChange?: (first: OpsHold | undefined) => void } = {}): void {
  if (opts.onChange) onChange = opts.onChange;
  if (installed) return;
  installed = true;
  setHandler(opsHoldsQuery, () => holds.map((h) => ({ ...h })));
  setHandler(
    retryAfterOpsUpdate,
    async ({ actor, note }) => {
      const retried = holds.map((h) => h.activity);
      log.info('ops retry', { by: actor.id, note, retried });
      retrying += holds.length;
      retryEpoch++;
      // Answer once every woken step has gone through or held again.
      await condition(() => retrying === 0);
      return { retried, stillHeld: holds.map((h) => ({ ...h })) };
    },
    {
      validator: ({ actor }) => {
        if (!MAY.retryAfterOps.includes(actor.role as 'ops')) throw messageRefused('forbidden', `role ${actor.role} may not retry a held step; needs ${MAY.retryAfterOps.join(' or ')}`);
        if (!holds.length) throw messageRefused('conflict', 'nothing is waiting on ops');
        // One retry at a time: a second one (a double click, two ops users) would wake steps that
        // are already awake, and the count of woken steps its answer waits for would never reach 0.
        if (retrying > 0) throw messageRefused('conflict', 'a retry is already in progress; its answer lists what is still held');
      },
    },
  );
}

/** The holds of this workflow (first = oldest). */
export const currentOpsHolds = (): readonly OpsHold[] => holds;

function changed(): void {
  if (onChange) {
    onChange(holds[0] && { ...holds[0] });
    return;
  }
  if (holds.length === 1) {
    waitingOnBefore = workflowInfo().typedSearchAttributes.get(SA.waitingOn);
    upsertSearchAttributes([{ key: SA.waitingOn, value: 'ops' }]);
  } else if (holds.length === 0) {
    upsertSearchAttributes([{ key: SA.waitingOn, value: waitingOnBefore ?? null }]);
  }
}

/** The non-retryable ApplicationFailure behind an activity's failure, if that is what it is. */
function failedForGood(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  return cause instanceof ApplicationFailure && cause.nonRetryable ? cause : undefined;
}

/**
 * Runs one activity call; a failure for good holds the step until ops retry it (see above).
 * `onSettled` runs in the workflow task that hands the call's result (or its failure) to the workflow.
 * On the third baseline that includes a failure for good: the hold it starts writes the case's
 * status and LpWaitingOn in that task, so it counts as a result taken (older runs marked the task
 * only when the held step finally went through, and replay that way).
 *
 * On the third patch baseline the result comes through one reaction on the activity's promise;
 * the loop below (an async function, `onSettled` a reaction of its own) is entered only when a
 * call fails for good. Every promise a workflow makes is tracked by the SDK with a stack trace
 * (for the UI's stack-trace view), so two fewer per activity call is worker CPU saved on every
 * case (docs/performance.md). Older runs replay through the loop, as they were recorded: the
 * caller resumes after a different number of microtask turns, which in a task that also runs a
 * handler could change the order of their commands (no recorded history shows it: they all
 * replay with this path forced, but none has such a task).
 */
export function withOpsHold<T>(activity: string, call: () => Promise<T>, onSettled?: () => void): Promise<T> {
  if (!onThirdBaseline()) {
    const step = heldLoop(activity, call);
    // A reaction of its own, not a link in the caller's chain: the caller resumes as recorded.
    if (onSettled) step.then(onSettled, onSettled);
    return step;
  }
  const settled = onSettled ?? (() => undefined);
  const handed = (result: T) => {
    settled();
    return result;
  };
  const observed = () =>
    started(call).then(handed, (err: unknown) => {
      settled();
      throw err;
    });
  return started(call).then(handed, (err: unknown) => {
    settled();
    const failure = failedForGood(err);
    if (!failure || !hasPatch(OPS_HOLD_PATCH)) throw err;
    return heldLoop(activity, observed, failure);
  });
}

/** The call's promise; a call that throws at once (as an async function would not) becomes a rejected one. */
function started<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** The step's loop: runs the call (unless it already `failed` for good), holds on a failure for good, runs again when ops retry. */
async function heldLoop<T>(activity: string, call: () => Promise<T>, failed?: ApplicationFailure): Promise<T> {
  let retries = 0;
  let woken = false;
  for (;;) {
    let failure = failed;
    failed = undefined;
    if (!failure) {
      try {
        const result = await call();
        if (woken) retrying--;
        return result;
      } catch (err) {
        failure = failedForGood(err);
        if (!failure || !hasPatch(OPS_HOLD_PATCH)) {
          if (woken) retrying--;
          throw err;
        }
      }
    }
    installOpsHold();
    const hold: OpsHold = {
      activity,
      type: failure.type ?? 'ApplicationFailure',
      error: failure.message,
      since: new Date(Date.now()).toISOString(),
      retries,
      ...(currentUpdateInfo() ? { updateId: currentUpdateInfo()!.id } : {}),
    };
    holds.push(hold);
    if (woken) retrying--;
    changed();
    log.error('activity failed for good: the step waits on ops (retryAfterOps)', { activity, type: hold.type, error: hold.error });
    const epoch = retryEpoch;
    await condition(() => retryEpoch !== epoch);
    holds.splice(holds.indexOf(hold), 1);
    changed();
    retries++;
    woken = true;
  }
}
