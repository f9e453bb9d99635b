/**
 * Import runs (issue 19): staging a validated file, the dry run's comparison with the register,
 * and the report at the end. Applying a page of rows is ./import-page.ts.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { canonicalRecord, type ImportRecord, type RowProblem, type ValidatedRow } from '../domain/licence/import-rows';
import type { ImportCounts } from '../domain/licence/import-messages';
import { inTransaction } from './tx';

type Db = Pool | PoolClient;

export const recordHash = (r: ImportRecord): string => createHash('sha256').update(canonicalRecord(r)).digest('hex');

export interface StageInput {
  importId: string;
  fileName: string;
  fileSha256: string;
  encoding: string;
  format: string;
  province: string;
  rows: ValidatedRow[];
  startedBy?: string;
}

/** Writes the run and every row (valid or refused) in one transaction; false when the run already exists. */
export async function stageImport(pool: Pool, input: StageInput): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const refused = input.rows.filter((r) => r.problems.length).length;
    const run = await c.query(
      `INSERT INTO import_runs (id, file_name, file_sha256, encoding, format, province, total_rows, refused_rows, started_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
      [input.importId, input.fileName, input.fileSha256, input.encoding, input.format, input.province, input.rows.length, refused, input.startedBy ?? null],
    );
    if (run.rowCount === 0) return false;
    for (let i = 0; i < input.rows.length; i += 2000) {
      const chunk = input.rows.slice(i, i + 2000).map((r) => ({
        line: r.line,
        kind: r.record?.kind ?? null,
        record_key: r.key ?? null,
        record: r.record ?? null,
        record_hash: r.record ? recordHash(r.record) : null,
        problems: r.problems.length ? r.problems : null,
        outcome: r.problems.length ? 'refused' : null,
      }));
      await c.query(
        `INSERT INTO import_rows (import_id, line, kind, record_key, record, record_hash, problems, outcome)
         SELECT $1, x.line, x.kind, x.record_key, x.record, x.record_hash, x.problems, x.outcome
           FROM jsonb_to_recordset($2::jsonb) AS x(line int, kind text, record_key text, record jsonb, record_hash text, problems jsonb, outcome text)`,
        [input.importId, JSON.stringify(chunk)],
      );
    }
    return true;
  });
}

export interface ImportRunRow {
  importId: string;
  fileName: string;
  province: string;
  total: number;
  refused: number;
  finishedAt: string | null;
}

export async function findImportRun(db: Db, importId: string): Promise<ImportRunRow | undefined> {
  const r = await db.query<{ id: string; file_name: string; province: string; total_rows: number; refused_rows: number; finished_at: Date | null }>(
    'SELECT id, file_name, province, total_rows, refused_rows, finished_at FROM import_runs WHERE id = $1',
    [importId],
  );
  const x = r.rows[0];
  return x && { importId: x.id, fileName: x.file_name, province: x.province, total: x.total_rows, refused: x.refused_rows, finishedAt: x.finished_at?.toISOString() ?? null };
}

export async function finishImportRun(db: Db, importId: string, summary: unknown): Promise<void> {
  await db.query('UPDATE import_runs SET finished_at = COALESCE(finished_at, now()), summary = $2 WHERE id = $1', [importId, JSON.stringify(summary)]);
}

export interface ChangedRow {
  line: number;
  key: string;
  reason: string;
  fields?: Record<string, { onRecord: unknown; inFile: unknown }>;
}

export interface ImportReport {
  counts: ImportCounts;
  refused: RowProblem[];
  changed: ChangedRow[];
}

/** The outcome of every row of a run: counts, refused rows (line, field, reason), changed rows. */
export async function importReport(db: Db, importId: string): Promise<ImportReport> {
  const r = await db.query<{ line: number; record_key: string | null; outcome: string | null; problems: RowProblem[] | null; detail: { reason: string; fields?: ChangedRow['fields'] } | null }>(
    `SELECT line, record_key, outcome, problems, detail FROM import_rows WHERE import_id = $1 AND (outcome IN ('refused', 'changed') OR outcome IS NULL) ORDER BY line`,
    [importId],
  );
  const c = await db.query<{ outcome: string | null; n: number }>('SELECT outcome, count(*)::int AS n FROM import_rows WHERE import_id = $1 GROUP BY outcome', [importId]);
  const by = Object.fromEntries(c.rows.map((x) => [x.outcome ?? 'pending', x.n]));
  return {
    counts: {
      read: c.rows.reduce((s, x) => s + x.n, 0),
      imported: by.imported ?? 0,
      unchanged: by.unchanged ?? 0,
      changed: by.changed ?? 0,
      refused: by.refused ?? 0,
    },
    refused: r.rows.filter((x) => x.outcome === 'refused').flatMap((x) => x.problems ?? []),
    changed: r.rows.filter((x) => x.outcome === 'changed').map((x) => ({ line: x.line, key: x.record_key ?? '', reason: x.detail?.reason ?? '', ...(x.detail?.fields ? { fields: x.detail.fields } : {}) })),
  };
}

/** Fields that differ between what is on record and what the file says. */
export function differences(onRecord: Record<string, unknown>, inFile: Record<string, unknown>): ChangedRow['fields'] {
  const out: NonNullable<ChangedRow['fields']> = {};
  for (const k of new Set([...Object.keys(onRecord), ...Object.keys(inFile)])) {
    if (JSON.stringify(onRecord[k]) !== JSON.stringify(inFile[k])) out[k] = { onRecord: onRecord[k] ?? null, inFile: inFile[k] ?? null };
  }
  return out;
}

/**
 * Dry run: what an import of these rows would do, read-only. A licence already on record from an
 * import with the same row is unchanged; with another row, or issued here, it is changed.
 */
export async function classifyRows(db: Db, rows: ValidatedRow[]): Promise<{ counts: ImportCounts; changed: ChangedRow[] }> {
  const valid = rows.filter((r) => r.record && !r.problems.length);
  const licenceKeys = valid.filter((r) => r.record!.kind === 'licence').map((r) => r.key!);
  const factKeys = valid.filter((r) => r.record!.kind !== 'licence').map((r) => r.key!);
  const onRecord = new Map<string, { hash: string | null; source: string }>();
  if (licenceKeys.length) {
    const r = await db.query<{ number: string; import_hash: string | null; source: string }>('SELECT number, import_hash, source FROM certificates WHERE number = ANY($1)', [licenceKeys]);
    for (const x of r.rows) onRecord.set(x.number, { hash: x.import_hash, source: x.source });
  }
  if (factKeys.length) {
    const r = await db.query<{ record_key: string; record_hash: string }>(
      'SELECT record_key, record_hash FROM bans WHERE record_key = ANY($1) UNION ALL SELECT record_key, record_hash FROM supervision_history WHERE record_key = ANY($1)',
      [factKeys],
    );
    for (const x of r.rows) onRecord.set(x.record_key, { hash: x.record_hash, source: 'import' });
  }
  const counts: ImportCounts = { read: rows.length, imported: 0, unchanged: 0, changed: 0, refused: rows.length - valid.length };
  const changed: ChangedRow[] = [];
  for (const r of valid) {
    const found = onRecord.get(r.key!);
    if (!found) counts.imported++;
    else if (found.hash === recordHash(r.record!)) counts.unchanged++;
    else {
      counts.changed++;
      changed.push({ line: r.line, key: r.key!, reason: found.source === 'issued' ? 'certificate issued by this system: not overwritten' : 'on record with other particulars: not overwritten' });
    }
  }
  return { counts, changed };
}
