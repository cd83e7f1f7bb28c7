import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDU } from 'smpp';
import { describe, expect, it } from 'vitest';
import { normaliseMessageId, sameMessageId } from '../../../src/transports/smpp/message-id.js';
import { parseReceipt, parseReceiptText, type SmppReceipt } from '../../../src/transports/smpp/receipt.js';

const fixtures = join(import.meta.dirname, '../../fixtures/smpp');
interface ReceiptCase {
  test: string;
  kind: 'parse' | 'parse_must_fail' | 'format';
  input: string;
  expected: Record<string, unknown>;
}
const receipts = (JSON.parse(readFileSync(join(fixtures, 'delivery-receipts.json'), 'utf8')) as { cases: ReceiptCase[] }).cases;
const pdus = JSON.parse(readFileSync(join(fixtures, 'cloudhopper-pdu.json'), 'utf8')) as {
  decode: { test: string; hex: string }[];
  encode: { test: string; hex: string; fields: Record<string, unknown>; tlvs_in_order?: { tag_value: number; value: { hex: string } }[] }[];
};

/** A cloudhopper decode vector as the smpp package decodes it. */
function decoded(name: string): Record<string, unknown> {
  const hex = pdus.decode.find((c) => c.test === name)?.hex ?? '';
  const pdu = PDU.fromBuffer(Buffer.from(hex, 'hex'));
  if (!pdu) throw new Error(`${name} does not decode`);
  return { ...pdu };
}

function receiptOf(pdu: Readonly<Record<string, unknown>>): SmppReceipt {
  const result = parseReceipt(pdu);
  if (result.kind !== 'receipt') throw new Error(`not a receipt: ${JSON.stringify(result)}`);
  return result.receipt;
}

/** Through the package's encoder and decoder, as a receipt arrives from an SMSC. */
function overTheWire(command: 'deliver_sm' | 'data_sm', fields: Record<string, unknown>): Record<string, unknown> {
  const pdu = PDU.fromBuffer(new PDU(command, fields).toBuffer());
  if (!pdu) throw new Error('does not decode');
  return { ...pdu };
}

// cloudhopper's names for the stat words (SmppConstants STATE_*)
const CLOUDHOPPER_STAT: Record<string, string> = { DELIVERED: 'DELIVRD', ENROUTE: 'ENROUTE' };

describe('parseReceiptText against cloudhopper-smpp DeliveryReceiptTest', () => {
  const parsed = receipts.filter((c) => c.kind === 'parse');

  it.each(parsed.map((c, i) => [`${c.test} #${i}`, c] as const))('%s', (_name, c) => {
    const text = parseReceiptText(c.input);
    const e = c.expected;
    if ('id_as_long' in e) {
      expect(Number(text.id)).toBe(e.id_as_long);
      return;
    }
    if ('err_raw' in e) {
      expect(text.err).toBe(e.err_raw);
      return;
    }
    expect(text.id ?? null).toBe(e.id);
    expect(text.sub ?? -1).toBe(e.sub);
    expect(text.dlvrd ?? -1).toBe(e.dlvrd);
    expect(text.submitDate === undefined ? null : new Date(text.submitDate).toISOString().replace('.000', '')).toBe(e.submit_date);
    expect(text.doneDate === undefined ? null : new Date(text.doneDate).toISOString().replace('.000', '')).toBe(e.done_date);
    expect(text.stat ?? -1).toBe(e.stat === -1 ? -1 : CLOUDHOPPER_STAT[String(e.stat)]);
    expect(text.err === undefined ? -1 : Number(text.err)).toBe(e.err);
    expect(text.text ?? null).toBe(e.text);
  });

  // cloudhopper's strict mode refuses a misspelled mandatory field. A receipt still names a
  // message and a state without sub, dlvrd, dates, err or text, so those are read, not refused.
  const mustFail = receipts.filter((c) => c.kind === 'parse_must_fail');
  it.each([
    ['i:', 'invalid', /names no message/],
    ['sat:', 'invalid', /names no state/],
    ['su:', 'receipt', undefined],
    ['dlvr:', 'receipt', undefined],
    ['submit dat:', 'receipt', undefined],
    [' one date:', 'receipt', undefined],
    [' rr:', 'receipt', undefined],
    ['txt:', 'receipt', undefined],
  ] as const)('a receipt with the misspelled key %j is %s', (key, kind, reason) => {
    const c = mustFail.find((m) => m.input.includes(key));
    if (!c) throw new Error(`no must-fail vector with ${key}`);
    const result = parseReceipt({ esm_class: 4, short_message: c.input });
    expect(result.kind).toBe(kind);
    if (reason) expect(result).toMatchObject({ reason: expect.stringMatching(reason) });
  });
});

