/**
 * A licence after issuance (lifecycle workflow `licence/<number>`): read it, and cancel (注销),
 * change (变更) or revoke (撤销) it as Updates its validator answers at once.
 */
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { cancelLicenceUpdate, changeLicenceUpdate, type LicenceState, lifecycleQuery, revokeLicenceUpdate } from '../../domain/licence/messages';
import { rolesFor } from '../../domain/permissions';
import { PRODUCTS } from '../../domain/policy';
import { findCertificateDocument } from '../../db/certificates';
import type { Role } from '../../domain/roles';
import { lifecycleWorkflowId } from '../../domain/workflow-ids';
import { actorOf } from '../auth';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, type Ctx, defineRoute, type Reply } from '../route';
import * as S from '../schemas';
import { withTemporal } from '../temporal';
import { idempotencyKeyOf, sendUpdate } from '../updates';
import { ALL_ROLES, CERTIFICATE_SCOPE, E } from './common';

// ---- the licence after issuance (lifecycle workflow `licence/<number>`) ------------------------

const licence = defineRoute({
  method: 'get',
  path: '/certificates/:number/licence',
  operationId: 'getLicence',
  tag: 'cases',
  summary: "Read a licence's lifecycle",
  description:
    "The licence's own record from its lifecycle workflow `licence/<number>` (Query `licence`): status, validity, renewal due date and deemed renewal (L05), " +
    'holder particulars after changes (变更), and recent history (cancellation, revocation, reminders). The public check is GET /certificates/{number}.',
  rules: ['L05', 'R04', 'L04', 'R12'],
  roles: ALL_ROLES,
  scope: CERTIFICATE_SCOPE,
  params: S.CertificateNumberParams,
  certificateScope: 'read',
  responses: {
    200: { description: 'the licence', schema: S.LicenceStateResponse },
    401: E[401],
    403: E[403],
    404: { description: 'no such certificate, or it has no lifecycle (issued before lifecycles existed)' },
    422: E[422],
    503: E[503],
  },
  async handler({ deps, params }) {
    const state = await withTemporal(`licence lifecycle of certificate ${params.number}`, () =>
      deps.client.workflow.getHandle(lifecycleWorkflowId(params.number)).query(lifecycleQuery),
    );
    return { status: 200, body: state };
  },
});

const document = defineRoute({
  method: 'get',
  path: '/certificates/:number/document',
  operationId: 'getCertificateDocument',
  tag: 'cases',
  summary: 'Read the electronic certificate',
  description:
    'Everything the electronic certificate shows (L07): number, enterprise name and address, production addresses, product units and specifications, ' +
    'issue date and validity, and its version: a change (变更, 增项) keeps the number, extends the products and addresses, and issues a new version. ' +
    'The public check (GET /certificates/{number}) shows no enterprise identity.',
  rules: ['L07', 'R05'],
  roles: ALL_ROLES,
  scope: CERTIFICATE_SCOPE,
  params: S.CertificateNumberParams,
  certificateScope: 'read',
  responses: { 200: { description: 'the certificate', schema: S.CertificateDocument }, 401: E[401], 403: E[403], 404: E[404], 422: E[422], 503: E[503] },
  async handler({ deps, params }) {
    const row = await fromDb('the certificate register', () => findCertificateDocument(deps.pool, params.number));
    if (!row) throw new HttpProblem('not-found', `no certificate ${params.number}`);
    const p = PRODUCTS[row.product];
    const body: z.infer<typeof S.CertificateDocument> = {
      ...row,
      province: row.province as z.infer<typeof S.CertificateDocument>['province'],
      productName: p ? `${p.nameZh} (${p.nameEn})` : row.product,
    };
    return { status: 200, body };
  },
});

interface LicenceUpdateSpec {
  segment: string;
  operationId: string;
  summary: string;
  description: string;
  rules: string[];
  roles: Role[];
  scope: string;
  body: z.ZodType;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  update: UpdateDefinition<LicenceState, [any]>;
  /** R04: a licence that ends lets the take-overs waiting for it go on. */
}

