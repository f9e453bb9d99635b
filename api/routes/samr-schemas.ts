/** R06: request and response schemas of SAMR's random-check routes (api/routes/samr.ts). */
import { z } from 'zod';
import { ApplicationId, ProvinceCode } from '../../domain/approval/application';
import { AnswerFindingInput, CheckResult } from '../../domain/samr/findings';

export { CheckResultBody } from '../../domain/samr/findings';
export const AnswerFindingBody = AnswerFindingInput.omit({ actor: true });

const Limit = z
  .string()
  .regex(/^\d{1,3}$/, 'expected an integer 1-200')
  .refine((v) => Number(v) >= 1 && Number(v) <= 200, 'expected an integer 1-200')
  // A query value is text; the document says which text: a decimal integer 1-200 (as ListQuery).
  .meta({ type: 'integer', minimum: 1, maximum: 200, pattern: undefined });

export const DrawsQuery = z
  .object({
    province: ProvinceCode.optional(),
    limit: Limit.optional().describe('at most this many (draw, province) rows, newest first (default 100, max 200)'),
  })
  .strict();

export const FindingsQuery = z
  .object({
    province: ProvinceCode.optional().describe('a supervisor may only give the own province (R01); it is applied when omitted'),
    status: z.enum(['open', 'answered']).optional(),
    overdue: z.enum(['true', 'false']).optional().describe('true: not answered within the limit'),
    limit: Limit.optional().describe('at most this many, soonest due first (default 100, max 200)'),
  })
  .strict();

export const SamrCaseParams = z.object({ id: ApplicationId.meta({ examples: ['BJ-2026-000001'] }) }).strict();

export const Draw = z.object({
  drawKey: z.string(),
  province: z.string(),
  seed: z.string().describe('re-run the draw with this seed over this population to get the same sample'),
  algorithm: z.string(),
  windowFrom: z.string(),
  windowTo: z.string(),
  rate: z.number(),
  minPerProvince: z.number().int(),
  populationSize: z.number().int(),
  population: z.array(z.string()).describe('the application ids the draw was made from, sorted'),
  sample: z.array(z.object({ applicationId: z.string(), result: CheckResult.nullable() })).describe('the drawn cases in draw order, each with its check result so far'),
  drawnAt: z.string(),
});
export const DrawList = z.object({ count: z.number().int(), items: z.array(Draw) });

export const CheckResponse = z.object({
  applicationId: z.string(),
  province: z.string(),
  drawKey: z.string(),
  result: CheckResult,
  findings: z.string().nullable(),
  recordedBy: z.string(),
  recordedAt: z.string(),
  finding: z.object({ findingId: z.string(), workflowId: z.string(), link: z.string() }).nullable().describe('the task opened for the province (non-conforming only)'),
});

const Answer = z.object({ response: z.string(), measures: z.string(), by: z.string(), at: z.string(), inTime: z.boolean() });
export const Finding = z.object({
  findingId: z.string().describe('the application id of the checked case'),
  workflowId: z.string(),
  applicationId: z.string(),
  province: z.string(),
  drawKey: z.string(),
  findings: z.string(),
  openedAt: z.string(),
  openedBy: z.string(),
  status: z.enum(['open', 'answered']),
  limit: z.object({ n: z.number().int(), unit: z.enum(['working-days', 'days']) }),
  dueAt: z.string().nullable(),
  dueDate: z.string().nullable(),
  overdue: z.boolean(),
  remindedAt: z.string().nullable(),
  escalatedAt: z.string().nullable(),
  answer: Answer.nullable(),
});
export const FindingList = z.object({ count: z.number().int(), items: z.array(Finding) });

export const AuditLine = z.object({ at: z.string(), action: z.string(), by: z.string().nullable(), role: z.string().nullable(), reason: z.string().nullable(), details: z.record(z.string(), z.unknown()) });
export const FindingDetail = Finding.extend({ history: z.array(AuditLine) });

export const DrawnCaseResponse = z.object({
  case: z.object({
    applicationId: z.string(),
    province: z.string(),
    uscc: z.string(),
    enterpriseName: z.string(),
    product: z.string(),
    applicationType: z.string(),
    policyVersion: z.string().nullable(),
    path: z.string().nullable(),
    decision: z.string().nullable(),
    decidedAt: z.string().nullable(),
    certificate: z.object({ number: z.string(), status: z.string(), issuedOn: z.string(), validUntil: z.string() }).nullable(),
    draws: z.array(z.object({ drawKey: z.string(), seed: z.string(), drawnAt: z.string() })),
  }),
  check: CheckResponse.nullable(),
  finding: Finding.nullable(),
  history: z.array(AuditLine),
});
