/**
 * Errors of the calendar module. Two kinds, so callers (the deadline activity) can tell
 * "the caller asked something impossible" (never retry) from "the data directory is broken"
 * (ops fix a file, then a retry succeeds).
 */

/** Bad input: malformed date or instant, n < 0, non-integer, pause ending before it starts, a date outside the range the calendar can answer. */
export class CalendarInputError extends Error {
  override readonly name = 'CalendarInputError';
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A year file in the data directory is missing, unreadable or invalid. The message names the file. */
export class CalendarDataError extends Error {
  override readonly name = 'CalendarDataError';
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
