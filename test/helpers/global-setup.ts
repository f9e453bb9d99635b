import { ensureBinary } from '../../scripts/temporal-binaries';

/** Fails the run up front, with the resolver's message, rather than once per test file. */
export default async function setup(): Promise<void> {
  const skipSdkDownload = process.env.SKIP_SDK_DOWNLOAD === '1' || process.env.CI === 'true';
  process.env.TEMPORAL_CLI_PATH ??= await ensureBinary('cli', { skipSdkDownload });
  process.env.TEMPORAL_TEST_SERVER_PATH ??= await ensureBinary('test-server', { skipSdkDownload });
}
