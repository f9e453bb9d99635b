/**
 * R06: SAMR's side of the random check — the draws as SAMR sees them, the result recorded per
 * drawn case, and the findings the provinces answer. The API reads and records here; the finding
 * workflow's activities (activities/samr/findings.ts) keep the finding rows current.
 */
import type { Pool, PoolClient } from 'pg';
import type { CheckResult } from '../domain/samr/findings';
import { appendAudit } from './audit';

type Db = Pool | PoolClient;

export interface DrawRow {
  drawKey: string;
  province: string;
  seed: string;
  algorithm: string;
  windowFrom: string;
  windowTo: string;
  rate: number;
  minPerProvince: number;
  populationSize: number;
  population: string[];
  sample: { applicationId: string; result: CheckResult | null }[];
  drawnAt: string;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Draws, newest first; one row per (draw, province), each drawn case with its result so far. */
export async function listDraws(db: Db, o: { province?: string; limit: number }): Promise<DrawRow[]> {
  const r = await db.query<{
    draw_key: string; province: string; seed: string; algorithm: string; window_from: Date; window_to: Date; rate: string; min_per_province: number;
    population_size: number; population: string[]; sample: string[]; drawn_at: Date; results: Record<string, CheckResult> | null;
  }>(
    `SELECT d.draw_key, d.province, d.seed, d.algorithm, d.window_from, d.window_to, d.rate, d.min_per_province, d.population_size,
            d.population, d.sample, d.drawn_at,
            (SELECT jsonb_object_agg(c.application_id, c.result) FROM samr_check_results c
              WHERE c.application_id IN (SELECT jsonb_array_elements_text(d.sample))) AS results
       FROM samr_sample_draws d
      WHERE ($1::text IS NULL OR d.province = $1)
      ORDER BY d.drawn_at DESC, d.draw_key, d.province
      LIMIT $2`,
    [o.province ?? null, o.limit],
  );
  return r.rows.map((x) => ({
    drawKey: x.draw_key,
    province: x.province,
    seed: x.seed,
    algorithm: x.algorithm,
    windowFrom: x.window_from.toISOString(),
    windowTo: x.window_to.toISOString(),
    rate: Number(x.rate),
    minPerProvince: x.min_per_province,
    populationSize: x.population_size,
    population: x.population,
    sample: x.sample.map((id) => ({ applicationId: id, result: x.results?.[id] ?? null })),
    drawnAt: x.drawn_at.toISOString(),
  }));
}

export interface DrawnCase {
  applicationId: string;
  province: string;
  uscc: string;
  enterpriseName: string;
  product: string;
  applicationType: string;
  policyVersion: string | null;
  path: string | null;
  decision: string | null;
  decidedAt: string | null;
  certificate: { number: string; status: string; issuedOn: string; validUntil: string } | null;
  /** Every draw that picked it, newest first. */
  draws: { drawKey: string; seed: string; drawnAt: string }[];
}

/** A case SAMR drew, or undefined: SAMR sees what it drew, nothing else. */
export async function findDrawnCase(db: Db, applicationId: string): Promise<DrawnCase | undefined> {
  const draws = await db.query<{ draw_key: string; seed: string; drawn_at: Date }>(
    `SELECT draw_key, seed, drawn_at FROM samr_sample_draws WHERE sample ? $1 ORDER BY drawn_at DESC, draw_key`,
    [applicationId],
  );
  if (!draws.rows.length) return undefined;
  const a = await db.query<{
    id: string; province: string; uscc: string; enterprise_name: string; product: string; application_type: string; policy_version: string | null;
    path: string | null; decision: string | null; decided_at: Date | null; number: string | null; status: string | null; issued_on: string | null; valid_until: string | null;
  }>(
    `SELECT a.id, a.province, a.uscc, a.enterprise_name, a.product, a.application_type, a.policy_version, a.path, a.decision, a.decided_at,
            c.number, c.status, to_char(c.issued_on, 'YYYY-MM-DD') AS issued_on, to_char(c.valid_until, 'YYYY-MM-DD') AS valid_until
       FROM applications a LEFT JOIN certificates c ON c.application_id = a.id
      WHERE a.id = $1`,
    [applicationId],
  );
  const x = a.rows[0];
  if (!x) return undefined;
  return {
    applicationId: x.id,
    province: x.province,
    uscc: x.uscc,
    enterpriseName: x.enterprise_name,
    product: x.product,
    applicationType: x.application_type,
    policyVersion: x.policy_version,
    path: x.path,
    decision: x.decision,
    decidedAt: iso(x.decided_at),
    certificate: x.number ? { number: x.number, status: x.status!, issuedOn: x.issued_on!, validUntil: x.valid_until! } : null,
    draws: draws.rows.map((d) => ({ drawKey: d.draw_key, seed: d.seed, drawnAt: d.drawn_at.toISOString() })),
  };
}

export interface CheckRecord {
  applicationId: string;
  province: string;
  drawKey: string;
  result: CheckResult;
  findings: string | null;
  recordedBy: string;
  recordedAt: string;
  idempotencyKey: string | null;
  requestSha256: string;
}

const checkOf = (x: {
  application_id: string; province: string; draw_key: string; result: CheckResult; findings: string | null; recorded_by: string; recorded_at: Date; idempotency_key: string | null; request_sha256: string;
}): CheckRecord => ({
  applicationId: x.application_id,
  province: x.province,
  drawKey: x.draw_key,
  result: x.result,
  findings: x.findings,
  recordedBy: x.recorded_by,
  recordedAt: x.recorded_at.toISOString(),
  idempotencyKey: x.idempotency_key,
  requestSha256: x.request_sha256,
});

export async function findCheck(db: Db, applicationId: string): Promise<CheckRecord | undefined> {
  const r = await db.query(`SELECT * FROM samr_check_results WHERE application_id = $1`, [applicationId]);
  return r.rows[0] ? checkOf(r.rows[0]) : undefined;
}

/**
 * Records the result, its audit row and (non-conforming) the open finding, in the caller's
 * transaction. `inserted: false` with the existing record when the case was already checked: a
 * unique key decides between two concurrent requests, the second waits for the first to commit.
 */
export async function insertCheck(c: PoolClient, rec: CheckRecord, finding?: { workflowId: string; limit: { n: number; unit: string } }): Promise<{ inserted: boolean; record: CheckRecord }> {
  const r = await c.query(
    `INSERT INTO samr_check_results (application_id, province, draw_key, result, findings, recorded_by, recorded_at, idempotency_key, request_sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (application_id) DO NOTHING RETURNING *`,
    [rec.applicationId, rec.province, rec.drawKey, rec.result, rec.findings, rec.recordedBy, rec.recordedAt, rec.idempotencyKey, rec.requestSha256],
  );
  if (!r.rows[0]) return { inserted: false, record: (await findCheck(c, rec.applicationId))! };
  await appendAudit(c, {
    eventKey: `samr-check/${rec.applicationId}`,
    applicationId: rec.applicationId,
    action: `samr-check-${rec.result}`,
    actor: { id: rec.recordedBy, role: 'samr' },
    reason: rec.findings ?? undefined,
    details: { drawKey: rec.drawKey, province: rec.province },
    occurredAt: rec.recordedAt,
  });
  if (finding) {
    await c.query(
      `INSERT INTO samr_findings (application_id, workflow_id, province, draw_key, findings, opened_at, opened_by, limit_n, limit_unit)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (application_id) DO NOTHING`,
      [rec.applicationId, finding.workflowId, rec.province, rec.drawKey, rec.findings, rec.recordedAt, rec.recordedBy, finding.limit.n, finding.limit.unit],
    );
  }
  return { inserted: true, record: checkOf(r.rows[0]) };
}

export interface FindingRow {
  findingId: string;
  workflowId: string;
  applicationId: string;
  province: string;
  drawKey: string;
  findings: string;
  openedAt: string;
  openedBy: string;
  limit: { n: number; unit: 'working-days' | 'days' };
  status: 'open' | 'answered';
  dueAt: string | null;
  dueDate: string | null;
  overdue: boolean;
  remindedAt: string | null;
  escalatedAt: string | null;
  answer: { response: string; measures: string; by: string; at: string; inTime: boolean } | null;
}

const FINDING_COLUMNS = `application_id, workflow_id, province, draw_key, findings, opened_at, opened_by, limit_n, limit_unit, status, due_at,
  to_char(due_date, 'YYYY-MM-DD') AS due_date, overdue, reminded_at, escalated_at, response, measures, answered_by, answered_at, answered_in_time`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const findingOf = (x: any): FindingRow => ({
  findingId: x.application_id,
  workflowId: x.workflow_id,
  applicationId: x.application_id,
  province: x.province,
  drawKey: x.draw_key,
  findings: x.findings,
  openedAt: x.opened_at.toISOString(),
  openedBy: x.opened_by,
  limit: { n: x.limit_n, unit: x.limit_unit },
  status: x.status,
  dueAt: iso(x.due_at),
  dueDate: x.due_date,
  overdue: x.overdue,
  remindedAt: iso(x.reminded_at),
  escalatedAt: iso(x.escalated_at),
  answer: x.answered_at ? { response: x.response, measures: x.measures, by: x.answered_by, at: x.answered_at.toISOString(), inTime: x.answered_in_time } : null,
});

export async function listFindings(db: Db, o: { province?: string; status?: 'open' | 'answered'; overdue?: boolean; limit: number }): Promise<FindingRow[]> {
  const r = await db.query(
    `SELECT ${FINDING_COLUMNS} FROM samr_findings
      WHERE ($1::text IS NULL OR province = $1) AND ($2::text IS NULL OR status = $2) AND ($3::boolean IS NULL OR overdue = $3)
      ORDER BY due_at ASC NULLS LAST, opened_at, application_id LIMIT $4`,
    [o.province ?? null, o.status ?? null, o.overdue ?? null, o.limit],
  );
  return r.rows.map(findingOf);
}

export async function findFinding(db: Db, applicationId: string): Promise<FindingRow | undefined> {
  const r = await db.query(`SELECT ${FINDING_COLUMNS} FROM samr_findings WHERE application_id = $1`, [applicationId]);
  return r.rows[0] ? findingOf(r.rows[0]) : undefined;
}

export interface AuditLine {
  at: string;
  action: string;
  by: string | null;
  role: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}

/** The audit trail of SAMR's check of a case and of its finding. */
export async function samrHistory(db: Db, applicationId: string): Promise<AuditLine[]> {
  const r = await db.query<{ occurred_at: Date; action: string; actor_id: string | null; actor_role: string | null; reason: string | null; details: Record<string, unknown> }>(
    `SELECT occurred_at, action, actor_id, actor_role, reason, details FROM audit_events
      WHERE application_id = $1 AND action LIKE 'samr-%' ORDER BY occurred_at, id`,
    [applicationId],
  );
  return r.rows.map((x) => ({ at: x.occurred_at.toISOString(), action: x.action, by: x.actor_id, role: x.actor_role, reason: x.reason, details: x.details }));
}
