/** The inspector register (R11): add, suspend and list the province's enforcement officers, record conflicts of interest. */
import { z } from 'zod';
import { ProvinceCode, Uscc } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import type { InspectorRecord } from '../../domain/supervision/inspectors';
import { findInspector, listInspectors, recordInspectorConflict, setInspectorSuspended, upsertInspector } from '../../db/inspectors';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import { requestIdOf } from '../security';
import { E } from './common';

const InspectorId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash, underscore; at most 64');
const Params = z.object({ id: InspectorId.meta({ examples: ['I-BJ-001'] }) }).strict();
const AddBody = z
  .object({
    id: InspectorId,
    name: z.string().min(1).max(100),
    province: ProvinceCode.describe("the province whose enforcement officer he is; a supervisor adds to his own province only"),
  })
  .strict();
const SuspendBody = z.object({ suspended: z.boolean(), reason: z.string().trim().min(3).max(1000) }).strict();
const ConflictBody = z.object({ uscc: Uscc, reason: z.string().trim().min(3).max(1000) }).strict();
const Inspector = z
  .object({
    id: z.string(),
    name: z.string(),
    province: z.string(),
    suspended: z.boolean(),
    conflicts: z.array(z.object({ uscc: z.string(), reason: z.string() }).strict()),
  })
  .strict();
const ListQuery = z.object({ province: ProvinceCode.optional().describe('supervisors: their own province (the default); ops: any, or all when omitted') }).strict();

/** A supervisor manages his own province's register; another province's inspector is answered as not found (R01). */
async function ownInspector(p: Principal, id: string, pool: Parameters<typeof findInspector>[0]): Promise<InspectorRecord> {
  const found = await fromDb('the inspector register', () => findInspector(pool, id));
  if (!found || (p.role === 'supervisor' && found.province !== p.province)) throw new HttpProblem('not-found', `inspector ${id} not found`);
  return found;
}

const addInspector = defineRoute({
  method: 'post',
  path: '/inspectors',
  operationId: 'addInspector',
  tag: 'supervision',
  summary: 'Add an inspector to the register',
  description: "R11: adds (or renames) one of the province's enforcement officers, who may then be drawn into inspection teams. Audited.",
  rules: ['R11'],
  roles: rolesFor('manageInspectors'),
  scope: "A supervisor adds inspectors of his own province only (another province is a 422 naming `province`); ops any.",
  body: AddBody,
  responses: {
    201: { description: 'added', schema: Inspector },
    200: { description: 'an existing inspector renamed', schema: Inspector },
    400: E[400],
    401: E[401],
    403: E[403],
    404: { description: "the id belongs to another province's inspector" },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ deps, principal, body, res }) {
    if (principal.role === 'supervisor' && body.province !== principal.province) {
      throw new HttpProblem('validation', `a supervisor of ${principal.province} adds inspectors of ${principal.province} only (R01, R11)`, [
        { path: 'province', message: `must be ${principal.province}, the supervisor's own province; got ${body.province}` },
      ]);
    }
    const existing = await fromDb('the inspector register', () => findInspector(deps.pool, body.id));
    if (existing && existing.province !== body.province) {
      if (principal.role === 'supervisor') throw new HttpProblem('not-found', `inspector ${body.id} not found`);
      throw new HttpProblem('validation', `inspector ${body.id} belongs to ${existing.province}`, [{ path: 'province', message: `inspector ${body.id} is registered in ${existing.province}` }]);
    }
    const created = await fromDb('the inspector register', () => upsertInspector(deps.pool, body, actorOf(principal), new Date().toISOString(), requestIdOf(res)));
    const record = (await fromDb('the inspector register', () => findInspector(deps.pool, body.id)))!;
    return { status: created ? 201 : 200, body: record, headers: { Location: `/inspectors/${encodeURIComponent(body.id)}` } };
  },
});

const suspendInspector = defineRoute({
  method: 'post',
  path: '/inspectors/:id/suspension',
  operationId: 'suspendInspector',
  tag: 'supervision',
  summary: 'Suspend or reinstate an inspector',
  description: 'R11: a suspended inspector is never drawn into a team. `suspended: false` reinstates him. The reason is kept in the audit trail.',
  rules: ['R11'],
  roles: rolesFor('manageInspectors'),
  scope: "A supervisor, his own province's inspectors (another province's is a 404, R01); ops any.",
  params: Params,
  body: SuspendBody,
  responses: { 200: { description: 'recorded', schema: Inspector }, 400: E[400], 401: E[401], 403: E[403], 404: { description: 'no such inspector in the caller\'s province' }, 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params, body, res }) {
    await ownInspector(principal, params.id, deps.pool);
    await fromDb('the inspector register', () => setInspectorSuspended(deps.pool, params.id, body.suspended, body.reason, actorOf(principal), new Date().toISOString(), requestIdOf(res)));
    return { status: 200, body: (await fromDb('the inspector register', () => findInspector(deps.pool, params.id)))! };
  },
});

const inspectorConflict = defineRoute({
  method: 'post',
  path: '/inspectors/:id/conflicts',
  operationId: 'recordInspectorConflict',
  tag: 'supervision',
  summary: "Record an inspector's conflict of interest",
  description: 'R11 (回避): the inspector is never drawn to inspect this enterprise. Recording the same pair again replaces the reason. Audited.',
  rules: ['R11'],
  roles: rolesFor('manageInspectors'),
  scope: "A supervisor, his own province's inspectors (another province's is a 404, R01); ops any.",
  params: Params,
  body: ConflictBody,
  responses: { 200: { description: 'recorded', schema: Inspector }, 400: E[400], 401: E[401], 403: E[403], 404: { description: 'no such inspector in the caller\'s province' }, 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params, body, res }) {
    await ownInspector(principal, params.id, deps.pool);
    await fromDb('the inspector register', () => recordInspectorConflict(deps.pool, params.id, body.uscc, body.reason, actorOf(principal), new Date().toISOString(), requestIdOf(res)));
    return { status: 200, body: (await fromDb('the inspector register', () => findInspector(deps.pool, params.id)))! };
  },
});

const listInspectorsRoute = defineRoute({
  method: 'get',
  path: '/inspectors',
  operationId: 'listInspectors',
  tag: 'supervision',
  summary: 'List inspectors',
  description: 'R11: the register with each inspector\'s suspension and conflicts of interest.',
  rules: ['R11'],
  roles: rolesFor('listInspectors'),
  scope: 'A supervisor lists his own province (asking for another is a 403, R01); ops any or all.',
  query: ListQuery,
  responses: { 200: { description: 'the register', schema: z.object({ province: z.string().nullable(), items: z.array(Inspector) }).strict() }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    let province = query.province;
    if (principal.role === 'supervisor') {
      if (province && province !== principal.province) throw new HttpProblem('forbidden', `a supervisor of ${principal.province} may not list inspectors of ${province} (R01)`);
      province = principal.province;
    }
    const items = await fromDb('the inspector register', () => listInspectors(deps.pool, province));
    return { status: 200, body: { province: province ?? null, items } };
  },
});

export const inspectorRoutes: AnyRoute[] = [addInspector, suspendInspector, inspectorConflict, listInspectorsRoute];
