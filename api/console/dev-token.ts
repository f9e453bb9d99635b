/**
 * `POST /dev/token`: the console's development sign-in. It mints a bearer token for the role,
 * province and enterprise picked on the sign-in page, with the same code as
 * scripts/mint-token.ts. Refused when NODE_ENV=production: there tokens come from the
 * authority's identity provider and are pasted into the console, which never holds a secret.
 */
import { z } from 'zod';
import { ProvinceCode, Uscc } from '../../domain/approval/application';
import { ROLES } from '../../domain/roles';
import { mintToken } from '../auth';
import { HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';

export const DEV_TOKEN_TTL = '8h';

export const DevTokenBody = z
  .object({
    role: z.enum(ROLES),
    province: ProvinceCode.optional().describe('authority staff: their province'),
    uscc: Uscc.optional().describe('applicants: their enterprise'),
    sub: z.string().min(1).max(100).optional().describe('who signs in (default: dev-<role>)'),
  })
  .strict();

export const DevTokenResponse = z
  .object({ token: z.string(), expiresIn: z.string(), claims: z.object({ sub: z.string(), role: z.enum(ROLES), province: z.string().optional(), uscc: z.string().optional() }).strict() })
  .strict();

export const devTokenRoute: AnyRoute = defineRoute({
  method: 'post',
  path: '/dev/token',
  operationId: 'devToken',
  tag: 'development',
  summary: 'Mint a development token (console sign-in)',
  description:
    'Development only: the console\'s role picker. Refused with 403 when NODE_ENV=production, where bearer tokens come from the ' +
    "authority's identity provider. Staff roles name a province, applicants a USCC (the same claims rules as every token).",
  rules: ['R01'],
  roles: 'public',
  body: DevTokenBody,
  responses: {
    201: { description: 'a token valid for 8 hours', schema: DevTokenResponse },
    400: { description: 'body is not valid JSON' },
    403: { description: 'the server runs in production: development sign-in is off' },
    415: { description: 'body is not application/json' },
    422: { description: 'invalid input, or claims a token may not carry (a staff role without province, an applicant without USCC)' },
  },
  async handler({ deps, body }) {
    if (!deps.devSignIn) {
      throw new HttpProblem('forbidden', 'development sign-in is off in production: paste a bearer token from the identity provider');
    }
    const sub = body.sub ?? `dev-${body.role}`;
    let token: string;
    try {
      token = await mintToken(deps.jwtSecret, { sub, role: body.role, province: body.province, uscc: body.uscc, expiresIn: DEV_TOKEN_TTL });
    } catch (err) {
      throw new HttpProblem('validation', err instanceof Error ? err.message : String(err), [{ path: body.role === 'applicant' ? 'uscc' : 'province', message: 'required for this role' }]);
    }
    const claims = { sub, role: body.role, ...(body.province ? { province: body.province } : {}), ...(body.uscc ? { uscc: body.uscc } : {}) };
    return { status: 201, body: { token, expiresIn: DEV_TOKEN_TTL, claims }, headers: { 'Cache-Control': 'no-store' } };
  },
});
