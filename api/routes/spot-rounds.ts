/**
 * R15: spot-check rounds. A supervisor plans one for a product of his province: the enterprises
 * drawn at random by risk grade as in R11 (seed, population, rates and result kept, so the draw
 * can be re-run), or named. The round's workflow `spot-round/<id>` draws and starts one spot
 * check per enterprise.
 */
import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { ProductIdSchema, Uscc } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import { riskPolicyInForce } from '../../domain/supervision/risk-policy';
import { SPOT_ROUND_WORKFLOW_TYPE, spotRoundWorkflowId } from '../../domain/supervision/spot-check';
import { shanghaiDate } from '../../domain/time';
import { inspecteesOf } from '../../db/risk-grades';
import { findRound, insertRound, listSpotChecks } from '../../db/spot-checks';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import { withTemporal } from '../temporal';
import { E } from './common';

const RoundId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/, '3-64 letters, digits, dot, dash, underscore');
const Rate = z.number().min(0, 'a draw rate is between 0 and 1').max(1, 'a draw rate is between 0 and 1');
const PlanBody = z
  .object({
    id: RoundId,
    product: ProductIdSchema,
    usccs: z.array(Uscc).min(1).max(500).meta({ uniqueItems: true }).optional().describe('the enterprises named; when omitted they are drawn at random by risk grade (R11, R17)'),
    seed: z.string().trim().min(1).max(100).optional().describe('the draw\'s seed (default: random); kept with the draw so it can be re-run'),
    rates: z.object({ A: Rate, B: Rate, C: Rate, D: Rate }).partial().strict().optional().describe('draw rates per grade; the policy defaults for those omitted'),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.usccs && (b.seed !== undefined || b.rates !== undefined)) ctx.addIssue({ code: 'custom', path: ['usccs'], message: 'named enterprises are not drawn: give either usccs, or seed and rates' });
    if (b.usccs && new Set(b.usccs).size !== b.usccs.length) ctx.addIssue({ code: 'custom', path: ['usccs'], message: 'an enterprise is named twice' });
  })
  // What the refinement enforces, in the document: named enterprises are not drawn (no seed or rates with usccs).
  .meta({ not: { anyOf: [{ required: ['usccs', 'seed'] }, { required: ['usccs', 'rates'] }] } });
const Params = z.object({ id: RoundId.meta({ examples: ['BJ-SR-2026-1'] }) }).strict();
const RoundView = z.record(z.string(), z.unknown());
const ROUND_LINKS = { to: '/spot-rounds/:id', parameters: { id: '$response.body#/id' } };

const planRound = defineRoute({
  method: 'post',
  path: '/spot-rounds',
  operationId: 'planSpotCheckRound',
  tag: 'supervision',
  summary: 'Plan a spot-check round',
  description:
    'R15: a round of spot checks (监督抽查) of one product in the supervisor\'s province: the enterprises named, or drawn at random by risk grade as in R11. ' +
    'Starts `spot-round/<id>`, which stores the draw and starts one spot check per enterprise (`spot-check/<id>-<uscc>`). The same id again returns the round (200).',
  rules: ['R15', 'R11', 'R17'],
  roles: rolesFor('planSpotChecks'),
  scope: "A supervisor, for his own province; a named enterprise must hold a licence of the province for the product (otherwise a 422 naming it).",
  body: PlanBody,
  responses: { 201: { description: 'planned', schema: RoundView, links: ROUND_LINKS }, 200: { description: 'already planned', schema: RoundView, links: ROUND_LINKS }, 400: E[400], 401: E[401], 403: E[403], 404: E[404], 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ deps, principal, body }) {
    const province = principal.province!;
    const today = shanghaiDate(Date.now());
    if (body.usccs) {
      const licensees = new Set(await fromDb('the certificates', () => inspecteesOf(deps.pool, province, today, [body.product])));
      const errors = body.usccs.flatMap((u, i) => (licensees.has(u) ? [] : [{ path: `usccs.${i}`, message: `${u} holds no licence of ${province} for ${body.product}` }]));
      if (errors.length) throw new HttpProblem('validation', `a spot check is of a licensee of ${province} for ${body.product}`, errors);
    }
    const rates = body.usccs ? undefined : { ...riskPolicyInForce(today).drawRates, ...body.rates };
    const created = await fromDb('the spot-check rounds', () =>
      insertRound(deps.pool, {
        id: body.id,
        province,
        product: body.product,
        mode: body.usccs ? 'named' : 'drawn',
        ...(body.usccs ? { named: body.usccs } : { seed: body.seed ?? randomBytes(16).toString('hex'), rates }),
        plannedBy: principal.sub,
      }),
    );
    const round = (await fromDb('the spot-check rounds', () => findRound(deps.pool, body.id)))!;
    if (round.province !== province) throw new HttpProblem('not-found', `spot-check round ${body.id} not found`);
    await withTemporal(`spot-check round ${body.id}`, () =>
      // The same round again (200) starts nothing: a round that ran is never run again, only one that failed.
      deps.client.workflow
        .start(SPOT_ROUND_WORKFLOW_TYPE, {
          taskQueue: deps.taskQueue,
          workflowId: spotRoundWorkflowId(body.id),
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          args: [{ roundId: body.id, province }],
        })
        .catch((e: unknown) => {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      }),
    );
    return { status: created ? 201 : 200, body: { ...round, workflowId: spotRoundWorkflowId(body.id) }, headers: { Location: `/spot-rounds/${encodeURIComponent(body.id)}` } };
  },
});

const getRound = defineRoute({
  method: 'get',
  path: '/spot-rounds/:id',
  operationId: 'getSpotCheckRound',
  tag: 'supervision',
  summary: 'Read a spot-check round with its draw',
  description: 'R15: how the enterprises were chosen (named, or the draw: seed, population with grades, rates, result, which re-run to the same answer) and its spot checks.',
  rules: ['R15', 'R11'],
  roles: rolesFor('readSpotRounds'),
  scope: "A supervisor, his own province's (another's is a 404, R01); ops any.",
  params: Params,
  responses: { 200: { description: 'the round', schema: RoundView }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, principal, params }) {
    const round = await fromDb('the spot-check rounds', () => findRound(deps.pool, params.id));
    if (!round || (principal.role === 'supervisor' && round.province !== principal.province)) throw new HttpProblem('not-found', `spot-check round ${params.id} not found`);
    const spotChecks = await fromDb('the spot checks', () => listSpotChecks(deps.pool, { roundId: round.id }, 10_000));
    return { status: 200, body: { ...round, spotChecks } };
  },
});

export const spotRoundRoutes: AnyRoute[] = [planRound, getRound];
