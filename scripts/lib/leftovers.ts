/**
 * What `npm start` has running, in DATA_DIR/children.json: each child's pid (it leads its own
 * process group), its start time (/proc/<pid>/stat field 22, clock ticks since boot) and its
 * command. A launcher killed with SIGKILL cannot stop its children; the next `npm start` reads
 * this file and stops those that are provably the same processes (same pid AND same start
 * time, so a reused pid is never touched), newest first, as Ctrl-C would. Where it cannot prove
 * it (no /proc), it names them (pid, command) and leaves them alone.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export interface ChildRecord {
  name: string;
  pid: number;
  /** /proc start time; undefined where there is no /proc. */
  startTime?: string;
  command: string;
  stopSignal: NodeJS.Signals;
}

interface ChildrenFile {
  launcher: number;
  children: ChildRecord[];
  /** How often the worker was restarted by this launcher (README: "Run it"). */
  workerRestarts: number;
}

/** Start time of a live process, from /proc; undefined if it is gone or there is no /proc. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function processCommand(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (one we may not signal still does). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The launcher's own record of its children, rewritten (atomically) on every change. */
export class ChildrenFileWriter {
  private readonly state: ChildrenFile = { launcher: process.pid, children: [], workerRestarts: 0 };
  constructor(private readonly file: string) {}

  add(name: string, pid: number, command: string, stopSignal: NodeJS.Signals): void {
    this.state.children.push({ name, pid, startTime: processStartTime(pid), command, stopSignal });
    this.write();
  }

  remove(pid: number): void {
    this.state.children = this.state.children.filter((c) => c.pid !== pid);
    this.write();
  }

  set workerRestarts(n: number) {
    this.state.workerRestarts = n;
    this.write();
  }

  private write(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2) + '\n');
    renameSync(tmp, this.file);
  }

  delete(): void {
    rmSync(this.file, { force: true });
  }
}

export interface Leftovers {
  /** Stopped: provably ours. */
  stopped: ChildRecord[];
  /** Still running, not provably ours: for the operator to judge. */
  unproven: ChildRecord[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopGroup(c: ChildRecord, timeoutMs: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-c.pid, s);
    } catch {
      try {
        process.kill(c.pid, s);
      } catch {
        // gone
      }
    }
  };
  signal(c.stopSignal);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && processStartTime(c.pid) === c.startTime) await sleep(100);
  signal('SIGKILL'); // the leader, and anything it left in its group
  while (processStartTime(c.pid) === c.startTime) await sleep(50);
}

/**
 * Reads a previous launcher's children file (call only when no live launcher holds DATA_DIR),
 * stops the children that are provably its own, newest first, and removes the file unless
 * some are left to name.
 */
export async function stopLeftovers(file: string, timeoutMs = 15_000): Promise<Leftovers> {
  let state: ChildrenFile;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as ChildrenFile;
  } catch {
    return { stopped: [], unproven: [] };
  }
  const result: Leftovers = { stopped: [], unproven: [] };
  for (const c of [...(state.children ?? [])].reverse()) {
    if (!Number.isInteger(c.pid) || c.pid <= 1 || !alive(c.pid)) continue;
    const now = processStartTime(c.pid);
    if (c.startTime !== undefined && now === c.startTime) {
      await stopGroup(c, timeoutMs);
      result.stopped.push(c);
    } else if (c.startTime === undefined || now === undefined) {
      result.unproven.push({ ...c, command: processCommand(c.pid) ?? c.command });
    }
    // else: the pid now belongs to another process (different start time): not ours.
  }
  if (result.unproven.length === 0) rmSync(file, { force: true });
  return result;
}
