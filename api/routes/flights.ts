/**
 * R13: flight inspections. SAMR or a province's supervisor orders one from a lead; the drawn team
 * reads it and records the result; a supervisor asks for staffing again when no team could be drawn.
 * No applicant route reaches any of it (the enterprise is not told before the visit).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { rolesFor } from '../../domain/permissions';
import { FLIGHT_DEFAULT_DAYS, FLIGHT_WORKFLOW_TYPE, type FlightInput, flightStateQuery, flightWorkflowId, recordFlightResultUpdate, restaffFlightSignal } from '../../domain/supervision/flight';
import { SA } from '../../domain/search-attributes';
import { addCalendarDays, shanghaiDate } from '../../domain/time';
import { findFlight, listFlights, type FlightRow } from '../../db/risk-reports';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { FlightParams, FlightResultBody, FlightView, OrderFlightBody } from '../risk-report-schemas';
import { ProvinceCode } from '../../domain/approval/application';
import { type AnyRoute, defineRoute, type RouteDeps } from '../route';
import { withTemporal } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { E } from './common';

const DB = 'the flight inspections';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const newFlightId = (): string => `FI-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${[...randomBytes(10)].map((b) => BASE32[b & 31]).join('')}`;

/** An inspector reaches the flights he is drawn for, a supervisor his province's; others are answered as not found (R01). */
function canSee(p: Principal, f: FlightRow): boolean {
  if (p.role === 'inspector') return p.province === f.province && (f.team ?? []).includes(p.sub);
  if (p.role === 'supervisor') return p.province === f.province;
  return true;
}
async function visibleFlight(p: Principal, pool: RouteDeps['pool'], id: string): Promise<FlightRow> {
  const f = await fromDb(DB, () => findFlight(pool, id));
  if (!f || !canSee(p, f)) throw new HttpProblem('not-found', `flight inspection ${id} not found`);
  const { seed: _seed, ...row } = f;
  return row;
}

const order = defineRoute({
  method: 'post',
  path: '/flight-inspections',
  operationId: 'orderFlightInspection',
  tag: 'supervision',
  summary: 'Order a flight inspection',
  description:
    'R13: an unannounced inspection of one licensee from a lead (a risk report, a complaint, a SAMR check finding). A team of 2 is drawn as in R11; nothing is sent to the enterprise. ' +
    'Risk reports turned into flight inspections by triage start one by themselves.',
  rules: ['R13', 'R11'],
  roles: rolesFor('orderFlightInspection'),
  scope: 'SAMR in any province; a supervisor in his own (another province is a 422 naming `province`).',
  body: OrderFlightBody,
  responses: {
    201: { description: 'ordered', schema: z.object({ id: z.string(), workflowId: z.string() }).strict(), links: { to: '/flight-inspections/:id', parameters: { id: '$response.body#/id' } } },
    400: E[400],
    401: E[401],
    403: E[403],
    413: E[413],
    415: E[415],
    422: { description: 'invalid input; or the enterprise holds no licence in force in that province' },
    503: E[503],
  },
  async handler({ deps, principal, body }) {
    if (principal.role === 'supervisor' && body.province !== principal.province) {
      throw new HttpProblem('validation', `a supervisor of ${principal.province} orders flight inspections in ${principal.province} only (R01)`, [{ path: 'province', message: `must be ${principal.province}` }]);
    }
    const today = shanghaiDate(Date.now());
    if (body.dueOn && body.dueOn < today) throw new HttpProblem('validation', 'the due date is in the past', [{ path: 'dueOn', message: `must be ${today} or later` }]);
    const held = await fromDb('the certificate register', () =>
      deps.pool.query(`SELECT 1 FROM certificates WHERE uscc = $1 AND province = $2 AND status IN ('valid', 'deemed-renewed') LIMIT 1`, [body.uscc, body.province]),
    );
    if (!held.rowCount) throw new HttpProblem('validation', 'not a licensee of the province', [{ path: 'uscc', message: `${body.uscc} holds no licence in force in ${body.province}` }]);
    const id = newFlightId();
    const input: FlightInput = {
      flightId: id,
      province: body.province,
      uscc: body.uscc,
      lead: body.lead,
      summary: body.summary,
      orderedBy: { id: principal.sub, role: principal.role },
      orderedAt: new Date().toISOString(),
      dueOn: body.dueOn ?? addCalendarDays(today, FLIGHT_DEFAULT_DAYS),
    };
    await withTemporal(`flight inspection ${id}`, () =>
      deps.client.workflow.start(FLIGHT_WORKFLOW_TYPE, {
        taskQueue: deps.taskQueue,
        workflowId: flightWorkflowId(id),
        args: [input],
        typedSearchAttributes: [
          { key: SA.stage, value: 'flight:staffing' },
          { key: SA.province, value: body.province },
        ],
      }),
    );
    return { status: 201, body: { id, workflowId: flightWorkflowId(id) }, headers: { Location: `/flight-inspections/${id}` } };
  },
});