describe('parseReceipt on cloudhopper deliver_sm captures, decoded by the smpp package', () => {
  it('reads receipted_message_id 38601fa, message_state DELIVERED and the text id 0059113978: one message', () => {
    const receipt = receiptOf(decoded('decodeDeliverSmAsDeliveryReceipt'));
    expect(receipt).toMatchObject({ messageId: '38601fa', textId: '0059113978', recipient: '+44951361920', state: 'delivered', messageState: 2, at: Date.UTC(2010, 1, 10, 17, 31) });
    expect(receipt.detail).toBe('stat:DELIVRD err:000; message_state 2 DELIVERED');
    expect(sameMessageId(receipt.messageId, receipt.textId ?? '', 'auto')).toBe(true);
  });

  it('reads a text-only receipt (no TLVs) with stat ACCEPTD err:107 as pending', () => {
    expect(receiptOf(decoded('decodeDeliverSmWithDeliveryReceiptThatFailedFromEndToEnd'))).toMatchObject({
      messageId: '94251430923',
      recipient: '+4495136192057',
      state: 'pending',
      detail: 'stat:ACCEPTD err:107',
    });
  });

  it('reads a Latin-1 (data_coding 3) receipt with "Text:" and both TLVs', () => {
    expect(receiptOf(decoded('decodeDeliveryReceipt0'))).toMatchObject({ messageId: '126e85a6edeac1a02020099312479564', state: 'delivered', text: { text: 'Hello' } });
  });

  it('stores the submit_sm_resp id the package reads (decodeSubmitSmResp) under the key its decimal receipt id has', () => {
    const resp = decoded('decodeSubmitSmResp');
    expect(resp.message_id).toBe('94258431594');
    expect(normaliseMessageId(String(resp.message_id), 'auto')[0]).toBe('94258431594');
    expect(sameMessageId(String(resp.message_id), '094258431594', 'dec')).toBe(true);
  });

  it.each(['decodeDeliverSm', 'decodeDeliverSmWithOptionalMessagePayload'])('answers not-receipt for the MO message %s', (name) => {
    expect(parseReceipt(decoded(name))).toEqual({ kind: 'not-receipt' });
  });
});

describe('parseReceipt: states', () => {
  it.each([
    ['DELIVRD', 'delivered'],
    ['EXPIRED', 'expired'],
    ['DELETED', 'failed'],
    ['UNDELIV', 'failed'],
    ['ACCEPTD', 'pending'],
    ['UNKNOWN', 'pending'],
    ['REJECTD', 'failed'],
    ['ENROUTE', 'pending'],
    ['delivrd', 'delivered'],
    ['UNDELIVERABLE', 'failed'],
  ])('stat:%s is %s', (stat, state) => {
    expect(receiptOf({ esm_class: 4, short_message: `id:1 stat:${stat} err:000` }).state).toBe(state);
  });

  it('takes an unknown stat word as pending and says so', () => {
    expect(receiptOf({ esm_class: 4, short_message: 'id:1 stat:WEIRD' })).toMatchObject({ state: 'pending', detail: 'stat:WEIRD (not a known state)' });
  });

  it.each([
    [0, 'pending'], [1, 'pending'], [2, 'delivered'], [3, 'expired'], [4, 'failed'],
    [5, 'failed'], [6, 'pending'], [7, 'pending'], [8, 'failed'], [9, 'failed'],
  ])('message_state %i is %s, and wins over the text', (messageState, state) => {
    const stat = state === 'delivered' ? 'UNDELIV' : 'DELIVRD';
    expect(receiptOf({ esm_class: 4, short_message: `id:1 stat:${stat}`, message_state: messageState }).state).toBe(state);
  });
});

