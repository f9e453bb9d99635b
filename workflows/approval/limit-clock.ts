/**
 * The one clock behind every time limit of a case (R07 decision, Art. 18 verification, Art. 24
 * certificate): the deadline comes from the calendar activity (recorded in history), is
 * recomputed on every pause/resume (L02) and whenever its timer fires, the responsible role is
 * reminded before it, and the supervisor is told once when it passes. The case stays open after
 * a breach: the law still owes the applicant the step.
 *
 * L02: a pause begun on or before the deadline day stops the clock (the calendar answers no
 * deadline while it is open), so there is no breach and no escalation while it is open.
 * L03: once a day the clock re-reads its deadline; when a newly loaded year file changed it
 * (calendarVersion), the new deadline is adopted at once, not when the old timer fires.
 * What differs between the limits (where the deadline shows, who is reminded, what a breach
 * records) is the `LimitClock` a caller passes.
 */
import { condition } from '@temporalio/workflow';
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

/** The per-clock part the case's status and its Update answers read. */
export interface ClockState {
  computedEpoch: number;
  sla?: SlaResult;
}

export interface LimitClock {
  limit: Limit;
  /** Reminded this many working days (or days) before the deadline. */
  reminderLead: number;
  /** The step the limit is for has happened (or can no longer happen). */
  done: () => boolean;
  /** The calendar's input: start instant and the pauses that count for this limit. */
  input: () => SlaInput;
  state: ClockState;
  /** Shows a freshly computed deadline in the case's status. */
  show: (d: Deadline) => void;
  breached: () => boolean;
  recordDeadline: (sla: SlaResult) => Promise<void>;
  remind: (sla: SlaResult) => Promise<void>;
  breach: (sla: SlaResult) => Promise<void>;
  /** No breach recorded for a deadline a pause or the step overtook while it was being recorded. */
  guarded: boolean;
  /** The daily re-read of the deadline (L03). */
  daily: boolean;
  /** A first deadline asked for ahead of the clock (Prefetched): used while the clock is still in that epoch. */
  first?: Prefetched;
}

/** A deadline asked for before its clock started, in the clock epoch it was asked in. */
export interface Prefetched {
  epoch: number;
  sla: Promise<SlaResult>;
}

export async function runLimitClock(ctx: CaseContext, c: LimitClock): Promise<void> {
  const { clock, publishSearchAttributes } = ctx;
  let reminded = false;
  /** A deadline the daily re-check found changed, for the epoch it was computed in. */
  let fresh: { epoch: number; sla: SlaResult } | undefined;
  let first = c.first;
  while (!c.done()) {
    const epoch = clock.epoch;
    const changed = () => c.done() || clock.epoch !== epoch;
    const input = c.input();
    const sla = first?.epoch === epoch ? await first.sla : fresh?.epoch === epoch ? fresh.sla : await acts.computeDeadline(input);
    first = undefined;
    fresh = undefined;
    if (clock.epoch !== epoch) continue;
    c.state.sla = sla;
    c.show(toDeadline(sla, c.limit, c.breached()));
    c.state.computedEpoch = epoch;
    await c.recordDeadline(sla);
    publishSearchAttributes();
    if (c.done()) break;
    if (sla.deadlineAt === null) {
      await condition(changed); // paused: no deadline until the clock resumes
      continue;
    }
    const deadlineMs = Date.parse(sla.deadlineAt);
    /** Waits for a change or the instant; with the daily re-check, a moved deadline counts as a change. */
    const wait = async (instantMs: number): Promise<boolean> => {
      if (!c.daily) return waitUntil(changed, instantMs);
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
      const index = sla.countedDays.length - c.reminderLead - 1;
      const reminderMs = index >= 0 ? Date.parse(endOfShanghaiDay(sla.countedDays[index]!)) + 1 : Date.now();
      if (await wait(reminderMs)) continue;
      reminded = true;
      if (Date.now() < deadlineMs) await c.remind(sla);
      continue;
    }
    if (c.breached()) {
      await condition(changed);
      continue;
    }
    if (Date.now() <= deadlineMs) {
      await wait(deadlineMs + 1);
      continue; // recompute: a provisional calendar year may have been replaced since
    }
    // A pause or the step itself that arrived while this deadline was being recorded: look again first.
    if (c.guarded && changed()) continue;
    await c.breach(sla);
  }
}

export function toDeadline(sla: SlaResult, limit: Limit, overdue: boolean): Deadline {
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
    overdue,
  };
}

/** A deadline as of now (the status Query): days used and left move on with the calendar. */
export function liveDeadline(d: Deadline, sla: SlaResult | undefined): Deadline {
  if (!sla) return d;
  const today = shanghaiDate(Date.now());
  const used = sla.countedDays.filter((x) => x <= today).length;
  // The limit plus any day left by a pause begun on the last day (L02).
  const n = Math.max(d.limit.n, sla.countedDays.length);
  return { ...d, workingDaysUsed: used, workingDaysLeft: sla.deadlineAt === null ? null : Math.max(0, n - used) };
}

/** condition() with a deadline instant; a deadline already past only checks the predicate. */
export async function waitUntil(fn: () => boolean, instantMs: number): Promise<boolean> {
  const ms = instantMs - Date.now();
  if (ms <= 0) return fn();
  return condition(fn, ms);
}
