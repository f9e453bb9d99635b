/**
 * The application as an enterprise submits it (R05: fully online, documents by content hash).
 * One schema, used by the API to reject bad input before a workflow starts and by the
 * workflow as its input type.
 */
import { z } from 'zod';
import { parseCivilDate, parseInstant } from '../calendar/civil';
import { CalendarInputError } from '../calendar/errors';
import { PRODUCT_IDS, PRODUCTS, policyInForce, routeApplication, type PolicyVersion } from '../policy';
import { PROVINCE_CODES } from '../provinces';
import { usccProblem } from '../uscc';

/**
 * Why `value` is not a real civil date `YYYY-MM-DD` (2026-02-30 is not), or undefined when it is.
 * The calendar's own parser, so every date the API or a workflow accepts is one the calendar and
 * PostgreSQL accept too: a message a workflow cannot act on is refused up front, never retried.
 */
export function civilDateProblem(value: unknown): string | undefined {
  return problemOf(() => parseCivilDate(value, 'date'));
}

/** Why `value` is not an ISO 8601 instant with an explicit offset and a real date, or undefined. */
export function instantProblem(value: unknown): string | undefined {
  return problemOf(() => parseInstant(value, 'instant'));
}

function problemOf(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (e) {
    if (e instanceof CalendarInputError) return e.message;
    throw e;
  }
}

// What the calendar's parser accepts, as plain ECMA-262 patterns for the OpenAPI document (the
// runtime checks are the parser's; test/unit/openapi-fuzz.test.ts holds the two to each other):
// a real date, years 1000-9999; an instant with seconds, at most 9 fraction digits and an offset
// within ±14:59.
const LEAP_YEAR = '(?:[1-9]\\d(?:[2468][048]|[13579][26]|0[48])|(?:[2468][048]|[13579][26])00)';
const DATE_BODY =
  `(?:${LEAP_YEAR}-02-29|[1-9]\\d{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8])))`;
export const DATE_PATTERN = new RegExp(`^${DATE_BODY}$`);
export const INSTANT_PATTERN = new RegExp(`^${DATE_BODY}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,9})?(?:Z|[+-](?:0\\d|1[0-4]):[0-5]\\d)$`);

export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .superRefine((v, ctx) => {
    const problem = /^\d{4}-\d{2}-\d{2}$/.test(v) ? civilDateProblem(v) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ format: 'date', pattern: DATE_PATTERN.source });
export const IsoInstant = z.iso
  .datetime({ offset: true })
  .superRefine((v, ctx) => {
    const problem = instantProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ format: 'date-time', pattern: INSTANT_PATTERN.source });

/** The check character (GB 32100-2015) is beyond a pattern: the document names the alphabet and the length. */
export const Uscc = z
  .string()
  .superRefine((v, ctx) => {
    const problem = usccProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `not a valid unified social credit code: ${problem}` });
  })
  .meta({
    pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$',
    description: 'unified social credit code: 18 characters of 0-9 A-H J-N P Q R T U W X Y, the last a check character (GB 32100-2015)',
    examples: ['91110000MA01ABCDEX'],
  });

export const ProvinceCode = z.enum(PROVINCE_CODES);
export const ProductIdSchema = z.enum(PRODUCT_IDS, {
  error: (iss) => `unknown product '${String(iss.input)}'; known: ${PRODUCT_IDS.join(', ')}`,
});

export const DOCUMENT_TYPES = ['business-licence', 'inspection-report', 'quality-manual', 'investment-filing', 'commitment', 'process-description', 'other'] as const;

/**
 * R05: document types that exist only on paper (originals, stamped or notarised copies, items
 * handed in at a counter or by post). The application is fully online, so these are refused with
 * a reason rather than as an unknown type.
 */
export const PAPER_ONLY_DOCUMENT_TYPES: readonly string[] = ['paper', 'paper-original', 'paper-copy', 'original', 'stamped-copy', 'notarised-copy', 'notarized-copy', 'counter-submission', 'postal-submission'];

