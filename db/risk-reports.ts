/**
 * R18 and R13: risk reports with their triage, and flight inspections (migration 0016). A public
 * submitter's secret is never stored: only its SHA-256 (`access_hash`).
 */
import type { Pool, PoolClient } from 'pg';
import type { ProductId } from '../domain/policy';
import type { ReportStatus } from '../domain/supervision/risk-report';
import type { Evidence } from '../domain/supervision/risk-signal';

type Db = Pool | PoolClient;

export interface RiskReportRow {
  ref: string;
  province: string;
  submitterKind: 'reporter' | 'public';
  reporterId: string | null;
  certificateNumber: string;
  uscc: string;
  product: ProductId;
  what: string;
  evidence: Evidence[];
  contact: string;
  submittedAt: string;
  status: ReportStatus;
  triageDue: string | null;
  decisionReason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  flightId: string | null;
}

const COLUMNS = `ref, province, submitter_kind, reporter_id, certificate_no, uscc, product, what, evidence, contact, submitted_at, status, triage_due,
  decision_reason, decided_by, decided_at, flight_id`;

interface Row {
  ref: string;
  province: string;
  submitter_kind: 'reporter' | 'public';
  reporter_id: string | null;
  certificate_no: string;
  uscc: string;
  product: ProductId;
  what: string;
  evidence: Evidence[];
  contact: string;
  submitted_at: Date;
  status: ReportStatus;
  triage_due: Date | null;
  decision_reason: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  flight_id: string | null;
}

const toReport = (r: Row): RiskReportRow => ({
  ref: r.ref,
  province: r.province,
  submitterKind: r.submitter_kind,
  reporterId: r.reporter_id,
  certificateNumber: r.certificate_no,
  uscc: r.uscc,
  product: r.product,
  what: r.what,
  evidence: r.evidence,
  contact: r.contact,
  submittedAt: r.submitted_at.toISOString(),
  status: r.status,
  triageDue: r.triage_due?.toISOString() ?? null,
  decisionReason: r.decision_reason,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at?.toISOString() ?? null,
  flightId: r.flight_id,
});

export async function insertRiskReport(
  c: Db,
  r: Pick<RiskReportRow, 'ref' | 'province' | 'submitterKind' | 'reporterId' | 'certificateNumber' | 'uscc' | 'product' | 'what' | 'evidence' | 'contact' | 'submittedAt'> & { accessHash: string | null },
): Promise<void> {
  await c.query(
    `INSERT INTO risk_reports (ref, province, submitter_kind, reporter_id, access_hash, certificate_no, uscc, product, what, evidence, contact, submitted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [r.ref, r.province, r.submitterKind, r.reporterId, r.accessHash, r.certificateNumber, r.uscc, r.product, r.what, JSON.stringify(r.evidence), r.contact, r.submittedAt],
  );
}

export async function deleteRiskReport(c: Db, ref: string): Promise<void> {
  await c.query('DELETE FROM risk_reports WHERE ref = $1', [ref]);
}

export async function findRiskReport(c: Db, ref: string): Promise<RiskReportRow | undefined> {
  const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM risk_reports WHERE ref = $1`, [ref]);
  return rows[0] && toReport(rows[0]);
}

/** A public submission by its reference and secret's hash; undefined when either is wrong (the same answer). */
export async function findPublicReport(c: Db, ref: string, accessHash: string): Promise<RiskReportRow | undefined> {
  const { rows } = await c.query<Row>(`SELECT ${COLUMNS} FROM risk_reports WHERE ref = $1 AND submitter_kind = 'public' AND access_hash = $2`, [ref, accessHash]);
  return rows[0] && toReport(rows[0]);
}

export async function listRiskReports(c: Db, f: { province?: string; reporterId?: string; status?: ReportStatus }, limit = 200): Promise<RiskReportRow[]> {
  const { rows } = await c.query<Row>(
    `SELECT ${COLUMNS} FROM risk_reports WHERE ($1::text IS NULL OR province = $1) AND ($2::text IS NULL OR reporter_id = $2) AND ($3::text IS NULL OR status = $3)
      ORDER BY submitted_at DESC, ref LIMIT $4`,
    [f.province ?? null, f.reporterId ?? null, f.status ?? null, limit],
  );
  return rows.map(toReport);
}

