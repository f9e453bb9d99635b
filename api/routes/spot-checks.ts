/**
 * R15: spot checks. Supervisors of the province record sampling, assign the testing laboratory and
 * record results (Temporal Updates to `spot-check/<id>`, with Idempotency-Key); the enterprise
 * reads its own spot checks (the failing result and its objection deadline) and objects.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { ProvinceCode } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import {
  AssignLaboratoryInput,
  assignLaboratoryUpdate,
  ObjectInput,
  objectToResultUpdate,
  RecordSamplingInput,
  recordSamplingUpdate,
  RecordTestResultInput,
  recordTestResultUpdate,
  spotCheckStatusQuery,
  spotCheckWorkflowId,
} from '../../domain/supervision/spot-check';
import { findSpotCheck, listSpotChecks, type SpotCheckRow } from '../../db/spot-checks';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute, type RouteDeps } from '../route';
import * as S from '../schemas';
import { withTemporal } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { E } from './common';

const SpotCheckId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,100}$/, '3-101 letters, digits, dot, dash, underscore');
const Params = z.object({ id: SpotCheckId.meta({ examples: ['BJ-SR-2026-1-91110000MA01ABCDEX'] }) }).strict();
const ListQuery = z
  .object({
    roundId: z.string().min(3).max(64).optional(),
    province: ProvinceCode.optional().describe('supervisors: their own (the default); ops: any'),
    limit: z.string().regex(/^\d{1,4}$/).optional(),
  })
  .strict();
const Row = z
  .object({
    id: z.string(),
    roundId: z.string(),
    province: z.string(),
    product: z.string(),
    uscc: z.string(),
    grade: z.string().nullable(),
    stage: z.string(),
    laboratoryId: z.string().nullable(),
    result: z.string().nullable(),
    notifiedOn: z.string().nullable().describe('the day the enterprise received the failing result'),
    objectionDeadline: z.string().nullable().describe('R15: the last day to object (15 days from the day after receipt; a last day off moves to the next working day)'),
    objectedAt: z.string().nullable(),
    retestLaboratoryId: z.string().nullable(),
    finalResult: z.string().nullable(),
    rectifyBy: z.string().nullable(),
    orderOutcome: z.string().nullable(),
  })
  .strict();

/** R01: a supervisor reaches his province's spot checks, an enterprise its own, ops all; anything else is answered as not found. */
function canSee(p: Principal, r: SpotCheckRow): boolean {
  if (p.role === 'applicant') return p.uscc === r.uscc;
  if (p.role === 'supervisor') return p.province === r.province;
  return p.role === 'ops';
}

async function visible(p: Principal, deps: RouteDeps, id: string): Promise<SpotCheckRow> {
  const r = await fromDb('the spot checks', () => findSpotCheck(deps.pool, id));
  if (!r || !canSee(p, r)) throw new HttpProblem('not-found', `spot check ${id} not found`);
  return r;
}

const listRoute = defineRoute({
  method: 'get',
  path: '/spot-checks',
  operationId: 'listSpotChecks',
  tag: 'supervision',
  summary: 'List spot checks',
  description: 'R15: spot checks with their stage, result, objection deadline and order.',
  rules: ['R15'],
  roles: rolesFor('readSpotChecks'),
  scope: "An enterprise, its own; a supervisor, his province's (asking for another is a 403, R01); ops any.",
  query: ListQuery,
  responses: { 200: { description: 'spot checks', schema: z.object({ items: z.array(Row) }).strict() }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    let province = query.province;
    if (principal.role === 'supervisor') {
      if (province && province !== principal.province) throw new HttpProblem('forbidden', `a supervisor of ${principal.province} may not list spot checks of ${province} (R01)`);
      province = principal.province;
    }
    const uscc = principal.role === 'applicant' ? principal.uscc : undefined;
    const items = await fromDb('the spot checks', () => listSpotChecks(deps.pool, { roundId: query.roundId, province, uscc }, query.limit ? Number(query.limit) : 200));
    return { status: 200, body: { items } };
  },
});

const getRoute = defineRoute({
  method: 'get',
  path: '/spot-checks/:id',
  operationId: 'getSpotCheck',
  tag: 'supervision',
  summary: 'Read a spot check',
  description:
    'R15: the sample, the laboratory, the result; for a failing result the day it was received and the last day to object; the re-test; the order to stop production and sale with its limit and how it closed. `workflow` is the live state.',
  rules: ['R15'],
  roles: rolesFor('readSpotChecks'),
  scope: "An enterprise, its own; a supervisor, his province's; ops any. Anything else is a 404 (R01).",
  params: Params,
  scopeCheck: async ({ deps, principal, params }) => void (await visible(principal, deps, params.id)),
  responses: { 200: { description: 'the spot check', schema: Row.extend({ workflow: z.record(z.string(), z.unknown()).nullable() }) }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const r = await visible(principal, deps, params.id);
    const live = await deps.client.workflow.getHandle(spotCheckWorkflowId(r.id)).query(spotCheckStatusQuery).catch(() => null);
    return { status: 200, body: { ...r, workflow: live as Record<string, unknown> | null } };
  },
});

interface UpdateSpec {
  segment: string;
  operationId: string;
  summary: string;
  description: string;
  roles: ReturnType<typeof rolesFor>;
  scope: string;
  body: z.ZodObject;
  update: typeof recordSamplingUpdate | typeof assignLaboratoryUpdate | typeof recordTestResultUpdate | typeof objectToResultUpdate;
}

