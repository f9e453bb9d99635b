/**
 * R16: campaigns, the failure-rate count that starts them, and their progress and report.
 * Shared by the campaign activities and the API (migration 0017).
 */
import type { Pool, PoolClient } from 'pg';
import type { CampaignProgress, CampaignStatus, CampaignTrigger, SpotCheckStats } from '../domain/supervision/campaign';
import type { ProductId } from '../domain/policy';

type Db = Pool | PoolClient;

/**
 * R16's failure rate of a product in a province over [from, to] (civil dates, both included).
 *
 * - failures: risk signals (R14) of kind `failed-test` on record for the province and product,
 *   local or received, by the day the failure occurred;
 * - samples (the denominator): tested samples in `tested_samples`, by the day tested, which the
 *   spot-check work (R15) writes once per sample with its final result, naming the failed-test
 *   signal of a failing one; plus every failed-test signal that no sample row names (a failure
 *   tested elsewhere is one sample tested). So the denominator is never below the failures.
 *
 * ASSUMPTION, for the spot-check work to honour: a failing sample records its failed-test signal
 * (and names it in `signal_key`); a passing one records only its sample row.
 */
export async function spotCheckStats(c: Db, province: string, product: string, from: string, to: string): Promise<SpotCheckStats> {
  const { rows } = await c.query<{ samples: string; failures: string }>(
    `SELECT (SELECT count(*) FROM tested_samples t WHERE t.province = $1 AND t.product = $2 AND t.tested_on BETWEEN $3 AND $4)
          + (SELECT count(*) FROM risk_signals r WHERE r.province = $1 AND r.product = $2 AND r.kind = 'failed-test' AND r.occurred_on BETWEEN $3 AND $4
               AND NOT EXISTS (SELECT 1 FROM tested_samples t WHERE t.signal_key = r.signal_key)) AS samples,
            (SELECT count(*) FROM risk_signals r WHERE r.province = $1 AND r.product = $2 AND r.kind = 'failed-test' AND r.occurred_on BETWEEN $3 AND $4) AS failures`,
    [province, product, from, to],
  );
  return { samples: Number(rows[0]!.samples), failures: Number(rows[0]!.failures) };
}

/** A tested sample's final result (the spot-check work's feed into spotCheckStats); once per key. */
export async function recordTestedSample(
  c: Db,
  s: { sampleKey: string; province: string; product: ProductId; uscc?: string; testedOn: string; failed: boolean; signalKey?: string; source: string },
): Promise<boolean> {
  const r = await c.query(
    `INSERT INTO tested_samples (sample_key, province, product, uscc, tested_on, failed, signal_key, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (sample_key) DO UPDATE SET failed = EXCLUDED.failed, signal_key = EXCLUDED.signal_key, tested_on = EXCLUDED.tested_on`,
    [s.sampleKey, s.province, s.product, s.uscc ?? null, s.testedOn, s.failed, s.signalKey ?? null, s.source],
  );
  return r.rowCount === 1;
}

export interface CampaignRecord {
  id: string;
  province: string;
  product: ProductId;
  status: 'proposed' | 'running' | 'declined' | 'ended';
  policyId: string;
  triggers: CampaignTrigger[];
  autoStart: boolean;
  proposedOn: string;
  confirmedBy: string | null;
  declined: { by: string; reason: string; at: string } | null;
  startsOn: string | null;
  endsOn: string | null;
  batchId: string | null;
  report: CampaignStatus['report'] | null;
  endedAt: string | null;
}

const SELECT = `SELECT id, province, product, status, policy_id, triggers, auto_start, to_char(proposed_on, 'YYYY-MM-DD') AS proposed_on, confirmed_by, declined,
  to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on, batch_id, report, ended_at FROM campaigns`;
interface Row {
  id: string;
  province: string;
  product: ProductId;
  status: CampaignRecord['status'];
  policy_id: string;
  triggers: CampaignTrigger[];
  auto_start: boolean;
  proposed_on: string;
  confirmed_by: string | null;
  declined: CampaignRecord['declined'];
  starts_on: string | null;
  ends_on: string | null;
  batch_id: string | null;
  report: CampaignRecord['report'];
  ended_at: Date | null;
}
const fromRow = (r: Row): CampaignRecord => ({
  id: r.id,
  province: r.province,
  product: r.product,
  status: r.status,
  policyId: r.policy_id,
  triggers: r.triggers,
  autoStart: r.auto_start,
  proposedOn: r.proposed_on,
  confirmedBy: r.confirmed_by,
  declined: r.declined,
  startsOn: r.starts_on,
  endsOn: r.ends_on,
  batchId: r.batch_id,
  report: r.report,
  endedAt: r.ended_at?.toISOString() ?? null,
});

