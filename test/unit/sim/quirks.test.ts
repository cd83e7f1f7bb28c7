/*
 * The simulated modem acting out a modem family's quirks (transports/sim/quirks.ts): each flag
 * of hardware/profiles, byte for byte, beside the standard device's answer to the same input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimDevice, type SimDeviceOptions } from '../../../src/transports/sim/device.js';
import { SLOW_PROMPT_DELAY_MS } from '../../../src/transports/sim/quirks.js';

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/modem-at/pdu-vectors.json'), 'utf8')) as {
  submit: { id: string; expected: { pdu_hex: string } }[];
};
/** ModemManager test_create_pdu_gsm_no_smsc: SMSC field 00, then a 52-octet SMS-SUBMIT. */
const GSM_NO_SMSC = vectors.submit.find((v) => v.id.endsWith('test_create_pdu_gsm_no_smsc'))!.expected.pdu_hex;
const TPDU_LENGTH = GSM_NO_SMSC.length / 2 - 1;
/** The same SMS-SUBMIT with TP-SRR set (first octet 0x31 instead of 0x11). */
const WITH_SRR = `0031${GSM_NO_SMSC.slice(4)}`;

/** A device after ATE0 and everything it says, as one string, with the delay of each chunk. */
function talk(options: SimDeviceOptions = {}) {
  const device = new SimDevice({ now: () => Date.UTC(2024, 0, 2, 3, 4, 5), ...options });
  let out = '';
  const chunks: { text: string; delayMs: number }[] = [];
  device.onOutput((o) => {
    const text = Buffer.from(o.bytes).toString('latin1');
    out += text;
    chunks.push({ text, delayMs: o.delayMs });
  });
  const say = (input: string): string => {
    out = '';
    chunks.length = 0;
    device.write(input);
    return out;
  };
  say('ATE0\r');
  return { device, say, chunks };
}

/** "+447785016005" (the device's default SMSC) in UCS2 hex, as Gammu's at-smsc/05.dump shows one. */
const SMSC_UCS2 = '002B' + '0034'.repeat(2) + '0037'.repeat(2) + '0038' + '0035' + '0030' + '0031' + '0036' + '0030'.repeat(2) + '0035';

describe('needsCscs: the TE character set until AT+CSCS="GSM"', () => {
  it('answers AT+CSCA? in UCS2 hex until AT+CSCS="GSM", and in GSM after', () => {
    const { say } = talk({ quirks: { needsCscs: true } });
    expect(say('AT+CSCS?\r')).toBe('\r\n+CSCS: "UCS2"\r\n\r\nOK\r\n');
    expect(say('AT+CSCA?\r')).toBe(`\r\n+CSCA: "${SMSC_UCS2}",145\r\n\r\nOK\r\n`);
    expect(say('AT+CSCS="GSM"\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CSCA?\r')).toBe('\r\n+CSCA: "+447785016005",145\r\n\r\nOK\r\n');
  });

  it('the standard device starts in GSM', () => {
    const { say } = talk();
    expect(say('AT+CSCS?\r')).toBe('\r\n+CSCS: "GSM"\r\n\r\nOK\r\n');
    expect(say('AT+CSCA?\r')).toBe('\r\n+CSCA: "+447785016005",145\r\n\r\nOK\r\n');
  });

  it('starts in the family charset given (IRA, as a SIM800 does), which shows digits as GSM does', () => {
    const { say } = talk({ quirks: { needsCscs: true, charset: 'IRA' } });
    expect(say('AT+CSCS?\r')).toBe('\r\n+CSCS: "IRA"\r\n\r\nOK\r\n');
    expect(say('AT+CSCA?\r')).toBe('\r\n+CSCA: "+447785016005",145\r\n\r\nOK\r\n');
  });

  it('goes back to its own charset on AT+CFUN=1,1, and takes AT+CSCA= typed in UCS2', () => {
    const { say } = talk({ quirks: { needsCscs: true } });
    say('AT+CSCS="GSM"\r');
    say('AT+CFUN=1,1\r');
    say('ATE0\r');
    expect(say('AT+CSCS?\r')).toBe('\r\n+CSCS: "UCS2"\r\n\r\nOK\r\n');
    expect(say('AT+CSCA="002B0034003400370037003000300039003000300030"\r')).toBe('\r\nOK\r\n');
    say('AT+CSCS="GSM"\r');
    expect(say('AT+CSCA?\r')).toBe('\r\n+CSCA: "+4477009000",145\r\n\r\nOK\r\n');
  });
});

