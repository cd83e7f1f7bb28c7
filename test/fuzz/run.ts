/*
 * run.ts - runs one fuzz target over a stream of mutated inputs (the suite's short run and
 * scripts/fuzz's long campaign both use it).
 *
 * Promise: input `index` of seed `seed` is the same bytes everywhere (mutator.ts), and every
 * finding carries (target, seed, index) and the input, so it replays without the campaign. The
 * seeds themselves are run first, unmutated. An async input that outlasts the target's timeout
 * is a finding ("hang"); a synchronous one that does is reported as "slow" when it returns
 * (the campaign's worker watchdog catches one that never returns).
 */
import { fuzzInput } from './mutator.js';
import type { FuzzTarget } from './targets.js';

export interface Finding {
  readonly target: string;
  readonly seed: number;
  /** -1 - k for the k-th seed run unmutated. */
  readonly index: number;
  readonly message: string;
  readonly inputBase64: string;
}

export interface RunStats {
  readonly target: string;
  readonly inputs: number;
  readonly ms: number;
  readonly findings: readonly Finding[];
}

export async function runTarget(
  target: FuzzTarget,
  options: { readonly seed: number; readonly inputs: number; readonly from?: number; readonly withSeeds?: boolean; readonly onFinding?: (f: Finding) => void },
): Promise<RunStats> {
  const corpus = target.seeds();
  if (corpus.length === 0) throw new Error(`fuzz target ${target.name} has no seeds`);
  const findings: Finding[] = [];
  const started = performance.now();
  let count = 0;
  const one = async (input: Buffer, index: number): Promise<void> => {
    count += 1;
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hang: no result after ${target.timeoutMs} ms`)), target.timeoutMs)));
      await Promise.race([Promise.resolve().then(() => target.run(input, index)), hang]);
      const took = performance.now() - t0;
      if (took > target.timeoutMs) throw new Error(`slow: ${Math.round(took)} ms for ${input.length} bytes`);
    } catch (err) {
      const finding: Finding = { target: target.name, seed: options.seed, index, message: (err as Error)?.message ?? String(err), inputBase64: input.toString('base64') };
      findings.push(finding);
      options.onFinding?.(finding);
    } finally {
      clearTimeout(timer);
    }
  };
  if (options.withSeeds ?? true) for (const [k, seed] of corpus.entries()) await one(seed, -1 - k);
  const from = options.from ?? 0;
  for (let i = from; i < from + options.inputs; i++) await one(fuzzInput(corpus, options.seed, i), i);
  return { target: target.name, inputs: count, ms: performance.now() - started, findings };
}

/** The input of a finding, made again from (target's seeds, seed, index). */
export function inputOf(target: FuzzTarget, seed: number, index: number): Buffer {
  const corpus = target.seeds();
  return index < 0 ? corpus[-1 - index]! : fuzzInput(corpus, seed, index);
}
