/** The PostgreSQL pool of a long-running process (worker or API), sized and bounded in one place. */
import { Pool } from 'pg';
import type { Config } from '../domain/config';

export interface PoolOptions {
  /** Connections this process may hold. */
  max?: number;
}

export function createPool(config: Config, opts: PoolOptions = {}): Pool {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  return new Pool({ connectionString: config.DATABASE_URL, max: opts.max ?? 10 });
}
