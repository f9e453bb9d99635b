/**
 * R04: a take-over waits until the licence it replaces is no longer in force. Three things end
 * the wait, each enough on its own and in any order: the predecessor's lifecycle signals it, an
 * officer confirms it (Update), or the case's own re-check reads it from the register. A
 * re-check that still finds the licence in force never undoes a signal or confirmation that
 * arrived while it ran (the flag is OR-ed, not assigned).
 *
 * A wait can last years (~44 history events a day), so it continues as new when the server
 * suggests it or the history reaches its cap, once every in-flight message has been handled,
 * carrying the case's state (case-state.ts) into the next run.
 */
import { allHandlersFinished, condition, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import { hasPatch } from '../shared/patch-baseline';
import type { CarriedCase, LicenceApplicationInput } from '../../domain/approval/messages';
import { acts } from '../shared/activities';
import type { CaseContext } from './case-state';

/** How often a waiting case re-reads its predecessor's status when no signal arrives. */
export const PREDECESSOR_RECHECK = '6 hours';
/** Statuses in which a predecessor licence no longer stands in the way. */
export const PREDECESSOR_ENDED = ['cancelled', 'revoked', 'expired'];
/** Continue as new at this history length at the latest (the server suggests it near 4K events). */
export const DEFAULT_HISTORY_CAP = 2_000;

/** Waits until the predecessor is gone or the case is decided (refused at intake meanwhile). */
export async function waitForPredecessor(ctx: CaseContext): Promise<void> {
  const { app, s, flags, input } = ctx;
  const number = app.predecessor!.certificateNumber;
  const cap = input.historyCap ?? DEFAULT_HISTORY_CAP;
  const over = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= cap;
  const settled = () => flags.predecessorGone || s.decision !== undefined;
  while (!settled()) {
    // Patched each time round (patched() is not sticky), so a case already waiting when this
    // was deployed starts continuing as new at its next turn; its replayed turns wake as before.
    const mayContinue = hasPatch('predecessor-wait-continues-as-new');
    await condition(() => settled() || (mayContinue && over()), PREDECESSOR_RECHECK);
    if (settled()) break;
    if (mayContinue && over()) {
      // Every message already taken is handled first; a confirmation in flight ends the wait instead.
      await condition(() => settled() || allHandlersFinished());
      if (settled()) break;
      const carried: CarriedCase = {
        status: s,
        keyCounts: ctx.keyCounts(),
        stageSeq: ctx.stageSeq(),
        at: 'awaiting-predecessor-cancellation',
        runs: (input.carried?.runs ?? 1) + 1,
      };
      const next: LicenceApplicationInput = { ...input, carried };
      // The memo (the API's submission record) and search attributes go along explicitly.
      // Typed by signature: importing the workflow function here would make an import cycle.
      ctx.flushSearchAttributes();
      const { memo, typedSearchAttributes } = workflowInfo();
      return makeContinueAsNewFunc<(i: LicenceApplicationInput) => Promise<unknown>>({ memo, typedSearchAttributes })(next);
    }
    const ended = PREDECESSOR_ENDED.includes((await acts.certificateStatus({ number })) ?? '');
    // A signal or confirmation may have landed while the re-check ran: never overwrite it.
    // Patched: older cases assigned the re-check's answer over the flag.
    if (hasPatch('predecessor-recheck-keeps-confirmation')) flags.predecessorGone ||= ended;
    else flags.predecessorGone = ended;
  }
}
