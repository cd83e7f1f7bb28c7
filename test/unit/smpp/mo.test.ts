/*
 * An SMS from a phone on an SMPP bind (issue 14 item 3): a deliver_sm is written to octets by
 * the `smpp` package, read back by it as the session reads it, and turned into a received part.
 */
import { PDU } from 'smpp';
import { describe, expect, it } from 'vitest';
import { receivedOfDeliverSm } from '../../../src/transports/smpp/mo.js';

/** The deliver_sm as the session gets it: through the package's encoder and decoder. */
function onTheWire(fields: Record<string, unknown>): Record<string, unknown> {
  const buffer = new PDU('deliver_sm', { sequence_number: 7, ...fields }).toBuffer();
  const read = PDU.fromBuffer(buffer);
  if (read === false) throw new Error('the package could not read its own deliver_sm');
  return read as unknown as Record<string, unknown>;
}

const septets = (...codes: number[]): Buffer => Buffer.from(codes);

describe('a mobile-originated deliver_sm becomes a received part', () => {
  it('GSM text (data_coding 0, one septet per octet) with @, € and [ reads as the GSM table says', () => {
    // 'ack @ 5€ [x]': @ is 0x00, € is ESC 0x65, [ is ESC 0x3C, ] is ESC 0x3E.
    const octets = septets(0x61, 0x63, 0x6b, 0x20, 0x00, 0x20, 0x35, 0x1b, 0x65, 0x20, 0x1b, 0x3c, 0x78, 0x1b, 0x3e);
    const r = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr_npi: 1, source_addr: '41791234567', data_coding: 0, short_message: octets }));
    expect(r).toMatchObject({ ok: true, part: { from: '+41791234567', fromKind: 'international', encoding: 'gsm7', text: 'ack @ 5€ [x]' } });
    if (r.ok) expect(r.part.raw).toContain(octets.toString('hex').toUpperCase());
  });

  it('UCS-2 (data_coding 8) keeps a surrogate pair whole', () => {
    const text = 'OK 👍 日本';
    const r = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr: '819012345678', data_coding: 8, short_message: Buffer.from(text, 'utf16le').swap16() }));
    expect(r).toMatchObject({ ok: true, part: { encoding: 'ucs2', text } });
  });

  it('an 8-bit reference UDH (esm_class 0x40) gives the part its place', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0xa7, 0x02, 0x01]);
    const r = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr: '41791234567', esm_class: 0x40, data_coding: 0, short_message: Buffer.concat([udh, septets(0x68, 0x69)]) }));
    expect(r).toMatchObject({ ok: true, part: { text: 'hi', concat: { ref: 0xa7, total: 2, seq: 1, refBits: 8 } } });
  });

  it('a 16-bit reference UDH, and SAR TLVs, give a 16-bit reference', () => {
    const udh = Buffer.from([0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x03]);
    const byUdh = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr: '41791234567', esm_class: 0x40, data_coding: 8, short_message: Buffer.concat([udh, Buffer.from([0x00, 0x41])]) }));
    expect(byUdh).toMatchObject({ ok: true, part: { text: 'A', encoding: 'ucs2', concat: { ref: 0x1234, total: 3, seq: 3, refBits: 16 } } });
    const bySar = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr: '41791234567', data_coding: 0, short_message: septets(0x41), sar_msg_ref_num: 513, sar_total_segments: 2, sar_segment_seqnum: 2 }));
    expect(bySar).toMatchObject({ ok: true, part: { text: 'A', concat: { ref: 513, total: 2, seq: 2, refBits: 16 } } });
  });

  it('a long text in message_payload is read when short_message is empty', () => {
    const long = 'x'.repeat(300);
    const r = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr: '41791234567', data_coding: 0, short_message: Buffer.alloc(0), message_payload: Buffer.from(long, 'latin1') }));
    expect(r).toMatchObject({ ok: true, part: { text: long } });
  });

  it('an alphanumeric sender (TON 5) is a name; a national number (TON 0) stays as given', () => {
    expect(receivedOfDeliverSm(onTheWire({ source_addr_ton: 5, source_addr: 'ACME Bank', data_coding: 0, short_message: septets(0x68, 0x69) })))
      .toMatchObject({ ok: true, part: { from: 'ACME Bank', fromKind: 'alphanumeric' } });
    expect(receivedOfDeliverSm(onTheWire({ source_addr_ton: 2, source_addr: '0791234567', data_coding: 0, short_message: septets(0x68, 0x69) })))
      .toMatchObject({ ok: true, part: { from: '0791234567', fromKind: 'national' } });
  });

  it('IA5, Latin-1, 8-bit data and a class 0 (flash) coding', () => {
    const ia5 = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr: '41791234567', data_coding: 1, short_message: Buffer.from('a@b_c', 'latin1') }));
    expect(ia5).toMatchObject({ ok: true, part: { text: 'a@b_c' } });
    const latin1 = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr: '41791234567', data_coding: 3, short_message: Buffer.from('Grüße', 'latin1') }));
    expect(latin1).toMatchObject({ ok: true, part: { text: 'Grüße' } });
    const binary = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr: '41791234567', data_coding: 4, short_message: Buffer.from([0xde, 0xad, 0x00, 0xff]) }));
    expect(binary).toMatchObject({ ok: true, part: { encoding: 'binary', text: '', dataHex: 'DEAD00FF' } });
    const flash = receivedOfDeliverSm(onTheWire({ source_addr_ton: 1, source_addr: '41791234567', data_coding: 0x10, short_message: septets(0x68, 0x69) }));
    expect(flash).toMatchObject({ ok: true, part: { text: 'hi', flash: true } });
    expect(ia5.ok && ia5.part.flash).toBeFalsy();
  });

  it('the same deliver_sm twice has the same raw; another text or sender does not', () => {
    const fields = { source_addr_ton: 1, source_addr: '41791234567', data_coding: 0, short_message: septets(0x61, 0x63, 0x6b) };
    const raw = (f: Record<string, unknown>): string | undefined => {
      const r = receivedOfDeliverSm(onTheWire(f));
      return r.ok ? r.part.raw : undefined;
    };
    expect(raw(fields)).toBe(raw(fields));
    expect(raw({ ...fields, short_message: septets(0x61, 0x63) })).not.toBe(raw(fields));
    expect(raw({ ...fields, source_addr: '41791234568' })).not.toBe(raw(fields));
  });

  it('a deliver_sm without a source address is not a part, and says why', () => {
    expect(receivedOfDeliverSm(onTheWire({ source_addr: '', data_coding: 0, short_message: septets(0x68) }))).toEqual({ ok: false, reason: 'it has no source_addr' });
  });
});
