/**
 * After-issuance follow-up (R08, R10, L06): one child workflow per issued certificate on the
 * licence-first, commitment and renewal-exempt paths, with its own id (`<application>/follow-up`)
 * and its own window from the case's policy version. A window that runs out without a result
 * escalates to the province's supervisor and stays visible as overdue.
 */
import { condition, defineQuery, defineUpdate, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo, allHandlersFinished } from '@temporalio/workflow';
import type { Activities } from '../activities/types';
import { messageRefused } from '../domain/messages';
import type { FollowUpKind, Limit, ProductId } from '../domain/policy';
import type { Actor } from '../domain/roles';
import { SA } from '../domain/search-attributes';
import { calendarDeadline } from '../domain/time';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export interface FollowUpInput {
  applicationId: string;
  certificateNumber: string;
  province: string;
  product: ProductId;
  uscc: string;
  kind: FollowUpKind;
  window: Limit;
  issuedAt: string;
  policyVersion: string;
}

export type InspectionResult = 'pass' | 'rectification-required' | 'failed';

export interface FollowUpStatus {
  kind: FollowUpKind;
  certificateNumber: string;
  stage: 'awaiting-inspection' | 'closed';
  dueAt: string;
  overdue: boolean;
  team?: string[];
  result?: { outcome: InspectionResult; at: string; by: string; findings?: string };
}

export const recordInspectionUpdate = defineUpdate<FollowUpStatus, [{ actor: Actor; outcome: InspectionResult; verifierIds: string[]; findings?: string }]>('recordInspection');
export const followUpStatusQuery = defineQuery<FollowUpStatus>('followUpStatus');

export async function followUpInspection(input: FollowUpInput): Promise<FollowUpStatus> {
  const id = workflowInfo().workflowId;
  const s: FollowUpStatus = {
    kind: input.kind,
    certificateNumber: input.certificateNumber,
    stage: 'awaiting-inspection',
    // Follow-up windows count calendar days after the day of issuance (the day itself not counted).
    dueAt: input.window.unit === 'days' ? calendarDeadline(input.issuedAt, input.window.n) : (await acts.computeDeadline({ startedAt: input.issuedAt, workingDays: input.window.n, pauses: [] })).deadlineAt!,
    overdue: false,
  };
  const publish = () =>
    upsertSearchAttributes([
      { key: SA.stage, value: s.stage === 'closed' ? 'follow-up-closed' : `follow-up:${input.kind}` },
      { key: SA.province, value: input.province },
      { key: SA.product, value: input.product },
      { key: SA.uscc, value: input.uscc },
      { key: SA.policyVersion, value: input.policyVersion },
      { key: SA.deadline, value: s.stage === 'closed' ? null : new Date(s.dueAt) },
      { key: SA.overdue, value: s.overdue && s.stage !== 'closed' },
      { key: SA.waitingOn, value: s.stage === 'closed' ? 'nobody' : 'inspection' },
    ]);

  setHandler(followUpStatusQuery, () => s);
  setHandler(
    recordInspectionUpdate,
    async ({ actor, outcome, verifierIds, findings }) => {
      const at = new Date(Date.now()).toISOString();
      s.team = verifierIds;
      s.result = { outcome, at, by: actor.id, findings };
      s.stage = 'closed';
      publish();
      await acts.recordTransition({
        eventKey: `${id}:inspection`,
        applicationId: input.applicationId,
        action: `follow-up-${outcome}`,
        actor: { id: actor.id, role: actor.role },
        reason: findings,
        details: { kind: input.kind, verifierIds, certificate: input.certificateNumber, dueAt: s.dueAt, inTime: Date.parse(at) <= Date.parse(s.dueAt) },
        occurredAt: at,
      });
      return s;
    },
    {
      validator: ({ actor, verifierIds }) => {
        if (actor.role !== 'supervisor') throw messageRefused('forbidden', `role ${actor.role} may not record an inspection; needs supervisor`);
        if (actor.province !== input.province) throw messageRefused('forbidden', `certificate ${input.certificateNumber} is supervised by ${input.province}`);
        if (s.stage === 'closed') throw messageRefused('conflict', `inspection already recorded at ${s.result?.at}`);
        if (verifierIds.length < 2 || verifierIds.length > 4 || new Set(verifierIds).size !== verifierIds.length) {
          throw messageRefused('invalid', 'an inspection team has 2-4 distinct verifiers (L06)');
        }
      },
    },
  );

  publish();
  const inTime = await condition(() => s.stage === 'closed', Math.max(1, Date.parse(s.dueAt) - Date.now() + 1));
  if (!inTime) {
    s.overdue = true;
    publish();
    await acts.notify({
      key: `${id}:overdue`,
      applicationId: input.applicationId,
      province: input.province,
      recipientRole: 'supervisor',
      kind: 'follow-up-overdue',
      message: `${input.kind} of certificate ${input.certificateNumber} was due by ${s.dueAt} and has no result`,
    });
    await condition(() => s.stage === 'closed');
  }
  await condition(allHandlersFinished);
  return s;
}
