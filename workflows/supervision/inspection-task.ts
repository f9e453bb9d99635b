/**
 * R11: one routine inspection of one enterprise by its drawn team.
 *
 *   inspecting ──result──▶ publication ──record published──▶ closed
 *      │ reminder the day before the batch ends, escalation to the supervisor when it ends
 *                               │ reminder 1 working day before, escalation at 20 working days
 *
 * Only the drawn inspectors may record the result, once (a repeat with the same Idempotency-Key
 * is answered by Temporal with the first result). The result, a failing result's R17 fact and the
 * publicity record are written in one activity. The publication clock (20 working days from the
 * inspection's end, computeDeadline, holidays counted out) ends when the outbox sender has
 * published the record (`published_at` set), which the task checks once a day: so it is
 * visible as `LpWaitingOn = 'publication'` until the public can actually see the result.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { condition, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { civilDateProblem } from '../../domain/approval/application';
import { messageRefused } from '../../domain/refusal';
import { SA } from '../../domain/search-attributes';
import {
  type InspectionTaskInput,
  type InspectionTaskStatus,
  inspectionTaskStatusQuery,
  recordTaskResultUpdate,
} from '../../domain/supervision/inspection-task';
import { riskPolicyInForce } from '../../domain/supervision/risk-policy';
import { startRectifications } from './rectification';
import { addCalendarDays, endOfShanghaiDay, shanghaiDate } from '../../domain/time';

const DAY_MS = 86_400_000;

/** What ops filter this task on; a new task's values are known before it starts (the batch passes them). */
export function taskSearchAttributes(
  input: InspectionTaskInput,
  s: Pick<InspectionTaskStatus, 'stage' | 'dueAt' | 'overdue' | 'publication'> = { stage: 'inspecting', dueAt: endOfShanghaiDay(input.dueOn), overdue: false },
): SearchAttributeUpdatePair[] {
  const deadline = s.stage === 'inspecting' ? s.dueAt : s.stage === 'publication' ? s.publication!.dueAt : null;
  return [
    { key: SA.stage, value: `inspection:${s.stage}` },
    { key: SA.province, value: input.province },
    { key: SA.uscc, value: input.uscc },
    { key: SA.deadline, value: deadline ? new Date(deadline) : null },
    { key: SA.overdue, value: s.stage === 'inspecting' ? s.overdue : s.stage === 'publication' ? s.publication!.overdue : false },
    { key: SA.waitingOn, value: s.stage === 'inspecting' ? 'inspection' : s.stage === 'publication' ? 'publication' : 'nobody' },
  ];
}

