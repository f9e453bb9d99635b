/**
 * Bundles the workflows once for workers started with WORKFLOW_BUNDLE_PATH (`npm start` and the
 * image build run it): same options as the worker's in-process bundling, source map inline.
 * Fails (exit 1) on a workflow that breaks the sandbox, as the worker would at start.
 *   npx tsx scripts/build-workflow-bundle.ts [out]   (default dist/workflow-bundle.js)
 */
import { buildWorkflowBundle, DEFAULT_WORKFLOW_BUNDLE_PATH } from '../workers/bundle';

buildWorkflowBundle(process.argv[2] ?? DEFAULT_WORKFLOW_BUNDLE_PATH).then(
  (out) => {
    console.log(`workflow bundle: ${out}`);
    // webpack's file watchers and the SDK's native runtime may hold the loop open.
    process.exit(0);
  },
  (err: unknown) => {
    console.error(`workflow bundle: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
