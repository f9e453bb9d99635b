/**
 * One durable workflow per licence application (workflow id = application id): receipt →
 * acceptance (L01) → one of four paths by the policy in force at acceptance (R02) → decision
 * within its SLA (R07, L02, L03) → electronic certificate (L07, R05) → follow-up hand-off.
 *
 * Reviewers' decisions arrive as Updates whose validators refuse a wrong role, province or
 * stage before anything reaches history. Every side effect is an idempotent activity.
 */
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { acts } from './activities';
import type { SlaResult } from '../activities/types';
import type { ApplicationInput } from '../domain/application';
import {
  acceptUpdate,
  approveUpdate,
  confirmPredecessorCancelledUpdate,
  predecessorCancelledSignal,
  type CaseStatus,
  type Deadline,
  messageRefused,
  pauseClockUpdate,
  recordVerificationUpdate,
  refuseUpdate,
  rejectAtIntakeUpdate,
  requestSupplementUpdate,
  resumeClockUpdate,
  type Stage,
  statusQuery,
  supplementSignal,
} from '../domain/messages';
import { industrialPolicyRefusals } from '../domain/intake';
import { decisionLimit, followUpFor, type Limit, policyById, policyInForce, routeApplication } from '../domain/policy';
import { MAY } from '../domain/permissions';
import type { Actor, Role } from '../domain/roles';
import { SA } from '../domain/search-attributes';
import { endOfShanghaiDay, shanghaiDate } from '../domain/time';
import { followUpInspection, type FollowUpInput } from './follow-up';
import { describeBan, lifecycleWorkflowId, renewalIssuedSignal } from '../domain/supervision';
import { licenceLifecycle, type LifecycleInput } from './licence-lifecycle';

export interface LicenceApplicationInput {
  application: ApplicationInput;
  /** Set by the API at submission; may lie in the past for cases migrated from another system. */
  receivedAt: string;
}

export interface LicenceApplicationResult {
  applicationId: string;
  outcome: 'issued' | 'refused' | 'rejected-at-intake';
  certificateNumber?: string;
  path?: string;
  policyVersion?: string;
  decidedWithinDeadline?: boolean;
}

type WaitingOn = 'acceptance-officer' | 'applicant' | 'predecessor-cancellation' | 'verification' | 'decision' | 'nobody';

/** R04: how often a waiting case re-reads its predecessor's status when no signal arrives. */
const PREDECESSOR_RECHECK = '6 hours';
/** Statuses in which a predecessor licence no longer stands in the way. */
const PREDECESSOR_ENDED = ['cancelled', 'revoked', 'expired'];

