import { temporal } from '@temporalio/proto';
import type { ConnectionPlugin } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { QUIET_BUNDLER_LOGGER, workflowBundleOptions } from '../../workers/bundle';
import { resolveBinary } from '../../scripts/temporal-binaries';
import { ALL_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';

/** The real time-skipping test server (Java SDK's), from the binary resolver. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveBinary('test-server') } },
    plugins: [JAVA_SERVER_KEEPALIVE],
  });
  // The test server starts with no custom search attributes; register ours like the dev server does.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, INDEXED_TYPE[k.type]!])),
  });
  return env;
}

/**
 * The Java test server closes a connection that pings more often than every 5 minutes (gRPC's
 * "too many pings"); the client pings every 30 s by default. Each close failed the calls in
 * flight, and a 10,000-timer run's `env.sleep` never returned (2026-12-07). Tests are short
 * enough not to notice; a long run is not. The worker's own connection (core's, in Rust) takes no
 * plugin; it reconnects and polls again on its own.
 */
const JAVA_SERVER_KEEPALIVE: ConnectionPlugin = {
  name: 'java-test-server-keepalive',
  // No pings on an idle connection either: the server allows those only every 2 hours.
  configureConnection: (o) => ({
    ...o,
    channelArgs: { ...o.channelArgs, 'grpc.keepalive_time_ms': 6 * 60_000, 'grpc.keepalive_permit_without_calls': 0 },
  }),
};

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The real Temporal dev server (CLI), with the project's search attributes registered. */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: resolveBinary('cli') },
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** One bundle per test file (each file runs in its own fork). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: QUIET_BUNDLER_LOGGER,
  });
  return bundle;
}
