/**
 * The OpenAPI 3.1 document, generated from the route list and its zod schemas (z.toJSONSchema,
 * JSON Schema 2020-12, which is OpenAPI 3.1's dialect). Named schemas go to components; every
 * error response refers to the one Problem schema (RFC 9457).
 */
import { z } from 'zod';
import { ROLES } from '../domain/roles';
import { Problem, ProblemKind } from './problem';
import { type AnyRoute, openApiPath, rateLimitOf, type ResponseLinks } from './route';
import * as Schemas from './schemas';

export const API_TITLE = 'Production-licence approval API';
export const API_VERSION = '1.0.0';

type Json = Record<string, unknown>;

/** Name of a schema in components: a route's operation plus its role (`SubmitApplicationBody`). */
const pascal = (s: string) => s.replace(/(^|[-_ ])(\w)/g, (_m, _sep: string, c: string) => c.toUpperCase());

function stripDialect(schema: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/** String.prototype.trim's whitespace (WhiteSpace and LineTerminator) spelled out: `\\s` differs between ECMA-262 and the Python regexes fuzzers generate from. */
const TRIM_SPACE = '\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * A trimmed string's bounds hold for the string once trimmed (`"\\v ab"` is 2 characters for
 * `.trim().min(3)`), which `minLength`/`maxLength` cannot say: a pattern does, with NUL refused too
 * (NO_NUL_PATTERN, below): any surrounding whitespace, then min..max characters without NUL that
 * start and end with something else.
 */
export function trimmedPattern(min: number, max: number | undefined): string {
  const ws = `[${TRIM_SPACE}]*`;
  const edge = `[^${TRIM_SPACE}\\u0000]`;
  const alternatives: string[] = [];
  if (min <= 1 && (max === undefined || max >= 1)) alternatives.push(edge);
  if (max === undefined || max >= 2) alternatives.push(`${edge}[^\\u0000]{${Math.max(0, min - 2)},${max === undefined ? '' : max - 2}}${edge}`);
  const core = `(?:${alternatives.join('|')})`;
  return `^${ws}${min === 0 ? `${core}?` : core}${ws}$`;
}

const isTrimmed = (schema: z.core.$ZodType): boolean =>
  ((schema._zod.def as { checks?: z.core.$ZodCheck[] }).checks ?? []).some((c) => {
    const def = c._zod.def as { check: string; tx?: (v: string) => string };
    return def.check === 'overwrite' && def.tx?.(' x ') === 'x';
  });

/** z.toJSONSchema's hook: trimmed strings carry trimmedPattern instead of their length bounds. */
function describeTrim(ctx: { zodSchema: z.core.$ZodType; jsonSchema: Json }): void {
  const j = ctx.jsonSchema;
  if (j.type !== 'string' || j.pattern !== undefined || j.format !== undefined || !isTrimmed(ctx.zodSchema)) return;
  j.pattern = trimmedPattern(typeof j.minLength === 'number' ? j.minLength : 0, typeof j.maxLength === 'number' ? j.maxLength : undefined);
  delete j.minLength;
  delete j.maxLength;
}

function fieldSchema(field: z.ZodType): Json {
  return stripDialect(z.toJSONSchema(field, { unrepresentable: 'any', io: 'input', override: describeTrim }) as Json);
}

/**
 * PostgreSQL text cannot hold NUL, so the API refuses it in every body string (api/route.ts, 422);
 * the document says so on each plain string, or fuzzers would count that 422 as valid data refused.
 */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';
function forbidNul<T>(node: T): T {
  if (Array.isArray(node)) return node.map(forbidNul) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Json = Object.fromEntries(Object.entries(node as Json).map(([k, v]) => [k, k === 'examples' || k === 'example' || k === 'default' ? v : forbidNul(v)]));
  if (out.type === 'string' && out.pattern === undefined && out.format === undefined && out.enum === undefined && out.const === undefined) out.pattern = NO_NUL_PATTERN;
  return out as T;
}

function parameters(route: AnyRoute): Json[] {
  const out: Json[] = [];
  const add = (where: 'path' | 'query', obj: z.ZodType | undefined) => {
    if (!obj) return;
    const shape = (obj as unknown as { shape: Record<string, z.ZodType> }).shape;
    for (const [name, field] of Object.entries(shape)) {
      const schema = fieldSchema(field);
      const { description, examples, ...rest } = schema;
      out.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        ...(typeof description === 'string' ? { description } : {}),
        ...(Array.isArray(examples) && examples.length ? { example: examples[0] } : {}),
        schema: rest,
      });
    }
  };
  add('path', route.params);
  add('query', route.query);
  for (const [name, field] of Object.entries(route.headers ?? {})) {
    const { description, examples, ...rest } = fieldSchema(field);
    out.push({
      name,
      in: 'header',
      required: false,
      ...(typeof description === 'string' ? { description } : {}),
      ...(Array.isArray(examples) && examples.length ? { example: examples[0] } : {}),
      schema: rest,
    });
  }
  return out;
}