describe('noCds: no status report ever', () => {
  it('sends no +CDS for a send with TP-SRR and AT+CNMI <ds>=1, where the standard device does', () => {
    for (const noCds of [false, true]) {
      const { say } = talk({ faults: ['status-report'], quirks: { noCds } });
      say('AT+CNMI=2,1,0,1,0\r');
      const out = say(`AT+CMGS=${TPDU_LENGTH}\r${WITH_SRR}\x1a`);
      expect(out.startsWith('\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n')).toBe(true);
      expect(out.includes('+CDS:')).toBe(!noCds);
    }
  });

  it('stores none either (+CDSI)', () => {
    const { say } = talk({ faults: ['status-report-stored'], quirks: { noCds: true } });
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r${WITH_SRR}\x1a`)).toBe('\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n');
  });
});

describe('slowPrompt: the "> " comes late', () => {
  it('delays the prompt by promptDelayMs on top of the latency', () => {
    const { say, chunks } = talk({ latencyMs: 5, quirks: { slowPrompt: true, promptDelayMs: 1_234 } });
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r`)).toBe('\r\n> ');
    expect(chunks).toEqual([{ text: '\r\n> ', delayMs: 1_239 }]);
    say(`${GSM_NO_SMSC}\x1a`);
    expect(chunks).toEqual([{ text: '\r\n+CMGS: 0\r\n\r\nOK\r\n', delayMs: 5 }]);
  });

  it('waits SLOW_PROMPT_DELAY_MS (8 s: past the standard 5 s prompt wait, inside the 20 s a slowPrompt profile gets) by default', () => {
    expect(SLOW_PROMPT_DELAY_MS).toBe(8_000);
    const { say, chunks } = talk({ quirks: { slowPrompt: true } });
    say(`AT+CMGS=${TPDU_LENGTH}\r`);
    expect(chunks).toEqual([{ text: '\r\n> ', delayMs: 8_000 }]);
  });

  it('the standard device prompts at once', () => {
    const { say, chunks } = talk();
    say(`AT+CMGS=${TPDU_LENGTH}\r`);
    expect(chunks).toEqual([{ text: '\r\n> ', delayMs: 0 }]);
  });
});

describe('cmgsCountsSmsc: AT+CMGS=<n> counts the SMSC field too', () => {
  it('refuses the standard length (TPDU only) with +CMS ERROR: 304 and takes the length with the SMSC octet', () => {
    const { say, device } = talk({ quirks: { cmgsCountsSmsc: true } });
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r${GSM_NO_SMSC}\x1a`)).toBe('\r\n> \r\n+CMS ERROR: 304\r\n');
    expect(say(`AT+CMGS=${TPDU_LENGTH + 1}\r${GSM_NO_SMSC}\x1a`)).toBe('\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n');
    expect(device.received().map((r) => r.length)).toEqual([TPDU_LENGTH + 1]);
  });

  it('the standard device does the opposite', () => {
    const { say } = talk();
    expect(say(`AT+CMGS=${TPDU_LENGTH + 1}\r${GSM_NO_SMSC}\x1a`)).toBe('\r\n> \r\n+CMS ERROR: 304\r\n');
    expect(say(`AT+CMGS=${TPDU_LENGTH}\r${GSM_NO_SMSC}\x1a`)).toBe('\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n');
  });
});

describe('noCmms: AT+CMMS answers ERROR', () => {
  it('answers a plain ERROR to setting and reading it, also under AT+CMEE=1', () => {
    const { say } = talk({ quirks: { noCmms: true } });
    say('AT+CMEE=1\r');
    expect(say('AT+CMMS=2\r')).toBe('\r\nERROR\r\n');
    expect(say('AT+CMMS?\r')).toBe('\r\nERROR\r\n');
  });
});

describe('cpinWithoutOk: +CPIN: and no final result', () => {
  it('ends AT+CPIN? with the +CPIN line, locked and unlocked alike (Wavecom)', () => {
    const { say } = talk({ pin: '1234', quirks: { cpinWithoutOk: true } });
    expect(say('AT+CPIN?\r')).toBe('\r\n+CPIN: SIM PIN\r\n');
    expect(say('AT+CPIN="1234"\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CPIN?\r')).toBe('\r\n+CPIN: READY\r\n');
  });

  it('the standard device ends it with OK', () => {
    expect(talk().say('AT+CPIN?\r')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n');
  });
});

describe('finalErrors: the firmware its own error line', () => {
  it('ends an unknown command with the first finalErrors line, whatever AT+CMEE says (Huawei E1752)', () => {
    const { say } = talk({ quirks: { finalErrors: ['COMMAND NOT SUPPORT'] } });
    expect(say('AT+WIND?\r')).toBe('\r\nCOMMAND NOT SUPPORT\r\n');
    say('AT+CMEE=1\r');
    expect(say('AT+WIND?\r')).toBe('\r\nCOMMAND NOT SUPPORT\r\n');
    expect(say('AT+CSQ\r')).toBe('\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
  });
});

describe('cnmi: one AT+CNMI setting only', () => {
  it('answers the standard 2,1,0,1,0 with +CMS ERROR: 303 and takes its own', () => {
    const { say } = talk({ quirks: { cnmi: '2,1,0,2,0' } });
    say('AT+CMEE=1\r');
    expect(say('AT+CNMI=2,1,0,1,0\r')).toBe('\r\n+CMS ERROR: 303\r\n');
    expect(say('AT+CNMI?\r')).toBe('\r\n+CNMI: 0,0,0,0,0\r\n\r\nOK\r\n');
    expect(say('AT+CNMI=2,1,0,2,0\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CNMI?\r')).toBe('\r\n+CNMI: 2,1,0,2,0\r\n\r\nOK\r\n');
  });
});

describe('vendorCommands: the family knows its own commands', () => {
  it('answers them OK, in any case, where the standard device answers ERROR', () => {
    const { say } = talk({ quirks: { vendorCommands: ['AT^CURC=0'] } });
    expect(say('AT^CURC=0\r')).toBe('\r\nOK\r\n');
    expect(say('at^curc=0\r')).toBe('\r\nOK\r\n');
    expect(say('AT^CURC=1\r')).toBe('\r\nERROR\r\n');
    expect(talk().say('AT^CURC=0\r')).toBe('\r\nERROR\r\n');
  });
});
