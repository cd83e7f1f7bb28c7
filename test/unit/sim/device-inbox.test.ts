/*
 * The simulated modem's received SMS (SPEC 10, issue 14): the SIM store read with AT+CMGR /
 * AT+CMGL and emptied with AT+CMGD, +CMTI and +CMT by AT+CNMI <mt>, AT+CNMA, a full store whose
 * SMS the network holds back. The PDUs are read back with node-pdu, a decoder we did not write.
 */
import { Deliver, parse } from 'node-pdu';
import { describe, expect, it } from 'vitest';
import { buildSubmitTpdu } from '../../../src/encode/index.js';
import { SimDevice, type SimDeviceOptions } from '../../../src/transports/sim/device.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);
const SMSC_FIELD = '0791447758100650'; // +447785016005, the device's default SMSC

function talk(options: SimDeviceOptions = {}, cnmi = '2,1,0,1,0') {
  let clock = T0;
  const device = new SimDevice({ now: () => clock, ...options });
  let out = '';
  device.onOutput((o) => (out += Buffer.from(o.bytes).toString('latin1')));
  const say = (input: string): string => {
    out = '';
    device.write(input);
    return out;
  };
  say('ATE0\r');
  say('AT+CMEE=1\r');
  say(`AT+CNMI=${cnmi}\r`);
  out = '';
  return {
    device,
    say,
    /** What the device said since the last call. */
    heard(): string {
      const text = out;
      out = '';
      return text;
    },
    advance(ms: number): void {
      clock += ms;
    },
  };
}

/** Text of an SMS-DELIVER TPDU (no SMSC field) as node-pdu reads it. */
function readBack(tpdu: string): { from: string; text: string; dcs: number; part?: { ref: number; total: number; seq: number } } {
  const pdu = parse(`00${tpdu}`);
  if (!(pdu instanceof Deliver)) throw new Error('not an SMS-DELIVER');
  const header = pdu.data.parts[0]?.header;
  return {
    from: `${pdu.address.type.getValue() === 0x91 ? '+' : ''}${pdu.address.phone ?? ''}`,
    text: pdu.data.getText(),
    dcs: pdu.dataCodingScheme.getValue(),
    ...(header ? { part: { ref: header.getPointer() ?? -1, total: header.getSegments() ?? -1, seq: header.getCurrent() ?? -1 } } : {}),
  };
}

