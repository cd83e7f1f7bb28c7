import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDU } from 'smpp';
import { describe, expect, it } from 'vitest';
import { encapsulatedPart, encapsulationOf } from '../../../src/compose/index.js';
import type { SmsPart } from '../../../src/encode/index.js';
import {
  dataCodingOf,
  relativeValidityPeriod,
  sourceAddressOf,
  toPayloadSubmitSm,
  toSubmitSm,
  type SubmitOptions,
} from '../../../src/transports/smpp/submit.js';
import { encodeSubmitSm, fieldsOf, readSubmitSm } from './wire.js';

interface Vector { test: string; hex: string; expected: Record<string, unknown> }
const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/smpp/cloudhopper-pdu.json'), 'utf8')) as {
  decode: Vector[];
  encode: Vector[];
};
const vector = (list: Vector[], name: string): Vector => {
  const found = list.find((v) => v.test === name);
  if (!found) throw new Error(`no vector ${name}`);
  return found;
};

const part = (fields: Partial<SmsPart>): SmsPart => ({ destination: '+447700900123', encoding: 'gsm7', text: 'Hello', statusReport: false, ...fields });
const wire = (p: SmsPart, options: SubmitOptions = {}) => readSubmitSm(encodeSubmitSm(fieldsOf(toSubmitSm(p, options))));

describe('toSubmitSm against cloudhopper-smpp encodeSubmitSm', () => {
  // The vector's short_message 40 24 23 21 25 26 2F 3A is, read as unpacked GSM 03.38, "¡¤#!%&/:".
  const cloudhopper = part({ destination: '+44951361920', text: '¡¤#!%&/:', statusReport: true });

  it('gives the octets of the vector, byte for byte, through the smpp package', () => {
    const pdu = encodeSubmitSm(fieldsOf(toSubmitSm(cloudhopper, { senderId: '40404' })), 20456);
    expect(pdu.toString('hex').toUpperCase()).toBe(vector(vectors.encode, 'encodeSubmitSm').hex);
  });

  it('is what the package reads back from the decode vector', () => {
    const fields = fieldsOf(toSubmitSm(cloudhopper, { senderId: '40404' }));
    const decoded = PDU.fromBuffer(Buffer.from(vector(vectors.decode, 'decodeSubmitSm').hex, 'hex'));
    if (!decoded) throw new Error('the vector does not decode');
    for (const key of ['source_addr_ton', 'source_addr_npi', 'source_addr', 'dest_addr_ton', 'dest_addr_npi', 'destination_addr', 'esm_class', 'registered_delivery', 'data_coding'] as const) {
      expect(decoded[key], key).toBe(fields[key]);
    }
    // the package decodes data_coding 0 with its GSM 03.38 table: the same text back
    expect(decoded.short_message).toEqual({ message: '¡¤#!%&/:' });
  });
});

describe('toSubmitSm: the user data in each alphabet', () => {
  it.each<[string, Partial<SmsPart>, number, string]>([
    ['GSM text is the default alphabet unpacked, not ASCII', { text: 'Ø@_$' }, 0, '0B001102'],
    ['extension characters are ESC + code', { text: '€[x]' }, 0, '1B651B3C781B3E'],
    ['form feed is ESC 0A', { text: 'a\fb' }, 0, '611B0A62'],
    ['small c-cedilla goes out as 09 (decoded as Ç)', { text: 'ç' }, 0, '09'],
    ['UCS-2 is UTF-16BE, an emoji its surrogate pair', { encoding: 'ucs2', text: 'Grüße 😀' }, 8, '0047007200FC00DF00650020D83DDE00'],
    ['binary data is the octets, with DCS 4', { encoding: 'binary', text: '', userDataHex: '00ff10' }, 4, '00FF10'],
  ])('%s', (_name, fields, dataCoding, hex) => {
    const sent = wire(part(fields));
    expect(sent.dataCoding).toBe(dataCoding);
    expect(sent.shortMessage).toBe(hex);
    expect(sent.esmClass).toBe(0);
  });

  it('hands the package Buffers, which it writes unchanged', () => {
    expect(Buffer.isBuffer(fieldsOf(toSubmitSm(part({ text: 'ç€' }))).short_message)).toBe(true);
  });

  it.each([
    ['a GSM text over 160 septets', part({ text: 'a'.repeat(161) }), /161 GSM septets; one SMS holds 160/],
    ['a GSM part over 153 septets with a concatenation UDH', part({ text: 'a'.repeat(154), concat: { ref: 1, total: 2, seq: 1 } }), /154 GSM septets; one SMS holds 153/],
    ['a UCS-2 part over 134 octets with its UDH', part({ encoding: 'ucs2', text: 'ж'.repeat(68), concat: { ref: 1, total: 2, seq: 1 } }), /142 octets with its UDH/],
    ['a character without GSM 7-bit form in a gsm7 part', part({ text: 'ab世' }), /"世" at 2/],
    ['binary user data that is not hex', part({ encoding: 'binary', text: '', userDataHex: 'xyz' }), /not hex/],
    ['a sender UDH that is not hex', part({ udhHex: '0G' }), /UDH "0G" is not hex/],
  ])('refuses %s, naming it', (_name, p, reason) => {
    const result = toSubmitSm(p);
    expect(result).toMatchObject({ ok: false, field: 'short_message', reason: expect.stringMatching(reason) });
  });
});

