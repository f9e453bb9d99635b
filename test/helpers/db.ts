import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { migrate } from '../../db/migrate';
import { alive } from '../../scripts/lib/leftovers';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * Databases left by a test or bench process that was killed before its `drop()` (a timed-out
 * bench, a Ctrl-C): each name carries its creator's pid, and one whose process is gone is
 * dropped. Only on a server on this machine, where those pids mean something.
 */
async function dropOrphans(admin: Client, adminUrl: string): Promise<void> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(adminUrl).hostname)) return;
  const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'lp\\_test\\_%'");
  for (const { datname } of rows) {
    const pid = Number(/^lp_test_(\d+)_/.exec(datname)?.[1]);
    if (!pid || alive(pid)) continue;
    // Another process may be dropping the same one.
    await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
  }
}

/** A fresh database per test file, migrated; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const name = `lp_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await dropOrphans(admin, adminUrl);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pool = new Pool({ connectionString: url, max: 10 });
  await migrate(pool);
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      try {
        // pool.end() resolves before the server has closed every session; terminating one still
        // closing surfaces as an error on a client nobody listens to any more. Wait for them.
        for (let i = 0; i < 50; i++) {
          const r = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (r.rows[0]!.n === 0) break;
          await new Promise((res) => setTimeout(res, 100));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
