/**
 * How the workflows are bundled, in one place for the worker, the tests, the benchmarks and the
 * replay check.
 *
 * With the SDK's reusable V8 context every workflow execution gets its own copy of each module it
 * loads (its own module cache), so module-level state cannot leak between executions. The price is
 * that every new execution (and every replay after a cache eviction) evaluates the whole module
 * graph again: measured here, about 15 ms of worker CPU per inspection task, most of it zod
 * building the message schemas of `domain/`, and about 1 MB of heap per cached workflow.
 *
 * `domain/` is pure by rule (scripts/layers.json: it imports nothing outside itself, and lint
 * keeps workflow-reachable code free of clocks and randomness), and its module state is constants:
 * the policy tables, schemas and message definitions. So those modules and zod are loaded once per
 * worker thread (`preloadModules`, shared, and deep-frozen by the SDK) while the workflow modules
 * themselves stay per execution. The list is derived from the workflows' own imports, so a new
 * domain module is shared as soon as a workflow uses it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows');
const DOMAIN = path.join(__dirname, '..', 'domain');

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const f of [base, `${base}.ts`, path.join(base, 'index.ts')]) if (f.endsWith('.ts') && existsSync(f)) return f;
  return undefined;
}

/** The domain modules the workflows import, directly or through each other, plus zod. */
export function workflowPreloadModules(entry = path.join(WORKFLOWS_PATH, 'index.ts')): string[] {
  const seen = new Set<string>();
  const domain = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (file.startsWith(DOMAIN + path.sep)) domain.add(file);
    const src = readFileSync(file, 'utf8');
    // Type-only imports are erased: they load nothing.
    for (const m of src.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'(\.[^']+)'/gm)) {
      const next = resolve(file, m[1]!);
      if (next) walk(next);
    }
  };
  walk(entry);
  return ['zod', ...[...domain].sort()];
}

/** webpack's progress lines say nothing a user needs; its errors are shown. */
export const QUIET_BUNDLER_LOGGER = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };

export function workflowBundleOptions(): { workflowsPath: string; preloadModules: string[] } {
  return { workflowsPath: WORKFLOWS_PATH, preloadModules: workflowPreloadModules() };
}

/** Where `npm start` and the image build the bundle (git-ignored: never committed). */
export const DEFAULT_WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'dist', 'workflow-bundle.js');

/**
 * Bundles the workflows once, with the same options as the worker's in-process bundling, and writes
 * the code (its source map inline, which the SDK requires and uses for workflow stack traces).
 * A worker started with WORKFLOW_BUNDLE_PATH then never runs webpack, whose compilation would
 * otherwise stay in its heap for the life of the process (docs/performance.md, worker memory).
 */
export async function buildWorkflowBundle(outPath = DEFAULT_WORKFLOW_BUNDLE_PATH): Promise<string> {
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: QUIET_BUNDLER_LOGGER,
  });
  mkdirSync(path.dirname(outPath), { recursive: true });
  // Written aside then renamed: a worker starting meanwhile never reads half a bundle.
  const tmp = `${outPath}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, outPath);
  return outPath;
}
