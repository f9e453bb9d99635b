/**
 * RFC 9457 problem details: every error the API sends is `application/problem+json` with
 * `type`, `title`, `status`, `detail` and, where fields are at fault, `errors: [{path, message}]`.
 */
import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemKind = {
  'bad-request': { status: 400, title: 'Malformed request' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict with the state of the case' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  validation: { status: 422, title: 'Invalid request' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'A backing service is unavailable' },
} as const;
export type ProblemKind = keyof typeof ProblemKind;

export const FieldError = z
  .object({
    /** Dotted path of the failing field (`enterprise.uscc`, `productionAddresses.0.province`); `query.x`, `header.x` outside the body. */
    path: z.string(),
    message: z.string(),
  })
  .strict();
export type FieldError = z.infer<typeof FieldError>;

export const Problem = z
  .object({
    type: z.string().describe('URI reference naming the problem class, e.g. /problems/validation'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(FieldError).optional(),
    /** The request's id (also the X-Request-Id header): quote it to ops, who find the log lines by it. */
    requestId: z.string().optional(),
  })
  .strict();
export type Problem = z.infer<typeof Problem>;

export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly kind: ProblemKind,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
    /** What went wrong underneath, for the log only. */
    override readonly cause?: unknown,
  ) {
    super(detail);
  }
  get status(): number {
    return ProblemKind[this.kind].status;
  }
}

export function pathString(path: readonly PropertyKey[], prefix?: string): string {
  const joined = path.map((p) => String(p)).join('.');
  return prefix ? (joined ? `${prefix}.${joined}` : prefix) : joined;
}

/** zod issues → field errors; `prefix` is `query`, `params` or `header` for non-body input. */
export function zodFieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.flatMap((i) => {
    // Unknown keys are one issue listing several keys: name each one.
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ path: pathString([...i.path, k], prefix), message: `unknown field '${k}'` }));
    }
    return [{ path: pathString(i.path, prefix), message: i.message }];
  });
}

export function sendProblem(res: Response, p: HttpProblem, instance?: string): void {
  const body: Problem = {
    type: `/problems/${p.kind}`,
    title: ProblemKind[p.kind].title,
    status: p.status,
    detail: p.message,
    ...(instance ? { instance } : {}),
    ...(p.errors?.length ? { errors: p.errors } : {}),
    ...(res.locals.requestId ? { requestId: String(res.locals.requestId) } : {}),
  };
  for (const [k, v] of Object.entries(p.headers ?? {})) res.setHeader(k, v);
  res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  message?: string;
}

/** Errors of body-parser (express.json) → problems; anything else unknown → 500 without internals. */
export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  const e = (err ?? {}) as BodyParserError;
  switch (e.type) {
    case 'entity.too.large':
      return new HttpProblem('payload-too-large', `the request body exceeds the limit of ${e.limit ?? '?'} bytes`);
    case 'entity.parse.failed':
      return new HttpProblem('bad-request', `the request body is not valid JSON: ${e.message ?? ''}`.trim());
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem('unsupported-media-type', e.message ?? 'unsupported encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpProblem('bad-request', e.message ?? 'the request body could not be read');
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HttpProblem('bad-request', e.message ?? 'bad request');
  }
  return new HttpProblem('internal', 'the server failed to handle the request; it has been logged');
}

export type ErrorLog = (err: unknown, context: { requestId?: string; method: string; path: string }) => void;

export function problemMiddleware(log: ErrorLog): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const p = toProblem(err);
    if (p.kind === 'internal' || p.kind === 'unavailable') log(p.cause ?? err, { requestId: res.locals.requestId as string | undefined, method: req.method, path: req.path });
    sendProblem(res, p, req.originalUrl);
  };
}

/**
 * A database call from a route: PostgreSQL out of reach is a 503 naming `what`, never a 500.
 * The driver's own message stays in the log (it can name hosts, portals, statements), never in the body.
 */
export async function fromDb<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    throw new HttpProblem('unavailable', `${what} is not reachable; try again shortly (the request id leads ops to the cause)`, undefined, undefined, err);
  }
}
