/**
 * R18: the triage of one submission of risk information.
 *
 *   triage ─(reminder 1 working day before; escalation to the supervisor at 5 working days)─┐
 *      └─ supervisor decides (Update): dismissed with a reason │ recorded as a risk signal (R14, R17)
 *                                      │ turned into a flight inspection (R13, child, abandoned) ─▶ decided
 *
 * The limit is policy data (domain/supervision/risk-report.ts), counted in working days by the
 * calendar activity (L03) from the day of receipt. While waiting: `LpWaitingOn = 'triage'`,
 * `LpDeadline`, and `LpOverdue = true` once the limit has passed. The workflow never learns who
 * submitted the report or how to reach them: that stays in PostgreSQL.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { condition, ParentClosePolicy, setHandler, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { messageRefused } from '../../domain/refusal';
import { SA } from '../../domain/search-attributes';
import { FLIGHT_DEFAULT_DAYS, flightWorkflowId } from '../../domain/supervision/flight';
import {
  flightIdOfReport,
  type RiskReportInput,
  type RiskReportState,
  riskReportStateQuery,
  riskReportWorkflowId,
  statusOfDecision,
  triagePolicyInForce,
  triageReportUpdate,
} from '../../domain/supervision/risk-report';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { flightInspection } from './flight-inspection';

export async function riskReportTriage(input: RiskReportInput): Promise<RiskReportState> {
  const wid = riskReportWorkflowId(input.ref);
  const nowIso = () => new Date(Date.now()).toISOString();
  const s: RiskReportState = { ref: input.ref, province: input.province, stage: 'triage', overdue: false, escalations: [] };
  const publish = () =>
    upsertSearchAttributes([
      { key: SA.stage, value: `risk-report:${s.stage}` },
      { key: SA.province, value: input.province },
      { key: SA.product, value: input.product },
      { key: SA.deadline, value: s.stage !== 'decided' && s.triageDueAt ? new Date(s.triageDueAt) : null },
      { key: SA.overdue, value: s.stage !== 'decided' && s.overdue },
      { key: SA.waitingOn, value: s.stage === 'decided' ? 'nobody' : 'triage' },
    ]);
  const notify = (kind: string, message: string) => {
    s.escalations.push({ kind, at: nowIso() });
    return acts.notify({ key: `${wid}:${kind}`, applicationId: wid, province: input.province, recipientRole: 'supervisor', kind, message });
  };

  setHandler(riskReportStateQuery, () => s);
  setHandler(
    triageReportUpdate,
    async ({ actor, decision, reason }) => {
      s.stage = 'deciding';
      const at = nowIso();
      const on = shanghaiDate(Date.now());
      try {
        let signalId: string | undefined;
        let flightId: string | undefined;
        if (decision === 'record-signal') {
          const r = await acts.recordRiskSignal({
            signalKey: `risk-report|${input.ref}`,
            province: input.province,
            product: input.product,
            region: input.province,
            uscc: input.uscc,
            kind: 'substantiated-report',
            origin: 'local',
            source: `risk report ${input.ref}`,
            summary: `${input.what.slice(0, 1500)} (substantiated: ${reason.slice(0, 400)})`,
            evidence: input.evidence,
            occurredOn: on,
            recordedBy: actor.id,
          });
          signalId = r.signal.id;
        } else if (decision === 'flight-inspection') {
          flightId = flightIdOfReport(input.ref);
          try {
            await startChild(flightInspection, {
              workflowId: flightWorkflowId(flightId),
              parentClosePolicy: ParentClosePolicy.ABANDON,
              workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
              args: [
                {
                  flightId,
                  province: input.province,
                  uscc: input.uscc,
                  lead: { kind: 'risk-report', ref: input.ref },
                  summary: `${input.what.slice(0, 1500)} (${reason.slice(0, 400)})`,
                  orderedBy: { id: actor.id, role: actor.role },
                  orderedAt: at,
                  dueOn: addCalendarDays(on, FLIGHT_DEFAULT_DAYS),
                },
              ],
            });
          } catch (e) {
            if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
          }
        }
        await acts.recordTriageDecision({ ref: input.ref, status: statusOfDecision[decision], reason, by: actor.id, at, signalKey: signalId && `risk-report|${input.ref}`, flightId });
        s.decision = { decision, reason, by: actor.id, at, ...(signalId ? { signalId } : {}), ...(flightId ? { flightId } : {}) };
        s.stage = 'decided';
        publish();
        return s;
      } catch (e) {
        s.stage = 'triage';
        throw e;
      }
    },
    {
      validator: ({ actor, decision, reason }) => {
        if (actor.role !== 'supervisor' || actor.province !== input.province) {
          throw messageRefused('forbidden', `a supervisor of ${input.province} triages report ${input.ref} (R18)`);
        }
        if (s.stage !== 'triage') throw messageRefused('conflict', `report ${input.ref} is ${s.stage === 'deciding' ? 'being decided' : `already decided (${s.decision?.decision})`}`);
        if (!reason?.trim()) throw messageRefused('invalid', 'reason: every triage decision gives its reason');
        if (decision === 'dismiss' && reason.trim().length < 3) throw messageRefused('invalid', 'reason: a dismissal gives its reason');
      },
    },
  );

  // R18: 5 working days from the day of receipt (L03: holidays counted out); a reminder the working day before.
  const policy = triagePolicyInForce(shanghaiDate(Date.parse(input.submittedAt)));
  const due = await acts.computeDeadline({ startedAt: input.submittedAt, workingDays: policy.triageWorkingDays, pauses: [] });
  const remind = await acts.computeDeadline({ startedAt: input.submittedAt, workingDays: policy.triageWorkingDays - policy.reminderWorkingDaysBefore, pauses: [] });
  s.triageDueAt = due.deadlineAt!;
  s.reminderAt = remind.deadlineAt!;
  publish();
  await acts.setReportTriageDue({ ref: input.ref, dueAt: s.triageDueAt });

  // One loop: wakes at the reminder, at the limit, or when decided (a failed decision returns to triage and the clock goes on).
  let reminded = false;
  for (;;) {
    if (s.stage === 'decided') break;
    const now = Date.now();
    if (!reminded && now >= Date.parse(s.reminderAt)) {
      reminded = true;
      if (!s.overdue) await notify('triage-reminder', `Risk report ${input.ref} about ${input.uscc}: triage is due by ${s.triageDueAt} (R18)`);
      continue;
    }
    if (!s.overdue && now >= Date.parse(s.triageDueAt)) {
      s.overdue = true;
      publish();
      await notify('triage-overdue', `Risk report ${input.ref} about ${input.uscc}: not triaged within ${policy.triageWorkingDays} working days (due ${s.triageDueAt}, R18)`);
      continue;
    }
    const next = [...(reminded ? [] : [Date.parse(s.reminderAt)]), ...(s.overdue ? [] : [Date.parse(s.triageDueAt)])];
    if (next.length) await condition(() => s.stage === 'decided', Math.max(1, Math.min(...next) - now));
    else await condition(() => s.stage === 'decided');
  }
  return s;
}
