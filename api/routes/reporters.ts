/** R18: the register of reporters (industry associations, testing institutes) a province keeps: add, suspend, list. Audited. */
import { z } from 'zod';
import { ProvinceCode } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import { findReporter, listReporters, type ReporterRecord, setReporterSuspended, upsertReporter } from '../../db/reporters';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import { requestIdOf } from '../security';
import { E } from './common';

const ReporterId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash, underscore; at most 64');
const Params = z.object({ id: ReporterId.meta({ examples: ['R-BJ-001'] }) }).strict();
const AddBody = z
  .object({
    id: ReporterId.describe("the reporter's id: the `sub` of its tokens"),
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['industry-association', 'testing-institute', 'other']),
    province: ProvinceCode.describe('the province that registers it; a supervisor registers for his own province only'),
  })
  .strict();
const SuspendBody = z.object({ suspended: z.boolean(), reason: z.string().trim().min(3).max(1000) }).strict();
const Reporter = z.object({ id: z.string(), name: z.string(), kind: z.string(), province: z.string(), suspended: z.boolean() }).strict();
const ListQuery = z.object({ province: ProvinceCode.optional().describe('supervisors: their own province (the default); ops: any, or all when omitted') }).strict();
const REGISTER = 'the reporter register';
const REPORTER_LINKS = { to: '/reporters/:id', parameters: { id: '$response.body#/id' } };

/** A supervisor keeps his own province's register; another province's reporter is answered as not found (R01). */
async function ownReporter(p: Principal, id: string, pool: Parameters<typeof findReporter>[0]): Promise<ReporterRecord> {
  const found = await fromDb(REGISTER, () => findReporter(pool, id));
  if (!found || (p.role === 'supervisor' && found.province !== p.province)) throw new HttpProblem('not-found', `reporter ${id} not found`);
  return found;
}

const addReporter = defineRoute({
  method: 'post',
  path: '/reporters',
  operationId: 'addReporter',
  tag: 'supervision',
  summary: 'Register a reporter',
  description: "R18: registers (or renames) an organisation that may submit risk information with a `reporter` token (sub = its id, province = this province). Audited in register_changes.",
  rules: ['R18'],
  roles: rolesFor('manageReporters'),
  scope: 'A supervisor registers for his own province only (another province is a 422 naming `province`); ops any.',
  body: AddBody,
  responses: {
    201: { description: 'registered', schema: Reporter, links: REPORTER_LINKS },
    200: { description: 'an existing reporter updated', schema: Reporter, links: REPORTER_LINKS },
    400: E[400],
    401: E[401],
    403: E[403],
    404: { description: "the id belongs to another province's reporter" },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ deps, principal, body, res }) {
    if (principal.role === 'supervisor' && body.province !== principal.province) {
      throw new HttpProblem('validation', `a supervisor of ${principal.province} registers reporters of ${principal.province} only (R01, R18)`, [
        { path: 'province', message: `must be ${principal.province}, the supervisor's own province; got ${body.province}` },
      ]);
    }
    const existing = await fromDb(REGISTER, () => findReporter(deps.pool, body.id));
    if (existing && existing.province !== body.province) {
      if (principal.role === 'supervisor') throw new HttpProblem('not-found', `reporter ${body.id} not found`);
      throw new HttpProblem('validation', `reporter ${body.id} is registered in ${existing.province}`, [{ path: 'province', message: `reporter ${body.id} is registered in ${existing.province}` }]);
    }
    const created = await fromDb(REGISTER, () => upsertReporter(deps.pool, body, actorOf(principal), requestIdOf(res)));
    return { status: created ? 201 : 200, body: (await fromDb(REGISTER, () => findReporter(deps.pool, body.id)))!, headers: { Location: `/reporters/${encodeURIComponent(body.id)}` } };
  },
});

const suspendReporter = defineRoute({
  method: 'post',
  path: '/reporters/:id/suspension',
  operationId: 'suspendReporter',
  tag: 'supervision',
  summary: 'Suspend or reinstate a reporter',
  description: 'R18: a suspended reporter cannot submit (403); `suspended: false` reinstates it. The reason is kept in the audit trail.',
  rules: ['R18'],
  roles: rolesFor('manageReporters'),
  scope: "A supervisor, his own province's reporters (another province's is a 404, R01); ops any.",
  params: Params,
  body: SuspendBody,
  responses: { 200: { description: 'recorded', schema: Reporter }, 400: E[400], 401: E[401], 403: E[403], 404: { description: "no such reporter in the caller's province" }, 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params, body, res }) {
    await ownReporter(principal, params.id, deps.pool);
    await fromDb(REGISTER, () => setReporterSuspended(deps.pool, params.id, body.suspended, body.reason, actorOf(principal), requestIdOf(res)));
    return { status: 200, body: (await fromDb(REGISTER, () => findReporter(deps.pool, params.id)))! };
  },
});

const listReportersRoute = defineRoute({
  method: 'get',
  path: '/reporters',
  operationId: 'listReporters',
  tag: 'supervision',
  summary: 'List reporters',
  rules: ['R18'],
  roles: rolesFor('listReporters'),
  scope: 'A supervisor lists his own province (asking for another is a 403, R01); ops any or all.',
  query: ListQuery,
  responses: { 200: { description: 'the register', schema: z.object({ province: z.string().nullable(), items: z.array(Reporter) }).strict() }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    let province = query.province;
    if (principal.role === 'supervisor') {
      if (province && province !== principal.province) throw new HttpProblem('forbidden', `a supervisor of ${principal.province} may not list reporters of ${province} (R01)`);
      province = principal.province;
    }
    return { status: 200, body: { province: province ?? null, items: await fromDb(REGISTER, () => listReporters(deps.pool, province)) } };
  },
});

export const reporterRoutes: AnyRoute[] = [addReporter, suspendReporter, listReportersRoute];
