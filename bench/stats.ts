/** p50/p90 (nearest rank) of a sample in milliseconds, rounded to 0.01 ms. */
export interface Summary {
  n: number;
  p50: number;
  p90: number;
  min: number;
  max: number;
}

/** Summarises samples (milliseconds). */
export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { n: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), min: round(sorted[0] ?? 0), max: round(at(1)) };
}

/** Runs `fn` `n` times (after `warmup` untimed runs) and returns the time of each run in ms. */
export async function sample(n: number, fn: () => Promise<unknown>, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}
