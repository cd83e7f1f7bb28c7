/*
 * The modem store's places being read (issue 14): a +CMTI for a place another reader holds is
 * not lost. Seen end to end: a full SIM emptied while the network delivers what it held back
 * announces the new SMS at the place just deleted, before that place's reader let go of it.
 */
import { describe, expect, it } from 'vitest';
import { StoreClaims } from '../../../src/transports/modem/store-claims.js';

describe('store claims', () => {
  it('a place is taken by one reader at a time', () => {
    const claims = new StoreClaims();
    expect(claims.claim('SM/0')).toBe(true);
    expect(claims.claim('SM/0')).toBe(false);
    expect(claims.release('SM/0', false)).toBe(false);
    expect(claims.claim('SM/0')).toBe(true);
  });

  it('an announcement for a claimed place makes release say it is wanted again, once', () => {
    const claims = new StoreClaims();
    claims.claim('SM/0');
    expect(claims.claim('SM/0', true)).toBe(false);
    expect(claims.release('SM/0', true)).toBe(true);
    claims.claim('SM/0');
    expect(claims.release('SM/0', true)).toBe(false);
  });

  it('a scan that listed before a deletion leaves the place alone', () => {
    const claims = new StoreClaims();
    const mark = claims.mark();
    claims.claim('SM/3');
    claims.release('SM/3', true);
    expect(claims.deletedSince('SM/3', mark)).toBe(true);
    expect(claims.deletedSince('SM/4', mark)).toBe(false);
  });
});
