/**
 * A route is data: method, path, roles, zod schemas for its inputs and responses, a handler.
 * The same list mounts the express router and generates the OpenAPI document, so a route
 * cannot exist without its documentation, and documented schemas are the enforced ones.
 *
 * Order of checks for every route: 401 (token) → 403 (role) → 422 (path and query) → case
 * (or certificate) lookup: 404 (no such case, or one of another province / enterprise: R01, the
 * same answer so existence is not revealed) → 409 (case closed,
 * for messages) → 415/422 (body) → the handler (Temporal's verdict: 403/409/422 from validators).
 */
import type { Client } from '@temporalio/client';
import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import type { z } from 'zod';
import type { Role } from '../domain/roles';
import { authenticate, type Principal } from './auth';
import { type CertificateRef, findCertificate } from '../db/certificates';
import { fromDb, HttpProblem, zodFieldErrors } from './problem';
import type { RateLimiter, RateLimiters } from './security';
import { assertAccess, assertCaseAccess, assertRunning, type CaseRef, findCase } from './temporal';

export interface RouteDeps {
  client: Client;
  pool: Pool;
  taskQueue: string;
  jwtSecret: string;
  /** Key rotation: an older secret whose tokens are still accepted (never used to sign). */
  jwtPreviousSecret?: string;
  /** `/metrics` wants `Authorization: Bearer <metricsToken>` when set; `null`: closed (production without a token). */
  metricsToken?: string | null;
  /** Per-instance limits for `rateLimit` routes (api/security.ts); a missing limiter lets all through. */
  rateLimits?: RateLimiters;
  calendarDir?: string;
  /** Health check of the Temporal connection. */
  temporalHealth: () => Promise<void>;
  /** `POST /dev/token` (the console's development sign-in) mints tokens; never in production. */
  devSignIn?: boolean;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Default application/json. */
  contentType?: string;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
  /** OpenAPI links: what this response leads to (openapi.ts links every route under `to`). */
  links?: ResponseLinks;
}

/**
 * The resource a response names: every route whose path is `to` or below it is linked, its path
 * parameters filled from the response (runtime expressions, e.g. `$response.body#/applicationId`).
 */
export interface ResponseLinks {
  /** Express syntax, e.g. `/applications/:id`. */
  to: string;
  parameters: Record<string, string>;
  /** Paths below `to` that are another resource, which the response does not create (e.g. a case's follow-up, which exists after issuance). */
  except?: string[];
}

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface Ctx<P, Q, B> {
  req: Request;
  res: Response;
  deps: RouteDeps;
  /** Present on every non-public route. */
  principal: Principal;
  params: Infer<P>;
  query: Infer<Q>;
  body: Infer<B>;
  /** Present when `caseScope` is set: the case, already checked against the principal. */
  case: CaseRef;
  /** Present when `certificateScope` is set: the certificate, already checked against the principal. */
  certificate: CertificateRef;
}

export interface RouteDef<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined> {
  method: 'get' | 'post';
  /** Express syntax (`/applications/:id`). */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** Rule ids this route enforces or serves (DOMAIN.md). */
  rules?: string[];
  /** `public`: no token. Otherwise the roles allowed; scoping is `caseScope` or the handler's. */
  roles: readonly Role[] | 'public';
  /** How a principal's province / USCC limits what it sees, for the docs. */
  scope?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** A body the handler reads itself (not JSON, e.g. an import file): documented, never parsed here. */
  rawBody?: { contentTypes: string[]; description: string; examples?: Record<string, string> };
  /** Request headers the route reads (documentation). */
  headers?: Record<string, z.ZodType>;
  /** `read`: find the case, check access. `message`: also require it to be running. */
  caseScope?: 'read' | 'message';
  /** `read`: find the certificate (`:number`) in the register, check the principal may see it (holder, province). */
  certificateScope?: 'read';
  /** Rate limited (429 with Retry-After): `public` per client address, `submission` per applicant (docs/security.md). Default: `public` for tag `public`. */
  rateLimit?: 'public' | 'submission';
  /**
   * Any other lookup that scopes the route (404 for what the principal may not see), run after the
   * case and certificate scopes and before the body is read, so scoping answers before validation.
   */
  scopeCheck?: (ctx: { deps: RouteDeps; principal: Principal; params: Infer<P> }) => Promise<void>;
  responses: Record<number, ResponseDoc>;
  handler: (ctx: Ctx<P, Q, B>) => Promise<Reply>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDef<any, any, any>;

export function defineRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  def: RouteDef<P, Q, B>,
): AnyRoute {
  return def as AnyRoute;
}

