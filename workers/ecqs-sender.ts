/**
 * R06: the e-CQS sender, a loop in every worker process. It claims the head record of each case
 * (`FOR UPDATE SKIP LOCKED` + a lease), POSTs it with `Idempotency-Key: <recordId>`, and marks it
 * acknowledged, or schedules a retry with exponential backoff. Record n+1 of a case is only
 * claimable once record n is acknowledged; other cases proceed. Several workers share the
 * outbox (db/ecqs-outbox.ts) safely. See docs/ecqs-contract.md for why this is not a workflow.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { ECQS_SCHEMA_VERSION } from '../domain/samr/ecqs';

export interface EcqsSenderOptions {
  pool: Pool;
  /** e-CQS endpoint that accepts one record per POST (ECQS_URL). */
  url: string;
  /** Bearer token (ECQS_TOKEN). */
  token?: string;
  /** Identifies this process in `leased_by`. */
  senderId?: string;
  /** Records claimed per round (at most one per case). */
  batchSize?: number;
  /** Parallel requests per process. */
  concurrency?: number;
  /** A request with no answer by then counts as failed and is retried. */
  requestTimeoutMs?: number;
  /** How long a claim is exclusive; must exceed requestTimeoutMs so a slow request can never overlap a re-claim. */
  leaseMs?: number;
  /** Sleep between rounds when nothing is due. */
  idleMs?: number;
  /** Exponential backoff: initial * factor^(attempt-1), capped, ± jitter. */
  backoff?: { initialMs?: number; factor?: number; maxMs?: number; jitter?: number };
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

interface Claimed {
  id: string;
  record_id: string;
  case_id: string;
  seq: number;
  attempts: number;
  payload: unknown;
}

type Outcome = { kind: 'ack'; status: number } | { kind: 'retry'; status?: number; error: string } | { kind: 'park'; status: number; error: string };

/** Retries: network errors, timeouts, 408, 425, 429, 5xx. 2xx and 409 (already known) are acknowledgements. */
export function classifyStatus(status: number): Outcome['kind'] {
  if ((status >= 200 && status < 300) || status === 409) return 'ack';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'park';
}

export function backoffMs(attempt: number, b: Required<NonNullable<EcqsSenderOptions['backoff']>>, random = Math.random): number {
  const raw = Math.min(b.maxMs, b.initialMs * b.factor ** Math.max(0, attempt - 1));
  return Math.round(raw * (1 - b.jitter + 2 * b.jitter * random()));
}

export class EcqsSender {
  private readonly o: Required<Omit<EcqsSenderOptions, 'token' | 'log' | 'backoff'>> & Pick<EcqsSenderOptions, 'token'>;
  private readonly backoff: Required<NonNullable<EcqsSenderOptions['backoff']>>;
  private readonly log: NonNullable<EcqsSenderOptions['log']>;
  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;

  constructor(opts: EcqsSenderOptions) {
    const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.o = {
      pool: opts.pool,
      url: opts.url,
      token: opts.token,
      senderId: opts.senderId ?? `sender-${process.pid}-${randomBytes(3).toString('hex')}`,
      batchSize: opts.batchSize ?? 100,
      concurrency: opts.concurrency ?? 16,
      requestTimeoutMs,
      leaseMs: Math.max(opts.leaseMs ?? 0, requestTimeoutMs * 3),
      idleMs: opts.idleMs ?? 500,
    };
    this.backoff = { initialMs: 1_000, factor: 2, maxMs: 300_000, jitter: 0.2, ...opts.backoff };
    this.log = opts.log ?? (() => undefined);
  }

  /** Starts the loop; returns at once. */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  /** Finishes the round in flight (its requests time out at worst), then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let n = 0;
      try {
        n = await this.runOnce();
      } catch (err) {
        this.log('error', 'e-CQS sender round failed', { error: err instanceof Error ? err.message : String(err) });
      }
      if (n === 0 && !this.stopping) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.o.idleMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /** One round: claim due case heads, deliver them, record the outcomes. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    let next = 0;
    const lane = async () => {
      while (next < claimed.length) {
        const r = claimed[next++]!;
        await this.settle(r, await this.deliver(r));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, claimed.length) }, lane));
    return claimed.length;
  }

  private async claim(): Promise<Claimed[]> {
    const r = await this.o.pool.query<Claimed>(
      `UPDATE ecqs_outbox o
          SET leased_by = $1, leased_until = now() + make_interval(secs => $2::double precision / 1000), attempts = o.attempts + 1
        WHERE o.id IN (
          SELECT c.id FROM ecqs_outbox c
           WHERE c.acked_at IS NULL AND c.parked_at IS NULL AND c.next_attempt_at <= now()
             AND (c.leased_until IS NULL OR c.leased_until < now())
             AND NOT EXISTS (SELECT 1 FROM ecqs_outbox p WHERE p.case_id = c.case_id AND p.seq < c.seq AND p.acked_at IS NULL)
           ORDER BY c.next_attempt_at, c.id
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.record_id, o.case_id, o.seq, o.attempts, o.payload`,
      [this.o.senderId, this.o.leaseMs, this.o.batchSize],
    );
    return r.rows;
  }

  private async deliver(r: Claimed): Promise<Outcome> {
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': r.record_id,
          'x-ecqs-schema-version': ECQS_SCHEMA_VERSION,
          ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}),
        },
        body: JSON.stringify(r.payload),
        signal: AbortSignal.timeout(this.o.requestTimeoutMs),
      });
      const text = await res.text().catch(() => '');
      const kind = classifyStatus(res.status);
      if (kind === 'ack') return { kind, status: res.status };
      return { kind, status: res.status, error: `HTTP ${res.status}: ${text.slice(0, 500)}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return { kind: 'retry', error: e.name === 'TimeoutError' ? `no answer within ${this.o.requestTimeoutMs} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}` };
    }
  }

  private async settle(r: Claimed, out: Outcome): Promise<void> {
    if (out.kind === 'ack') {
      // ack_count counts every acknowledgement we received for the record: 1 means it was never sent again after e-CQS took it.
      await this.o.pool.query(
        `UPDATE ecqs_outbox SET acked_at = coalesce(acked_at, now()), ack_count = ack_count + 1, last_status = $2,
                leased_by = NULL, leased_until = NULL, last_error = NULL WHERE id = $1`,
        [r.id, out.status],
      );
      return;
    }
    if (out.kind === 'park') {
      this.log('error', 'e-CQS refused a record; the case stream is parked until someone requeues it', { recordId: r.record_id, caseId: r.case_id, error: out.error });
      await this.o.pool.query(
        `UPDATE ecqs_outbox SET parked_at = now(), last_status = $2, last_error = $3, leased_by = NULL, leased_until = NULL
          WHERE id = $1 AND acked_at IS NULL AND leased_by = $4`,
        [r.id, out.status, out.error, this.o.senderId],
      );
      return;
    }
    const delay = backoffMs(r.attempts, this.backoff);
    this.log('warn', 'e-CQS delivery failed; will retry', { recordId: r.record_id, caseId: r.case_id, attempt: r.attempts, retryInMs: delay, error: out.error });
    await this.o.pool.query(
      `UPDATE ecqs_outbox SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), last_status = $3, last_error = $4,
              leased_by = NULL, leased_until = NULL
        WHERE id = $1 AND acked_at IS NULL AND leased_by = $5`,
      [r.id, delay, out.status ?? null, out.error, this.o.senderId],
    );
  }
}

