/**
 * Patch baselines: one marker in place of many for workflows started on code that already had
 * every patch in the baseline.
 *
 * Each `patched()` id a workflow meets writes a marker and, through core, an upsert of
 * `TemporalChangeVersion`: two events and a visibility write per id. By 2026-12 a licence
 * application met 16 ids and its lifecycle 3, so about a quarter of a case's history (and half of
 * its search-attribute writes) only said "this case runs the current code" (docs/performance.md, P1).
 *
 * A workflow that adopts a baseline asks `patched(BASELINE)` once, as the first thing its run
 * does. A run started on this code records the baseline's marker; every id in `COVERED` then
 * answers true without a marker of its own, which is what `patched()` itself answers for any run
 * that began on code holding the patch. A run recorded before the baseline existed replays its
 * first task without the marker, so `patched(BASELINE)` is false and each id is asked as before:
 * old histories keep replaying exactly (test/replay).
 *
 * `COVERED` is frozen: a patch added after the baseline must NOT join it, or a run recorded with
 * the baseline but before that patch would take the new branch on replay. New patches call
 * `hasPatch()` with their own id and get their own marker, until a later baseline folds them in.
 *
 * Later baselines stack: a run asks the newest first and stops at the first it holds, so a run
 * started on this code records one marker, a run recorded on an older baseline replays as that
 * baseline (its marker is the one in its history), and a run from before any baseline asks each
 * patch as before. A later baseline covers everything the older ones did.
 */
import { patched } from '@temporalio/workflow';

/**
 * The baseline of 2026-12-07. It also gates what changed with it: a case's intake reads run
 * side by side (workflows/approval/licence-application.ts) and its search attributes are written
 * once per workflow task, and only when they changed (workflows/approval/case-state.ts).
 */
export const FIRST_BASELINE = 'baseline-2026-12-07';

/**
 * The second baseline: the first one's patches, and two steps a case no longer takes one after
 * the other: the decision clock's first deadline is computed beside the routing's audit row
 * (workflows/approval/licence-application.ts), and the follow-up and lifecycle children are
 * started together (workflows/approval/issuance.ts). A run on the first baseline keeps its order.
 */
export const SECOND_BASELINE = 'baseline-2026-12-07b';

/**
 * The third baseline: the second one's, and two ways a case spends less per step. An activity's
 * result reaches the workflow through one reaction instead of three promises
 * (workflows/shared/ops-hold.ts), and the lifecycle child is started with the search attributes
 * it would write first, so it writes them only when something changes
 * (workflows/approval/issuance.ts, workflows/licence/licence-lifecycle.ts).
 */
export const THIRD_BASELINE = 'baseline-2026-12-08';

/** The baseline a run started on this code records. */
export const PATCH_BASELINE = THIRD_BASELINE;

/** Oldest first; a run's level is its baseline's place here, counted from 1 (0: none). */
const BASELINES = [FIRST_BASELINE, SECOND_BASELINE, THIRD_BASELINE] as const;

/** Every patch id in the workflows when the baseline was cut. Never add to this list. */
const COVERED: ReadonlySet<string> = new Set([
  'accept-answers-once-routed',
  'acceptance-reminder',
  'activity-heartbeat',
  'change-amends-certificate',
  'decision-clock-daily-recheck',
  'decision-clock-no-breach-after-change',
  'decision-recorded-before-issuance',
  'deemed-acceptance-rereads-stage',
  'failed-rectification-on-record',
  'inspection-task-search-attributes-at-start',
  'intake-ban-check',
  'intake-named-certificate-check',
  'intake-one-certificate-per-product',
  'intake-one-open-new-per-product',
  'intake-stage',
  'l02-written-notice',
  'l04-refusal-ground',
  'licence-lifecycle',
  'lifecycle-history-cap',
  'lifecycle-remind-rechecks-status',
  'lifecycle-serialised-messages',
  'ops-hold',
  'predecessor-recheck-keeps-confirmation',
  'predecessor-wait-continues-as-new',
  'received-with-acceptance-deadline',
  'record-after-receipt',
  'rectification-limit-working-day',
  'reset-safe-audit-keys',
  'reset-safe-stage-seq',
  'supplement-signal-awaits-record',
  'tell-waiting-take-overs',
  'verification-register-check',
  'verify-then-issue-time-limits',
]);

/**
 * Which baseline this run started on (0: none). Module state is per workflow execution (the SDK
 * gives each workflow its own module instances), and a run that never adopts stays at 0.
 */
let level = 0;

/**
 * Asks for the baselines, newest first. Call it first thing in the workflow function, before any
 * handler is installed or any await: the answer must come from the run's first workflow task,
 * replayed or not. A replayed run answers false to every baseline newer than its own (no marker
 * of it in its history) and records nothing for it. Returns whether the run is on any baseline.
 */
export function adoptPatchBaseline(): boolean {
  level = 0;
  for (let i = BASELINES.length - 1; i >= 0; i--) {
    if (patched(BASELINES[i]!)) {
      level = i + 1;
      break;
    }
  }
  return level > 0;
}

/** Whether this run adopted a baseline (any of them) and started on code holding it. */
export function onPatchBaseline(): boolean {
  return level > 0;
}

/** Whether this run started on the second baseline (what it gates: SECOND_BASELINE above). */
export function onSecondBaseline(): boolean {
  return level >= 2;
}

/** Whether this run started on the third baseline (what it gates: THIRD_BASELINE above). */
export function onThirdBaseline(): boolean {
  return level >= 3;
}

/** `patched(id)`, answered by the baseline for the ids it covers. */
export function hasPatch(id: string): boolean {
  return (level > 0 && COVERED.has(id)) || patched(id);
}
