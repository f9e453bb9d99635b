/**
 * R15: a failing inspection (routine, R11; flight, R13) puts every licence the enterprise holds in
 * the province under rectification, run by the same follow-up workflow as after issuance, opened
 * at its rectification stage: order, limit, re-check by a verifier team, revocation with its ban
 * when the re-check fails. One helper for both callers, so the commands are the same in each.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { policyInForce } from '../../domain/policy';
import { followUpWorkflowId } from '../../domain/workflow-ids';
import { addCalendarDays, endOfShanghaiDay } from '../../domain/time';
import { followUpInspection } from './follow-up';

/** Patch: R15 limits in days move off rest days and holidays (patched in the shared start and in the spot check). */
export const RECTIFICATION_LIMIT_PATCH = 'rectification-limit-working-day';

export interface RectificationStarted {
  certificateNumber: string;
  workflowId: string;
  rectifyBy: string;
  alreadyOpen?: boolean;
}

/** `wid`: the calling workflow (imported licences' follow-ups are named under it); `on`: the inspection day. */
export async function startRectifications(o: {
  wid: string;
  province: string;
  uscc: string;
  on: string;
  orderedAt: string;
  source: string;
  findings: string;
}): Promise<RectificationStarted[]> {
  const limit = policyInForce(o.on).followUp.rectification;
  // A limit in days that ends on a rest day or holiday ends on the next working day (clarification
  // of 2026-11-28); cases started before that read the calendar day itself.
  const rectifyBy =
    limit.unit === 'days' && !patched(RECTIFICATION_LIMIT_PATCH)
      ? addCalendarDays(o.on, limit.n)
      : (await acts.computeDeadline({ startedAt: endOfShanghaiDay(o.on), workingDays: limit.n, unit: limit.unit, pauses: [] })).deadlineDate!;
  const out: RectificationStarted[] = [];
  for (const c of await acts.rectificationTargets({ uscc: o.uscc, province: o.province, on: o.on })) {
    // A licence from an application keeps its case's follow-up id (the follow-up API reaches it); an imported one has its own.
    const workflowId = c.applicationId ? followUpWorkflowId(c.applicationId) : `${o.wid}/rectification/${c.certificateNumber}`;
    try {
      await startChild(followUpInspection, {
        workflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        args: [
          {
            applicationId: c.applicationId ?? o.wid,
            certificateNumber: c.certificateNumber,
            province: o.province,
            product: c.product,
            uscc: o.uscc,
            kind: 'supervision-inspection',
            window: { n: limit.n, unit: limit.unit },
            issuedAt: c.issuedAt,
            policyVersion: c.policyVersion,
            rectification: { orderedAt: o.orderedAt, rectifyBy, source: o.source, findings: o.findings },
          },
        ],
      });
      out.push({ certificateNumber: c.certificateNumber, workflowId, rectifyBy });
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      // Its follow-up is still open: that one already supervises the licence.
      out.push({ certificateNumber: c.certificateNumber, workflowId, rectifyBy, alreadyOpen: true });
    }
  }
  return out;
}