export async function inspectionTask(input: InspectionTaskInput): Promise<InspectionTaskStatus> {
  const wid = `inspection/${input.taskId}`;
  const nowIso = () => new Date(Date.now()).toISOString();
  const s: InspectionTaskStatus = {
    taskId: input.taskId,
    batchId: input.batchId,
    uscc: input.uscc,
    team: input.team,
    stage: 'inspecting',
    dueAt: endOfShanghaiDay(input.dueOn),
    overdue: false,
    escalations: [],
  };
  let busy = false;
  let publicationReminderAt: string | undefined;

  const publish = () => upsertSearchAttributes(taskSearchAttributes(input, s));
  // A batch that passed them at the start has nothing to upsert yet: one event and one visibility
  // write fewer per task, which counts when a batch opens thousands (bench/inspection-batch.ts).
  if (workflowInfo().typedSearchAttributes.get(SA.stage) !== `inspection:${s.stage}`) publish();

  const notify = (kind: string, role: string, message: string) => {
    s.escalations.push({ kind, at: nowIso() });
    return acts.notify({ key: `${wid}:${kind}`, applicationId: wid, province: input.province, recipientRole: role, kind, message });
  };

  setHandler(inspectionTaskStatusQuery, () => s);
  setHandler(
    recordTaskResultUpdate,
    async ({ actor, outcome, findings, inspectedOn }) => {
      busy = true;
      try {
        const on = inspectedOn ?? shanghaiDate(Date.now());
        const policy = riskPolicyInForce(on);
        // R11: 20 working days from the end of the inspection day; L03 holidays counted out.
        const clock = await acts.computeDeadline({ startedAt: endOfShanghaiDay(on), workingDays: policy.publicationWorkingDays, pauses: [] });
        const reminder = await acts.computeDeadline({ startedAt: endOfShanghaiDay(on), workingDays: policy.publicationWorkingDays - 1, pauses: [] });
        const at = nowIso();
        const r = await acts.recordInspectionTaskResult({
          taskId: input.taskId,
          province: input.province,
          uscc: input.uscc,
          outcome,
          findings,
          by: actor.id,
          at,
          inspectedOn: on,
          publicationDue: clock.deadlineAt!,
        });
        s.result = { outcome, findings, by: actor.id, at, inspectedOn: on };
        s.publication = { recordKey: r.recordKey, dueAt: clock.deadlineAt!, overdue: false };
        publicationReminderAt = reminder.deadlineAt!;
        s.stage = 'publication';
        publish();
        return s;
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor, outcome, findings, inspectedOn }) => {
        if (actor.role !== 'inspector' || !input.team.includes(actor.id)) {
          throw messageRefused('forbidden', `only the drawn team (${input.team.join(', ')}) records this inspection's result (R11); ${actor.id} is not on it`);
        }
        if (s.result || busy) throw messageRefused('conflict', `the result of inspection ${input.taskId} is already recorded${s.result ? ` (${s.result.outcome} by ${s.result.by} at ${s.result.at})` : ''}`);
        if (outcome === 'problems-found' && !findings?.trim()) throw messageRefused('invalid', 'findings: problems found are described in findings');
        if (inspectedOn !== undefined) {
          const bad = civilDateProblem(inspectedOn);
          if (bad) throw messageRefused('invalid', `inspectedOn: ${bad}`);
          if (inspectedOn > shanghaiDate(Date.now())) throw messageRefused('invalid', `inspectedOn: the inspection cannot end in the future; got ${inspectedOn}`);
          // Nor before the task was opened: a day before any risk policy or working-day calendar failed the handler for good and the Update hung.
          const opened = shanghaiDate(workflowInfo().startTime.getTime());
          if (inspectedOn < opened) throw messageRefused('invalid', `inspectedOn: the inspection cannot end before its task was opened (${opened}); got ${inspectedOn}`);
        }
      },
    },
  );

  // R11: the result is due by the batch's end: a reminder the day before, then the supervisor.
  const remindAt = Date.parse(endOfShanghaiDay(addCalendarDays(input.dueOn, -1)));
  if (remindAt > Date.now() && !(await condition(() => s.result !== undefined, remindAt - Date.now()))) {
    await notify('inspection-reminder', 'inspector', `Inspection ${input.taskId} of ${input.uscc}: the result is due by ${input.dueOn} (R11)`);
  }
  if (!(await condition(() => s.result !== undefined, Math.max(0, Date.parse(s.dueAt) - Date.now())))) {
    s.overdue = true;
    publish();
    await notify('inspection-overdue', 'supervisor', `Inspection ${input.taskId} of ${input.uscc}: no result by the batch's end ${input.dueOn} (R11); team ${input.team.join(', ')}`);
    await condition(() => s.result !== undefined);
  }
  await condition(() => !busy && s.stage === 'publication');

  // R15: problems found put every licence of the enterprise here under rectification, run by the
  // same follow-up workflow as after issuance (opened at its rectification stage): order, limit,
  // re-check by a verifier team, revocation with its ban when the re-check fails.
  if (s.result!.outcome === 'problems-found') {
    s.rectifications = await startRectifications({
      wid,
      province: input.province,
      uscc: input.uscc,
      on: s.result!.inspectedOn,
      orderedAt: s.result!.at,
      source: `routine inspection ${input.taskId}`,
      findings: s.result!.findings ?? 'problems found',
    });
  }

  // R11: the publication clock runs until the sender has published the record.
  const pub = s.publication!;
  let reminded = false;
  for (;;) {
    const publishedAt = await acts.publicityPublishedAt({ recordKey: pub.recordKey });
    if (publishedAt) {
      pub.publishedAt = publishedAt;
      break;
    }
    const now = Date.now();
    if (!reminded && publicationReminderAt && now >= Date.parse(publicationReminderAt)) {
      reminded = true;
      await notify('publication-reminder', 'supervisor', `Inspection ${input.taskId}: its result must be published by ${pub.dueAt} (R11, 20 working days)`);
    }
    if (!pub.overdue && now > Date.parse(pub.dueAt)) {
      pub.overdue = true;
      publish();
      await notify('publication-overdue', 'supervisor', `Inspection ${input.taskId}: result not published within 20 working days (due ${pub.dueAt}, R11)`);
    }
    // Next look: in a day, or at the reminder or the deadline if sooner.
    const next = [now + DAY_MS, ...(reminded || !publicationReminderAt ? [] : [Date.parse(publicationReminderAt)]), ...(pub.overdue ? [] : [Date.parse(pub.dueAt) + 1])].filter((t) => t > now);
    await sleep(Math.max(1, Math.min(...next) - now));
  }
  s.stage = 'closed';
  publish();
  return s;
}
