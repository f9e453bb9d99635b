/**
 * R06: SAMR draws provincial approvals at random for checking. The draw is pure and
 * reproducible: the same seed and the same population always give the same sample, so anyone
 * holding an audit record of a draw (`samr_sample_draws`) can re-run it and check it.
 *
 * Algorithm `sfc32-fisher-yates-v1`: the population is sorted (code-unit order) and de-duplicated;
 * the PRNG is sfc32 seeded with cyrb128(`${seed}|${province}`); a partial Fisher–Yates shuffle
 * picks `size` ids, in draw order. Pure TypeScript, no I/O: workflows may call it.
 */
export const SAMPLING_ALGORITHM = 'sfc32-fisher-yates-v1';

/** cyrb128: four 32-bit hashes of a string (public-domain, bryc). */
function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** sfc32: a small, fast PRNG with a 128-bit state; returns uint32s. */
export function sfc32(seed: string): () => number {
  let [a, b, c, d] = cyrb128(seed);
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) next(); // discard the first outputs
  return next;
}

/** An unbiased integer in [0, n) (rejection sampling). */
function below(rand: () => number, n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const x = rand();
    if (x < limit) return x % n;
  }
}

export interface SampleRule {
  /** Fraction of the population to draw, 0..1. */
  rate: number;
  /** At least this many (when the population has them). */
  minPerProvince: number;
  /** At most this many; unlimited when absent. */
  maxPerProvince?: number;
}

export function sampleSize(populationSize: number, r: SampleRule): number {
  const wanted = Math.max(r.minPerProvince, Math.ceil(populationSize * r.rate));
  return Math.min(populationSize, r.maxPerProvince ?? Infinity, wanted);
}

/** Canonical population: sorted, unique. The draw's input as recorded. */
export function canonicalPopulation(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort();
}

export function drawSample(input: { seed: string; province: string; population: readonly string[]; size: number }): string[] {
  const pool = canonicalPopulation(input.population);
  const rand = sfc32(`${input.seed}|${input.province}`);
  const n = Math.min(input.size, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + below(rand, pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}
