/**
 * R06: every acceptance, decision and certificate event goes to SAMR's e-CQS system.
 *
 * Two halves:
 * - **Outbox** (`enqueueEcqs` and friends): called inside the transaction that makes the state
 *   change, so a record exists if and only if the change committed. The record id is derived from
 *   the event key, so a retried activity adds nothing. Each case is an ordering stream with a
 *   gap-free sequence (a row lock in `ecqs_streams`, like certificate serials).
 * - **Sender** (`EcqsSender`): a loop in every worker process that claims the head record of
 *   each case (`FOR UPDATE SKIP LOCKED` + a lease), POSTs it with `Idempotency-Key: <recordId>`,
 *   and marks it acknowledged, or schedules a retry with exponential backoff. Record n+1 of a case
 *   is only claimable once record n is acknowledged; other cases proceed. Several workers share
 *   the table safely. See docs/ecqs-contract.md for why this is not a Temporal workflow.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { ECQS_SCHEMA_VERSION, ECQS_TRANSITION_ACTIONS, EcqsRecord, type EcqsRecordInput } from '../domain/ecqs';
import type { AuditEntry } from './cases';

// ---- outbox ------------------------------------------------------------------------------------

/** A stable UUID (version 8, name-based on SHA-256) for the record an event key produces. */
export function ecqsRecordId(eventKey: string): string {
  const h = createHash('sha256').update(`ecqs:${eventKey}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export type EcqsEnqueue = EcqsRecordInput & { eventKey: string };

export interface Enqueued {
  recordId: string;
  sequence: number;
  /** false when this event was already in the outbox (a retry). */
  fresh: boolean;
}

/**
 * Writes one e-CQS record in the caller's transaction. Call it from the transaction that makes
 * the state change (change, cancellation, revocation…); `eventKey` must be the event's own
 * idempotency key (e.g. the audit row's), so a retry writes nothing. Throws if the record does
 * not match the published schema: the state change then rolls back and the activity retries.
 */
export async function enqueueEcqs(client: PoolClient, input: EcqsEnqueue): Promise<Enqueued> {
  const { eventKey, ...fields } = input;
  const recordId = ecqsRecordId(eventKey);
  // Lock the case's stream first: a concurrent duplicate waits here, then sees our row.
  const stream = await client.query<{ last_seq: number }>(
    `INSERT INTO ecqs_streams (case_id, last_seq) VALUES ($1, 0)
     ON CONFLICT (case_id) DO UPDATE SET last_seq = ecqs_streams.last_seq RETURNING last_seq`,
    [fields.caseId],
  );
  const existing = await client.query<{ seq: number }>('SELECT seq FROM ecqs_outbox WHERE record_id = $1', [recordId]);
  if (existing.rows[0]) return { recordId, sequence: existing.rows[0].seq, fresh: false };

  const sequence = stream.rows[0]!.last_seq + 1;
  const record = EcqsRecord.parse({ schemaVersion: ECQS_SCHEMA_VERSION, recordId, sequence, ...fields });
  await client.query('UPDATE ecqs_streams SET last_seq = $2 WHERE case_id = $1', [fields.caseId, sequence]);
  await client.query(
    `INSERT INTO ecqs_outbox (record_id, event_key, case_id, seq, event, province, schema_version, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [recordId, eventKey, record.caseId, sequence, record.event, record.province, ECQS_SCHEMA_VERSION, record],
  );
  return { recordId, sequence, fresh: true };
}

interface CaseRow {
  province: string;
  uscc: string;
  enterprise_name: string;
  product: string;
  application_type: 'new' | 'renewal' | 'change';
  accepted_at: Date | null;
  policy_version: string | null;
  path: string | null;
}

async function caseRow(c: PoolClient, applicationId: string): Promise<CaseRow> {
  const r = await c.query<CaseRow>(
    `SELECT province, uscc, enterprise_name, product, application_type, accepted_at, policy_version, path
       FROM applications WHERE id = $1`,
    [applicationId],
  );
  if (!r.rows[0]) throw new Error(`e-CQS: application ${applicationId} has no record`);
  return r.rows[0];
}

function envelope(applicationId: string, row: CaseRow, occurredAt: string, actor?: { id: string; role: string }) {
  return {
    caseId: applicationId,
    occurredAt,
    province: row.province,
    enterprise: { uscc: row.uscc, name: row.enterprise_name },
    product: row.product,
    applicationType: row.application_type,
    ...(row.policy_version ? { policyVersion: row.policy_version } : {}),
    ...(row.path ? { path: row.path } : {}),
    ...(actor ? { actor: { id: actor.id, role: actor.role } } : {}),
  };
}

/**
 * Called by `recordTransition` after its state change, in its transaction: acceptance and
 * decision actions become e-CQS records; other actions are ignored.
 */
export async function enqueueTransitionRecord(c: PoolClient, e: AuditEntry): Promise<Enqueued | undefined> {
  if (!ECQS_TRANSITION_ACTIONS.has(e.action)) return undefined;
  const row = await caseRow(c, e.applicationId);
  const base = envelope(e.applicationId, row, e.occurredAt, e.actor);
  if (e.action === 'accepted' || e.action === 'deemed-accepted') {
    return enqueueEcqs(c, {
      eventKey: e.eventKey,
      ...base,
      event: e.action,
      acceptedAt: row.accepted_at ? row.accepted_at.toISOString() : e.occurredAt,
    } as EcqsEnqueue);
  }
  const d = e.details ?? {};
  return enqueueEcqs(c, {
    eventKey: e.eventKey,
    ...base,
    event: e.action,
    decidedAt: e.occurredAt,
    ...(e.reason ? { reasons: [e.reason] } : {}),
    ...(typeof d.withinDeadline === 'boolean' ? { withinDeadline: d.withinDeadline } : {}),
    ...(typeof d.deadlineAt === 'string' || d.deadlineAt === null ? { deadlineAt: d.deadlineAt } : {}),
  } as EcqsEnqueue);
}

/**
 * A certificate event (issued, changed, cancelled, revoked) for the certificate `number`, in the
 * caller's transaction. Enterprise, province and product come from the certificate row; the
 * ordering stream is the application that issued it, so issue → change → revocation stay in order.
 */
export async function enqueueCertificateEvent(
  c: PoolClient,
  input: {
    eventKey: string;
    event: 'certificate-issued' | 'certificate-changed' | 'certificate-cancelled' | 'certificate-revoked';
    certificateNumber: string;
    occurredAt: string;
    actor?: { id: string; role: string };
    reasons?: string[];
    changes?: Record<string, unknown>;
  },
): Promise<Enqueued> {
  const cert = await c.query<{ application_id: string; issued_on: string; valid_until: string; supersedes: string | null }>(
    `SELECT application_id, to_char(issued_on, 'YYYY-MM-DD') AS issued_on, to_char(valid_until, 'YYYY-MM-DD') AS valid_until, supersedes
       FROM certificates WHERE number = $1`,
    [input.certificateNumber],
  );
  const found = cert.rows[0];
  if (!found) throw new Error(`e-CQS: certificate ${input.certificateNumber} has no record`);
  const row = await caseRow(c, found.application_id);
  return enqueueEcqs(c, {
    eventKey: input.eventKey,
    ...envelope(found.application_id, row, input.occurredAt, input.actor),
    event: input.event,
    certificate: {
      number: input.certificateNumber,
      issuedOn: found.issued_on,
      validUntil: found.valid_until,
      ...(found.supersedes ? { supersedes: found.supersedes } : {}),
    },
    ...(input.reasons?.length ? { reasons: input.reasons } : {}),
    ...(input.changes ? { changes: input.changes } : {}),
  } as EcqsEnqueue);
}

// ---- sender ------------------------------------------------------------------------------------

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

/** Ops: what is waiting, what is parked, how old the oldest undelivered record is. */
export async function ecqsBacklog(pool: Pool): Promise<{ pending: number; parked: number; oldestPendingAt: string | null }> {
  const r = await pool.query<{ pending: string; parked: string; oldest: Date | null }>(
    `SELECT count(*) FILTER (WHERE parked_at IS NULL) AS pending, count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked, min(created_at) AS oldest
       FROM ecqs_outbox WHERE acked_at IS NULL`,
  );
  const row = r.rows[0]!;
  return { pending: Number(row.pending), parked: Number(row.parked), oldestPendingAt: row.oldest?.toISOString() ?? null };
}

/** Ops: after fixing the cause of a 4xx, put a parked record back in line (its case resumes). */
export async function requeueParked(pool: Pool, recordId: string): Promise<boolean> {
  const r = await pool.query(
    'UPDATE ecqs_outbox SET parked_at = NULL, next_attempt_at = now(), attempts = 0 WHERE record_id = $1 AND parked_at IS NOT NULL AND acked_at IS NULL',
    [recordId],
  );
  return r.rowCount === 1;
}
