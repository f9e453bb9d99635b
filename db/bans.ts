/** L04, L08: the re-application bans on record. Read by intake (workflow activity) and the API's submission check. */
import type { Pool, PoolClient } from 'pg';
import type { RefusalGround } from '../domain/approval/refusal-grounds';
import type { ActiveBan, RevocationGround } from '../domain/licence/revocation';
import type { ProductId } from '../domain/policy';

/** L04, L08: the ban in force for this enterprise and product on a civil date, if any. */
export async function findActiveBan(pool: Pool | PoolClient, uscc: string, product: ProductId, date: string): Promise<ActiveBan | undefined> {
  const r = await pool.query<{
    id: string;
    uscc: string;
    product: ProductId;
    ground: RevocationGround | RefusalGround;
    rule: string;
    starts_on: string;
    ends_on: string;
    certificate_no: string | null;
    application_id: string | null;
    reason: string;
  }>(
    `SELECT id, uscc, product, ground, rule, reason, certificate_no, application_id,
            to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on
       FROM bans WHERE uscc = $1 AND product = $2 AND starts_on <= $3::date AND ends_on >= $3::date
      ORDER BY ends_on DESC LIMIT 1`,
    [uscc, product, date],
  );
  const b = r.rows[0];
  if (!b) return undefined;
  return {
    id: Number(b.id),
    uscc: b.uscc,
    product: b.product,
    ground: b.ground,
    rule: b.rule,
    startsOn: b.starts_on,
    endsOn: b.ends_on,
    certificateNumber: b.certificate_no,
    applicationId: b.application_id,
    reason: b.reason,
  };
}
