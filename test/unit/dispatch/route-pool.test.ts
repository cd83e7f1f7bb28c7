import { describe, expect, it } from 'vitest';
import { afterSend, chooseRoute, freeSlots, HEALTHY_ROUTE, isRouteFault, standing, type BreakerPolicy } from '../../../src/dispatch/route-pool.js';
import type { SendOutcome } from '../../../src/transports/transport.js';

const POLICY: BreakerPolicy = { threshold: 3, coolDownMs: 5_000, maxCoolDownMs: 12_000 };
const SENT: SendOutcome = { kind: 'sent', messageRef: '12' };
const TEMP: SendOutcome = { kind: 'failed', temporary: true, status: '4.4.2', diagnostic: '+CMS ERROR: 332' };
const PERM: SendOutcome = { kind: 'failed', temporary: false, status: '5.1.1', diagnostic: '+CMS ERROR: 1' };
const UNKNOWN: SendOutcome = { kind: 'unknown', diagnostic: 'no answer to the PDU' };

describe('route pool decisions', () => {
  it('counts temporary failures and unknown outcomes as faults of the route, a permanent refusal as a fault of the message', () => {
    expect([SENT, TEMP, PERM, UNKNOWN].map(isRouteFault)).toEqual([false, true, false, true]);
  });

  it('takes a route out after the threshold of faults in a row, and a good send in between resets the count', () => {
    let state = afterSend(afterSend(HEALTHY_ROUTE, TEMP, 0, POLICY), UNKNOWN, 1, POLICY);
    expect(standing(state, 1)).toBe('in');
    expect(afterSend(state, SENT, 2, POLICY)).toEqual(HEALTHY_ROUTE);
    state = afterSend(state, TEMP, 2, POLICY);
    expect(state).toEqual({ faults: 3, trips: 1, outUntil: 5_002 });
    expect(standing(state, 5_001)).toBe('out');
    expect(standing(state, 5_002)).toBe('probe');
  });

  it('gives an out route no slot, a probing route one slot when idle, and an in route its concurrency', () => {
    const out = { faults: 3, trips: 1, outUntil: 5_000 };
    expect(freeSlots(out, 0, 4, 4_999)).toBe(0);
    expect(freeSlots(out, 0, 4, 5_000)).toBe(1);
    expect(freeSlots(out, 1, 4, 5_000)).toBe(0);
    expect(freeSlots(HEALTHY_ROUTE, 1, 4, 0)).toBe(3);
  });

  it('doubles the cool-down after a failed probe up to the cap, and does not lengthen it for sends failing while out', () => {
    const out = { faults: 3, trips: 1, outUntil: 5_000 };
    expect(afterSend(out, TEMP, 4_000, POLICY)).toEqual({ faults: 4, trips: 1, outUntil: 5_000 });
    const again = afterSend(out, TEMP, 5_000, POLICY);
    expect(again).toEqual({ faults: 4, trips: 2, outUntil: 15_000 });
    expect(afterSend(again, UNKNOWN, 15_000, POLICY).outUntil).toBe(27_000);
    expect(afterSend(again, SENT, 15_000, POLICY)).toEqual(HEALTHY_ROUTE);
  });

  it('chooses the first free route in config order, passing over the one the segment last failed on', () => {
    expect(chooseRoute(['gsm1', 'gsm2', 'gsm3'], undefined)).toBe('gsm1');
    expect(chooseRoute(['gsm1', 'gsm2', 'gsm3'], 'gsm1')).toBe('gsm2');
    expect(chooseRoute(['gsm1'], 'gsm1')).toBe('gsm1');
    expect(chooseRoute([], 'gsm1')).toBeUndefined();
  });
});