function licenceUpdateRoute(spec: LicenceUpdateSpec): AnyRoute {
  return defineRoute({
    method: 'post',
    path: `/certificates/:number/${spec.segment}`,
    operationId: spec.operationId,
    tag: 'authority',
    summary: spec.summary,
    description: `${spec.description} Sent as a Temporal Update to the lifecycle workflow \`licence/<number>\`: refused at once by its validator (403 role or province, 409 licence no longer active, 422 invalid), or taken and written to the audit trail.`,
    rules: spec.rules,
    roles: spec.roles,
    scope: spec.scope,
    params: S.CertificateNumberParams,
    headers: { 'Idempotency-Key': S.UpdateIdempotencyKey },
    body: spec.body,
    certificateScope: 'read',
    responses: {
      200: { description: 'taken; the licence afterwards', schema: S.LicenceStateResponse },
      400: E[400],
      401: E[401],
      403: E[403],
      404: { description: 'no such certificate, or it has no lifecycle (issued before lifecycles existed)' },
      409: { description: 'the licence is no longer active (cancelled, revoked, expired, superseded)' },
      413: E[413],
      415: E[415],
      422: E[422],
      503: E[503],
    },
    async handler({ req, deps, params, principal, body }: Ctx<typeof S.CertificateNumberParams, undefined, z.ZodType>): Promise<Reply> {
      const handle = deps.client.workflow.getHandle(lifecycleWorkflowId(params.number));
      const what = `licence lifecycle of certificate ${params.number}`;
      const idempotencyKey = idempotencyKeyOf(req);
      const desc = await withTemporal(what, () => handle.describe());
      let closed: HttpProblem | undefined;
      if (desc.status.name !== 'RUNNING') {
        const st = await withTemporal(what, () => handle.query(lifecycleQuery)).catch(() => undefined);
        closed = new HttpProblem('conflict', `certificate ${params.number} is ${st?.status ?? 'no longer active'}${st?.endedAt ? ` since ${st.endedAt}` : ''}: nothing more can be sent to its licence`);
      }
      // Take-overs waiting for this licence (R04) are told by its lifecycle workflow when it ends.
      const state = await sendUpdate(handle, spec.update, { ...(body as object), actor: actorOf(principal) }, { what, closed, idempotencyKey });
      return { status: 200, body: state };
    },
  });
}

const licenceUpdates: AnyRoute[] = [
  licenceUpdateRoute({
    segment: 'cancel',
    operationId: 'cancelLicence',
    summary: 'Cancel a licence (注销)',
    description:
      'On the holder\'s request, or because of an acquisition, merger, restructuring or capacity replacement (R04). The certificate becomes cancelled; ' +
      'take-over applications waiting for it (R04) are told at once.',
    rules: ['R04'],
    roles: rolesFor('cancelLicence'),
    scope: "The holder (applicant of the certificate's enterprise), or a supervisor or approver of the certificate's province (R01).",
    body: S.CancelLicenceBody,
    update: cancelLicenceUpdate,
  }),
  licenceUpdateRoute({
    segment: 'change',
    operationId: 'changeLicence',
    summary: 'Change the enterprise name or address on a licence (变更)',
    description: 'Records a new enterprise name and/or registered address on the certificate; old and new values go to the audit trail.',
    rules: ['R05'],
    roles: rolesFor('changeLicence'),
    scope: "A supervisor or approver of the certificate's province (R01).",
    body: S.ChangeLicenceBody,
    update: changeLicenceUpdate,
  }),
  licenceUpdateRoute({
    segment: 'revoke',
    operationId: 'revokeLicence',
    summary: 'Revoke a licence (撤销)',
    description:
      'Revocation for fraud, bribery, a false commitment, false materials, a failed rectification or conditions not met: the certificate is revoked, the ban its ground carries ' +
      '(L04: 3 years for fraud, bribery or a false commitment, 1 year for false materials, on every product since all are safety-related; L08: 3 years after a failed rectification) is recorded, ' +
      'and a credit-publicity record is queued (R12). Submissions by the enterprise for the product are refused until the ban ends.',
    rules: ['L04', 'L08', 'R12'],
    roles: rolesFor('revokeLicence'),
    scope: "A supervisor or approver of the certificate's province (R01).",
    body: S.RevokeLicenceBody,
    update: revokeLicenceUpdate,
  }),
];

export const licenceRoutes: AnyRoute[] = [licence, document, ...licenceUpdates];
