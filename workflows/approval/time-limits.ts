/**
 * Regulation Art. 18 and Art. 24: the verify-then-issue path's limits besides the decision's
 * (R07): the on-site verification result within `standardVerification` of acceptance (paused
 * like the decision clock, L02: testing, expert review and hearings do not count), and the
 * certificate within `certificateAfterDecision` of the decision. Each runs on the shared clock
 * (limit-clock.ts): reminder to the role that owes the step, one escalation to the province's
 * supervisor once the deadline passes, shown in `status.timeLimits`, `LpDeadline`, `LpOverdue`.
 */
import type { Limit } from '../../domain/policy';
import type { TimeLimitName, TimeLimitStatus } from '../../domain/approval/messages';
import { acts } from '../shared/activities';
import type { CaseContext } from './case-state';
import { limitInput, runLimitClock } from './limit-clock';

interface LimitSpec {
  rule: string;
  what: string;
  from: string;
  remind: 'reviewer' | 'approver';
  pauses: boolean;
}

const SPECS: Record<TimeLimitName, LimitSpec> = {
  verification: { rule: 'Art.18', what: 'on-site verification result', from: 'acceptance', remind: 'reviewer', pauses: true },
  certificate: { rule: 'Art.24', what: 'certificate', from: 'the decision', remind: 'approver', pauses: false },
};

const unitOf = (limit: Limit) => (limit.unit === 'days' ? 'days' : 'working days');

/**
 * Runs one limit from `startedAt` until `done()`; the step's time (or now) is recorded as `metAt`.
 * The caller guards it with a patch (`hasPatch()`).
 */
export async function runTimeLimit(ctx: CaseContext, name: TimeLimitName, limit: Limit, reminderLead: number, startedAt: string, done: () => boolean): Promise<void> {
  const { app, s, clock, nowIso, key, record, publishSearchAttributes } = ctx;
  const spec = SPECS[name];
  const rule = `${spec.rule}: ${spec.what} within ${limit.n} ${unitOf(limit)} of ${spec.from}`;
  const state = (clock.limits[name] = { computedEpoch: -1 });
  const view: TimeLimitStatus = ((s.timeLimits ??= {})[name] = { rule });
  await runLimitClock(ctx, {
    limit,
    reminderLead,
    done,
    guarded: true,
    daily: true,
    state,
    input: () => ({
      startedAt,
      ...limitInput(limit),
      pauses: spec.pauses ? s.pauses.map((p) => ({ from: p.from, to: p.to })) : [],
    }),
    show: (d) => {
      view.deadline = d;
    },
    breached: () => view.breach !== undefined,
    recordDeadline: (sla) =>
      acts.recordTransition({
        eventKey: key(`${name}-deadline`),
        applicationId: app.applicationId,
        action: `${name}-deadline-computed`,
        details: { rule: spec.rule, deadlineAt: sla.deadlineAt, provisional: sla.provisional, calendarVersion: sla.calendarVersion, pausedWorkingDays: sla.pausedWorkingDays },
        occurredAt: nowIso(),
      }),
    remind: (sla) =>
      acts.notify({
        key: key(`notify-${name}-reminder`),
        applicationId: app.applicationId,
        province: app.province,
        recipientRole: spec.remind,
        kind: `${name}-due`,
        message: `${app.applicationId}: the ${spec.what} is due by ${sla.deadlineDate} (${rule})`,
      }),
    breach: async (sla) => {
      view.breach = { at: nowIso(), escalatedTo: `supervisor:${app.province}` };
      view.deadline = { ...view.deadline!, overdue: true };
      s.timeline.push({ at: view.breach.at, stage: s.stage, event: `${name}-deadline-breached`, note: `${spec.rule}: deadline ${sla.deadlineAt} passed without the ${spec.what}` });
      publishSearchAttributes();
      await record(`${name}-deadline-breached`, { reason: `${spec.rule}: no ${spec.what} by ${sla.deadlineAt}` });
      await acts.notify({
        key: key(`notify-${name}-breach`),
        applicationId: app.applicationId,
        province: app.province,
        recipientRole: 'supervisor',
        kind: `${name}-overdue`,
        message: `${app.applicationId}: the ${spec.what} was due by ${sla.deadlineDate} and is still outstanding (${rule})`,
      });
    },
  });
  view.metAt = nowIso();
  publishSearchAttributes();
}
