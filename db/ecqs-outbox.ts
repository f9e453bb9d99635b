/**
 * R06: every acceptance, decision and certificate event goes to SAMR's e-CQS system. This is the
 * outbox half; the sender that delivers it runs in every worker (workers/ecqs-sender.ts).
 *
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
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { ECQS_TRANSITION_ACTIONS, EcqsRecord, type EcqsRecordInput, schemaVersionOf } from '../domain/samr/ecqs';
import type { AuditEntry } from './audit';

// ---- outbox ------------------------------------------------------------------------------------

/** A stable UUID (version 8, name-based on SHA-256) for the record an event key produces. */
export function ecqsRecordId(eventKey: string): string {
  return nameBasedUuid('ecqs', eventKey);
}

/** A stable UUID (version 8, name-based on SHA-256 of `namespace:key`); also used by the credit-publicity outbox. */
export function nameBasedUuid(namespace: string, key: string): string {
  const h = createHash('sha256').update(`${namespace}:${key}`).digest('hex');
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
  const schemaVersion = schemaVersionOf(fields.event);
  const record = EcqsRecord.parse({ schemaVersion, recordId, sequence, ...fields });
  await client.query('UPDATE ecqs_streams SET last_seq = $2 WHERE case_id = $1', [fields.caseId, sequence]);
  await client.query(
    `INSERT INTO ecqs_outbox (record_id, event_key, case_id, seq, event, province, schema_version, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [recordId, eventKey, record.caseId, sequence, record.event, record.province, schemaVersion, record],
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
  const cert = await c.query<{ application_id: string | null; issued_on: string; valid_until: string; supersedes: string | null; province: string; uscc: string; enterprise_name: string; product: string }>(
    `SELECT application_id, to_char(issued_on, 'YYYY-MM-DD') AS issued_on, to_char(valid_until, 'YYYY-MM-DD') AS valid_until, supersedes,
            province, uscc, enterprise_name, product
       FROM certificates WHERE number = $1`,
    [input.certificateNumber],
  );
  const found = cert.rows[0];
  if (!found) throw new Error(`e-CQS: certificate ${input.certificateNumber} has no record`);
  // An imported licence (0005_import.sql) has no application here: its stream is the licence's own.
  const envelopeOf = found.application_id
    ? envelope(found.application_id, await caseRow(c, found.application_id), input.occurredAt, input.actor)
    : {
        caseId: `licence/${input.certificateNumber}`,
        occurredAt: input.occurredAt,
        province: found.province,
        enterprise: { uscc: found.uscc, name: found.enterprise_name },
        product: found.product,
        ...(input.actor ? { actor: { id: input.actor.id, role: input.actor.role } } : {}),
      };
  return enqueueEcqs(c, {
    eventKey: input.eventKey,
    ...envelopeOf,
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

/** Ops: what is waiting, what is parked, how old the oldest undelivered record is. */
export async function ecqsBacklog(pool: Pool): Promise<OutboxBacklog> {
  return outboxBacklog(pool, 'ecqs_outbox', 'acked_at');
}

export interface OutboxBacklog {
  pending: number;
  parked: number;
  oldestPendingAt: string | null;
}

/** What an outbox (e-CQS, credit publicity) still holds: waiting, parked, and the oldest unacknowledged record's age. */
export async function outboxBacklog(pool: Pool, table: 'ecqs_outbox' | 'credit_publicity', acked: 'acked_at' | 'published_at'): Promise<OutboxBacklog> {
  const r = await pool.query<{ pending: string; parked: string; oldest: Date | null }>(
    `SELECT count(*) FILTER (WHERE parked_at IS NULL) AS pending, count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked, min(created_at) AS oldest
       FROM ${table} WHERE ${acked} IS NULL`,
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
