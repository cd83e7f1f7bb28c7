/*
 * auth-throttle.ts - what failed SMTP logins cost a client address: a growing delay before the
 * answer, and after smtp.auth_failures_per_client failures within smtp.auth_block_time, no AUTH
 * at all for smtp.auth_block_time.
 *
 * Promise: pure (the clock is an argument). The delay after the n-th failure in the window is
 * base × 2^(n-1), capped at MAX_DELAY_MS (1 s, 2 s, 4 s … 30 s by default). Keys are client-key.ts
 * keys (an IPv6 /64 is one client). The table holds at most MAX_ENTRIES clients: past that the
 * least recently failed one is forgotten, so an attacker with many addresses cannot grow it
 * without bound (about 100 bytes an entry: under 2 MB); such an attacker gets at most
 * auth_failures_per_client guesses per address and window, and the per-connection cut still
 * applies. A successful login clears the address.
 */
const MAX_DELAY_MS = 30_000;
export const MAX_ENTRIES = 10_000;

export interface AuthThrottleSettings {
  readonly baseDelayMs: number;
  readonly failuresPerClient: number;
  readonly blockMs: number;
  readonly maxEntries?: number;
}

export interface FailureVerdict {
  /** Failures of this client in the current window, this one included. */
  readonly failures: number;
  /** How long to wait before answering this failure. */
  readonly delayMs: number;
  /** Set when this failure blocked the client: AUTH refused until then. */
  readonly blockedUntil?: number;
}

interface Entry {
  failures: number;
  since: number;
  blockedUntil?: number;
}

export interface AuthThrottle {
  /** When the client's block ends, if it is blocked at `now`. */
  blockedUntil(key: string, now: number): number | undefined;
  failed(key: string, now: number): FailureVerdict;
  succeeded(key: string): void;
  readonly size: number;
}

export function createAuthThrottle(settings: AuthThrottleSettings): AuthThrottle {
  const table = new Map<string, Entry>();
  const max = settings.maxEntries ?? MAX_ENTRIES;
  const current = (key: string, now: number): Entry | undefined => {
    const entry = table.get(key);
    if (entry === undefined) return undefined;
    const over = entry.blockedUntil !== undefined ? entry.blockedUntil <= now : now - entry.since >= settings.blockMs;
    if (!over) return entry;
    table.delete(key);
    return undefined;
  };
  return {
    blockedUntil(key, now) {
      return current(key, now)?.blockedUntil;
    },
    failed(key, now) {
      const entry = current(key, now) ?? { failures: 0, since: now };
      entry.failures += 1;
      // re-inserted last: the Map's order is the order of last failure, oldest first
      table.delete(key);
      table.set(key, entry);
      while (table.size > max) table.delete(table.keys().next().value as string);
      if (entry.failures >= settings.failuresPerClient && entry.blockedUntil === undefined) entry.blockedUntil = now + settings.blockMs;
      const delayMs = Math.min(settings.baseDelayMs * 2 ** Math.min(entry.failures - 1, 30), Math.max(MAX_DELAY_MS, settings.baseDelayMs));
      return { failures: entry.failures, delayMs, ...(entry.blockedUntil !== undefined ? { blockedUntil: entry.blockedUntil } : {}) };
    },
    succeeded(key) {
      table.delete(key);
    },
    get size() {
      return table.size;
    },
  };
}
