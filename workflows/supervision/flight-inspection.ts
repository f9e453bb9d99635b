/**
 * R13: one flight inspection (飞行检查): unannounced, of one enterprise, from a lead.
 *
 *   staffing ─team drawn─▶ inspecting ─result─▶ pass ─────────────────────▶ closed
 *      │ no team: waits       │ escalation when due  ├ problems found ─▶ R15 rectification (follow-ups) ─▶ closed
 *      ▼ for a supervisor     │                      └ revocation ─▶ waits until the licences are revoked ─▶ closed
 *
 * Nothing goes to the enterprise: no notification, no record an applicant route reads, until the
 * result is recorded (then R15's follow-ups notify it as after any failing inspection). The team is
 * drawn as in R11; only it records the result. A failing result is an R17 fact and an R14 signal.
 * Revocation is the supervisor's, through each licence's lifecycle (POST /certificates/{n}/revoke,
 * the revoke Update with its L04/L08 ban): the flight waits, visible as `LpWaitingOn = 'revocation'`.
 */
import { condition, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { acts } from '../shared/activities';
import { civilDateProblem } from '../../domain/approval/application';
import { messageRefused } from '../../domain/refusal';
import { SA } from '../../domain/search-attributes';
import { type FlightInput, type FlightState, flightStateQuery, flightWorkflowId, recordFlightResultUpdate, restaffFlightSignal } from '../../domain/supervision/flight';
import { endOfShanghaiDay, shanghaiDate } from '../../domain/time';
import { startRectifications } from './rectification';

const DAY_MS = 86_400_000;

export async function flightInspection(input: FlightInput): Promise<FlightState> {
  const wid = flightWorkflowId(input.flightId);
  const nowIso = () => new Date(Date.now()).toISOString();
  const s: FlightState = { flightId: input.flightId, province: input.province, uscc: input.uscc, stage: 'staffing', dueAt: endOfShanghaiDay(input.dueOn), overdue: false, escalations: [] };
  let busy = false;
  let restaff = false;

  const WAITING: Record<FlightState['stage'], string> = {
    staffing: 'draw',
    'waiting-for-staff': 'staffing',
    // Not 'inspection': the follow-up and routine-inspection queries filter on that one.
    inspecting: 'flight-inspection',
    rectification: 'nobody',
    revocation: 'revocation',
    closed: 'nobody',
  };
  const publish = () =>
    upsertSearchAttributes([
      { key: SA.stage, value: `flight:${s.stage}` },
      { key: SA.province, value: input.province },
      { key: SA.uscc, value: input.uscc },
      { key: SA.deadline, value: s.stage === 'inspecting' ? new Date(s.dueAt) : null },
      { key: SA.overdue, value: s.stage === 'inspecting' && s.overdue },
      { key: SA.waitingOn, value: WAITING[s.stage] },
    ]);
  // Staff only: never the enterprise (R13, unannounced).
  const notify = (kind: string, role: 'supervisor' | 'inspector', message: string) => {
    s.escalations.push({ kind, at: nowIso() });
    return acts.notify({ key: `${wid}:${kind}:${s.escalations.length}`, applicationId: wid, province: input.province, recipientRole: role, kind, message });
  };

  setHandler(flightStateQuery, () => s);
  setHandler(restaffFlightSignal, () => {
    restaff = true;
  });
  setHandler(
    recordFlightResultUpdate,
    async ({ actor, outcome, findings, ground, inspectedOn }) => {
      busy = true;
      try {
        const on = inspectedOn ?? shanghaiDate(Date.now());
        const at = nowIso();
        await acts.recordFlightResult({ flightId: input.flightId, province: input.province, uscc: input.uscc, outcome, findings, ground, by: actor.id, at, inspectedOn: on });
        if (outcome !== 'pass') {
          // R14: the finding is a quality-risk signal about the enterprise (and raises its grade, R17).
          // One signal (one R17 fact), about the product of its first licence here; none when it holds no licence any more.
          const [first] = await acts.rectificationTargets({ uscc: input.uscc, province: input.province, on });
          if (first) {
            await acts.recordRiskSignal({
              signalKey: `flight|${input.flightId}`,
              province: input.province,
              product: first.product,
              region: input.province,
              uscc: input.uscc,
              kind: 'inspection-finding',
              origin: 'local',
              source: `flight inspection ${input.flightId}`,
              summary: `${outcome}: ${findings ?? ''}`.slice(0, 2000),
              evidence: [],
              occurredOn: on,
              recordedBy: actor.id,
              // Its own R17 fact is already on record: the signal must not count the same finding twice.
              gradedByCaller: true,
            });
          }
        }
        s.result = { outcome, findings, ground, by: actor.id, at, inspectedOn: on };
        return s;
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ actor, outcome, findings, ground, inspectedOn }) => {
        if (actor.role !== 'inspector' || !(s.team ?? []).includes(actor.id)) {
          throw messageRefused('forbidden', `only the drawn team (${(s.team ?? []).join(', ') || 'none yet'}) records this flight inspection's result (R13, R11); ${actor.id} is not on it`);
        }
        if (s.result || busy) throw messageRefused('conflict', `the result of flight inspection ${input.flightId} is already recorded`);
        if (outcome !== 'pass' && !findings?.trim()) throw messageRefused('invalid', 'findings: a failing result describes what was found');
        if (outcome === 'revocation' && !ground) throw messageRefused('invalid', 'ground: a revocation names its ground (L04)');
        if (inspectedOn !== undefined) {
          const bad = civilDateProblem(inspectedOn);
          if (bad) throw messageRefused('invalid', `inspectedOn: ${bad}`);
          if (inspectedOn > shanghaiDate(Date.now())) throw messageRefused('invalid', `inspectedOn: the inspection cannot end in the future; got ${inspectedOn}`);
          // Nor before the flight was ordered: a day before any risk policy failed the grading activity for good and the Update hung.
          const ordered = shanghaiDate(workflowInfo().startTime.getTime());
          if (inspectedOn < ordered) throw messageRefused('invalid', `inspectedOn: the inspection cannot end before the flight was ordered (${ordered}); got ${inspectedOn}`);
        }
      },
    },
  );

  publish();
  await acts.openFlight(input);

  // R11's team draw; an unstaffable flight waits for a supervisor and never invents a team.
  for (;;) {
    // Cleared before the draw, not after: a restaffing request that arrives while it runs is kept for the next round.
    restaff = false;
    const d = await acts.staffFlight({ flightId: input.flightId });
    if (d.ok) {
      s.team = d.team;
      s.staffingProblem = undefined;
      break;
    }
    s.staffingProblem = d.reason;
    s.stage = 'waiting-for-staff';
    publish();
    await notify('flight-unstaffed', 'supervisor', `Flight inspection ${input.flightId}: no team can be drawn (${d.reason}); add or reinstate inspectors, then ask for staffing again (R13, R11)`);
    await condition(() => restaff);
    s.stage = 'staffing';
    publish();
  }
  s.stage = 'inspecting';
  publish();
  await notify('flight-assigned', 'inspector', `Flight inspection ${input.flightId} (unannounced, R13): team ${s.team!.join(', ')}; result due by ${input.dueOn}`);

  if (!(await condition(() => s.result !== undefined, Math.max(0, Date.parse(s.dueAt) - Date.now())))) {
    s.overdue = true;
    publish();
    await notify('flight-overdue', 'supervisor', `Flight inspection ${input.flightId}: no result by ${input.dueOn} (R13); team ${s.team!.join(', ')}`);
    await condition(() => s.result !== undefined);
  }
  await condition(() => !busy);
  const result = s.result!;

  if (result.outcome === 'problems-found') {
    s.stage = 'rectification';
    publish();
    s.rectifications = await startRectifications({
      wid,
      province: input.province,
      uscc: input.uscc,
      on: result.inspectedOn,
      orderedAt: result.at,
      source: `flight inspection ${input.flightId}`,
      findings: result.findings ?? 'problems found',
    });
  } else if (result.outcome === 'revocation') {
    s.stage = 'revocation';
    publish();
    await notify(
      'flight-revocation',
      'supervisor',
      `Flight inspection ${input.flightId} of ${input.uscc}: grounds for revocation found (${result.ground}): revoke each licence with POST /certificates/{number}/revoke (R13, L04)`,
    );
    // Closed once the enterprise holds no active licence of the province any more; checked daily.
    while ((await acts.rectificationTargets({ uscc: input.uscc, province: input.province, on: shanghaiDate(Date.now()) })).length > 0) await sleep(DAY_MS);
  }
  s.stage = 'closed';
  publish();
  return s;
}