describe('parseReceipt: what SMSCs send besides the Appendix B text', () => {
  it('reads a data_sm receipt from its TLVs alone, with the network error for the DSN', () => {
    const pdu = overTheWire('data_sm', {
      source_addr_ton: 1, source_addr_npi: 1, source_addr: '447700900123', esm_class: 4, data_coding: 0,
      receipted_message_id: 'A1B2C3', message_state: 5, network_error_code: Buffer.from([3, 0x00, 0x22]),
    });
    expect(receiptOf(pdu)).toMatchObject({
      messageId: 'A1B2C3', recipient: '+447700900123', state: 'failed', networkError: { type: 3, code: 0x22 },
      detail: 'message_state 5 UNDELIVERABLE; network_error_code GSM 34',
    });
  });

  it('reads the text from message_payload when short_message is empty', () => {
    const pdu = overTheWire('deliver_sm', { esm_class: 4, data_coding: 0, short_message: Buffer.alloc(0), message_payload: Buffer.from('id:77 stat:EXPIRED err:000') });
    expect(receiptOf(pdu)).toMatchObject({ messageId: '77', state: 'expired' });
  });

  it('undoes the package\'s GSM decoding of data_coding 0 text, so "_" and "@" read as sent', () => {
    const pdu = overTheWire('deliver_sm', { esm_class: 4, data_coding: 0, short_message: Buffer.from('id:ab_c@1 submit_date:1005232039 done_date:100524233945 stat:DELIVRD') });
    expect(receiptOf(pdu)).toMatchObject({ messageId: 'ab_c@1', text: { submitDate: Date.UTC(2010, 4, 23, 20, 39), doneDate: Date.UTC(2010, 4, 24, 23, 39, 45) } });
  });

  it('reads a UCS-2 receipt text', () => {
    const text = Buffer.from('id:5 stat:DELIVRD', 'utf16le').swap16();
    expect(receiptOf(overTheWire('deliver_sm', { esm_class: 4, data_coding: 8, short_message: text }))).toMatchObject({ messageId: '5', state: 'delivered' });
  });

  it('reads upper-case keys and a 14-digit date', () => {
    expect(parseReceiptText('ID:X9 SUB:001 DLVRD:001 SUBMIT DATE:20110314181534 DONE DATE:20110314181741 STAT:DELIVRD ERR:0')).toEqual({
      id: 'X9', sub: 1, dlvrd: 1, submitDate: Date.UTC(2011, 2, 14, 18, 15, 34), doneDate: Date.UTC(2011, 2, 14, 18, 17, 41), stat: 'DELIVRD', err: '0',
    });
  });

  it('leaves out dates that are no dates', () => {
    expect(parseReceiptText('id:1 submit date:0000000000 done date:1013320000 stat:DELIVRD')).toEqual({ id: '1', stat: 'DELIVRD' });
  });

  it('prefers the receipted_message_id TLV and keeps the text id', () => {
    expect(receiptOf({ esm_class: 4, short_message: 'id:0059113978 stat:DELIVRD', receipted_message_id: '38601FA\0' })).toMatchObject({ messageId: '38601FA', textId: '0059113978' });
  });

  it('takes an intermediate notification (esm_class 0x20) as a receipt', () => {
    expect(receiptOf({ esm_class: 0x20, short_message: 'id:9 stat:ENROUTE' }).state).toBe('pending');
  });

  it.each([0x00, 0x08, 0x10, 0x40])('answers not-receipt for esm_class %i', (esm) => {
    expect(parseReceipt({ esm_class: esm, short_message: 'id:9 stat:DELIVRD' })).toEqual({ kind: 'not-receipt' });
  });

  it('gives the number as it came when the TON is not international', () => {
    expect(receiptOf({ esm_class: 4, source_addr_ton: 2, source_addr: '07700900123', short_message: 'id:1 stat:DELIVRD' }).recipient).toBe('07700900123');
  });
});

describe('the smpp package writes receipts as cloudhopper does (for the test SMSC)', () => {
  it('encodes encodeDeliverSmAsDeliveryReceipt byte for byte', () => {
    const c = pdus.encode.find((v) => v.test === 'encodeDeliverSmAsDeliveryReceipt');
    if (!c) throw new Error('no vector');
    const f = c.fields as { sequence_number: number; source_address: { ton: number; npi: number; address: string }; dest_address: { ton: number; npi: number; address: string }; esm_class: number; registered_delivery: number; data_coding: number; short_message: { hex: string } };
    const pdu = new PDU('deliver_sm', {
      sequence_number: f.sequence_number,
      source_addr_ton: f.source_address.ton, source_addr_npi: f.source_address.npi, source_addr: f.source_address.address,
      dest_addr_ton: f.dest_address.ton, dest_addr_npi: f.dest_address.npi, destination_addr: f.dest_address.address,
      esm_class: f.esm_class, registered_delivery: f.registered_delivery, data_coding: f.data_coding,
      short_message: Buffer.from(f.short_message.hex, 'hex'),
      source_network_type: 1, dest_network_type: 1, receipted_message_id: '38601fa', message_state: 2,
    });
    expect(pdu.toBuffer().toString('hex').toUpperCase()).toBe(c.hex);
  });
});

describe('parseReceipt on hostile bytes (found by the smpp-receipt fuzz target)', () => {
  it('ends a value at a control character and keeps the detail one printable line', () => {
    const result = parseReceipt({ esm_class: 0x04, source_addr: '447700900001', short_message: { message: Buffer.from('id:7 stat:UNDELIV\r\nX-Injected: 1\u0000\u001b err:0\u001a01 text:a\u0007b') } });
    expect(result).toMatchObject({ kind: 'receipt', receipt: { messageId: '7', state: 'failed', detail: 'stat:UNDELIV err:0' } });
    if (result.kind === 'receipt') expect(result.receipt.text.text).toBe('a b');
  });

  it('takes at most 64 characters of a value and of receipted_message_id', () => {
    const long = 'a'.repeat(200);
    const result = parseReceipt({ esm_class: 0x04, receipted_message_id: `${long}\u0000`, short_message: { message: Buffer.from(`id:${long} stat:${long}`) } });
    expect(result).toMatchObject({ kind: 'receipt', receipt: { messageId: 'a'.repeat(64), textId: 'a'.repeat(64), state: 'pending' } });
  });
});
