/**
 * One `npm start` per data directory: two would run two PostgreSQL servers on the same files
 * and write the same Temporal SQLite database from two processes.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A reused pid belongs to some other program: only a live start script counts.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start');
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/** The pid of another live `npm start` holding the lock, if any; takes nothing. */
export function lockOwner(file: string): number | undefined {
  try {
    const other = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    if (Number.isInteger(other) && other !== process.pid && alive(other)) return other;
  } catch {
    // no lock file: free
  }
  return undefined;
}

/** Returns the pid of another live owner, or takes the lock and returns undefined. */
export function acquireDataDirLock(file: string): number | undefined {
  const other = lockOwner(file);
  if (other !== undefined) return other;
  writeFileSync(file, `${process.pid}\n`);
  return undefined;
}

export function releaseDataDirLock(file: string): void {
  try {
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
  } catch {
    // already gone
  }
}
