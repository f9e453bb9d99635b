/**
 * R11: an inspection task's result. In one transaction: the result on the task, for a failing
 * result the R17 fact (then the grade is recomputed), and the publicity record that R11 requires
 * within 20 working days, written to `credit_publicity` (kind `inspection-result`) for the same
 * sender that publishes R12's records and sets `published_at`.
 */
import type { Pool } from 'pg';
import { type InspectionTaskOutcome, isFailing } from '../../domain/supervision/inspection-task';
import { policyInForce, type ProductId } from '../../domain/policy';
import { endOfShanghaiDay } from '../../domain/time';
import { insertSupervisionFact } from '../../db/risk-grades';
import { appendSupervisionAudit } from '../../db/supervision-audit';
import { inTransaction } from '../../db/tx';
import { type GradeChange, recomputeGrade } from './risk-grades';

const SUMMARY: Record<InspectionTaskOutcome, string> = {
  pass: 'routine inspection (双随机): no problems found',
  'problems-found': 'routine inspection (双随机): problems found',
  'not-found': 'routine inspection (双随机): enterprise not found at its registered address',
  refused: 'routine inspection (双随机): the enterprise refused the inspection',
};

export const publicityKeyOf = (taskId: string): string => `inspection-result|${taskId}`;

export function createInspectionTaskActivities(pool: Pool) {
  return {
    async recordInspectionTaskResult(input: {
      taskId: string;
      province: string;
      uscc: string;
      outcome: InspectionTaskOutcome;
      findings?: string;
      by: string;
      at: string;
      inspectedOn: string;
      publicationDue: string;
    }): Promise<{ recordKey: string; grade?: GradeChange }> {
      const recordKey = publicityKeyOf(input.taskId);
      await inTransaction(pool, async (c) => {
        await c.query(
          `UPDATE inspection_tasks SET outcome = $2, findings = $3, result_by = $4, result_at = $5, inspected_on = $6, publication_due = $7 WHERE id = $1 AND outcome IS NULL`,
          [input.taskId, input.outcome, input.findings ?? null, input.by, input.at, input.inspectedOn, input.publicationDue],
        );
        const ent = await c.query<{ enterprise_name: string; products: string }>(
          `SELECT max(enterprise_name) AS enterprise_name, string_agg(DISTINCT product, ',') AS products FROM certificates WHERE uscc = $1 AND province = $2`,
          [input.uscc, input.province],
        );
        await c.query(
          `INSERT INTO credit_publicity (record_key, uscc, enterprise_name, certificate_no, product, kind, ground, rule, summary, decided_on)
           VALUES ($1, $2, $3, NULL, $4, 'inspection-result', $5, 'R11', $6, $7) ON CONFLICT (record_key) DO NOTHING`,
          [recordKey, input.uscc, ent.rows[0]?.enterprise_name ?? input.uscc, ent.rows[0]?.products ?? '', input.outcome, `${SUMMARY[input.outcome]}${input.findings ? `: ${input.findings}` : ''}`, input.inspectedOn],
        );
        if (isFailing(input.outcome)) {
          await insertSupervisionFact(c, {
            factKey: `inspection|${input.taskId}`,
            uscc: input.uscc,
            province: input.province,
            kind: 'failed-inspection',
            on: input.inspectedOn,
            ref: `inspection ${input.taskId} (${input.outcome})`,
            details: { findings: input.findings ?? null },
          });
        }
        await appendSupervisionAudit(c, {
          eventKey: `inspection|${input.taskId}|result`,
          action: 'inspection-result-recorded',
          actor: { id: input.by, role: 'inspector' },
          details: { taskId: input.taskId, uscc: input.uscc, outcome: input.outcome },
          occurredAt: input.at,
        });
      });
      if (!isFailing(input.outcome)) return { recordKey };
      return { recordKey, grade: await recomputeGrade(pool, input.uscc, input.province, input.inspectedOn, `failed-inspection: inspection ${input.taskId}`) };
    },

    /**
     * R11, R15: the licences a failing routine inspection puts under rectification: every licence
     * the enterprise holds in the province, with what a follow-up needs to supervise it. `on`: the inspection day.
     */
    async rectificationTargets(input: { uscc: string; province: string; on: string }): Promise<
      { certificateNumber: string; applicationId: string | null; product: ProductId; issuedAt: string; policyVersion: string }[]
    > {
      const { rows } = await pool.query<{ number: string; application_id: string | null; product: ProductId; issued_on: string; policy_version: string | null }>(
        `SELECT k.number, k.application_id, k.product, to_char(k.issued_on, 'YYYY-MM-DD') AS issued_on, a.policy_version
           FROM certificates k LEFT JOIN applications a ON a.id = k.application_id
          WHERE k.uscc = $1 AND k.province = $2 AND k.status IN ('valid', 'deemed-renewed') ORDER BY k.number`,
        [input.uscc, input.province],
      );
      return rows.map((r) => ({
        certificateNumber: r.number,
        applicationId: r.application_id,
        product: r.product,
        issuedAt: endOfShanghaiDay(r.issued_on),
        // An imported licence has no case version (and may predate the first): the rules in force at the rectification.
        policyVersion: r.policy_version ?? policyInForce(input.on).id,
      }));
    },

    /** R11: when the publicity record went out (the sender sets published_at), or null while it waits. */
    async publicityPublishedAt(input: { recordKey: string }): Promise<string | null> {
      const { rows } = await pool.query<{ published_at: Date | null }>('SELECT published_at FROM credit_publicity WHERE record_key = $1', [input.recordKey]);
      return rows[0]?.published_at?.toISOString() ?? null;
    },
  };
}

export type InspectionTaskActivities = ReturnType<typeof createInspectionTaskActivities>;
