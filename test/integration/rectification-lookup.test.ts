/**
 * R15, R13: a certificate's rectification is reached by its number whatever opened it. An imported
 * licence (no application) has no `/applications/{id}/follow-up`: the API finds its rectification
 * through these candidates, so an order from a spot check or a flight inspection must be among them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rectificationWorkflowIds } from '../../db/rectifications';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { freshUscc } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await db?.drop();
});

describe('rectification by certificate number (R15, R13)', () => {
  it('R15, R13: the rectification a failed spot check or a flight inspection opened on an imported licence is found by its number; other products and passes are not', async () => {
    const uscc = freshUscc();
    await seedLicences(db.pool, [
      { number: 'RL-CEMENT', uscc, province: 'BJ', product: 'cement' },
      { number: 'RL-STEEL', uscc, province: 'BJ', product: 'steel-bar' },
    ]);
    await db.pool.query(`INSERT INTO spot_check_rounds (id, province, product, mode, planned_by) VALUES ('SR-1', 'BJ', 'cement', 'named', 'sup')`);
    await db.pool.query(
      `INSERT INTO spot_checks (id, round_id, province, product, uscc, final_result, order_at) VALUES ('SR-1-A', 'SR-1', 'BJ', 'cement', $1, 'fail', now() - interval '1 day')`,
      [uscc],
    );
    expect(await rectificationWorkflowIds(db.pool, 'RL-CEMENT')).toEqual(['spot-check/SR-1-A/rectification/RL-CEMENT']);
    // The spot check was about cement: the steel-bar licence is not under its order.
    expect(await rectificationWorkflowIds(db.pool, 'RL-STEEL')).toEqual([]);

    const flight = `INSERT INTO flight_inspections (id, province, uscc, lead_kind, lead_ref, summary, ordered_by, ordered_role, ordered_at, due_on, seed, outcome, result_at)
      VALUES ($1, 'BJ', $2, 'complaint', 'C-1', 'lead', 'samr-1', 'samr', now(), current_date, 's', $3, now())`;
    await db.pool.query(flight, ['FI-PASS', uscc, 'pass']);
    expect(await rectificationWorkflowIds(db.pool, 'RL-STEEL')).toEqual([]);
    await db.pool.query(flight, ['FI-PROBLEMS', uscc, 'problems-found']);
    // A flight's problems put every licence of the enterprise in the province under rectification; newest first.
    expect(await rectificationWorkflowIds(db.pool, 'RL-STEEL')).toEqual(['flight/FI-PROBLEMS/rectification/RL-STEEL']);
    expect(await rectificationWorkflowIds(db.pool, 'RL-CEMENT')).toEqual(['flight/FI-PROBLEMS/rectification/RL-CEMENT', 'spot-check/SR-1-A/rectification/RL-CEMENT']);
  });
});
