/**
 * R06: a SAMR finding. SAMR's random check found a drawn case non-conforming; the province's
 * supervisor must answer (response, measures taken) within the limit the finding was opened with
 * (domain/policy.ts `SAMR_CHECKS`, working days from the calendar activity, L03). The supervisor
 * is reminded before the end; a finding unanswered at its end is escalated to SAMR and stays
 * open, visible as overdue (LpStage 'samr-finding', LpWaitingOn 'supervisor', LpOverdue,
 * LpDeadline, LpProvince): the province still owes the answer.
 *
 * The answer is an Update. Its validator refuses what the workflow state decides (role, province,
 * already answered); the handler records it through an activity, then the workflow closes.
 * The escalation waits for an answer in flight, so an answer given in time is never escalated.
 */
import { allHandlersFinished, condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SlaInput } from '../../activities/types';
import { messageRefused } from '../../domain/refusal';
import { answerSamrFindingUpdate, type SamrFindingInput, type SamrFindingView, samrFindingQuery } from '../../domain/samr/findings';
import { SA } from '../../domain/search-attributes';
import { endOfShanghaiDay } from '../../domain/time';
import { limitInput, waitUntil } from '../approval/decision-clock';
import { acts } from '../shared/activities';
import { requireStaff } from '../shared/guards';

/** How often an open finding re-reads its due date (a new calendar year file may move it). */
const RECHECK_MS = 24 * 3_600_000;

export async function samrFinding(input: SamrFindingInput): Promise<SamrFindingView> {
  const id = workflowInfo().workflowId;
  const nowIso = () => new Date(Date.now()).toISOString();
  const f: SamrFindingView = {
    findingId: input.applicationId,
    workflowId: id,
    applicationId: input.applicationId,
    province: input.province,
    drawKey: input.drawKey,
    findings: input.findings,
    openedAt: input.openedAt,
    openedBy: input.openedBy,
    status: 'open',
    limit: input.limit,
    dueAt: null,
    dueDate: null,
    overdue: false,
    remindedAt: null,
    escalatedAt: null,
    answer: null,
  };
  const ref = { workflowId: id, applicationId: input.applicationId, province: input.province };
  /** An answer is being recorded. */
  let busy = false;
  const answered = () => f.status === 'answered';

  const publish = () =>
    upsertSearchAttributes([
      { key: SA.stage, value: answered() ? 'samr-finding-answered' : 'samr-finding' },
      { key: SA.province, value: input.province },
      ...(input.uscc ? [{ key: SA.uscc, value: input.uscc }] : []),
      ...(input.product ? [{ key: SA.product, value: input.product }] : []),
      { key: SA.deadline, value: answered() || !f.dueAt ? null : new Date(f.dueAt) },
      { key: SA.overdue, value: f.overdue && !answered() },
      { key: SA.waitingOn, value: answered() ? 'nobody' : 'supervisor' },
    ]);

  setHandler(samrFindingQuery, () => f);
  setHandler(
    answerSamrFindingUpdate,
    async ({ actor, response, measures }) => {
      busy = true;
      try {
        const at = nowIso();
        const inTime = f.dueAt === null || Date.parse(at) <= Date.parse(f.dueAt);
        await acts.answerSamrFinding({ ...ref, response, measures, actor: { id: actor.id, role: actor.role }, at, dueAt: f.dueAt ?? '', inTime });
        f.status = 'answered';
        f.answer = { response, measures, by: actor.id, at, inTime };
        publish();
        return f;
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor }) => {
        requireStaff(actor, 'answerSamrFinding', { province: input.province, subject: `SAMR finding on case ${input.applicationId}` });
        if (answered()) throw messageRefused('conflict', `SAMR's finding on case ${input.applicationId} was already answered at ${f.answer!.at} by ${f.answer!.by}`);
        if (busy) throw messageRefused('conflict', 'an answer to this finding is being recorded; try again');
      },
    },
  );

  publish();
  const slaInput: SlaInput = { startedAt: input.openedAt, ...limitInput(input.limit), pauses: [] };
  // Recorded first, shown after: whoever sees the due date in the workflow finds it in the database too.
  const adopt = async (sla: { deadlineAt: string | null; deadlineDate: string | null }) => {
    await acts.openSamrFinding({ ...ref, drawKey: input.drawKey, findings: input.findings, openedAt: input.openedAt, openedBy: input.openedBy, limit: input.limit, dueAt: sla.deadlineAt!, dueDate: sla.deadlineDate! });
    f.dueAt = sla.deadlineAt;
    f.dueDate = sla.deadlineDate;
    publish();
  };
  let sla = await acts.computeDeadline(slaInput);
  await adopt(sla);

  /**
   * Waits for an answer or the instant, re-reading the due date once a day like the decision
   * clock (L03): a year file ops load meanwhile may move it, earlier or later, and is adopted at once.
   */
  const wait = async (instantMs: number): Promise<'answered' | 'moved' | 'reached'> => {
    for (;;) {
      const step = Math.min(instantMs, Date.now() + RECHECK_MS);
      if (await waitUntil(answered, step)) return 'answered';
      const again = await acts.computeDeadline(slaInput);
      if (answered()) return 'answered';
      if (again.deadlineAt !== null && (again.deadlineAt !== sla.deadlineAt || again.calendarVersion !== sla.calendarVersion)) {
        sla = again;
        await adopt(again);
        return 'moved';
      }
      if (step >= instantMs) return 'reached';
    }
  };

  let reminded = false;
  for (;;) {
    if (!reminded) {
      // The reminder: at the end of the working day `reminderLead` days before the last one.
      const index = sla.countedDays.length - input.reminderLead - 1;
      const r = await wait(index >= 0 ? Date.parse(endOfShanghaiDay(sla.countedDays[index]!)) + 1 : Date.now());
      if (r === 'answered') break;
      if (r === 'moved') continue;
      reminded = true;
      if (Date.now() < Date.parse(f.dueAt!)) {
        const at = nowIso();
        await acts.remindSamrFinding({ ...ref, dueDate: f.dueDate!, at });
        f.remindedAt = at;
      }
      continue;
    }
    const r = await wait(Date.parse(f.dueAt!) + 1);
    if (r !== 'moved') break;
  }

  await condition(() => !busy);
  if (!answered()) {
    f.overdue = true;
    f.escalatedAt = nowIso();
    publish();
    await acts.escalateSamrFinding({ ...ref, dueAt: f.dueAt!, dueDate: f.dueDate!, at: f.escalatedAt });
    await condition(answered);
  }
  await condition(allHandlersFinished);
  return f;
}
