// @ts-check
import { readFileSync } from 'node:fs';
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs',
  'fs/promises', 'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream',
  'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

/**
 * Who may import whom (README, "Layout"): scripts/layers.json, also checked on resolved paths by
 * test/unit/architecture.test.ts (with no import cycles and no source file over 400 lines).
 */
const LAYERS = JSON.parse(readFileSync(path.join(import.meta.dirname, 'scripts', 'layers.json'), 'utf8'));
/** An import string that reaches top-level folder `dir` (relative, any depth). */
const reaches = (dir) => `^(\\.\\./)+${dir}(/|$)`;
const layerPatterns = (folder) =>
  LAYERS[folder].mayNotImport.map((dir) => ({ regex: reaches(dir), message: `${folder}/ may not import ${dir}/: ${LAYERS[folder].why}` }));

/** Workflow code is replayed: it may not reach the outside world (the worker's sandbox would fail at run time; this fails at lint time). */
export const workflowRestrictions = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        ...NODE_BUILTINS.flatMap((m) => [
          { name: m, message: 'Workflow code is deterministic: no Node built-ins. Do I/O in activities/.' },
          { name: `node:${m}`, message: 'Workflow code is deterministic: no Node built-ins. Do I/O in activities/.' },
        ]),
        ...['pg', 'express', 'axios', 'node-fetch', 'undici', 'pino', 'jose', 'chinese-days', 'lunar-javascript'].map((name) => ({
          name,
          message: 'Workflow code is deterministic: no database, HTTP or calendar I/O. Call an activity.',
        })),
        { name: '@temporalio/client', message: 'Use @temporalio/workflow APIs inside workflows.' },
        { name: '@temporalio/worker', message: 'Use @temporalio/workflow APIs inside workflows.' },
      ],
      patterns: [
        { regex: '^(\\.\\./)+activities(/(?!types$).*)?$', message: 'Workflows reach activities through proxyActivities only (type-only: activities/types).' },
        { group: ['**/calendar/*', '**/calendar'], message: 'Calendar look-ups are I/O: call the deadline activity.' },
        ...layerPatterns('workflows'),
      ],
    },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'Use sleep() / condition() from @temporalio/workflow.' },
    { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
    { name: 'fetch', message: 'HTTP belongs in an activity.' },
    { name: 'process', message: 'No process state in workflows.' },
    { name: 'require', message: 'Import statically.' },
  ],
  // The domain modules are shared and frozen across executions (workers/bundle.ts); zod finishes
  // building a schema on its first parse, which a frozen schema refuses at run time.
  'no-restricted-syntax': [
    'error',
    {
      selector: "CallExpression[callee.property.name=/^(safeParse|parse|parseAsync|safeParseAsync|decode|encode)$/]:not([callee.object.name=/^(Date|JSON)$/])",
      message: 'No schema parsing in workflows: domain schemas are frozen there. Check with a plain function (see domain/approval/notices.ts expectedLengthProblem) or in an activity.',
    },
  ],
};

const layerRules = (folder) => ({ 'no-restricted-imports': ['error', { patterns: layerPatterns(folder) }] });

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tools/**', '.data/**', 'test/fixtures/lint/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...['domain', 'infra', 'db', 'activities', 'api', 'workers'].map((folder) => ({ files: [`${folder}/**/*.ts`], rules: layerRules(folder) })),
  { files: ['workflows/**/*.ts', 'test/fixtures/lint/workflows/**/*.ts'], rules: workflowRestrictions },
  { files: ['test/fixtures/lint/api/**/*.ts'], rules: layerRules('api') },
  {
    // The console's browser modules (api/console/static/): plain ES modules, no build step.
    files: ['api/console/static/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'localStorage', 'sessionStorage', 'fetch', 'crypto', 'atob', 'TextEncoder', 'TextDecoder', 'Intl', 'URLSearchParams', 'Node', 'CSS', 'SwaggerUIBundle'].map((g) => [g, 'readonly']),
      ),
    },
  },
);
