/**
 * `npm run bench`: every benchmark in turn, each in its own process, each printing its figure
 * beside a baseline measured in the same run. By default at sizes that fit 20 minutes on a
 * 2-core machine; `--full` at the sizes the targets name (10,000 parked cases, 10,000 timers,
 * 50 and 200 req/s), about an hour there. `--smoke` runs a few cases of each (CI runs it so the
 * runner cannot rot; no figure from it means anything). `--write` puts the run's output into
 * docs/performance.md with the date and the command.
 *   npm run bench [-- --full | --smoke] [-- --write] [-- --only=p1,p3]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { machine } from './machine';

const ROOT = path.join(__dirname, '..');
const SMOKE = process.argv.includes('--smoke');
const WRITE = process.argv.includes('--write');
const FULL = process.argv.includes('--full');
if (SMOKE && FULL) {
  console.error('bench: --smoke and --full exclude each other');
  process.exit(2);
}
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1]?.split(',');

/**
 * `quick`: the default run's sizes. On a 2-core machine the dev server opens 8 to 18 parked
 * cases a second, so 10,000 parked cases alone take 10 to 21 minutes; the default parks 4,000 and
 * measures the memory at 2,000 (the target's first point) and 4,000, and runs 2,000 timers. At
 * 1,000 the worker can still be growing into its cache (448 → 504 MB between 1,000 and 2,000 on
 * 2026-12-08 with the cache of 250 then; 453 → 454 MB between 2,000 and 4,000 with 100).
 * `--full` uses each bench's own defaults, which are the targets' sizes.
 */
const BENCHES: { key: string; file: string; what: string; quick?: string[] }[] = [
  { key: 'calendar', file: 'calendar.ts', what: 'working-day calculator (L03)' },
  { key: 'ecqs', file: 'ecqs.ts', what: 'e-CQS outbox and sender (R06)' },
  { key: 'p1', file: 'p1-throughput.ts', what: 'P1 case throughput' },
  { key: 'p2', file: 'p2-api-latency.ts', what: 'P2 API latency', quick: ['--rates=50'] },
  { key: 'p3', file: 'p3-parked.ts', what: 'P3 parked cases', quick: ['--first=2000', '--total=4000'] },
  { key: 'p4', file: 'p4-timers.ts', what: 'P4 timers', quick: ['--cases=2000'] },
];

/** Lines worth keeping: figures, not server banners. */
const isFigure = (l: string) => l.trim() && !/^Temporal (Server|Persistence|Metrics|CLI)|^\s*$|^(CLI|Server|UI) /.test(l);

function killProcessGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/**
 * Each bench runs as the leader of a process group of its own, so that whatever it started (the
 * Temporal server, the worker and API processes) goes with it: when it overruns, when it dies
 * without its `finally`, or when the runner is interrupted. A timeout kills the whole group.
 */
function runOne(file: string, args: string[], timeoutMs: number): Promise<{ lines: string[]; status: string | number; ok: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, file), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  current = child;
  const killGroup = () => killProcessGroup(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    if (!isFigure(l)) return;
    lines.push(l);
    console.log(l);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever outlived the bench (a server its `finally` did not reach) is stopped before the next one measures.
      killGroup();
      current = undefined;
      resolve({ lines, ok: code === 0, status: timedOut ? `timed out after ${timeoutMs / 60_000} min` : (code ?? signal ?? 'unknown') });
    }),
  );
}

let current: ChildProcess | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    if (current) killProcessGroup(current);
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const results: { what: string; lines: string[]; ok: boolean; secs: number }[] = [];
  let failed = false;
  console.log(machine());
  for (const b of BENCHES.filter((x) => !ONLY || ONLY.includes(x.key))) {
    const t0 = performance.now();
    const args = SMOKE ? ['--smoke'] : FULL ? [] : (b.quick ?? []);
    console.log(`\n== ${b.what} (bench/${b.file}${args.length ? ` ${args.join(' ')}` : ''})`);
    const r = await runOne(b.file, args, (FULL ? 90 : 30) * 60_000);
    if (!r.ok) {
      failed = true;
      console.log(`!! bench/${b.file} failed (exit ${r.status})`);
    }
    results.push({ what: b.what, lines: r.lines.filter((l) => !l.startsWith('machine:')), ok: r.ok, secs: (performance.now() - t0) / 1000 });
  }

  const minutes = (performance.now() - started) / 60_000;
  console.log(`\nbench: ${results.filter((r) => r.ok).length} ran, ${results.filter((r) => !r.ok).length} failed, in ${minutes.toFixed(1)} min (${FULL ? 'full' : SMOKE ? 'smoke' : 'default'} sizes)`);
  if (WRITE && !SMOKE) {
    const doc = path.join(ROOT, 'docs', 'performance.md');
    const text = readFileSync(doc, 'utf8');
    const block = [
      '<!-- runner:start (written by `npm run bench -- --write`) -->',
      `Run on ${new Date().toISOString().slice(0, 10)} with \`npm run bench -- ${FULL ? '--full ' : ''}--write\`, in ${minutes.toFixed(1)} minutes.`,
      `${machine()}`,
      '',
      '```',
      ...results.flatMap((r) => [`# ${r.what} (${r.secs.toFixed(0)} s${r.ok ? '' : ', FAILED'})`, ...r.lines]),
      '```',
      '<!-- runner:end -->',
    ].join('\n');
    // Only the runner's own block: the results table above it is kept by hand, each row with its date and command.
    const marker = /<!-- runner:start[\s\S]*<!-- runner:end -->/;
    if (!marker.test(text)) throw new Error(`${doc} has no <!-- runner:start --> … <!-- runner:end --> block to write into`);
    writeFileSync(doc, text.replace(marker, () => block));
    console.log(`bench: figures written to ${path.relative(ROOT, doc)}`);
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
