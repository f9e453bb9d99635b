/** R11: the province's yearly inspection plan, its batches (with the draw) and the batch schedules. */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { IsoDate, ProductIdSchema } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import { batchStatusQuery, batchWorkflowId, restaffSignal } from '../../domain/supervision/inspection-task';
import { riskPolicyInForce } from '../../domain/supervision/risk-policy';
import { shanghaiDate } from '../../domain/time';
import { findBatch, findDraw, findPlan, insertPlan, listTasks, overlappingBatches } from '../../db/inspection-batches';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import { ensureBatchSchedule } from '../supervision-schedules';
import { withTemporal } from '../temporal';
import { E } from './common';

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/, '3-64 letters, digits, dot, dash, underscore');
const Rate = z.number().min(0, 'a draw rate is between 0 and 1').max(1, 'a draw rate is between 0 and 1');
const BatchBody = z
  .object({
    startsOn: IsoDate,
    endsOn: IsoDate,
    products: z.array(ProductIdSchema).max(20).optional().describe('the products inspected; all when omitted'),
    scope: z.string().trim().min(3).max(1000),
    rates: z.object({ A: Rate, B: Rate, C: Rate, D: Rate }).partial().strict().optional().describe('draw rates per grade; the policy defaults (A 3 %, B 5 %, C 15 %, D 50 %) for those omitted'),
  })
  .strict();
const PlanBody = z.object({ id: Id, year: z.number().int().min(2020).max(2100), batches: z.array(BatchBody).min(1).max(24) }).strict();
const PlanParams = z.object({ id: Id.meta({ examples: ['BJ-PLAN-1'] }) }).strict();
/** A batch's id is its plan's id and its number in the plan (`BJ-PLAN-1-1`). */
const BatchParams = z.object({ id: Id.meta({ examples: ['BJ-PLAN-1-1'] }) }).strict();

const BatchView = z
  .object({
    id: z.string(),
    seq: z.number(),
    startsOn: z.string(),
    endsOn: z.string(),
    products: z.array(z.string()),
    scope: z.string(),
    rates: z.record(z.string(), z.number()),
    scheduleId: z.string().describe('the Temporal Schedule that starts the batch on its start date'),
  })
  .strict();
const PlanView = z.object({ id: z.string(), province: z.string(), year: z.number(), recordedBy: z.string(), recordedAt: z.string(), batches: z.array(BatchView) }).strict();

/** R01: a supervisor sees his own province's plans and batches; another province's is answered as not found. */
function assertProvince(p: Principal, province: string, what: string): void {
  if (p.role === 'supervisor' && p.province !== province) throw new HttpProblem('not-found', `${what} not found`);
}

const viewBatch = (b: { id: string; seq: number; startsOn: string; endsOn: string; products: string[]; scope: string; rates: Record<string, number>; scheduleId: string }) => ({
  id: b.id,
  seq: b.seq,
  startsOn: b.startsOn,
  endsOn: b.endsOn,
  products: b.products,
  scope: b.scope,
  rates: b.rates,
  scheduleId: b.scheduleId,
});

