import { describe, expect, it } from 'vitest';
import { SimDevice } from '../../../src/transports/sim/device.js';

/** A device with echo off, and everything it says to one line. */
function talk() {
  const device = new SimDevice({ now: () => Date.UTC(2024, 0, 2, 3, 4, 5) });
  let out = '';
  device.onOutput((o) => (out += Buffer.from(o.bytes).toString('latin1')));
  const say = (input: string): string => {
    out = '';
    device.write(input);
    return out;
  };
  say('ATE0\r');
  return say;
}

describe('simulated modem answers the probes SMS daemons send', () => {
  it('reports the GSM character set and takes a new one, as gammu expects', () => {
    const say = talk();
    expect(say('AT+CSCS?\r')).toBe('\r\n+CSCS: "GSM"\r\n\r\nOK\r\n');
    expect(say('AT+CSCS=?\r')).toBe('\r\n+CSCS: ("GSM","IRA","UCS2")\r\n\r\nOK\r\n');
    expect(say('AT+CSCS="UCS2"\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CSCS="KOI8"\r')).toBe('\r\nERROR\r\n');
  });

  it('answers message storage queries with an empty SIM store of 30 places', () => {
    const say = talk();
    expect(say('AT+CPMS=?\r')).toBe('\r\n+CPMS: ("SM"),("SM"),("SM")\r\n\r\nOK\r\n');
    expect(say('AT+CPMS?\r')).toBe('\r\n+CPMS: "SM",0,30,"SM",0,30,"SM",0,30\r\n\r\nOK\r\n');
    expect(say('AT+CPMS="SM","SM"\r')).toBe('\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n');
    expect(say('AT+CMGL=4\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CMGL="ALL"\r')).toBe('\r\nOK\r\n');
  });

  it('answers reading or deleting a stored message with +CMS ERROR: 321 once AT+CMEE is set', () => {
    const say = talk();
    expect(say('AT+CMGR=1\r')).toBe('\r\nERROR\r\n');
    say('AT+CMEE=1\r');
    expect(say('AT+CMGR=1\r')).toBe('\r\n+CMS ERROR: 321\r\n');
    expect(say('AT+CMGD=1,0\r')).toBe('\r\n+CMS ERROR: 321\r\n');
    expect(say('AT+CPMS="ME"\r')).toBe('\r\n+CMS ERROR: 302\r\n');
  });

  it('answers service, indication and mode tests and the reset and ring settings', () => {
    const say = talk();
    expect(say('AT+CSMS?\r')).toBe('\r\n+CSMS: 0,1,1,1\r\n\r\nOK\r\n');
    expect(say('AT+CSMS=0\r')).toBe('\r\n+CSMS: 1,1,1\r\n\r\nOK\r\n');
    expect(say('AT+CNMI=?\r')).toBe('\r\n+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)\r\n\r\nOK\r\n');
    expect(say('AT+CMGF=?\r')).toBe('\r\n+CMGF: (0,1)\r\n\r\nOK\r\n');
    expect(say('AT&F\r')).toBe('\r\nOK\r\n');
    expect(say('ATS0?\r')).toBe('\r\n000\r\n\r\nOK\r\n');
    expect(say('AT+CLIP=1\r')).toBe('\r\nOK\r\n');
    expect(say('AT+CBC\r')).toBe('\r\n+CBC: 0,100\r\n\r\nOK\r\n');
  });
});
