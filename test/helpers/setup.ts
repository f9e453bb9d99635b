import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log at WARN: state changes at INFO drown the test output. One Runtime per
// process; a fork that runs several files installs it once.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