export async function licenceApplication(input: LicenceApplicationInput): Promise<LicenceApplicationResult> {
  const app = input.application;
  const id = workflowInfo().workflowId;
  const nowIso = () => new Date(Date.now()).toISOString();

  const s: CaseStatus = {
    applicationId: app.applicationId,
    stage: 'received',
    province: app.province,
    product: app.product,
    type: app.type,
    receivedAt: input.receivedAt,
    paused: false,
    pauses: [],
    timeline: [],
  };
  // Bumped on every pause/resume so clocks recompute their deadline.
  let clockEpoch = 0;
  let computedEpoch = -1;
  /** Update handlers answer with the deadline the clock computed for the new state. */
  const clockSettled = () => condition(() => (computedEpoch === clockEpoch && s.deadline !== undefined) || s.decision !== undefined);
  let decisionClock: SlaResult | undefined;

  const keyCounts = new Map<string, number>();
  /** Stable across retries and replays: the same step of the same case always has the same key. */
  const key = (what: string) => {
    const n = (keyCounts.get(what) ?? 0) + 1;
    keyCounts.set(what, n);
    return `${id}:${what}:${n}`;
  };

  const waitingOn = (): WaitingOn => {
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
      default:
        return 'nobody';
    }
  };

  const publishSearchAttributes = () => {
    const pairs: SearchAttributeUpdatePair[] = [
      { key: SA.stage, value: s.stage },
      { key: SA.province, value: app.province },
      { key: SA.product, value: app.product },
      { key: SA.uscc, value: app.enterprise.uscc },
      { key: SA.waitingOn, value: waitingOn() },
      { key: SA.overdue, value: s.breach !== undefined && !s.decision },
    ];
    if (s.path) pairs.push({ key: SA.path, value: s.path });
    if (s.policyVersion) pairs.push({ key: SA.policyVersion, value: s.policyVersion });
    pairs.push({ key: SA.deadline, value: s.deadline?.deadlineAt && !s.decision ? new Date(s.deadline.deadlineAt) : null });
    upsertSearchAttributes(pairs);
  };

  // Numbers stage changes so the database keeps the newest one whatever order writes land in.
  let stageSeq = 0;
  const setStage = (stage: Stage, event: string, by?: Actor, note?: string) => {
    s.stage = stage;
    stageSeq++;
    s.timeline.push({ at: nowIso(), stage, event, by: by ? `${by.role}:${by.id}` : undefined, note });
    publishSearchAttributes();
  };

  let receiptRecorded = false;
  const record = async (action: string, extra: { actor?: Actor; reason?: string; details?: Record<string, unknown>; set?: Record<string, unknown> } = {}) => {
    const entry = {
      eventKey: key(action),
      applicationId: app.applicationId,
      action,
      actor: extra.actor ? { id: extra.actor.id, role: extra.actor.role } : undefined,
      reason: extra.reason,
      details: extra.details,
      set: { stage: s.stage, stage_seq: stageSeq, ...extra.set },
      occurredAt: nowIso(),
    };
    // An Update can arrive while the receipt is still being written: its row must exist first.
    // Patched: cases recorded before this could write in either order.
    if (patched('record-after-receipt')) await condition(() => receiptRecorded);
    return acts.recordTransition(entry);
  };

  // ---- who may send what, when ---------------------------------------------------------
  const requireStaff = (actor: Actor, roles: readonly Role[]) => {
    if (!roles.includes(actor.role)) throw messageRefused('forbidden', `role ${actor.role} may not do this; needs ${roles.join(' or ')}`);
    if (actor.province !== app.province) {
      throw messageRefused('forbidden', `case ${app.applicationId} belongs to province ${app.province}, not ${actor.province ?? 'none'} (R01)`);
    }
  };
  const requireStage = (allowed: Stage[], what: string) => {
    if (s.decision) throw messageRefused('conflict', `case already ${s.decision.outcome} at ${s.decision.at}: ${what} is no longer possible`);
    if (!allowed.includes(s.stage)) throw messageRefused('conflict', `${what} is not possible at stage '${s.stage}' (needs ${allowed.join(' or ')})`);
  };

  // ---- acceptance (L01) ------------------------------------------------------------------
  setHandler(
    acceptUpdate,
    async ({ actor, note }) => {
      s.acceptedAt = nowIso();
      s.acceptance = 'officer';
      setStage('under-review', 'accepted', actor, note);
      await record('accepted', { actor, reason: note, set: { accepted_at: s.acceptedAt, acceptance: 'officer' } });
      await clockSettled();
      return { stage: s.stage, acceptedAt: s.acceptedAt, deadline: s.deadline };
    },
    {
      validator: ({ actor }) => {
        requireStaff(actor, MAY.accept);
        requireStage(['received'], 'acceptance');
      },
    },
  );

  setHandler(
    requestSupplementUpdate,
    async ({ actor, items }) => {
      s.supplement = { requestedAt: nowIso(), items };
      setStage('awaiting-supplement', 'supplement-requested', actor, items.join('; '));
      await record('supplement-requested', { actor, details: { items } });
      await acts.notify({
        key: key('notify-supplement'),
        applicationId: app.applicationId,
        province: app.province,
        recipientRole: 'applicant',
        kind: 'supplement-requested',
        message: `Please supplement, in one submission: ${items.join('; ')}`,
      });
      return { stage: s.stage };
    },
    {
      validator: ({ actor }) => {
        requireStaff(actor, MAY.requestSupplement);
        // L01: everything missing is listed in ONE notice.
        if (s.supplement) throw messageRefused('conflict', `a supplement notice was already sent at ${s.supplement.requestedAt}; the law allows one (一次告知)`);
        requireStage(['received'], 'a supplement notice');
      },
    },
  );

  setHandler(supplementSignal, ({ actor, documents, note }) => {
    // Signals cannot be refused: ignore what does not fit, and say so in the log.
    if (s.stage !== 'awaiting-supplement' || actor.uscc !== app.enterprise.uscc || !s.supplement) {
      log.warn('supplement ignored', { stage: s.stage, from: actor.id });
      return;
    }
    s.supplement.suppliedAt = nowIso();
    setStage('received', 'supplemented', actor, note ?? `${documents.length} document(s)`);
    void record('supplemented', { actor, details: { documents } });
  });

  setHandler(
    rejectAtIntakeUpdate,
    async ({ actor, reasons }) => {
      s.decision = { outcome: 'rejected-at-intake', at: nowIso(), by: actor.id, reasons };
      setStage('rejected-at-intake', 'rejected-at-intake', actor, reasons.join('; '));
      await record('rejected-at-intake', { actor, reason: reasons.join('; '), set: { decision: 'rejected-at-intake', decided_at: s.decision.at } });
      return { stage: s.stage };
    },
    {
      validator: ({ actor }) => {
        requireStaff(actor, MAY.rejectAtIntake);
        requireStage(['received', 'awaiting-supplement', 'awaiting-predecessor-cancellation'], 'refusal to accept');
      },
    },
  );

  // ---- R04: the predecessor licence ------------------------------------------------------
  let predecessorGone = false;
  setHandler(predecessorCancelledSignal, ({ certificateNumber }) => {
    if (certificateNumber === app.predecessor?.certificateNumber) predecessorGone = true;
  });
  setHandler(
    confirmPredecessorCancelledUpdate,
    async ({ actor, evidence }) => {
      predecessorGone = true;
      await record('predecessor-cancellation-confirmed', { actor, reason: evidence, details: { certificateNumber: app.predecessor?.certificateNumber } });
      await condition(() => s.stage !== 'awaiting-predecessor-cancellation');
      return { stage: s.stage };
    },
    {
      validator: ({ actor }) => {
        requireStaff(actor, MAY.confirmPredecessorCancelled);
        requireStage(['awaiting-predecessor-cancellation'], 'confirming the predecessor cancellation');
      },
    },
  );

  // ---- review: verification, pauses (L02), decision ------------------------------------
  setHandler(
    recordVerificationUpdate,
    async ({ actor, result, verifierIds, findings }) => {
      s.verification = { result, verifierIds, at: nowIso() };
      setStage('under-review', `on-site-verification-${result}`, actor, findings);
      await record('on-site-verification', { actor, details: { result, verifierIds, findings } });
      return { stage: s.stage };
    },
    {
      validator: ({ actor, verifierIds }) => {
        requireStaff(actor, MAY.recordVerification);
        requireStage(['awaiting-verification'], 'an on-site verification result');
        if (new Set(verifierIds).size !== verifierIds.length) throw messageRefused('invalid', 'a verifier is listed twice (L06: 2-4 distinct verifiers)');
      },
    },
  );

  setHandler(
    pauseClockUpdate,
    async ({ actor, kind, reason, applicantNotifiedAt }) => {
      s.pauses.push({ kind, from: nowIso(), to: null, reason });
      s.paused = true;
      clockEpoch++;
      s.timeline.push({ at: nowIso(), stage: s.stage, event: `clock-paused:${kind}`, by: `${actor.role}:${actor.id}`, note: reason });
      await record('clock-paused', { actor, reason, details: { kind, applicantNotifiedAt } });
      await clockSettled();
      return { paused: true as const, deadline: s.deadline };
    },
    {
      validator: ({ actor }) => {
        requireStaff(actor, MAY.pauseClock);
        requireStage(['awaiting-verification', 'under-review'], 'pausing the clock');
        if (s.paused) throw messageRefused('conflict', 'the clock is already paused');
      },
    },
  );

  setHandler(
    resumeClockUpdate,
    async ({ actor, note }) => {
      const open = s.pauses[s.pauses.length - 1]!;
      open.to = nowIso();
      s.paused = false;
      clockEpoch++;
      s.timeline.push({ at: nowIso(), stage: s.stage, event: 'clock-resumed', by: `${actor.role}:${actor.id}`, note });
      await record('clock-resumed', { actor, reason: note, details: { pause: open } });
      await clockSettled();
      return { paused: false as const, deadline: s.deadline };
    },
    {
      validator: ({ actor }) => {
        requireStaff(actor, MAY.resumeClock);
        requireStage(['awaiting-verification', 'under-review'], 'resuming the clock');
        if (!s.paused) throw messageRefused('conflict', 'the clock is not paused');
      },
    },
  );

  const decide = async (outcome: 'approved' | 'refused', actor: Actor, reasons?: string[], note?: string) => {
    const at = nowIso();
    const deadlineAt = s.deadline?.deadlineAt;
    const withinDeadline = deadlineAt === null || deadlineAt === undefined || Date.parse(at) <= Date.parse(deadlineAt);
    s.decision = { outcome, at, by: actor.id, reasons, withinDeadline };
    setStage(outcome === 'approved' ? 'issuing' : 'refused', outcome, actor, reasons?.join('; ') ?? note);
    await record(outcome, {
      actor,
      reason: reasons?.join('; ') ?? note,
      details: { withinDeadline, deadlineAt },
      set: { decision: outcome, decided_at: at },
    });
    return { stage: s.stage };
  };

  setHandler(approveUpdate, ({ actor, note }) => decide('approved', actor, undefined, note), {
    validator: ({ actor }) => {
      requireStaff(actor, MAY.approve);
      requireStage(['under-review'], 'approval');
      if (!s.path) throw messageRefused('conflict', 'the case is still being routed; try again');
      if (s.verification?.result === 'fail') throw messageRefused('conflict', 'on-site verification failed: the application can only be refused');
    },
  });

  setHandler(refuseUpdate, ({ actor, reasons }) => decide('refused', actor, reasons), {
    validator: ({ actor }) => {
      requireStaff(actor, MAY.refuse);
      requireStage(['awaiting-verification', 'under-review'], 'refusal');
    },
  });

  setHandler(statusQuery, () => {
    if (!s.deadline || !decisionClock) return s;
    const today = shanghaiDate(Date.now());
    const used = decisionClock.countedDays.filter((d) => d <= today).length;
    const n = s.deadline.limit.n;
    return {
      ...s,
      deadline: {
        ...s.deadline,
        workingDaysUsed: used,
        workingDaysLeft: decisionClock.deadlineAt === null ? null : Math.max(0, n - used),
      },
    };
  });

  // ---- the process -------------------------------------------------------------------------
  publishSearchAttributes();
  s.timeline.push({ at: input.receivedAt, stage: 'received', event: 'received' });
  await acts.recordReceipt({ application: app, receivedAt: input.receivedAt, eventKey: key('received') });
  receiptRecorded = true;

  // Gates at receipt. R03: capacity against the filing and the industrial policy.
  const refusals = industrialPolicyRefusals(app, policyInForce(shanghaiDate(input.receivedAt)));
  // L04: a banned enterprise is refused for that product until the ban ends. Patched: cases
  // received before this check existed go on without it.
  if (patched('intake-ban-check')) {
    const ban = await acts.activeBan({ uscc: app.enterprise.uscc, product: app.product, on: shanghaiDate(input.receivedAt) });
    if (ban) refusals.push({ rule: 'L04', reason: describeBan(ban) });
  }
  if (refusals.length) {
    const reasons = refusals.map((r) => `${r.rule}: ${r.reason}`);
    s.decision = { outcome: 'rejected-at-intake', at: nowIso(), by: 'system', reasons };
    setStage('rejected-at-intake', 'rejected-at-intake', undefined, reasons.join('; '));
    await record('rejected-at-intake', { reason: reasons.join('; '), set: { decision: 'rejected-at-intake', decided_at: s.decision.at } });
    return finish();
  }

  // R04: a take-over is not accepted while the licence it replaces is still in force; the
  // acceptance clock (L01) starts once it is gone.
  let intakeClockStart = input.receivedAt;
  if (app.predecessor) {
    const number = app.predecessor.certificateNumber;
    const status = await acts.certificateStatus({ number });
    if (!PREDECESSOR_ENDED.includes(status ?? '')) {
      setStage('awaiting-predecessor-cancellation', 'awaiting-predecessor-cancellation', undefined, `licence ${number} (${status ?? 'not in this system'}) must be cancelled first (R04, ${app.predecessor.reason})`);
      await record('awaiting-predecessor-cancellation', { reason: `R04: ${number} is ${status ?? 'unknown here'}`, details: { predecessor: app.predecessor } });
      while (!predecessorGone && !s.decision) {
        await condition(() => predecessorGone || s.decision !== undefined, PREDECESSOR_RECHECK);
        if (!predecessorGone && !s.decision) predecessorGone = PREDECESSOR_ENDED.includes((await acts.certificateStatus({ number })) ?? '');
      }
      if (s.decision) return finish();
      intakeClockStart = nowIso();
      setStage('received', 'predecessor-cancelled', undefined, `licence ${number} no longer in force`);
      await record('predecessor-cancelled', { details: { predecessor: app.predecessor } });
    }
  }

  // L01: accept, or ONE supplement notice, within the limit; silence means accepted as of the
  // day of receipt (or of the supplement).
  while (s.stage === 'received' || s.stage === 'awaiting-supplement') {
    if (s.stage === 'awaiting-supplement') {
      await condition(() => s.stage !== 'awaiting-supplement');
      continue;
    }
    const clockStart = s.supplement?.suppliedAt ?? intakeClockStart;
    const limit = policyInForce(shanghaiDate(clockStart)).limits.acceptance;
    const due = await acts.computeDeadline({ startedAt: clockStart, workingDays: limit.n, pauses: [] });
    const acted = await waitUntil(() => s.stage !== 'received', Date.parse(due.deadlineAt!));
    if (acted || s.stage !== 'received') continue;
    // Re-read the calendar once the timer fires: a provisional deadline may have moved.
    const recheck = await acts.computeDeadline({ startedAt: clockStart, workingDays: limit.n, pauses: [] });
    if (Date.parse(recheck.deadlineAt!) > Date.now()) continue;
    s.acceptedAt = clockStart;
    s.acceptance = 'deemed';
    setStage('under-review', 'deemed-accepted', undefined, `no acceptance decision within ${limit.n} working days (L01): accepted as of ${shanghaiDate(clockStart)}`);
    await record('deemed-accepted', {
      reason: `L01: no acceptance or supplement notice by ${recheck.deadlineAt}`,
      set: { accepted_at: clockStart, acceptance: 'deemed' },
    });
  }

  if (s.stage === 'rejected-at-intake') return finish();

  // R02: the version in force on the acceptance date governs the case for life.
  const policy = policyInForce(shanghaiDate(s.acceptedAt!));
  const route = routeApplication(policy, {
    product: app.product,
    type: app.type,
    conditionsUnchanged: app.conditionsUnchanged,
    hasQualitySafetyCommitment: app.qualitySafetyCommitment !== undefined,
  });
  s.policyVersion = policy.id;
  s.path = route.path;
  s.pathReason = route.why;
  if (route.path === 'verify-then-issue' && s.stage === 'under-review' && !s.decision) {
    setStage('awaiting-verification', 'routed', undefined, route.why);
  } else {
    s.timeline.push({ at: nowIso(), stage: s.stage, event: 'routed', note: route.why });
    publishSearchAttributes();
  }
  await record('routed', { reason: route.why, set: { policy_version: policy.id, path: route.path } });

  // The decision clock runs from acceptance, beside whatever the case waits for.
  const decided = () => s.decision !== undefined;
  const clock = runDecisionClock(decisionLimit(policy, route.path), policy.limits.reminderLeadWorkingDays, decided);

  await condition(decided);
  await clock;
  if (s.decision!.outcome !== 'approved') return finish();
  // The decision's own audit write comes first, then the certificate. Patched: cases decided
  // before this scheduled the certificate while the decision's write was still running.
  if (patched('decision-recorded-before-issuance')) await condition(allHandlersFinished);

  // L07, R05: the electronic certificate. Exactly one per case, even under retries.
  const issuedAt = nowIso();
  const cert = await acts.issueCertificate({
    applicationId: app.applicationId,
    eventKey: key('certificate'),
    issuedAt,
    issuedOn: shanghaiDate(issuedAt),
    policyVersion: policy.id,
    stageSeq: stageSeq + 1,
  });
  s.certificate = { number: cert.number, issuedOn: cert.issuedOn, validUntil: cert.validUntil };
  setStage('issued', 'certificate-issued', undefined, cert.number);

  // Hand-off to after-issuance work: a child with its own id, outliving this workflow.
  const followUp = followUpFor(policyById(policy.id), route.path);
  if (followUp) {
    const childId = `${id}/follow-up`;
    const childInput: FollowUpInput = {
      applicationId: app.applicationId,
      certificateNumber: cert.number,
      province: app.province,
      product: app.product,
      uscc: app.enterprise.uscc,
      kind: followUp.kind,
      window: followUp.window,
      issuedAt,
      policyVersion: policy.id,
    };
    await startChild(followUpInspection, {
      workflowId: childId,
      args: [childInput],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    s.followUpWorkflowId = childId;
    s.timeline.push({ at: nowIso(), stage: s.stage, event: `follow-up-started:${followUp.kind}`, note: childId });
  }
  // The licence's own life (L05): one lifecycle per certificate, outliving this case; a renewal
  // tells the old certificate's lifecycle to hand over. Patched: cases issued before this ran without.
  if (patched('licence-lifecycle')) {
    const lifecycleId = lifecycleWorkflowId(cert.number);
    const lifecycleInput: LifecycleInput = {
      certificateNumber: cert.number,
      applicationId: app.applicationId,
      province: app.province,
      product: app.product,
      uscc: app.enterprise.uscc,
      enterpriseName: app.enterprise.name,
      enterpriseAddress: app.enterprise.registeredAddress,
      issuedOn: cert.issuedOn,
      validUntil: cert.validUntil,
      policyVersion: policy.id,
    };
    await startChild(licenceLifecycle, { workflowId: lifecycleId, args: [lifecycleInput], parentClosePolicy: ParentClosePolicy.ABANDON });
    s.timeline.push({ at: nowIso(), stage: s.stage, event: 'lifecycle-started', note: lifecycleId });
    if (cert.supersedes) {
      try {
        await getExternalWorkflowHandle(lifecycleWorkflowId(cert.supersedes)).signal(renewalIssuedSignal, {
          applicationId: app.applicationId,
          newCertificateNumber: cert.number,
          at: nowIso(),
        });
      } catch (err) {
        // The old certificate predates lifecycles, or its lifecycle already ended: the database says superseded.
        log.warn('no lifecycle to hand over from', { certificate: cert.supersedes, error: String(err) });
      }
    }
  }
  return finish();

  // ---- helpers using the state above ----------------------------------------------------
  async function finish(): Promise<LicenceApplicationResult> {
    // Let in-flight update handlers write their audit rows before the run closes.
    await condition(allHandlersFinished);
    publishSearchAttributes();
    const outcome = s.decision?.outcome === 'approved' ? 'issued' : (s.decision?.outcome ?? 'refused');
    return {
      applicationId: app.applicationId,
      outcome: outcome === 'issued' || outcome === 'refused' || outcome === 'rejected-at-intake' ? outcome : 'refused',
      certificateNumber: s.certificate?.number,
      path: s.path,
      policyVersion: s.policyVersion,
      decidedWithinDeadline: s.decision?.withinDeadline,
    };
  }

  /**
   * R07 / L02 / L03: the deadline comes from the calendar activity (recorded in history);
   * the clock recomputes on every pause/resume and whenever its timer fires, reminds before
   * the deadline, and escalates once when it is breached. The case stays open after a breach:
   * the law still owes the applicant a decision.
   */
  async function runDecisionClock(limit: Limit, reminderLead: number, done: () => boolean): Promise<void> {
    let reminded = false;
    while (!done()) {
      const epoch = clockEpoch;
      const changed = () => done() || clockEpoch !== epoch;
      const sla = await acts.computeDeadline({
        startedAt: s.acceptedAt!,
        workingDays: limit.n,
        pauses: s.pauses.map((p) => ({ from: p.from, to: p.to })),
      });
      if (clockEpoch !== epoch) continue;
      decisionClock = sla;
      s.deadline = toDeadline(sla, limit);
      computedEpoch = epoch;
      await acts.recordTransition({
        eventKey: key('deadline'),
        applicationId: app.applicationId,
        action: 'deadline-computed',
        details: { deadlineAt: sla.deadlineAt, provisional: sla.provisional, calendarVersion: sla.calendarVersion, pausedWorkingDays: sla.pausedWorkingDays },
        set: { deadline_at: sla.deadlineAt },
        occurredAt: nowIso(),
      });
      publishSearchAttributes();
      if (done()) break;
      if (sla.deadlineAt === null) {
        await condition(changed); // paused: no deadline until the clock resumes
        continue;
      }
      const deadlineMs = Date.parse(sla.deadlineAt);
      if (!reminded) {
        const index = limit.n - reminderLead - 1;
        const reminderMs = index >= 0 ? Date.parse(endOfShanghaiDay(sla.countedDays[index]!)) + 1 : Date.now();
        if (await waitUntil(changed, reminderMs)) continue;
        reminded = true;
        if (Date.now() < deadlineMs) {
          await acts.notify({
            key: key('notify-reminder'),
            applicationId: app.applicationId,
            province: app.province,
            recipientRole: 'approver',
            kind: 'decision-due',
            message: `Decision on ${app.applicationId} is due by ${sla.deadlineDate} (${limit.n} working days from acceptance)`,
          });
        }
        continue;
      }
      if (s.breach) {
        await condition(changed);
        continue;
      }
      if (Date.now() <= deadlineMs) {
        await waitUntil(changed, deadlineMs + 1);
        continue; // recompute: a provisional calendar year may have been replaced since
      }
      s.breach = { at: nowIso(), escalatedTo: `supervisor:${app.province}` };
      s.deadline = { ...s.deadline, overdue: true };
      s.timeline.push({ at: s.breach.at, stage: s.stage, event: 'deadline-breached', note: `deadline ${sla.deadlineAt} passed without a decision` });
      publishSearchAttributes();
      await record('deadline-breached', { reason: `no decision by ${sla.deadlineAt}`, set: { breached_at: s.breach.at } });
      await acts.notify({
        key: key('notify-breach'),
        applicationId: app.applicationId,
        province: app.province,
        recipientRole: 'supervisor',
        kind: 'decision-overdue',
        message: `Decision on ${app.applicationId} was due by ${sla.deadlineDate} and has not been made (R07)`,
      });
    }
  }

  function toDeadline(sla: SlaResult, limit: Limit): Deadline {
    const today = shanghaiDate(Date.now());
    const used = sla.countedDays.filter((d) => d <= today).length;
    return {
      deadlineAt: sla.deadlineAt,
      deadlineDate: sla.deadlineDate,
      provisional: sla.provisional,
      calendarVersion: sla.calendarVersion,
      limit,
      workingDaysUsed: used,
      workingDaysLeft: sla.deadlineAt === null ? null : Math.max(0, limit.n - used),
      overdue: s.breach !== undefined,
    };
  }
}

/** condition() with a deadline instant; a deadline already past only checks the predicate. */
async function waitUntil(fn: () => boolean, instantMs: number): Promise<boolean> {
  const ms = instantMs - Date.now();
  if (ms <= 0) return fn();
  return condition(fn, ms);
}