const list = defineRoute({
  method: 'get',
  path: '/flight-inspections',
  operationId: 'listFlightInspections',
  tag: 'supervision',
  summary: 'List flight inspections',
  rules: ['R13'],
  roles: rolesFor('readFlightInspections'),
  scope: "An inspector, the flights he is drawn for; a supervisor, his province's (asking for another is a 403, R01); samr and ops any.",
  query: z.object({ province: ProvinceCode.optional(), limit: z.string().regex(/^\d{1,3}$/).optional() }).strict(),
  responses: { 200: { description: 'flights, newest first', schema: z.object({ items: z.array(FlightView) }).strict() }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    let province = query.province;
    if (principal.role === 'supervisor' || principal.role === 'inspector') {
      if (province && province !== principal.province) throw new HttpProblem('forbidden', `a ${principal.role} of ${principal.province} may not list flights of ${province} (R01)`);
      province = principal.province;
    }
    const items = await fromDb(DB, () => listFlights(deps.pool, { province, inspectorId: principal.role === 'inspector' ? principal.sub : undefined }, query.limit ? Number(query.limit) : 100));
    return { status: 200, body: { items } };
  },
});

const get = defineRoute({
  method: 'get',
  path: '/flight-inspections/:id',
  operationId: 'getFlightInspection',
  tag: 'supervision',
  summary: 'Read a flight inspection',
  rules: ['R13'],
  roles: rolesFor('readFlightInspections'),
  scope: "An inspector, a flight he is drawn for; a supervisor, his province's; samr and ops any. Anything else is a 404.",
  params: FlightParams,
  responses: { 200: { description: 'the flight and its workflow state', schema: z.record(z.string(), z.unknown()) }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const f = await visibleFlight(principal, deps.pool, params.id);
    const live = await deps.client.workflow.getHandle(flightWorkflowId(f.id)).query(flightStateQuery).catch(() => null);
    return { status: 200, body: { ...f, workflow: live } };
  },
});

const result = defineRoute({
  method: 'post',
  path: '/flight-inspections/:id/result',
  operationId: 'recordFlightResult',
  tag: 'supervision',
  summary: 'Record the result of a flight inspection',
  description:
    'R13: pass; problems found (R15 rectification of every licence here, by the follow-up workflow); or grounds for revocation (the supervisor revokes through each licence, L04). ' +
    'Only the drawn team (others 403), once (409). A failing result is an R17 fact and an R14 signal.',
  rules: ['R13', 'R15', 'R17', 'R14'],
  roles: rolesFor('recordFlightResult'),
  scope: "An inspector of the flight's province; only its team may record (403 otherwise).",
  params: FlightParams,
  scopeCheck: async ({ deps, principal, params }) => {
    const f = await fromDb(DB, () => findFlight(deps.pool, params.id));
    if (!f || f.province !== principal.province) throw new HttpProblem('not-found', `flight inspection ${params.id} not found`);
  },
  body: FlightResultBody,
  responses: { 200: { description: 'recorded', schema: z.record(z.string(), z.unknown()) }, 400: E[400], 401: E[401], 403: { description: 'not on the team' }, 404: E[404], 409: { description: 'already recorded' }, 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ req, deps, principal, params, body }) {
    const f = (await fromDb(DB, () => findFlight(deps.pool, params.id)))!;
    if (!(f.team ?? []).includes(principal.sub)) throw new HttpProblem('forbidden', `only the drawn team (${(f.team ?? []).join(', ') || 'none yet'}) records this result (R13)`);
    const h = deps.client.workflow.getHandle(flightWorkflowId(f.id));
    const desc = await withTemporal(`flight inspection ${f.id}`, () => h.describe());
    const closed = desc.status.name === 'RUNNING' ? undefined : new HttpProblem('conflict', `flight inspection ${f.id} is closed`);
    return { status: 200, body: await sendUpdate(h, recordFlightResultUpdate, { ...body, actor: actorOf(principal) }, { what: `flight inspection ${f.id}`, closed, idempotencyKey: idempotencyKeyOf(req) }) };
  },
});

const restaff = defineRoute({
  method: 'post',
  path: '/flight-inspections/:id/staffing',
  operationId: 'restaffFlightInspection',
  tag: 'supervision',
  summary: 'Draw the team of a flight inspection again',
  description: 'R13, R11: after inspectors were added or reinstated, a flight that could not be staffed draws its team again. 409 when it is not waiting for staff.',
  rules: ['R13', 'R11'],
  roles: rolesFor('restaffFlight'),
  scope: "A supervisor of the flight's province; another province's is a 404 (R01).",
  params: FlightParams,
  scopeCheck: async ({ deps, principal, params }) => {
    await visibleFlight(principal, deps.pool, params.id);
  },
  body: z.object({}).strict(),
  responses: { 202: { description: 'asked', schema: z.object({ id: z.string(), asked: z.literal(true) }).strict() }, 400: E[400], 401: E[401], 403: E[403], 404: E[404], 409: { description: 'not waiting for staff' }, 415: E[415], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const h = deps.client.workflow.getHandle(flightWorkflowId(params.id));
    const st = await withTemporal(`flight inspection ${params.id}`, () => h.query(flightStateQuery));
    if (st.stage !== 'waiting-for-staff') throw new HttpProblem('conflict', `flight inspection ${params.id} is not waiting for staff (stage ${st.stage})`);
    await withTemporal(`flight inspection ${params.id}`, () => h.signal(restaffFlightSignal, { actor: actorOf(principal) }));
    return { status: 202, body: { id: params.id, asked: true as const } };
  },
});

export const flightRoutes: AnyRoute[] = [order, list, get, result, restaff];