describe('toSubmitSm: addresses', () => {
  it('sends the destination as digits without "+", TON 1 / NPI 1', () => {
    expect(wire(part({ destination: '+819012345678' })).destination).toEqual([1, 1, '819012345678']);
  });

  it('refuses a destination that is not "+" and digits', () => {
    expect(toSubmitSm(part({ destination: '07700900123' }))).toMatchObject({ ok: false, field: 'destination_addr', status: '5.1.3' });
  });

  it.each<[string, SubmitOptions, readonly [number, number, string]]>([
    ['an alphanumeric sender ID is TON 5 / NPI 0', { senderId: 'ACME' }, [5, 0, 'ACME']],
    ['an 11-character sender ID with punctuation', { senderId: 'Shop-24 #1!' }, [5, 0, 'Shop-24 #1!']],
    ['an international number is TON 1 / NPI 1 without "+"', { senderId: '+447700900999' }, [1, 1, '447700900999']],
    ['a number without "+" is TON 1 / NPI 1', { senderId: '40404' }, [1, 1, '40404']],
    ['no sender ID: empty, with the route\'s source_ton / source_npi', { sourceTon: 3, sourceNpi: 9 }, [3, 9, '']],
    ['no sender ID and no route values: empty, 0 / 0', {}, [0, 0, '']],
  ])('%s', (_name, options, source) => {
    expect(wire(part({}), options).source).toEqual(source);
  });

  it.each([
    ['more than 11 characters', 'ACMEShopping', /takes 12 GSM characters; an alphanumeric sender holds at most 11/],
    ['extension characters counted twice', '[ACMEShop]', /takes 12 GSM characters/],
    ['a character outside ASCII', 'Müller', /"ü", which an SMPP address \(ASCII/],
    ['an ASCII character without GSM 7-bit form', 'ab`c', /"`", which has no GSM 7-bit form/],
    ['a control character', 'AB\tC', /"\\t", which an SMPP address/],
  ])('refuses a sender ID with %s', (_name, senderId, reason) => {
    expect(sourceAddressOf({ senderId })).toMatchObject({ ok: false, field: 'source_addr', status: '5.1.7', reason: expect.stringMatching(reason) });
    expect(toSubmitSm(part({}), { senderId })).toMatchObject({ ok: false, field: 'source_addr' });
  });
});

describe('toSubmitSm: the other fields', () => {
  it('sets registered_delivery 1 when a status report is asked, else 0', () => {
    expect(wire(part({ statusReport: true })).registeredDelivery).toBe(1);
    expect(wire(part({ statusReport: false })).registeredDelivery).toBe(0);
  });

  it('takes protocol_id from the TP-PID and priority_flag from the options', () => {
    const sent = wire(part({ pid: 0x41 }), { priority: 2 });
    expect([sent.protocolId, sent.priority]).toEqual([0x41, 2]);
  });

  it('refuses a priority outside 0..3', () => {
    expect(toSubmitSm(part({}), { priority: 4 })).toMatchObject({ ok: false, field: 'priority_flag' });
  });

  it('writes the validity as a relative time, or none', () => {
    expect(wire(part({ validityMinutes: 1440 })).validity).toBe('000001000000000R');
    expect(wire(part({})).validity).toBe('');
  });
});

describe('relativeValidityPeriod (SMPP 3.4 §7.1.1.2)', () => {
  it.each([
    [5, '000000000500000R'],
    [90, '000000013000000R'],
    [1440, '000001000000000R'],
    [99 * 1440 + 59, '000099005900000R'],
    // 100 days: 3 months of at least 28 days and 16 days
    [100 * 1440, '000316000000000R'],
    // 63 weeks = 441 days: 15 months (1 year 3 months) and 21 days
    [63 * 7 * 1440, '010321000000000R'],
    [0.2, '000000000100000R'],
  ])('%f minutes is %s', (minutes, period) => {
    expect(relativeValidityPeriod(minutes)).toBe(period);
  });

  it.each([5, 61, 1440, 3 * 1440 + 17, 99 * 1440])('reads back as %i minutes with the encapsulation parser', (minutes) => {
    const now = Date.UTC(2024, 0, 1, 12, 0, 0);
    const headers = new Map([['x-smpp-short-message', '41'], ['x-smpp-validity-period', relativeValidityPeriod(minutes)]]);
    const result = encapsulationOf(headers, { isNumber: true }, now);
    expect(result).toMatchObject({ kind: 'ok', sms: { validityMinutes: minutes } });
  });
});

describe('dataCodingOf: TP-DCS to SMPP data_coding (SMPP 3.4 §5.2.19)', () => {
  it.each<[Partial<SmsPart>, number]>([
    [{ encoding: 'gsm7' }, 0x00],
    [{ encoding: 'ucs2' }, 0x08],
    [{ encoding: 'binary' }, 0x04],
    // group 0000: SMPP reads 0x01..0x0F as IA5, Latin-1, JIS …; written by the alphabet instead
    [{ encoding: 'gsm7', dcs: 0x01 }, 0x00],
    [{ encoding: 'gsm7', dcs: 0x03 }, 0x00],
    [{ encoding: 'binary', dcs: 0x05 }, 0x04],
    [{ encoding: 'binary', dcs: 0x07 }, 0x04],
    [{ encoding: 'ucs2', dcs: 0x0a }, 0x08],
    // classes, message waiting and the 1111 group are GSM 03.38 values SMSCs take as they are
    [{ encoding: 'gsm7', dcs: 0x10 }, 0x10],
    [{ encoding: 'ucs2', dcs: 0x18 }, 0x18],
    [{ encoding: 'binary', dcs: 0xd7 }, 0xd7],
    [{ encoding: 'binary', dcs: 0xf5 }, 0xf5],
  ])('%j is data_coding %i', (fields, dataCoding) => {
    expect(dataCodingOf({ encoding: 'gsm7', ...fields })).toBe(dataCoding);
  });
});

describe('toSubmitSm: concatenation', () => {
  const second = part({ text: 'world', concat: { ref: 0x2a, total: 3, seq: 2 } });

  it("'udh' (the default) starts short_message with the 8-bit reference IE and sets esm_class 0x40", () => {
    const sent = wire(second);
    expect(sent.esmClass).toBe(0x40);
    expect(sent.shortMessage).toBe(`0500032A0302${Buffer.from('world').toString('hex').toUpperCase()}`);
    expect(sent.tlvs.size).toBe(0);
  });

  it("'udh' keeps a sender's UDH after the concatenation IE", () => {
    expect(wire({ ...second, udhHex: '0504158A0000' }).shortMessage.slice(0, 24)).toBe('0B00032A03020504158A0000');
  });

  it('the package reads the UDH back as its information elements', () => {
    const decoded = PDU.fromBuffer(encodeSubmitSm(fieldsOf(toSubmitSm(second))));
    if (!decoded) throw new Error('does not decode');
    expect(decoded.short_message).toEqual({ udh: [Buffer.from('00032A0302', 'hex')], message: 'world' });
  });

  it("'sar' sends sar_msg_ref_num, sar_total_segments, sar_segment_seqnum and no UDH", () => {
    const sent = wire(second, { long: 'sar' });
    expect(sent.esmClass).toBe(0);
    expect(sent.shortMessage).toBe(Buffer.from('world').toString('hex').toUpperCase());
    expect([...sent.tlvs]).toEqual([[0x020c, '002A'], [0x020e, '03'], [0x020f, '02']]);
  });

  it("'sar' still sends a sender's UDH, with esm_class 0x40", () => {
    const sent = wire({ ...second, udhHex: '0504158A0000' }, { long: 'sar' });
    expect([sent.esmClass, sent.shortMessage.slice(0, 14)]).toEqual([0x40, '060504158A0000']);
  });
});

describe('toPayloadSubmitSm: one message_payload for the whole message', () => {
  const parts = [
    part({ text: 'wor', concat: { ref: 9, total: 2, seq: 2 } }),
    part({ text: 'Hello ', concat: { ref: 9, total: 2, seq: 1 } }),
  ];

  it('joins the parts in seq order into message_payload, short_message empty, no UDH', () => {
    const sent = readSubmitSm(encodeSubmitSm(fieldsOf(toPayloadSubmitSm(parts))));
    expect(sent.shortMessage).toBe('');
    expect(sent.esmClass).toBe(0);
    expect(sent.tlvs.get(0x0424)).toBe(Buffer.from('Hello wor').toString('hex').toUpperCase());
  });

  it('joins UCS-2 parts as UTF-16BE, an emoji of the second part whole', () => {
    const ucs2 = [part({ encoding: 'ucs2', text: 'ab', concat: { ref: 1, total: 2, seq: 1 } }), part({ encoding: 'ucs2', text: '😀', concat: { ref: 1, total: 2, seq: 2 } })];
    const sent = readSubmitSm(encodeSubmitSm(fieldsOf(toPayloadSubmitSm(ucs2))));
    expect([sent.dataCoding, sent.tlvs.get(0x0424)]).toEqual([8, '00610062D83DDE00']);
  });

  it('keeps a single part\'s sender UDH at the start of the payload, with esm_class 0x40', () => {
    const sent = readSubmitSm(encodeSubmitSm(fieldsOf(toPayloadSubmitSm([part({ encoding: 'binary', text: '', userDataHex: 'AA', udhHex: '0504158A0000' })]))));
    expect([sent.esmClass, sent.tlvs.get(0x0424)]).toEqual([0x40, '060504158A0000AA']);
  });

  it.each([
    ['no parts', [], /no parts/],
    ['a missing part', [parts[0] as SmsPart], /parts 2 are not the whole message 1..2/],
    ['parts to different numbers', [parts[1] as SmsPart, { ...(parts[0] as SmsPart), destination: '+447700900999' }], /differ in destination/],
    ['parts of different messages', [parts[1] as SmsPart, { ...(parts[0] as SmsPart), concat: { ref: 8, total: 2, seq: 2 } }], /not the whole message/],
    ['a sender UDH on a message of several parts', [{ ...(parts[1] as SmsPart), udhHex: '0504158A0000' }, parts[0] as SmsPart], /one SMS/],
  ])('refuses %s', (_name, list, reason) => {
    expect(toPayloadSubmitSm(list)).toMatchObject({ ok: false, field: 'message_payload', reason: expect.stringMatching(reason) });
  });
});

describe('x-smpp encapsulation maps field for field (seed 003 §3.2)', () => {
  const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);
  const LOGO =
    '0605041582158202f2f500480e010000800000000000000000 7000e1e1c0000000001f012212200000000007c22494900000000003faa9f4 ' +
    'd00000000000fcaa0460000000000079920610000000000039926790000000 00003011a9d0000000000033883820000000000033ccfc4000000000007fff ' +
    'ffc000000001c1fffffffc00000000000000003f8000';
  const submitted = (headers: Record<string, string>, long: 'udh' | 'sar' = 'udh') => {
    const result = encapsulationOf(new Map(Object.entries(headers)), { isNumber: true }, NOW);
    if (result.kind !== 'ok') throw new Error(JSON.stringify(result));
    return wire(encapsulatedPart(result.sms, '+447973100000', false), { long });
  };

  it('sends the seed operator logo with esm_class 64, protocol_id 0, data_coding 215 and its 140 octets unchanged', () => {
    const sent = submitted({ 'x-smpp-short-message': LOGO, 'x-smpp-esm-class': '64', 'x-smpp-protocol-id': '0', 'x-smpp-data-coding': '215' });
    expect(sent).toMatchObject({ esmClass: 64, protocolId: 0, dataCoding: 215, validity: '' });
    expect(sent.shortMessage).toBe(LOGO.replace(/ /g, '').toUpperCase());
  });

  it.each([
    ['GSM 7-bit with escapes', { 'x-smpp-short-message': '3130201B651B3C', 'x-smpp-data-coding': '0' }, 0, 0],
    ['GSM 7-bit after a UDH', { 'x-smpp-short-message': `050003070201${'1B3C41'.repeat(20)}`, 'x-smpp-esm-class': '64' }, 64, 0],
    ['small c-cedilla as GSM 09', { 'x-smpp-short-message': '0948', 'x-smpp-data-coding': '0' }, 0, 0],
    ['UCS-2 with a surrogate pair', { 'x-smpp-short-message': '004800690020D83DDE00', 'x-smpp-data-coding': '8' }, 0, 8],
    ['UCS-2 with a lone surrogate', { 'x-smpp-short-message': 'D83D0041', 'x-smpp-data-coding': '8' }, 0, 8],
    ['8-bit data with a port UDH, class 1 (0xF5) and a PID', { 'x-smpp-short-message': '0605040B8423F0DEADBEEF', 'x-smpp-esm-class': '0x40', 'x-smpp-data-coding': '0xF5', 'x-smpp-protocol-id': '0x7F' }, 64, 0xf5],
  ])('keeps the short_message octets of %s', (_name, headers, esm, dataCoding) => {
    for (const long of ['udh', 'sar'] as const) {
      const sent = submitted(headers, long);
      expect(sent.shortMessage).toBe(headers['x-smpp-short-message'].toUpperCase());
      expect([sent.esmClass, sent.dataCoding]).toEqual([esm, dataCoding]);
    }
  });

  it('keeps a relative validity given in days, hours and minutes as the same string', () => {
    expect(submitted({ 'x-smpp-short-message': '41', 'x-smpp-validity-period': '000002030400000R' }).validity).toBe('000002030400000R');
  });

  it('sends a relative validity given in months as the days it came to at accept time', () => {
    // 1 month from 1 January is 31 days
    expect(submitted({ 'x-smpp-short-message': '41', 'x-smpp-validity-period': '000102030400000R' }).validity).toBe('000033030400000R');
  });

  // What the SmsPart does not carry (docs/smpp.md "Encapsulation"): these are what goes out.
  it('sends an absolute validity as the relative minutes counted at accept time', () => {
    expect(submitted({ 'x-smpp-short-message': '41', 'x-smpp-validity-period': '240101140000000+' }).validity).toBe('000000020000000R');
  });

  it('sends store-and-forward mode (esm_class 3) as the default mode 0', () => {
    expect(submitted({ 'x-smpp-short-message': '41', 'x-smpp-esm-class': '3' }).esmClass).toBe(0);
  });
});

describe('the smpp package, when given strings (why short_message is always a Buffer)', () => {
  const written = (fields: Record<string, unknown>): string => readSubmitSm(new PDU('submit_sm', fields).toBuffer()).shortMessage;

  it('turns a character its GSM table lacks into 00, an "@", silently (it means a space, but pushes the string " " into a byte array)', () => {
    expect(written({ data_coding: 0, short_message: 'çx' })).toBe('0078');
  });

  it('writes data_coding 1 (IA5, ASCII) with its GSM table: "@" becomes 00, not 40', () => {
    expect(written({ data_coding: 1, short_message: 'A@' })).toBe('4100');
  });

  it('picks a data_coding of its own when none is given', () => {
    const pdu = new PDU('submit_sm', { short_message: 'Grüße' });
    pdu.toBuffer();
    expect(pdu.data_coding).toBe(1);
  });
});
