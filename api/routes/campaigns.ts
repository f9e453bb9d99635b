/** R16: special rectification campaigns of a province: list, progress and report, and a supervisor's decision on a proposed one. */
import { z } from 'zod';
import { ProvinceCode } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import { campaignStatusQuery, campaignWorkflowId, decideCampaignUpdate } from '../../domain/supervision/campaign';
import { campaignProgress, type CampaignRecord, findCampaign, listCampaigns } from '../../db/campaigns';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute, type RouteDeps } from '../route';
import { withTemporal } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { UpdateIdempotencyKey } from '../schemas';
import { E } from './common';

const Params = z.object({ id: z.string().regex(/^[A-Z]{2}-[a-z-]+-\d{1,6}$/, 'a campaign id: <province>-<product>-<n>').meta({ examples: ['BJ-cement-1'] }) }).strict();
const ListQuery = z
  .object({
    province: ProvinceCode.optional().describe('supervisors: their own (the default); ops: required'),
    status: z.enum(['proposed', 'running', 'declined', 'ended']).optional(),
    limit: z.string().regex(/^\d{1,3}$/).optional(),
  })
  .strict();
const DecisionBody = z
  .object({
    decision: z.enum(['confirm', 'decline']),
    reason: z.string().trim().min(10, 'a written reason of at least 10 characters').max(2000).optional().describe('required to decline'),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.decision === 'decline' && !b.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a declined campaign needs a written reason' });
  });
const Answer = z.record(z.string(), z.unknown());

function provinceOf(p: Principal, asked: string | undefined): string {
  if (p.role === 'supervisor') {
    if (asked && asked !== p.province) throw new HttpProblem('forbidden', `a supervisor of ${p.province} may not read campaigns of ${asked} (R01)`);
    return p.province!;
  }
  if (!asked) throw new HttpProblem('validation', 'name the province', [{ path: 'province', message: `required for ${p.role}` }]);
  return asked;
}

/** R01: another province's campaign is answered like one that does not exist. */
async function visibleCampaign(deps: RouteDeps, p: Principal, id: string): Promise<CampaignRecord> {
  const c = await fromDb('the campaigns', () => findCampaign(deps.pool, id));
  if (!c || (p.role === 'supervisor' && p.province !== c.province)) throw new HttpProblem('not-found', `campaign ${id} not found`);
  return c;
}

/** The stored campaign with its progress counted now (a running one) or its report (an ended one). */
async function view(deps: RouteDeps, c: CampaignRecord) {
  const progress = c.status === 'running' ? await fromDb('the campaigns', () => campaignProgress(deps.pool, c.id)) : null;
  return { ...c, workflowId: campaignWorkflowId(c.id), progress };
}

const list = defineRoute({
  method: 'get',
  path: '/campaigns',
  operationId: 'listCampaigns',
  tag: 'supervision',
  summary: "List a province's special rectification campaigns",
  description: 'R16: newest first, with what triggered each (a failure rate with its exact count, or a serious accident), its window, and for a running one its progress counted now.',
  rules: ['R16'],
  roles: rolesFor('readCampaigns'),
  scope: "A supervisor, his own province (another is a 403, R01); ops name the province.",
  query: ListQuery,
  responses: { 200: { description: 'campaigns', schema: z.object({ items: z.array(Answer) }).strict() }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    const province = provinceOf(principal, query.province);
    const found = await fromDb('the campaigns', () => listCampaigns(deps.pool, { province, status: query.status, limit: query.limit ? Math.min(200, Number(query.limit)) : 50 }));
    const items = [];
    for (const c of found) items.push(await view(deps, c));
    return { status: 200, body: { items } };
  },
});

const get = defineRoute({
  method: 'get',
  path: '/campaigns/:id',
  operationId: 'getCampaign',
  tag: 'supervision',
  summary: 'Read a campaign: progress, report',
  description:
    'R16: the campaign as stored (triggers, window, its R11 batch, the report once ended: inspected, failed, orders, revocations, still open), its progress counted now, ' +
    "and the workflow's own status (Query `campaignStatus`).",
  rules: ['R16'],
  roles: rolesFor('readCampaigns'),
  scope: "A supervisor, his own province's (another's is a 404, R01); ops any.",
  params: Params,
  responses: { 200: { description: 'the campaign', schema: Answer }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const c = await visibleCampaign(deps, principal, params.id);
    const workflow = await deps.client.workflow
      .getHandle(campaignWorkflowId(c.id))
      .query(campaignStatusQuery)
      .catch(() => null);
    return { status: 200, body: { ...(await view(deps, c)), workflow } };
  },
});

const decide = defineRoute({
  method: 'post',
  path: '/campaigns/:id/decision',
  operationId: 'decideCampaign',
  tag: 'supervision',
  summary: 'Confirm or decline a proposed campaign',
  description:
    'R16: a campaign the policy does not start by itself waits for a supervisor of its province (LpWaitingOn = `confirmation`). Confirming starts it: every licensee of the product ' +
    'is inspected within the window. Declining needs a written reason. Once only (409); the same Idempotency-Key repeated returns the first answer.',
  rules: ['R16'],
  roles: rolesFor('decideCampaign'),
  scope: "The supervisor's own province (another's campaign is a 404, R01).",
  params: Params,
  headers: { 'Idempotency-Key': UpdateIdempotencyKey },
  body: DecisionBody,
  responses: {
    200: { description: 'decided', schema: Answer },
    400: E[400],
    401: E[401],
    403: E[403],
    404: E[404],
    409: { description: 'the campaign is not proposed (already confirmed, declined or ended)' },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ req, deps, principal, params, body }) {
    const c = await visibleCampaign(deps, principal, params.id);
    const h = deps.client.workflow.getHandle(campaignWorkflowId(c.id));
    const desc = await withTemporal(`campaign ${c.id}`, () => h.describe());
    const closed = desc.status.name === 'RUNNING' ? undefined : new HttpProblem('conflict', `campaign ${c.id} is ${c.status}`);
    const status = await sendUpdate(h, decideCampaignUpdate, { ...body, actor: actorOf(principal) }, { what: `campaign ${c.id}`, closed, idempotencyKey: idempotencyKeyOf(req) });
    return { status: 200, body: status };
  },
});

export const campaignRoutes: AnyRoute[] = [list, get, decide];
