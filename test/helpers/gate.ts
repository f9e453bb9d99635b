/**
 * A real slow activity for race tests: the worker runs the real activity, but chosen calls wait
 * on a gate the test opens, so a message can be sent while the activity is still running.
 */
import type { Activities } from '../../activities/types';

export class Gate {
  private open!: () => void;
  private readonly opened = new Promise<void>((r) => (this.open = r));
  private enter!: () => void;
  /** Resolves when the first gated call reaches the gate. */
  readonly entered = new Promise<void>((r) => (this.enter = r));

  async pass(): Promise<void> {
    this.enter();
    await this.opened;
  }

  release(): void {
    this.open();
  }
}

export interface GateOptions<A extends unknown[]> {
  /** Which calls wait (default: every call). Gets the call's arguments and its 1-based index. */
  when?: (args: A, call: number) => boolean;
  /** Wait before the real work runs, or after it ran and before its answer goes back (default 'before'). */
  at?: 'before' | 'after';
}

type Fn = (...args: never[]) => Promise<unknown>;

/** `acts` with activity `name` gated; results of every call are kept in `results`. */
export function gateActivity<K extends keyof Activities>(
  acts: Activities,
  name: K,
  gate: Gate,
  opts: GateOptions<Parameters<Activities[K]>> = {},
): { activities: Activities; results: Awaited<ReturnType<Activities[K]>>[] } {
  const real = acts[name] as unknown as (...args: Parameters<Activities[K]>) => Promise<Awaited<ReturnType<Activities[K]>>>;
  const results: Awaited<ReturnType<Activities[K]>>[] = [];
  let calls = 0;
  const wrapped = async (...args: Parameters<Activities[K]>) => {
    const gated = (opts.when ?? (() => true))(args, ++calls);
    if (gated && opts.at !== 'after') await gate.pass();
    const r = await real.apply(acts, args);
    results.push(r);
    if (gated && opts.at === 'after') await gate.pass();
    return r;
  };
  return { activities: { ...acts, [name]: wrapped as unknown as Fn }, results };
}

/** `acts` with the result of every call of activity `name` kept in `results`; no call is held. */
export function observeActivity<K extends keyof Activities>(acts: Activities, name: K): ReturnType<typeof gateActivity<K>> {
  return gateActivity(acts, name, new Gate(), { when: () => false });
}
