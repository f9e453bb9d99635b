/**
 * Import of the licences a province already holds (issue 19), for ops: the same file as
 * `npm run import`, sent as the request body. Every row is validated here; a dry run answers the
 * report and writes nothing; otherwise the rows are staged and the import workflow
 * `import/<id>` runs them (progress: GET /imports/{id}, or its Query in the Temporal UI).
 */
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { ProvinceCode } from '../../domain/approval/application';
import { loadConfig } from '../../domain/config';
import { ImportFileError } from '../../domain/licence/import-format';
import { type ImportInput, importProgressQuery } from '../../domain/licence/import-messages';
import { shanghaiDate } from '../../domain/time';
import { IMPORT_WORKFLOW_TYPE, importWorkflowId } from '../../domain/workflow-ids';
import { classifyRows, findImportRun, importReport, stageImport } from '../../db/imports';
import { prepareImport } from '../../infra/import-file';
import { fromDb, HttpProblem } from '../problem';
import { type AnyRoute, defineRoute } from '../route';
import { withTemporal } from '../temporal';
import { E } from './common';

const CSV_TYPES = ['text/csv', 'text/plain'];
const JSONL_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/jsonlines'];
const ANY_TYPES = ['application/octet-stream'];

const ImportQuery = z
  .object({
    fileName: z.string().min(1).max(200).regex(/^[^/\\]+$/, 'a file name, no path').optional().describe('the file name, for the report (default: upload.csv / upload.jsonl)'),
    format: z.enum(['csv', 'jsonl']).optional().describe('default: from the Content-Type, else the file name'),
    province: ProvinceCode.optional().describe('the province whose register this is; default: the prefix most certificate numbers carry'),
    dryRun: z.enum(['true', 'false']).optional().describe('true: validate and compare with the register, write nothing'),
  })
  .strict();
/** One licence, every column (docs/import-format.md). */
const EXAMPLE_CSV = [
  'certificate_number,uscc,enterprise_name,registered_address,production_addresses,product,product_names,issued_on,valid_until,status,status_date,status_ground,status_reason,issuing_authority',
  '(京)XK08-001-00001,91110000MA01ABCDEX,北京示范水泥有限公司,北京市房山区示范路1号,北京市房山区示范路1号厂区,cement,通用硅酸盐水泥,2026-03-02,2031-03-01,valid,,,,北京市市场监督管理局',
].join('\n');
const ImportIdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,80}$/).meta({ examples: ['20260301-bj-register'] }) }).strict();

const Counts = z.object({ read: z.number().int(), imported: z.number().int(), unchanged: z.number().int(), changed: z.number().int(), refused: z.number().int() }).strict();
const RowProblemSchema = z.object({ line: z.number().int(), field: z.string(), reason: z.string() }).strict();
const ChangedRowSchema = z.object({ line: z.number().int(), key: z.string(), reason: z.string(), fields: z.record(z.string(), z.unknown()).optional() }).strict();
export const ImportStarted = z
  .object({
    importId: z.string().nullable(),
    workflowId: z.string().nullable(),
    dryRun: z.boolean(),
    fileName: z.string(),
    encoding: z.enum(['utf-8', 'gbk']),
    notice: z.string().optional(),
    province: z.string(),
    summary: Counts.describe('dry run: what an import would do; otherwise: rows read and refused so far'),
    refused: z.array(RowProblemSchema).describe('every problem of every refused row: line, field (column), reason'),
    changed: z.array(ChangedRowSchema).optional(),
  })
  .strict();
export const ImportStatus = z
  .object({ importId: z.string(), workflowId: z.string(), progress: z.record(z.string(), z.unknown()).nullable(), summary: Counts, refused: z.array(RowProblemSchema), changed: z.array(ChangedRowSchema) })
  .strict();