/** A validator's 422 names its field first ("laboratoryId: …"): kept as the problem's field error. */
function withField(err: unknown): unknown {
  if (!(err instanceof HttpProblem) || err.kind !== 'validation' || err.errors?.length) return err;
  const m = /^([A-Za-z]+): (.*)$/s.exec(err.message);
  return m ? new HttpProblem('validation', err.message, [{ path: m[1]!, message: m[2]! }], err.headers) : err;
}

function updateRoute(spec: UpdateSpec): AnyRoute {
  return defineRoute({
    method: 'post',
    path: `/spot-checks/:id/${spec.segment}`,
    operationId: spec.operationId,
    tag: 'supervision',
    summary: spec.summary,
    description: `${spec.description} Sent as a Temporal Update to \`spot-check/<id>\`: refused at once by its validator (403, 409 wrong stage or already recorded, 422 naming the field), or taken.`,
    rules: ['R15'],
    roles: spec.roles,
    scope: spec.scope,
    params: Params,
    // Scoped before the body is read: another province's or enterprise's spot check is a 404 whatever is sent.
    scopeCheck: async ({ deps, principal, params }) => void (await visible(principal, deps, params.id)),
    headers: { 'Idempotency-Key': S.UpdateIdempotencyKey },
    body: spec.body,
    responses: {
      200: { description: 'taken; the spot check afterwards', schema: z.record(z.string(), z.unknown()) },
      400: E[400],
      401: E[401],
      403: E[403],
      404: E[404],
      409: { description: 'wrong stage, already recorded, or (objection) the period has ended: the message names the last day' },
      413: E[413],
      415: E[415],
      422: E[422],
      503: E[503],
    },
    async handler({ req, deps, principal, params, body }) {
      const r = await visible(principal, deps, params.id);
      const h = deps.client.workflow.getHandle(spotCheckWorkflowId(r.id));
      const what = `spot check ${r.id}`;
      const desc = await withTemporal(what, () => h.describe());
      const closed = desc.status.name === 'RUNNING' ? undefined : new HttpProblem('conflict', `spot check ${r.id} is closed (${r.finalResult ?? 'no result'}${r.orderOutcome ? `, order ${r.orderOutcome}` : ''})`);
      try {
        const status = await sendUpdate(h, spec.update, { ...(body as object), actor: actorOf(principal) }, { what, closed, idempotencyKey: idempotencyKeyOf(req as Request) });
        return { status: 200, body: status as unknown as Record<string, unknown> };
      } catch (e) {
        throw withField(e);
      }
    },
  });
}

const staffScope = "A supervisor of the spot check's province (another province's is a 404, R01).";
const updates: AnyRoute[] = [
  updateRoute({
    segment: 'sampling',
    operationId: 'recordSpotCheckSampling',
    summary: 'Record the sampling of a spot check',
    description: 'R15: the sample id, quantity and unit, the seal (封样; an unsealed sample is a 422) and the staff who took it.',
    roles: rolesFor('recordSpotCheck'),
    scope: staffScope,
    // The document says what the validator enforces: an unsealed sample is never taken (a 422 naming `sealed`).
    body: RecordSamplingInput.omit({ actor: true }).extend({
      sealed: z.literal(true, { error: 'a spot-check sample is sealed at the enterprise (封样) before it goes to the laboratory' }).describe('封样: must be true'),
    }),
    update: recordSamplingUpdate,
  }),
  updateRoute({
    segment: 'laboratory',
    operationId: 'assignSpotCheckLaboratory',
    summary: 'Assign the testing laboratory of a spot check',
    description:
      "R15: a registered, unsuspended laboratory of the province that the enterprise does not own and is not conflicted with (otherwise a 422 naming the conflict); after an objection, the re-test's laboratory, which is not the first one (422).",
    roles: rolesFor('recordSpotCheck'),
    scope: staffScope,
    body: AssignLaboratoryInput.omit({ actor: true }),
    update: assignLaboratoryUpdate,
  }),
  updateRoute({
    segment: 'result',
    operationId: 'recordSpotCheckResult',
    summary: 'Record the test result of a spot check',
    description:
      'R15: pass or fail (with findings). A pass is published and closes it. A first failing result is notified to the enterprise, which may object within 15 days; a re-test result is final. ' +
      'A final failure is published, raises the grade (R17, R14) and orders production and sale stopped until a re-check, with `rectifyBy` as the limit (default 60 days; a date not in the future is a 422).',
    roles: rolesFor('recordSpotCheck'),
    scope: staffScope,
    body: RecordTestResultInput.omit({ actor: true }),
    update: recordTestResultUpdate,
  }),
  updateRoute({
    segment: 'objection',
    operationId: 'objectToSpotCheckResult',
    summary: 'Object to a failing spot-check result',
    description:
      'R15: the enterprise objects within 15 days of receiving the failing result (counted from the day after; a last day on a weekend or holiday moves to the next working day). ' +
      'In time, a different laboratory re-tests and its result is final; later, a 409 naming the last day.',
    roles: rolesFor('objectToSpotCheck'),
    scope: "The enterprise the spot check is of; another enterprise's spot check is a 404 (R01).",
    body: ObjectInput.omit({ actor: true }),
    update: objectToResultUpdate,
  }),
];

export const spotCheckRoutes: AnyRoute[] = [listRoute, getRoute, ...updates];