function parseOr422<T extends z.ZodType>(schema: T, value: unknown, prefix?: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpProblem('validation', `the ${prefix ?? 'body'} is not valid`, zodFieldErrors(r.error, prefix));
  return r.data;
}

/** Where a JSON value holds a string with NUL, which PostgreSQL text cannot store: a 422, not a 503 from the database. */
function nulPath(value: unknown, at: string[] = []): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? at.join('.') : undefined;
  if (!value || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const hit = nulPath(v, [...at, k]);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

export function mount(route: AnyRoute, deps: RouteDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      let principal: Principal | undefined;
      const limit = rateLimitOf(route);
      if (limit === 'public') throttle(deps.rateLimits?.public, `ip:${req.ip ?? 'unknown'}`, 'requests from your address');
      if (route.roles !== 'public') {
        principal = await authenticate(req.header('authorization'), deps.jwtPreviousSecret ? [deps.jwtSecret, deps.jwtPreviousSecret] : deps.jwtSecret);
        if (!route.roles.includes(principal.role)) {
          throw new HttpProblem('forbidden', `role ${principal.role} may not ${route.summary.toLowerCase()}; allowed: ${route.roles.join(', ')}`);
        }
        res.setHeader('Cache-Control', 'no-store');
      }
      // Per applicant, not per address: an enterprise's many staff share one office network.
      if (limit === 'submission') throttle(deps.rateLimits?.submission, principal ? `p:${principal.uscc ?? principal.sub}` : `ip:${req.ip ?? 'unknown'}`, 'submissions');
      const params: unknown = route.params ? parseOr422(route.params, req.params, 'params') : undefined;
      const query: unknown = route.query ? parseOr422(route.query, { ...(req.query as object) }, 'query') : undefined;
      let caseRef: CaseRef | undefined;
      if (route.caseScope) {
        caseRef = await findCase(deps.client, (params as { id: string }).id);
        assertCaseAccess(principal!, caseRef);
        if (route.caseScope === 'message') assertRunning(caseRef);
      }
      let certificateRef: CertificateRef | undefined;
      if (route.certificateScope) {
        const number = (params as { number: string }).number;
        certificateRef = await fromDb('the certificate register', () => findCertificate(deps.pool, number));
        if (!certificateRef) throw new HttpProblem('not-found', `certificate ${number} not found`);
        assertAccess(principal!, `certificate ${certificateRef.number}`, certificateRef);
      }
      if (route.scopeCheck) await route.scopeCheck({ deps, principal: principal!, params });
      let body: unknown;
      if (route.body) {
        if (req.is(JSON_TYPES) === false) {
          throw new HttpProblem('unsupported-media-type', `send the body as application/json (got ${req.header('content-type') ?? 'none'})`);
        }
        const nul = nulPath(req.body);
        if (nul !== undefined) throw new HttpProblem('validation', 'the body is not valid', [{ path: nul, message: 'must not contain the NUL character (U+0000)' }]);
        body = parseOr422(route.body, req.body ?? {});
      }
      const reply = await route.handler({ req, res, deps, principal: principal!, params, query, body, case: caseRef!, certificate: certificateRef! } as Ctx<unknown, unknown, unknown>);
      for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
      res.status(reply.status);
      if (reply.contentType && reply.contentType !== 'application/json') res.type(reply.contentType).send(reply.body);
      else res.json(reply.body);
    } catch (err) {
      next(err);
    }
  };
}

/** Routes for anyone (tag `public`) are limited per address unless they say otherwise. */
export const rateLimitOf = (route: AnyRoute): 'public' | 'submission' | undefined => route.rateLimit ?? (route.tag === 'public' ? 'public' : undefined);

function throttle(limiter: RateLimiter | undefined, key: string, what: string): void {
  const wait = limiter?.take(key) ?? 0;
  if (wait > 0) {
    throw new HttpProblem('too-many-requests', `too many ${what}: at most ${limiter!.rate.limit} a minute; try again in ${wait} s`, undefined, { 'Retry-After': String(wait) });
  }
}

/** `/applications/:id/accept` → `/applications/{id}/accept`. */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
