/**
 * R17: the facts a risk grade is computed from, gathered from where each is on record, and the
 * stored grades and overrides. The computation itself is domain/supervision/risk-grade.ts.
 */
import type { Pool, PoolClient } from 'pg';
import type { ProductId } from '../domain/policy';
import type { GradeOverride, RiskFact, RiskFactKind, RiskFacts, RiskGradeResult } from '../domain/supervision/risk-grade';
import type { RiskGrade } from '../domain/supervision/risk-policy';

type Db = Pool | PoolClient;
/** Shanghai's day of an instant. A fixed offset, not 'Asia/Shanghai': the embedded PostgreSQL of npm start has no time zone database (China has had no DST since 1991). */
const SH_DATE = (col: string) => `to_char(${col} AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM-DD')`;

/** R17: every fact on record about one enterprise in one province, as of a day. */
export async function gatherRiskFacts(c: Db, uscc: string, province: string, asOf: string): Promise<RiskFacts> {
  const certs = await c.query<{ number: string; product: ProductId; issued_on: string; status: string; changed_on: string }>(
    `SELECT number, product, to_char(issued_on, 'YYYY-MM-DD') AS issued_on, status, ${SH_DATE('status_changed_at')} AS changed_on
       FROM certificates WHERE uscc = $1 AND province = $2`,
    [uscc, province],
  );
  const facts: RiskFact[] = [];
  const held = certs.rows.filter((r) => r.issued_on <= asOf);
  for (const r of held) if (r.status === 'revoked') facts.push({ kind: 'revocation', on: r.changed_on, ref: `certificate ${r.number}` });
  const bans = await c.query<{ id: string; product: string; starts_on: string; ends_on: string }>(
    `SELECT b.id::text, b.product, to_char(b.starts_on, 'YYYY-MM-DD') AS starts_on, to_char(b.ends_on, 'YYYY-MM-DD') AS ends_on
       FROM bans b LEFT JOIN certificates k ON k.number = b.certificate_no
      WHERE b.uscc = $1 AND (k.province IS NULL OR k.province = $2)`,
    [uscc, province],
  );
  for (const b of bans.rows) facts.push({ kind: 'ban', on: b.starts_on, until: b.ends_on, ref: `ban ${b.id} (${b.product})` });
  const followUps = await c.query<{ id: string; outcome: string; on: string; certificate_no: string }>(
    `SELECT f.id::text, f.outcome, ${SH_DATE('f.occurred_at')} AS on, f.certificate_no
       FROM follow_up_inspections f JOIN certificates k ON k.number = f.certificate_no
      WHERE k.uscc = $1 AND k.province = $2 AND f.outcome IN ('failed', 'rectification-required')`,
    [uscc, province],
  );
  for (const f of followUps.rows) {
    facts.push({
      kind: f.outcome === 'failed' ? 'failed-inspection' : 'rectification-order',
      on: f.on,
      ref: `follow-up inspection ${f.id} of ${f.certificate_no}`,
    });
  }
  const own = await c.query<{ kind: RiskFactKind; on: string; ref: string }>(
    `SELECT kind, to_char(occurred_on, 'YYYY-MM-DD') AS on, ref FROM supervision_facts WHERE uscc = $1 AND province = $2`,
    [uscc, province],
  );
  for (const f of own.rows) facts.push({ kind: f.kind, on: f.on, ref: f.ref });
  const first = held.map((r) => r.issued_on).sort()[0];
  const products = [...new Set(held.filter((r) => r.status === 'valid' || r.status === 'deemed-renewed').map((r) => r.product))].sort();
  return { asOf, firstLicensedOn: first, products, facts };
}

export interface NewSupervisionFact {
  factKey: string;
  uscc: string;
  province: string;
  kind: Exclude<RiskFactKind, 'revocation' | 'ban'>;
  on: string;
  ref: string;
  details?: Record<string, unknown>;
}

