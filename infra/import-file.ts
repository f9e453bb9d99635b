/**
 * Reading an import file (issue 19): the bytes, their encoding, the text. UTF-8 is the format;
 * GBK (GB18030), common in exports from legacy systems, is detected and converted, and the
 * run says so. Anything else (a binary file, bytes that are neither) is refused, naming the file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { formatFor, type ImportFormat, ImportFileError, parseImportFile } from '../domain/licence/import-format';
import { inferProvince, type RowProblem, type ValidatedRow, validateRows } from '../domain/licence/import-rows';
import { PROVINCE_CODES, type ProvinceCode } from '../domain/provinces';

export interface DecodedFile {
  text: string;
  encoding: 'utf-8' | 'gbk';
  /** Set when the text was converted: what a person should know. */
  notice?: string;
}

/** The file's bytes; an unreadable file is an ImportFileError naming it and the cause. */
export function readImportFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory, not a file' : e instanceof Error ? e.message : String(e);
    throw new ImportFileError({ file, reason: `cannot read the file: ${why}` });
  }
}

export function decodeImportBytes(bytes: Buffer, file: string): DecodedFile {
  if (bytes.length === 0) throw new ImportFileError({ file, line: 1, reason: 'the file is empty' });
  const head = bytes.subarray(0, 64 * 1024);
  if (head.includes(0)) throw new ImportFileError({ file, reason: 'this is a binary file (NUL bytes), not CSV or JSON lines text; export the register as UTF-8 CSV' });
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    // not UTF-8: try GBK below
  }
  const text = iconv.decode(bytes, 'gb18030');
  if (text.includes('\uFFFD')) {
    const at = firstInvalidUtf8Line(bytes);
    throw new ImportFileError({ file, line: at, reason: 'the file is neither UTF-8 nor GBK: save it as UTF-8 and import it again' });
  }
  return {
    text,
    encoding: 'gbk',
    notice: `${file} is GBK-encoded (not UTF-8): converted to UTF-8 for this import; export as UTF-8 next time`,
  };
}

function firstInvalidUtf8Line(bytes: Buffer): number {
  const lines = bytes.toString('latin1').split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const len = lines[i]!.length + 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(offset, offset + len));
    } catch {
      return i + 1;
    }
    offset += len;
  }
  return 1;
}

export interface PreparedImport {
  fileName: string;
  sha256: string;
  encoding: DecodedFile['encoding'];
  notice?: string;
  format: ImportFormat;
  province: ProvinceCode;
  rows: ValidatedRow[];
  /** Every problem of every refused row (line, field, reason), in file order. */
  problems: RowProblem[];
}

/**
 * Bytes → validated rows, for the command and the API alike. File-level problems (encoding,
 * missing column, malformed CSV) throw ImportFileError naming file, line and column.
 */
export function prepareImport(bytes: Buffer, fileName: string, opts: { format?: string; province?: string; today: string }): PreparedImport {
  const decoded = decodeImportBytes(bytes, fileName);
  const format = formatFor(fileName, opts.format);
  const records = parseImportFile(decoded.text, fileName, format);
  let province: ProvinceCode | undefined;
  if (opts.province) {
    if (!(PROVINCE_CODES as string[]).includes(opts.province)) throw new ImportFileError({ file: fileName, reason: `unknown province ${opts.province} (expected one of ${PROVINCE_CODES.join(', ')})` });
    province = opts.province as ProvinceCode;
  } else {
    province = inferProvince(records);
    if (!province) throw new ImportFileError({ file: fileName, column: 'certificate_number', reason: 'no well-formed certificate number tells which province this register is: name the province' });
  }
  const rows = validateRows(records, { province, today: opts.today });
  return {
    fileName,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    encoding: decoded.encoding,
    ...(decoded.notice ? { notice: decoded.notice } : {}),
    format,
    province,
    rows,
    problems: rows.flatMap((r) => r.problems),
  };
}
