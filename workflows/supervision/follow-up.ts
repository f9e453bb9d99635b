/**
 * After-issuance follow-up (R08, R10, L06, R15, L08, L04, R12): one child workflow per issued
 * certificate on the licence-first, commitment and renewal-exempt paths, with its own id
 * (`<application>/follow-up`) and its own window from the case's policy version.
 *
 *   awaiting-inspection ──pass──────────────────────────────▶ closed (passed)
 *        │  └─failed / commitment false ─▶ revoked + ban ──▶ closed (revoked)
 *        └─rectification-required ─▶ rectifying ──pass────▶ closed (rectified)
 *                                          └─failed again ─▶ revoked + 3-year ban (L08)
 *
 * A window (or rectification deadline) that runs out without a result escalates to the
 * province's supervisor once and stays visible as overdue (LpOverdue, LpDeadline, LpWaitingOn).
 *
 * Team assignment (L06, R10) needs the verifier registry in PostgreSQL, which a validator
 * cannot read (validators are synchronous and may not call activities). So the validator
 * refuses what it can decide from workflow state (role, province, stage, team size, a
 * message already in progress), and the handler asks an activity that checks the registry
 * (certification dates, suspension, conflicts of interest) and records the team in one
 * transaction; a refusal comes back as an ApplicationFailure of type `invalid` (→ 422), which
 * fails that Update only. Keeping a copy of the registry in workflow state instead would go
 * stale the day a certification expires.
 */
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { civilDateProblem } from '../../domain/approval/application';
import { messageRefused } from '../../domain/refusal';
import { policyById } from '../../domain/policy';
import type { Actor } from '../../domain/roles';
import { requireStaff } from '../shared/guards';
import { SA } from '../../domain/search-attributes';
import {
  assignTeamUpdate,
  type FollowUpDetail,
  followUpDetailQuery,
  type FollowUpInput,
  type FollowUpStatus,
  followUpStatusQuery,
  licenceEndedSignal,
  recordInspectionUpdate,
} from '../../domain/supervision/follow-up';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import type { RevocationGround } from '../../domain/licence/revocation';
import { revokeLicenceSignal } from '../../domain/licence/messages';
import { teamShapeProblem } from '../../domain/supervision/verifiers';
import { addCalendarDays, calendarDeadline, endOfShanghaiDay, shanghaiDate } from '../../domain/time';