/** Records a fact once per key; false when it was already recorded (a retry). */
export async function insertSupervisionFact(c: Db, f: NewSupervisionFact): Promise<boolean> {
  const r = await c.query(
    `INSERT INTO supervision_facts (fact_key, uscc, province, kind, occurred_on, ref, details) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (fact_key) DO NOTHING`,
    [f.factKey, f.uscc, f.province, f.kind, f.on, f.ref, f.details ?? {}],
  );
  return r.rowCount === 1;
}

export async function storeRiskGrade(c: Db, uscc: string, province: string, g: RiskGradeResult): Promise<void> {
  await c.query(
    `INSERT INTO risk_grades (uscc, province, grade, score, policy_id, as_of, reasons, facts, computed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (province, uscc) DO UPDATE SET grade = EXCLUDED.grade, score = EXCLUDED.score, policy_id = EXCLUDED.policy_id, as_of = EXCLUDED.as_of,
       reasons = EXCLUDED.reasons, facts = EXCLUDED.facts, computed_at = now()`,
    [uscc, province, g.grade, g.score, g.policyId, g.asOf, JSON.stringify(g.reasons), JSON.stringify(g.factsUsed)],
  );
}

export interface StoredGrade extends RiskGradeResult {
  uscc: string;
  province: string;
  computedAt: string;
  override?: GradeOverride;
}

export async function findRiskGrade(c: Db, uscc: string, province: string): Promise<StoredGrade | undefined> {
  const { rows } = await c.query<{ grade: RiskGrade; score: number; policy_id: string; as_of: string; reasons: string[]; facts: RiskFact[]; computed_at: Date }>(
    `SELECT grade, score, policy_id, to_char(as_of, 'YYYY-MM-DD') AS as_of, reasons, facts, computed_at FROM risk_grades WHERE uscc = $1 AND province = $2`,
    [uscc, province],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    uscc,
    province,
    grade: r.grade,
    score: r.score,
    policyId: r.policy_id,
    asOf: r.as_of,
    reasons: r.reasons,
    factsUsed: r.facts,
    computedAt: r.computed_at.toISOString(),
    override: await latestOverride(c, uscc, province),
  };
}

/** The newest override on record (whether it is still in force is domain/supervision/risk-grade.ts effectiveGrade). */
export async function latestOverride(c: Db, uscc: string, province: string): Promise<GradeOverride | undefined> {
  const { rows } = await c.query<{ grade: RiskGrade; reason: string; overridden_by: string; overridden_at: Date; until: string }>(
    `SELECT grade, reason, overridden_by, overridden_at, to_char(until, 'YYYY-MM-DD') AS until
       FROM risk_grade_overrides WHERE uscc = $1 AND province = $2 ORDER BY id DESC LIMIT 1`,
    [uscc, province],
  );
  const r = rows[0];
  return r && { grade: r.grade, reason: r.reason, by: r.overridden_by, at: r.overridden_at.toISOString(), until: r.until };
}

export async function insertOverride(c: Db, uscc: string, province: string, o: GradeOverride): Promise<void> {
  await c.query(
    `INSERT INTO risk_grade_overrides (uscc, province, grade, reason, overridden_by, overridden_at, until) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [uscc, province, o.grade, o.reason, o.by, o.at, o.until],
  );
}

/** Inspectees (R11): every enterprise holding a licence of the province on a day, optionally for some products. */
export async function inspecteesOf(c: Db, province: string, on: string, products?: readonly string[]): Promise<string[]> {
  const { rows } = await c.query<{ uscc: string }>(
    `SELECT DISTINCT uscc FROM certificates
      WHERE province = $1 AND status IN ('valid', 'deemed-renewed') AND issued_on <= $2
        AND ($3::text[] IS NULL OR product = ANY($3::text[]))
      ORDER BY uscc`,
    [province, on, products && products.length ? [...products] : null],
  );
  return rows.map((r) => r.uscc);
}
