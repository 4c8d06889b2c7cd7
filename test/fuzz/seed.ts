/**
 * One seed for every fuzz suite, so a failure is replayed exactly: `KT_FUZZ_SEED=<seed> npm run test:unit -- test/fuzz`.
 * fast-check also prints the seed and the shrunk counterexample's path on a failure.
 */
import type { Parameters } from 'fast-check';

/** The seed the suites run with unless KT_FUZZ_SEED says otherwise (fixed, so CI is reproducible). */
export const DEFAULT_FUZZ_SEED = 20261205;

function readSeed(): number {
  const text = process.env.KT_FUZZ_SEED;
  if (text === undefined || text.trim() === '') return DEFAULT_FUZZ_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`KT_FUZZ_SEED must be an integer, got ${JSON.stringify(text)}`);
  return seed;
}

export const FUZZ_SEED = readSeed();

let announced = false;

/** fast-check parameters for `runs` cases on the shared seed; prints the seed once per test file. */
export function fuzzParameters<T>(runs: number): Parameters<T> {
  if (!announced) {
    announced = true;
    process.stdout.write(`fuzz seed ${FUZZ_SEED} (replay with KT_FUZZ_SEED=${FUZZ_SEED})\n`);
  }
  return { seed: FUZZ_SEED, numRuns: runs };
}
