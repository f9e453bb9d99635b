/**
 * docs/rules.md carries the rules in the repository: its table of which tests prove which rule is
 * generated from the test titles (scripts/rules.ts), and this test fails in CI when it is stale,
 * when a test names a rule the document does not describe, or when the README points outside
 * the repository for the rules again.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingAnchor, namedTests, renderTable, ROOT, ruleSections, rulesDoc } from '../../scripts/rules';

describe('docs/rules.md', () => {
  it('docs: the rules table is what scripts/rules.ts generates from the test titles (run `npx tsx scripts/rules.ts` when this fails)', () => {
    const { current, expected, unknown } = rulesDoc();
    expect(unknown, 'rule ids named by tests without a section in docs/rules.md').toEqual([]);
    // Compared line by line, so a failure shows the rows that differ.
    expect(current.split('\n')).toEqual(expected.split('\n'));
  });

  it('docs: every rule of the notice and the laws has its section, in order, with its source', () => {
    const sections = ruleSections(readFileSync(path.join(ROOT, 'docs', 'rules.md'), 'utf8'));
    const ids = [...Array.from({ length: 18 }, (_, i) => `R${String(i + 1).padStart(2, '0')}`), ...Array.from({ length: 8 }, (_, i) => `L0${i + 1}`)];
    expect(sections.map((s) => s.id)).toEqual(ids);
    expect(sections.filter((s) => !s.source).map((s) => s.id)).toEqual([]);
  });

  it('docs: the generator reads titles the way tests are written, and a stale table is seen (the check can fail)', () => {
    const tests = namedTests();
    // Titles in single, double and back quotes, with escaped quotes, each with every id they name.
    const renewal = tests.filter((t) => t.file === 'test/workflow/renewal.test.ts');
    expect(renewal.map((t) => t.name)).toContain("R08: a renewal of the enterprise's own certificate is refused at receipt when it names another product, is filed with another province, or the licence is no longer valid");
    expect(renewal.find((t) => t.name.startsWith('R08: a renewal or change naming'))?.rules).toEqual(['R08', 'L05', 'L07']);
    expect(tests.some((t) => t.file.startsWith('test/unit/rules-doc'))).toBe(false);

    const sections = [{ id: 'R99', title: 'A rule', source: 'nowhere' }];
    expect(renderTable(sections, [])).toContain('**no test yet** (not built yet)');
    const withOne = renderTable(sections, [{ file: 'test/unit/x.test.ts', name: 'R99: a | b', rules: ['R99'] }]);
    expect(withOne).toContain('`unit/x.test.ts`: R99: a \\| b');
    expect(withOne).not.toBe(renderTable(sections, []));
    expect(headingAnchor("R06 · Every approval goes to SAMR's e-CQS; SAMR checks at random")).toBe('r06--every-approval-goes-to-samrs-e-cqs-samr-checks-at-random');
  });

  it('docs: the README and docs/ send readers to docs/rules.md, never outside the repository', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/rules.md)');
    const docs = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    const outside = [['README.md', readme] as const, ...docs.map((f) => [`docs/${f}`, readFileSync(path.join(ROOT, 'docs', f), 'utf8')] as const)]
      .filter(([, text]) => text.includes('../shared'))
      .map(([f]) => f);
    expect(outside).toEqual([]);
  });
});
