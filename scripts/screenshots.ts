/**
 * Regenerates the console screenshots in docs/screenshots/ (shown in the README): runs the
 * browser tests (test/browser/console.test.ts, real API, worker, Temporal dev server and
 * PostgreSQL, Debian's Chromium) with LP_SCREENSHOTS_DIR set, so each main page is captured
 * at the moment the test has it in the state worth showing.
 *
 *   npm run screenshots        (needs DATABASE_URL or a PostgreSQL on 127.0.0.1:5432, and /usr/bin/chromium)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'docs', 'screenshots');
const run = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/browser/console.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LP_SCREENSHOTS_DIR: dir },
});
if (run.status === 0) console.log(`screenshots: written to ${path.relative(root, dir)}/`);
process.exit(run.status ?? 1);
