/**
 * Every environment variable the system reads, with its default, in one place.
 * README's configuration table is this list.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

/**
 * Each cached workflow costs the worker roughly 0.6 to 1 MB of resident memory. With 100 a worker
 * stayed at 370 to 450 MB however many cases were open, and parked cases as fast as with 250,
 * which went past 512 MB with 2,000 cases parked (docs/performance.md, "P3's memory and the
 * cache"). Below the workflow task slots (40 by default) it would also cap those.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('licence-applications'),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  PORT: port.default(3000),
  /** Prometheus endpoint of each worker for the SDK's metrics; 0 turns it off (several workers on one host need distinct ports). */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** `npm start` only: the local dev server's gRPC port. */
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Where people open the Temporal UI (the console links each case to its workflow there); default http://localhost:TEMPORAL_UI_PORT. */
  TEMPORAL_UI_URL: z.string().url().optional(),
  /** `npm start` only: the embedded PostgreSQL (when DATABASE_URL is unset). */
  EMBEDDED_PG_PORT: port.default(5433),
  /** Old name of EMBEDDED_PG_PORT (the embedded database was PGlite), read when that is unset. */
  PGLITE_PORT: port.optional(),
  DATA_DIR: z.string().default('.data'),
  CALENDAR_DIR: z.string().optional(),
  JWT_SECRET: z.string().optional(),
  /** Key rotation: tokens signed with this older secret are still accepted while they live out; new ones are signed with JWT_SECRET. */
  JWT_SECRET_PREVIOUS: z.string().optional(),
  /** `/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>` when set; required in production. */
  METRICS_TOKEN: z.string().optional(),
  /** Per API instance (docs/security.md): requests a minute per client address on public routes, and submissions a minute per applicant; 0 turns a limit off. */
  RATE_LIMIT_PUBLIC_PER_MINUTE: z.coerce.number().int().min(0).default(300),
  RATE_LIMIT_SUBMISSIONS_PER_MINUTE: z.coerce.number().int().min(0).default(120),
  /** R18: public risk reports (no account) an hour per client address, counted when well-formed; 0 turns it off. */
  RATE_LIMIT_PUBLIC_REPORTS_PER_HOUR: z.coerce.number().int().min(0).default(10),
  /** Express `trust proxy`: how many proxies (or which addresses) to believe for X-Forwarded-For, so rate limits see the client; unset: none. */
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ECQS_URL: z.string().url().optional(),
  ECQS_TOKEN: z.string().optional(),
  /** R06 sender (every worker process runs one when ECQS_URL is set): see docs/ecqs-contract.md. */
  ECQS_SENDER: z.enum(['on', 'off']).default('on'),
  ECQS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  ECQS_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  ECQS_BACKOFF_MAX_MS: z.coerce.number().int().min(100).default(300_000),
  /** R12 sender of credit-publicity records to the national enterprise credit publicity system (runs beside the e-CQS sender when PUBLICITY_URL is set): see docs/credit-publicity.md. */
  PUBLICITY_URL: z.string().url().optional(),
  PUBLICITY_TOKEN: z.string().optional(),
  PUBLICITY_SENDER: z.enum(['on', 'off']).default('on'),
  PUBLICITY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  PUBLICITY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  PUBLICITY_BACKOFF_MAX_MS: z.coerce.number().int().min(100).default(300_000),
  /**
   * Activity slots of one worker (maxConcurrentActivityTaskExecutions); its activity pool holds one
   * connection per slot plus one (infra/pg.ts workerPoolSizes).
   */
  WORKER_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(500).default(16),
  /** Workflows a worker keeps in memory between tasks; the rest are replayed from history when they wake (bench P3). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(DEFAULT_MAX_CACHED_WORKFLOWS),
  /**
   * A workflow bundle built beforehand (workers/bundle.ts buildWorkflowBundle; `npm start` and the
   * image build one): the worker loads it instead of bundling at start. Unset: bundle in-process.
   */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  /** PostgreSQL: how long to wait for a connection, and the longest one statement may run (locks wait half of it). */
  PG_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  PG_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  /** SAMR random checks (R06): schedule, look-back window, sampling rate, minimum per province. */
  SAMR_SAMPLING_CRON: z.string().default('0 9 * * MON'),
  SAMR_SAMPLING_WINDOW_DAYS: z.coerce.number().int().min(1).max(366).default(7),
  SAMR_SAMPLING_RATE: z.coerce.number().min(0).max(1).default(0.05),
  SAMR_SAMPLING_MIN: z.coerce.number().int().min(0).default(1),
  /** Import of existing licences (issue 19): e-CQS records for imported licences (`off`: SAMR already knows them), page size, lifecycle starts at once, largest file. */
  IMPORT_ECQS: z.enum(['off', 'on']).default('off'),
  IMPORT_PAGE_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  IMPORT_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
  IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${issues}`);
  }
  return parsed.data;
}
