/*
 * memo.ts - a pure function's results kept by their input, for work done again and again on the
 * same few inputs (a CIDR text, a phone number, a statement's LIMIT).
 *
 * Promise: memoize(f, kept)(x) returns what f(x) returned the first time it was asked for x.
 * Bounded: once `kept` inputs are known the table starts afresh, so inputs a client chooses
 * cannot grow it without end.
 */
export function memoize<K, V>(compute: (key: K) => V, kept: number): (key: K) => V {
  const known = new Map<K, V>();
  return (key: K): V => {
    if (known.has(key)) return known.get(key) as V;
    if (known.size >= kept) known.clear();
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}
