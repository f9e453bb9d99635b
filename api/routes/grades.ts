/** R17: an enterprise's risk grade with its reasons, and a supervisor's override with a written reason. */
import { z } from 'zod';
import { IsoDate, ProvinceCode, Uscc } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import { computeRiskGrade, effectiveGrade } from '../../domain/supervision/risk-grade';
import { RISK_GRADES, riskPolicyInForce } from '../../domain/supervision/risk-policy';
import { shanghaiDate } from '../../domain/time';
import { findRiskGrade, gatherRiskFacts, insertOverride, latestOverride } from '../../db/risk-grades';
import { appendSupervisionAudit } from '../../db/supervision-audit';
import { inTransaction } from '../../db/tx';
import { actorOf, type Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import { E } from './common';

const Params = z.object({ uscc: Uscc }).strict();
const Query = z.object({ province: ProvinceCode.optional().describe('ops name the province; supervisors read their own') }).strict();
const OverrideBody = z
  .object({
    grade: z.enum(RISK_GRADES),
    reason: z.string().trim().min(10, 'a written reason of at least 10 characters').max(2000),
    until: IsoDate.describe('last day the override applies; the computed grade applies again after it'),
  })
  .strict();

function provinceOf(p: Principal, asked: string | undefined): string {
  if (p.role === 'supervisor') {
    if (asked && asked !== p.province) throw new HttpProblem('forbidden', `a supervisor of ${p.province} may not read grades of ${asked} (R01)`);
    return p.province!;
  }
  if (!asked) throw new HttpProblem('validation', 'name the province', [{ path: 'province', message: 'required for ops' }]);
  return asked;
}

const getGrade = defineRoute({
  method: 'get',
  path: '/grades/:uscc',
  operationId: 'getRiskGrade',
  tag: 'supervision',
  summary: "Read an enterprise's risk grade",
  description:
    'R17: the stored grade (recomputed whenever a fact is recorded and nightly) with its score, reasons, the facts it used and the policy version, the override on record, ' +
    'and the grade in force today. Not yet stored: computed now from the facts on record (`stored: false`).',
  rules: ['R17'],
  roles: rolesFor('readGrades'),
  scope: "A supervisor, his own province's enterprises (asking for another province is a 403, R01); ops name the province.",
  params: Params,
  query: Query,
  responses: { 200: { description: 'the grade', schema: z.record(z.string(), z.unknown()) }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params, query }) {
    const province = provinceOf(principal, query.province);
    const today = shanghaiDate(Date.now());
    const stored = await fromDb('the grades', () => findRiskGrade(deps.pool, params.uscc, province));
    const grade = stored ?? { ...computeRiskGrade(await fromDb('the grades', () => gatherRiskFacts(deps.pool, params.uscc, province, today)), riskPolicyInForce(today)), uscc: params.uscc, province, override: await fromDb('the grades', () => latestOverride(deps.pool, params.uscc, province)) };
    const inForce = effectiveGrade(grade.grade, grade.override, today);
    return { status: 200, body: { ...grade, stored: Boolean(stored), inForce: { ...inForce, on: today } } };
  },
});

const overrideGrade = defineRoute({
  method: 'post',
  path: '/grades/:uscc/override',
  operationId: 'overrideRiskGrade',
  tag: 'supervision',
  summary: "Override an enterprise's risk grade",
  description: "R17: a supervisor sets the grade until a date, with a written reason; kept with who and when, audited. Draws use it while it is in force.",
  rules: ['R17'],
  roles: rolesFor('overrideGrade'),
  scope: "The supervisor's own province.",
  params: Params,
  body: OverrideBody,
  responses: { 201: { description: 'recorded', schema: z.record(z.string(), z.unknown()) }, 400: E[400], 401: E[401], 403: E[403], 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params, body }) {
    const province = principal.province!;
    const today = shanghaiDate(Date.now());
    if (body.until < today) throw new HttpProblem('validation', 'the override would already have ended', [{ path: 'until', message: `today is ${today}; got ${body.until}` }]);
    const at = new Date().toISOString();
    const o = { grade: body.grade, reason: body.reason, by: principal.sub, at, until: body.until };
    await fromDb('the grades', () =>
      inTransaction(deps.pool, async (c) => {
        await insertOverride(c, params.uscc, province, o);
        await appendSupervisionAudit(c, { eventKey: `grade-override|${province}|${params.uscc}|${at}`, action: 'risk-grade-overridden', actor: actorOf(principal), reason: body.reason, details: { uscc: params.uscc, province, grade: body.grade, until: body.until }, occurredAt: at });
      }),
    );
    return { status: 201, body: { uscc: params.uscc, province, override: o } };
  },
});

export const gradeRoutes: AnyRoute[] = [getGrade, overrideGrade];
