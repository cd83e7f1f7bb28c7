import fc from 'fast-check';
import { PDU } from 'smpp';
import { describe, expect, it } from 'vitest';
import { decodeUcs2, fromGsm7Septets, hexToOctets, planText, type SmsPart } from '../../../src/encode/index.js';
import { toPayloadSubmitSm, toSubmitSm, type SubmitLongMode } from '../../../src/transports/smpp/submit.js';
import { gsmText, mixedText } from '../encode/text-arbitraries.js';
import { encodeSubmitSm, fieldsOf, readSubmitSm } from './wire.js';

/** The parts the encode stage makes of a text (concatenate mode, up to 255 parts). */
function partsOf(text: string, ref: number): SmsPart[] {
  const plan = planText(text, { long: 'concatenate', maxSegments: 255 });
  if (!plan.ok) throw new Error('too long');
  const total = plan.parts.length;
  return plan.parts.map((partText, i) => ({
    destination: '+447700900123',
    encoding: plan.encoding,
    text: partText,
    statusReport: false,
    ...(total > 1 ? { concat: { ref, total, seq: i + 1 } } : {}),
  }));
}

/** The user data of a sent submit_sm: short_message after its UDH. */
function userData(hex: string, esmClass: number): Uint8Array {
  const octets = hexToOctets(hex);
  return esmClass & 0x40 ? octets.subarray((octets[0] ?? 0) + 1) : octets;
}

const sent = (p: SmsPart, long: SubmitLongMode) => readSubmitSm(encodeSubmitSm(fieldsOf(toSubmitSm(p, { long }))));
// fast-check's default size keeps a string far below its maxLength: 200 samples of mixedText
// all fit one SMS. Joining many of them, at size 'max', gives texts of several parts.
const longGsmText = fc.array(gsmText, { maxLength: 150, size: 'max' }).map((texts) => texts.join(''));
const longMixedText = fc.array(mixedText, { maxLength: 60, size: 'max' }).map((texts) => texts.join(''));
const ref = fc.integer({ min: 0, max: 255 });
const long = fc.constantFrom<SubmitLongMode>('udh', 'sar');

describe('submit_sm properties', () => {
  it('the generated texts include messages of several parts', () => {
    for (const texts of [longGsmText, longMixedText]) {
      const totals = fc.sample(texts, 200).map((text) => partsOf(text, 0).length);
      expect(totals.filter((n) => n > 2).length).toBeGreaterThan(20);
    }
  });

  it('GSM text: the data_coding 0 octets of all parts decode back to the text (ç as Ç)', () => {
    fc.assert(fc.property(longGsmText, ref, long, (text, r, mode) => {
      const decoded = partsOf(text, r).map((p) => {
        const wire = sent(p, mode);
        return wire.dataCoding === 0 && fromGsm7Septets([...userData(wire.shortMessage, wire.esmClass)]);
      });
      expect(decoded.join('')).toBe(text.replace(/ç/g, 'Ç'));
    }), { numRuns: 200 });
  });

  it('GSM text: every octet is a septet (00..7F), never ASCII or Latin-1 above it', () => {
    fc.assert(fc.property(longGsmText, (text) => {
      for (const p of partsOf(text, 1)) expect(hexToOctets(sent(p, 'sar').shortMessage).every((o) => o < 0x80)).toBe(true);
    }), { numRuns: 100 });
  });

  it('UCS-2: any text, surrogate pairs and lone surrogates included, comes back from the octets', () => {
    const anyText = fc.string({ unit: 'binary', minLength: 1, maxLength: 300 });
    fc.assert(fc.property(anyText, ref, long, (text, r, mode) => {
      // a text the encode stage would send as GSM is cut for GSM budgets; short ones fit either way
      fc.pre(planText(text, { long: 'concatenate', maxSegments: 255 }).encoding === 'ucs2' || text.length <= 70);
      const parts = partsOf(text, r).map((p) => ({ ...p, encoding: 'ucs2' as const }));
      const decoded = parts.map((p) => {
        const wire = sent(p, mode);
        return wire.dataCoding === 8 && decodeUcs2(userData(wire.shortMessage, wire.esmClass));
      });
      expect(decoded.join('')).toBe(text);
    }), { numRuns: 200 });
  });

  it('UCS-2: the smpp package decodes a well-formed text back to it', () => {
    const oneSms = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((t) => t.length <= 70);
    fc.assert(fc.property(oneSms, (text) => {
      const part: SmsPart = { destination: '+447700900123', encoding: 'ucs2', text, statusReport: false };
      const decoded = PDU.fromBuffer(encodeSubmitSm(fieldsOf(toSubmitSm(part))));
      expect(decoded && decoded.short_message).toEqual({ message: text });
    }), { numRuns: 200 });
  });

  it('numbering: the parts of one message carry one reference, the same total and seq 1..total, by UDH or by SAR', () => {
    fc.assert(fc.property(longMixedText, ref, (text, r) => {
      const parts = partsOf(text, r);
      const total = parts.length;
      parts.forEach((p, i) => {
        const udh = sent(p, 'udh');
        const sar = sent(p, 'sar');
        if (total === 1) {
          expect([udh.esmClass, sar.esmClass, sar.tlvs.size]).toEqual([0, 0, 0]);
          return;
        }
        const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
        expect(udh.esmClass).toBe(0x40);
        expect(udh.shortMessage.slice(0, 12)).toBe(`050003${hex(r)}${hex(total)}${hex(i + 1)}`);
        expect(sar.esmClass).toBe(0);
        expect([...sar.tlvs]).toEqual([[0x020c, `00${hex(r)}`], [0x020e, hex(total)], [0x020f, hex(i + 1)]]);
      });
    }), { numRuns: 200 });
  });

  it('payload: all parts of a message in one message_payload give the whole text back, in any order given', () => {
    fc.assert(fc.property(longMixedText, ref, fc.nat(), (text, r, seed) => {
      const parts = partsOf(text, r);
      const shuffled = [...parts].sort((a, b) => ((a.concat?.seq ?? 0) * 7919 + seed) % 13 - ((b.concat?.seq ?? 0) * 7919 + seed) % 13);
      const wire = readSubmitSm(encodeSubmitSm(fieldsOf(toPayloadSubmitSm(shuffled))));
      const payload = hexToOctets(wire.tlvs.get(0x0424) ?? '');
      const back = parts[0]?.encoding === 'gsm7' ? fromGsm7Septets([...payload]) : decodeUcs2(payload);
      expect(back).toBe(parts[0]?.encoding === 'gsm7' ? text.replace(/ç/g, 'Ç') : text);
      expect(wire.shortMessage).toBe('');
    }), { numRuns: 200 });
  });
});
