/**
 * The OpenAPI document says exactly what the API enforces, in terms a fuzzer (scripts/fuzz.ts,
 * Schemathesis) and other languages can use: plain ECMA-262 patterns, the same dates and instants
 * the parser accepts, integer bounds, an example for every path parameter, and links from the
 * routes that create something to the routes that follow.
 */
import { describe, expect, it } from 'vitest';
import { buildOpenApi, NO_NUL_PATTERN, trimmedPattern } from '../../api/openapi';
import { z } from 'zod';
import { ROUTES } from '../../api/routes';
import * as S from '../../api/schemas';
import { DeadlineQuery, ListQuery } from '../../api/schemas';
import { DATE_PATTERN, INSTANT_PATTERN, IsoDate, IsoInstant, validateApplication } from '../../domain/approval/application';
import { shanghaiDate } from '../../domain/time';
import { certificateNumber } from '../../domain/licence/certificate';
import { PRODUCT_IDS } from '../../domain/policy';
import { PROVINCE_CODES } from '../../domain/provinces';

type Json = Record<string, unknown>;
const doc = buildOpenApi(ROUTES) as { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };
const operations = Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item).map(([method, op]) => ({ path: p, method, op })));
const opById = (id: string) => operations.find((o) => o.op.operationId === id)!;

function patterns(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => patterns(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'pattern' && typeof v === 'string') out.push(v);
      else patterns(v, out);
    }
  }
  return out;
}