describe('simulated modem: received SMS in the SIM store', () => {
  it('stores an SMS and announces +CMTI; AT+CMGR reads it unread then read; AT+CMGD deletes it', () => {
    const { device, say, heard } = talk();
    const [tpdu] = device.deliverMo({ from: '+447700900123', text: 'ack 42' });
    expect(heard()).toBe('\r\n+CMTI: "SM",0\r\n');
    expect(say('AT+CPMS?\r')).toBe('\r\n+CPMS: "SM",1,30,"SM",1,30,"SM",1,30\r\n\r\nOK\r\n');
    const length = tpdu!.length / 2;
    expect(say('AT+CMGR=0\r')).toBe(`\r\n+CMGR: 0,,${length}\r\n${SMSC_FIELD}${tpdu}\r\n\r\nOK\r\n`);
    expect(say('AT+CMGR=0\r')).toBe(`\r\n+CMGR: 1,,${length}\r\n${SMSC_FIELD}${tpdu}\r\n\r\nOK\r\n`);
    expect(readBack(tpdu!)).toEqual({ from: '+447700900123', text: 'ack 42', dcs: 0 });
    expect(say('AT+CMGD=0\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CMGR=0\r')).toBe('\r\n+CMS ERROR: 321\r\n');
    expect(say('AT+CMGD=0\r')).toBe('\r\n+CMS ERROR: 321\r\n');
    expect(device.stored()).toEqual([]);
    expect(say('AT+CPMS="SM","SM","SM"\r')).toBe('\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n');
  });

  it('stores without a word with AT+CNMI <mt> 0', () => {
    const { device, heard } = talk({}, '2,0,0,1,0');
    device.deliverMo({ from: '+447700900123', text: 'quiet' });
    expect(heard()).toBe('');
    expect(device.stored().map((e) => e.index)).toEqual([0]);
  });

  it('lists every message with AT+CMGL=4 in the TS 27.005 list format, status reports with the SMS, and marks them read', () => {
    const { device, say, heard } = talk({ faults: ['status-report-stored'] });
    const [first] = device.deliverMo({ from: '+447700900123', text: 'one' });
    // A send asking for a status report: the report lands in the same store.
    const submit = buildSubmitTpdu({ destination: '+447700900123', encoding: 'gsm7', text: 'hi', statusReport: true });
    say(`AT+CMGS=${submit.length}\r`);
    say(`00${submit.hex}\x1a`);
    const [second] = device.deliverMo({ from: '447700900124', text: 'two' });
    heard();
    const stored = device.stored();
    expect(stored.map((e) => e.index)).toEqual([0, 1, 2]);
    const report = stored[1]!.pdu;
    expect(report.slice(SMSC_FIELD.length, SMSC_FIELD.length + 2)).toBe('06'); // SMS-STATUS-REPORT
    expect(say('AT+CMGL=0\r')).toBe(
      `\r\n+CMGL: 0,0,,${first!.length / 2}\r\n${SMSC_FIELD}${first}\r\n` +
        `+CMGL: 1,0,,${report.length / 2 - 8}\r\n${report}\r\n` +
        `+CMGL: 2,0,,${second!.length / 2}\r\n${SMSC_FIELD}${second}\r\n\r\nOK\r\n`,
    );
    expect(say('AT+CMGL=0\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CMGL=4\r')).toMatch(/^\r\n\+CMGL: 0,1,,\d+\r\n[0-9A-F]+\r\n\+CMGL: 1,1,,\d+\r\n[0-9A-F]+\r\n\+CMGL: 2,1,,\d+\r\n[0-9A-F]+\r\n\r\nOK\r\n$/);
    expect(readBack(second!).from).toBe('447700900124');
    expect(say('AT+CMGD=0,4\r')).toBe('\r\nOK\r\n');
    expect(device.stored()).toEqual([]);
  });

  it('AT+CMGD=<i>,1 deletes the read messages only', () => {
    const { device, say } = talk();
    device.deliverMo({ from: '+447700900123', text: 'read me' });
    device.deliverMo({ from: '+447700900123', text: 'leave me' });
    say('AT+CMGR=0\r');
    expect(say('AT+CMGD=0,1\r')).toBe('\r\nOK\r\n');
    expect(device.stored().map((e) => [e.index, e.stat])).toEqual([[1, 0]]);
  });

  it('hands an SMS over directly with +CMT: ,<length> and the PDU under AT+CNMI <mt> 2, storing nothing', () => {
    const { device, heard } = talk({}, '2,2,0,1,0');
    const [tpdu] = device.deliverMo({ from: '+447700900123', text: 'direct' });
    expect(heard()).toBe(`\r\n+CMT: ,${tpdu!.length / 2}\r\n${SMSC_FIELD}${tpdu}\r\n`);
    expect(device.stored()).toEqual([]);
  });

  it('cnma: waits for AT+CNMA after each +CMT before the next, and refuses an AT+CNMA nothing waits for', () => {
    const { device, say, heard } = talk({ quirks: { cnma: true } }, '2,2,0,1,0');
    device.deliverMo({ from: '+447700900123', text: 'first' });
    device.deliverMo({ from: '+447700900123', text: 'second' });
    expect(heard().match(/\+CMT:/g)).toHaveLength(1);
    expect(device.heldByNetwork()).toBe(2);
    const ack = say('AT+CNMA\r');
    expect(ack.startsWith('\r\nOK\r\n')).toBe(true);
    expect(ack.match(/\+CMT:/g)).toHaveLength(1);
    expect(say('AT+CNMA\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CNMA\r')).toBe('\r\n+CMS ERROR: 340\r\n');
    expect(device.heldByNetwork()).toBe(0);
  });

  it('cnma: no AT+CNMA in time turns routing off and the network sends again, stored unannounced', () => {
    const { device, say, heard, advance } = talk({ quirks: { cnma: true }, ackTimeoutMs: 1_000 }, '2,2,0,1,0');
    const [tpdu] = device.deliverMo({ from: '+447700900123', text: 'ack me' });
    heard();
    advance(999);
    device.tick();
    expect(device.stored()).toEqual([]);
    advance(1);
    device.tick();
    expect(heard()).toBe('');
    expect(say('AT+CNMI?\r')).toBe('\r\n+CNMI: 2,0,0,0,0\r\n\r\nOK\r\n');
    expect(device.stored().map((e) => e.pdu)).toEqual([`${SMSC_FIELD}${tpdu}`]);
  });

  it('a full store: the network holds what comes, in order, and hands each over as a place frees up', () => {
    const { device, say, heard } = talk({ storeCapacity: 2 });
    for (const text of ['a', 'b', 'c', 'd']) device.deliverMo({ from: '+447700900123', text });
    expect(heard()).toBe('\r\n+CMTI: "SM",0\r\n\r\n+CMTI: "SM",1\r\n');
    expect(device.heldByNetwork()).toBe(2);
    expect(say('AT+CPMS?\r')).toBe('\r\n+CPMS: "SM",2,2,"SM",2,2,"SM",2,2\r\n\r\nOK\r\n');
    expect(say('AT+CMGD=0\r')).toBe('\r\nOK\r\n\r\n+CMTI: "SM",0\r\n');
    expect(say('AT+CMGD=1\r')).toBe('\r\nOK\r\n\r\n+CMTI: "SM",1\r\n');
    expect(device.heldByNetwork()).toBe(0);
    const texts = device.stored().map((e) => readBack(e.pdu.slice(SMSC_FIELD.length)).text);
    expect(texts).toEqual(['c', 'd']);
  });

  it('keeps the SIM store over a power cycle (AT+CFUN=1,1)', () => {
    const { device, say } = talk();
    device.deliverMo({ from: '+447700900123', text: 'survives' });
    say('AT+CFUN=1,1\r');
    expect(device.stored()).toHaveLength(1);
    expect(say('AT+CPMS?\r')).toContain('"SM",1,30');
  });

  it('cuts a long UCS-2 text with emoji into parts with one 8-bit reference that read back as the text', () => {
    const { device, heard } = talk();
    const text = 'Réponse 😀 '.repeat(10);
    const tpdus = device.deliverMo({ from: '+33612345678', text, ref: 77 });
    expect(tpdus.length).toBeGreaterThan(1);
    expect(heard().match(/\+CMTI: "SM",\d+/g)).toHaveLength(tpdus.length);
    const parts = tpdus.map(readBack);
    expect(parts.map((p) => p.dcs)).toEqual(tpdus.map(() => 8));
    expect(parts.map((p) => p.part)).toEqual(tpdus.map((_, i) => ({ ref: 77, total: tpdus.length, seq: i + 1 })));
    expect(parts.map((p) => p.text).join('')).toBe(text);
    // No surrogate pair is cut: every part decodes to whole code points.
    for (const p of parts) expect(p.text.endsWith('\ud83d')).toBe(false);
  });

  it('packs GSM 7-bit text with extension characters, long ones in parts', () => {
    const { device } = talk();
    const text = 'Load {high} [db1] ~ 95% | €5 ^ \\ '.repeat(6);
    const tpdus = device.deliverMo({ from: '+447700900123', text });
    expect(tpdus.length).toBe(2);
    expect(tpdus.map(readBack).map((p) => p.text).join('')).toBe(text);
    expect(readBack(tpdus[0]!).dcs).toBe(0);
  });

  it('gives an alphanumeric sender as TON 5 and a flash SMS as class 0', () => {
    const { device } = talk();
    const [tpdu] = device.deliverMo({ from: 'Alerts', text: 'flash', flash: true });
    const read = readBack(tpdu!);
    expect(read.from).toBe('Alerts');
    expect(read.dcs).toBe(0x10);
    expect(() => device.deliverMo({ from: 'a sender name too long', text: 'x' })).toThrow(/alphanumeric sender/);
  });
});
