import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const fixture = (name: string) => path.join(root, 'test/fixtures/lint/workflows', name);

async function lint(file: string) {
  // The fixtures are excluded from `npm run lint`; here they are linted on purpose.
  const eslint = new ESLint({ cwd: root, ignore: false });
  const [result] = await eslint.lintFiles([file]);
  return result!.messages.map((m) => ({ rule: m.ruleId, line: m.line, message: m.message }));
}

describe('workflow determinism lint', () => {
  it('determinism: Node built-ins, database clients, raw timers, floating promises and schema parsing in workflows/ are errors', async () => {
    const messages = await lint(fixture('bad.ts'));
    const byRule = (rule: string) => messages.filter((m) => m.rule === rule).map((m) => m.line);
    expect(byRule('no-restricted-imports')).toEqual([2, 3]);
    expect(byRule('@typescript-eslint/no-floating-promises')).toEqual([7]);
    expect(byRule('no-restricted-globals')).toEqual([8]);
    // Domain schemas are shared and frozen across executions: parsing one in a workflow fails at run time.
    expect(byRule('no-restricted-syntax')).toEqual([10]);
  }, 60_000);

  it('determinism: correct workflow code passes the same rules', async () => {
    expect(await lint(fixture('good.ts'))).toEqual([]);
  }, 60_000);
});

describe('layering lint', () => {
  const apiFixture = (name: string) => path.join(root, 'test/fixtures/lint/api', name);

  it('layers: an API module importing workflow, activity or worker code is an error; definitions from domain/ and db/ are fine', async () => {
    const messages = await lint(apiFixture('bad.ts'));
    expect(messages.filter((m) => m.rule === 'no-restricted-imports').map((m) => m.line)).toEqual([2, 3, 4]);
    expect(await lint(apiFixture('good.ts'))).toEqual([]);
  }, 60_000);
});
