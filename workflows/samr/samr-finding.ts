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
  const sla = await acts.computeDeadline(slaInput);
  await adopt(sla);

  // The reminder: at the end of the working day `reminderLead` days before the last one.
  const index = sla.countedDays.length - input.reminderLead - 1;
  const remindMs = index >= 0 ? Date.parse(endOfShanghaiDay(sla.countedDays[index]!)) + 1 : Date.now();
  if (!(await waitUntil(answered, remindMs)) && Date.now() < Date.parse(f.dueAt!)) {
    const at = nowIso();
    await acts.remindSamrFinding({ ...ref, dueDate: f.dueDate!, at });
    f.remindedAt = at;
  }

  // The end of the limit; re-read once it comes: a year file loaded meanwhile may have moved it later.
  for (;;) {
    if (await waitUntil(answered, Date.parse(f.dueAt!) + 1)) break;
    const again = await acts.computeDeadline(slaInput);
    if (again.deadlineAt === null || Date.parse(again.deadlineAt) <= Date.parse(f.dueAt!)) break;
    await adopt(again);
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