const pathParams = (op: Json) => ((op.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'path');

describe('the OpenAPI document for fuzzing', () => {
  it('R-c: every pattern is plain ECMA-262: no Unicode property escape (\\p{…}), compiles without the u flag', () => {
    const all = patterns(doc);
    expect(all.length).toBeGreaterThan(10);
    for (const p of all) {
      expect(p, p).not.toMatch(/\\[pP]\{/);
      expect(() => new RegExp(p), p).not.toThrow();
    }
  });

  it('R-c: every path parameter has an example that its own schema accepts', () => {
    const params = operations.flatMap(({ op }) => pathParams(op).map((p) => ({ id: op.operationId as string, p })));
    expect(params.length).toBeGreaterThan(20);
    for (const { id, p } of params) {
      expect(p.example, `${id} ${String(p.name)}`).toEqual(expect.any(String));
      const pattern = (p.schema as Json).pattern as string | undefined;
      if (pattern) expect(new RegExp(pattern).test(p.example as string), `${id} ${String(p.name)}`).toBe(true);
    }
  });

  it("R-c: POST /applications' 201 and 200 link to every case operation (not the follow-up's, which comes after issuance), the id taken from applicationId", () => {
    const caseOps = operations.filter((o) => o.path.startsWith('/applications/{id}') && !o.path.startsWith('/applications/{id}/follow-up')).map((o) => o.op.operationId as string);
    expect(caseOps).toEqual(expect.arrayContaining(['getApplication', 'acceptApplication', 'approveApplication', 'submitSupplement', 'retryAfterOps']));
    const responses = opById('submitApplication').op.responses as Record<string, Json>;
    for (const status of ['201', '200']) {
      const links = responses[status]!.links as Record<string, Json>;
      expect(Object.keys(links).sort()).toEqual([...caseOps].sort());
      for (const id of caseOps) expect(links[id]).toMatchObject({ operationId: id, parameters: { id: '$response.body#/applicationId' } });
    }
    // Every link names an operation that exists.
    const ids = new Set(operations.map((o) => o.op.operationId));
    for (const { op } of operations) {
      for (const r of Object.values(op.responses as Record<string, Json>)) {
        for (const l of Object.values((r.links as Record<string, Json> | undefined) ?? {})) expect(ids.has(l.operationId)).toBe(true);
      }
    }
    expect(Object.keys(((opById('certifyVerifier').op.responses as Record<string, Json>)['201']!.links as Json) ?? {})).toEqual(['recordVerifierConflict']);
    expect(Object.keys(((opById('importLicences').op.responses as Record<string, Json>)['202']!.links as Json) ?? {})).toEqual(['getImport']);
  });

  it("R-c: the certificate-number pattern accepts every province's numbers (兵团 too) and no other prefix", () => {
    const pattern = new RegExp(((pathParams(opById('checkCertificate').op)[0]!.schema as Json).pattern as string));
    for (const p of PROVINCE_CODES) for (const product of PRODUCT_IDS) expect(pattern.test(certificateNumber(p, product, 1)), `${p} ${product}`).toBe(true);
    for (const bad of ['(港)XK08-001-00001', '(京京)XK08-001-00001', '(京)XK8-001-00001', '(京)XK08-001-0001', '京XK08-001-00001']) expect(pattern.test(bad), bad).toBe(false);
  });

  it("R-c: the date and instant patterns accept exactly what the API's parser accepts", () => {
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const dates = ['2024-02-29', '2023-02-29', '2000-02-29', '1900-02-29', '1600-02-29', '1000-01-01', '0999-12-31', '0020-02-29', '9999-12-31', '2026-04-31', '2026-13-01', '2026-00-10'];
    for (let i = 0; i < 3000; i++) dates.push(`${pad(rnd(10_000), 4)}-${pad(rnd(14), 2)}-${pad(rnd(33), 2)}`);
    for (const d of dates) expect(DATE_PATTERN.test(d), d).toBe(IsoDate.safeParse(d).success);
    const instants = ['2026-03-06T23:30:00+08:00', '2026-03-06T23:30:00.123456789Z', '2026-03-06T23:30:00.1234567891Z', '2026-03-06T23:30:00+14:59', '2026-03-06T23:30:00+15:00', '2026-03-06T23:30Z', '0020-02-29T00:00:00Z'];
    for (let i = 0; i < 3000; i++) {
      const frac = ['', '.5', '.123456789', '.1234567890'][rnd(4)];
      const off = ['Z', `+${pad(rnd(25), 2)}:${pad(rnd(61), 2)}`, `-${pad(rnd(25), 2)}:00`][rnd(3)];
      instants.push(`${pad(900 + rnd(9200), 4)}-${pad(rnd(14), 2)}-${pad(rnd(33), 2)}T${pad(rnd(25), 2)}:${pad(rnd(61), 2)}:${pad(rnd(61), 2)}${frac}${off}`);
    }
    for (const t of instants) expect(INSTANT_PATTERN.test(t), t).toBe(IsoInstant.safeParse(t).success);
  });

  it('R-c: limit and n are documented as the integers the API accepts, with their bounds', () => {
    const limit = (opById('listApplications').op.parameters as Json[]).find((p) => p.name === 'limit')!.schema;
    expect(limit).toEqual({ type: 'integer', minimum: 1, maximum: 200 });
    for (const [v, ok] of [['0', false], ['1', true], ['200', true], ['201', false], ['abc', false]] as const) expect(ListQuery.safeParse({ limit: v }).success, v).toBe(ok);
    const n = (opById('workingDayDeadline').op.parameters as Json[]).find((p) => p.name === 'n')!.schema as Json;
    expect(n).toMatchObject({ type: 'integer', minimum: 0 });
    expect(DeadlineQuery.safeParse({ from: '2026-03-02', n: String(n.maximum) }).success).toBe(true);
    expect(DeadlineQuery.safeParse({ from: '2026-03-02', n: String(Number(n.maximum) + 1) }).success).toBe(false);
  });

  it("R-c: SAMR's list limits are documented with the bounds the API enforces", () => {
    for (const id of ['listSamrDraws', 'listSamrFindings']) {
      expect((opById(id).op.parameters as Json[]).find((p) => p.name === 'limit')!.schema, id).toEqual({ type: 'integer', minimum: 1, maximum: 200 });
    }
  });

  it('R-c: a plain body string is documented without NUL, which the API refuses (PostgreSQL text cannot hold it)', () => {
    const inspector = doc.components.schemas.AddInspectorBody as { properties: Record<string, Json> };
    expect(inspector.properties.name!.pattern).toBe(NO_NUL_PATTERN);
    const re = new RegExp(NO_NUL_PATTERN);
    expect(re.test('王五 \n\t')).toBe(true);
    expect(re.test('王\u0000五')).toBe(false);
  });

  it('R-c: a trimmed string is documented by a pattern that bounds it once trimmed, as the API counts it (a leading vertical tab is not a character of a 3-character reason)', () => {
    const suspend = doc.components.schemas.SuspendLaboratoryBody as { properties: Record<string, Json> };
    expect(suspend.properties.reason).toMatchObject({ type: 'string', pattern: trimmedPattern(3, 1000) });
    expect(suspend.properties.reason!.minLength).toBeUndefined();
    const enforced = z.string().trim().min(3).max(12);
    const re = new RegExp(trimmedPattern(3, 12));
    for (const s of ['abc', ' ab ', '\u000bab\u2028', '  a b  ', '\ufeffabc\u3000', 'a\tb', 'x'.repeat(12), ` ${'x'.repeat(12)} `, 'x'.repeat(13), '', '   ']) {
      expect(re.test(s), JSON.stringify(s)).toBe(enforced.safeParse(s).success);
    }
    expect(re.test('ab\u0000c')).toBe(false);
  });

  it('R-c: a risk report without evidence is accepted, so the document does not require it (R18)', () => {
    const body = doc.components.schemas.SubmitRiskReportBody ?? doc.components.schemas.SubmitPublicRiskReportBody;
    expect(body!.required).toEqual(expect.arrayContaining(['certificateNumber', 'what', 'contact']));
    expect(body!.required).not.toContain('evidence');
  });

  it('R-c: a spot-check sample is documented as sealed (const true), which the API requires', () => {
    const body = doc.components.schemas.RecordSpotCheckSamplingBody as { properties: Record<string, Json> };
    expect(body.properties.sealed).toMatchObject({ const: true });
  });

  it('R-c: every request-body example is accepted by the schema the API enforces; the example application passes the policy checks and names the example case', () => {
    const bodies = operations.filter(({ op }) => (op.requestBody as Json | undefined)?.content && ((op.requestBody as Json).content as Record<string, Json>)['application/json']?.example);
    expect(bodies.map(({ op }) => op.operationId)).toEqual(expect.arrayContaining(['submitApplication', 'certifyVerifier', 'recordVerification', 'assignInspectionTeam', 'recordInspection']));
    for (const { op } of bodies) {
      const route = ROUTES.find((r) => r.operationId === op.operationId)!;
      const example = ((op.requestBody as Json).content as Record<string, Json>)['application/json']!.example;
      expect(route.body!.safeParse(example).success, String(op.operationId)).toBe(true);
    }
    const application = (S.SubmitApplicationBody.meta()!.examples as Json[])[0]!;
    expect(validateApplication(application, shanghaiDate(new Date().toISOString()))).toMatchObject({ ok: true });
    expect(application.applicationId).toBe(pathParams(opById('getApplication').op)[0]!.example);
  });
});
