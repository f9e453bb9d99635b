/**
 * Benchmark (not a test): addWorkingDays over 1e5 random inputs (start 2020-01-01..2027-12-31,
 * n 0..60), beside a bare weekends-only count over the same inputs (no holiday table, no
 * make-up working days: the least any working-day count can cost), plus computeSlaDeadline and
 * the activity's per-call reload check.
 *   npx tsx bench/calendar.ts [--smoke]
 */
import { performance } from 'node:perf_hooks';
import { createCalendarActivities } from '../activities/calendar';
import { DEFAULT_CALENDAR_DIR, calendarDirFingerprint, loadCalendar } from '../infra/calendar';

const N = process.argv.includes('--smoke') ? 5_000 : 100_000;
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; // deterministic LCG
  return seed / 2_147_483_648;
};

const calendar = loadCalendar(DEFAULT_CALENDAR_DIR);
const base = Date.UTC(2020, 0, 1);
const span = Math.floor((Date.UTC(2027, 11, 31) - base) / 86_400_000);
const inputs = Array.from({ length: N }, () => ({
  from: new Date(base + Math.floor(random() * span) * 86_400_000).toISOString().slice(0, 10),
  n: Math.floor(random() * 61),
}));

function bench(name: string, count: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(count, 1000); i++) fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < count; i++) fn(i);
  const ms = performance.now() - t0;
  const rate = (count / ms) * 1000;
  console.log(`${name}: ${count} ops in ${ms.toFixed(1)} ms → ${Math.round(rate).toLocaleString('en')} ops/sec`);
  return rate;
}

/** The baseline: the nth weekday after `from`, weekends only. */
function weekdaysOnly(from: string, n: number): string {
  const d = new Date(`${from}T00:00:00Z`);
  for (let left = n; left > 0; ) {
    d.setUTCDate(d.getUTCDate() + 1);
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}

const bare = bench('baseline: weekends-only count (same inputs)', N, (i) => {
  const x = inputs[i] as { from: string; n: number };
  return weekdaysOnly(x.from, x.n);
});
const ours = bench('addWorkingDays (random from 2020..2027, n 0..60)', N, (i) => {
  const x = inputs[i] as { from: string; n: number };
  return calendar.addWorkingDays(x.from, x.n);
});
console.log(`calendar addWorkingDays: ${Math.round(ours).toLocaleString('en')} ops/s vs baseline ${Math.round(bare).toLocaleString('en')} ops/s → ratio ${(ours / bare).toFixed(2)}`);
bench('computeSlaDeadline (n 0..60, no pauses)', N, (i) => {
  const x = inputs[i] as { from: string; n: number };
  return calendar.computeSlaDeadline({ startedAt: `${x.from}T10:00:00+08:00`, workingDays: x.n, pauses: [] });
});
bench('calendarDirFingerprint (the activity reload check)', Math.min(N, 10_000), () => calendarDirFingerprint(DEFAULT_CALENDAR_DIR));
bench('loadCalendar (full reload + validation)', Math.min(N, 200), () => loadCalendar(DEFAULT_CALENDAR_DIR));

const { computeDeadline } = createCalendarActivities({ dir: DEFAULT_CALENDAR_DIR });
void (async () => {
  const count = Math.min(N, 10_000);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const x = inputs[i] as { from: string; n: number };
    await computeDeadline({ startedAt: `${x.from}T10:00:00+08:00`, workingDays: x.n, pauses: [] });
  }
  const ms = performance.now() - t0;
  console.log(`activity computeDeadline (incl. reload check): ${count} ops in ${ms.toFixed(1)} ms → ${Math.round((count / ms) * 1000).toLocaleString('en')} ops/sec`);
})();
