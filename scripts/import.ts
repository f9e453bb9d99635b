/**
 * `npm run import -- FILE [--dry-run] [--province BJ] [--format csv|jsonl]` (issue 19): imports the
 * licences a province already holds. Validates every row and prints each problem as
 * FILE:LINE field: reason; `--dry-run` stops there and prints what an import would do. Otherwise
 * stages the rows, starts the import workflow `import/<id>` and draws its progress (rows per
 * second, time left) until it ends, then the summary: read, imported, unchanged, changed, refused.
 *
 * Reads DATABASE_URL and TEMPORAL_* like the worker (domain/config.ts); a worker must be running.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '../domain/config';
import { ImportFileError } from '../domain/licence/import-format';
import { type ImportInput, type ImportProgress, importProgressQuery } from '../domain/licence/import-messages';
import { shanghaiDate } from '../domain/time';
import { IMPORT_WORKFLOW_TYPE, importWorkflowId } from '../domain/workflow-ids';
import { migrate } from '../db/migrate';
import { type ChangedRow, classifyRows, importReport, stageImport } from '../db/imports';
import { prepareImport, readImportFile } from '../infra/import-file';
import { connectClient } from '../infra/temporal';
import type { RowProblem } from '../domain/licence/import-rows';

interface Args {
  file: string;
  dryRun: boolean;
  province?: string;
  format?: string;
}

function parseArgs(argv: string[]): Args {
  const out: Partial<Args> = { dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--dry-run') out.dryRun = true;
    else if (a === '--province') out.province = argv[++i];
    else if (a.startsWith('--province=')) out.province = a.slice(11);
    else if (a === '--format') out.format = argv[++i];
    else if (a.startsWith('--format=')) out.format = a.slice(9);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (!out.file) out.file = a;
    else throw new Error(`one file at a time (got ${out.file} and ${a})`);
  }
  if (!out.file) throw new Error('usage: npm run import -- FILE [--dry-run] [--province BJ] [--format csv|jsonl]');
  return out as Args;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function progressLine(p: Pick<ImportProgress, 'processed' | 'read' | 'rowsPerSecond' | 'secondsLeft'>, width = 30): string {
  const share = p.read ? Math.min(1, p.processed / p.read) : 0;
  const filled = Math.round(share * width);
  const left = p.secondsLeft === null ? '…' : p.secondsLeft >= 60 ? `${Math.floor(p.secondsLeft / 60)} min ${p.secondsLeft % 60} s` : `${p.secondsLeft} s`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${fmt(p.processed)}/${fmt(p.read)} rows · ${fmt(Math.round(p.rowsPerSecond))} rows/s · ${left} left`;
}

function printProblems(file: string, problems: RowProblem[], changed: ChangedRow[]): void {
  for (const p of problems) console.log(`${file}:${p.line} ${p.field}: ${p.reason}`);
  for (const c of changed) {
    const fields = c.fields ? ` (${Object.entries(c.fields).map(([k, v]) => `${k}: ${JSON.stringify(v.onRecord)} → ${JSON.stringify(v.inFile)}`).join('; ')})` : '';
    console.log(`${file}:${c.line} changed ${c.key}: ${c.reason}${fields}`);
  }
}

function printSummary(s: { read: number; imported: number; unchanged: number; changed: number; refused: number }, dryRun: boolean, extra = ''): void {
  console.log(`${dryRun ? 'dry run (nothing written): ' : ''}read ${fmt(s.read)}, ${dryRun ? 'would import' : 'imported'} ${fmt(s.imported)}, unchanged ${fmt(s.unchanged)}, changed (reported, not overwritten) ${fmt(s.changed)}, refused ${fmt(s.refused)}${extra}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const fileName = path.basename(args.file);
  const prepared = prepareImport(readImportFile(args.file), fileName, { format: args.format, province: args.province, today: shanghaiDate(Date.now()) });
  if (prepared.notice) console.warn(`note: ${prepared.notice}`);
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
  try {
    await migrate(pool);
    if (args.dryRun) {
      const { counts, changed } = await classifyRows(pool, prepared.rows);
      printProblems(args.file, prepared.problems, changed);
      printSummary(counts, true);
      return;
    }
    const importId = `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(5).toString('hex')}`;
    await stageImport(pool, { importId, fileName, fileSha256: prepared.sha256, encoding: prepared.encoding, format: prepared.format, province: prepared.province, rows: prepared.rows, startedBy: `cli:${process.env.USER ?? 'unknown'}` });
    const { client, connection } = await connectClient(config);
    try {
      const input: ImportInput = { importId, pageSize: config.IMPORT_PAGE_SIZE, concurrency: config.IMPORT_CONCURRENCY, ecqs: config.IMPORT_ECQS };
      const handle = await client.workflow.start(IMPORT_WORKFLOW_TYPE, { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: importWorkflowId(importId), args: [input] });
      console.warn(`import ${importId}: workflow ${handle.workflowId} (Temporal UI, Query importProgress)`);
      const tty = process.stderr.isTTY;
      let lastPrinted = 0;
      let final: ImportProgress | undefined;
      const result = handle.result().then((r: ImportProgress) => (final = r));
      while (!final) {
        await Promise.race([result, new Promise((r) => setTimeout(r, 500))]);
        const p = final ?? (await client.workflow.getHandle(handle.workflowId).query(importProgressQuery).catch(() => undefined));
        if (!p) continue;
        if (tty) process.stderr.write(`\r${progressLine(p)}`);
        else if (Date.now() - lastPrinted > 5000 || final) {
          console.warn(progressLine(p));
          lastPrinted = Date.now();
        }
      }
      if (tty) process.stderr.write('\n');
      const report = await importReport(pool, importId);
      printProblems(args.file, report.refused, report.changed);
      printSummary(report.counts, false, `; lifecycles started ${fmt(final.lifecyclesStarted)}; ${fmt(final.rowsPerSecond)} rows/s`);
    } finally {
      await connection.close();
    }
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof ImportFileError ? `import refused: ${err.message}` : `import: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
