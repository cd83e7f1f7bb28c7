import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimDevice, type SimDeviceOptions } from '../../../src/transports/sim/device.js';

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/modem-at/pdu-vectors.json'), 'utf8')) as {
  submit: { id: string; expected: { pdu_hex: string; tpdu_offset: number } }[];
};
/** ModemManager test_create_pdu_gsm_no_smsc: SMSC field 00, then a 52-octet SMS-SUBMIT. */
const GSM_NO_SMSC = vectors.submit.find((v) => v.id.endsWith('test_create_pdu_gsm_no_smsc'))!.expected.pdu_hex;
const TPDU_LENGTH = GSM_NO_SMSC.length / 2 - 1;

/** A device and everything it says, as one string. */
function talk(options: SimDeviceOptions = {}) {
  const device = new SimDevice({ now: () => Date.UTC(2024, 0, 2, 3, 4, 5), ...options });
  let out = '';
  device.onOutput((o) => (out += Buffer.from(o.bytes).toString('latin1')));
  return {
    device,
    say(input: string): string {
      out = '';
      device.write(input);
      return out;
    },
  };
}

describe('simulated modem conversation', () => {
  it('echoes commands until ATE0 and answers with \\r\\n framing', () => {
    const { say } = talk();
    expect(say('AT\r')).toBe('AT\r\r\nOK\r\n');
    expect(say('ATE0\r')).toBe('ATE0\r\r\nOK\r\n');
    expect(say('AT\r')).toBe('\r\nOK\r\n');
    expect(say('ATE1\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CSQ\r')).toBe('AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
  });

  it('answers identity, SMSC, registration and operator queries', () => {
    const { say } = talk();
    say('ATE0\r');
    expect(say('AT+CGMI\r')).toBe('\r\nmail2sms\r\n\r\nOK\r\n');
    expect(say('AT+CGSN\r')).toBe('\r\n356938035643809\r\n\r\nOK\r\n');
    expect(say('AT+CIMI\r')).toBe('\r\n001010123456789\r\n\r\nOK\r\n');
    expect(say('AT+CCID\r')).toBe('\r\n+CCID: 8988211000000000001\r\n\r\nOK\r\n');
    expect(say('AT+CSCA?\r')).toBe('\r\n+CSCA: "+447785016005",145\r\n\r\nOK\r\n');
    expect(say('AT+CREG?\r')).toBe('\r\n+CREG: 0,1\r\n\r\nOK\r\n');
    expect(say('AT+CEREG?\r')).toBe('\r\n+CEREG: 0,1\r\n\r\nOK\r\n');
    expect(say('AT+COPS?\r')).toBe('\r\n+COPS: 0,0,"SIMNET",7\r\n\r\nOK\r\n');
    expect(say('AT+CMMS=2\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CMMS?\r')).toBe('\r\n+CMMS: 2\r\n\r\nOK\r\n');
  });

  it('answers an unknown command with ERROR, or +CME ERROR after AT+CMEE', () => {
    const { say } = talk();
    say('ATE0\r');
    expect(say('AT+BOGUS\r')).toBe('\r\nERROR\r\n');
    say('AT+CMEE=1\r');
    expect(say('AT+BOGUS\r')).toBe('\r\n+CME ERROR: 4\r\n');
    say('AT+CMEE=2\r');
    expect(say('AT+BOGUS\r')).toBe('\r\n+CME ERROR: operation not supported\r\n');
  });

  it('asks for the PIN, refuses a wrong one and opens with the right one', () => {
    const { say } = talk({ pin: '1234' });
    say('ATE0\r');
    say('AT+CMEE=1\r');
    say('AT+CREG=1\r');
    expect(say('AT+CPIN?\r')).toBe('\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n');
    expect(say('AT+CREG?\r')).toBe('\r\n+CREG: 1,0\r\n\r\nOK\r\n');
    expect(say('AT+CMGS=10\r')).toBe('\r\n+CMS ERROR: 311\r\n');
    expect(say('AT+CPIN="0000"\r')).toBe('\r\n+CME ERROR: 16\r\n');
    expect(say('AT+CPIN="1234"\r')).toBe('\r\nOK\r\n\r\n+CREG: 1\r\n');
    expect(say('AT+CPIN?\r')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n');
  });

  it('locks the SIM behind the PUK after three wrong PINs', () => {
    const { say } = talk({ pin: '1234' });
    say('ATE0\r');
    say('AT+CMEE=1\r');
    for (let i = 0; i < 3; i++) say('AT+CPIN="9999"\r');
    expect(say('AT+CPIN?\r')).toBe('\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n');
    expect(say('AT+CPIN="1234"\r')).toBe('\r\n+CME ERROR: 12\r\n');
  });

  it('restarts on AT+CFUN=1,1 with echo on again', () => {
    const { say } = talk();
    say('ATE0\r');
    expect(say('AT+CFUN=1,1\r')).toBe('\r\nOK\r\n');
    expect(say('AT\r')).toBe('AT\r\r\nOK\r\n');
  });
});

describe('simulated modem AT+CMGS (TS 27.005 §3.5.1)', () => {
  it('prompts, takes the PDU up to Ctrl-Z and answers +CMGS with counting references', () => {
    const { device, say } = talk();
    say('ATE0\r');
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r`)).toBe('\r\n> ');
    expect(say(`${GSM_NO_SMSC}\x1a`)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    say(`AT+CMGS=${TPDU_LENGTH}\r`);
    expect(say(`${GSM_NO_SMSC}\x1a`)).toBe('\r\n+CMGS: 1\r\n\r\nOK\r\n');
    expect(device.received()).toHaveLength(2);
    expect(device.received()[0]).toEqual({
      at: Date.UTC(2024, 0, 2, 3, 4, 5), smscHex: '00', tpduHex: GSM_NO_SMSC.slice(2), length: TPDU_LENGTH, mr: 0,
    });
  });

  it('keeps only the newest keepReceived SMS, so a sim left running for weeks does not grow', () => {
    const { device, say } = talk({ keepReceived: 3 });
    say('ATE0\r');
    for (let i = 0; i < 5; i += 1) {
      say(`AT+CMGS=${TPDU_LENGTH}\r`);
      say(`${GSM_NO_SMSC}\x1a`);
    }
    expect(device.received().map((r) => r.mr)).toEqual([2, 3, 4]);
  });

  it('reads the SMSC length octet and counts only the TPDU (ModemManager vector with SMSC)', () => {
    const { device, say } = talk();
    say('ATE0\r');
    const withSmsc = vectors.submit.find((v) => v.id.endsWith('test_create_pdu_gsm_with_smsc'))!.expected;
    say(`AT+CMGS=${withSmsc.pdu_hex.length / 2 - withSmsc.tpdu_offset}\r`);
    expect(say(`${withSmsc.pdu_hex}\x1a`)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    expect(device.received()[0]!.smscHex).toBe(withSmsc.pdu_hex.slice(0, withSmsc.tpdu_offset * 2));
  });

  it('wraps the message reference from 255 to 0', () => {
    const { device, say } = talk();
    say('ATE0\r');
    for (let i = 0; i < 257; i++) say(`AT+CMGS=${TPDU_LENGTH}\r${GSM_NO_SMSC}\x1a`);
    expect(device.received().map((r) => r.mr).slice(254)).toEqual([254, 255, 0]);
  });

  it('answers +CMS ERROR: 304 for a wrong length, bad hex or a TPDU that is no SMS-SUBMIT', () => {
    const { device, say } = talk();
    say('ATE0\r');
    say(`AT+CMGS=${TPDU_LENGTH + 1}\r`);
    expect(say(`${GSM_NO_SMSC}\x1a`)).toBe('\r\n+CMS ERROR: 304\r\n');
    say(`AT+CMGS=${TPDU_LENGTH}\r`);
    expect(say(`${GSM_NO_SMSC.slice(0, -1)}G\x1a`)).toBe('\r\n+CMS ERROR: 304\r\n');
    say(`AT+CMGS=${TPDU_LENGTH}\r`);
    expect(say(`0004${GSM_NO_SMSC.slice(4)}\x1a`)).toBe('\r\n+CMS ERROR: 304\r\n');
    expect(device.received()).toHaveLength(0);
  });

  it('aborts the send on ESC and answers OK', () => {
    const { device, say } = talk();
    say('ATE0\r');
    say(`AT+CMGS=${TPDU_LENGTH}\r`);
    expect(say(`${GSM_NO_SMSC.slice(0, 20)}\x1b`)).toBe('\r\nOK\r\n');
    expect(say('AT\r')).toBe('\r\nOK\r\n');
    expect(device.received()).toHaveLength(0);
  });

  it('answers +CMS ERROR: 331 when not registered', () => {
    const { say } = talk({ registration: 2 });
    say('ATE0\r');
    say(`AT+CMGS=${TPDU_LENGTH}\r`);
    expect(say(`${GSM_NO_SMSC}\x1a`)).toBe('\r\n+CMS ERROR: 331\r\n');
  });
});

describe('simulated modem faults', () => {
  it('cms-error:N answers the next send with +CMS ERROR: N, then sends normally', () => {
    const { say } = talk({ faults: ['cms-error:332'] });
    say('ATE0\r');
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r${GSM_NO_SMSC}\x1a`)).toBe('\r\n> \r\n+CMS ERROR: 332\r\n');
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r${GSM_NO_SMSC}\x1a`)).toBe('\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n');
  });

  it('hang-after-prompt takes the PDU and never answers, then serves the next command', () => {
    const { device, say } = talk({ faults: ['hang-after-prompt'] });
    say('ATE0\r');
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r${GSM_NO_SMSC}\x1a`)).toBe('\r\n> ');
    expect(device.received()).toHaveLength(1);
    expect(say('AT\r')).toBe('\r\nOK\r\n');
  });

  it('no-prompt leaves AT+CMGS unanswered and ignores the ESC that follows', () => {
    const { say } = talk({ faults: ['no-prompt'] });
    say('ATE0\r');
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r`)).toBe('');
    expect(say('\x1b')).toBe('');
    expect(say('AT\r')).toBe('\r\nOK\r\n');
  });

  it('no-answer keeps the device silent until the fault is cleared', () => {
    const { device, say } = talk({ faults: ['no-answer'] });
    expect(say('AT\r')).toBe('');
    device.clearFault('no-answer');
    expect(say('AT\r')).toBe('AT\r\r\nOK\r\n');
  });

  it('status-report sends +CDS with an SMS-STATUS-REPORT for a send that asked for one', () => {
    const delays: number[] = [];
    const { device, say } = talk({ faults: ['status-report'], statusReportDelayMs: 70 });
    device.onOutput((o) => delays.push(o.delayMs));
    say('ATE0\r');
    say('AT+CNMI=2,1,0,1,0\r');
    // TP-SRR set: first octet 0x31 instead of 0x11.
    const srr = `0031${GSM_NO_SMSC.slice(4)}`;
    const out = say(`AT+CMGS=${TPDU_LENGTH}\r${srr}\x1a`);
    expect(out).toBe(
      '\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n' +
        '\r\n+CDS: 25\r\n0791447758100650' + '0600' + '0B915155551532F4' + '42102030405000'.repeat(2) + '00\r\n',
    );
    expect(delays.at(-1)).toBe(70);
  });

  it('status-report stays quiet for a send without TP-SRR', () => {
    const { say } = talk({ faults: ['status-report'] });
    say('ATE0\r');
    say('AT+CNMI=2,1,0,1,0\r');
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r${GSM_NO_SMSC}\x1a`)).toBe('\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n');
  });

  it('sends an injected URC and a +CREG URC on a registration change', () => {
    const { device, say } = talk();
    say('ATE0\r');
    say('AT+CREG=1\r');
    let out = '';
    device.onOutput((o) => (out += Buffer.from(o.bytes).toString('latin1')));
    device.setRegistration(2);
    device.inject('+CMTI: "SM",1');
    expect(out).toBe('\r\n+CREG: 2\r\n\r\n+CMTI: "SM",1\r\n');
  });
});

describe('hand-built SMS-STATUS-REPORT (TS 23.040 §9.2.2.3)', async () => {
  const { buildStatusReport, encodeAddressField } = await import('../../../src/transports/sim/sim-pdu.js');
  const reports = (JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/modem-at/pdu-vectors.json'), 'utf8')) as {
    status_report: { id: string; pdu_hex: string; expected: { message_reference: number; address: string } }[];
  }).status_report;
  it.each(reports)('lays out first octet, TP-MR and TP-RA as oFono $id does', (v) => {
    const ours = buildStatusReport(v.expected.message_reference, encodeAddressField(v.expected.address), 0, 0);
    const head = 4 + encodeAddressField(v.expected.address).length;
    expect(ours.slice(0, head)).toBe(v.pdu_hex.slice(0, head));
    expect(ours.length).toBe(v.pdu_hex.length);
  });
});
