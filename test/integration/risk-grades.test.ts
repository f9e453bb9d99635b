/** R17 on the real PostgreSQL: grades gathered from what is on record, stored, and recomputed when a fact is recorded. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRiskGradeActivities } from '../../activities/supervision/risk-grades';
import { createLicenceActivities } from '../../activities/licence/licence';
import { createWarningActivities } from '../../activities/approval/warning';
import { findRiskGrade } from '../../db/risk-grades';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { seedLicences } from '../helpers/licensees';
import { freshUscc } from '../helpers/fixtures';

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

describe('revocations and bans recomputed at once (R17)', () => {
  const [REV, BANNED] = [freshUscc(), freshUscc()];
  it('R17: a revocation raises the grade at once, in the certificate\'s province, without waiting for the nightly pass', async () => {
    await seedLicences(db.pool, [
      { number: 'RG-10', uscc: REV },
      { number: 'RG-11', uscc: REV },
      { number: 'RG-12', uscc: REV, province: 'SH' },
    ]);
    expect((await acts.recomputeRiskGrade({ uscc: REV, province: 'BJ', asOf: AS_OF, cause: 'test' })).grade.grade).toBe('A');
    expect((await acts.recomputeRiskGrade({ uscc: REV, province: 'SH', asOf: AS_OF, cause: 'test' })).grade.grade).toBe('A');
    const licences = createLicenceActivities(db.pool);
    const revoke = { certificateNumber: 'RG-10', ground: 'failed-rectification' as const, reason: 'failed the re-check', source: 'test', occurredAt: new Date().toISOString() };
    expect((await licences.revokeCertificate(revoke)).revokedNow).toBe(true);
    const g = (await findRiskGrade(db.pool, REV, 'BJ'))!;
    expect(g.grade).toBe('D');
    expect(g.factsUsed.map((f) => f.kind).sort()).toEqual(['ban', 'revocation']);
    expect(g.reasons.join('\n')).toMatch(/certificate RG-10/);
    // SH's grade does not count a BJ certificate's revocation; a retried activity changes nothing.
    expect((await findRiskGrade(db.pool, REV, 'SH'))!.grade).toBe('A');
    expect((await licences.revokeCertificate(revoke)).revokedNow).toBe(false);
    expect((await findRiskGrade(db.pool, REV, 'BJ'))!.score).toBe(g.score);
    const audit = await db.pool.query(`SELECT reason, details FROM audit_events WHERE action = 'risk-grade-changed' AND details->>'uscc' = $1 ORDER BY id`, [REV]);
    expect(audit.rows.at(-1)).toMatchObject({ reason: 'revocation: certificate RG-10 (failed-rectification)', details: { from: 'A', to: 'D' } });
  });

  it('R17: a refusal-ground ban (L04) raises the grade at once in every province where the enterprise holds a licence', async () => {
    await seedLicences(db.pool, [
      { number: 'RG-20', uscc: BANNED },
      { number: 'RG-21', uscc: BANNED, province: 'SH' },
    ]);
    for (const province of ['BJ', 'SH']) expect((await acts.recomputeRiskGrade({ uscc: BANNED, province, asOf: AS_OF, cause: 'test' })).grade.grade).toBe('A');
    await db.pool.query(
      `INSERT INTO applications (id, province, uscc, enterprise_name, product, application_type, payload, received_at, stage) VALUES ('APP-BAN-NOW', 'SH', $1, '企业', 'cement', 'new', '{}', now(), 'decided')`,
      [BANNED],
    );
    const w = await createWarningActivities(db.pool).recordApplicationWarning({
      eventKey: 'APP-BAN-NOW:warning',
      applicationId: 'APP-BAN-NOW',
      ground: 'false-materials',
      decision: 'refused',
      reasons: ['forged test report'],
      occurredAt: '2026-11-30T02:00:00.000Z',
    });
    expect(w).toMatchObject({ rule: 'L04', startsOn: '2026-11-30' });
    for (const province of ['BJ', 'SH']) {
      const g = (await findRiskGrade(db.pool, BANNED, province))!;
      expect(g.factsUsed.map((f) => f.kind)).toEqual(['ban']);
      expect(g.grade, province).not.toBe('A');
    }
  });
});
