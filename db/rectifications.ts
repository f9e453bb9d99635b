/**
 * R15: where a certificate's rectification runs. A failing routine inspection (R11) opens it in the
 * follow-up workflow: `<application>/follow-up` for a licence from an application here, or
 * `inspection/<task>/rectification/<certificate>` for an imported one
 * (workflows/supervision/inspection-task.ts); likewise `spot-check/<id>/rectification/<certificate>` after
 * a failed spot check (R15) and `flight/<id>/rectification/<certificate>` after a flight inspection
 * found problems (R13); a follow-up after issuance may also have ordered one.
 * The API reaches it by certificate number through these candidates, newest first.
 */
import type { Pool, PoolClient } from 'pg';

/** Workflow ids that may hold this certificate's rectification, newest first (the caller asks Temporal which one is open). */
export async function rectificationWorkflowIds(c: Pool | PoolClient, certificateNumber: string): Promise<string[]> {
  const { rows } = await c.query<{ workflow_id: string }>(
    `SELECT workflow_id FROM (
       SELECT CASE WHEN k.application_id IS NOT NULL THEN k.application_id || '/follow-up'
                   ELSE 'inspection/' || t.id || '/rectification/' || k.number END AS workflow_id, t.result_at AS at
         FROM certificates k JOIN inspection_tasks t ON t.province = k.province AND t.uscc = k.uscc
        WHERE k.number = $1 AND t.result_at IS NOT NULL AND t.outcome <> 'pass'
       UNION ALL
       -- R15: a final spot-check failure orders the licences of that product under rectification.
       SELECT CASE WHEN k.application_id IS NOT NULL THEN k.application_id || '/follow-up'
                   ELSE 'spot-check/' || s.id || '/rectification/' || k.number END, s.order_at
         FROM certificates k JOIN spot_checks s ON s.province = k.province AND s.uscc = k.uscc AND s.product = k.product
        WHERE k.number = $1 AND s.order_at IS NOT NULL
       UNION ALL
       -- R13: a flight inspection that found problems puts every licence of the enterprise here under rectification.
       SELECT CASE WHEN k.application_id IS NOT NULL THEN k.application_id || '/follow-up'
                   ELSE 'flight/' || f.id || '/rectification/' || k.number END, f.result_at
         FROM certificates k JOIN flight_inspections f ON f.province = k.province AND f.uscc = k.uscc
        WHERE k.number = $1 AND f.outcome = 'problems-found'
       UNION ALL
       SELECT workflow_id, occurred_at FROM follow_up_inspections WHERE certificate_no = $1 AND outcome = 'rectification-required'
     ) x GROUP BY workflow_id ORDER BY max(at) DESC, workflow_id`,
    [certificateNumber],
  );
  return rows.map((r) => r.workflow_id);
}
