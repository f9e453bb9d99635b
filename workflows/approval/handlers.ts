/**
 * The case's messages: staff decisions as Updates (validated at once: role, province, stage),
 * the applicant's supplement as a Signal, and the status Query. Handlers change the shared
 * case state (case-state.ts); the main loop and the decision clock react to it.
 */
import { condition, log, setHandler } from '@temporalio/workflow';
import { hasPatch } from '../shared/patch-baseline';
import {
  acceptUpdate,
  approveUpdate,
  confirmPredecessorCancelledUpdate,
  pauseClockUpdate,
  predecessorCancelledSignal,
  recordVerificationUpdate,
  refuseUpdate,
  rejectAtIntakeUpdate,
  requestSupplementUpdate,
  resumeClockUpdate,
  statusQuery,
  supplementSignal,
  supplementUpdate,
  type TimeLimitName,
} from '../../domain/approval/messages';
import { instantProblem } from '../../domain/approval/application';
import { expectedLengthProblem, pauseNotice, resumeNotice } from '../../domain/approval/notices';
import { groundedReasons, REFUSAL_GROUNDS, type RefusalGround } from '../../domain/approval/refusal-grounds';
import { messageRefused } from '../../domain/refusal';
import type { Actor } from '../../domain/roles';
import { teamShapeProblem } from '../../domain/supervision/verifiers';
import { shanghaiDate } from '../../domain/time';
import { acts, requireNoResultInThisTask } from '../shared/activities';
import type { CaseContext } from './case-state';
import { liveDeadline } from './limit-clock';

/** L02: pauses and resumptions write the applicant's notice. */
const WRITTEN_NOTICE_PATCH = 'l02-written-notice';

