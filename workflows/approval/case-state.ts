/**
 * The state of one case and the small operations every part of the case workflow shares:
 * stage changes (with the timeline and search attributes), audit keys, the audit write, and
 * the validator guards. The workflow function, its message handlers and its decision clock
 * all work on this one object, so a handler and the main loop always see the same state.
 */
import { condition, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { hasPatch, onPatchBaseline } from '../shared/patch-baseline';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { SlaResult } from '../../activities/types';
import type { ApplicationInput } from '../../domain/approval/application';
import type { CaseStatus, LicenceApplicationInput, Stage, TimeLimitName } from '../../domain/approval/messages';
import type { WrittenNotice } from '../../domain/approval/notices';
import type { Action } from '../../domain/permissions';
import { messageRefused } from '../../domain/refusal';
import type { Actor } from '../../domain/roles';
import { SA } from '../../domain/search-attributes';
import { acts } from '../shared/activities';
import { requireStaff } from '../shared/guards';
import { installOpsHold } from '../shared/ops-hold';

type WaitingOn = 'acceptance-officer' | 'applicant' | 'predecessor-cancellation' | 'verification' | 'decision' | 'issuance' | 'ops' | 'nobody';

export interface RecordExtra {
  actor?: Actor;
  reason?: string;
  details?: Record<string, unknown>;
  set?: Record<string, unknown>;
  /** L02: the written notice this transition owes the applicant, stored with its audit row. */
  notice?: WrittenNotice;
}

export type CaseContext = ReturnType<typeof createCaseContext>;

export function createCaseContext(input: LicenceApplicationInput) {
  const app: ApplicationInput = input.application;
  const id = workflowInfo().workflowId;
  const nowIso = () => new Date(Date.now()).toISOString();

  // A case starts at `intake` until its receipt gates are done, so no staff action races them.
  // Patched: cases received before this started at `received`.
  const s: CaseStatus = input.carried?.status ?? {
    applicationId: app.applicationId,
    stage: hasPatch('intake-stage') ? 'intake' : 'received',
    province: app.province,
    product: app.product,
    type: app.type,
    receivedAt: input.receivedAt,
    paused: false,
    pauses: [],
    timeline: [],
  };

  const clock = {
    /** Bumped on every pause/resume so the clock recomputes its deadline. */
    epoch: 0,
    computedEpoch: -1,
    sla: undefined as SlaResult | undefined,
    /** The Art. 18 / Art. 24 clocks of the verify-then-issue path (time-limits.ts), by name. */
    limits: {} as Partial<Record<TimeLimitName, { computedEpoch: number; sla?: SlaResult }>>,
  };
  /**
   * `verifying`: an on-site verification's team is being checked against the register (R10).
   * `acceptanceOpen`: the main loop waits for staff at `received` (L01) with no step of its own
   * running; until then acceptance-stage Updates are refused 'not-yet' (see requireStage).
   * `routed`: the accepted case's path is recorded; until then review Updates are refused 'not-yet'.
   */
  const flags = { receiptRecorded: input.carried !== undefined, predecessorGone: false, verifying: false, acceptanceOpen: false, routed: false };

  const keyCounts = new Map<string, number>(Object.entries(input.carried?.keyCounts ?? {}));
  /**
   * Stable across retries and replays: the same step of the same run always has the same key.
   * The run id is part of it, so the steps a reset (or a continue-as-new) runs again get keys
   * of their own instead of colliding with the old run's rows. Patched: older cases keep
   * `<id>:<step>:<n>`.
   */
  const key = (what: string) => {
    const n = (keyCounts.get(what) ?? 0) + 1;
    keyCounts.set(what, n);
    return hasPatch('reset-safe-audit-keys') ? `${id}:${workflowInfo().runId}:${what}:${n}` : `${id}:${what}:${n}`;
  };

  const waitingOn = (): WaitingOn => {
    // A step that failed for good waits on ops, whatever the stage (README "Failure policy").
    if (s.opsHold) return 'ops';
    switch (s.stage) {
      case 'received':
        return 'acceptance-officer';
      case 'awaiting-supplement':
        return 'applicant';
      case 'awaiting-predecessor-cancellation':
        return 'predecessor-cancellation';
      case 'awaiting-verification':
        return 'verification';
      case 'under-review':
        return 'decision';
      case 'issuing':
        // Only cases whose certificate runs against a time limit (Art. 24); older ones said nobody.
        return s.timeLimits?.certificate ? 'issuance' : 'nobody';
      default:
        return 'nobody';
    }
  };

  const searchAttributePairs = (): SearchAttributeUpdatePair[] => {
    /** Time limits still running (verify-then-issue, Art. 18 and 24); none on older cases. */
    const open = Object.values(s.timeLimits ?? {}).filter((l) => l.metAt === undefined);
    const pairs: SearchAttributeUpdatePair[] = [
      { key: SA.stage, value: s.stage },
      { key: SA.province, value: app.province },
      { key: SA.product, value: app.product },
      { key: SA.uscc, value: app.enterprise.uscc },
      { key: SA.waitingOn, value: waitingOn() },
      { key: SA.overdue, value: (s.breach !== undefined && !s.decision) || open.some((l) => l.breach !== undefined) },
    ];
    if (s.path) pairs.push({ key: SA.path, value: s.path });
    if (s.policyVersion) pairs.push({ key: SA.policyVersion, value: s.policyVersion });
    // The nearest deadline still running: the decision's, or an Art. 18 / Art. 24 one before it.
    const deadlines = [s.deadline?.deadlineAt && !s.decision ? s.deadline.deadlineAt : null, ...open.map((l) => l.deadline?.deadlineAt ?? null)].filter((d): d is string => !!d);
    pairs.push({ key: SA.deadline, value: deadlines.length ? new Date(Math.min(...deadlines.map((d) => Date.parse(d)))) : null });
    return pairs;
  };

  /**
   * Every upsert is a history event and a visibility write. A run on the patch baseline writes
   * once per activation, after all its changes (a queued microtask runs before the activation's
   * commands go out), not at all when nothing changed since the last write, and then only the
   * attributes that changed (an upsert keeps the ones it does not name). Older runs wrote the
   * whole set at each call, and replay them the same way. Which attributes an upsert names is
   * not checked on replay (only that an upsert comes there), so a run that wrote whole sets
   * replays on this code too.
   */
  const coalesce = onPatchBaseline();
  // What the run started with counts as written: the API's start (or a continue-as-new) already
  // made the case visible at intake, so the run's first write is often not needed.
  const startedWith = workflowInfo().typedSearchAttributes;
  const published = new Map<string, string>();
  if (coalesce) for (const { key } of searchAttributePairs()) published.set(key.name, JSON.stringify(startedWith.get(key) ?? null));
  let flushQueued = false;
  const writeSearchAttributes = () => {
    let pairs = searchAttributePairs();
    if (coalesce) {
      // Compared key by key, this skips exactly when the whole list compared equal did (older
      // code), because a key only ever joins the list (path, policy version), never leaves it.
      // A key that could leave would have to be written as null here, or replay would differ.
      pairs = pairs.filter(({ key, value }) => published.get(key.name) !== JSON.stringify(value ?? null));
      if (!pairs.length) return;
      for (const { key, value } of pairs) published.set(key.name, JSON.stringify(value ?? null));
    }
    upsertSearchAttributes(pairs);
  };
  /** Writes what is queued now; a continue-as-new reads the attributes to carry them. */
  const flushSearchAttributes = () => {
    if (!flushQueued) return;
    flushQueued = false;
    writeSearchAttributes();
  };
  const publishSearchAttributes = () => {
    if (!coalesce) return writeSearchAttributes();
    if (flushQueued) return;
    flushQueued = true;
    void Promise.resolve().then(flushSearchAttributes);
  };

  // A step that fails for good holds for ops: the status shows it, LpWaitingOn says 'ops'.
  let holdsSeen = 0;
  installOpsHold({
    onChange: (hold) => {
      if (hold) {
        s.opsHold = hold;
        holdsSeen++;
      }
      else delete s.opsHold;
      publishSearchAttributes();
    },
  });

  // Numbers stage changes so the database keeps the newest one whatever order writes land in.
  // Anchored to workflow time (µs-scaled, strictly increasing), so after a reset the new run's
  // changes outrank every change the old run wrote. Patched: older cases count 1, 2, 3…
  let stageSeq = input.carried?.stageSeq ?? 0;
  const setStage = (stage: Stage, event: string, by?: Actor, note?: string) => {
    s.stage = stage;
    stageSeq = hasPatch('reset-safe-stage-seq') ? Math.max(stageSeq + 1, Date.now() * 1000) : stageSeq + 1;
    s.timeline.push({ at: nowIso(), stage, event, by: by ? `${by.role}:${by.id}` : undefined, note });
    publishSearchAttributes();
  };

  const record = async (action: string, extra: RecordExtra = {}) => {
    const entry = {
      eventKey: key(action),
      applicationId: app.applicationId,
      action,
      actor: extra.actor ? { id: extra.actor.id, role: extra.actor.role } : undefined,
      reason: extra.reason,
      details: extra.details,
      set: { stage: s.stage, stage_seq: stageSeq, ...extra.set },
      occurredAt: nowIso(),
      ...(extra.notice ? { notice: extra.notice } : {}),
    };
    // An Update can arrive while the receipt is still being written: its row must exist first.
    // Patched: cases recorded before this could write in either order.
    if (hasPatch('record-after-receipt')) await condition(() => flags.receiptRecorded);
    return acts.recordTransition(entry);
  };

  /** Update handlers answer with the deadline the clock computed for the new state. */
  const clockSettled = () => condition(() => (clock.computedEpoch === clock.epoch && s.deadline !== undefined) || s.decision !== undefined);

  // ---- validator guards ------------------------------------------------------------------
  const requireCaseStaff = (actor: Actor, action: Action) =>
    requireStaff(actor, action, { province: app.province, subject: `case ${app.applicationId}` });
  const requireStage = (allowed: Stage[], what: string) => {
    if (s.decision) throw messageRefused('conflict', `case already ${s.decision.outcome} at ${s.decision.at}: ${what} is no longer possible`);
    if (s.stage === 'intake') {
      throw messageRefused('not-yet', `case ${app.applicationId} is still at intake: the receipt, ban and predecessor checks (R03, L04, R04) are running; ${what} is possible once they are done`);
    }
    // An Update taken while the main loop's own activity runs can land in the same workflow task
    // as that activity's result; a worker replaying such a history without the case in its cache
    // runs the handler before the main loop and fails the case for good (a nondeterminism error;
    // docs/reliability.md). So staff wait the moment the acceptance deadline takes to compute.
    if (s.stage === 'received' && !flags.acceptanceOpen) {
      throw messageRefused('not-yet', `case ${app.applicationId} is computing its acceptance deadline (L01); ${what} is possible in a moment`);
    }
    if ((s.stage === 'under-review' || s.stage === 'awaiting-verification') && !flags.routed) {
      throw messageRefused('not-yet', `case ${app.applicationId} was just accepted and is recording its path (R02); ${what} is possible in a moment`);
    }
    if (!allowed.includes(s.stage)) throw messageRefused('conflict', `${what} is not possible at stage '${s.stage}' (needs ${allowed.join(' or ')})`);
  };

  return {
    input,
    app,
    id,
    s,
    clock,
    flags,
    nowIso,
    key,
    keyCounts: () => Object.fromEntries(keyCounts),
    stageSeq: () => stageSeq,
    setStage,
    publishSearchAttributes,
    flushSearchAttributes,
    /** How many times a step of this run has held for ops so far. */
    opsHoldsSeen: () => holdsSeen,
    record,
    clockSettled,
    requireCaseStaff,
    requireStage,
  };
}
