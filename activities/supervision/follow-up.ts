/**
 * Side effects of the after-issuance follow-up: team assignment checked against the verifier
 * register on the day (R10, L06) and inspection results. Keyed by event keys from the workflow,
 * so a retried activity writes nothing twice.
 */
import type { Pool } from 'pg';
import type { Actor } from '../../domain/roles';
import type { RectificationRecord } from '../../domain/licence/revocation';
import type { InspectionOutcome } from '../../domain/supervision/follow-up';
import { shanghaiDate } from '../../domain/time';
import { appendAudit } from '../../db/audit';
import { teamProblems } from '../../db/registers';
import { inTransaction } from '../../db/tx';

type ActorRef = Pick<Actor, 'id' | 'role'>;

export function createFollowUpActivities(pool: Pool) {
  return {
    /** R10, L06: checks the registry and, when the team is fine and `record` is set, records the assignment. */
    async assignTeam(input: {
      eventKey: string;
      workflowId: string;
      applicationId: string;
      certificateNumber: string;
      uscc: string;
      round: number;
      verifierIds: string[];
      actor: ActorRef;
      at: string;
      record: boolean;
    }): Promise<{ ok: true } | { ok: false; problems: string[] }> {
      return inTransaction(pool, async (c) => {
        const problems = await teamProblems(c, input.verifierIds, input.uscc, shanghaiDate(input.at));
        if (problems.length) {
          // The refusal is part of the record too: who proposed whom, and why it was refused.
          await appendAudit(c, {
            eventKey: `${input.eventKey}:refused`,
            applicationId: input.applicationId,
            action: 'inspection-team-refused',
            actor: input.actor,
            reason: problems.join('; '),
            details: { verifierIds: input.verifierIds, round: input.round },
            occurredAt: input.at,
          }, input.certificateNumber);
          return { ok: false as const, problems };
        }
        if (!input.record) return { ok: true as const };
        const fresh = await appendAudit(c, {
          eventKey: input.eventKey,
          applicationId: input.applicationId,
          action: 'inspection-team-assigned',
          actor: input.actor,
          details: { verifierIds: input.verifierIds, round: input.round },
          occurredAt: input.at,
        }, input.certificateNumber);
        if (fresh) {
          await c.query(
            `INSERT INTO inspection_teams (event_key, workflow_id, application_id, certificate_no, round, verifier_ids, assigned_by, assigned_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_key) DO NOTHING`,
            [input.eventKey, input.workflowId, input.applicationId, input.certificateNumber, input.round, JSON.stringify(input.verifierIds), input.actor.id, input.at],
          );
        }
        return { ok: true as const };
      });
    },

    /** An inspection result (first round or re-inspection) and its audit row. */
    async recordInspectionResult(input: {
      eventKey: string;
      workflowId: string;
      applicationId: string;
      certificateNumber: string;
      kind: string;
      round: number;
      outcome: InspectionOutcome;
      verifierIds: string[];
      findings?: string;
      rectifyBy?: string;
      inTime: boolean;
      dueAt: string;
      actor: ActorRef;
      occurredAt: string;
    }): Promise<void> {
      await inTransaction(pool, async (c) => {
        const fresh = await appendAudit(c, {
          eventKey: input.eventKey,
          applicationId: input.applicationId,
          action: `follow-up-${input.outcome}`,
          actor: input.actor,
          reason: input.findings,
          details: { kind: input.kind, round: input.round, verifierIds: input.verifierIds, rectifyBy: input.rectifyBy, dueAt: input.dueAt, inTime: input.inTime },
          occurredAt: input.occurredAt,
        }, input.certificateNumber);
        if (!fresh) return;
        await c.query(
          `INSERT INTO follow_up_inspections (event_key, workflow_id, application_id, certificate_no, kind, round, outcome, verifier_ids, findings, rectify_by, in_time, recorded_by, occurred_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (event_key) DO NOTHING`,
          [input.eventKey, input.workflowId, input.applicationId, input.certificateNumber, input.kind, input.round, input.outcome,
           JSON.stringify(input.verifierIds), input.findings ?? null, input.rectifyBy ?? null, input.inTime, input.actor.id, input.occurredAt],
        );
      });
    },

    /** R15, L08: the newest rectification order on a certificate and the failed re-check after it, if any. */
    async rectificationRecord(input: { certificateNumber: string }): Promise<RectificationRecord> {
      const r = await pool.query<{ ordered_at: Date; rectify_by: string | null; failed_at: Date | null }>(
        `SELECT o.occurred_at AS ordered_at, to_char(o.rectify_by, 'YYYY-MM-DD') AS rectify_by,
                (SELECT min(f.occurred_at) FROM follow_up_inspections f
                  WHERE f.workflow_id = o.workflow_id AND f.round > o.round AND f.outcome = 'failed') AS failed_at
           FROM follow_up_inspections o
          WHERE o.certificate_no = $1 AND o.outcome = 'rectification-required'
          ORDER BY o.occurred_at DESC LIMIT 1`,
        [input.certificateNumber],
      );
      const row = r.rows[0];
      if (!row) return {};
      return {
        order: { orderedAt: row.ordered_at.toISOString(), rectifyBy: row.rectify_by },
        ...(row.failed_at ? { failedRecheck: { at: row.failed_at.toISOString() } } : {}),
      };
    },
  };
}

export type FollowUpActivities = ReturnType<typeof createFollowUpActivities>;
