/**
 * Bearer tokens: JWT signed with HS256 (secret `JWT_SECRET`). Claims: `sub` (who), `role`
 * (domain ROLES), `province` (authority staff, R01) and `uscc` (applicants). The principal
 * becomes the `actor` of every message the API sends to a case; the body never names it.
 */
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { ProvinceCode } from '../domain/approval/application';
import type { Config } from '../domain/config';
import { ROLES, type Actor, type Role } from '../domain/roles';
import { isValidUscc } from '../domain/uscc';
import { HttpProblem } from './problem';

export const JWT_ISSUER = 'licence-pipeline';
export const JWT_AUDIENCE = 'licence-api';
/** Development and tests only; the server refuses to start with it when NODE_ENV=production. */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-never-use-in-production';
export const MIN_PRODUCTION_SECRET_BYTES = 32;

/** Authority staff are bound to one province; SAMR and ops see every province. */
export const STAFF_ROLES = ['acceptance-officer', 'reviewer', 'approver', 'supervisor', 'inspector'] as const satisfies readonly Role[];
export const isStaff = (role: Role): boolean => (STAFF_ROLES as readonly Role[]).includes(role);

export const Claims = z
  .object({
    sub: z.string().min(1).max(100),
    role: z.enum(ROLES),
    province: ProvinceCode.optional(),
    uscc: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    if (isStaff(c.role) && !c.province) ctx.addIssue({ code: 'custom', path: ['province'], message: `${c.role} tokens name their province` });
    // R18: a reporter is registered by one province; its token carries its register id (sub) and that province.
    if (c.role === 'reporter' && !c.province) ctx.addIssue({ code: 'custom', path: ['province'], message: 'reporter tokens name the province that registered them' });
    if (c.role === 'applicant' && !(c.uscc && isValidUscc(c.uscc))) {
      ctx.addIssue({ code: 'custom', path: ['uscc'], message: 'an applicant token carries a valid USCC' });
    }
  });
export type Principal = z.infer<typeof Claims>;

export class SecretError extends Error {
  override name = 'SecretError';
}

/** The signing secret; throws in production when it is missing, the dev default or too short. */
export function resolveJwtSecret(config: Pick<Config, 'NODE_ENV' | 'JWT_SECRET'>): string {
  const secret = config.JWT_SECRET;
  if (config.NODE_ENV === 'production') {
    if (!secret) throw new SecretError('JWT_SECRET is not set: the API does not start in production without its own secret');
    if (secret === DEV_JWT_SECRET) throw new SecretError('JWT_SECRET is the development default: set a secret of your own in production');
    if (Buffer.byteLength(secret) < MIN_PRODUCTION_SECRET_BYTES) {
      throw new SecretError(`JWT_SECRET must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes in production`);
    }
    return secret;
  }
  return secret || DEV_JWT_SECRET;
}

const key = (secret: string) => new TextEncoder().encode(secret);

export interface MintOptions {
  sub: string;
  role: Role;
  province?: string;
  uscc?: string;
  /** jose time span, e.g. '8h' (default). */
  expiresIn?: string;
}

export async function mintToken(secret: string, o: MintOptions): Promise<string> {
  const parsed = Claims.safeParse({ sub: o.sub, role: o.role, province: o.province, uscc: o.uscc });
  if (!parsed.success) throw new Error(`cannot mint: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'claims'}: ${i.message}`).join('; ')}`);
  const claims = parsed.data;
  return new SignJWT({ role: claims.role, ...(claims.province ? { province: claims.province } : {}), ...(claims.uscc ? { uscc: claims.uscc } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(o.expiresIn ?? '8h')
    .sign(key(secret));
}

const challenge = (error?: string, description?: string) => ({
  'WWW-Authenticate': `Bearer realm="licence-api"${error ? `, error="${error}"` : ''}${description ? `, error_description="${description.replace(/"/g, "'")}"` : ''}`,
});

/** `Authorization: Bearer <jwt>` → principal, or a 401 problem saying why. */
export async function authenticate(header: string | undefined, secret: string | readonly string[]): Promise<Principal> {
  if (!header) throw new HttpProblem('unauthorized', 'this route needs a bearer token (Authorization: Bearer <jwt>)', undefined, challenge());
  const m = /^Bearer\s+([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
  if (!m) throw new HttpProblem('unauthorized', 'the Authorization header is not "Bearer <jwt>"', undefined, challenge('invalid_request'));
  let payload: unknown;
  // Key rotation: the current secret first, then the previous one while its tokens live out.
  const secrets = typeof secret === 'string' ? [secret] : secret;
  try {
    for (const [i, s] of secrets.entries()) {
      try {
        ({ payload } = await jwtVerify(m[1]!, key(s), {
          algorithms: ['HS256'],
          issuer: JWT_ISSUER,
          audience: JWT_AUDIENCE,
          requiredClaims: ['sub', 'exp'],
        }));
        break;
      } catch (e) {
        if (!(e instanceof joseErrors.JWSSignatureVerificationFailed) || i === secrets.length - 1) throw e;
      }
    }
  } catch (e) {
    const why =
      e instanceof joseErrors.JWTExpired
        ? 'the token has expired'
        : e instanceof joseErrors.JWTClaimValidationFailed
          ? `the token's ${e.claim} claim is not accepted`
          : 'the token is not valid (signature, algorithm or format)';
    throw new HttpProblem('unauthorized', why, undefined, challenge('invalid_token', why));
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) {
    const why = `the token's claims are not usable: ${claims.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    throw new HttpProblem('unauthorized', why, undefined, challenge('invalid_token', why));
  }
  return claims.data;
}

export function actorOf(p: Principal): Actor {
  return {
    id: p.sub,
    role: p.role,
    ...(p.province ? { province: p.province } : {}),
    ...(p.uscc ? { uscc: p.uscc } : {}),
  };
}
