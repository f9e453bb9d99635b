/** The machine and versions every figure is printed with (no Temporal runtime here: the runner imports it too). */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';

export function machine(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; @temporalio/* ${pkg.dependencies['@temporalio/worker']}`;
}