const recordPlan = defineRoute({
  method: 'post',
  path: '/plans',
  operationId: 'recordInspectionPlan',
  tag: 'supervision',
  summary: "Record the province's yearly inspection plan",
  description:
    "R11: batches with start and end dates, products, scope and draw rates. Each batch gets a Temporal Schedule that starts its batch workflow at 00:05 (Asia/Shanghai) " +
    'on its start date. Batches may not overlap (each other, or the province\'s recorded batches), start in the past, or lie outside the plan\'s year; rates are 0–1. ' +
    'The seed of each draw is made here and kept secret until the draw.',
  rules: ['R11', 'R17'],
  roles: rolesFor('recordPlan'),
  scope: "The supervisor's own province.",
  body: PlanBody,
  responses: {
    201: { description: 'recorded, schedules created', schema: PlanView },
    200: { description: 'the same plan id again: the plan as recorded', schema: PlanView },
    400: E[400],
    401: E[401],
    403: E[403],
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ deps, principal, body }) {
    const province = principal.province!;
    const existing = await fromDb('the plans', () => findPlan(deps.pool, body.id));
    if (existing) {
      assertProvince(principal, existing.province, `plan ${body.id}`);
      return { status: 200, body: { ...existing, batches: existing.batches.map(viewBatch) } };
    }
    const today = shanghaiDate(Date.now());
    const defaults = riskPolicyInForce(today).drawRates;
    const errors: { path: string; message: string }[] = [];
    body.batches.forEach((b, i) => {
      if (b.startsOn < today) errors.push({ path: `batches.${i}.startsOn`, message: `a batch cannot start in the past (today is ${today}); got ${b.startsOn}` });
      if (b.endsOn < b.startsOn) errors.push({ path: `batches.${i}.endsOn`, message: `ends before it starts (${b.startsOn})` });
      if (Number(b.startsOn.slice(0, 4)) !== body.year) errors.push({ path: `batches.${i}.startsOn`, message: `outside the plan's year ${body.year}` });
    });
    const order = body.batches.map((b, i) => ({ ...b, i })).sort((a, b) => (a.startsOn < b.startsOn ? -1 : 1));
    for (let k = 1; k < order.length; k++) {
      if (order[k]!.startsOn <= order[k - 1]!.endsOn) errors.push({ path: `batches.${order[k]!.i}.startsOn`, message: `overlaps batch ${order[k - 1]!.i} (${order[k - 1]!.startsOn} to ${order[k - 1]!.endsOn})` });
    }
    for (const b of order) {
      const clash = await fromDb('the plans', () => overlappingBatches(deps.pool, province, b.startsOn, b.endsOn));
      if (clash.length) errors.push({ path: `batches.${b.i}.startsOn`, message: `overlaps the province's recorded batch ${clash.join(', ')}` });
    }
    if (errors.length) throw new HttpProblem('validation', `the plan is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
    const batches = order.map((b, seq) => {
      const id = `${body.id}-${seq + 1}`;
      return {
        id,
        province,
        seq: seq + 1,
        startsOn: b.startsOn,
        endsOn: b.endsOn,
        products: b.products ?? [],
        scope: b.scope,
        rates: { ...defaults, ...b.rates },
        seed: randomBytes(16).toString('hex'),
        scheduleId: `batch-schedule/${id}`,
      };
    });
    const created = await fromDb('the plans', () =>
      insertPlan(deps.pool, { id: body.id, province, year: body.year, recordedBy: principal.sub, batches }, actorOf(principal), new Date().toISOString()),
    );
    for (const b of batches) await withTemporal(`the schedule of batch ${b.id}`, () => ensureBatchSchedule(deps.client, deps.taskQueue, b));
    const plan = (await fromDb('the plans', () => findPlan(deps.pool, body.id)))!;
    return { status: created ? 201 : 200, body: { ...plan, batches: plan.batches.map(viewBatch) }, headers: { Location: `/plans/${body.id}` } };
  },
});

const getPlan = defineRoute({
  method: 'get',
  path: '/plans/:id',
  operationId: 'getInspectionPlan',
  tag: 'supervision',
  summary: 'Read an inspection plan',
  rules: ['R11'],
  roles: rolesFor('readPlans'),
  scope: "A supervisor, his own province's plans (another's is a 404, R01); ops any.",
  params: PlanParams,
  responses: { 200: { description: 'the plan', schema: PlanView }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const plan = await fromDb('the plans', () => findPlan(deps.pool, params.id));
    if (!plan) throw new HttpProblem('not-found', `plan ${params.id} not found`);
    assertProvince(principal, plan.province, `plan ${params.id}`);
    return { status: 200, body: { ...plan, batches: plan.batches.map(viewBatch) } };
  },
});

/** The batch's workflow: the run its schedule started (its id carries the scheduled time), else `batch/<id>`. */
async function batchWorkflow(client: Client, batchId: string, scheduleId: string) {
  const desc = await client.schedule
    .getHandle(scheduleId)
    .describe()
    .catch(() => undefined);
  const run = desc?.info.runningActions[0] ?? desc?.info.recentActions.at(-1)?.action;
  return client.workflow.getHandle(run?.workflow.workflowId ?? batchWorkflowId(batchId));
}

const getBatch = defineRoute({
  method: 'get',
  path: '/batches/:id',
  operationId: 'getInspectionBatch',
  tag: 'supervision',
  summary: 'Read a batch with its draw',
  description:
    'R11 (全程留痕): once drawn, the seed, the population with each grade, the rates, the result per grade and the enterprises included because a D enterprise was due its yearly inspection; ' +
    'anyone can re-run the draw from these (domain/supervision/draw.ts). Also the workflow\'s stage and the tasks that could not be staffed.',
  rules: ['R11', 'R17'],
  roles: rolesFor('readPlans'),
  scope: "A supervisor, his own province's batches (another's is a 404, R01); ops any.",
  params: BatchParams,
  responses: { 200: { description: 'the batch', schema: z.record(z.string(), z.unknown()) }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const batch = await fromDb('the plans', () => findBatch(deps.pool, params.id));
    if (!batch) throw new HttpProblem('not-found', `batch ${params.id} not found`);
    assertProvince(principal, batch.province, `batch ${params.id}`);
    const draw = await fromDb('the plans', () => findDraw(deps.pool, params.id));
    const tasks = draw ? await fromDb('the tasks', () => listTasks(deps.pool, { batchId: params.id }, 10_000)) : [];
    const h = await batchWorkflow(deps.client, batch.id, batch.scheduleId);
    const status = await h.query(batchStatusQuery).catch(() => null);
    return {
      status: 200,
      body: {
        ...viewBatch(batch),
        planId: batch.planId,
        province: batch.province,
        workflow: status,
        draw: draw ?? null,
        tasks: { total: tasks.length, staffed: tasks.filter((t) => t.team).length, started: tasks.filter((t) => t.startedAt).length, unstaffed: tasks.filter((t) => !t.team).map((t) => ({ uscc: t.uscc, problem: t.staffingProblem })) },
      },
    };
  },
});

const restaff = defineRoute({
  method: 'post',
  path: '/batches/:id/staffing',
  operationId: 'restaffInspectionBatch',
  tag: 'supervision',
  summary: 'Draw teams again for unstaffed inspections',
  description: "R11: after adding or reinstating inspectors, asks a batch waiting for staff (LpWaitingOn = 'staffing') to draw teams again for the tasks it could not staff.",
  rules: ['R11'],
  roles: rolesFor('restaffBatch'),
  scope: "The supervisor's own province (another's batch is a 404, R01).",
  params: BatchParams,
  body: z.object({}).strict(),
  responses: { 202: { description: 'asked', schema: z.object({ batchId: z.string(), asked: z.literal(true) }).strict() }, 400: E[400], 401: E[401], 403: E[403], 404: E[404], 409: { description: 'the batch is not running (not yet started, or done)' }, 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const batch = await fromDb('the plans', () => findBatch(deps.pool, params.id));
    if (!batch) throw new HttpProblem('not-found', `batch ${params.id} not found`);
    assertProvince(principal, batch.province, `batch ${params.id}`);
    const h = await batchWorkflow(deps.client, batch.id, batch.scheduleId);
    const desc = await h.describe().catch(() => undefined);
    if (desc?.status.name !== 'RUNNING') throw new HttpProblem('conflict', `batch ${params.id} is not running (${desc?.status.name ?? 'not started yet'})`);
    await withTemporal(`batch ${params.id}`, () => h.signal(restaffSignal, { actor: actorOf(principal) }));
    return { status: 202, body: { batchId: params.id, asked: true as const } };
  },
});

export const planRoutes: AnyRoute[] = [recordPlan, getPlan, getBatch, restaff];