export async function setTriageDue(c: Db, ref: string, due: string): Promise<void> {
  await c.query('UPDATE risk_reports SET triage_due = $2 WHERE ref = $1', [ref, due]);
}

/** The triage decision, once (a retried activity changes nothing). */
export async function recordTriage(c: Db, d: { ref: string; status: ReportStatus; reason: string; by: string; at: string; signalKey?: string; flightId?: string }): Promise<void> {
  await c.query(
    `UPDATE risk_reports SET status = $2, decision_reason = $3, decided_by = $4, decided_at = $5, signal_key = $6, flight_id = $7 WHERE ref = $1 AND status = 'triage'`,
    [d.ref, d.status, d.reason, d.by, d.at, d.signalKey ?? null, d.flightId ?? null],
  );
}

// ---- flight inspections (R13) -------------------------------------------------------------------

export interface FlightRow {
  id: string;
  province: string;
  uscc: string;
  leadKind: string;
  leadRef: string;
  summary: string;
  orderedBy: string;
  orderedRole: string;
  orderedAt: string;
  dueOn: string;
  team: string[] | null;
  staffingProblem: string | null;
  outcome: string | null;
  findings: string | null;
  ground: string | null;
  resultBy: string | null;
  resultAt: string | null;
  inspectedOn: string | null;
}

const FLIGHT_COLUMNS = `id, province, uscc, lead_kind AS "leadKind", lead_ref AS "leadRef", summary, ordered_by AS "orderedBy", ordered_role AS "orderedRole",
  to_char(ordered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "orderedAt", to_char(due_on, 'YYYY-MM-DD') AS "dueOn", team,
  staffing_problem AS "staffingProblem", outcome, findings, ground, result_by AS "resultBy",
  to_char(result_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "resultAt", to_char(inspected_on, 'YYYY-MM-DD') AS "inspectedOn"`;

export async function insertFlight(
  c: Db,
  f: { id: string; province: string; uscc: string; leadKind: string; leadRef: string; summary: string; orderedBy: string; orderedRole: string; orderedAt: string; dueOn: string; seed: string },
): Promise<void> {
  await c.query(
    `INSERT INTO flight_inspections (id, province, uscc, lead_kind, lead_ref, summary, ordered_by, ordered_role, ordered_at, due_on, seed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
    [f.id, f.province, f.uscc, f.leadKind, f.leadRef, f.summary, f.orderedBy, f.orderedRole, f.orderedAt, f.dueOn, f.seed],
  );
}

export async function findFlight(c: Db, id: string): Promise<(FlightRow & { seed: string }) | undefined> {
  return (await c.query<FlightRow & { seed: string }>(`SELECT ${FLIGHT_COLUMNS}, seed FROM flight_inspections WHERE id = $1`, [id])).rows[0];
}

export async function listFlights(c: Db, f: { province?: string; inspectorId?: string }, limit = 200): Promise<FlightRow[]> {
  const { rows } = await c.query<FlightRow>(
    `SELECT ${FLIGHT_COLUMNS} FROM flight_inspections WHERE ($1::text IS NULL OR province = $1) AND ($2::text IS NULL OR team ? $2) ORDER BY ordered_at DESC, id LIMIT $3`,
    [f.province ?? null, f.inspectorId ?? null, limit],
  );
  return rows;
}

export async function setFlightTeam(c: Db, id: string, team: string[] | null, problem: string | null): Promise<void> {
  await c.query('UPDATE flight_inspections SET team = COALESCE(team, $2::jsonb), staffing_problem = $3 WHERE id = $1', [id, team ? JSON.stringify(team) : null, problem]);
}

/** The team of the enterprise's latest flight inspection in the province other than `exceptId` (R11: not drawn again). */
export async function lastFlightTeam(c: Db, province: string, uscc: string, exceptId: string): Promise<string[]> {
  const { rows } = await c.query<{ team: string[] }>(
    'SELECT team FROM flight_inspections WHERE province = $1 AND uscc = $2 AND id <> $3 AND team IS NOT NULL ORDER BY ordered_at DESC LIMIT 1',
    [province, uscc, exceptId],
  );
  return rows[0]?.team ?? [];
}