export async function findCampaign(c: Db, id: string): Promise<CampaignRecord | undefined> {
  const { rows } = await c.query<Row>(`${SELECT} WHERE id = $1`, [id]);
  return rows[0] && fromRow(rows[0]);
}

export async function listCampaigns(c: Db, q: { province?: string; status?: CampaignRecord['status']; limit: number }): Promise<CampaignRecord[]> {
  const { rows } = await c.query<Row>(`${SELECT} WHERE ($1::text IS NULL OR province = $1) AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC, id LIMIT $3`, [
    q.province ?? null,
    q.status ?? null,
    q.limit,
  ]);
  return rows.map(fromRow);
}

/** The campaign proposed or running for a product of a province, if any (at most one, by index). */
export async function openCampaign(c: Db, province: string, product: string): Promise<CampaignRecord | undefined> {
  const { rows } = await c.query<Row>(`${SELECT} WHERE province = $1 AND product = $2 AND status IN ('proposed', 'running')`, [province, product]);
  return rows[0] && fromRow(rows[0]);
}

/** The day the last campaign of a product was proposed (any status): evidence up to it has been acted on. */
export async function lastCampaignProposedOn(c: Db, province: string, product: string): Promise<string | undefined> {
  const { rows } = await c.query<{ d: string | null }>(`SELECT to_char(max(proposed_on), 'YYYY-MM-DD') AS d FROM campaigns WHERE province = $1 AND product = $2`, [province, product]);
  return rows[0]?.d ?? undefined;
}

/**
 * Proposes a campaign for the product, or adds the trigger to the open one. The id is the
 * province, product and the campaign's number for them (`BJ-cement-2`); two detections racing
 * meet on the primary key or the one-open index, and the loser joins the winner's campaign.
 */
export async function proposeCampaign(
  c: PoolClient,
  p: { province: string; product: ProductId; triggers: CampaignTrigger[]; policyId: string; autoStart: boolean; on: string },
): Promise<{ campaign: CampaignRecord; created: boolean }> {
  await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`campaign|${p.province}|${p.product}`]);
  const open = await openCampaign(c, p.province, p.product);
  if (open) {
    // An open campaign keeps each accident once and the first threshold count (it is recounted every night).
    const fresh = p.triggers.filter((t) => !open.triggers.some((o) => o.kind === t.kind && (t.kind === 'threshold' || (o.kind === 'accident' && o.signalKey === t.signalKey))));
    if (fresh.length) await c.query('UPDATE campaigns SET triggers = triggers || $2::jsonb WHERE id = $1', [open.id, JSON.stringify(fresh)]);
    return { campaign: (await findCampaign(c, open.id))!, created: false };
  }
  const n = await c.query<{ n: string }>('SELECT count(*) AS n FROM campaigns WHERE province = $1 AND product = $2', [p.province, p.product]);
  const id = `${p.province}-${p.product}-${Number(n.rows[0]!.n) + 1}`;
  await c.query(
    `INSERT INTO campaigns (id, province, product, status, policy_id, triggers, auto_start, proposed_on) VALUES ($1, $2, $3, 'proposed', $4, $5, $6, $7)`,
    [id, p.province, p.product, p.policyId, JSON.stringify(p.triggers), p.autoStart, p.on],
  );
  return { campaign: (await findCampaign(c, id))!, created: true };
}

/** Products of a province with a failed test or a serious signal in [from, to]: the ones R16 looks at. */
export async function productsWithFailures(c: Db, province: string, from: string, to: string): Promise<ProductId[]> {
  const { rows } = await c.query<{ product: ProductId }>(
    `SELECT DISTINCT product FROM risk_signals WHERE province = $1 AND occurred_on BETWEEN $2 AND $3 AND (kind = 'failed-test' OR serious) ORDER BY product`,
    [province, from, to],
  );
  return rows.map((r) => r.product);
}

/** The serious signals (R16 accidents) of a product in [from, to], newest first. */
export async function seriousSignals(c: Db, province: string, product: string, from: string, to: string): Promise<{ signalKey: string; summary: string; occurredOn: string }[]> {
  const { rows } = await c.query<{ signal_key: string; summary: string; occurred_on: string }>(
    `SELECT signal_key, summary, to_char(occurred_on, 'YYYY-MM-DD') AS occurred_on FROM risk_signals
      WHERE province = $1 AND product = $2 AND serious AND occurred_on BETWEEN $3 AND $4 ORDER BY occurred_on DESC, id DESC LIMIT 20`,
    [province, product, from, to],
  );
  return rows.map((r) => ({ signalKey: r.signal_key, summary: r.summary, occurredOn: r.occurred_on }));
}

