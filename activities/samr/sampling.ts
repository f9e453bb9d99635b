/**
 * R06: SAMR random checks — the population query and the audit record of each draw.
 * The draw itself is pure workflow-side code (domain/sampling.ts), so it sits in history too.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../../db/tx';

export interface ProvinceDraw {
  province: string;
  population: string[];
  sample: string[];
}

export interface SampleDrawRecord {
  drawKey: string;
  windowFrom: string;
  windowTo: string;
  seed: string;
  algorithm: string;
  rate: number;
  minPerProvince: number;
  drawnAt: string;
  workflowId?: string;
  runId?: string;
  draws: ProvinceDraw[];
}

export function createSamplingActivities(pool: Pool) {
  return {
    /** Application ids approved in [from, to), per province (sorted). */
    async loadApprovalPopulation(input: { from: string; to: string }): Promise<Record<string, string[]>> {
      const r = await pool.query<{ province: string; ids: string[] }>(
        `SELECT province, array_agg(id ORDER BY id COLLATE "C") AS ids
           FROM applications
          WHERE decision = 'approved' AND decided_at >= $1 AND decided_at < $2
          GROUP BY province`,
        [input.from, input.to],
      );
      return Object.fromEntries(r.rows.map((x) => [x.province, x.ids]));
    },

    /** One audit row per province; a retried activity (same drawKey) inserts nothing. */
    async recordSampleDraws(input: SampleDrawRecord): Promise<{ inserted: number }> {
      return inTransaction(pool, async (c) => {
        let inserted = 0;
        for (const d of input.draws) {
          const r = await c.query(
            `INSERT INTO samr_sample_draws (draw_key, province, window_from, window_to, seed, algorithm, rate, min_per_province,
                                            population, population_size, sample, drawn_at, workflow_id, run_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (draw_key, province) DO NOTHING`,
            [input.drawKey, d.province, input.windowFrom, input.windowTo, input.seed, input.algorithm, input.rate, input.minPerProvince,
             JSON.stringify(d.population), d.population.length, JSON.stringify(d.sample), input.drawnAt, input.workflowId ?? null, input.runId ?? null],
          );
          inserted += r.rowCount ?? 0;
        }
        return { inserted };
      });
    },
  };
}

export type SamplingActivities = ReturnType<typeof createSamplingActivities>;
