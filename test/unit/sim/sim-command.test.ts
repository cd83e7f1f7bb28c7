/*
 * `mail2sms sim` options (cli/commands/sim.ts): --profile makes the device pass for a shipped
 * family, next to --fault; a name that is no shipped profile is a usage error (exit 2).
 */
import { describe, expect, it } from 'vitest';
import { parseSimArgs } from '../../../src/cli/commands/sim.js';
import { SimDevice } from '../../../src/transports/sim/index.js';

function ask(device: SimDevice, command: string): string {
  let out = '';
  const off = device.onOutput((o) => (out += Buffer.from(o.bytes).toString('latin1')));
  device.write(`${command}\r`);
  off();
  return out;
}

describe('mail2sms sim --profile', () => {
  it('gives the device the family identity and quirks, and keeps --fault and --pin', () => {
    const args = parseSimArgs(['--pty', '--profile', 'wavecom-q24', '--fault', 'status-report', '--pin', '1234']);
    expect(args.device).toMatchObject({ faults: ['status-report'], pin: '1234', quirks: { cpinWithoutOk: true } });
    const device = new SimDevice(args.device);
    ask(device, 'ATE0');
    expect(ask(device, 'AT+CGMI')).toBe('\r\n WAVECOM MODEM\r\n\r\nOK\r\n');
    expect(ask(device, 'AT+CPIN?')).toBe('\r\n+CPIN: SIM PIN\r\n');
  });

  it('leaves the device standard without --profile', () => {
    const args = parseSimArgs(['--pty']);
    expect(args.device.quirks).toBeUndefined();
    expect(args.device.identity).toBeUndefined();
  });

  it('refuses a name that is no shipped profile, listing the ones there are', () => {
    expect(() => parseSimArgs(['--profile', 'nokia-3310'])).toThrow(
      expect.objectContaining({ code: 'M2S_USAGE', message: expect.stringMatching(/^sim: --profile "nokia-3310" is not one of cinterion-pls8, huawei-e3372, .*wavecom-q24$/) }),
    );
  });

  it('still refuses an unknown fault by name', () => {
    expect(() => parseSimArgs(['--profile', 'huawei-e3372', '--fault', 'melt'])).toThrow(/--fault "melt" is not one of/);
  });
});

describe('mail2sms sim --mo and --store', () => {
  it('takes --mo NUMBER TEXT once or repeated, in order, texts with spaces and dashes kept', () => {
    const args = parseSimArgs(['--pty', '--mo', '+447700900123', 'ack 42', '--fault', 'status-report', '--mo', 'Alerts', '-- on my way', '--store', '5']);
    expect(args.mo).toEqual([
      { from: '+447700900123', text: 'ack 42' },
      { from: 'Alerts', text: '-- on my way' },
    ]);
    expect(args.device).toMatchObject({ faults: ['status-report'], storeCapacity: 5 });
    expect(parseSimArgs(['--pty']).mo).toEqual([]);
  });

  it('refuses --mo without its two values, or with a sender that is neither a number nor a name', () => {
    expect(() => parseSimArgs(['--mo', '+447700900123'])).toThrow(expect.objectContaining({ code: 'M2S_USAGE', message: expect.stringMatching(/^sim: --mo wants a NUMBER and a TEXT/) }));
    expect(() => parseSimArgs(['--mo', 'a+b@c', 'hi'])).toThrow(/--mo "a\+b@c" is not a number/);
    expect(() => parseSimArgs(['--store', '0'])).toThrow(/--store must be a whole number of at least 1, not "0"/);
    expect(() => parseSimArgs(['--store', '300'])).toThrow(/--store must be 1 to 255 places, not 300/);
  });

  it('gives the device a store of --store places', () => {
    const device = new SimDevice(parseSimArgs(['--store', '2']).device);
    ask(device, 'ATE0');
    expect(ask(device, 'AT+CPMS?')).toBe('\r\n+CPMS: "SM",0,2,"SM",0,2,"SM",0,2\r\n\r\nOK\r\n');
  });
});
