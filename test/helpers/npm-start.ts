/**
 * Runs the real `npm start` (scripts/start.ts under tsx) for tests: free ports, a temporary
 * DATA_DIR, output captured, and the processes it left behind found through /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export interface Ports {
  PORT: number;
  TEMPORAL_PORT: number;
  TEMPORAL_UI_PORT: number;
  EMBEDDED_PG_PORT: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function freePorts(): Promise<Ports> {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT, EMBEDDED_PG_PORT] = [...ports] as [number, number, number, number];
  return { PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT, EMBEDDED_PG_PORT };
}

const tempDirs: string[] = [];
export function tempDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lp-start-'));
  tempDirs.push(dir);
  return dir;
}
export function removeTempDataDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Run {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The tsx process exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its output pipes closed: every process holding them (tsx and the launcher) is gone. */
  closed: Promise<void>;
}

export const running = new Set<Run>();

/** `detached`: its own process group, as a terminal's foreground job (for a SIGHUP to the group). */
export function start(env: Record<string, string | undefined>, opts: { detached?: boolean } = {}): Run {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const proc = spawn(TSX, ['scripts/start.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const run: Run = {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
    closed: new Promise((resolve) => proc.once('close', () => resolve())),
  };
  running.add(run);
  void run.closed.then(() => running.delete(run));
  return run;
}

/** Stops whatever a failed test left running (Ctrl-C, then SIGKILL after 20 s). */
export async function stopRunning(): Promise<void> {
  for (const run of running) {
    run.proc.kill('SIGINT');
    const t = setTimeout(() => run.proc.kill('SIGKILL'), 20_000);
    await run.exited;
    clearTimeout(t);
  }
}

export function baseEnv(ports: Ports, dataDir: string): Record<string, string | undefined> {
  return {
    DATA_DIR: dataDir,
    PORT: String(ports.PORT),
    TEMPORAL_PORT: String(ports.TEMPORAL_PORT),
    TEMPORAL_UI_PORT: String(ports.TEMPORAL_UI_PORT),
    EMBEDDED_PG_PORT: String(ports.EMBEDDED_PG_PORT),
    // The harness may export these for other tests; npm start must use its own.
    DATABASE_URL: undefined,
    TEMPORAL_ADDRESS: undefined,
    PGLITE_PORT: undefined,
  };
}

export async function waitFor(run: Run, text: string | RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void run.closed.then(() => (exited = true));
  const seen = () => (typeof text === 'string' ? run.stdout().includes(text) || run.stderr().includes(text) : text.test(run.stdout() + run.stderr()));
  while (!seen()) {
    if (exited) throw new Error(`npm start exited before '${String(text)}':\n${run.stdout()}\n${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no '${String(text)}' within ${timeoutMs} ms:\n${run.stdout()}\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Processes (Linux /proc) whose environment names this DATA_DIR: what npm start left behind. */
export function processesUsing(dataDir: string): number[] {
  if (process.platform !== 'linux') return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`DATA_DIR=${dataDir}`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** DATA_DIR/children.json as the launcher keeps it. */
export function childrenFile(dataDir: string): { launcher: number; children: { name: string; pid: number }[]; workerRestarts: number } {
  return JSON.parse(readFileSync(path.join(dataDir, 'children.json'), 'utf8')) as ReturnType<typeof childrenFile>;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