export async function followUpInspection(input: FollowUpInput): Promise<FollowUpStatus> {
  const id = workflowInfo().workflowId;
  const nowIso = () => new Date(Date.now()).toISOString();
  const policy = policyById(input.policyVersion);
  const d: FollowUpDetail = {
    workflowId: id,
    applicationId: input.applicationId,
    kind: input.kind,
    certificateNumber: input.certificateNumber,
    province: input.province,
    product: input.product,
    uscc: input.uscc,
    policyVersion: input.policyVersion,
    stage: input.rectification ? 'rectifying' : 'awaiting-inspection',
    round: input.rectification ? 2 : 1,
    // Follow-up windows count calendar days after the day of issuance (the day itself not counted).
    dueAt: input.rectification
      ? endOfShanghaiDay(input.rectification.rectifyBy)
      : input.window.unit === 'days'
        ? calendarDeadline(input.issuedAt, input.window.n)
        : (await acts.computeDeadline({ startedAt: input.issuedAt, workingDays: input.window.n, pauses: [] })).deadlineAt!,
    ...(input.rectification
      ? { rectification: { orderedAt: input.rectification.orderedAt, rectifyBy: input.rectification.rectifyBy, dueAt: endOfShanghaiDay(input.rectification.rectifyBy) } }
      : {}),
    overdue: false,
    escalations: [],
    inspections: [],
  };
  /** One message at a time: a team check or a revocation is in flight. */
  let busy = false;
  let attempts = 0;

  const view = (): FollowUpStatus => {
    const last = d.inspections[d.inspections.length - 1];
    return {
      kind: d.kind,
      certificateNumber: d.certificateNumber,
      stage: d.stage === 'closed' ? 'closed' : 'awaiting-inspection',
      dueAt: d.dueAt,
      overdue: d.overdue,
      team: d.team?.verifierIds,
      result: last && { outcome: last.outcome, at: last.at, by: last.by, findings: last.findings },
    };
  };

  const waitingOn = () => (d.stage === 'closed' ? 'nobody' : !d.team ? 'team-assignment' : d.stage === 'rectifying' ? 'rectification' : 'inspection');
  const publish = () =>
    upsertSearchAttributes([
      { key: SA.stage, value: d.stage === 'closed' ? 'follow-up-closed' : d.stage === 'rectifying' ? 'follow-up:rectification' : `follow-up:${input.kind}` },
      { key: SA.province, value: input.province },
      { key: SA.product, value: input.product },
      { key: SA.uscc, value: input.uscc },
      { key: SA.policyVersion, value: input.policyVersion },
      { key: SA.deadline, value: d.stage === 'closed' ? null : new Date(d.dueAt) },
      { key: SA.overdue, value: d.overdue && d.stage !== 'closed' },
      { key: SA.waitingOn, value: waitingOn() },
    ]);

  const owner = { province: input.province, subject: `certificate ${input.certificateNumber}` };
  const requireOpen = (what: string) => {
    if (d.stage === 'closed') {
      const last = d.inspections[d.inspections.length - 1];
      throw messageRefused('conflict', `the follow-up is closed (${d.outcome ?? 'closed'}${last ? `; inspection already recorded at ${last.at}` : ''}): ${what} is no longer possible`);
    }
    if (busy) throw messageRefused('conflict', 'another message to this follow-up is being processed; try again');
  };
  const requireTeamShape = (verifierIds: string[]) => {
    const p = teamShapeProblem(verifierIds);
    if (p) throw messageRefused('invalid', p);
  };
  /** R10: checks the registry on the day; records the team when asked. Refusal → `invalid`. */
  const checkTeam = async (actor: Actor, verifierIds: string[], record: boolean) => {
    const r = await acts.assignTeam({
      eventKey: `${id}:team:${++attempts}`,
      workflowId: id,
      applicationId: input.applicationId,
      certificateNumber: input.certificateNumber,
      uscc: input.uscc,
      round: d.round,
      verifierIds,
      actor: { id: actor.id, role: actor.role },
      at: nowIso(),
      record,
    });
    if (!r.ok) throw messageRefused('invalid', `inspection team refused: ${r.problems.join('; ')}`);
    if (record) d.team = { verifierIds, assignedBy: actor.id, assignedAt: nowIso(), round: d.round };
  };

  setHandler(followUpStatusQuery, view);
  setHandler(followUpDetailQuery, () => d);

  setHandler(
    assignTeamUpdate,
    async ({ actor, verifierIds }) => {
      busy = true;
      try {
        await checkTeam(actor, verifierIds, true);
        publish();
        return d;
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor, verifierIds }) => {
        requireStaff(actor, 'assignTeam', owner);
        requireOpen('assigning a team');
        requireTeamShape(verifierIds);
      },
    },
  );

  setHandler(
    recordInspectionUpdate,
    async ({ actor, outcome, verifierIds, findings, rectifyBy, ground }) => {
      busy = true;
      try {
        // R10: the team's certifications are checked on the day of the inspection too.
        await checkTeam(actor, verifierIds, !d.team);
        const at = nowIso();
        const round = d.round;
        const inTime = Date.parse(at) <= Date.parse(d.dueAt);
        d.inspections.push({ round, outcome, at, by: actor.id, verifierIds, findings, inTime });
        let rectifyDate: string | undefined;
        if (outcome === 'rectification-required') {
          const limit = policy.followUp.rectification;
          rectifyDate =
            rectifyBy ??
            (limit.unit === 'days'
              ? addCalendarDays(shanghaiDate(at), limit.n)
              : (await acts.computeDeadline({ startedAt: at, workingDays: limit.n, pauses: [] })).deadlineDate!);
        }
        await acts.recordInspectionResult({
          eventKey: `${id}:inspection:${round}`,
          workflowId: id,
          applicationId: input.applicationId,
          certificateNumber: input.certificateNumber,
          kind: input.kind,
          round,
          outcome,
          verifierIds,
          findings,
          rectifyBy: rectifyDate,
          inTime,
          dueAt: d.dueAt,
          actor: { id: actor.id, role: actor.role },
          occurredAt: at,
        });
        if (outcome === 'pass') {
          d.stage = 'closed';
          d.outcome = round === 1 ? 'passed' : 'rectified';
        } else if (outcome === 'rectification-required') {
          // R15: stop production and sale, rectify by the deadline, then a re-inspection.
          d.round = round + 1;
          d.stage = 'rectifying';
          d.rectification = { orderedAt: at, rectifyBy: rectifyDate!, dueAt: endOfShanghaiDay(rectifyDate!) };
          d.dueAt = d.rectification.dueAt;
          d.overdue = false;
          await acts.notify({
            key: `${id}:rectification-ordered`,
            applicationId: input.applicationId,
            province: input.province,
            recipientRole: 'applicant',
            kind: 'rectification-ordered',
            message: `Certificate ${input.certificateNumber}: stop production and sale of the failing product and rectify by ${rectifyDate}; a re-inspection follows, and failing it revokes the licence (R15, L08)`,
          });
        } else {
          const why: RevocationGround = ground ?? (round > 1 ? 'failed-rectification' : input.kind === 'commitment-check' ? 'false-commitment' : 'conditions-not-met');
          await revoke(why, actor, findings ?? `${input.kind} failed (round ${round})`);
        }
        publish();
        return view();
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor, outcome, verifierIds, rectifyBy, ground }) => {
        requireStaff(actor, 'recordInspection', owner);
        requireOpen('recording an inspection');
        requireTeamShape(verifierIds);
        if (d.team) {
          const assigned = new Set(d.team.verifierIds);
          if (verifierIds.length !== assigned.size || verifierIds.some((v: string) => !assigned.has(v))) {
            throw messageRefused('conflict', `the assigned team is ${d.team.verifierIds.join(', ')}; assign a new team first to inspect with others (L06)`);
          }
        }
        // R15, L08: failing a re-check after a rectification order is a ground only when both are on
        // record. (Validators do not run on replay, so a stricter validator needs no patch.)
        if (outcome === 'failed' && ground === 'failed-rectification' && !d.rectification) {
          throw messageRefused(
            'invalid',
            `ground failed-rectification needs a rectification order and a failed re-check on record: certificate ${input.certificateNumber} has no rectification order (R15, L08); record rectification-required first, or give another ground`,
          );
        }
        if (outcome === 'rectification-required' && d.round > 1) {
          throw messageRefused('conflict', 'a re-inspection after rectification either passes or fails: the licence is revoked when it fails again (R15, L08)');
        }
        // A date the workflow could not store (2026-02-30) is refused here, never accepted and retried.
        const badDate = rectifyBy === undefined ? undefined : civilDateProblem(rectifyBy);
        if (badDate) throw messageRefused('invalid', `rectifyBy: ${badDate}`);
        if (rectifyBy !== undefined && rectifyBy <= shanghaiDate(Date.now())) throw messageRefused('invalid', `a rectification deadline lies in the future; got ${rectifyBy}`);
      },
    },
  );

  setHandler(licenceEndedSignal, ({ status, at }) => {
    if (d.stage === 'closed') return;
    log.info('licence ended: nothing left to inspect', { status, certificate: input.certificateNumber });
    d.stage = 'closed';
    d.outcome = d.outcome ?? 'licence-ended';
    d.licenceEnded = { status, at };
    publish();
  });

  // ---- the process -------------------------------------------------------------------------
  publish();
  // Only follow-ups opened by a routine inspection (R11) carry `rectification`: no history of an
  // issuance follow-up meets this branch, so it needs no patch marker.
  if (input.rectification) {
    await acts.notify({
      key: `${id}:rectification-ordered`,
      applicationId: input.applicationId,
      province: input.province,
      recipientRole: 'applicant',
      kind: 'rectification-ordered',
      message:
        `Certificate ${input.certificateNumber}: ${input.rectification.source} found problems (${input.rectification.findings}); stop production and sale of the failing product ` +
        `and rectify by ${input.rectification.rectifyBy}; a re-check follows, and failing it revokes the licence (R15, L08)`,
    });
  }
  while (d.stage !== 'closed') {
    const round = d.round;
    const changed = () => d.stage === 'closed' || d.round !== round;
    if (!d.overdue) {
      const inTime = await condition(changed, Math.max(1, Date.parse(d.dueAt) - Date.now() + 1));
      if (inTime) continue;
      d.overdue = true;
      const at = nowIso();
      d.escalations.push({ at, round, dueAt: d.dueAt });
      publish();
      const what = round === 1 ? `${input.kind} of certificate ${input.certificateNumber}` : `re-inspection after rectification of certificate ${input.certificateNumber}`;
      await acts.notify({
        key: `${id}:overdue:${round}`,
        applicationId: input.applicationId,
        province: input.province,
        recipientRole: 'supervisor',
        kind: 'follow-up-overdue',
        message: `${what} was due by ${d.dueAt} and has no result`,
      });
      await acts.recordLicenceEvent({
        eventKey: `${id}:overdue:${round}`,
        applicationId: input.applicationId,
        certificateNumber: input.certificateNumber,
        action: 'follow-up-overdue',
        details: { kind: input.kind, round, dueAt: d.dueAt },
        occurredAt: at,
      });
    }
    await condition(changed);
  }
  await condition(allHandlersFinished);
  return view();

  /** L04, R12, L08: revoke, ban, credit-publicity record; then tell the licence's lifecycle. */
  async function revoke(ground: RevocationGround, actor: Actor, reason: string): Promise<void> {
    const at = nowIso();
    const r = await acts.revokeCertificate({
      certificateNumber: input.certificateNumber,
      ground,
      reason,
      actor: { id: actor.id, role: actor.role },
      source: id,
      occurredAt: at,
    });
    d.stage = 'closed';
    d.outcome = 'revoked';
    d.revocation = { at, ground, ban: r.ban && { rule: r.ban.rule, endsOn: r.ban.endsOn } };
    await acts.notify({
      key: `${id}:revoked`,
      applicationId: input.applicationId,
      province: input.province,
      recipientRole: 'applicant',
      kind: 'licence-revoked',
      message: `Certificate ${input.certificateNumber} is revoked (${ground})${r.ban ? `; no new application for ${input.product} until ${r.ban.endsOn} (${r.ban.rule})` : ''}`,
    });
    try {
      await getExternalWorkflowHandle(lifecycleWorkflowId(input.certificateNumber)).signal(revokeLicenceSignal, { ground, reason, by: actor.id, at });
    } catch (err) {
      // A certificate issued before lifecycles existed has none; the database already says revoked.
      log.warn('no lifecycle to tell about the revocation', { certificate: input.certificateNumber, error: String(err) });
    }
  }
}
