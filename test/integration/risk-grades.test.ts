/** R17 on the real PostgreSQL: grades gathered from what is on record, stored, and recomputed when a fact is recorded. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRiskGradeActivities } from '../../activities/supervision/risk-grades';
import { findRiskGrade } from '../../db/risk-grades';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { seedLicences } from '../helpers/licensees';

let db: TestDatabase;
let acts: ReturnType<typeof createRiskGradeActivities>;
const AS_OF = '2026-12-01';

beforeAll(async () => {
  db = await createTestDatabase();
  acts = createRiskGradeActivities(db.pool);
  await seedLicences(db.pool, [
    { number: 'RG-1', uscc: 'U-CLEAN' },
    { number: 'RG-2', uscc: 'U-FACT' },
    { number: 'RG-3', uscc: 'U-REVOKED', status: 'revoked', statusOn: '2026-05-01', product: 'cement' },
    { number: 'RG-4', uscc: 'U-REVOKED' },
    { number: 'RG-5', uscc: 'U-NEW', issuedOn: '2026-10-01' },
    { number: 'RG-6', uscc: 'U-SH', province: 'SH' },
  ]);
  await db.pool.query(
    `INSERT INTO bans (uscc, product, ground, rule, reason, starts_on, ends_on, certificate_no) VALUES ('U-REVOKED', 'cement', 'revocation', 'L08', 'failed re-check', '2026-05-01', '2029-05-01', 'RG-3')`,
  );
});
afterAll(async () => {
  await db?.drop();
});

describe('risk grades on record (R17)', () => {
  it('R17: grades come from the facts on record: nothing → A, a new licensee → B, a revocation with its ban → D', async () => {
    expect((await acts.recomputeRiskGrade({ uscc: 'U-CLEAN', province: 'BJ', asOf: AS_OF, cause: 'test' })).grade.grade).toBe('A');
    const fresh = await acts.recomputeRiskGrade({ uscc: 'U-NEW', province: 'BJ', asOf: AS_OF, cause: 'test' });
    expect(fresh.grade.grade).toBe('B');
    expect(fresh.grade.reasons.join('\n')).toMatch(/new licensee \(first licensed 2026-10-01/);
    const revoked = await acts.recomputeRiskGrade({ uscc: 'U-REVOKED', province: 'BJ', asOf: AS_OF, cause: 'test' });
    expect(revoked.grade.grade).toBe('D');
    expect(revoked.grade.factsUsed.map((f) => f.kind).sort()).toEqual(['ban', 'revocation']);
    const stored = await findRiskGrade(db.pool, 'U-REVOKED', 'BJ');
    expect(stored).toMatchObject({ grade: 'D', asOf: AS_OF });
    expect(stored!.reasons.some((r) => r.includes('certificate RG-3'))).toBe(true);
  });

  it('R17: a grade is recomputed when a fact is recorded, and the change is audited with its reasons', async () => {
    expect((await acts.recomputeRiskGrade({ uscc: 'U-FACT', province: 'BJ', asOf: AS_OF, cause: 'test' })).grade.grade).toBe('A');
    const fact = { factKey: 'insp-77', uscc: 'U-FACT', province: 'BJ', kind: 'failed-inspection' as const, on: '2026-11-20', ref: 'inspection 77', asOf: AS_OF };
    const after = await acts.recordSupervisionFact(fact);
    expect(after.previous).toBe('A');
    expect(after.grade.grade).toBe('C');
    expect((await findRiskGrade(db.pool, 'U-FACT', 'BJ'))!.grade).toBe('C');
    // The same fact again (a retried activity) is counted once.
    expect((await acts.recordSupervisionFact(fact)).grade.score).toBe(after.grade.score);
    const audit = await db.pool.query(`SELECT reason, details FROM audit_events WHERE action = 'risk-grade-changed' AND details->>'uscc' = 'U-FACT' ORDER BY id`);
    expect(audit.rows.at(-1)).toMatchObject({ reason: 'failed-inspection: inspection 77', details: { from: 'A', to: 'C' } });
  });

  it("R17: the nightly pass grades every licensee of the province and no other province's", async () => {
    const r = await acts.recomputeProvinceGrades({ province: 'BJ', asOf: AS_OF });
    expect(r).toMatchObject({ graded: 4, last: null }); // U-CLEAN, U-FACT, U-REVOKED (still holds RG-4), U-NEW
    expect(await findRiskGrade(db.pool, 'U-SH', 'BJ')).toBeUndefined();
    // In pages, for the nightly workflow: each page starts after the last one's last enterprise.
    const first = await acts.recomputeProvinceGrades({ province: 'BJ', asOf: AS_OF, limit: 3 });
    expect(first).toMatchObject({ graded: 3, last: 'U-NEW' });
    expect(await acts.recomputeProvinceGrades({ province: 'BJ', asOf: AS_OF, limit: 3, after: first.last! })).toMatchObject({ graded: 1, last: null });
  });
});
