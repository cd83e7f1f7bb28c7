import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseMessageId, sameMessageId, type ReceiptIdMode } from '../../../src/transports/smpp/message-id.js';

const receipts = (JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/smpp/delivery-receipts.json'), 'utf8')) as {
  cases: { kind: string; input?: string; expected?: { id?: string | null } }[];
}).cases;

describe('normaliseMessageId: the keys of each mode', () => {
  it.each<[string, ReceiptIdMode, readonly string[]]>([
    ['0059113978', 'auto', ['59113978', '38601fa', '1494301048']],
    ['38601FA', 'auto', ['38601fa', '59113978']],
    ['0059113978', 'dec', ['59113978']],
    ['0059113978', 'hex', ['59113978']],
    ['38601FA', 'hex', ['38601fa']],
    ['38601FA', 'dec', ['38601fa']],
    ['0000', 'auto', ['0']],
    ['74E02EE1-4E2F-4A6E-A78B-4B247D756A22', 'auto', ['74e02ee1-4e2f-4a6e-a78b-4b247d756a22']],
    [' 12\0', 'dec', ['12']],
    ['', 'auto', []],
  ])('%j in %s mode has the keys %j', (id, mode, keys) => {
    expect(normaliseMessageId(id, mode)).toEqual(keys);
  });
});

describe('sameMessageId: a submit_sm_resp id and a receipt id', () => {
  it.each<[string, string, ReceiptIdMode, boolean]>([
    // cloudhopper's receipt: TLV hex, text decimal
    ['38601fa', '0059113978', 'auto', true],
    ['0059113978', '38601fa', 'auto', true],
    ['38601FA', '38601fa', 'hex', true],
    ['0x', '0x', 'auto', true],
    ['000123', '123', 'dec', true],
    ['0A', '10', 'auto', true],
    ['a', '10', 'hex', false],
    ['38601fa', '59113978', 'dec', false],
    ['2E179B310EDE971B2760C72B7F026E1B', '2e179b310ede971b2760c72b7f026e1b', 'dec', true],
    ['74e02ee1-4e2f-4a6e-a78b-4b247d756a22', '74E02EE1-4E2F-4A6E-A78B-4B247D756A22', 'auto', true],
    ['123', '124', 'auto', false],
    ['', '', 'auto', false],
    // the price of auto (message-id.ts header): 10 hex is 16 decimal
    ['10', '16', 'auto', true],
    ['10', '16', 'dec', false],
  ])('%j and %j in %s mode: %s', (a, b, mode, same) => {
    expect(sameMessageId(a, b, mode)).toBe(same);
  });

  it('matches every receipt id of the cloudhopper corpus with itself written in the other base, in either direction', () => {
    const ids = receipts.map((c) => c.expected?.id).filter((id): id is string => typeof id === 'string' && /^[0-9a-f]+$/i.test(id));
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) {
      const asDecimal = BigInt(`0x${id}`).toString(10);
      expect(sameMessageId(id, asDecimal, 'auto'), id).toBe(true);
      expect(sameMessageId(asDecimal, id.toUpperCase(), 'auto'), id).toBe(true);
    }
  });

  const spellings = fc.record({
    n: fc.bigInt({ min: 0n, max: (1n << 80n) - 1n }),
    zerosA: fc.nat({ max: 4 }),
    zerosB: fc.nat({ max: 4 }),
    upper: fc.boolean(),
  });
  const spell = (digits: string, zeros: number, upper: boolean): string => '0'.repeat(zeros) + (upper ? digits.toUpperCase() : digits);

  it('auto: a number in hex and in decimal, any case and leading zeros, is one message', () => {
    fc.assert(fc.property(spellings, ({ n, zerosA, zerosB, upper }) => {
      const hex = spell(n.toString(16), zerosA, upper);
      const dec = spell(n.toString(10), zerosB, false);
      return sameMessageId(hex, dec, 'auto') && sameMessageId(dec, hex, 'auto');
    }));
  });

  it('hex and dec: the same number, any case and leading zeros, is one message; another number is not', () => {
    fc.assert(fc.property(spellings, fc.bigInt({ min: 1n, max: 1000n }), ({ n, zerosA, zerosB, upper }, d) => {
      const same = sameMessageId(spell(n.toString(16), zerosA, upper), spell(n.toString(16), zerosB, !upper), 'hex')
        && sameMessageId(spell(n.toString(10), zerosA, false), spell(n.toString(10), zerosB, false), 'dec');
      const other = sameMessageId(n.toString(16), (n + d).toString(16), 'hex') || sameMessageId(n.toString(10), (n + d).toString(10), 'dec');
      return same && !other;
    }));
  });
});
