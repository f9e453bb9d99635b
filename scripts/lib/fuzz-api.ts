/** The fuzz run's client of the API (scripts/fuzz.ts): tokens per role, calls that must succeed, polling, and register imports. */
import { mintToken } from '../../api/auth';
import { PRODUCTS, type ProductId } from '../../domain/policy';
import { PROVINCES } from '../../domain/provinces';
import { withUsccCheck } from '../../domain/uscc';
import type { Role } from '../../domain/roles';

export const PROVINCE = 'BJ';
export const USCC = '91110000MA01ABCDEX';
export const PROVINCE_ABBR = PROVINCES[PROVINCE].abbr;
/** The registered verifiers the body examples name (a team of two). */
export const VERIFIERS = ['V-001', 'V-002'];

export type Json = Record<string, unknown>;

export const tokenFor = (secret: string, role: Role): Promise<string> =>
  mintToken(secret, { sub: `fuzz-${role}`, role, ...(role === 'applicant' ? { uscc: USCC } : role === 'samr' || role === 'ops' ? {} : { province: PROVINCE }), expiresIn: '2h' });

/** The example a path parameter carries in the document. */
export function pathExample(doc: Json, operationId: string, name: string): string {
  for (const item of Object.values(doc.paths as Record<string, Record<string, Json>>)) {
    for (const op of Object.values(item)) {
      if (op.operationId !== operationId) continue;
      const p = (op.parameters as Json[]).find((x) => x.in === 'path' && x.name === name);
      if (typeof p?.example === 'string') return p.example;
    }
  }
  throw new Error(`the document has no example for ${name} of ${operationId}`);
}

export class Api {
  private tokens = new Map<Role, Promise<string>>();
  constructor(
    readonly url: string,
    private readonly secret: string,
  ) {}

  private enterprises = new Map<string, Promise<string>>();

  token(role: Role): Promise<string> {
    if (!this.tokens.has(role)) this.tokens.set(role, tokenFor(this.secret, role));
    return this.tokens.get(role)!;
  }

  /** A token of a staff role of the province for another subject (an inspector drawn into a team). */
  tokenAs(role: Role, sub: string): Promise<string> {
    return mintToken(this.secret, { sub, role, province: PROVINCE, expiresIn: '2h' });
  }

  /** `{ uscc }`: an applicant of that enterprise (L07: one certificate per enterprise and product, so seeds use enterprises of their own). */
  async call(role: Role | { uscc: string }, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Json> {
    const json = typeof body !== 'string';
    const token =
      typeof role === 'string'
        ? this.token(role)
        : (this.enterprises.get(role.uscc) ??
          this.enterprises.set(role.uscc, mintToken(this.secret, { sub: `fuzz-${role.uscc}`, role: 'applicant', uscc: role.uscc, expiresIn: '2h' })).get(role.uscc)!);
    const authorization = `Bearer ${await token}`;
    // A keep-alive connection the server closed meanwhile fails before the request is sent
    // (EPIPE, "other side closed"); after a long fuzz phase the client may hold several such
    // connections, so one retry was not always enough (CI, 2026-12-07: the import upload).
    const send = () => fetch(this.url + route, {
      method,
      headers: { authorization, 'content-type': json ? 'application/json' : 'text/csv', ...headers },
      body: body === undefined ? undefined : json ? JSON.stringify(body) : body,
    });
    const retrying = async (): Promise<Response> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await send();
        } catch (e) {
          if (attempt >= 4) throw e;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    };
    const r = await retrying().catch((e: unknown) => {
      throw new Error(`seeding: ${JSON.stringify(role)} ${method} ${route}: ${e instanceof Error ? `${e.message} (${String(e.cause)})` : String(e)}`);
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`seeding: ${JSON.stringify(role)} ${method} ${route} answered ${r.status}: ${text}`);
    return text ? (JSON.parse(text) as Json) : {};
  }

  /** Polls a read until `ok` says yes (workflows move on asynchronously). */
  async until(role: Role, route: string, ok: (body: Json) => boolean, what: string): Promise<void> {
    // Generous: on a loaded CI machine issuing a licence and starting its follow-up can take a while.
    const end = Date.now() + 180_000;
    for (;;) {
      const body = await this.call(role, 'GET', route).catch(() => undefined);
      if (body && ok(body)) return;
      if (Date.now() > end) throw new Error(`seeding: ${what} did not happen within 3 minutes (${route}: ${JSON.stringify(body)})`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

export const today = () => new Date().toISOString().slice(0, 10);
export const inYears = (n: number) => `${Number(today().slice(0, 4)) + n}${today().slice(4)}`;
export const enc = encodeURIComponent;

/** The document's example application (a cement licence in Beijing), under another id and product. */
export function application(example: Json, id: string, product: 'cement' | 'fertiliser', predecessor?: string): Json {
  const { investmentFiling, capacity, ...rest } = example;
  return {
    ...rest,
    applicationId: id,
    // Fertiliser takes the verify-then-issue path and has no industrial-policy facts (R03).
    ...(product === 'cement' ? { investmentFiling, capacity } : { product, productNames: ['复合肥料'] }),
    ...(predecessor ? { predecessor: { certificateNumber: predecessor, reason: 'acquisition' } } : {}),
  };
}

/**
 * Licences from the register import: serials from 10000 up, never met by the few the runs issue,
 * and from a base that moves with the clock, so a second run against the same API meets none of
 * the first run's (cancelled, revoked) licences.
 */
let nextSerial = 10_000 + (Math.floor(Date.now() / 1000) % 80_000);
export interface Licence {
  number: string;
  uscc: string;
  product: ProductId;
}
/** L07 allows one licence per enterprise and product: each seeded licence is another enterprise's cement licence, unless named. */
export function newLicence(uscc?: string, product: ProductId = 'cement'): Licence {
  const serial = nextSerial++;
  const p = PRODUCTS[product];
  return { number: `(${PROVINCE_ABBR})XK${p.industryCode}-${p.productCode}-${String(serial).padStart(5, '0')}`, uscc: uscc ?? withUsccCheck(`91110000${String(serial).padStart(9, '0')}`), product };
}

export async function importLicences(api: Api, licences: Licence[], importId: string): Promise<void> {
  const csv = [
    'certificate_number,uscc,enterprise_name,registered_address,production_addresses,product,product_names,issued_on,valid_until,status,status_date,status_ground,status_reason,issuing_authority',
    ...licences.map((l) => `${l.number},${l.uscc},北京示范企业有限公司,北京市房山区示范路1号,北京市房山区示范路1号厂区,${l.product},示范产品,${today()},${inYears(4)},valid,,,,北京市市场监督管理局`),
  ].join('\n');
  const started = await api.call('ops', 'POST', `/imports?province=${PROVINCE}`, csv, { 'Idempotency-Key': importId });
  if ((started.summary as Json).refused !== 0) throw new Error(`seeding: the import refused rows: ${JSON.stringify(started.refused)}`);
  for (const { number } of licences) await api.until('ops', `/certificates/${enc(number)}/licence`, (b) => b.status === 'valid', `the lifecycle of ${number}`);
}

