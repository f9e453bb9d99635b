/**
 * R14: quality-risk signals. A supervisor records his province's (sent to SAMR through e-CQS);
 * SAMR passes on a signal about one of a province's licensees (from SAMR or another province),
 * which raises its grade (R17). Both go through the `riskSignalIntake` workflow, which records
 * the signal and runs R16's campaign detection for its product.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { ApplicationId, IsoDate, ProductIdSchema, ProvinceCode, Uscc } from '../../domain/approval/application';
import { rolesFor } from '../../domain/permissions';
import { riskSignalIntakeWorkflowId } from '../../domain/supervision/campaign';
import { Evidence, type NewRiskSignal, RiskSignalKind } from '../../domain/supervision/risk-signal';
import { shanghaiDate } from '../../domain/time';
import { listRiskSignals } from '../../db/risk-signals';
import type { Principal } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute, type RouteDeps } from '../route';
import { withTemporal } from '../temporal';
import { idempotencyKeyOf } from '../updates';
import { E } from './common';

const Text = (max: number) => z.string().trim().min(1).max(max);
const SignalFields = {
  product: ProductIdSchema,
  region: Text(100).describe('administrative region (city, district); the province when unknown'),
  kind: RiskSignalKind,
  source: Text(200).describe('where it came from, readable: "spot check SC-…", "hospital report", "province GD"'),
  summary: Text(2000),
  evidence: z.array(Evidence).max(20).describe('evidence by SHA-256'),
  occurredOn: IsoDate.describe('the day the failure or accident happened'),
};
const LocalBody = z
  .object({
    ...SignalFields,
    uscc: Uscc.optional().describe('the licensee of the province the signal is about, if any'),
    serious: z.boolean().optional().describe('R16: a serious quality-safety accident (kind `accident` only): starts a campaign for the product'),
  })
  .strict();
const ReceivedBody = z
  .object({
    ...SignalFields,
    province: ProvinceCode.describe("the province whose licensee the signal is about (the receiving province)"),
    uscc: Uscc.describe('the licensee it is about'),
    serious: z.boolean().optional(),
    reference: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{5,99}$/).describe("the sender's id of the signal (e.g. its e-CQS recordId): the same reference is recorded once"),
  })
  .strict();
const ListQuery = z
  .object({
    province: ProvinceCode.optional().describe('supervisors: their own (the default); samr and ops: required'),
    product: ProductIdSchema.optional(),
    uscc: Uscc.optional(),
    since: IsoDate.optional(),
    limit: z.string().regex(/^\d{1,3}$/).optional(),
  })
  .strict();
const Answer = z.record(z.string(), z.unknown());

function checkSignal(b: { kind: string; serious?: boolean; occurredOn: string }): void {
  const errors: { path: string; message: string }[] = [];
  if (b.serious && b.kind !== 'accident') errors.push({ path: 'serious', message: `only an accident is serious (R16); got kind ${b.kind}` });
  const today = shanghaiDate(Date.now());
  if (b.occurredOn > today) errors.push({ path: 'occurredOn', message: `a signal cannot occur in the future (today is ${today}); got ${b.occurredOn}` });
  if (errors.length) throw new HttpProblem('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}

/** R14: a signal about an enterprise names one that holds (or held) a licence of the province. */
async function assertLicensee(deps: RouteDeps, province: string, uscc: string): Promise<void> {
  const r = await fromDb('the licences', () => deps.pool.query('SELECT 1 FROM certificates WHERE uscc = $1 AND province = $2 LIMIT 1', [uscc, province]));
  if (!r.rowCount) throw new HttpProblem('validation', `the enterprise holds no licence of ${province}`, [{ path: 'uscc', message: `not a licensee of ${province}` }]);
}

