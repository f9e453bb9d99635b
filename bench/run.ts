/**
 * `npm run bench`: every benchmark in turn, each in its own process, each printing its figure
 * beside a baseline measured in the same run. `--smoke` runs a few cases of each (CI runs it so
 * the runner cannot rot; no figure from it means anything). `--write` puts the figures into
 * docs/performance.md with the date and the command.
 *   npm run bench [-- --smoke] [-- --write] [-- --only=p1,p3]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { machine } from './machine';

const ROOT = path.join(__dirname, '..');
const SMOKE = process.argv.includes('--smoke');
const WRITE = process.argv.includes('--write');
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1]?.split(',');

const BENCHES: { key: string; file: string; what: string }[] = [
  { key: 'calendar', file: 'calendar.ts', what: 'working-day calculator (L03)' },
  { key: 'ecqs', file: 'ecqs.ts', what: 'e-CQS outbox and sender (R06)' },
  { key: 'p1', file: 'p1-throughput.ts', what: 'P1 case throughput' },
  { key: 'p2', file: 'p2-api-latency.ts', what: 'P2 API latency' },
  { key: 'p3', file: 'p3-parked.ts', what: 'P3 parked cases' },
  { key: 'p4', file: 'p4-timers.ts', what: 'P4 timers' },
];

/** Lines worth keeping: figures, not server banners. */
const isFigure = (l: string) => l.trim() && !/^Temporal (Server|Persistence|Metrics|CLI)|^\s*$|^(CLI|Server|UI) /.test(l);

const results: { what: string; lines: string[]; ok: boolean; secs: number }[] = [];
let failed = false;
console.log(machine());
for (const b of BENCHES.filter((x) => !ONLY || ONLY.includes(x.key))) {
  console.log(`\n== ${b.what} (bench/${b.file})`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, b.file), ...(SMOKE ? ['--smoke'] : [])], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 30 * 60_000,
  });
  const lines = (r.stdout ?? '').split('\n').filter(isFigure);
  for (const l of lines) console.log(l);
  const ok = r.status === 0;
  if (!ok) {
    failed = true;
    console.log(`!! bench/${b.file} failed (exit ${r.status ?? r.signal})`);
  }
  results.push({ what: b.what, lines: lines.filter((l) => !l.startsWith('machine:')), ok, secs: (performance.now() - t0) / 1000 });
}

console.log(`\nbench: ${results.filter((r) => r.ok).length} ran, ${results.filter((r) => !r.ok).length} failed`);
if (WRITE && !SMOKE) {
  const doc = path.join(ROOT, 'docs', 'performance.md');
  const text = readFileSync(doc, 'utf8');
  const block = [
    '<!-- bench:start (written by `npm run bench -- --write`) -->',
    `Run on ${new Date().toISOString().slice(0, 10)} with \`npm run bench -- --write\`.`,
    `${machine()}`,
    '',
    '```',
    ...results.flatMap((r) => [`# ${r.what} (${r.secs.toFixed(0)} s${r.ok ? '' : ', FAILED'})`, ...r.lines]),
    '```',
    '<!-- bench:end -->',
  ].join('\n');
  writeFileSync(doc, text.replace(/<!-- bench:start[\s\S]*<!-- bench:end -->/, block));
  console.log(`bench: figures written to ${path.relative(ROOT, doc)}`);
}
process.exitCode = failed ? 1 : 0;
