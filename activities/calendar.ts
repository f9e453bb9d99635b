/**
 * The deadline activity (L02, L03, R07). Workflows call it instead of touching the calendar, so the
 * answer — with the calendar version it came from — lands in history and a later calendar file
 * never changes a replay.
 *
 * Reload: before every call the data directory is fingerprinted (one readdir, then a hash of the
 * bytes of its few small `*.json` files); when a file was added, removed or changed, the calendar
 * is reloaded and re-validated. So a new year file dropped in by ops is used by the next call,
 * without a restart. Decision clocks call computeDeadline again once a day and when a timer fires,
 * and adopt a deadline that moved (earlier or later) with its new calendarVersion.
 *
 * Errors, as Temporal ApplicationFailures:
 *  - type `CalendarInputError`, non-retryable: the input is wrong (malformed instant, n < 0, a pause
 *    ending before it starts …); retrying cannot help.
 *  - type `CalendarDataError`, retryable: a file in the data directory is invalid (the message names
 *    it); retries succeed once ops fix the file. The previous good calendar is NOT used meanwhile:
 *    a deadline from silently stale data would be worse than a visible retrying activity.
 */
import { ApplicationFailure } from '@temporalio/common';
import { CalendarDataError, CalendarInputError, type SlaInput, type SlaResult } from '../domain/calendar';
import { currentCalendar, resolveCalendarDir } from '../infra/calendar';

export interface CalendarActivityOptions {
  /** Data directory; default env CALENDAR_DIR, else domain/calendar/data. Resolved once, at creation. */
  dir?: string;
}

export function createCalendarActivities(opts: CalendarActivityOptions = {}) {
  const dir = resolveCalendarDir(opts.dir);
  return {
    /** The SLA clock (see Calendar#computeSlaDeadline): deadline instant, counted days, pauses, calendar version. */
    async computeDeadline(input: SlaInput): Promise<SlaResult> {
      try {
        return currentCalendar(dir).computeSlaDeadline(input);
      } catch (e) {
        if (e instanceof CalendarInputError) {
          throw ApplicationFailure.create({ type: 'CalendarInputError', message: e.message, nonRetryable: true });
        }
        if (e instanceof CalendarDataError) {
          throw ApplicationFailure.create({ type: 'CalendarDataError', message: e.message, nonRetryable: false });
        }
        throw e;
      }
    },
  };
}

export type CalendarActivities = ReturnType<typeof createCalendarActivities>;
