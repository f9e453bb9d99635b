/** The pinned Schemathesis install and spare ports, for scripts/fuzz.ts. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export const SCHEMATHESIS_VERSION = '4.32.5';
export const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.tools', 'schemathesis');
export const ST = path.join(VENV, 'bin', 'schemathesis');

export function ensureSchemathesis(): void {
  const installed = existsSync(ST) ? execFileSync(ST, ['--version'], { encoding: 'utf8' }) : '';
  if (installed.includes(SCHEMATHESIS_VERSION)) return;
  console.log(`fuzz: installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${path.relative(ROOT, VENV)}`);
  if (!existsSync(path.join(VENV, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`], { stdio: 'inherit' });
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