/** Runs the intake workflow for the signal; the same key again answers with the first result (200). */
async function intake(deps: RouteDeps, s: NewRiskSignal): Promise<{ status: number; body: unknown }> {
  const workflowId = riskSignalIntakeWorkflowId(s.signalKey);
  return withTemporal(`risk signal ${s.signalKey}`, async () => {
    try {
      const result = await deps.client.workflow.execute('riskSignalIntake', { taskQueue: deps.taskQueue, workflowId, args: [s], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
      return { status: 201, body: result };
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      return { status: 200, body: await deps.client.workflow.getHandle(workflowId).result() };
    }
  });
}

const keyOf = (province: string, kind: 'L' | 'R', key: string) => `${province}-${kind}-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

const recordSignal = defineRoute({
  method: 'post',
  path: '/risk-signals',
  operationId: 'recordRiskSignal',
  tag: 'supervision',
  summary: 'Record a quality-risk signal',
  description:
    'R14: a failed test, an accident, a substantiated report, an inspection finding, per product and region, with source and evidence by hash. Sent to SAMR through e-CQS ' +
    '(record type `risk-signal`, schema 1.1, written with the signal). A named licensee\'s grade is recomputed (R17). R16: the product\'s failure rate is checked at once, and a ' +
    'serious accident starts a campaign. With an Idempotency-Key the same request records once (200 with the first answer).',
  rules: ['R14', 'R16', 'R17'],
  roles: rolesFor('recordRiskSignal'),
  scope: "The supervisor's own province.",
  headers: { 'Idempotency-Key': ApplicationId.describe('Idempotency-Key header (optional): the same key from the same supervisor records the signal once; a repeat returns the first answer (200)') },
  body: LocalBody,
  responses: { 201: { description: 'recorded', schema: Answer }, 200: { description: 'the same Idempotency-Key again: the first answer', schema: Answer }, 400: E[400], 401: E[401], 403: E[403], 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ req, deps, principal, body }) {
    const province = principal.province!;
    checkSignal(body);
    if (body.uscc) await assertLicensee(deps, province, body.uscc);
    const key = idempotencyKeyOf(req);
    const { serious, uscc, ...rest } = body;
    return intake(deps, {
      ...rest,
      ...(uscc ? { uscc } : {}),
      ...(serious ? { serious } : {}),
      signalKey: keyOf(province, 'L', key ? `${principal.sub}|${key}` : randomUUID()),
      province,
      origin: 'local',
      recordedBy: principal.sub,
    });
  },
});

const receiveSignal = defineRoute({
  method: 'post',
  path: '/samr/risk-signals',
  operationId: 'receiveRiskSignal',
  tag: 'samr',
  summary: "Pass on a risk signal about a province's licensee",
  description:
    "R14: SAMR passes on a signal (its own, or another province's e-CQS `risk-signal` record) about a licensee of `province`. Recorded there as received (not sent back to SAMR); " +
    "it raises the licensee's grade (R17) and counts towards R16's thresholds. The same `reference` is recorded once (200 with the first answer).",
  rules: ['R14', 'R16', 'R17'],
  roles: rolesFor('receiveRiskSignal'),
  scope: 'SAMR, about any province\'s licensee.',
  body: ReceivedBody,
  responses: { 201: { description: 'recorded', schema: Answer }, 200: { description: 'the same reference again: the first answer', schema: Answer }, 400: E[400], 401: E[401], 403: E[403], 413: E[413], 415: E[415], 422: E[422], 503: E[503] },
  async handler({ deps, principal, body }) {
    checkSignal(body);
    await assertLicensee(deps, body.province, body.uscc);
    const { reference, serious, ...rest } = body;
    return intake(deps, { ...rest, ...(serious ? { serious } : {}), signalKey: keyOf(body.province, 'R', reference), origin: 'received', recordedBy: principal.sub });
  },
});

function provinceOf(p: Principal, asked: string | undefined): string {
  if (p.role === 'supervisor') {
    if (asked && asked !== p.province) throw new HttpProblem('forbidden', `a supervisor of ${p.province} may not read signals of ${asked} (R01)`);
    return p.province!;
  }
  if (!asked) throw new HttpProblem('validation', 'name the province', [{ path: 'province', message: `required for ${p.role}` }]);
  return asked;
}

const listSignals = defineRoute({
  method: 'get',
  path: '/risk-signals',
  operationId: 'listRiskSignals',
  tag: 'supervision',
  summary: "List a province's risk signals",
  description: 'R14: newest first, local and received, optionally for one product, one enterprise, since a day.',
  rules: ['R14'],
  roles: rolesFor('readRiskSignals'),
  scope: "A supervisor, his own province (another is a 403, R01); samr and ops name the province.",
  query: ListQuery,
  responses: { 200: { description: 'signals', schema: z.object({ items: z.array(Answer) }).strict() }, 401: E[401], 403: E[403], 422: E[422], 503: E[503] },
  async handler({ deps, principal, query }) {
    const province = provinceOf(principal, query.province);
    const items = await fromDb('the risk signals', () =>
      listRiskSignals(deps.pool, { province, product: query.product, uscc: query.uscc, since: query.since, limit: query.limit ? Math.min(500, Number(query.limit)) : 100 }),
    );
    return { status: 200, body: { items } };
  },
});

export const riskSignalRoutes: AnyRoute[] = [recordSignal, listSignals, receiveSignal];
