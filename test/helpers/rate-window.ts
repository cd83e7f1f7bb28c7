/*
 * rate-window.ts - the most events in any one-second window of a list of times (ms), for the
 * per-route rate tests: every window [t, t + 1000] with both ends included, not clock seconds.
 */
export function mostInAnySecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while ((sorted[j] as number) < (sorted[i] as number) - 1000) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
