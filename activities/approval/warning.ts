/**
 * L04 at application: an application refused for false materials or concealment (隐瞒有关情况或者
 * 提供虚假材料, Admin. Licensing Law Art. 78) earns the applicant a warning and a 1-year ban on
 * applying for that product, and a credit-publicity record (R12). All of it in one transaction,
 * keyed by the application: a retried activity, or a second call for the same case, adds nothing.
 */
import type { Pool } from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import { REFUSAL_GROUNDS, type RefusalGround } from '../../domain/approval/refusal-grounds';
import { validUntil } from '../../domain/licence/certificate';
import type { Actor } from '../../domain/roles';
import { shanghaiDate } from '../../domain/time';
import { appendAudit } from '../../db/audit';
import { inTransaction } from '../../db/tx';
import { recomputeGradesAfter } from '../supervision/risk-grades';

export interface ApplicationWarningInput {
  eventKey: string;
  applicationId: string;
  ground: RefusalGround;
  /** The decision the warning goes with. */
  decision: 'refused' | 'rejected-at-intake';
  reasons: string[];
  actor?: Pick<Actor, 'id' | 'role'>;
  occurredAt: string;
}

export interface ApplicationWarning {
  rule: string;
  startsOn: string;
  /** Last day of the ban (inclusive). */
  endsOn: string;
}

export function createWarningActivities(pool: Pool) {
  return {
    /** L04: warning, ban and credit-publicity record for a refusal on a ground that carries them; null for other grounds. */
    async recordApplicationWarning(input: ApplicationWarningInput): Promise<ApplicationWarning | null> {
      const g = REFUSAL_GROUNDS[input.ground];
      if (!g.ban) return null;
      const why = g.ban.why;
      const warning = await inTransaction(pool, async (c) => {
        const row = await c.query<{ uscc: string; enterprise_name: string; product: string; province: string }>(
          'SELECT uscc, enterprise_name, product, province FROM applications WHERE id = $1 FOR UPDATE',
          [input.applicationId],
        );
        const app = row.rows[0];
        if (!app) throw ApplicationFailure.nonRetryable(`application ${input.applicationId} has no record`, 'MissingApplication');
        const on = shanghaiDate(input.occurredAt);
        await c.query(
          `INSERT INTO bans (uscc, product, ground, rule, reason, starts_on, ends_on, application_id, source)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'refusal') ON CONFLICT (application_id) DO NOTHING`,
          [app.uscc, app.product, input.ground, g.rule, why, on, validUntil(on, g.ban!.years), input.applicationId],
        );
        // The ban on record (the first call's, on a retry).
        const ban = await c.query<{ starts_on: string; ends_on: string; rule: string }>(
          `SELECT to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on, rule FROM bans WHERE application_id = $1`,
          [input.applicationId],
        );
        const b = ban.rows[0]!;
        const summary = `warning: application ${input.applicationId} ${input.decision === 'refused' ? 'refused (不予许可)' : 'not accepted (不予受理)'} (${input.ground}): ${input.reasons.join('; ')}; no new application for ${app.product} until ${b.ends_on}`;
        await c.query(
          `INSERT INTO credit_publicity (record_key, uscc, enterprise_name, certificate_no, product, kind, ground, rule, summary, decided_on, application_id)
           VALUES ($1, $2, $3, NULL, $4, 'application-warning', $5, $6, $7, $8, $9) ON CONFLICT (record_key) DO NOTHING`,
          [`warning:${input.applicationId}`, app.uscc, app.enterprise_name, app.product, input.ground, g.rule, summary, b.starts_on, input.applicationId],
        );
        await c.query(
          `INSERT INTO notifications (notification_key, application_id, province, recipient_role, kind, message)
           VALUES ($1, $2, $3, 'applicant', 'warning', $4) ON CONFLICT (notification_key) DO NOTHING`,
          [`warning:${input.applicationId}`, input.applicationId, app.province, `Warning (警告, ${g.rule}): ${summary}`],
        );
        await appendAudit(c, {
          eventKey: input.eventKey,
          applicationId: input.applicationId,
          action: 'warning-issued',
          actor: input.actor,
          reason: why,
          details: { ground: input.ground, rule: g.rule, ban: { product: app.product, startsOn: b.starts_on, endsOn: b.ends_on } },
          occurredAt: input.occurredAt,
        });
        return { rule: b.rule, startsOn: b.starts_on, endsOn: b.ends_on, uscc: app.uscc };
      });
      // R17: the ban raises the grade at once wherever the enterprise holds a licence or has a grade (a retry recomputes again, harmlessly).
      await recomputeGradesAfter(pool, warning.uscc, warning.startsOn, `ban: application ${input.applicationId} refused (${input.ground})`);
      return { rule: warning.rule, startsOn: warning.startsOn, endsOn: warning.endsOn };
    },
  };
}

export type WarningActivities = ReturnType<typeof createWarningActivities>;
