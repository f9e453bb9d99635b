/**
 * Benchmark (not a test): addWorkingDays over 1e5 random inputs (start 2020-01-01..2027-12-31,
 * n 0..60), plus computeSlaDeadline and the activity's per-call reload check.
 *   npx tsx bench/calendar.ts
 */
import { performance } from 'node:perf_hooks';
import { createCalendarActivities } from '../activities/calendar';
import { DEFAULT_CALENDAR_DIR, calendarDirFingerprint, loadCalendar } from '../infra/calendar';

const N = 100_000;
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

function bench(name: string, count: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(count, 1000); i++) fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < count; i++) fn(i);
  const ms = performance.now() - t0;
  console.log(`${name}: ${count} ops in ${ms.toFixed(1)} ms → ${Math.round((count / ms) * 1000).toLocaleString('en')} ops/sec`);
}

bench('addWorkingDays (random from 2020..2027, n 0..60)', N, (i) => {
  const x = inputs[i] as { from: string; n: number };
  return calendar.addWorkingDays(x.from, x.n);
});
bench('computeSlaDeadline (n 0..60, no pauses)', N, (i) => {
  const x = inputs[i] as { from: string; n: number };
  return calendar.computeSlaDeadline({ startedAt: `${x.from}T10:00:00+08:00`, workingDays: x.n, pauses: [] });
});
bench('calendarDirFingerprint (the activity reload check)', 10_000, () => calendarDirFingerprint(DEFAULT_CALENDAR_DIR));
bench('loadCalendar (full reload + validation)', 200, () => loadCalendar(DEFAULT_CALENDAR_DIR));

const { computeDeadline } = createCalendarActivities({ dir: DEFAULT_CALENDAR_DIR });
void (async () => {
  const count = 10_000;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const x = inputs[i] as { from: string; n: number };
    await computeDeadline({ startedAt: `${x.from}T10:00:00+08:00`, workingDays: x.n, pauses: [] });
  }
  const ms = performance.now() - t0;
  console.log(`activity computeDeadline (incl. reload check): ${count} ops in ${ms.toFixed(1)} ms → ${Math.round((count / ms) * 1000).toLocaleString('en')} ops/sec`);
})();
