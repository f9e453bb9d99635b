/**
 * One step at a time inside a workflow: message handlers that await activities and the main
 * loop's own steps run under one lock, so neither acts on state the other is changing. Built on
 * condition() (no timer, no command), so taking the lock adds nothing to history.
 */
import { condition } from '@temporalio/workflow';

export interface Mutex {
  /** Runs `fn` once no other holder runs; holders run in the order they got the lock. */
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Someone holds the lock. */
  readonly locked: boolean;
}

export function createMutex(): Mutex {
  let locked = false;
  return {
    get locked() {
      return locked;
    },
    async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
      // Several waiters can wake in the same activation: each re-checks after it resumes.
      while (locked) await condition(() => !locked);
      locked = true;
      try {
        return await fn();
      } finally {
        locked = false;
      }
    },
  };
}
