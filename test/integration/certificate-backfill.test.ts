/**
 * R05 on the real PostgreSQL: the one-off backfill stamps the content hash of certificates that
 * have none (issued before migration 0009, or imported), the same hash the public check lets anyone
 * recompute; it is idempotent, never overwrites a hash stamped meanwhile, and runs as an npm script.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillCertificateHashes } from '../../db/certificate-backfill';
import { findCertificateForCheck } from '../../db/certificates';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { freshUscc } from '../helpers/fixtures';
import { seedLicences } from '../helpers/licensees';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const hashOf = async (number: string) => (await db.pool.query<{ h: string | null }>('SELECT content_sha256 AS h FROM certificates WHERE number = $1', [number])).rows[0]!.h;
const SENTINEL = 'a'.repeat(64);

describe('content-hash backfill (R05)', () => {
  it('R05: certificates without a content hash get the hash of their canonical content, the one the public check shows; a hash on record is never touched, and a second run does nothing', async () => {
    const numbers = ['(京)XK08-001-90001', '(京)XK08-001-90002', '(沪)XK09-001-90003'];
    await seedLicences(db.pool, numbers.map((number) => ({ number, uscc: freshUscc(), province: number.startsWith('(沪)') ? 'SH' : 'BJ' })));
    await seedLicences(db.pool, [{ number: '(京)XK08-001-90004', uscc: freshUscc() }]);
    await db.pool.query('UPDATE certificates SET content_sha256 = $2 WHERE number = $1', ['(京)XK08-001-90004', SENTINEL]);
    for (const n of numbers) expect(await hashOf(n)).toBeNull();

    expect(await backfillCertificateHashes(db.pool, { dryRun: true })).toEqual({ missing: 3, stamped: 0, skipped: 0 });
    expect(await hashOf(numbers[0]!)).toBeNull();
    expect(await backfillCertificateHashes(db.pool, { batchSize: 2 })).toEqual({ missing: 3, stamped: 3, skipped: 0 });
    for (const n of numbers) {
      const check = (await findCertificateForCheck(db.pool, n))!;
      expect(check.contentSha256).toMatch(/^[0-9a-f]{64}$/);
      // Anyone can recompute it from the canonical content the public check returns.
      expect(createHash('sha256').update(check.canonicalContent).digest('hex')).toBe(check.contentSha256);
    }
    expect(await hashOf('(京)XK08-001-90004')).toBe(SENTINEL);
    expect(await backfillCertificateHashes(db.pool)).toEqual({ missing: 0, stamped: 0, skipped: 0 });
  });

  it('R05: a certificate stamped by the system while the backfill runs keeps that hash (re-checked under the row lock)', async () => {
    const number = '(京)XK08-001-90010';
    await seedLicences(db.pool, [{ number, uscc: freshUscc() }]);
    const change = await db.pool.connect();
    try {
      // A change (变更) in flight: it holds the row and has stamped it, not yet committed.
      await change.query('BEGIN');
      await change.query('SELECT 1 FROM certificates WHERE number = $1 FOR UPDATE', [number]);
      await change.query('UPDATE certificates SET content_sha256 = $2 WHERE number = $1', [number, SENTINEL]);
      const run = backfillCertificateHashes(db.pool);
      await new Promise((r) => setTimeout(r, 300));
      await change.query('COMMIT');
      expect(await run).toEqual({ missing: 1, stamped: 0, skipped: 1 });
    } finally {
      change.release();
    }
    expect(await hashOf(number)).toBe(SENTINEL);
  });

  it('R05: `npm run backfill:certificate-hashes` runs it against DATABASE_URL: a dry run counts, a run stamps, a second run finds nothing', async () => {
    const number = '(京)XK08-001-90020';
    await seedLicences(db.pool, [{ number, uscc: freshUscc() }]);
    const root = path.join(__dirname, '..', '..');
    const run = async (...args: string[]) =>
      (await promisify(execFile)(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'scripts', 'backfill-certificate-hashes.ts'), ...args], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: db.url },
      })).stdout;
    expect(await run('--dry-run')).toContain('dry run: 1 certificate(s) without a content hash');
    expect(await hashOf(number)).toBeNull();
    expect(await run()).toContain('done: 1 without a content hash, 1 stamped');
    expect(await hashOf(number)).toMatch(/^[0-9a-f]{64}$/);
    expect(await run()).toContain('done: 0 without a content hash, 0 stamped');
  });
});
