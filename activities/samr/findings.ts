/**
 * R06: side effects of a SAMR finding (workflows/samr/samr-finding.ts): its row, its audit trail
 * and the notices to the province's supervisor and to SAMR. Keyed by the workflow id and step,
 * so a retried activity writes nothing twice.
 */
import type { Pool, PoolClient } from 'pg';
import type { Actor } from '../../domain/roles';
import { appendAudit } from '../../db/audit';
import { inTransaction } from '../../db/tx';

type ActorRef = Pick<Actor, 'id' | 'role'>;

interface FindingRef {
  workflowId: string;
  applicationId: string;
  province: string;
}

async function notice(c: PoolClient, key: string, f: FindingRef, recipientRole: string, kind: string, message: string): Promise<void> {
  await c.query(
    `INSERT INTO notifications (notification_key, application_id, province, recipient_role, kind, message)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (notification_key) DO NOTHING`,
    [key, f.applicationId, f.province, recipientRole, kind, message],
  );
}

export function createSamrFindingActivities(pool: Pool) {
  return {
    /** The finding's row with its due date (again when a new calendar moved it); the first time, its audit row and the supervisor's notice. */
    async openSamrFinding(input: FindingRef & {
      drawKey: string;
      findings: string;
      openedAt: string;
      openedBy: string;
      limit: { n: number; unit: string };
      dueAt: string;
      dueDate: string;
    }): Promise<void> {
      await inTransaction(pool, async (c) => {
        await c.query(
          `INSERT INTO samr_findings (application_id, workflow_id, province, draw_key, findings, opened_at, opened_by, limit_n, limit_unit, due_at, due_date)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (application_id) DO UPDATE SET due_at = EXCLUDED.due_at, due_date = EXCLUDED.due_date`,
          [input.applicationId, input.workflowId, input.province, input.drawKey, input.findings, input.openedAt, input.openedBy, input.limit.n, input.limit.unit, input.dueAt, input.dueDate],
        );
        const fresh = await appendAudit(c, {
          eventKey: `${input.workflowId}:opened`,
          applicationId: input.applicationId,
          action: 'samr-finding-opened',
          actor: { id: input.openedBy, role: 'samr' },
          reason: input.findings,
          details: { drawKey: input.drawKey, province: input.province, dueAt: input.dueAt, limit: input.limit },
          occurredAt: input.openedAt,
        });
        if (fresh) {
          await notice(c, `${input.workflowId}:opened`, input, 'supervisor', 'samr-finding',
            `SAMR's random check found case ${input.applicationId} non-conforming: ${input.findings}. Answer by ${input.dueDate} (R06)`);
        }
      });
    },

    async remindSamrFinding(input: FindingRef & { dueDate: string; at: string }): Promise<void> {
      await inTransaction(pool, async (c) => {
        await c.query(`UPDATE samr_findings SET reminded_at = COALESCE(reminded_at, $2) WHERE application_id = $1`, [input.applicationId, input.at]);
        await notice(c, `${input.workflowId}:reminder`, input, 'supervisor', 'samr-finding-due',
          `SAMR's finding on case ${input.applicationId} is to be answered by ${input.dueDate} (R06)`);
      });
    },

    /** The limit has passed without an answer: overdue, escalated to SAMR, the supervisor told again. */
    async escalateSamrFinding(input: FindingRef & { dueAt: string; dueDate: string; at: string }): Promise<void> {
      await inTransaction(pool, async (c) => {
        await c.query(`UPDATE samr_findings SET overdue = true, escalated_at = COALESCE(escalated_at, $2) WHERE application_id = $1`, [input.applicationId, input.at]);
        const fresh = await appendAudit(c, {
          eventKey: `${input.workflowId}:overdue`,
          applicationId: input.applicationId,
          action: 'samr-finding-overdue',
          reason: `no answer by ${input.dueAt}`,
          details: { province: input.province, dueAt: input.dueAt, escalatedTo: 'samr' },
          occurredAt: input.at,
        });
        if (!fresh) return;
        const message = `The answer to SAMR's finding on case ${input.applicationId} was due by ${input.dueDate} and has not been given (R06)`;
        await notice(c, `${input.workflowId}:overdue:samr`, input, 'samr', 'samr-finding-overdue', message);
        await notice(c, `${input.workflowId}:overdue:supervisor`, input, 'supervisor', 'samr-finding-overdue', message);
      });
    },

    async answerSamrFinding(input: FindingRef & { response: string; measures: string; actor: ActorRef; at: string; dueAt: string; inTime: boolean }): Promise<void> {
      await inTransaction(pool, async (c) => {
        const fresh = await appendAudit(c, {
          eventKey: `${input.workflowId}:answered`,
          applicationId: input.applicationId,
          action: 'samr-finding-answered',
          actor: input.actor,
          reason: input.response,
          details: { measures: input.measures, province: input.province, dueAt: input.dueAt, inTime: input.inTime },
          occurredAt: input.at,
        });
        if (!fresh) return;
        await c.query(
          `UPDATE samr_findings SET status = 'answered', response = $2, measures = $3, answered_by = $4, answered_at = $5, answered_in_time = $6
            WHERE application_id = $1`,
          [input.applicationId, input.response, input.measures, input.actor.id, input.at, input.inTime],
        );
        await notice(c, `${input.workflowId}:answered`, input, 'samr', 'samr-finding-answered',
          `${input.province} answered SAMR's finding on case ${input.applicationId}${input.inTime ? '' : ' (late)'}: ${input.response}`);
      });
    },
  };
}

export type SamrFindingActivities = ReturnType<typeof createSamrFindingActivities>;
