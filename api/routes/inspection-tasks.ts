/** R11: inspection tasks: the drawn inspectors see theirs and record the result; supervisors see their province's. */
import { z } from 'zod';
import { IsoDate, ProvinceCode } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import { INSPECTION_OUTCOMES, inspectionTaskStatusQuery, inspectionTaskWorkflowId, recordTaskResultUpdate, taskIdOf } from '../../domain/supervision/inspection-task';
import { findTask, listTasks, type TaskRow } from '../../db/inspection-batches';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import { withTemporal } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { E } from './common';

const TaskParams = z.object({ batchId: z.string().min(3).max(64).meta({ examples: ['BJ-PLAN-1-1'] }), uscc: z.string().min(1).max(64).meta({ examples: ['91110000MA01ABCDEX'] }) }).strict();
const ListQuery = z
  .object({
    batchId: z.string().min(3).max(64).optional(),
    province: ProvinceCode.optional().describe("supervisors: their own (the default); ops: any"),
    limit: z.string().regex(/^\d{1,4}$/).optional(),
  })
  .strict();
const ResultBody = z
  .object({
    outcome: z.enum(INSPECTION_OUTCOMES),
    findings: z.string().trim().min(1).max(5000).optional(),
    inspectedOn: IsoDate.optional().describe("the day the inspection ended (default today); publication is due 20 working days after it"),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.outcome === 'problems-found' && !b.findings) ctx.addIssue({ code: 'custom', path: ['findings'], message: 'problems found are described in findings' });
  });
const TaskView = z
  .object({ id: z.string(), batchId: z.string(), province: z.string(), uscc: z.string(), grade: z.string(), team: z.array(z.string()).nullable(), staffingProblem: z.string().nullable(), dueOn: z.string(), startedAt: z.string().nullable() })
  .strict();

/** R01 and R11: an inspector reaches only the tasks he is drawn for, a supervisor his province's; others are answered as not found. */
function canSee(p: Principal, t: TaskRow): boolean {
  if (p.role === 'inspector') return p.province === t.province && (t.team ?? []).includes(p.sub);
  if (p.role === 'supervisor') return p.province === t.province;
  return true;
}

const listTasksRoute = defineRoute({
  method: 'get',
  path: '/inspection-tasks',
  operationId: 'listInspectionTasks',
  tag: 'supervision',
  summary: 'List inspection tasks',
  rules: ['R11'],
  roles: rolesFor('readInspectionTasks'),
  scope: "An inspector, the tasks he is drawn for; a supervisor, his province's (asking for another is a 403, R01); ops any.",
  query: ListQuery,
  responses: { 200: { description: 'tasks', schema: z.object({ items: z.array(TaskView) }).strict() }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    let province = query.province;
    if (principal.role !== 'ops') {
      if (province && province !== principal.province) throw new HttpProblem('forbidden', `a ${principal.role} of ${principal.province} may not list tasks of ${province} (R01)`);
      province = principal.province;
    }
    const items = await fromDb('the tasks', () =>
      listTasks(deps.pool, { batchId: query.batchId, province, inspectorId: principal.role === 'inspector' ? principal.sub : undefined }, query.limit ? Number(query.limit) : 200),
    );
    return { status: 200, body: { items } };
  },
});

async function visibleTask(p: Principal, pool: Parameters<typeof findTask>[0], batchId: string, uscc: string): Promise<TaskRow> {
  const t = await fromDb('the tasks', () => findTask(pool, taskIdOf(batchId, uscc)));
  if (!t || !canSee(p, t)) throw new HttpProblem('not-found', `inspection task ${batchId}/${uscc} not found`);
  return t;
}

const getTask = defineRoute({
  method: 'get',
  path: '/inspection-tasks/:batchId/:uscc',
  operationId: 'getInspectionTask',
  tag: 'supervision',
  summary: 'Read an inspection task',
  description: 'R11: the team, the due date, the result, and the publication clock (due 20 working days after the inspection, until the record is published).',
  rules: ['R11'],
  roles: rolesFor('readInspectionTasks'),
  scope: "An inspector, a task he is drawn for; a supervisor, his province's; ops any. Anything else is a 404 (R01).",
  params: TaskParams,
  responses: { 200: { description: 'the task', schema: z.record(z.string(), z.unknown()) }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const t = await visibleTask(principal, deps.pool, params.batchId, params.uscc);
    const live = t.startedAt ? await deps.client.workflow.getHandle(inspectionTaskWorkflowId(t.id)).query(inspectionTaskStatusQuery).catch(() => null) : null;
    return { status: 200, body: { ...t, workflow: live } };
  },
});

const recordResult = defineRoute({
  method: 'post',
  path: '/inspection-tasks/:batchId/:uscc/result',
  operationId: 'recordInspectionTaskResult',
  tag: 'supervision',
  summary: 'Record the result of an inspection',
  description:
    'R11: pass, problems found (with findings), not found at its address, or refused. Only the drawn team may record it (others: 403), once (409; the same Idempotency-Key repeated returns the first answer). ' +
    'A failing result is an R17 fact that raises the grade; the result is queued for publication within 20 working days.',
  rules: ['R11', 'R17'],
  roles: rolesFor('recordInspectionTaskResult'),
  scope: "An inspector of the task's province; only its team may record (403 otherwise).",
  params: TaskParams,
  body: ResultBody,
  responses: {
    200: { description: 'recorded', schema: z.record(z.string(), z.unknown()) },
    400: E[400],
    401: E[401],
    403: { description: "not on the task's team" },
    404: E[404],
    409: { description: 'a result is already recorded' },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ req, deps, principal, params, body }) {
    const t = await fromDb('the tasks', () => findTask(deps.pool, taskIdOf(params.batchId, params.uscc)));
    if (!t || principal.province !== t.province) throw new HttpProblem('not-found', `inspection task ${params.batchId}/${params.uscc} not found`);
    if (!(t.team ?? []).includes(principal.sub)) throw new HttpProblem('forbidden', `only the drawn team (${(t.team ?? []).join(', ') || 'none yet'}) records this result (R11)`);
    if (!t.startedAt) throw new HttpProblem('conflict', `inspection task ${t.id} has not started yet`);
    const h = deps.client.workflow.getHandle(inspectionTaskWorkflowId(t.id));
    const desc = await withTemporal(`inspection ${t.id}`, () => h.describe());
    const closed = desc.status.name === 'RUNNING' ? undefined : new HttpProblem('conflict', `inspection ${t.id} is closed: its result is recorded and published`);
    const status = await sendUpdate(h, recordTaskResultUpdate, { ...body, actor: actorOf(principal) }, { what: `inspection ${t.id}`, closed, idempotencyKey: idempotencyKeyOf(req) });
    return { status: 200, body: status };
  },
});

export const inspectionTaskRoutes: AnyRoute[] = [listTasksRoute, getTask, recordResult];
