/**
 * The import file of licences a province already holds (issue 19): CSV with a header row, or
 * JSON lines, UTF-8. Parsing only: records with their line numbers, and file-level problems
 * (missing column, malformed quoting, a line that is not JSON) named by file, line and column.
 * Row validation is ./import-rows.ts. Documented in docs/import-format.md.
 */

/** Every column of a licence row; `record_type` and `ends_on` are optional (bans and grade history). */
export const IMPORT_COLUMNS = [
  'certificate_number',
  'uscc',
  'enterprise_name',
  'registered_address',
  'production_addresses',
  'product',
  'product_names',
  'issued_on',
  'valid_until',
  'status',
  'status_date',
  'status_ground',
  'status_reason',
  'issuing_authority',
] as const;
export const OPTIONAL_COLUMNS = ['record_type', 'ends_on'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

export type ImportFormat = 'csv' | 'jsonl';

/** One row as read: its first line in the file and its cells by column (lists joined by `;`). */
export interface RawRecord {
  line: number;
  cells: Partial<Record<ImportColumn, string>>;
}

/** A problem that stops the whole file (nothing is imported): where, and what. */
export interface FileProblem {
  file: string;
  line?: number;
  column?: string;
  reason: string;
}

export class ImportFileError extends Error {
  override name = 'ImportFileError';
  constructor(readonly problem: FileProblem) {
    super(`${problem.file}${problem.line ? `:${problem.line}` : ''}${problem.column ? ` column ${problem.column}` : ''}: ${problem.reason}`);
  }
}

export function formatFor(fileName: string, declared?: string): ImportFormat {
  if (declared === 'csv' || declared === 'jsonl') return declared;
  return /\.(jsonl|ndjson|json)$/i.test(fileName) ? 'jsonl' : 'csv';
}

/** Lists inside a cell: `;`, `；` or `|` (CSV); JSON lines may give arrays. */
export function splitList(cell: string | undefined): string[] {
  return (cell ?? '').split(/[;；|]/).map((s) => s.trim()).filter(Boolean);
}

export function parseImportFile(text: string, file: string, format: ImportFormat): RawRecord[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return format === 'csv' ? parseCsv(body, file) : parseJsonLines(body, file);
}

/** RFC 4180: quoted cells may hold commas, quotes ("") and line breaks; CRLF or LF. */
function parseCsv(text: string, file: string): RawRecord[] {
  const rows: { line: number; cells: string[] }[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let atCellStart = true;
    for (; i < text.length; i++) {
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else {
          if (ch === '\n') line++;
          cell += ch;
        }
      } else if (ch === '"' && atCellStart) {
        quoted = true;
        atCellStart = false;
      } else if (ch === ',') {
        cells.push(cell);
        cell = '';
        atCellStart = true;
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && text[i + 1] === '\n') i++;
        i++;
        line++;
        break;
      } else {
        cell += ch;
        atCellStart = false;
      }
    }
    if (quoted) throw new ImportFileError({ file, line: start, reason: 'a quoted cell is never closed (unbalanced ")' });
    cells.push(cell);
    if (cells.length === 1 && cells[0]!.trim() === '') continue; // blank line
    rows.push({ line: start, cells });
  }
  if (!rows.length) throw new ImportFileError({ file, line: 1, reason: 'the file is empty: expected a header row naming the columns' });
  const header = rows[0]!.cells.map((h) => h.trim().toLowerCase());
  checkColumns(header, file);
  return rows.slice(1).map((r) => {
    if (r.cells.length !== header.length) {
      throw new ImportFileError({ file, line: r.line, reason: `${r.cells.length} cells, but the header names ${header.length} columns` });
    }
    const cells: RawRecord['cells'] = {};
    header.forEach((h, k) => {
      if (isColumn(h)) cells[h] = r.cells[k]!.trim();
    });
    return { line: r.line, cells };
  });
}

function parseJsonLines(text: string, file: string): RawRecord[] {
  const out: RawRecord[] = [];
  let seenColumns: Set<string> | undefined;
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = k + 1;
    if (!raw.trim()) return;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      throw new ImportFileError({ file, line, reason: `not a JSON object: ${e instanceof Error ? e.message : String(e)}` });
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new ImportFileError({ file, line, reason: 'each line must be one JSON object' });
    const keys = Object.keys(obj);
    if (!seenColumns) {
      checkColumns(keys, file, line);
      seenColumns = new Set(keys);
    }
    const cells: RawRecord['cells'] = {};
    for (const [key, v] of Object.entries(obj as Record<string, unknown>)) {
      if (!isColumn(key)) continue;
      cells[key] = v === null || v === undefined ? '' : Array.isArray(v) ? v.map(String).join(';') : String(v).trim();
    }
    out.push({ line, cells });
  });
  if (!out.length) throw new ImportFileError({ file, line: 1, reason: 'the file is empty: expected one JSON object per line' });
  return out;
}

function isColumn(name: string): name is ImportColumn {
  return (IMPORT_COLUMNS as readonly string[]).includes(name) || (OPTIONAL_COLUMNS as readonly string[]).includes(name);
}

function checkColumns(names: string[], file: string, line = 1): void {
  const missing = IMPORT_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length) {
    throw new ImportFileError({ file, line, column: missing.join(', '), reason: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected: ${IMPORT_COLUMNS.join(', ')})` });
  }
}
