/** The laboratory register (R15): add, suspend and list the province's testing laboratories; record who owns one or is conflicted with it. */
import { z } from 'zod';
import { ProvinceCode, Uscc } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import { LAB_RELATIONS, type LaboratoryRecord } from '../../domain/supervision/laboratories';
import { findLaboratory, listLaboratories, recordLaboratoryLink, setLaboratorySuspended, upsertLaboratory } from '../../db/laboratories';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import { requestIdOf } from '../security';
import { E } from './common';

const LaboratoryId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash, underscore; at most 64');
const Params = z.object({ id: LaboratoryId.meta({ examples: ['LAB-BJ-001'] }) }).strict();
const AddBody = z
  .object({
    id: LaboratoryId,
    name: z.string().trim().min(1).max(200),
    province: ProvinceCode.describe('the province whose register it is in; a supervisor adds to his own province only'),
  })
  .strict();
const SuspendBody = z.object({ suspended: z.boolean(), reason: z.string().trim().min(3).max(1000) }).strict();
const LinkBody = z
  .object({
    uscc: Uscc,
    relation: z.enum(LAB_RELATIONS).describe('`owned-by`: the enterprise owns the laboratory; `conflicted`: another conflict of interest. Either way it never tests that enterprise\'s samples'),
    reason: z.string().trim().min(3).max(1000),
  })
  .strict();
const Laboratory = z
  .object({
    id: z.string(),
    name: z.string(),
    province: z.string(),
    suspended: z.boolean(),
    links: z.array(z.object({ uscc: z.string(), relation: z.enum(LAB_RELATIONS), reason: z.string() }).strict()),
  })
  .strict();
const ListQuery = z.object({ province: ProvinceCode.optional().describe('supervisors: their own province (the default); ops: any, or all when omitted') }).strict();
const LABORATORY_LINKS = { to: '/laboratories/:id', parameters: { id: '$response.body#/id' } };
const WRITE_RESPONSES = { 400: E[400], 401: E[401], 403: E[403], 404: { description: "no such laboratory in the caller's province" }, 413: E[413], 415: E[415], 422: E[422], 503: E[503] };

/** A supervisor keeps his own province's register; another province's laboratory is answered as not found (R01). */
async function ownLaboratory(p: Principal, id: string, pool: Parameters<typeof findLaboratory>[0]): Promise<LaboratoryRecord> {
  const found = await fromDb('the laboratory register', () => findLaboratory(pool, id));
  if (!found || (p.role === 'supervisor' && found.province !== p.province)) throw new HttpProblem('not-found', `laboratory ${id} not found`);
  return found;
}

const addLaboratory = defineRoute({
  method: 'post',
  path: '/laboratories',
  operationId: 'addLaboratory',
  tag: 'supervision',
  summary: 'Add a laboratory to the register',
  description: 'R15: adds (or renames) a testing laboratory of the province, which may then test spot-check samples. Audited.',
  rules: ['R15'],
  roles: rolesFor('manageLaboratories'),
  scope: 'A supervisor adds laboratories of his own province only (another province is a 422 naming `province`); ops any.',
  body: AddBody,
  responses: { 201: { description: 'added', schema: Laboratory, links: LABORATORY_LINKS }, 200: { description: 'an existing laboratory renamed', schema: Laboratory, links: LABORATORY_LINKS }, ...WRITE_RESPONSES },
  async handler({ deps, principal, body, res }) {
    if (principal.role === 'supervisor' && body.province !== principal.province) {
      throw new HttpProblem('validation', `a supervisor of ${principal.province} adds laboratories of ${principal.province} only (R01)`, [
        { path: 'province', message: `must be ${principal.province}, the supervisor's own province; got ${body.province}` },
      ]);
    }
    const existing = await fromDb('the laboratory register', () => findLaboratory(deps.pool, body.id));
    if (existing && existing.province !== body.province) {
      if (principal.role === 'supervisor') throw new HttpProblem('not-found', `laboratory ${body.id} not found`);
      throw new HttpProblem('validation', `laboratory ${body.id} belongs to ${existing.province}`, [{ path: 'province', message: `laboratory ${body.id} is registered in ${existing.province}` }]);
    }
    const created = await fromDb('the laboratory register', () => upsertLaboratory(deps.pool, body, actorOf(principal), requestIdOf(res)));
    const record = (await fromDb('the laboratory register', () => findLaboratory(deps.pool, body.id)))!;
    return { status: created ? 201 : 200, body: record, headers: { Location: `/laboratories/${encodeURIComponent(body.id)}` } };
  },
});

