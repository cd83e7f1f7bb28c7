import { describe, expect, it } from 'vitest';
import { createAuthThrottle, MAX_ENTRIES } from '../../../src/smtp/auth-throttle.js';
import { clientKey } from '../../../src/smtp/client-key.js';

const settings = { baseDelayMs: 1000, failuresPerClient: 10, blockMs: 15 * 60_000 };

describe('the cost of failed logins (auth-throttle)', () => {
  it('doubles the delay with each failure of a client and caps it at 30 s', () => {
    const t = createAuthThrottle(settings);
    const delays = Array.from({ length: 8 }, (_, i) => t.failed('192.0.2.1', i).delayMs);
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('counts each client apart', () => {
    const t = createAuthThrottle(settings);
    t.failed('192.0.2.1', 0);
    t.failed('192.0.2.1', 0);
    expect(t.failed('192.0.2.2', 0)).toEqual({ failures: 1, delayMs: 1000 });
  });

  it('blocks a client at its 10th failure within the window, for the block time, then forgets it', () => {
    const t = createAuthThrottle(settings);
    for (let i = 0; i < 9; i += 1) expect(t.failed('192.0.2.1', i).blockedUntil).toBeUndefined();
    expect(t.failed('192.0.2.1', 9_000).blockedUntil).toBe(9_000 + 15 * 60_000);
    expect(t.blockedUntil('192.0.2.1', 9_000 + 15 * 60_000 - 1)).toBe(9_000 + 15 * 60_000);
    expect(t.blockedUntil('192.0.2.1', 9_000 + 15 * 60_000)).toBeUndefined();
    expect(t.failed('192.0.2.1', 9_000 + 15 * 60_000)).toEqual({ failures: 1, delayMs: 1000 });
  });

  it('starts a new window once the block time has passed since the first failure', () => {
    const t = createAuthThrottle(settings);
    for (let i = 0; i < 9; i += 1) t.failed('192.0.2.1', 0);
    expect(t.failed('192.0.2.1', 15 * 60_000)).toEqual({ failures: 1, delayMs: 1000 });
  });

  it('forgets a client that logs in', () => {
    const t = createAuthThrottle(settings);
    t.failed('192.0.2.1', 0);
    t.succeeded('192.0.2.1');
    expect(t.failed('192.0.2.1', 1).failures).toBe(1);
  });

  it('holds at most its bound of clients however many addresses fail, forgetting the least recent', () => {
    const t = createAuthThrottle(settings);
    for (let i = 0; i < MAX_ENTRIES + 500; i += 1) t.failed(clientKey(`2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`), i);
    expect(t.size).toBe(MAX_ENTRIES);
    // the newest is still known, the oldest is gone
    expect(t.failed(clientKey('2001:db8:0:0::1'), MAX_ENTRIES + 500).failures).toBe(1);
    expect(t.failed(clientKey(`2001:db8:0:${(MAX_ENTRIES + 499).toString(16)}::1`), MAX_ENTRIES + 501).failures).toBe(2);
  });
});

describe('which client a limit counts (client-key)', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
