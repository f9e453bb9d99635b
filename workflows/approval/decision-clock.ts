/**
 * R07 / L02 / L03: the decision clock. The deadline comes from the calendar activity (recorded
 * in history); the clock recomputes on every pause/resume and whenever its timer fires, reminds
 * before the deadline, and escalates once when it is breached. The case stays open after a
 * breach: the law still owes the applicant a decision.
 *
 * L02: a pause begun on or before the deadline day stops the clock (the calendar answers no
 * deadline while it is open), so there is no breach and no escalation while it is open.
 * L03: once a day the clock re-reads its deadline; when a newly loaded year file changed it
 * (calendarVersion), the new deadline is adopted at once, not when the old timer fires.
 * The limit's unit (working days or calendar days) is passed to the calendar. The clock itself
 * (shared with the Art. 18 and Art. 24 limits) is limit-clock.ts.
 */
import { hasPatch } from '../shared/patch-baseline';
import type { Limit } from '../../domain/policy';
import { acts } from '../shared/activities';
import type { CaseContext } from './case-state';
import type { SlaInput } from '../../activities/types';
import { limitInput, type Prefetched, runLimitClock } from './limit-clock';

export { limitInput, waitUntil } from './limit-clock';

/** What the calendar is asked for the decision deadline, as the case stands now. */
function decisionInput(ctx: CaseContext, limit: Limit): SlaInput {
  const { s } = ctx;
  return { startedAt: s.acceptedAt!, ...limitInput(limit), pauses: s.pauses.map((p) => ({ from: p.from, to: p.to })) };
}

/**
 * The clock's first deadline, asked for before the clock starts (beside the routing's audit row,
 * which it does not depend on). Nothing moves the clock before routing (pauses and decisions wait
 * for it), so the clock takes it; the epoch it carries keeps that true should that ever change.
 */
export function prefetchDecisionDeadline(ctx: CaseContext, limit: Limit): Prefetched {
  const sla = acts.computeDeadline(decisionInput(ctx, limit));
  void sla.catch(() => undefined); // left unread if the clock moved; it asks again then
  return { epoch: ctx.clock.epoch, sla };
}

export async function runDecisionClock(ctx: CaseContext, limit: Limit, reminderLead: number, done: () => boolean, first?: Prefetched): Promise<void> {
  const { app, s, clock, nowIso, key, record, publishSearchAttributes } = ctx;
  // Patched: clocks started before these changes keep their old commands.
  const guarded = hasPatch('decision-clock-no-breach-after-change');
  const daily = hasPatch('decision-clock-daily-recheck');
  return runLimitClock(ctx, {
    limit,
    reminderLead,
    done,
    guarded,
    daily,
    state: clock,
    first,
    input: () => decisionInput(ctx, limit),
    show: (d) => {
      s.deadline = d;
    },
    breached: () => s.breach !== undefined,
    recordDeadline: (sla) =>
      acts.recordTransition({
        eventKey: key('deadline'),
        applicationId: app.applicationId,
        action: 'deadline-computed',
        details: { deadlineAt: sla.deadlineAt, provisional: sla.provisional, calendarVersion: sla.calendarVersion, pausedWorkingDays: sla.pausedWorkingDays },
        set: { deadline_at: sla.deadlineAt },
        occurredAt: nowIso(),
      }),
    remind: (sla) =>
      acts.notify({
        key: key('notify-reminder'),
        applicationId: app.applicationId,
        province: app.province,
        recipientRole: 'approver',
        kind: 'decision-due',
        message: `Decision on ${app.applicationId} is due by ${sla.deadlineDate} (${limit.n} ${limit.unit === 'days' ? 'days' : 'working days'} from acceptance)`,
      }),
    breach: async (sla) => {
      s.breach = { at: nowIso(), escalatedTo: `supervisor:${app.province}` };
      s.deadline = { ...s.deadline!, overdue: true };
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
    },
  });
}
