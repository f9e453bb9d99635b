/**
 * R07 / L02 / L03: the decision clock. The deadline comes from the calendar activity (recorded
 * in history); the clock recomputes on every pause/resume and whenever its timer fires, reminds
 * before the deadline, and escalates once when it is breached. The case stays open after a
 * breach: the law still owes the applicant a decision.
 */
import { condition } from '@temporalio/workflow';
import type { SlaResult } from '../../activities/types';
import type { Deadline } from '../../domain/approval/messages';
import type { Limit } from '../../domain/policy';
import { endOfShanghaiDay, shanghaiDate } from '../../domain/time';
import { acts } from '../shared/activities';
import type { CaseContext } from './case-state';

export async function runDecisionClock(ctx: CaseContext, limit: Limit, reminderLead: number, done: () => boolean): Promise<void> {
  const { app, s, clock, nowIso, key, record, publishSearchAttributes } = ctx;
  let reminded = false;
  while (!done()) {
    const epoch = clock.epoch;
    const changed = () => done() || clock.epoch !== epoch;
    const sla = await acts.computeDeadline({
      startedAt: s.acceptedAt!,
      workingDays: limit.n,
      pauses: s.pauses.map((p) => ({ from: p.from, to: p.to })),
    });
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

function toDeadline(ctx: CaseContext, sla: SlaResult, limit: Limit): Deadline {
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
    overdue: ctx.s.breach !== undefined,
  };
}

/** condition() with a deadline instant; a deadline already past only checks the predicate. */
export async function waitUntil(fn: () => boolean, instantMs: number): Promise<boolean> {
  const ms = instantMs - Date.now();
  if (ms <= 0) return fn();
  return condition(fn, ms);
}
