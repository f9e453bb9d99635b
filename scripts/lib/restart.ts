/**
 * When to restart a child that died (the worker: Temporal makes its crash harmless, so
 * `npm start` restarts it instead of stopping everything) and when to give up because it
 * keeps dying: exponential backoff from `baseMs` up to `maxMs`, at most `maxRestarts`
 * restarts within any `windowMs`.
 */
export interface RestartPolicyOptions {
  baseMs: number;
  maxMs: number;
  maxRestarts: number;
  windowMs: number;
}

export class RestartPolicy {
  private deaths: number[] = [];
  constructor(readonly opts: RestartPolicyOptions) {}

  /** Records a death at `now`; the delay before the restart, or undefined to give up. */
  next(now = Date.now()): number | undefined {
    this.deaths = this.deaths.filter((t) => now - t < this.opts.windowMs);
    this.deaths.push(now);
    if (this.deaths.length > this.opts.maxRestarts) return undefined;
    return Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** (this.deaths.length - 1));
  }

  /** Deaths within the window, this one included. */
  get recent(): number {
    return this.deaths.length;
  }
}
