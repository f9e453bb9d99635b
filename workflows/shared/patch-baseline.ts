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
 */
import { patched } from '@temporalio/workflow';

/**
 * The baseline of 2026-12-07. It also gates what changed with it: a case's intake reads run
 * side by side (workflows/approval/licence-application.ts) and its search attributes are written
 * once per workflow task, and only when they changed (workflows/approval/case-state.ts).
 */
export const PATCH_BASELINE = 'baseline-2026-12-07';

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
 * Whether this run started on code holding the baseline. Module state is per workflow execution
 * (the SDK gives each workflow its own module instances), and a run that never adopts stays false.
 */
let onBaseline = false;

/**
 * Asks for the baseline. Call it first thing in the workflow function, before any handler is
 * installed or any await: the answer must come from the run's first workflow task, replayed or not.
 */
export function adoptPatchBaseline(): boolean {
  onBaseline = patched(PATCH_BASELINE);
  return onBaseline;
}

/** Whether this run adopted the baseline and started on code holding it. */
export function onPatchBaseline(): boolean {
  return onBaseline;
}

/** `patched(id)`, answered by the baseline for the ids it covers. */
export function hasPatch(id: string): boolean {
  return (onBaseline && COVERED.has(id)) || patched(id);
}