async function readBody(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpProblem('payload-too-large', `the file exceeds the limit of ${limit} bytes (IMPORT_MAX_BYTES)`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const fileProblem = (e: ImportFileError) =>
  new HttpProblem('validation', `the file cannot be imported: ${e.message}`, [{ path: `file${e.problem.line ? `:${e.problem.line}` : ''}${e.problem.column ? `:${e.problem.column}` : ''}`, message: e.problem.reason }]);

const startImport = defineRoute({
  method: 'post',
  path: '/imports',
  operationId: 'importLicences',
  tag: 'operations',
  summary: 'Import existing licences',
  description:
    'The register of licences the province already holds, as CSV with a header (Content-Type text/csv) or JSON lines (application/x-ndjson), UTF-8 ' +
    '(GBK is detected and converted, and the answer says so). Columns: docs/import-format.md. Every row is validated (USCC check character, ' +
    'certificate number format and province prefix, product code, dates, status); refused rows are listed with line, field and reason and are not imported. ' +
    '`dryRun=true` answers what an import would do and writes nothing. Otherwise the valid rows are imported by the workflow `import/<importId>`: ' +
    'the same row again is unchanged, a different one is reported as changed and never overwritten, and each valid licence gets its lifecycle (L05). ' +
    'An Idempotency-Key header names the import: the same key again answers the same import.',
  rules: ['L05', 'L07', 'L04', 'R06'],
  roles: ['ops'],
  query: ImportQuery,
  headers: { 'Idempotency-Key': z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional() },
  rawBody: { contentTypes: [...CSV_TYPES, ...JSONL_TYPES, ...ANY_TYPES], description: 'the import file, as exported (CSV with a header, or JSON lines)', examples: { 'text/csv': EXAMPLE_CSV } },
  responses: {
    200: { description: 'dry run: the report, nothing written; or the import this Idempotency-Key already started', schema: ImportStarted },
    202: {
      description: 'validated and staged; the import workflow runs (Location: /imports/{id})',
      schema: ImportStarted,
      links: { to: '/imports/:id', parameters: { id: '$response.body#/importId' } },
    },
    401: E[401],
    403: E[403],
    413: { description: 'the file is larger than IMPORT_MAX_BYTES' },
    415: { description: 'not CSV or JSON lines' },
    422: { description: 'the file as a whole cannot be read (encoding, missing column, malformed CSV): `errors[].path` is file:line:column' },
    503: E[503],
  },
  async handler({ req, deps, query, principal }) {
    const type = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (![...CSV_TYPES, ...JSONL_TYPES, ...ANY_TYPES].includes(type)) {
      throw new HttpProblem('unsupported-media-type', `send the file as text/csv or application/x-ndjson (got ${type || 'none'})`);
    }
    const config = loadConfig();
    const key = req.header('idempotency-key');
    if (key !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(key)) throw new HttpProblem('validation', 'invalid Idempotency-Key', [{ path: 'header.Idempotency-Key', message: '1-64 letters, digits, . _ -' }]);
    const format = query.format ?? (JSONL_TYPES.includes(type) ? 'jsonl' : CSV_TYPES.includes(type) ? 'csv' : undefined);
    const fileName = query.fileName ?? `upload.${format ?? 'csv'}`;
    const bytes = await readBody(req, config.IMPORT_MAX_BYTES);
    let prepared;
    try {
      prepared = prepareImport(bytes, fileName, { format, province: query.province, today: shanghaiDate(Date.now()) });
    } catch (e) {
      if (e instanceof ImportFileError) throw fileProblem(e);
      throw e;
    }
    const base = { fileName, encoding: prepared.encoding, ...(prepared.notice ? { notice: prepared.notice } : {}), province: prepared.province, refused: prepared.problems };
    if (query.dryRun === 'true') {
      const { counts, changed } = await fromDb('the certificate register', () => classifyRows(deps.pool, prepared.rows));
      return { status: 200, body: { importId: null, workflowId: null, dryRun: true, ...base, summary: counts, changed } };
    }
    const importId = key ?? `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(5).toString('hex')}`;
    const created = await fromDb('the import register', () =>
      stageImport(deps.pool, { importId, fileName, fileSha256: prepared.sha256, encoding: prepared.encoding, format: prepared.format, province: prepared.province, rows: prepared.rows, startedBy: principal.sub }),
    );
    const workflowId = importWorkflowId(importId);
    const input: ImportInput = { importId, pageSize: config.IMPORT_PAGE_SIZE, concurrency: config.IMPORT_CONCURRENCY, ecqs: config.IMPORT_ECQS };
    await withTemporal(`import ${importId}`, () =>
      deps.client.workflow.start(IMPORT_WORKFLOW_TYPE, { taskQueue: deps.taskQueue, workflowId, args: [input] }).catch((e: unknown) => {
        if (e instanceof Error && e.name === 'WorkflowExecutionAlreadyStartedError') return undefined;
        throw e;
      }),
    );
    const refused = prepared.problems.length ? new Set(prepared.problems.map((p) => p.line)).size : 0;
    return {
      status: created ? 202 : 200,
      headers: { Location: `/imports/${importId}` },
      body: { importId, workflowId, dryRun: false, ...base, summary: { read: prepared.rows.length, imported: 0, unchanged: 0, changed: 0, refused } },
    };
  },
});

const importStatus = defineRoute({
  method: 'get',
  path: '/imports/:id',
  operationId: 'getImport',
  tag: 'operations',
  summary: 'Read an import',
  description: "An import's progress (the workflow's Query `importProgress`: rows per second, seconds left) and its report so far: counts, refused rows, changed rows.",
  rules: ['L05', 'L07'],
  roles: ['ops'],
  params: ImportIdParams,
  responses: { 200: { description: 'the import', schema: ImportStatus }, 401: E[401], 403: E[403], 404: { description: 'no such import' }, 422: E[422], 503: E[503] },
  async handler({ deps, params }) {
    const run = await fromDb('the import register', () => findImportRun(deps.pool, params.id));
    if (!run) throw new HttpProblem('not-found', `no import ${params.id}`);
    const workflowId = importWorkflowId(params.id);
    const progress = await withTemporal(`import ${params.id}`, () => deps.client.workflow.getHandle(workflowId).query(importProgressQuery)).catch(() => null);
    const report = await fromDb('the import register', () => importReport(deps.pool, params.id));
    return { status: 200, body: { importId: params.id, workflowId, progress: progress as Record<string, unknown> | null, summary: report.counts, refused: report.refused, changed: report.changed } };
  },
});

export const importRoutes: AnyRoute[] = [startImport, importStatus];