/**
 * R16 through R11: the campaign's own batch, at rate 1 over the product's licensees, due at the
 * window's end; the campaign is running from now. Once: a repeat returns what the first stored.
 */
export async function startCampaignBatch(
  c: PoolClient,
  p: { campaignId: string; startsOn: string; endsOn: string; seed: string; confirmedBy?: string },
): Promise<{ batchId: string; startsOn: string; endsOn: string }> {
  const cam = await findCampaign(c, p.campaignId);
  if (!cam) throw new Error(`campaign ${p.campaignId} is not on record`);
  if (cam.batchId) return { batchId: cam.batchId, startsOn: cam.startsOn!, endsOn: cam.endsOn! };
  const batchId = `campaign-${cam.id}`;
  await c.query(
    `INSERT INTO inspection_batches (id, plan_id, campaign_id, province, seq, starts_on, ends_on, products, scope, rates, seed, schedule_id)
     VALUES ($1, NULL, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
    [batchId, cam.id, cam.province, p.startsOn, p.endsOn, JSON.stringify([cam.product]), `R16 campaign ${cam.id}: every licensee of ${cam.product}`, JSON.stringify({ A: 1, B: 1, C: 1, D: 1 }), p.seed, `campaign/${cam.id}`],
  );
  await c.query(`UPDATE campaigns SET status = 'running', starts_on = $2, ends_on = $3, batch_id = $4, confirmed_by = COALESCE(confirmed_by, $5) WHERE id = $1`, [
    cam.id,
    p.startsOn,
    p.endsOn,
    batchId,
    p.confirmedBy ?? null,
  ]);
  return { batchId, startsOn: p.startsOn, endsOn: p.endsOn };
}

export async function declineCampaign(c: Db, id: string, d: { by: string; reason: string; at: string }): Promise<void> {
  await c.query(`UPDATE campaigns SET status = 'declined', declined = $2, ended_at = $3 WHERE id = $1 AND status = 'proposed'`, [id, JSON.stringify(d), d.at]);
}

/** The campaign's counts from its tasks (see CampaignProgress for what each counts). */
export async function campaignProgress(c: Db, campaignId: string): Promise<CampaignProgress> {
  const { rows } = await c.query<{ drawn: boolean; licensees: string; started: string; inspected: string; failed: string; orders: string; revocations: string; open_orders: string }>(
    `WITH cam AS (SELECT id, province, product, batch_id, starts_on FROM campaigns WHERE id = $1),
          t AS (SELECT t.* FROM inspection_tasks t JOIN cam ON t.batch_id = cam.batch_id)
     SELECT EXISTS (SELECT 1 FROM inspection_batch_draws d JOIN cam ON d.batch_id = cam.batch_id) AS drawn,
            (SELECT count(*) FROM t) AS licensees,
            (SELECT count(*) FROM t WHERE started_at IS NOT NULL) AS started,
            (SELECT count(*) FROM t WHERE outcome IS NOT NULL) AS inspected,
            (SELECT count(*) FROM t WHERE outcome IS NOT NULL AND outcome <> 'pass') AS failed,
            (SELECT count(*) FROM t WHERE outcome = 'problems-found') AS orders,
            (SELECT count(*) FROM certificates k, cam WHERE k.province = cam.province AND k.status = 'revoked' AND k.uscc IN (SELECT uscc FROM t)
               AND k.status_changed_at >= (cam.starts_on::timestamp AT TIME ZONE INTERVAL '+08:00')) AS revocations,
            (SELECT count(*) FROM t WHERE t.outcome = 'problems-found' AND EXISTS (
               SELECT 1 FROM certificates k WHERE k.uscc = t.uscc AND k.province = t.province AND k.status IN ('valid', 'deemed-renewed')
                  AND NOT EXISTS (SELECT 1 FROM follow_up_inspections f WHERE f.certificate_no = k.number AND f.outcome = 'pass' AND f.occurred_at > t.result_at))) AS open_orders`,
    [campaignId],
  );
  const r = rows[0]!;
  const licensees = Number(r.licensees);
  const inspected = Number(r.inspected);
  return {
    drawn: r.drawn,
    licensees,
    started: Number(r.started),
    inspected,
    failed: Number(r.failed),
    orders: Number(r.orders),
    revocations: Number(r.revocations),
    stillOpen: licensees - inspected + Number(r.open_orders),
  };
}

export async function storeCampaignReport(c: Db, id: string, report: NonNullable<CampaignStatus['report']>, endedBecause: string): Promise<void> {
  await c.query(`UPDATE campaigns SET status = 'ended', report = $2, ended_at = COALESCE(ended_at, $3) WHERE id = $1 AND status = 'running'`, [
    id,
    JSON.stringify({ ...report, endedBecause }),
    report.endedAt,
  ]);
}