export function installCaseHandlers(ctx: CaseContext): void {
  const { app, s, clock, flags, nowIso, key, setStage, record, clockSettled, requireCaseStaff, requireStage } = ctx;

  const groundOf = (ground?: RefusalGround) => (ground ? { ground, rule: REFUSAL_GROUNDS[ground].rule } : {});
  /**
   * L04: false materials or concealment → a warning, a 1-year ban on this product and a
   * credit-publicity record, after the refusal's own record (one activity, keyed by the case).
   */
  const warnIfGrounded = async (decision: 'refused' | 'rejected-at-intake', actor: Actor, ground: RefusalGround | undefined, reasons: string[]) => {
    if (!ground || !REFUSAL_GROUNDS[ground].ban) return;
    const ban = await acts.recordApplicationWarning({ eventKey: key('warning-issued'), applicationId: app.applicationId, ground, decision, reasons, actor: { id: actor.id, role: actor.role }, occurredAt: nowIso() });
    if (!ban || !s.decision) return;
    s.decision.ban = { endsOn: ban.endsOn, rule: ban.rule };
    s.timeline.push({ at: nowIso(), stage: s.stage, event: 'warning-issued', by: `${actor.role}:${actor.id}`, note: `${ban.rule}: warning; no new application for ${app.product} until ${ban.endsOn}` });
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
      // The answer comes once the path is recorded, so the review Updates it invites are taken
      // (requireStage). Patched: older cases answered before.
      if (hasPatch('accept-answers-once-routed')) await condition(() => flags.routed || s.decision !== undefined);
      return { stage: s.stage, acceptedAt: s.acceptedAt, deadline: s.deadline };
    },
    {
      validator: ({ actor }) => {
        requireCaseStaff(actor, 'accept');
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
        requireCaseStaff(actor, 'requestSupplement');
        // L01: everything missing is listed in ONE notice.
        if (s.supplement) throw messageRefused('conflict', `a supplement notice was already sent at ${s.supplement.requestedAt}; the law allows one (一次告知)`);
        requireStage(['received'], 'a supplement notice');
      },
    },
  );

  // L01: the supplement is an Update, so the applicant hears the truth (refused with the reason,
  // or recorded) instead of a 202 for a signal the case may ignore.
  setHandler(
    supplementUpdate,
    async ({ actor, documents, note }) => {
      const suppliedAt = nowIso();
      s.supplement!.suppliedAt = suppliedAt;
      setStage('received', 'supplemented', actor, note ?? `${documents.length} document(s)`);
      await record('supplemented', { actor, details: { documents } });
      return { stage: s.stage, suppliedAt };
    },
    {
      validator: ({ actor }) => {
        if (actor.role !== 'applicant' || actor.uscc !== app.enterprise.uscc) {
          throw messageRefused('forbidden', `case ${app.applicationId} belongs to enterprise ${app.enterprise.uscc}: only it may supplement (R01)`);
        }
        requireNoResultInThisTask(`case ${app.applicationId}`);
        if (s.decision) throw messageRefused('conflict', `case already ${s.decision.outcome} at ${s.decision.at}: a supplement is no longer possible`);
        if (s.stage !== 'awaiting-supplement' || !s.supplement) {
          throw messageRefused('conflict', `case ${app.applicationId} is at stage '${s.stage}': a supplement is only taken while one was asked for (L01)`);
        }
      },
    },
  );

  // The old Signal, for clients and in-flight cases from before the Update.
  setHandler(supplementSignal, async ({ actor, documents, note }) => {
    // Signals cannot be refused: ignore what does not fit, and say so in the log.
    if (s.stage !== 'awaiting-supplement' || actor.uscc !== app.enterprise.uscc || !s.supplement) {
      log.warn('supplement ignored', { stage: s.stage, from: actor.id });
      return;
    }
    s.supplement.suppliedAt = nowIso();
    setStage('received', 'supplemented', actor, note ?? `${documents.length} document(s)`);
    // Awaited, so the run does not close before the row is written. Patched: older cases fired it off.
    if (hasPatch('supplement-signal-awaits-record')) await record('supplemented', { actor, details: { documents } });
    else void record('supplemented', { actor, details: { documents } });
  });

  setHandler(
    rejectAtIntakeUpdate,
    async ({ actor, reasons: given, ground: asked }) => {
      // L04: a ground names its rule; old histories never carry one. Patched: older cases had no grounds.
      const ground = asked && hasPatch('l04-refusal-ground') ? asked : undefined;
      const reasons = groundedReasons(ground, given);
      s.decision = { outcome: 'rejected-at-intake', at: nowIso(), by: actor.id, reasons, ...groundOf(ground) };
      setStage('rejected-at-intake', 'rejected-at-intake', actor, reasons.join('; '));
      await record('rejected-at-intake', {
        actor,
        reason: reasons.join('; '),
        details: ground ? { ground, rule: REFUSAL_GROUNDS[ground].rule } : undefined,
        set: { decision: 'rejected-at-intake', decided_at: s.decision.at },
      });
      await warnIfGrounded('rejected-at-intake', actor, ground, given);
      return { stage: s.stage };
    },
    {
      validator: ({ actor }) => {
        requireCaseStaff(actor, 'rejectAtIntake');
        requireStage(['received', 'awaiting-supplement', 'awaiting-predecessor-cancellation'], 'refusal to accept');
      },
    },
  );

  // ---- R04: the predecessor licence ------------------------------------------------------
  setHandler(predecessorCancelledSignal, ({ certificateNumber }) => {
    if (certificateNumber === app.predecessor?.certificateNumber) flags.predecessorGone = true;
  });
  setHandler(
    confirmPredecessorCancelledUpdate,
    async ({ actor, evidence }) => {
      flags.predecessorGone = true;
      await record('predecessor-cancellation-confirmed', { actor, reason: evidence, details: { certificateNumber: app.predecessor?.certificateNumber } });
      // Answered once the case is back to staff (`received`), or decided.
      await condition(() => s.stage !== 'awaiting-predecessor-cancellation' && s.stage !== 'intake');
      return { stage: s.stage };
    },
    {
      validator: ({ actor }) => {
        requireCaseStaff(actor, 'confirmPredecessorCancelled');
        requireStage(['awaiting-predecessor-cancellation'], 'confirming the predecessor cancellation');
      },
    },
  );

  // ---- review: verification, pauses (L02), decision ------------------------------------
  setHandler(
    recordVerificationUpdate,
    async ({ actor, result, verifierIds, findings }) => {
      // R10, L06: the team is checked against the verifier register on the day, in the handler
      // (a validator cannot read the database), so an Update sent straight to Temporal is checked
      // too. A refused team fails this Update (422 naming the verifier) and records nothing.
      // Patched: cases verified before this took any two ids.
      if (hasPatch('verification-register-check')) {
        flags.verifying = true;
        try {
          const problems = await acts.verificationTeamProblems({ verifierIds, uscc: app.enterprise.uscc, on: shanghaiDate(Date.now()) });
          if (problems.length) throw messageRefused('invalid', `on-site verification refused: ${problems.join('; ')}`);
          // A refusal or another decision may have landed while the register was read.
          requireStage(['awaiting-verification'], 'an on-site verification result');
        } finally {
          flags.verifying = false;
        }
      }
      s.verification = { result, verifierIds, at: nowIso() };
      setStage('under-review', `on-site-verification-${result}`, actor, findings);
      await record('on-site-verification', { actor, details: { result, verifierIds, findings } });
      return { stage: s.stage };
    },
    {
      validator: ({ actor, verifierIds }) => {
        requireCaseStaff(actor, 'recordVerification');
        requireStage(['awaiting-verification'], 'an on-site verification result');
        const shape = teamShapeProblem(verifierIds);
        if (shape) throw messageRefused('invalid', shape);
        // One result at a time: a second one would pass this check while the first reads the register.
        if (flags.verifying) throw messageRefused('conflict', 'another on-site verification result is being checked against the verifier register; try again');
      },
    },
  );

  setHandler(
    pauseClockUpdate,
    async ({ actor, kind, reason, applicantNotifiedAt, expectedLength }) => {
      s.pauses.push({ kind, from: nowIso(), to: null, reason });
      s.paused = true;
      clock.epoch++;
      s.timeline.push({ at: nowIso(), stage: s.stage, event: `clock-paused:${kind}`, by: `${actor.role}:${actor.id}`, note: reason });
      // L02: the applicant's written notice is generated here and stored with the pause's audit
      // row, in one transaction. Patched: older cases took applicantNotifiedAt from staff.
      if (hasPatch(WRITTEN_NOTICE_PATCH)) {
        const notice = pauseNotice({ applicationId: app.applicationId, kind, reason, at: nowIso(), expectedLength, issuedBy: `${actor.role}:${actor.id}` });
        await record('clock-paused', { actor, reason, details: { kind, applicantNotifiedAt, expectedLength: notice.expectedLength }, notice });
        await notifyApplicant(notice.body);
      } else {
        await record('clock-paused', { actor, reason, details: { kind, applicantNotifiedAt } });
      }
      await clockSettled();
      return { paused: true as const, deadline: s.deadline };
    },
    {
      validator: ({ actor, applicantNotifiedAt, expectedLength }) => {
        requireCaseStaff(actor, 'pauseClock');
        requireStage(['awaiting-verification', 'under-review'], 'pausing the clock');
        if (s.paused) throw messageRefused('conflict', 'the clock is already paused');
        const badInstant = applicantNotifiedAt === undefined ? undefined : instantProblem(applicantNotifiedAt);
        if (badInstant) throw messageRefused('invalid', `applicantNotifiedAt: ${badInstant}`);
        // The notice states it (L02): an Update sent straight to Temporal is not parsed by the API.
        const badLength = expectedLength === undefined ? undefined : expectedLengthProblem(expectedLength);
        if (badLength) throw messageRefused('invalid', `expectedLength: ${badLength}`);
      },
    },
  );

  setHandler(
    resumeClockUpdate,
    async ({ actor, note }) => {
      const open = s.pauses[s.pauses.length - 1]!;
      open.to = nowIso();
      s.paused = false;
      clock.epoch++;
      s.timeline.push({ at: nowIso(), stage: s.stage, event: 'clock-resumed', by: `${actor.role}:${actor.id}`, note });
      if (hasPatch(WRITTEN_NOTICE_PATCH)) {
        const notice = resumeNotice({ applicationId: app.applicationId, kind: open.kind, from: open.from, to: open.to, note, issuedBy: `${actor.role}:${actor.id}` });
        await record('clock-resumed', { actor, reason: note, details: { pause: open }, notice });
        await notifyApplicant(notice.body);
      } else {
        await record('clock-resumed', { actor, reason: note, details: { pause: open } });
      }
      await clockSettled();
      return { paused: false as const, deadline: s.deadline };
    },
    {
      validator: ({ actor }) => {
        requireCaseStaff(actor, 'resumeClock');
        requireStage(['awaiting-verification', 'under-review'], 'resuming the clock');
        if (!s.paused) throw messageRefused('conflict', 'the clock is not paused');
      },
    },
  );

  /** L02: the applicant hears of the notice at once; the notice itself is at GET /applications/{id}/notices. */
  const notifyApplicant = (message: string) =>
    acts.notify({ key: key('notify-written-notice'), applicationId: app.applicationId, province: app.province, recipientRole: 'applicant', kind: 'written-notice', message });

  const decide = async (outcome: 'approved' | 'refused', actor: Actor, given?: string[], note?: string, ground?: RefusalGround) => {
    const at = nowIso();
    const deadlineAt = s.deadline?.deadlineAt;
    const withinDeadline = deadlineAt === null || deadlineAt === undefined || Date.parse(at) <= Date.parse(deadlineAt);
    const reasons = given && groundedReasons(ground, given);
    s.decision = { outcome, at, by: actor.id, reasons, withinDeadline, ...groundOf(ground) };
    setStage(outcome === 'approved' ? 'issuing' : 'refused', outcome, actor, reasons?.join('; ') ?? note);
    await record(outcome, {
      actor,
      reason: reasons?.join('; ') ?? note,
      details: { withinDeadline, deadlineAt, ...(ground ? { ground, rule: REFUSAL_GROUNDS[ground].rule } : {}) },
      set: { decision: outcome, decided_at: at },
    });
    if (outcome === 'refused') await warnIfGrounded('refused', actor, ground, given ?? []);
    return { stage: s.stage };
  };

  setHandler(approveUpdate, ({ actor, note }) => decide('approved', actor, undefined, note), {
    validator: ({ actor }) => {
      requireCaseStaff(actor, 'approve');
      requireStage(['under-review'], 'approval');
      if (!s.path) throw messageRefused('conflict', 'the case is still being routed; try again');
      if (s.verification?.result === 'fail') throw messageRefused('conflict', 'on-site verification failed: the application can only be refused');
    },
  });

  // L04: a ground names its rule; old histories never carry one. Patched: older cases had no grounds.
  setHandler(refuseUpdate, ({ actor, reasons, ground }) => decide('refused', actor, reasons, undefined, ground && hasPatch('l04-refusal-ground') ? ground : undefined), {
    validator: ({ actor }) => {
      requireCaseStaff(actor, 'refuse');
      requireStage(['awaiting-verification', 'under-review'], 'refusal');
    },
  });

  setHandler(statusQuery, () => {
    if (!s.deadline || !clock.sla) return s;
    const limits = s.timeLimits && Object.fromEntries(
      Object.entries(s.timeLimits).map(([name, l]) => [name, l.deadline && !l.metAt ? { ...l, deadline: liveDeadline(l.deadline, clock.limits[name as TimeLimitName]?.sla) } : l]),
    );
    return { ...s, deadline: liveDeadline(s.deadline, clock.sla), ...(limits ? { timeLimits: limits } : {}) };
  });
}
