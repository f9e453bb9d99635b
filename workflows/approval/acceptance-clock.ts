/**
 * L01: the acceptance clock's wait. Within the limit the authority accepts or sends one
 * supplement notice; silence makes the case accepted as of the day of receipt, which starts the
 * R07 decision clock from that day, so a deemed acceptance often leaves the decision already due.
 * The acceptance officer is therefore reminded `STAFF_REMINDERS.acceptanceLead` days before the
 * L01 deadline (with 5 working days: at the end of day 3), so a deemed acceptance is a choice,
 * not a surprise.
 */
import { hasPatch } from '../shared/patch-baseline';
import type { SlaResult } from '../../activities/types';
import { type Limit, STAFF_REMINDERS } from '../../domain/policy';
import { endOfShanghaiDay, shanghaiDate } from '../../domain/time';
import { acts } from '../shared/activities';
import type { CaseContext } from './case-state';
import { waitUntil } from './decision-clock';

/**
 * Waits until staff act on the case (its stage leaves `received`) or the L01 deadline `due`
 * passes; true when they acted. Patched: cases already waiting when the reminder was added wait
 * without it.
 */
export async function awaitAcceptance(ctx: CaseContext, clockStart: string, limit: Limit, due: SlaResult): Promise<boolean> {
  const { app, s, key } = ctx;
  const acted = () => s.stage !== 'received';
  if (hasPatch('acceptance-reminder')) {
    const index = due.countedDays.length - STAFF_REMINDERS.acceptanceLead - 1;
    const reminderMs = index >= 0 ? Date.parse(endOfShanghaiDay(due.countedDays[index]!)) + 1 : undefined;
    // Only a reminder still ahead: a case received long ago, or a second pass after the calendar
    // moved the deadline, is not reminded twice.
    if (reminderMs !== undefined && reminderMs > Date.now()) {
      if (await waitUntil(acted, reminderMs)) return true;
      await acts.notify({
        key: key('notify-acceptance-due'),
        applicationId: app.applicationId,
        province: app.province,
        recipientRole: 'acceptance-officer',
        kind: 'acceptance-due',
        message:
          `Application ${app.applicationId}: accept it or send the one supplement notice by ${due.deadlineDate}. ` +
          `Otherwise it counts as accepted as of ${shanghaiDate(clockStart)} (L01), and the decision deadline ` +
          `(R07) runs from that day: ${limit.n} ${limit.unit} from acceptance.`,
      });
      if (acted()) return true;
    }
  }
  return waitUntil(acted, Date.parse(due.deadlineAt!));
}
