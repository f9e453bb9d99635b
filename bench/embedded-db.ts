/**
 * `npm start`'s embedded database under load (issue 15): starts the real launcher on free ports
 * and a fresh DATA_DIR (no DATABASE_URL), drives full cases through its API, prints figures.
 *
 *   npx tsx bench/embedded-db.ts [cases=100] [concurrency=20]
 *
 * Figures, not assertions; test/integration/start-load.test.ts is the test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { driveCases, randomSecret } from '../test/helpers/drive-cases';

const ROOT = path.resolve(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const cases = Number(process.argv[2] ?? 100);
  const concurrency = Number(process.argv[3] ?? 20);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lp-bench-db-'));
  const [PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT, EMBEDDED_PG_PORT] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const jwtSecret = randomSecret();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(PORT),
    TEMPORAL_PORT: String(TEMPORAL_PORT),
    TEMPORAL_UI_PORT: String(TEMPORAL_UI_PORT),
    EMBEDDED_PG_PORT: String(EMBEDDED_PG_PORT),
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  const proc = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let dbErrors = 0;
  const count = (d: Buffer) => {
    const s = d.toString();
    out += s;
    dbErrors += (s.match(/26000|portal .* does not exist|prepared statement .* does not exist/g) ?? []).length;
  };
  proc.stdout.on('data', count);
  proc.stderr.on('data', count);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 120_000;
    while (!out.includes('start: ready')) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not become ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const dbLine = /Database\s+(.*)/.exec(out)?.[1] ?? '?';
    const r = await driveCases({ baseUrl: `http://127.0.0.1:${PORT}`, jwtSecret, cases, concurrency });
    const pct = (p: number) => (r.latencies.length ? (r.latencies[Math.min(r.latencies.length - 1, Math.floor(p * r.latencies.length))]! / 1000).toFixed(1) : '-');
    console.log(`embedded database: ${dbLine}`);
    console.log(`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
    console.log(`${r.cases} cases at concurrency ${concurrency}: ${r.issued} issued, ${r.errors.length} failed, ${(r.issued / r.seconds).toFixed(2)} cases/s over ${r.seconds.toFixed(1)} s`);
    console.log(`submit → issued: p50 ${pct(0.5)} s, p95 ${pct(0.95)} s, max ${pct(1)} s`);
    console.log(`database protocol errors in the logs (26000 / portal / prepared statement): ${dbErrors}`);
    for (const e of r.errors.slice(0, 10)) console.log(`  error: ${e}`);
  } finally {
    proc.kill('SIGINT');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
