/**
 * A transactional outbox's sender, shared by e-CQS (R06, workers/ecqs-sender.ts) and the national
 * enterprise credit publicity system (R12, workers/publicity-sender.ts). It claims the head record
 * of each ordering stream (`FOR UPDATE SKIP LOCKED` + a lease), POSTs it with an `Idempotency-Key`,
 * and marks it acknowledged, or schedules a retry with exponential backoff, or parks it when the
 * receiver refuses it as invalid (4xx). Record n+1 of a stream is only claimable once record n is
 * acknowledged; other streams proceed. Several processes share one outbox safely.
 *
 * What the table must have: `id`, a stream column, `seq`, an acknowledgement timestamp column,
 * and `attempts`, `next_attempt_at`, `leased_by`, `leased_until`, `last_error`, `last_status`,
 * `ack_count`, `parked_at` (db/migrations/0002_ecqs.sql, 0009_publicity_outbox.sql).
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

export interface OutboxSenderOptions {
  pool: Pool;
  /** The endpoint that accepts one record per POST. */
  url: string;
  /** Bearer token. */
  token?: string;
  /** Identifies this process in `leased_by`. */
  senderId?: string;
  /** Records claimed per round (at most one per stream). */
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

/** Which table, and how one of its rows becomes a request. Table and column names are constants of the code, never input. */
export interface OutboxTable {
  /** Names the receiver in logs. */
  label: string;
  table: string;
  streamColumn: string;
  ackedColumn: string;
  /** SQL over alias `o` for the idempotency key and the body. */
  keySql: string;
  payloadSql: string;
  /** Turns the selected key and payload into what is sent (default: as selected). */
  prepare?: (row: { key: string; payload: unknown }) => { key: string; body: unknown };
  headers?: Record<string, string>;
  /** Headers that depend on the record (e.g. its schema version); added after `headers`. */
  headersFor?: (row: { key: string; payload: unknown }) => Record<string, string>;
}

interface Claimed {
  id: string;
  stream: string;
  seq: number;
  attempts: number;
  key: string;
  payload: unknown;
}

type Outcome = { kind: 'ack'; status: number } | { kind: 'retry'; status?: number; error: string } | { kind: 'park'; status: number; error: string };

/** Retries: network errors, timeouts, 408, 425, 429, 5xx. 2xx and 409 (already known) are acknowledgements. */
export function classifyStatus(status: number): Outcome['kind'] {
  if ((status >= 200 && status < 300) || status === 409) return 'ack';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'park';
}

export function backoffMs(attempt: number, b: Required<NonNullable<OutboxSenderOptions['backoff']>>, random = Math.random): number {
  const raw = Math.min(b.maxMs, b.initialMs * b.factor ** Math.max(0, attempt - 1));
  return Math.round(raw * (1 - b.jitter + 2 * b.jitter * random()));
}

export class OutboxSender {
  private readonly o: Required<Omit<OutboxSenderOptions, 'token' | 'log' | 'backoff'>> & Pick<OutboxSenderOptions, 'token'>;
  private readonly backoff: Required<NonNullable<OutboxSenderOptions['backoff']>>;
  private readonly log: NonNullable<OutboxSenderOptions['log']>;
  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;

  constructor(
    private readonly t: OutboxTable,
    opts: OutboxSenderOptions,
  ) {
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
        this.log('error', `${this.t.label} sender round failed`, { error: err instanceof Error ? err.message : String(err) });
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

  /** One round: claim due stream heads, deliver them, record the outcomes. Returns how many were claimed. */
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
    const { table, streamColumn: s, ackedColumn: acked } = this.t;
    const r = await this.o.pool.query<Claimed>(
      `UPDATE ${table} o
          SET leased_by = $1, leased_until = now() + make_interval(secs => $2::double precision / 1000), attempts = o.attempts + 1
        WHERE o.id IN (
          SELECT c.id FROM ${table} c
           WHERE c.${acked} IS NULL AND c.parked_at IS NULL AND c.next_attempt_at <= now()
             AND (c.leased_until IS NULL OR c.leased_until < now())
             AND NOT EXISTS (SELECT 1 FROM ${table} p WHERE p.${s} = c.${s} AND p.seq < c.seq AND p.${acked} IS NULL)
           ORDER BY c.next_attempt_at, c.id
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.${s} AS stream, o.seq, o.attempts, ${this.t.keySql} AS key, ${this.t.payloadSql} AS payload`,
      [this.o.senderId, this.o.leaseMs, this.o.batchSize],
    );
    return r.rows;
  }

  private async deliver(r: Claimed): Promise<Outcome> {
    let key = r.key;
    let body = r.payload;
    try {
      if (this.t.prepare) ({ key, body } = this.t.prepare(r));
    } catch (err) {
      // A row that does not make a valid record cannot be fixed by retrying: it waits for a person, like a 4xx.
      return { kind: 'park', status: 0, error: `not a valid record: ${err instanceof Error ? err.message : String(err)}` };
    }
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': key,
          ...this.t.headers,
          ...this.t.headersFor?.(r),
          ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}),
        },
        body: JSON.stringify(body),
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
    const { table, ackedColumn: acked, label } = this.t;
    if (out.kind === 'ack') {
      // ack_count counts every acknowledgement we received for the record: 1 means it was never sent again after the receiver took it.
      await this.o.pool.query(
        `UPDATE ${table} SET ${acked} = coalesce(${acked}, now()), ack_count = ack_count + 1, last_status = $2,
                leased_by = NULL, leased_until = NULL, last_error = NULL WHERE id = $1`,
        [r.id, out.status],
      );
      return;
    }
    if (out.kind === 'park') {
      this.log('error', `${label} refused a record; its stream is parked until someone requeues it`, { key: r.key, stream: r.stream, error: out.error });
      await this.o.pool.query(
        `UPDATE ${table} SET parked_at = now(), last_status = $2, last_error = $3, leased_by = NULL, leased_until = NULL
          WHERE id = $1 AND ${acked} IS NULL AND leased_by = $4`,
        [r.id, out.status, out.error, this.o.senderId],
      );
      return;
    }
    const delay = backoffMs(r.attempts, this.backoff);
    this.log('warn', `${label} delivery failed; will retry`, { key: r.key, stream: r.stream, attempt: r.attempts, retryInMs: delay, error: out.error });
    await this.o.pool.query(
      `UPDATE ${table} SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), last_status = $3, last_error = $4,
              leased_by = NULL, leased_until = NULL
        WHERE id = $1 AND ${acked} IS NULL AND leased_by = $5`,
      [r.id, delay, out.status ?? null, out.error, this.o.senderId],
    );
  }
}
