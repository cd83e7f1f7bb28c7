/*
 * mutator.ts - a seeded byte mutator for the fuzz campaign (test/fuzz, scripts/fuzz).
 *
 * Promise: pure and reproducible: the same seed, seed corpus and index give the same input on
 * any machine, so a finding is replayed from (target, seed, index) alone. Each input is one
 * corpus entry with 1 to 4 mutations stacked: bit flips, byte insert/delete/overwrite, a slice
 * repeated, a splice with another entry, and values parsers get wrong (NUL, Ctrl-Z, ESC, 0xFF,
 * bare CR or LF, very long runs, huge numbers, wide ranges).
 */

export type Rng = () => number;

/** mulberry32: a small PRNG with a 32-bit state, good enough to spread mutations. */
export function rngOf(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING: readonly Buffer[] = [
  Buffer.from([0x00]), Buffer.from([0x1a]), Buffer.from([0x1b]), Buffer.from([0xff]), Buffer.from([0x7f]),
  Buffer.from('\r'), Buffer.from('\n'), Buffer.from('\r\n'), Buffer.from('\r\n.\r\n'), Buffer.from('> '),
  Buffer.from('4294967296'), Buffer.from('-1'), Buffer.from('99999999999999999999'), Buffer.from('(0-99999999)'),
  Buffer.from('=?utf-8?B?'), Buffer.from('=?iso-8859-1?Q?=00=07?='), Buffer.from('\u00a0\u200b\ufeff'), Buffer.from('*&a [[[['),
  Buffer.from('%s%n'), Buffer.from('\\u0000'), Buffer.from('"'), Buffer.from(':'), Buffer.from(','),
];

/** One input: index `index` of the stream that `seed` starts, from `corpus` (non-empty). */
export function fuzzInput(corpus: readonly Buffer[], seed: number, index: number, maxLength = 64 * 1024): Buffer {
  const rng = rngOf((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  let data = corpus[Math.floor(rng() * corpus.length)]!;
  const rounds = 1 + Math.floor(rng() * 4);
  for (let i = 0; i < rounds; i++) data = mutateOnce(data, rng, corpus);
  return data.length > maxLength ? data.subarray(0, maxLength) : data;
}

const pick = (rng: Rng, n: number): number => Math.floor(rng() * Math.max(n, 1));

function mutateOnce(input: Buffer, rng: Rng, corpus: readonly Buffer[]): Buffer {
  const at = pick(rng, input.length + 1);
  switch (pick(rng, 8)) {
    case 0: { // flip one bit
      if (input.length === 0) return input;
      const out = Buffer.from(input);
      const i = pick(rng, out.length);
      out[i] = out[i]! ^ (1 << pick(rng, 8));
      return out;
    }
    case 1: // insert a random byte
      return Buffer.concat([input.subarray(0, at), Buffer.from([pick(rng, 256)]), input.subarray(at)]);
    case 2: { // delete a run
      const n = 1 + pick(rng, 16);
      return Buffer.concat([input.subarray(0, at), input.subarray(at + n)]);
    }
    case 3: // insert a value parsers get wrong
      return Buffer.concat([input.subarray(0, at), INTERESTING[pick(rng, INTERESTING.length)]!, input.subarray(at)]);
    case 4: { // repeat a slice (long lines, deep nesting)
      const n = 1 + pick(rng, 32);
      const slice = input.subarray(at, at + n);
      const times = 2 + pick(rng, rng() < 0.1 ? 2000 : 16);
      return Buffer.concat([input.subarray(0, at), Buffer.concat(Array.from({ length: times }, () => slice)), input.subarray(at)]);
    }
    case 5: { // splice with another corpus entry
      const other = corpus[pick(rng, corpus.length)]!;
      return Buffer.concat([input.subarray(0, at), other.subarray(pick(rng, other.length))]);
    }
    case 6: { // overwrite a digit run with a huge number
      const out = Buffer.from(input);
      const i = out.findIndex((b, k) => k >= at && b >= 0x30 && b <= 0x39);
      if (i < 0) return out;
      return Buffer.concat([out.subarray(0, i), Buffer.from(String(2 ** (8 + pick(rng, 60)))), out.subarray(i + 1)]);
    }
    default: { // truncate
      return input.subarray(0, at);
    }
  }
}
