/**
 * `npm run backfill:certificate-hashes [-- --dry-run] [--batch-size 500]` (R05, issue 12): stamps
 * the content hash of every certificate that has none: those issued before migration 0009 and
 * imported ones. One-off and idempotent: a second run finds nothing to do. Safe beside a running
 * system (each certificate is re-checked under its row lock). Reads DATABASE_URL (domain/config.ts).
 */
import { Pool } from 'pg';
import { loadConfig } from '../domain/config';
import { backfillCertificateHashes } from '../db/certificate-backfill';
import { migrate } from '../db/migrate';

function parseArgs(argv: string[]): { dryRun: boolean; batchSize: number } {
  const out = { dryRun: false, batchSize: 500 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--dry-run') out.dryRun = true;
    else if (a === '--batch-size' || a.startsWith('--batch-size=')) {
      const v = Number(a.includes('=') ? a.split('=')[1] : argv[++i]);
      if (!Number.isInteger(v) || v < 1 || v > 10_000) throw new Error('--batch-size: a whole number from 1 to 10000');
      out.batchSize = v;
    } else throw new Error(`unknown option ${a}; usage: npm run backfill:certificate-hashes [-- --dry-run] [--batch-size N]`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
  try {
    await migrate(pool);
    const r = await backfillCertificateHashes(pool, {
      dryRun: args.dryRun,
      batchSize: args.batchSize,
      onBatch: (p) => console.log(`stamped ${p.stamped}/${p.missing}${p.skipped ? ` (${p.skipped} stamped meanwhile by the system)` : ''}`),
    });
    console.log(
      args.dryRun
        ? `dry run: ${r.missing} certificate(s) without a content hash`
        : `done: ${r.missing} without a content hash, ${r.stamped} stamped, ${r.skipped} stamped meanwhile by the system`,
    );
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`backfill-certificate-hashes: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
