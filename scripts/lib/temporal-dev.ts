/**
 * The Temporal side of `npm start`: the dev server's command line, waiting until it serves
 * our namespace, and checking our search attributes against what its database holds.
 */
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES, devServerSearchAttributeFlags } from '../../domain/search-attributes';

export function devServerArgs(opts: { port: number; uiPort: number; dbFile: string; namespace: string }): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--db-filename',
    opts.dbFile,
    '--namespace',
    opts.namespace,
    '--log-level',
    'warn',
    // Registering again on a restart with an existing database is a no-op (checked with CLI 1.9.1).
    ...devServerSearchAttributeFlags(),
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until the frontend answers for `namespace` (the worker fails on a namespace that is
 * not there yet). Returns an open connection; throws after `timeoutMs` or when `gaveUp()`.
 */
export async function waitForTemporal(opts: {
  address: string;
  namespace: string;
  timeoutMs: number;
  gaveUp: () => boolean;
}): Promise<Connection> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline && !opts.gaveUp()) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address: opts.address, connectTimeout: 1000 });
      await connection.workflowService.describeNamespace({ namespace: opts.namespace });
      return connection;
    } catch (err) {
      last = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
      await connection?.close().catch(() => undefined);
    }
    await sleep(250);
  }
  if (opts.gaveUp()) throw new Error('Temporal stopped before it was ready');
  throw new Error(`Temporal did not answer on ${opts.address} within ${opts.timeoutMs / 1000}s (${last})`);
}

// temporal.api.enums.v1.IndexedValueType
const INDEXED_VALUE_TYPE: Record<string, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};
const TYPE_NAME = Object.fromEntries(Object.entries(INDEXED_VALUE_TYPE).map(([k, v]) => [v, k]));

/**
 * `start-dev --search-attribute` silently keeps an attribute that already exists with another
 * type; a workflow upserting it would then fail. Returns one line per mismatch or absence.
 */
export async function searchAttributeProblems(connection: Connection, namespace: string): Promise<string[]> {
  const res = await connection.operatorService.listSearchAttributes({ namespace });
  const registered = res.customAttributes ?? {};
  const problems: string[] = [];
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    const want = INDEXED_VALUE_TYPE[key.type];
    const have = registered[key.name];
    if (have === undefined || have === null) problems.push(`${key.name} is not registered`);
    else if (want !== undefined && Number(have) !== want)
      problems.push(`${key.name} is registered as ${TYPE_NAME[Number(have)] ?? String(have)} but the code declares ${key.type}`);
  }
  return problems;
}
