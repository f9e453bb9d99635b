/**
 * The shape of the code (README, "Layout"): who may import whom (scripts/layers.json, the same
 * table the linter enforces), no import cycles, no source file over 400 lines. Checked on
 * resolved paths, so an import that the lint's string patterns would miss is still caught.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import layers from '../../scripts/layers.json';

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE_DIRS = ['api', 'workflows', 'activities', 'workers', 'db', 'infra', 'domain', 'scripts', 'bench'];
const MAX_LINES = 400;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : walk(full);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

const files = SOURCE_DIRS.flatMap((d) => walk(path.join(ROOT, d))).map((f) => path.relative(ROOT, f));

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.join(path.dirname(from), spec);
  return [base, `${base}.ts`, `${base}.mts`, path.join(base, 'index.ts')].find((c) => existsSync(path.join(ROOT, c)) && statSync(path.join(ROOT, c)).isFile());
}

/** file → files it imports (relative imports inside the repository only). */
const graph = new Map<string, string[]>(
  files.map((f) => {
    const info = ts.preProcessFile(readFileSync(path.join(ROOT, f), 'utf8'), true, true);
    const targets = info.importedFiles.map((i) => resolveImport(f, i.fileName)).filter((t): t is string => t !== undefined);
    return [f, targets];
  }),
);

const topOf = (f: string) => f.split(path.sep)[0]!;

describe('architecture', () => {
  it('layers: no folder imports a folder it may not (scripts/layers.json); the API imports no workflow or activity code', () => {
    const table = layers as unknown as Record<string, { mayNotImport?: string[] }>;
    const violations: string[] = [];
    for (const [from, targets] of graph) {
      const forbidden = table[topOf(from)]?.mayNotImport ?? [];
      for (const to of targets) if (forbidden.includes(topOf(to))) violations.push(`${from} → ${to}`);
    }
    expect(violations).toEqual([]);
    // The rule the layers exist for, stated on its own so a table edit cannot quietly drop it.
    const apiReach = [...graph].filter(([f]) => topOf(f) === 'api').flatMap(([f, ts]) => ts.filter((t) => ['workflows', 'activities'].includes(topOf(t))).map((t) => `${f} → ${t}`));
    expect(apiReach).toEqual([]);
  });

  it('layers: the check sees an import across a forbidden boundary (it can fail)', () => {
    expect(resolveImport('api/routes/cases.ts', '../../domain/approval/messages')).toBe(path.join('domain', 'approval', 'messages.ts'));
    expect(topOf(resolveImport('api/routes/cases.ts', '../../workflows')!)).toBe('workflows');
  });

  it('no import cycles between source files', () => {
    // Tarjan's strongly connected components: any component of more than one file is a cycle.
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string) => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
      }
    };
    for (const f of graph.keys()) if (!idx.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it(`no source file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ f, lines: readFileSync(path.join(ROOT, f), 'utf8').split('\n').length }))
      .filter((x) => x.lines > MAX_LINES)
      .map((x) => `${x.f}: ${x.lines}`);
    expect(long).toEqual([]);
  });

  it("SQL names no time zone: npm start's embedded PostgreSQL has no time zone database (\"Asia/Shanghai\" not recognized, found by fuzzing R14 signals); Shanghai is INTERVAL '+08:00' (no DST since 1991)", () => {
    const named = files
      .filter((f) => f.startsWith(`db${path.sep}`) || f.startsWith(`activities${path.sep}`))
      .flatMap((f) => [...readFileSync(path.join(ROOT, f), 'utf8').matchAll(/AT TIME ZONE\s+'[A-Za-z]+\/[A-Za-z_]+'/g)].map((m) => `${f}: ${m[0]}`));
    expect(named).toEqual([]);
  });
});
