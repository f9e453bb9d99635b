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
 * The limit's unit (working days or calendar days) is passed to the calendar.
 */
import { condition, patched } from '@temporalio/workflow';
import type { SlaInput, SlaResult } from '../../activities/types';
import type { Deadline } from '../../domain/approval/messages';
import type { Limit } from '../../domain/policy';
import { endOfShanghaiDay, shanghaiDate } from '../../domain/time';
import { acts } from '../shared/activities';
import type { CaseContext } from './case-state';

/** How often a running clock re-reads its deadline (a new calendar year file may move it). */
const RECHECK_MS = 24 * 3_600_000;

/** The calendar's input for a limit; `unit` only when it is not the default, so older inputs stay as they were. */
export function limitInput(limit: Limit): Pick<SlaInput, 'workingDays' | 'unit'> {
  return limit.unit === 'days' ? { workingDays: limit.n, unit: 'days' } : { workingDays: limit.n };
}

export async function runDecisionClock(ctx: CaseContext, limit: Limit, reminderLead: number, done: () => boolean): Promise<void> {
  const { app, s, clock, nowIso, key, record, publishSearchAttributes } = ctx;
  // Patched: clocks started before these changes keep their old commands.
  const guarded = patched('decision-clock-no-breach-after-change');
  const daily = patched('decision-clock-daily-recheck');
  let reminded = false;
  /** A deadline the daily re-check found changed, for the epoch it was computed in. */
  let fresh: { epoch: number; sla: SlaResult } | undefined;
  while (!done()) {
    const epoch = clock.epoch;
    const changed = () => done() || clock.epoch !== epoch;
    const input: SlaInput = { startedAt: s.acceptedAt!, ...limitInput(limit), pauses: s.pauses.map((p) => ({ from: p.from, to: p.to })) };
    const sla = fresh?.epoch === epoch ? fresh.sla : await acts.computeDeadline(input);
    fresh = undefined;
    if (clock.epoch !== epoch) continue;
    clock.sla = sla;
    s.deadline = toDeadline(ctx, sla, limit);
    clock.computedEpoch = epoch;
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
    /** Waits for a change or the instant; with the daily re-check, a moved deadline counts as a change. */
    const wait = async (instantMs: number): Promise<boolean> => {
      if (!daily) return waitUntil(changed, instantMs);
      for (;;) {
        const step = Math.min(instantMs, Date.now() + RECHECK_MS);
        if (await waitUntil(changed, step)) return true;
        if (step >= instantMs) return false;
        const again = await acts.computeDeadline(input);
        if (changed()) return true;
        if (again.calendarVersion !== sla.calendarVersion || again.deadlineAt !== sla.deadlineAt) {
          fresh = { epoch, sla: again };
          return true;
        }
      }
    };
    if (!reminded) {
      // countedDays may hold one more day than the limit (L02: a pause begun on the last day).
      const index = sla.countedDays.length - reminderLead - 1;
      const reminderMs = index >= 0 ? Date.parse(endOfShanghaiDay(sla.countedDays[index]!)) + 1 : Date.now();
      if (await wait(reminderMs)) continue;
      reminded = true;
      if (Date.now() < deadlineMs) {
        await acts.notify({
          key: key('notify-reminder'),
          applicationId: app.applicationId,
          province: app.province,
          recipientRole: 'approver',
          kind: 'decision-due',
          message: `Decision on ${app.applicationId} is due by ${sla.deadlineDate} (${limit.n} ${limit.unit === 'days' ? 'days' : 'working days'} from acceptance)`,
        });
      }
      continue;
    }
    if (s.breach) {
      await condition(changed);
      continue;
    }
    if (Date.now() <= deadlineMs) {
      await wait(deadlineMs + 1);
      continue; // recompute: a provisional calendar year may have been replaced since
    }
    // A pause or a decision that arrived while this deadline was being recorded: look again first.
    if (guarded && changed()) continue;
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

function toDeadline(ctx: CaseContext, sla: SlaResult, limit: Limit): Deadline {
  const today = shanghaiDate(Date.now());
  const used = sla.countedDays.filter((d) => d <= today).length;
  // countedDays holds the limit plus any day a pause begun on the last day left (L02).
  const total = Math.max(limit.n, sla.countedDays.length);
  return {
    deadlineAt: sla.deadlineAt,
    deadlineDate: sla.deadlineDate,
    provisional: sla.provisional,
    calendarVersion: sla.calendarVersion,
    limit,
    workingDaysUsed: used,
    workingDaysLeft: sla.deadlineAt === null ? null : Math.max(0, total - used),
    overdue: ctx.s.breach !== undefined,
  };
}

/** condition() with a deadline instant; a deadline already past only checks the predicate. */
export async function waitUntil(fn: () => boolean, instantMs: number): Promise<boolean> {
  const ms = instantMs - Date.now();
  if (ms <= 0) return fn();
  return condition(fn, ms);
}
