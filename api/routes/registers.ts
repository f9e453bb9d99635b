/** The verifier register (R10, L06): certify a verifier, record a conflict of interest. */
import { rolesFor } from '../../domain/permissions';
import { shanghaiDate } from '../../domain/time';
import { findVerifier, recordConflict, upsertVerifier } from '../../db/registers';
import { auditRegisterChange } from '../../db/register-audit';
import { inTransaction } from '../../db/tx';
import { requestIdOf } from '../security';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import * as S from '../schemas';
import { E } from './common';

// ---- verifier registry (R10) --------------------------------------------------------------------
const VERIFIER_LINKS = { to: '/verifiers/:id', parameters: { id: '$response.body#/id' } };

const certifyVerifier = defineRoute({
  method: 'post',
  path: '/verifiers',
  operationId: 'certifyVerifier',
  tag: 'authority',
  summary: 'Certify a verifier',
  description:
    'R10: records (or updates) a verifier\'s certification by the province that trained and assessed him; a certified verifier may inspect in every province ' +
    'until the certification ends. Unknown, expired, not-yet-valid or suspended verifiers are refused when a team is assigned.',
  rules: ['R10', 'L06'],
  roles: rolesFor('certifyVerifier'),
  scope: "A supervisor certifies for their own province only, and may not change another province's verifier; ops any.",
  body: S.CertifyVerifierBody,
  responses: {
    201: { description: 'certified: a new verifier in the registry', schema: S.VerifierResponse, links: VERIFIER_LINKS },
    200: { description: 'an existing verifier\'s record updated', schema: S.VerifierResponse, links: VERIFIER_LINKS },
    400: E[400],
    401: E[401],
    403: { description: "a supervisor certifying for another province, or changing another province's verifier (R01)" },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ deps, principal, body, res }) {
    if (principal.role === 'supervisor' && body.certifiedBy !== principal.province) {
      throw new HttpProblem('forbidden', `a supervisor of ${principal.province} certifies verifiers for ${principal.province} only, not ${body.certifiedBy} (R01, R10)`);
    }
    const existing = await fromDb('the verifier registry', () => findVerifier(deps.pool, body.id));
    if (existing && principal.role === 'supervisor' && existing.certifiedBy !== principal.province) {
      throw new HttpProblem('forbidden', `verifier ${body.id} is certified by ${existing.certifiedBy}: only that province (or ops) may change the record (R01, R10)`);
    }
    const actor = { id: principal.sub, role: principal.role };
    const certifiedOn = body.certifiedOn ?? shanghaiDate(Date.now());
    if (body.certifiedUntil < certifiedOn) {
      throw new HttpProblem('validation', 'the certification ends before it starts', [{ path: 'certifiedUntil', message: `ends before certifiedOn (${certifiedOn})` }]);
    }
    const record = { id: body.id, name: body.name, certifiedBy: body.certifiedBy, certifiedOn, certifiedUntil: body.certifiedUntil, suspended: body.suspended ?? false };
    // The change and its audit row commit together; `before` is read again under the row lock.
    await fromDb('the verifier registry', () =>
      inTransaction(deps.pool, async (c) => {
        await c.query('SELECT 1 FROM verifiers WHERE id = $1 FOR UPDATE', [body.id]);
        const before = await findVerifier(c, body.id);
        await upsertVerifier(c, record);
        await auditRegisterChange(c, { register: 'verifiers', subjectId: body.id, action: before ? 'updated' : 'certified', actor, before, after: record, requestId: requestIdOf(res) });
      }),
    );
    return { status: existing ? 200 : 201, body: { ...record, created: !existing }, headers: { Location: `/verifiers/${encodeURIComponent(body.id)}` } };
  },
});

const verifierConflict = defineRoute({
  method: 'post',
  path: '/verifiers/:id/conflicts',
  operationId: 'recordVerifierConflict',
  tag: 'authority',
  summary: 'Record a conflict of interest',
  description:
    'A verifier never inspects an enterprise he is recorded as conflicted with (R10): teams naming him for that enterprise are refused. ' +
    'Recording the same pair again replaces the reason.',
  rules: ['R10', 'L06'],
  roles: rolesFor('recordConflict'),
  scope: "Any province's supervisor: verifiers inspect in every province (R10), and a conflict only narrows who may inspect.",
  params: S.VerifierParams,
  body: S.ConflictBody,
  responses: {
    200: { description: 'recorded', schema: S.ConflictResponse },
    400: E[400],
    401: E[401],
    403: E[403],
    404: { description: 'no such verifier in the registry' },
    413: E[413],
    415: E[415],
    422: E[422],
    503: E[503],
  },
  async handler({ deps, params, body, principal, res }) {
    if (!(await fromDb('the verifier registry', () => findVerifier(deps.pool, params.id)))) throw new HttpProblem('not-found', `verifier ${params.id} is not in the registry (R10)`);
    await fromDb('the verifier registry', () =>
      inTransaction(deps.pool, async (c) => {
        const prior = await c.query<{ reason: string }>('SELECT reason FROM verifier_conflicts WHERE verifier_id = $1 AND uscc = $2 FOR UPDATE', [params.id, body.uscc]);
        await recordConflict(c, params.id, body.uscc, body.reason);
        await auditRegisterChange(c, {
          register: 'verifier-conflicts',
          subjectId: params.id,
          action: prior.rows[0] ? 'conflict-updated' : 'conflict-recorded',
          actor: { id: principal.sub, role: principal.role },
          before: prior.rows[0] ? { uscc: body.uscc, reason: prior.rows[0].reason } : undefined,
          after: { uscc: body.uscc, reason: body.reason },
          requestId: requestIdOf(res),
        });
      }),
    );
    return { status: 200, body: { verifierId: params.id, uscc: body.uscc, reason: body.reason } };
  },
});

export const registerRoutes: AnyRoute[] = [certifyVerifier, verifierConflict];