const suspendLaboratory = defineRoute({
  method: 'post',
  path: '/laboratories/:id/suspension',
  operationId: 'suspendLaboratory',
  tag: 'supervision',
  summary: 'Suspend or reinstate a laboratory',
  description: 'R15: a suspended laboratory is never assigned a sample. `suspended: false` reinstates it. The reason is kept in the audit trail.',
  rules: ['R15'],
  roles: rolesFor('manageLaboratories'),
  scope: "A supervisor, his own province's laboratories (another province's is a 404, R01); ops any.",
  params: Params,
  scopeCheck: async ({ deps, principal, params }) => void (await ownLaboratory(principal, params.id, deps.pool)),
  body: SuspendBody,
  responses: { 200: { description: 'recorded', schema: Laboratory }, ...WRITE_RESPONSES },
  async handler({ deps, principal, params, body, res }) {
    await ownLaboratory(principal, params.id, deps.pool);
    await fromDb('the laboratory register', () => setLaboratorySuspended(deps.pool, params.id, body.suspended, body.reason, actorOf(principal), requestIdOf(res)));
    return { status: 200, body: (await fromDb('the laboratory register', () => findLaboratory(deps.pool, params.id)))! };
  },
});

const laboratoryLink = defineRoute({
  method: 'post',
  path: '/laboratories/:id/links',
  operationId: 'recordLaboratoryLink',
  tag: 'supervision',
  summary: 'Record that an enterprise owns a laboratory or that it is conflicted',
  description: "R15: the laboratory never tests this enterprise's spot-check samples (assigning it is a 422 naming the conflict). Recording the same pair again replaces it. Audited.",
  rules: ['R15'],
  roles: rolesFor('manageLaboratories'),
  scope: "A supervisor, his own province's laboratories (another province's is a 404, R01); ops any.",
  params: Params,
  scopeCheck: async ({ deps, principal, params }) => void (await ownLaboratory(principal, params.id, deps.pool)),
  body: LinkBody,
  responses: { 200: { description: 'recorded', schema: Laboratory }, ...WRITE_RESPONSES },
  async handler({ deps, principal, params, body, res }) {
    await ownLaboratory(principal, params.id, deps.pool);
    await fromDb('the laboratory register', () => recordLaboratoryLink(deps.pool, params.id, body, actorOf(principal), requestIdOf(res)));
    return { status: 200, body: (await fromDb('the laboratory register', () => findLaboratory(deps.pool, params.id)))! };
  },
});

const listLaboratoriesRoute = defineRoute({
  method: 'get',
  path: '/laboratories',
  operationId: 'listLaboratories',
  tag: 'supervision',
  summary: 'List laboratories',
  description: 'R15: the register with each laboratory\'s suspension and the enterprises that own it or that it is conflicted with.',
  rules: ['R15'],
  roles: rolesFor('listLaboratories'),
  scope: 'A supervisor lists his own province (asking for another is a 403, R01); ops any or all.',
  query: ListQuery,
  responses: { 200: { description: 'the register', schema: z.object({ province: z.string().nullable(), items: z.array(Laboratory) }).strict() }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    let province = query.province;
    if (principal.role === 'supervisor') {
      if (province && province !== principal.province) throw new HttpProblem('forbidden', `a supervisor of ${principal.province} may not list laboratories of ${province} (R01)`);
      province = principal.province;
    }
    const items = await fromDb('the laboratory register', () => listLaboratories(deps.pool, province));
    return { status: 200, body: { province: province ?? null, items } };
  },
});

export const laboratoryRoutes: AnyRoute[] = [addLaboratory, suspendLaboratory, laboratoryLink, listLaboratoriesRoute];