/** OpenAPI links to every route at or below `spec.to` whose path parameters the response fills. */
function linksOf(spec: ResponseLinks, routes: readonly AnyRoute[]): Json | undefined {
  const links: Json = {};
  for (const target of routes) {
    if (target.path !== spec.to && !target.path.startsWith(`${spec.to}/`)) continue;
    if (spec.except?.some((p) => target.path === p || target.path.startsWith(`${p}/`))) continue;
    const names = [...target.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    if (!names.every((n) => n in spec.parameters)) continue;
    links[target.operationId] = {
      operationId: target.operationId,
      description: target.summary,
      parameters: Object.fromEntries(names.map((n) => [n, spec.parameters[n]])),
    };
  }
  return Object.keys(links).length ? links : undefined;
}

export function buildOpenApi(routes: readonly AnyRoute[]): Json {
  // One registry: each named schema becomes a component; shared sub-schemas are inlined.
  const registry = z.registry<{ id: string }>();
  const named = new Map<z.ZodType, string>();
  // Schemas exported by schemas.ts keep their export name in components.
  const exportName = new Map<unknown, string>(Object.entries(Schemas).map(([k, v]) => [v, k]));
  const nameOf = (schema: z.ZodType, fallback: string): string => {
    const existing = named.get(schema);
    if (existing) return existing;
    const name = exportName.get(schema) ?? fallback;
    named.set(schema, name);
    registry.add(schema, { id: name });
    return name;
  };
  nameOf(Problem, 'Problem');

  const paths: Record<string, Record<string, Json>> = {};
  const ops: { route: AnyRoute; op: Json }[] = [];
  for (const route of routes) {
    const op: Json = {
      operationId: route.operationId,
      tags: [route.tag],
      summary: route.summary,
      description: [
        route.description,
        route.roles === 'public' ? 'Public: no token needed.' : `Roles: ${route.roles.join(', ')}.`,
        route.scope,
        route.rules?.length ? `Rules: ${route.rules.join(', ')}.` : undefined,
      ]
        .filter(Boolean)
        .join('\n\n'),
      'x-roles': route.roles === 'public' ? [] : [...route.roles],
      ...(route.rules ? { 'x-rules': route.rules } : {}),
      ...(route.roles === 'public' ? { security: [] } : {}),
    };
    const params = parameters(route);
    if (params.length) op.parameters = params;
    if (route.body) {
      // The body's example also on the media type, where every tool looks for it (the schema is a $ref).
      const example = (z.globalRegistry.get(route.body)?.examples as unknown[] | undefined)?.[0];
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${nameOf(route.body, `${pascal(route.operationId)}Body`)}` }, ...(example ? { example } : {}) } },
      };
    }
    if (route.rawBody) {
      op.requestBody = {
        required: true,
        description: route.rawBody.description,
        content: Object.fromEntries(route.rawBody.contentTypes.map((t) => [t, { schema: { type: 'string' }, ...(route.rawBody!.examples?.[t] ? { example: route.rawBody!.examples[t] } : {}) }])),
      };
    }
    const responses: Record<string, Json> = {};
    const limited = rateLimitOf(route) ? { 429: { description: 'rate limit reached (docs/security.md); the Retry-After header says when to try again' } } : {};
    for (const [status, doc] of Object.entries({ ...route.responses, ...limited })) {
      const isError = Number(status) >= 400;
      const contentType = doc.contentType ?? (isError ? 'application/problem+json' : 'application/json');
      const schema = isError ? Problem : doc.schema;
      const ref = schema
        ? contentType.startsWith('application/') && contentType.includes('json')
          ? { $ref: `#/components/schemas/${nameOf(schema, `${pascal(route.operationId)}Response${status}`)}` }
          : fieldSchema(schema)
        : undefined;
      const links = doc.links ? linksOf(doc.links, routes) : undefined;
      responses[status] = { description: doc.description, ...(ref ? { content: { [contentType]: { schema: ref } } } : {}), ...(links ? { links } : {}) };
    }
    op.responses = responses;
    ops.push({ route, op });
    (paths[openApiPath(route.path)] ??= {})[route.method] = op;
  }

  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any', override: describeTrim }) as { schemas: Record<string, Json> };
  const components: Record<string, Json> = {};
  // Not Problem: its detail may quote the bad input, NUL and all (a body that is not JSON).
  for (const [name, schema] of Object.entries(schemas)) components[name] = name === 'Problem' ? stripDialect(schema) : forbidNul(stripDialect(schema));

  return {
    openapi: '3.1.0',
    // No jsonSchemaDialect: OpenAPI 3.1's default (its base dialect) is JSON Schema 2020-12, which z.toJSONSchema emits;
    // naming another value makes Swagger UI (/docs) warn on every page.
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description: [
        'Provincial industrial-product production-licence approval (SAMR notice 国市监质监〔2020〕152号).',
        'Bearer JWT (HS256) with claims sub, role, province (authority staff) and uscc (applicants).',
        `Roles: ${ROLES.join(', ')}.`,
        `Errors are RFC 9457 application/problem+json; types: ${Object.keys(ProblemKind).map((k) => `/problems/${k}`).join(', ')}.`,
      ].join('\n\n'),
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: components,
    },
  };
}