/** R05: every document is an electronic file referenced by the SHA-256 of its content; no paper-only type. */
export const DocumentRef = z
  .object({
    name: z.string().min(1).max(200),
    type: z.enum(DOCUMENT_TYPES, {
      error: (iss) =>
        typeof iss.input === 'string' && PAPER_ONLY_DOCUMENT_TYPES.includes(iss.input.toLowerCase())
          ? `'${iss.input}' is a paper-only document type: applications are fully online, with no paper materials (R05); upload the document as a file and reference it by the SHA-256 of its content`
          : `unknown document type '${String(iss.input)}'; known: ${DOCUMENT_TYPES.join(', ')}`,
    }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256 of the document content: every document is referenced by its hash (R05)'),
  })
  .strict();

export const Commitment = z
  .object({
    signedBy: z.string().min(1).max(100),
    signedAt: IsoInstant,
    /** SHA-256 of the signed statement's text, so the exact wording is provable later. */
    statementSha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export const Capacity = z
  .object({ value: z.number().positive().max(1e9), unit: z.enum(['t/year', 'units/year', 'pieces/year']) })
  .strict();

/** R03: the investment-project filing (备案) or approval (核准) of the production line. */
export const InvestmentFiling = z
  .object({
    kind: z.enum(['filing', 'approval']),
    authority: z.string().min(2).max(200),
    number: z.string().min(2).max(100),
    date: IsoDate,
    approvedCapacity: Capacity,
  })
  .strict();

/** R04: the licence an acquisition, merger, restructuring or capacity replacement takes over. */
export const Predecessor = z
  .object({
    certificateNumber: z.string().min(5).max(40),
    reason: z.enum(['acquisition', 'merger', 'restructuring', 'capacity-replacement']),
  })
  .strict();

export const ApplicationId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{5,63}$/, '6-64 characters: letters, digits, - and _ (used as the workflow id)');

export const ApplicationInput = z
  .object({
    applicationId: ApplicationId,
    province: ProvinceCode,
    type: z.enum(['new', 'renewal', 'change']),
    enterprise: z
      .object({
        uscc: Uscc,
        name: z.string().min(2).max(200),
        registeredAddress: z.string().min(2).max(300),
      })
      .strict(),
    productionAddresses: z
      .array(z.object({ province: ProvinceCode, address: z.string().min(2).max(300) }).strict())
      .min(1)
      .max(20),
    product: ProductIdSchema,
    /** Product units / specifications applied for, as printed on the certificate. */
    productNames: z.array(z.string().min(1).max(100)).min(1).max(50),
    currentCertificateNumber: z.string().min(5).max(40).optional(),
    conditionsUnchanged: z.boolean().optional(),
    qualitySafetyCommitment: Commitment.optional(),
    notificationCommitment: Commitment.optional(),
    documents: z.array(DocumentRef).min(1).max(100),
    investmentFiling: InvestmentFiling.optional(),
    /** Capacity the applicant will produce, and whether that adds capacity beyond what exists. */
    capacity: z.object({ declared: Capacity, addsCapacity: z.boolean() }).strict().optional(),
    predecessor: Predecessor.optional(),
  })
  .strict()
  .superRefine((app, ctx) => {
    // R01: the province of the production address is the one that decides.
    app.productionAddresses.forEach((a, i) => {
      if (a.province !== app.province) {
        ctx.addIssue({
          code: 'custom',
          path: ['productionAddresses', i, 'province'],
          message: `production address is in ${a.province}, but the application is filed with ${app.province}: file it with the province of the production address (R01)`,
        });
      }
    });
    if (app.type === 'renewal') {
      if (!app.currentCertificateNumber) {
        ctx.addIssue({ code: 'custom', path: ['currentCertificateNumber'], message: 'a renewal names the certificate it renews' });
      }
      if (app.conditionsUnchanged === undefined) {
        ctx.addIssue({ code: 'custom', path: ['conditionsUnchanged'], message: 'a renewal declares whether production conditions are unchanged (R08)' });
      }
    }
    if (app.type === 'change' && !app.currentCertificateNumber) {
      ctx.addIssue({ code: 'custom', path: ['currentCertificateNumber'], message: 'a change names the certificate it changes' });
    }
  });

export type ApplicationInput = z.infer<typeof ApplicationInput>;

export interface PolicyProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Checks that need the policy in force (on the receipt date, the best knowledge before
 * acceptance): a commitment where the path requires one.
 */
export function policyProblems(app: ApplicationInput, policy: PolicyVersion): PolicyProblem[] {
  const route = routeApplication(policy, {
    product: app.product,
    type: app.type,
    conditionsUnchanged: app.conditionsUnchanged,
    hasQualitySafetyCommitment: app.qualitySafetyCommitment !== undefined,
  });
  const problems: PolicyProblem[] = [];
  if (policy.products[app.product].industrialPolicy && app.type !== 'renewal') {
    const why = `${PRODUCTS[app.product].nameEn} is policy-relevant under ${policy.id} (R03)`;
    if (!app.investmentFiling) problems.push({ path: ['investmentFiling'], message: `${why}: the investment-project filing or approval is required` });
    if (!app.capacity) problems.push({ path: ['capacity'], message: `${why}: the declared capacity is required` });
  }
  if (route.path === 'commitment' && !app.notificationCommitment) {
    problems.push({
      path: ['notificationCommitment'],
      message: `${PRODUCTS[app.product].nameEn} under policy ${policy.id} is approved by notification and commitment (R09): the signed commitment is required`,
    });
  }
  return problems;
}

/** Parse + policy checks for an application received on `receivedDate`. */
export function validateApplication(
  raw: unknown,
  receivedDate: string,
): { ok: true; value: ApplicationInput } | { ok: false; problems: PolicyProblem[] } {
  const parsed = ApplicationInput.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message })) };
  }
  const problems = policyProblems(parsed.data, policyInForce(receivedDate));
  return problems.length ? { ok: false, problems } : { ok: true, value: parsed.data };
}
