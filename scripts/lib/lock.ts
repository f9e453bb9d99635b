/**
 * One `npm start` per data directory: two would write the same PGlite files and the same
 * Temporal SQLite database from two processes.
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

/** Returns the pid of another live owner, or takes the lock and returns undefined. */
export function acquireDataDirLock(file: string): number | undefined {
  try {
    const other = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    if (Number.isInteger(other) && other !== process.pid && alive(other)) return other;
  } catch {
    // no lock file: free
  }
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
