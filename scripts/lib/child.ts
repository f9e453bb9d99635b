/**
 * A child process of `npm start`: its output prefixed line by line, its exit observable,
 * and a stop that escalates from SIGTERM to SIGKILL.
 *
 * Each child leads its own process group (`detached`), so a terminal's Ctrl-C reaches only
 * `npm start`, which then stops the children in order, and a kill reaches anything the
 * child itself started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface ChildOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Run as this user and group (only root may ask): the embedded PostgreSQL refuses root. */
  uid?: number;
  gid?: number;
  /** The polite stop signal (PostgreSQL: SIGINT, its fast shutdown). Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
}

const LAST_LINES = 60;

export class ManagedChild {
  readonly exited: Promise<ChildExit>;
  private readonly proc: ChildProcess;
  private exit: ChildExit | undefined;
  /** When set, output lines are dropped (the expected noise of a server shutting down). */
  muted = false;
  /** Resolves once its output pipes have closed: every line is in `lastLines` by then. */
  readonly outputClosed: Promise<void>;
  private readonly recent: string[] = [];
  readonly stopSignal: NodeJS.Signals;
  /** The command line, for DATA_DIR/children.json and messages. */
  readonly command: string;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    opts: ChildOptions,
  ) {
    this.proc = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid }),
    });
    this.stopSignal = opts.stopSignal ?? 'SIGTERM';
    this.command = [command, ...args].join(' ');
    const prefix = `[${name}] `;
    const pipe = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
      if (!stream) return;
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        // Kept even when muted: why a muted child died is in its last lines (the soak prints them).
        this.recent.push(line);
        if (this.recent.length > LAST_LINES) this.recent.shift();
        if (!this.muted) out.write(prefix + line + '\n');
      });
    };
    pipe(this.proc.stdout, process.stdout);
    pipe(this.proc.stderr, process.stderr);
    this.outputClosed = new Promise<void>((resolve) => this.proc.once('close', () => resolve()));
    this.exited = new Promise<ChildExit>((resolve) => {
      this.proc.once('error', (error) => {
        // 'error' without a pid: spawn failed and no 'exit' will follow.
        if (this.proc.pid === undefined) {
          this.exit = { code: null, signal: null, error };
          resolve(this.exit);
        }
      });
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** Its last output lines (stdout and stderr as they arrived), muted or not. */
  lastLines(): string[] {
    return [...this.recent];
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Signals the child's whole process group; false when there was nothing left to signal. */
  private signalGroup(signal: NodeJS.Signals): boolean {
    const pid = this.proc.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      try {
        return this.proc.kill(signal);
      } catch {
        return false;
      }
    }
  }

  /** The stop signal (SIGTERM unless set), then SIGKILL after `timeoutMs`. Resolves with how it ended. */
  async stop(timeoutMs: number): Promise<'already-exited' | 'exited' | 'killed'> {
    if (!this.running) {
      this.signalGroup('SIGKILL'); // anything the child left behind in its group
      return 'already-exited';
    }
    this.signalGroup(this.stopSignal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.exited.then(() => 'exited' as const), timedOut]);
    clearTimeout(timer);
    if (result === 'exited') {
      this.signalGroup('SIGKILL');
      return 'exited';
    }
    this.signalGroup('SIGKILL');
    await this.exited;
    return 'killed';
  }
}

export function describeExit(exit: ChildExit): string {
  if (exit.error) return `could not be started: ${exit.error.message}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}
