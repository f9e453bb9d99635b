/**
 * Import files (issue 19), without servers: every kind of bad row reported with its line, field
 * and reason; file-level problems (unreadable, GBK, missing column, malformed) naming the file,
 * line and column. The same code runs in `npm run import` and POST /imports.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ImportFileError } from '../../domain/licence/import-format';
import { prepareImport, readImportFile } from '../../infra/import-file';
import { shanghaiDate } from '../../domain/time';
import { BAD_KINDS, type BadKind, generateImportFile, toCsv, toJsonLines } from '../helpers/import-file';

const today = shanghaiDate(Date.now());
const FIELD: Record<BadKind, string> = {
  uscc: 'uscc',
  'number-format': 'certificate_number',
  'province-prefix': 'certificate_number',
  'product-code': 'product',
  'unreal-date': 'issued_on',
  'date-order': 'valid_until',
  status: 'status',
  duplicate: 'certificate_number',
  'missing-field': 'enterprise_name',
};

function fileError(fn: () => unknown): ImportFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ImportFileError) return e;
    throw e;
  }
  throw new Error('expected an ImportFileError');
}

describe('import file', () => {
  const gen = generateImportFile({ rows: 400, badPerKind: 3, today });

  it('import: every kind of bad row is refused with its line, field and reason; the others are valid (CSV and JSON lines alike)', () => {
    for (const [bytes, name] of [[Buffer.from(toCsv(gen.rows)), 'register.csv'], [Buffer.from(toJsonLines(gen.rows)), 'register.jsonl']] as const) {
      const p = prepareImport(bytes, name, { today });
      expect(p.province).toBe('BJ');
      const refusedLines = new Set(p.problems.map((x) => x.line));
      // JSON lines have no header: line numbers are one less.
      const shift = name.endsWith('.csv') ? 0 : -1;
      expect([...refusedLines].sort((a, b) => a - b)).toEqual([...gen.bad.keys()].map((l) => l + shift).sort((a, b) => a - b));
      for (const [line, kind] of gen.bad) {
        const mine = p.problems.filter((x) => x.line === line + shift);
        expect(mine.map((x) => x.field), `${kind} at line ${line}`).toContain(FIELD[kind]);
        for (const m of mine) expect(m.reason.length).toBeGreaterThan(5);
      }
      expect(p.rows.filter((r) => r.record).length).toBe(gen.validLicences + gen.validFacts);
      expect(BAD_KINDS.every((k) => [...gen.bad.values()].includes(k))).toBe(true);
    }
  });

  it('L07: a duplicate certificate number names the line it repeats; the province prefix and product code are checked', () => {
    const p = prepareImport(Buffer.from(toCsv(gen.rows)), 'register.csv', { today });
    const dup = p.problems.find((x) => x.reason.startsWith('duplicate of line'))!;
    expect(dup.field).toBe('certificate_number');
    expect(dup.reason).toMatch(/^duplicate of line \d+: \(京\)XK\d\d-001-\d{5} appears twice in the file$/);
    expect(p.problems.find((x) => x.reason.includes('province prefix'))!.reason).toContain("(沪) is not this import's province BJ (京)");
    expect(p.problems.some((x) => x.field === 'product' && /carries XK0[58]-001/.test(x.reason))).toBe(true);
  });

  it('import: a GBK file (legacy export) is detected and converted, and says so; names survive', () => {
    const small = generateImportFile({ rows: 20, badPerKind: 0, today });
    const gbk = iconv.encode(toCsv(small.rows), 'gbk');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk)).toThrow();
    const p = prepareImport(gbk, 'legacy.csv', { today });
    expect(p.encoding).toBe('gbk');
    expect(p.notice).toContain('legacy.csv is GBK-encoded');
    expect(p.problems).toEqual([]);
    const first = p.rows.find((r) => r.record?.kind === 'licence')!.record!;
    expect(first.kind === 'licence' && first.enterpriseName).toBe('北京第0建材有限公司');
  });

  it('import: an unreadable file, a binary file and bytes that are neither UTF-8 nor GBK are refused naming the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lp-import-'));
    expect(fileError(() => readImportFile(path.join(dir, 'missing.csv'))).message).toMatch(/missing\.csv: cannot read the file: no such file/);
    expect(fileError(() => readImportFile(dir)).message).toMatch(/is a directory/);
    const bin = path.join(dir, 'register.xlsx');
    writeFileSync(bin, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]));
    expect(fileError(() => prepareImport(readImportFile(bin), 'register.xlsx', { today })).message).toMatch(/register\.xlsx: this is a binary file/);
    expect(fileError(() => prepareImport(Buffer.from([0x61, 0x0a, 0xff, 0xff, 0xff, 0x0a]), 'x.csv', { today })).problem).toMatchObject({ file: 'x.csv', line: 2 });
  });

  it('import: a missing column stops the file, naming file, line and column; a malformed CSV names its line', () => {
    const csv = toCsv(gen.rows.slice(0, 5)).replace('issuing_authority', 'authority');
    const e = fileError(() => prepareImport(Buffer.from(csv), 'register.csv', { today }));
    expect(e.problem).toMatchObject({ file: 'register.csv', line: 1, column: 'issuing_authority' });
    expect(e.message).toContain('register.csv:1 column issuing_authority: missing column issuing_authority');
    const jsonl = toJsonLines(gen.rows.slice(0, 3)).split('\n').map((l, i) => (i === 0 ? l.replace('"uscc"', '"usc"') : l)).join('\n');
    expect(fileError(() => prepareImport(Buffer.from(jsonl), 'r.jsonl', { today })).problem).toMatchObject({ line: 1, column: 'uscc' });
    const broken = toCsv(gen.rows.slice(0, 5)).split('\r\n');
    broken[3] = `${broken[3]},extra`;
    expect(fileError(() => prepareImport(Buffer.from(broken.join('\r\n')), 'register.csv', { today })).problem).toMatchObject({ line: 4 });
    const notJson = `${toJsonLines(gen.rows.slice(0, 2))}{"oops"\n`;
    expect(fileError(() => prepareImport(Buffer.from(notJson), 'r.jsonl', { today })).problem).toMatchObject({ line: 3 });
  });
});
