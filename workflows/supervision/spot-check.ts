/**
 * R15: one spot check (监督抽查) of one enterprise's product, `spot-check/<id>` (the stages are in
 * domain/supervision/spot-check.ts). Sampling, testing by a registered laboratory that the
 * enterprise neither owns nor is conflicted with, the result. A failing result is notified to the
 * enterprise, which may object within 15 days of receiving it (calendar days from the day after;
 * a last day off moves to the next working day: the calendar activity, Civil Code Art. 203); a
 * timely objection leads to a re-test by a different laboratory, whose result is final.
 *
 * A final failing result is published, recorded as the R17 fact `failed-spot-check` and as an R14
 * risk signal (the grade rises at once), and becomes an order to stop producing and selling the
 * product and to rectify within the limit. The rectification, its re-check and the revocation
 * with the L08 ban when the re-check fails are the follow-up workflow's (started with its
 * `rectification` input, as after a failing routine inspection); this workflow waits for it,
 * shows the order as overdue past its limit, and records how the order closed.
 *
 * Handlers that await an activity run one at a time (`busy`); the main loop re-reads the state
 * after every await.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { allHandlersFinished, type ChildWorkflowHandle, condition, ParentClosePolicy, patched, setHandler, startChild, upsertSearchAttributes } from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { requireStaff } from '../shared/guards';
import { civilDateProblem } from '../../domain/approval/application';
import { MAY } from '../../domain/permissions';
import { messageRefused } from '../../domain/refusal';
import type { Actor } from '../../domain/roles';
import { SA } from '../../domain/search-attributes';
import {
  assignLaboratoryUpdate,
  objectToResultUpdate,
  recordSamplingUpdate,
  recordTestResultUpdate,
  type SpotCheckInput,
  type SpotCheckPatch,
  spotCheckPolicyInForce,
  type SpotCheckStatus,
  spotCheckStatusQuery,
  spotCheckWorkflowId,
  type TestRecord,
} from '../../domain/supervision/spot-check';
import { followUpWorkflowId } from '../../domain/workflow-ids';
import { addCalendarDays, endOfShanghaiDay, shanghaiDate } from '../../domain/time';
import { followUpInspection } from './follow-up';
import { RECTIFICATION_LIMIT_PATCH } from './rectification';

export async function spotCheck(input: SpotCheckInput): Promise<SpotCheckStatus> {
  const id = input.spotCheckId;
  const wid = spotCheckWorkflowId(id);
  const nowIso = () => new Date(Date.now()).toISOString();
  const today = () => shanghaiDate(Date.now());
  const s: SpotCheckStatus = { spotCheckId: id, roundId: input.roundId, province: input.province, product: input.product, uscc: input.uscc, stage: 'sampling' };
  const owner = { province: input.province, subject: `spot check ${id}` };
  let busy = false;
  /** The limit a failing result named, used if it becomes final while still in the future. */
  let rectifyByAsked: string | undefined;
  let findings: string | undefined;
  let decidedBy = 'system';

  const waitingOn = (): string => {
    switch (s.stage) {
      case 'sampling':
        return 'sampling';
      case 'testing':
        return s.test ? 'test-result' : 'laboratory';
      case 'objection-window':
        return 'objection-window';
      case 'retest':
        return 'retest';
      case 'order':
        return 'rectification';
      default:
        return 'nobody';
    }
  };
  const deadline = () => (s.stage === 'objection-window' ? s.objection!.deadlineAt : s.stage === 'order' ? s.order!.dueAt : null);
  const publish = () =>
    upsertSearchAttributes([
      { key: SA.stage, value: `spot-check:${s.stage}` },
      { key: SA.province, value: input.province },
      { key: SA.product, value: input.product },
      { key: SA.uscc, value: input.uscc },
      { key: SA.deadline, value: deadline() ? new Date(deadline()!) : null },
      { key: SA.overdue, value: s.stage === 'order' && s.order!.overdue },
      { key: SA.waitingOn, value: waitingOn() },
    ]);
  const step = (name: string, action: string, actor: Actor | undefined, details: Record<string, unknown>, patch: SpotCheckPatch) =>
    acts.recordSpotCheckStep({
      spotCheckId: id,
      eventKey: `spot-check|${id}|${name}`,
      action,
      ...(actor ? { actor: { id: actor.id, role: actor.role } } : {}),
      details,
      at: nowIso(),
      patch,
    });
  const notify = (kind: string, role: string, message: string) => acts.notify({ key: `${wid}:${kind}`, applicationId: wid, province: input.province, recipientRole: role, kind, message });
  const notBusy = () => {
    if (busy) throw messageRefused('conflict', `another message to spot check ${id} is being processed; try again`);
  };
  /** The test a laboratory or a result is for now: the first test, or the re-test after an objection. */
  const currentTest = (): { which: 'test' | 'retest'; rec?: TestRecord } | undefined =>
    s.stage === 'testing' ? { which: 'test', rec: s.test } : s.stage === 'retest' ? { which: 'retest', rec: s.retest } : undefined;
  const dateProblem = (field: string, v: string | undefined, notAfterToday: boolean) => {
    if (v === undefined) return;
    const bad = civilDateProblem(v);
    if (bad) throw messageRefused('invalid', `${field}: ${bad}`);
    if (notAfterToday && v > today()) throw messageRefused('invalid', `${field}: cannot lie in the future; got ${v}`);
  };

  setHandler(spotCheckStatusQuery, () => s);

  setHandler(
    recordSamplingUpdate,
    async ({ actor, sampleId, quantity, unit, sealed, sampledBy, sampledOn }) => {
      busy = true;
      try {
        const at = nowIso();
        const sample = { sampleId, quantity, unit, sealed, sampledBy, sampledOn: sampledOn ?? shanghaiDate(at), recordedBy: actor.id, at };
        await step('sampling', 'spot-check-sampled', actor, sample, { sample, stage: 'testing' });
        s.sample = sample;
        s.stage = 'testing';
        publish();
        return s;
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor, sealed, sampledOn }) => {
        requireStaff(actor, 'recordSpotCheck', owner);
        notBusy();
        if (s.stage !== 'sampling') throw messageRefused('conflict', `spot check ${id}: the sample is already recorded (${s.sample?.sampleId ?? '?'} by ${s.sample?.recordedBy ?? '?'})`);
        if (!sealed) throw messageRefused('invalid', 'sealed: a spot-check sample is sealed at the enterprise (封样) before it goes to the laboratory');
        dateProblem('sampledOn', sampledOn, true);
      },
    },
  );

  setHandler(
    assignLaboratoryUpdate,
    async ({ actor, laboratoryId }) => {
      busy = true;
      try {
        const t = currentTest()!;
        const at = nowIso();
        const r = await acts.assignSpotCheckLaboratory({
          spotCheckId: id,
          province: input.province,
          uscc: input.uscc,
          laboratoryId,
          ...(t.which === 'retest' ? { firstLaboratoryId: s.test!.laboratoryId } : {}),
          actor: { id: actor.id, role: actor.role },
          at,
        });
        if (!r.ok) throw messageRefused('invalid', `laboratoryId: ${r.problem} (R15)`);
        const rec: TestRecord = { laboratoryId, assignedBy: actor.id, assignedAt: at };
        if (t.which === 'retest') s.retest = rec;
        else s.test = rec;
        publish();
        return s;
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor }) => {
        requireStaff(actor, 'recordSpotCheck', owner);
        notBusy();
        const t = currentTest();
        if (!t) throw messageRefused('conflict', `spot check ${id} is at ${s.stage}: a laboratory is assigned after sampling, or for a re-test after an objection`);
        if (t.rec) throw messageRefused('conflict', `spot check ${id}: laboratory ${t.rec.laboratoryId} already tests this sample${t.which === 'retest' ? ' (re-test)' : ''}`);
      },
    },
  );

  setHandler(
    recordTestResultUpdate,
    async ({ actor, outcome, findings: f, testedOn, rectifyBy }) => {
      busy = true;
      try {
        const t = currentTest()!;
        const at = nowIso();
        const result = { outcome, ...(f ? { findings: f } : {}), testedOn: testedOn ?? shanghaiDate(at), by: actor.id, at };
        t.rec!.result = result;
        if (f) findings = f;
        if (rectifyBy) rectifyByAsked = rectifyBy;
        decidedBy = actor.id;
        if (t.which === 'retest') {
          await step('retest-result', 'spot-check-retested', actor, { ...result, laboratoryId: t.rec!.laboratoryId }, { retest_result: outcome });
          s.finalResult = outcome;
        } else if (outcome === 'pass') {
          await step('result', 'spot-check-result-recorded', actor, { ...result, laboratoryId: t.rec!.laboratoryId }, { result: outcome, result_on: result.testedOn });
          s.finalResult = 'pass';
        } else {
          await step('result', 'spot-check-result-recorded', actor, { ...result, laboratoryId: t.rec!.laboratoryId }, { result: outcome, result_on: result.testedOn });
          // The enterprise is notified now, and receives it today: the period runs from tomorrow.
          const policy = spotCheckPolicyInForce(shanghaiDate(at));
          const dl = await acts.computeDeadline({ startedAt: at, workingDays: policy.objectionDays, unit: 'days', pauses: [] });
          s.objection = { notifiedOn: shanghaiDate(at), deadline: dl.deadlineDate!, deadlineAt: dl.deadlineAt! };
          await step('objection-window', 'spot-check-failure-notified', undefined, { ...s.objection }, { notified_on: s.objection.notifiedOn, objection_deadline: s.objection.deadline, stage: 'objection-window' });
          await notify(
            'spot-check-failed',
            'applicant',
            `Spot check ${id} of your ${input.product}: the sample failed${f ? ` (${f})` : ''}. You may object until ${s.objection.deadline} (${policy.objectionDays} days from the day after receipt, R15); ` +
              'a timely objection leads to a re-test by a different laboratory, whose result is final.',
          );
          s.stage = 'objection-window';
        }
        publish();
        return s;
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor, outcome, findings: f, testedOn, rectifyBy }) => {
        requireStaff(actor, 'recordSpotCheck', owner);
        notBusy();
        const t = currentTest();
        if (!t) throw messageRefused('conflict', `spot check ${id} is at ${s.stage}: no test is waiting for a result`);
        if (!t.rec) throw messageRefused('conflict', `spot check ${id}: assign the ${t.which === 'retest' ? 're-test ' : ''}laboratory first`);
        if (t.rec.result) throw messageRefused('conflict', `spot check ${id}: the result is already recorded (${t.rec.result.outcome} by ${t.rec.result.by} at ${t.rec.result.at})`);
        if (outcome === 'fail' && !f) throw messageRefused('invalid', 'findings: a failing result says what failed');
        dateProblem('testedOn', testedOn, true);
        dateProblem('rectifyBy', rectifyBy, false);
        if (rectifyBy !== undefined && rectifyBy <= today()) throw messageRefused('invalid', `rectifyBy: a rectification limit lies in the future; got ${rectifyBy}`);
      },
    },
  );

  setHandler(
    objectToResultUpdate,
    async ({ actor, reason }) => {
      busy = true;
      try {
        const at = nowIso();
        await step('objection', 'spot-check-objection', actor, { reason }, { objected_at: at, stage: 'retest' });
        Object.assign(s.objection!, { objectedAt: at, by: actor.id, reason });
        s.stage = 'retest';
        await notify('spot-check-objection', 'supervisor', `Spot check ${id}: ${input.uscc} objected on ${shanghaiDate(at)} (in time, by ${s.objection!.deadline}); assign a different laboratory for the re-test (R15)`);
        publish();
        return s;
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor }) => {
        if (!(MAY.objectToSpotCheck as readonly string[]).includes(actor.role)) throw messageRefused('forbidden', `role ${actor.role} may not object to a spot-check result; the enterprise does`);
        if (actor.uscc !== input.uscc) throw messageRefused('forbidden', `spot check ${id} is of another enterprise; only ${input.uscc} may object`);
        notBusy();
        const o = s.objection;
        if (!o) throw messageRefused('conflict', `spot check ${id} has no failing result to object to`);
        if (o.objectedAt) throw messageRefused('conflict', `spot check ${id}: the objection was already made on ${shanghaiDate(o.objectedAt)}`);
        if (s.stage !== 'objection-window' || Date.now() > Date.parse(o.deadlineAt)) {
          throw messageRefused('conflict', `the objection period ended on ${o.deadline} (${spotCheckPolicyInForce(o.notifiedOn).objectionDays} days from the day after receipt on ${o.notifiedOn}, R15): the failing result is final`);
        }
      },
    },
  );

  // ---- the process ---------------------------------------------------------------------------
  publish();
  await condition(() => !busy && (s.finalResult !== undefined || s.stage === 'objection-window'));
  if (s.finalResult === undefined) {
    const o = s.objection!;
    const inTime = await condition(() => s.stage !== 'objection-window', Math.max(1, Date.parse(o.deadlineAt) - Date.now() + 1));
    await condition(() => !busy);
    if (!inTime && s.stage === 'objection-window') {
      o.lapsed = true;
      s.finalResult = 'fail';
      await step('objection-lapsed', 'spot-check-objection-lapsed', undefined, { deadline: o.deadline }, {});
    } else {
      await condition(() => !busy && s.finalResult !== undefined);
    }
  }
  const final = s.finalResult!;
  const decidedOn = today();
  const retested = s.retest?.result !== undefined;
  s.publication = await acts.publishSpotCheckResult({ spotCheckId: id, roundId: input.roundId, province: input.province, uscc: input.uscc, product: input.product, outcome: final, ...(findings ? { findings } : {}), retested, decidedOn });
  if (final === 'pass') {
    s.outcome = retested ? 'passed-on-retest' : 'passed';
  } else {
    await acts.recordRiskSignal({
      signalKey: `spot-check|${id}`,
      province: input.province,
      product: input.product,
      region: input.province,
      uscc: input.uscc,
      kind: 'failed-test',
      origin: 'local',
      source: `spot check ${id}`,
      summary: `failed spot check${retested ? ' (re-test)' : ''}: ${findings ?? 'failed'}`,
      evidence: [],
      occurredOn: decidedOn,
      recordedBy: decidedBy,
      // Its own R17 fact is already on record: the signal must not count the same finding twice.
      gradedByCaller: true,
    });
    await order();
  }
  s.stage = 'closed';
  await step('closed', 'spot-check-closed', undefined, { outcome: s.outcome }, { stage: 'closed' });
  publish();
  await condition(allHandlersFinished);
  return s;

  /** R15: stop production and sale, rectify by the limit; the follow-up workflow re-checks and revokes. */
  async function order(): Promise<void> {
    const orderedAt = nowIso();
    const on = shanghaiDate(orderedAt);
    const limit = spotCheckPolicyInForce(on).rectification;
    const rectifyBy =
      rectifyByAsked && rectifyByAsked > on
        ? rectifyByAsked
        : limit.unit === 'days' && !patched(RECTIFICATION_LIMIT_PATCH)
          ? addCalendarDays(on, limit.n)
          : // A limit in days that ends on a rest day or holiday ends on the next working day (clarification of 2026-11-28).
            (await acts.computeDeadline({ startedAt: orderedAt, workingDays: limit.n, unit: limit.unit, pauses: [] })).deadlineDate!;
    const o: NonNullable<SpotCheckStatus['order']> = { orderedAt, rectifyBy, dueAt: endOfShanghaiDay(rectifyBy), overdue: false, rectifications: [] };
    s.order = o;
    s.stage = 'order';
    await step('order', 'spot-check-order', undefined, { rectifyBy, product: input.product }, { order_at: orderedAt, rectify_by: rectifyBy, stage: 'order' });
    publish();
    await notify(
      'spot-check-order',
      'applicant',
      `Spot check ${id}: stop producing and selling ${input.product} and rectify by ${rectifyBy}; a re-check follows, and failing it revokes the licence (R15, L08)`,
    );
    const children: ChildWorkflowHandle<typeof followUpInspection>[] = [];
    for (const c of (await acts.rectificationTargets({ uscc: input.uscc, province: input.province, on })).filter((x) => x.product === input.product)) {
      const workflowId = c.applicationId ? followUpWorkflowId(c.applicationId) : `${wid}/rectification/${c.certificateNumber}`;
      try {
        children.push(
          await startChild(followUpInspection, {
            workflowId,
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            args: [
              {
                applicationId: c.applicationId ?? wid,
                certificateNumber: c.certificateNumber,
                province: input.province,
                product: c.product,
                uscc: input.uscc,
                kind: 'supervision-inspection',
                window: limit,
                issuedAt: c.issuedAt,
                policyVersion: c.policyVersion,
                rectification: { orderedAt, rectifyBy, source: `spot check ${id}`, findings: findings ?? 'failed spot check' },
              },
            ],
          }),
        );
        o.rectifications.push({ certificateNumber: c.certificateNumber, workflowId });
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
        o.rectifications.push({ certificateNumber: c.certificateNumber, workflowId, alreadyOpen: true });
      }
    }
    let results: (Awaited<ReturnType<typeof followUpInspection>> | undefined)[] | undefined;
    void Promise.all(children.map((h) => h.result().catch(() => undefined))).then((r) => (results = r));
    if (!(await condition(() => results !== undefined, Math.max(1, Date.parse(o.dueAt) - Date.now() + 1)))) {
      o.overdue = true;
      publish();
      await notify('spot-check-order-overdue', 'supervisor', `Spot check ${id}: the order to rectify by ${rectifyBy} has no re-check result (R15)`);
      await condition(() => results !== undefined);
    }
    const outcomes = results!.map((r) => (r?.result?.outcome === 'pass' ? 'rectified' : r?.result?.outcome === 'failed' ? 'revoked' : r ? 'licence-ended' : 'handed-over'));
    s.outcome = !o.rectifications.length
      ? 'no-licence'
      : outcomes.includes('revoked')
        ? 'revoked'
        : outcomes.length && outcomes.every((x) => x === 'rectified')
          ? 'rectified'
          : outcomes.includes('licence-ended')
            ? 'licence-ended'
            : 'handed-over';
    o.outcome = s.outcome;
    o.closedAt = nowIso();
    await step('order-closed', 'spot-check-order-closed', undefined, { outcome: o.outcome }, { order_closed_at: o.closedAt, order_outcome: o.outcome });
  }
}
