/**
 * The API's edge defences (docs/security.md): a request id on every response, problem and log
 * line; security headers; per-instance rate limits on the routes anyone can reach (public) and
 * on submissions. Limits are kept in memory on purpose: they blunt a flood at each instance
 * without a shared store on the hot path; a gateway in front enforces the global figure.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

/** An incoming `X-Request-Id` is kept when it is short and plain, so a gateway's id carries through. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header('x-request-id');
    const id = incoming && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  };
}

export const requestIdOf = (res: Response): string | undefined => res.locals.requestId as string | undefined;

/**
 * Headers a security review asks for. Pages that need scripts (the console, /docs) set their own
 * Content-Security-Policy; everything else is data and may load nothing.
 */
export function securityHeaders(opts: { hsts: boolean }): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    // Only where TLS ends in front of us (production); a browser would pin plain-HTTP dev hosts.
    if (opts.hsts) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

export interface RateLimit {
  /** Requests allowed per window, per key. */
  limit: number;
  windowMs: number;
}

/**
 * A token bucket per key (client address or principal): `limit` tokens, refilled evenly over
 * `windowMs`. Buckets that have refilled are forgotten, so memory follows the active clients.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweepAt = 0;

  constructor(
    readonly name: string,
    readonly rate: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when the request may pass (and takes a token); otherwise the seconds until one is free. */
  take(key: string): number {
    const t = this.now();
    this.sweep(t);
    const perMs = this.rate.limit / this.rate.windowMs;
    const b = this.buckets.get(key) ?? { tokens: this.rate.limit, at: t };
    b.tokens = Math.min(this.rate.limit, b.tokens + (t - b.at) * perMs);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
  }

  private sweep(t: number): void {
    if (t < this.sweepAt) return;
    this.sweepAt = t + this.rate.windowMs;
    const perMs = this.rate.limit / this.rate.windowMs;
    for (const [k, b] of this.buckets) if (b.tokens + (t - b.at) * perMs >= this.rate.limit) this.buckets.delete(k);
  }
}

export interface RateLimiters {
  /** Routes without a token (certificate check, calendar, public reports): per client address. */
  public?: RateLimiter;
  /** New applications: per principal (an enterprise's USCC, or the token's subject). */
  submission?: RateLimiter;
  /** R18: well-formed public risk reports (no account), per client address: far stricter than `public`. */
  report?: RateLimiter;
}

export function rateLimitersFrom(cfg: { RATE_LIMIT_PUBLIC_PER_MINUTE: number; RATE_LIMIT_SUBMISSIONS_PER_MINUTE: number; RATE_LIMIT_PUBLIC_REPORTS_PER_HOUR?: number }): RateLimiters {
  const minute = 60_000;
  return {
    public: cfg.RATE_LIMIT_PUBLIC_PER_MINUTE > 0 ? new RateLimiter('public', { limit: cfg.RATE_LIMIT_PUBLIC_PER_MINUTE, windowMs: minute }) : undefined,
    submission:
      cfg.RATE_LIMIT_SUBMISSIONS_PER_MINUTE > 0 ? new RateLimiter('submission', { limit: cfg.RATE_LIMIT_SUBMISSIONS_PER_MINUTE, windowMs: minute }) : undefined,
    report: (cfg.RATE_LIMIT_PUBLIC_REPORTS_PER_HOUR ?? 10) > 0 ? new RateLimiter('report', { limit: cfg.RATE_LIMIT_PUBLIC_REPORTS_PER_HOUR ?? 10, windowMs: 60 * minute }) : undefined,
  };
}
