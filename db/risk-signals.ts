/** R14: the risk-signal register (migration 0014). */
import type { Pool, PoolClient } from 'pg';
import type { ProductId } from '../domain/policy';
import type { NewRiskSignal, RiskSignal, RiskSignalKind } from '../domain/supervision/risk-signal';
import { type EcqsEnqueue, type Enqueued, enqueueEcqs } from './ecqs-outbox';

type Db = Pool | PoolClient;

/** Stores a signal once per key; returns the stored row and whether this call stored it. */
export async function insertRiskSignal(c: Db, s: NewRiskSignal): Promise<{ signal: RiskSignal; inserted: boolean }> {
  const ins = await c.query<{ id: string }>(
    `INSERT INTO risk_signals (signal_key, province, product, region, uscc, kind, serious, origin, source, summary, evidence, occurred_on, recorded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (signal_key) DO NOTHING RETURNING id::text`,
    [s.signalKey, s.province, s.product, s.region, s.uscc ?? null, s.kind, s.serious ?? false, s.origin, s.source, s.summary, JSON.stringify(s.evidence), s.occurredOn, s.recordedBy],
  );
  const signal = await findRiskSignal(c, s.signalKey);
  return { signal: signal!, inserted: ins.rowCount === 1 };
}

interface Row {
  id: string;
  signal_key: string;
  province: string;
  product: ProductId;
  region: string;
  uscc: string | null;
  kind: RiskSignalKind;
  serious: boolean;
  origin: 'local' | 'received';
  source: string;
  summary: string;
  evidence: RiskSignal['evidence'];
  occurred_on: string;
  recorded_by: string;
  recorded_at: Date;
}

const COLUMNS = `id::text, signal_key, province, product, region, uscc, kind, serious, origin, source, summary, evidence,
  to_char(occurred_on, 'YYYY-MM-DD') AS occurred_on, recorded_by, recorded_at`;

const fromRow = (r: Row): RiskSignal => ({
  id: r.id,
  signalKey: r.signal_key,
  province: r.province,
  product: r.product,
  region: r.region,
  ...(r.uscc ? { uscc: r.uscc } : {}),
  kind: r.kind,
  serious: r.serious,
  origin: r.origin,
  source: r.source,
  summary: r.summary,
  evidence: r.evidence,
  occurredOn: r.occurred_on,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at.toISOString(),
});

export async function findRiskSignal(c: Db, signalKey: string): Promise<RiskSignal | undefined> {
  const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM risk_signals WHERE signal_key = $1`, [signalKey]);
  return rows[0] && fromRow(rows[0]);
}

/** Signals of a province, newest first, optionally for one product or one enterprise, since a day. */
export async function listRiskSignals(
  c: Db,
  q: { province: string; product?: ProductId; uscc?: string; since?: string; limit: number },
): Promise<RiskSignal[]> {
  const { rows } = await c.query<Row>(
    `SELECT ${COLUMNS} FROM risk_signals
      WHERE province = $1 AND ($2::text IS NULL OR product = $2) AND ($3::text IS NULL OR uscc = $3) AND ($4::date IS NULL OR occurred_on >= $4)
      ORDER BY occurred_on DESC, id DESC LIMIT $5`,
    [q.province, q.product ?? null, q.uscc ?? null, q.since ?? null, q.limit],
  );
  return rows.map(fromRow);
}

/**
 * R14: a LOCAL signal goes to SAMR through the e-CQS outbox (record type `risk-signal`, schema 1.1),
 * in the caller's transaction, on the province's own ordering stream `risk-signals/<province>`.
 * The record id derives from the signal key, so a retry adds nothing. Received signals are not
 * sent back.
 */
export async function enqueueRiskSignalRecord(c: PoolClient, s: RiskSignal): Promise<Enqueued | undefined> {
  if (s.origin !== 'local') return undefined;
  let enterprise: { uscc: string; name: string } | undefined;
  if (s.uscc) {
    const { rows } = await c.query<{ name: string | null }>('SELECT max(enterprise_name) AS name FROM certificates WHERE uscc = $1 AND province = $2', [s.uscc, s.province]);
    enterprise = { uscc: s.uscc, name: rows[0]?.name ?? s.uscc };
  }
  return enqueueEcqs(c, {
    eventKey: `risk-signal|${s.signalKey}`,
    event: 'risk-signal',
    caseId: riskSignalStreamOf(s.province),
    occurredAt: s.recordedAt,
    province: s.province,
    product: s.product,
    ...(enterprise ? { enterprise } : {}),
    signal: {
      id: s.id,
      kind: s.kind,
      serious: s.serious ?? false,
      region: s.region,
      source: s.source,
      summary: s.summary,
      occurredOn: s.occurredOn,
      evidence: s.evidence,
    },
  } as EcqsEnqueue);
}

/** The e-CQS ordering stream of a province's risk signals. */
export const riskSignalStreamOf = (province: string): string => `risk-signals/${province}`;
